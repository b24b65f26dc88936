namespace Hmm;

/// <summary>struct hmm: the per-mm state. One per mm at a time, reference counted: a registered
/// mirror and each registered range hold a reference, and so does each notifier call while it
/// runs. Freed (and unhooked from the mm) exactly once, when the last reference goes.</summary>
internal sealed class HmmState
{
    private readonly List<HmmRange> ranges = new();
    private readonly List<HmmMirror> mirrors = new();
    private int refCount = 1;
    private int notifiers;
    private readonly List<HmmUpdate> inFlight = new();
    private int registeredMirrors;
    private int freeCount;
    private volatile bool dead;

    internal HmmState(MmStruct mm) => Mm = mm;

    /// <summary>hmm->mm.</summary>
    internal MmStruct Mm { get; }

    /// <summary>hmm->lock: guards <c>ranges</c>, <c>notifiers</c> and each range's valid flag;
    /// also the wait queue (hmm->wq) that waiters of <see cref="HmmApi.RangeWaitUntilValid"/>
    /// sleep on.</summary>
    internal object Lock { get; } = new();

    /// <summary>hmm->mirrors_sem: guards the mirror list.</summary>
    internal RwSemaphore MirrorsSem { get; } = new();

    /// <summary>hmm->dead: the process has exited.</summary>
    internal bool Dead => dead;

    internal int RefCount => Volatile.Read(ref refCount);

    internal int FreeCount => Volatile.Read(ref freeCount);

    internal int Notifiers
    {
        get { lock (Lock) return notifiers; }
    }

    /// <summary>notifiers, read by a caller that holds the lock.</summary>
    internal int NotifiersUnlocked => notifiers;

    /// <summary>The updates counted in <c>notifiers</c>, for the concurrency tests' checks (read
    /// them where no thread is inside the lock).</summary>
    internal IReadOnlyList<HmmUpdate> InFlight => inFlight;

    /// <summary>The registered ranges, for the same checks.</summary>
    internal IReadOnlyList<HmmRange> Ranges => ranges;

    /// <summary>Mirrors registered and not yet unregistered. Unlike the mirror list, release
    /// at exit does not empty it: those mirrors stay registered until the driver unregisters
    /// them.</summary>
    internal int RegisteredMirrors => Volatile.Read(ref registeredMirrors);

    internal int RangeCount
    {
        get { lock (Lock) return ranges.Count; }
    }

    internal int MirrorCount
    {
        get
        {
            MirrorsSem.DownRead();
            try
            {
                return mirrors.Count;
            }
            finally
            {
                MirrorsSem.UpRead();
            }
        }
    }

    /// <summary>kref_get_unless_zero.</summary>
    internal bool TryGet()
    {
        int count = Volatile.Read(ref refCount);
        while (count > 0)
        {
            int seen = Interlocked.CompareExchange(ref refCount, count + 1, count);
            if (seen == count)
                return true;
            count = seen;
        }
        return false;
    }

    /// <summary>kref_get on a reference the caller already holds or knows to be held.</summary>
    internal void Get()
    {
        if (!TryGet())
            throw new InvalidOperationException("HMM state reference taken after its last reference went.");
    }

    /// <summary>hmm_put: drops a reference; the last one frees the state.</summary>
    internal void Put()
    {
        LockPoints.At("hmm_put");
        int count = Interlocked.Decrement(ref refCount);
        if (count < 0)
            throw new InvalidOperationException("HMM state reference dropped more often than taken.");
        if (count == 0)
        {
            if (Interlocked.Increment(ref freeCount) != 1)
                throw new InvalidOperationException("HMM state freed twice.");
            Mm.Unhook(this);
        }
    }

    /// <summary>Adds a mirror under mirrors_sem and runs <paramref name="added"/> there; false
    /// once the state is dead. Release sets dead before it takes mirrors_sem, so a mirror added
    /// here is always seen by its loop.</summary>
    internal bool AddMirror(HmmMirror mirror, Action added)
    {
        MirrorsSem.DownWrite();
        try
        {
            if (dead)
                return false;
            // list_add: at the head, so the newest mirror hears of an update first.
            mirrors.Insert(0, mirror);
            Interlocked.Increment(ref registeredMirrors);
            HmmEventSource.MirrorRegistered();
            added();
            return true;
        }
        finally
        {
            MirrorsSem.UpWrite();
        }
    }

    /// <summary>Removes a mirror under mirrors_sem (already gone when release took it off the
    /// list at exit) and runs <paramref name="removed"/> there.</summary>
    internal void RemoveMirror(HmmMirror mirror, Action removed)
    {
        MirrorsSem.DownWrite();
        try
        {
            mirrors.Remove(mirror);
            Interlocked.Decrement(ref registeredMirrors);
            HmmEventSource.MirrorUnregistered();
            removed();
        }
        finally
        {
            MirrorsSem.UpWrite();
        }
    }

    /// <summary>Adds a registered range, under the lock; it is valid only if no invalidation is
    /// in progress.</summary>
    internal void AddRange(HmmRange range)
    {
        using (LockPoints.Hold(Lock, "range_register: hmm->lock"))
        {
            ranges.Add(range);
            HmmEventSource.RangeRegistered();
            range.Hmm = this;
            range.IsValid = notifiers == 0;
        }
    }

    /// <summary>Removes a range, under the lock. False when it was not on the list.</summary>
    internal bool RemoveRange(HmmRange range)
    {
        using (LockPoints.Hold(Lock, "range_unregister: hmm->lock"))
        {
            if (range.Hmm != this || !ranges.Remove(range))
                return false;
            range.Hmm = null;
            HmmEventSource.RangeUnregistered();
            return true;
        }
    }

    /// <summary>hmm_range_wait_until_valid's sleep: until the range is valid or the state dead,
    /// at most <paramref name="timeout"/>.</summary>
    internal bool WaitUntilValid(HmmRange range, TimeSpan timeout)
    {
        bool forever = timeout == Timeout.InfiniteTimeSpan;
        long deadline = Environment.TickCount64 + (long)Math.Ceiling(Math.Max(0, timeout.TotalMilliseconds));
        using (LockPoints.Hold(Lock, "wait_until_valid: hmm->lock"))
        {
            while (!range.IsValid && !dead)
            {
                long remaining = deadline - Environment.TickCount64;
                if (forever)
                    LockPoints.Wait(Lock, Timeout.InfiniteTimeSpan, "wait_until_valid: hmm->wq");
                else if (remaining <= 0)
                    break;
                else if (!LockPoints.Wait(Lock, TimeSpan.FromMilliseconds(Math.Min(remaining, int.MaxValue)), "wait_until_valid: hmm->wq")
                    && LockPoints.Scheduler is not null)
                    break; // a controlled sleep timed out: the scheduler's clock, not ours
            }
            return range.IsValid;
        }
    }

    /// <summary>hmm_invalidate_range_start: counts the invalidation, marks the overlapping ranges
    /// invalid, then tells every mirror, newest first. 0, or -EAGAIN when not blockable and the
    /// lock, the mirror list or a mirror would block.</summary>
    /// <remarks>The caller calls <see cref="InvalidateRangeEnd"/> only after a 0. A mirror's
    /// -EAGAIN undoes the count (as "mm/hmm: Fix error flows in hmm_invalidate_range_start"
    /// does), so the ranges become valid again once no other invalidation is in flight. A
    /// failed mirrors_sem try-lock leaves the count raised, as the kernel of the change did:
    /// the ranges then stay invalid until the process exits.</remarks>
    internal int InvalidateRangeStart(HmmUpdate update)
    {
        HmmEventSource.InvalidationStarted(update.Blockable);
        if (update.Blockable)
            LockPoints.Enter(Lock, "invalidate_range_start: hmm->lock");
        else if (!LockPoints.TryEnter(Lock, "invalidate_range_start: hmm->lock try"))
            return -Errno.EAGAIN;
        try
        {
            notifiers++;
            inFlight.Add(update);
            // Held here, another thread's non-blockable start finds the lock taken.
            LockPoints.At("invalidate_range_start: counted");
            foreach (var range in ranges)
            {
                // The kernel's test: an update ending exactly at range->start still counts as
                // overlapping (update.end is exclusive). Harmless over-invalidation, kept.
                if (update.End < range.Start || update.Start >= range.End)
                    continue;
                range.IsValid = false;
            }
        }
        finally
        {
            Monitor.Exit(Lock);
        }

        if (update.Blockable)
            MirrorsSem.DownRead();
        else if (!MirrorsSem.TryDownRead())
            return -Errno.EAGAIN; // counted and never ended: inFlight keeps it too

        int ret = 0;
        try
        {
            foreach (var mirror in mirrors)
            {
                LockPoints.At("sync_cpu_device_pagetables");
                // Only a non-blockable update may be refused; any other result is ignored.
                if (mirror.Ops.SyncCpuDevicePageTables(mirror, update) == -Errno.EAGAIN && !update.Blockable)
                {
                    ret = -Errno.EAGAIN;
                    break;
                }
            }
        }
        finally
        {
            MirrorsSem.UpRead();
        }
        if (ret != 0)
            DecrementNotifiers(update);
        return ret;
    }

    /// <summary>hmm_invalidate_range_end of the update a successful start counted.</summary>
    internal void InvalidateRangeEnd(HmmUpdate update) => DecrementNotifiers(update);

    /// <summary>notifiers_decrement: when the last invalidation in progress ends, every range is
    /// valid again and the waiters wake.</summary>
    /// <remarks>So valid means "no invalidation in progress now", not "nothing changed since my
    /// snapshot": a driver must check it under the same lock its sync callback takes. The dead
    /// check only matters in the model, where an invalidation may still be in flight when
    /// <see cref="MmStruct.Exit"/> runs (the kernel releases an mm no one else uses).</remarks>
    private void DecrementNotifiers(HmmUpdate update)
    {
        using (LockPoints.Hold(Lock, "invalidate_range_end: hmm->lock"))
        {
            inFlight.Remove(update);
            if (--notifiers == 0 && !dead)
            {
                foreach (var range in ranges)
                    range.IsValid = true;
                LockPoints.PulseAll(Lock);
            }
        }
    }

    /// <summary>hmm_release (process exit): dead, every range invalid, waiters woken, then each
    /// mirror taken off the list and its release called, with mirrors_sem dropped around the
    /// call so that the callback may unregister mirrors. The caller holds a reference and drops
    /// it afterwards.</summary>
    internal void Release()
    {
        dead = true;
        using (LockPoints.Hold(Lock, "release: hmm->lock"))
        {
            foreach (var range in ranges)
                range.IsValid = false;
            LockPoints.PulseAll(Lock);
        }

        MirrorsSem.DownWrite();
        try
        {
            while (mirrors.Count > 0)
            {
                var mirror = mirrors[0];
                mirrors.RemoveAt(0);
                MirrorsSem.UpWrite();
                try
                {
                    LockPoints.At("mirror release");
                    mirror.Ops.Release(mirror);
                }
                finally
                {
                    MirrorsSem.DownWrite();
                }
            }
        }
        finally
        {
            MirrorsSem.UpWrite();
        }
    }
}
