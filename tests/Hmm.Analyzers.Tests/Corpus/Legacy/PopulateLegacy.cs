// expect: HMM002, HMM005, HMM006
// driver_populate_range before the change: the range is registered through the mm alone, with
// no mirror anywhere in reach, and an error path forgets to unregister it.
using System;
using Hmm;

namespace Legacy.Dummy;

public static class LegacyPopulate
{
    public static long PopulateRange(MmStruct mm, ulong start, ulong end, ulong[] pfns)
    {
        var range = new HmmRange { Pfns = pfns, Flags = new ulong[3], Values = new ulong[3] };
        int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

    again:
        mm.MmapSem.DownRead();
        long snapshot = HmmApi.RangeSnapshot(range);
        if (snapshot < 0)
        {
            mm.MmapSem.UpRead();
            if (snapshot == -Errno.EAGAIN)
            {
                HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                goto again;
            }

            return snapshot;
        }

        HmmApi.RangeUnregister(range);
        mm.MmapSem.UpRead();
        return snapshot;
    }

    public static void Touch(MmStruct mm, HmmRange range, ulong start, ulong end)
    {
        HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
        HmmApi.RangeUnregister(range);
    }
}
