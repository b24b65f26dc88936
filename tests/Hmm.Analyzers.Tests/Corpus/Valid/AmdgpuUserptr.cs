// amdgpu userptr after the change: the mirror belongs to the buffer object's notifier (bo.Mn),
// which may be absent; the range registered for the user pages is handed to the ttm object and
// unregistered when the pages are done.
using System;
using Hmm;

namespace Drivers.Amdgpu;

public sealed class AmdgpuMn : IHmmMirrorOps
{
    public AmdgpuMn(MmStruct mm)
    {
        Mm = mm;
        Mirror = new HmmMirror(this);
    }

    public MmStruct Mm { get; }

    public HmmMirror Mirror { get; }

    public int Invalidations { get; private set; }

    public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update)
    {
        Invalidations++;
        return 0;
    }

    public void Release(HmmMirror mirror)
    {
    }
}

public sealed class AmdgpuTtm
{
    public MmStruct? UserMm { get; set; }

    public ulong UserAddress { get; set; }

    public ulong PageCount { get; set; }

    public HmmRange? Range { get; set; }

    public ulong[] Pages { get; } = new ulong[512];
}

public sealed class AmdgpuBo
{
    public AmdgpuBo(AmdgpuTtm ttm) => Ttm = ttm;

    public AmdgpuMn? Mn { get; set; }

    public AmdgpuTtm Ttm { get; }
}

public static class AmdgpuUserptr
{
    private static readonly ulong[] PfnFlags = { 1UL << 0, 1UL << 1, 0 };
    private static readonly ulong[] PfnValues = { 0xfffffffffffffffeUL, 0, 0xfffffffffffffffcUL };

    /// <summary>amdgpu_ttm_tt_get_user_pages: fault the user pages in and keep the range.</summary>
    public static int GetUserPages(AmdgpuBo bo)
    {
        var ttm = bo.Ttm;
        var mm = ttm.UserMm;
        if (mm is null)
        {
            return -Errno.EFAULT;
        }

        // No notifier, no mirror: the kernel fails the userptr with -EFAULT.
        var mn = bo.Mn;
        if (mn is null)
        {
            return -Errno.EFAULT;
        }

        ulong start = ttm.UserAddress;
        ulong end = start + (ttm.PageCount << HmmApi.PageShift);
        var range = new HmmRange
        {
            Flags = PfnFlags,
            Values = PfnValues,
            PfnShift = 12,
            Pfns = new ulong[ttm.PageCount],
            DefaultFlags = PfnFlags[(int)HmmPfnFlag.Valid],
        };

        int r = HmmApi.RangeRegister(range, mn.Mirror, start, end, HmmApi.PageShift);
        if (r != 0)
        {
            return r;
        }

        int attempts = 0;
    retry:
        mm.MmapSem.DownRead();
        range.Vma = mm.FindVma(start);
        if (range.Vma is null || range.Vma.End < end)
        {
            mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
            return -Errno.EFAULT;
        }

        if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
        {
            mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
            return -Errno.EBUSY;
        }

        long pages = HmmApi.RangeFault(range, true);
        mm.MmapSem.UpRead();
        if ((pages == -Errno.EAGAIN || pages == -Errno.EBUSY) && ++attempts < 3)
        {
            goto retry;
        }

        if (pages < 0)
        {
            HmmApi.RangeUnregister(range);
            return (int)pages;
        }

        Array.Copy(range.Pfns, ttm.Pages, Math.Min(range.Pfns.Length, ttm.Pages.Length));

        // The ttm object owns the registered range now; GetUserPagesDone unregisters it.
        ttm.Range = range;
        return 0;
    }

    /// <summary>amdgpu_ttm_tt_get_user_pages_done: were the pages stable all along?</summary>
    public static bool GetUserPagesDone(AmdgpuTtm ttm)
    {
        var range = ttm.Range;
        if (range is null)
        {
            return false;
        }

        ttm.Range = null;
        return HmmApi.VmaRangeDone(range);
    }

    /// <summary>amdgpu_mn_register: the bo gets the process's notifier, registered once.</summary>
    public static int RegisterNotifier(AmdgpuBo bo, MmStruct mm)
    {
        var mn = new AmdgpuMn(mm);
        mm.MmapSem.DownWrite();
        try
        {
            int r = HmmApi.MirrorRegister(mn.Mirror, mm);
            if (r != 0)
            {
                return r;
            }
        }
        finally
        {
            mm.MmapSem.UpWrite();
        }

        bo.Mn = mn;
        return 0;
    }

    public static void UnregisterNotifier(AmdgpuBo bo)
    {
        var mn = bo.Mn;
        bo.Mn = null;
        if (mn is not null && mn.Mirror.IsRegistered)
        {
            HmmApi.MirrorUnregister(mn.Mirror);
        }
    }
}
