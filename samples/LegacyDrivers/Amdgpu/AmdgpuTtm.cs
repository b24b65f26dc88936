using Hmm;
using LegacyDrivers.Common;
using LegacyDrivers.Device;

namespace LegacyDrivers.Amdgpu;

/// <summary>amdgpu_ttm.c's userptr page collection, written against the legacy hmm_range_register.</summary>
public static class AmdgpuTtm
{
    /// <summary>How often validation retries when the pages change under it.</summary>
    public const int MaxRetries = 16;

    /// <summary>
    /// amdgpu_ttm_tt_get_user_pages: faults the bo's user pages in and keeps the range
    /// registered in <see cref="AmdgpuBo.Range"/> until <see cref="GetUserPagesDone"/>.
    /// </summary>
    public static int GetUserPages(AmdgpuBo bo)
    {
        if (bo.Mn is null)
        {
            // "Failed to get hmm_mirror": no notifier, so nothing would keep the pages in sync.
            return -Errno.EFAULT;
        }

        MmStruct mm = bo.Mn.Mm;
        mm.MmapSem.DownRead();
        Vma? vma = mm.FindVma(bo.UserPtr);
        bool covered = vma is not null && vma.Start <= bo.UserPtr;
        mm.MmapSem.UpRead();
        if (!covered)
        {
            return -Errno.EFAULT;
        }

        HmmRange range = PfnEncoding.NewRange(bo.UserPtr, bo.End);
        range.DefaultFlags = PfnEncoding.Request(write: !bo.ReadOnly);
        range.PfnFlagsMask = 0;
        int r = HmmApi.RangeRegister(range, bo.Mn.Mm, bo.UserPtr, bo.End, HmmApi.PageShift);
        if (r != 0)
        {
            return r;
        }

        // The result does not matter: the fault below, under mmap_sem, says whether the range is usable.
        HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
        mm.MmapSem.DownRead();
        long faulted = HmmApi.RangeFault(range, true);
        mm.MmapSem.UpRead();
        if (faulted < 0)
        {
            HmmApi.RangeUnregister(range);
            return (int)faulted;
        }

        bo.Range = range;
        return 0;
    }

    /// <summary>
    /// amdgpu_ttm_tt_get_user_pages_done: under the notifier lock, true when no invalidation
    /// hit the pages since they were collected; then they are bound to the GPU.
    /// </summary>
    public static bool GetUserPagesDone(AmdgpuBo bo)
    {
        if (bo.Mn is null || bo.Range is not { } range)
        {
            return false;
        }

        lock (bo.Mn.UpdateLock)
        {
            bool valid = HmmApi.RangeValid(range);
            HmmApi.RangeUnregister(range);
            bo.Range = null;
            if (valid)
            {
                bo.Mn.PageTable.Program(range);
            }

            return valid;
        }
    }

    /// <summary>Validates a userptr bo: collects its pages until they stay put; 0 or a negative errno.</summary>
    public static int Validate(AmdgpuBo bo)
    {
        for (int attempt = 0; attempt < MaxRetries; attempt++)
        {
            int r = GetUserPages(bo);
            if (r != 0)
            {
                return r;
            }

            if (GetUserPagesDone(bo))
            {
                return 0;
            }
        }

        return -Errno.EAGAIN;
    }

    /// <summary>Which pages of the bo the CPU has present, as one line.</summary>
    public static string QueryResidency(AmdgpuBo bo)
    {
        if (bo.Mn is null)
        {
            return $"error {-Errno.EFAULT}";
        }

        long ret = RangeResidency.Snapshot(bo.Mn.Mm, bo.UserPtr, bo.End, out HmmRange range);
        return RangeResidency.Describe(ret, range);
    }
}
