namespace Hmm;

/// <summary>struct hmm_mirror: a driver's view of one mm. Register it with
/// <see cref="HmmApi.MirrorRegister"/> (or <see cref="Register"/>) before registering ranges
/// through it; it then holds a reference on the mm's HMM state until unregistered.</summary>
public sealed class HmmMirror : IDisposable
{
    // Guards `hmm` and `busy`, and the reference a range registration takes through the mirror
    // (so that an unregistration cannot drop the mirror's reference in between). Held only
    // briefly, never while waiting for mirrors_sem: callbacks run under mirrors_sem and may
    // register ranges.
    private readonly object gate = new();
    private HmmState? hmm;
    private bool busy; // a registration or unregistration is in progress

    /// <summary>A mirror with the driver's callbacks, not yet registered.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="ops"/> is null.</exception>
    public HmmMirror(IHmmMirrorOps ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        Ops = ops;
    }

    /// <summary>mirror->ops.</summary>
    public IHmmMirrorOps Ops { get; }

    /// <summary>True between a successful registration and unregistration (also after the mm
    /// exited: the mirror keeps its reference until unregistered).</summary>
    public bool IsRegistered => Volatile.Read(ref hmm) is not null;

    /// <summary>The mm it is registered with, while registered.</summary>
    public MmStruct? Mm => Volatile.Read(ref hmm)?.Mm;

    /// <summary>mirror->hmm: the per-mm state, while registered.</summary>
    internal HmmState? Hmm => Volatile.Read(ref hmm);

    /// <summary>Creates a mirror with <paramref name="ops"/> and registers it with
    /// <paramref name="mm"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="HmmException">Registration failed (its errno: EFAULT when the process
    /// has exited, ENOMEM when the per-mm state cannot be allocated).</exception>
    public static HmmMirror Register(MmStruct mm, IHmmMirrorOps ops)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(ops);
        var mirror = new HmmMirror(ops);
        int ret = HmmApi.MirrorRegister(mirror, mm);
        if (ret != 0)
            throw new HmmException(ret, $"hmm_mirror_register failed with errno {-ret}.");
        return mirror;
    }

    /// <summary>Unregisters the mirror if it is registered; idempotent.</summary>
    public void Dispose() => TryUnregister();

    /// <summary>hmm_mirror_register after the argument checks.</summary>
    internal int RegisterWith(MmStruct mm)
    {
        using (LockPoints.Hold(gate, "mirror gate"))
        {
            if (hmm is not null || busy)
                throw new InvalidOperationException("The mirror is already registered.");
            busy = true;
        }
        try
        {
            int ret = mm.GetOrCreateHmm(out var state);
            if (ret != 0)
                return ret;
            // The model's answer for an mm that has exited (the kernel's callers hold a
            // reference on the mm, so it cannot happen there): -EFAULT, like a range.
            if (!state!.AddMirror(this, () => Publish(state)))
            {
                state.Put();
                return -Errno.EFAULT;
            }
            return 0;
        }
        finally
        {
            using (LockPoints.Hold(gate, "mirror gate"))
            {
                busy = false;
            }
        }
    }

    /// <summary>hmm_mirror_unregister: off the list (mirror->hmm cleared under mirrors_sem, so
    /// no callback sees a mirror without its state), then the reference dropped. False when the
    /// mirror was not registered.</summary>
    internal bool TryUnregister()
    {
        HmmState? state;
        using (LockPoints.Hold(gate, "mirror gate"))
        {
            state = hmm;
            if (state is null || busy)
                return false;
            busy = true;
        }
        try
        {
            state.RemoveMirror(this, () => Publish(null));
        }
        finally
        {
            using (LockPoints.Hold(gate, "mirror gate"))
            {
                busy = false;
            }
        }
        state.Put();
        return true;
    }

    private void Publish(HmmState? state)
    {
        using (LockPoints.Hold(gate, "mirror gate"))
        {
            Volatile.Write(ref hmm, state);
        }
    }

    /// <summary>Runs <paramref name="action"/> with the mirror's state while no unregistration
    /// can drop the mirror's reference.</summary>
    internal T WithState<T>(Func<HmmState?, T> action)
    {
        using (LockPoints.Hold(gate, "mirror gate"))
        {
            return action(hmm);
        }
    }
}
