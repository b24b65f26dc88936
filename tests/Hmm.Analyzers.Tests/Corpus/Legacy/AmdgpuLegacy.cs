// expect: HMM001, HMM002, HMM004
// amdgpu userptr before the change: the notifier's mirror exists, yet the range is registered
// with the ttm's mm; the helper below has no mirror at all.
using System;
using Hmm;

namespace Legacy.Amdgpu;

public sealed class AmdgpuMn
{
    public AmdgpuMn(MmStruct mm, HmmMirror mirror)
    {
        Mm = mm;
        Mirror = mirror;
    }

    public MmStruct Mm { get; }

    public HmmMirror Mirror { get; }
}

public sealed class AmdgpuBo
{
    public AmdgpuMn? Mn { get; set; }

    public HmmRange? Range { get; set; }
}

public static class AmdgpuUserptr
{
    public static int GetUserPages(AmdgpuBo bo, ulong start, ulong pages)
    {
        var mn = bo.Mn;
        if (mn is null)
        {
            return -Errno.EFAULT;
        }

        var range = new HmmRange { Flags = new ulong[3], Values = new ulong[3], Pfns = new ulong[pages] };
        int r = HmmApi.RangeRegister(range, mn.Mm, start, start + (pages << HmmApi.PageShift), HmmApi.PageShift);
        if (r != 0)
        {
            return r;
        }

        bo.Range = range;
        return 0;
    }

    public static int FaultOne(AmdgpuMn mn, HmmRange range)
    {
        mn.Mm.MmapSem.DownRead();
        int r = HmmApi.VmaFault(range, true);
        if (r == 0)
        {
            HmmApi.VmaRangeDone(range);
        }

        mn.Mm.MmapSem.UpRead();
        return r;
    }

    public static int FaultWithoutMirror(HmmRange range)
    {
        int r = HmmApi.VmaFault(range, false);
        if (r == 0)
        {
            HmmApi.VmaRangeDone(range);
        }

        return r;
    }
}
