using Hmm;
using LegacyDrivers.Device;

namespace LegacyDrivers.Amdgpu;

/// <summary>
/// amdgpu's notifier for one process (struct amdgpu_mn in amdgpu_mn.c): the mm it watches and
/// the HMM mirror embedded in it. Its invalidation callback drops the GPU mappings of the
/// userptr buffer objects in the updated range.
/// </summary>
public sealed class AmdgpuMn : MirroredDevice, IDisposable
{
    public AmdgpuMn(MmStruct mm)
    {
        Mm = mm;
        Mirror = new HmmMirror(this);
    }

    /// <summary>amn->mm.</summary>
    public MmStruct Mm { get; }

    /// <summary>amn->mirror: registered by <see cref="Register"/> until <see cref="Dispose"/>.</summary>
    public HmmMirror Mirror { get; }

    /// <summary>amdgpu_mn_get: registers the mirror; 0 or a negative errno.</summary>
    public int Register() => RegisterMirror(Mirror, Mm);

    /// <summary>amdgpu_mn_destroy.</summary>
    public void Dispose() => Mirror.Dispose();
}
