namespace Hmm.Tests.Shared;

/// <summary>
/// The driver-side types every analyzer and fix test shares (one vocabulary), shaped after the
/// kernel callers of the change.
/// </summary>
public static class DriverCode
{
    /// <summary>
    /// nouveau's per-process object (the mirror embedded next to the mm it mirrors), amdgpu's
    /// buffer object whose notifier holds the mirror, a process that holds an mm and no mirror,
    /// and a mirror ops implementation.
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

        sealed class Process
        {
            public MmStruct Mm { get; } = new();
        }

        sealed class DeviceOps : IHmmMirrorOps
        {
            public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update) => 0;
            public void Release(HmmMirror mirror) { }
        }
        """;

    /// <summary>
    /// nouveau_svm.c's fault handler around the change, with <paramref name="vmaFault"/> as its
    /// call: the legacy <c>HmmApi.VmaFault(range, true)</c> before, the mirror-based one after.
    /// </summary>
    public static string NouveauFault(string vmaFault) => $$"""
        using Hmm;

        static class NouveauSvm
        {
            public static int Fault(NouveauSvmm svmm, ulong start, ulong limit, ulong[] pfns)
            {
                var mm = svmm.Mm;
                var range = new HmmRange { Start = start, End = limit, Pfns = pfns };
                mm.MmapSem.DownRead();
                range.Vma = mm.FindVma(start);
                if (range.Vma == null)
                {
                    mm.MmapSem.UpRead();
                    return -Errno.EFAULT;
                }

            again:
                int ret = {{vmaFault}};
                if (ret == 0)
                {
                    lock (svmm.Mutex)
                    {
                        if (!HmmApi.VmaRangeDone(range))
                        {
                            goto again;
                        }

                        // nvif_object_ioctl(): program the GPU page table
                    }
                }

                mm.MmapSem.UpRead();
                return ret;
            }
        }
        """;
}
