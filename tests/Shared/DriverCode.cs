namespace Hmm.Tests.Shared;

/// <summary>
/// The driver-side types every analyzer and fix test shares (one vocabulary), shaped after the
/// kernel callers of the change.
/// </summary>
public static class DriverCode
{
    /// <summary>
    /// nouveau's per-process object (the mirror embedded next to the mm it mirrors), amdgpu's
    /// buffer object whose notifier holds the mirror, and a mirror ops implementation.
    /// </summary>
    public const string Types = """

        sealed class NouveauSvmm
        {
            public HmmMirror Mirror = null!;
            public MmStruct Mm = null!;
            public readonly object Mutex = new object();
        }

        sealed class AmdgpuMn
        {
            public HmmMirror Mirror { get; set; } = null!;
            public MmStruct Mm { get; set; } = null!;
        }

        sealed class AmdgpuBo
        {
            public AmdgpuMn Mn { get; set; } = null!;
        }

        sealed class DeviceOps : IHmmMirrorOps
        {
            public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update) => 0;
            public void Release(HmmMirror mirror) { }
        }
        """;
}
