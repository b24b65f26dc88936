// Documentation/vm/hmm.rst, driver_populate_range, after the change: register the range with the
// mirror, snapshot under mmap_sem, check validity under the driver's update lock, unregister.
using System;
using System.Threading;
using Hmm;

namespace Drivers.Dummy;

public sealed class DummyDevice
{
    private readonly object update = new();
    private readonly ulong[] pfnFlags = { 1UL << 63, 1UL << 62, 1UL << 61 };
    private readonly ulong[] pfnValues = { 0x1UL, 0x0UL, 0x2UL };

    public ulong[] DeviceTable { get; } = new ulong[4096];

    public HmmRange NewRange(ulong start, ulong end) => new()
    {
        Start = start,
        End = end,
        Pfns = new ulong[(end - start) >> HmmApi.PageShift],
        Flags = pfnFlags,
        Values = pfnValues,
        PfnShift = 8,
    };

    public long PopulateRange(HmmMirror mirror, MmStruct mm, ulong start, ulong end)
    {
        var range = NewRange(start, end);
        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

    again:
        mm.MmapSem.DownRead();
        range.Vma = mm.FindVma(start);
        long snapshot = HmmApi.RangeSnapshot(range);
        if (snapshot < 0)
        {
            mm.MmapSem.UpRead();
            if (snapshot == -Errno.EAGAIN)
            {
                // No need to check the wait: a retry reports the error through the snapshot.
                HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                goto again;
            }

            HmmApi.RangeUnregister(range);
            return snapshot;
        }

        Monitor.Enter(update);
        if (!HmmApi.RangeValid(range))
        {
            Monitor.Exit(update);
            mm.MmapSem.UpRead();
            goto again;
        }

        Program(range);
        HmmApi.RangeUnregister(range);
        Monitor.Exit(update);
        mm.MmapSem.UpRead();
        return snapshot;
    }

    /// <summary>The same, faulting pages in, with the unregistration in one finally.</summary>
    public int FaultRange(HmmMirror mirror, MmStruct mm, ulong start, ulong end, bool write)
    {
        var range = NewRange(start, end);
        range.DefaultFlags = pfnFlags[(int)HmmPfnFlag.Valid] | (write ? pfnFlags[(int)HmmPfnFlag.Write] : 0);
        range.PfnFlagsMask = 0;

        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        try
        {
            while (true)
            {
                if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
                {
                    return -Errno.EBUSY;
                }

                mm.MmapSem.DownRead();
                range.Vma = mm.FindVma(start);
                long pages;
                try
                {
                    pages = HmmApi.RangeFault(range, true);
                }
                finally
                {
                    mm.MmapSem.UpRead();
                }

                if (pages == -Errno.EBUSY || pages == -Errno.EAGAIN)
                {
                    continue;
                }

                if (pages < 0)
                {
                    return (int)pages;
                }

                lock (update)
                {
                    if (!HmmApi.RangeValid(range))
                    {
                        continue;
                    }

                    Program(range);
                    return 0;
                }
            }
        }
        finally
        {
            HmmApi.RangeUnregister(range);
        }
    }

    /// <summary>Several windows of one mirror, each registered and unregistered in turn.</summary>
    public int PopulateWindows(HmmMirror mirror, MmStruct mm, ulong start, ulong end, ulong window)
    {
        for (ulong address = start; address < end; address += window)
        {
            ulong last = Math.Min(end, address + window);
            int ret = FaultRange(mirror, mm, address, last, write: false);
            switch (ret)
            {
                case 0:
                    continue;
                case -Errno.EPERM:
                    return ret;
                default:
                    if (PopulateRange(mirror, mm, address, last) < 0)
                    {
                        return ret;
                    }

                    break;
            }
        }

        return 0;
    }

    private void Program(HmmRange range)
    {
        var pfns = range.Pfns;
        if (pfns is null)
        {
            return;
        }

        for (int i = 0; i < pfns.Length; i++)
        {
            int slot = (int)(((range.Start >> HmmApi.PageShift) + (ulong)i) % (ulong)DeviceTable.Length);
            DeviceTable[slot] = pfns[i] == range.Values[(int)HmmPfnValue.None] ? 0 : pfns[i];
        }
    }
}
