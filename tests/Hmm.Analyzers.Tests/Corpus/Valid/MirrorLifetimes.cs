// The ways a driver keeps a mirror registered while it registers ranges through it: a using
// declaration, a using statement, an explicit register/unregister pair with its failure handled,
// and mirrors owned by a device context (fields and properties).
using System;
using System.Collections.Generic;
using Hmm;

namespace Drivers.Lifetimes;

public sealed class CountingOps : IHmmMirrorOps
{
    public int Invalidations { get; private set; }

    public bool Released { get; private set; }

    public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update)
    {
        if (!update.Blockable)
        {
            return -Errno.EAGAIN;
        }

        Invalidations++;
        return 0;
    }

    public void Release(HmmMirror mirror) => Released = true;
}

public static class OneShot
{
    private static readonly ulong[] Flags = { 1, 2, 4 };
    private static readonly ulong[] Values = { 8, 0, 16 };

    public static long SnapshotWithUsingDeclaration(MmStruct mm, ulong start, ulong end)
    {
        using var mirror = HmmMirror.Register(mm, new CountingOps());
        var range = new HmmRange { Flags = Flags, Values = Values, Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        mm.MmapSem.DownRead();
        long pages = HmmApi.RangeSnapshot(range);
        mm.MmapSem.UpRead();
        HmmApi.RangeUnregister(range);
        return pages;
    }

    public static int FaultWithUsingStatement(MmStruct mm, HmmRange range)
    {
        using (var mirror = HmmMirror.Register(mm, new CountingOps()))
        {
            mm.MmapSem.DownRead();
            int ret = HmmApi.VmaFault(mirror, range, true);
            if (ret != 0)
            {
                // -EBUSY and -EAGAIN dropped mmap_sem; a timed-out wait (-EAGAIN) even left the
                // range registered, and unregistering twice is harmless.
                if (ret != -Errno.EBUSY && ret != -Errno.EAGAIN)
                {
                    mm.MmapSem.UpRead();
                }

                HmmApi.RangeUnregister(range);
                return ret;
            }

            bool valid = HmmApi.VmaRangeDone(range);
            mm.MmapSem.UpRead();
            return valid ? 0 : -Errno.EAGAIN;
        }
    }

    public static int RegisterThenUnregister(MmStruct mm, ulong start, ulong end)
    {
        var mirror = new HmmMirror(new CountingOps());
        mm.MmapSem.DownWrite();
        int ret = HmmApi.MirrorRegister(mirror, mm);
        mm.MmapSem.UpWrite();
        if (ret != 0)
        {
            return ret;
        }

        try
        {
            var range = new HmmRange { Flags = Flags, Values = Values, Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
            ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
            if (ret == 0)
            {
                ret = HmmApi.RangeWaitUntilValid(range, TimeSpan.FromMilliseconds(10)) ? 0 : -Errno.EBUSY;
                HmmApi.RangeUnregister(range);
            }

            return ret;
        }
        finally
        {
            HmmApi.MirrorUnregister(mirror);
        }
    }

    public static int RegisterOrThrow(MmStruct mm, HmmRange range, ulong start, ulong end)
    {
        var mirror = new HmmMirror(new CountingOps());
        if (HmmApi.MirrorRegister(mirror, mm) is int error and not 0)
        {
            throw new InvalidOperationException($"mirror registration failed: {error}");
        }

        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (ret == 0)
        {
            HmmApi.RangeUnregister(range);
        }

        mirror.Dispose();
        return ret;
    }
}

/// <summary>A device context that owns one mirror per process for its whole life.</summary>
public sealed class DeviceContext : IDisposable
{
    private readonly HmmMirror mirror;
    private readonly Dictionary<ulong, HmmRange> inFlight = new();

    private DeviceContext(MmStruct mm, HmmMirror mirror)
    {
        Mm = mm;
        this.mirror = mirror;
    }

    public MmStruct Mm { get; }

    public HmmMirror Mirror => mirror;

    public static DeviceContext Open(MmStruct mm) => new(mm, HmmMirror.Register(mm, new CountingOps()));

    public int Prefetch(HmmRange range, ulong start, ulong end)
    {
        int ret = HmmApi.RangeRegister(range, this.mirror, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        // Completed by Retire: the dictionary owns the registered range until then.
        inFlight[start] = range;
        return 0;
    }

    public int Touch(HmmRange range)
    {
        Mm.MmapSem.DownRead();
        int ret = HmmApi.VmaFault(Mirror, range, false);
        if (ret == 0)
        {
            HmmApi.VmaRangeDone(range);
            Mm.MmapSem.UpRead();
        }
        else
        {
            if (ret != -Errno.EBUSY && ret != -Errno.EAGAIN)
            {
                Mm.MmapSem.UpRead();
            }

            HmmApi.RangeUnregister(range);
        }

        return ret;
    }

    public bool Retire(ulong start)
    {
        if (!inFlight.Remove(start, out var range))
        {
            return false;
        }

        return HmmApi.VmaRangeDone(range);
    }

    public void Dispose()
    {
        foreach (var range in inFlight.Values)
        {
            HmmApi.RangeUnregister(range);
        }

        inFlight.Clear();
        mirror.Dispose();
    }
}
