// Fault handlers split into helpers: static local functions that take the mirror they use, a
// notifier that may be missing (reached with ?.), and a switch on the registration result.
using System;
using Hmm;

namespace Drivers.Retry;

public sealed class Notifier
{
    public HmmMirror Mirror { get; set; } = null!;

    public MmStruct Mm { get; set; } = null!;
}

public sealed class UserBuffer
{
    public Notifier? Mn { get; set; }
}

public static class RetryHelpers
{
    public static int Fault(HmmMirror mirror, HmmRange range)
    {
        int ret = Once(mirror, range);
        while (ret == -Errno.EBUSY)
            ret = Once(mirror, range);
        return ret;

        static int Once(HmmMirror gpu, HmmRange range)
        {
            int ret = HmmApi.VmaFault(gpu, range, true);
            if (ret < 0)
                return ret;
            return HmmApi.VmaRangeDone(range) ? 0 : -Errno.EBUSY;
        }
    }

    public static int Pin(UserBuffer bo, HmmRange range)
    {
        var mirror = bo.Mn?.Mirror;
        if (mirror is null)
            return -Errno.EFAULT;

        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        switch (ret)
        {
            case 0:
                HmmApi.RangeUnregister(range);
                return 0;
            case -Errno.EBUSY:
                return -Errno.EAGAIN;
            default:
                return ret;
        }
    }

    public static Func<HmmMirror, HmmRange, int> Snapshotter() =>
        static (gpu, range) =>
        {
            int ret = HmmApi.RangeRegister(range, gpu, range.Start, range.End, HmmApi.PageShift);
            if (ret != 0)
                return ret;
            long pages = HmmApi.RangeSnapshot(range);
            HmmApi.RangeUnregister(range);
            return pages < 0 ? (int)pages : 0;
        };
}
