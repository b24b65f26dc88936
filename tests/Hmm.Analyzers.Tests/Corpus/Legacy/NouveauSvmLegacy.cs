// expect: HMM001, HMM004, HMM006
// nouveau_svm.c before the change: the svmm has its mirror, but the fault handler still goes
// through the mm.
using System;
using Hmm;

namespace Legacy.Nouveau;

public sealed class NouveauSvmm : IHmmMirrorOps
{
    private readonly object mutex = new();

    public NouveauSvmm(MmStruct mm)
    {
        Mm = mm;
        Mirror = new HmmMirror(this);
    }

    public MmStruct Mm { get; }

    public HmmMirror Mirror { get; }

    public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update) => 0;

    public void Release(HmmMirror mirror)
    {
    }

    public int HandleFault(HmmRange range)
    {
    again:
        Mm.MmapSem.DownRead();
        int ret = HmmApi.VmaFault(range, true);
        if (ret != 0)
        {
            Mm.MmapSem.UpRead();
            return ret;
        }

        lock (mutex)
        {
            if (!HmmApi.VmaRangeDone(range))
            {
                Mm.MmapSem.UpRead();
                goto again;
            }
        }

        Mm.MmapSem.UpRead();
        return 0;
    }

    public int Prefault(HmmRange range, ulong start, ulong end)
    {
        int ret = HmmApi.RangeRegister(range, Mm, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        Mm.MmapSem.DownRead();
        HmmApi.RangeFault(range, false);
        Mm.MmapSem.UpRead();
        HmmApi.RangeUnregister(range);
        return 0;
    }
}
