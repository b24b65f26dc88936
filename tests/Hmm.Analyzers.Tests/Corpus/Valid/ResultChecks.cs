// The ways drivers test what RangeRegister, MirrorRegister and VmaFault returned: every one of them
// handles the failure, so nothing here may draw a diagnostic.
using System;
using Hmm;

namespace Drivers.Checks;

public sealed class ResultChecks
{
    private const int Success = 0;

    public int LastError { get; private set; }

    public static int ConstantNamed(HmmMirror mirror, HmmRange range)
    {
        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        if (ret != Success)
            return ret;

        HmmApi.RangeUnregister(range);
        return Success;
    }

    public static int NotZeroPattern(HmmMirror mirror, HmmRange range)
    {
        var ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        if (ret is not 0)
            return ret;

        HmmApi.RangeUnregister(range);
        return 0;
    }

    public static int EitherSidePattern(HmmMirror mirror, HmmRange range)
    {
        var ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        if (ret is < 0 or > 0)
            return ret;

        HmmApi.RangeUnregister(range);
        return 0;
    }

    public static int SwitchExpression(HmmMirror mirror, HmmRange range) =>
        HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) switch
        {
            0 => Done(range),
            var error => error,
        };

    private static int Done(HmmRange range)
    {
        HmmApi.RangeUnregister(range);
        return 0;
    }

    public static int CopiedResult(HmmMirror mirror, HmmRange range)
    {
        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        int error = ret;
        if (error < 0)
            return error;

        HmmApi.RangeUnregister(range);
        return 0;
    }

    public int KeptForLater(HmmMirror mirror, HmmRange range)
    {
        LastError = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        if (LastError != 0)
            return LastError;

        HmmApi.RangeUnregister(range);
        return 0;
    }

    public static int CheckedByAHelper(HmmMirror mirror, HmmRange range)
    {
        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        if (Failed(ret))
            return ret;

        HmmApi.RangeUnregister(range);
        return 0;
    }

    private static bool Failed(int ret) => ret < 0;

    public static int RetryWhileBusy(HmmMirror mirror, HmmRange range)
    {
        int ret;
        while ((ret = HmmApi.VmaFault(mirror, range, true)) == -Errno.EBUSY)
        {
        }

        if (ret < 0)
            return ret;

        return HmmApi.VmaRangeDone(range) ? 0 : -Errno.EAGAIN;
    }

    public static int MirrorThenRange(MmStruct mm, HmmRange range, IHmmMirrorOps ops)
    {
        var mirror = new HmmMirror(ops);
        int ret = HmmApi.MirrorRegister(mirror, mm);
        if (ret is < 0 or > 0)
            return ret;

        try
        {
            ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
            if (ret == 0)
                HmmApi.RangeUnregister(range);
            return ret;
        }
        finally
        {
            HmmApi.MirrorUnregister(mirror);
        }
    }

    public static int MirrorCheckedByAHelper(MmStruct mm, HmmRange range, IHmmMirrorOps ops)
    {
        var mirror = new HmmMirror(ops);
        int ret = HmmApi.MirrorRegister(mirror, mm);
        if (Failed(ret))
            return ret;

        ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        if (ret == 0)
            HmmApi.RangeUnregister(range);
        HmmApi.MirrorUnregister(mirror);
        return ret;
    }

    public static Func<HmmRange, int> Faulter(HmmMirror mirror) =>
        range => HmmApi.VmaFault(mirror, range, true) is var ret && ret < 0
            ? ret
            : (HmmApi.VmaRangeDone(range) ? 0 : -Errno.EAGAIN);

    private static void ThrowIfFailed(int ret)
    {
        if (ret < 0)
            throw new InvalidOperationException($"HMM call failed: {ret}");
    }

    public static int RegisterThrough(MmStruct mm, HmmRange range, IHmmMirrorOps ops)
    {
        var mirror = new HmmMirror(ops);
        ThrowIfFailed(HmmApi.MirrorRegister(mirror, mm));
        try
        {
            ThrowIfFailed(HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift));
            HmmApi.RangeUnregister(range);
            return 0;
        }
        finally
        {
            HmmApi.MirrorUnregister(mirror);
        }
    }

    public int RememberMirrorError(MmStruct mm, HmmRange range, IHmmMirrorOps ops)
    {
        var mirror = new HmmMirror(ops);
        LastError = HmmApi.MirrorRegister(mirror, mm);
        if (LastError != 0)
            return LastError;

        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
        if (ret == 0)
            HmmApi.RangeUnregister(range);
        HmmApi.MirrorUnregister(mirror);
        return ret;
    }
}
