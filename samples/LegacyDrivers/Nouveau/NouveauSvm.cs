using Hmm;
using LegacyDrivers.Common;
using LegacyDrivers.Device;

namespace LegacyDrivers.Nouveau;

/// <summary>The GPU fault handler of nouveau_svm.c, written against the legacy hmm_vma_fault.</summary>
public static class NouveauSvm
{
    /// <summary>nouveau faults in a 64 KiB window around the faulting address, clipped to the vma.</summary>
    public const ulong FaultWindow = 0x10000;

    /// <summary>
    /// Handles a GPU fault at <paramref name="address"/>: faults the window in for the CPU and
    /// programs the GPU page table with it. 0 or a negative errno.
    /// </summary>
    public static int HandleFault(NouveauSvmm svmm, ulong address, bool write)
    {
        HmmRange range;
        svmm.Mm.MmapSem.DownRead();
    again:
        Vma? vma = svmm.Mm.FindVma(address);
        if (vma is null || address < vma.Start)
        {
            svmm.Mm.MmapSem.UpRead();
            return -Errno.EFAULT;
        }

        ulong start = Math.Max(address & ~(FaultWindow - 1), vma.Start);
        ulong end = Math.Min(start + FaultWindow, vma.End);
        range = PfnEncoding.NewRange(start, end);
        range.Vma = vma;
        ulong[] pfns = range.Pfns!;
        for (int i = 0; i < pfns.Length; i++)
        {
            // The faulting page asks for what the GPU needs; its neighbours come along readable.
            bool faulting = start + ((ulong)i << HmmApi.PageShift) == (address & ~(PfnEncoding.PageSize - 1));
            pfns[i] = PfnEncoding.Request(write && faulting);
        }

        int ret = HmmApi.VmaFault(range, true);
        if (ret != 0)
        {
            if (ret == -Errno.EBUSY)
            {
                // An invalidation raced with the fault: mmap_sem was dropped and the range
                // unregistered. Take the lock again and retry.
                svmm.Mm.MmapSem.DownRead();
                goto again;
            }

            if (ret == -Errno.EAGAIN)
            {
                // Timed out waiting for the range: mmap_sem was dropped, the range left registered.
                HmmApi.RangeUnregister(range);
                return ret;
            }

            svmm.Mm.MmapSem.UpRead();
            return ret;
        }

        svmm.UpdateLock.Enter();
        if (!HmmApi.VmaRangeDone(range))
        {
            svmm.UpdateLock.Exit();
            goto again;
        }

        svmm.PageTable.Program(range);
        svmm.UpdateLock.Exit();
        svmm.Mm.MmapSem.UpRead();
        return 0;
    }

    /// <summary>Which pages of [start, end) the CPU has present, as one line.</summary>
    public static string QueryResidency(NouveauSvmm svmm, ulong start, ulong end)
    {
        long ret = RangeResidency.Snapshot(svmm.Mm, start, end, out HmmRange range);
        return RangeResidency.Describe(ret, range);
    }
}
