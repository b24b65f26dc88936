using Hmm;
using LegacyDrivers.Device;

namespace LegacyDrivers.Nouveau;

/// <summary>
/// nouveau's per-process GPU address space (struct nouveau_svmm): the process's mm, the HMM
/// mirror embedded in it, and the mutex its fault handler and invalidation callback share.
/// </summary>
public sealed class NouveauSvmm : MirroredDevice, IDisposable
{
    public NouveauSvmm(MmStruct mm)
    {
        Mm = mm;
        Mirror = new HmmMirror(this);
    }

    /// <summary>svmm->mm.</summary>
    public MmStruct Mm { get; }

    /// <summary>svmm->mirror: registered by <see cref="Init"/> until <see cref="Dispose"/>.</summary>
    public HmmMirror Mirror { get; }

    /// <summary>nouveau_svmm_init: registers the mirror with the process's mm; 0 or a negative errno.</summary>
    public int Init() => RegisterMirror(Mirror, Mm);

    /// <summary>nouveau_svmm_fini: hmm_mirror_unregister.</summary>
    public void Dispose() => Mirror.Dispose();
}
