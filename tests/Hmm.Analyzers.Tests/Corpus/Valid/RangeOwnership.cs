// Ranges whose ownership moves: stored into a field, returned to the caller, queued for a worker,
// or handled in lambdas and local functions. Each owner unregisters what it received.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading.Tasks;
using Hmm;

namespace Drivers.Ownership;

public sealed class MigrationJob
{
    private readonly HmmMirror mirror;
    private HmmRange? current;

    public MigrationJob(HmmMirror mirror) => this.mirror = mirror;

    public bool Busy => current is not null;

    public int Begin(ulong start, ulong end)
    {
        var range = new HmmRange { Flags = new ulong[3], Values = new ulong[3], Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        // End() unregisters it.
        current = range;
        return 0;
    }

    public bool End()
    {
        var range = current;
        current = null;
        return range is not null && HmmApi.VmaRangeDone(range);
    }
}

public static class RangeFactory
{
    /// <summary>A registered range, or null with the errno: the caller owns what it gets.</summary>
    public static HmmRange? Register(HmmMirror mirror, ulong start, ulong end, out int error)
    {
        var range = new HmmRange { Flags = new ulong[3], Values = new ulong[3], Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
        error = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (error != 0)
        {
            return null;
        }

        return range;
    }

    public static int SnapshotOnce(HmmMirror mirror, MmStruct mm, ulong start, ulong end)
    {
        var range = Register(mirror, start, end, out int error);
        if (range is null)
        {
            return error;
        }

        mm.MmapSem.DownRead();
        long pages = HmmApi.RangeSnapshot(range);
        mm.MmapSem.UpRead();
        HmmApi.RangeUnregister(range);
        return pages < 0 ? (int)pages : 0;
    }
}

public sealed class FaultQueue : IDisposable
{
    private readonly BlockingCollection<HmmRange> pending = new();
    private readonly HmmMirror mirror;

    public FaultQueue(HmmMirror mirror) => this.mirror = mirror;

    public int Enqueue(ulong start, ulong end)
    {
        var range = new HmmRange { Flags = new ulong[3], Values = new ulong[3], Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (ret == 0)
        {
            // The worker owns it from here.
            pending.Add(range);
        }

        return ret;
    }

    public Task<int> DrainAsync(MmStruct mm) => Task.Run(() =>
    {
        int failed = 0;
        while (pending.TryTake(out var range))
        {
            mm.MmapSem.DownRead();
            long pages = HmmApi.RangeFault(range, true);
            mm.MmapSem.UpRead();
            if (pages < 0)
            {
                failed++;
            }

            HmmApi.RangeUnregister(range);
        }

        return failed;
    });

    public void Dispose()
    {
        while (pending.TryTake(out var range))
        {
            HmmApi.RangeUnregister(range);
        }

        pending.Dispose();
    }
}

public static class Callbacks
{
    public static int ForEachWindow(HmmMirror mirror, MmStruct mm, IReadOnlyList<(ulong Start, ulong End)> windows)
    {
        int errors = 0;
        foreach (var (start, end) in windows)
        {
            if (Populate(start, end) != 0)
            {
                errors++;
            }
        }

        return errors;

        int Populate(ulong start, ulong end)
        {
            var range = new HmmRange { Flags = new ulong[3], Values = new ulong[3], Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
            int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
            if (ret != 0)
            {
                return ret;
            }

            try
            {
                mm.MmapSem.DownRead();
                long pages = HmmApi.RangeFault(range, true);
                mm.MmapSem.UpRead();
                return pages < 0 ? (int)pages : 0;
            }
            finally
            {
                HmmApi.RangeUnregister(range);
            }
        }
    }

    public static Func<ulong, ulong, int> Snapshotter(HmmMirror mirror, MmStruct mm) => (start, end) =>
    {
        var range = new HmmRange { Flags = new ulong[3], Values = new ulong[3], Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        mm.MmapSem.DownRead();
        long pages = HmmApi.RangeSnapshot(range);
        mm.MmapSem.UpRead();
        HmmApi.RangeUnregister(range);
        return (int)Math.Min(pages, 0);
    };
}

/// <summary>Plain driver bookkeeping next to the HMM code, and a method of its own named like HMM's.</summary>
public sealed class DeviceTable
{
    private readonly Dictionary<ulong, ulong> entries = new();

    public int RangeRegister(ulong start, ulong end)
    {
        for (ulong address = start; address < end; address += 4096)
        {
            entries[address] = 0;
        }

        return entries.Count;
    }

    public void Clear(ulong start, ulong end)
    {
        RangeRegister(start, start);
        foreach (var key in new List<ulong>(entries.Keys))
        {
            if (key >= start && key < end)
            {
                entries.Remove(key);
            }
        }
    }
}
