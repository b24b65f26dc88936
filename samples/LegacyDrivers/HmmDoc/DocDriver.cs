using Hmm;
using LegacyDrivers.Common;
using LegacyDrivers.Device;

namespace LegacyDrivers.HmmDoc;

/// <summary>
/// The driver of Documentation/vm/hmm.rst: a device that mirrors one process and populates
/// its page table with driver_populate_range, written against the legacy hmm_range_register.
/// </summary>
public sealed class DocDriver : MirroredDevice, IDisposable
{
    /// <summary>Mirrors <paramref name="mm"/>; throws HmmException when the mirror cannot be registered.</summary>
    public DocDriver(MmStruct mm)
    {
        Mm = mm;
        Mirror = HmmMirror.Register(mm, this);
    }

    public MmStruct Mm { get; }

    /// <summary>Registered from construction until <see cref="Dispose"/>.</summary>
    public HmmMirror Mirror { get; }

    /// <summary>
    /// driver_populate_range: faults [start, end) in (writable when <paramref name="write"/>)
    /// and programs the device page table with it. 0 or a negative errno.
    /// </summary>
    public int PopulateRange(ulong start, ulong end, bool write)
    {
        HmmRange range = PfnEncoding.NewRange(start, end);
        range.DefaultFlags = PfnEncoding.Request(write);
        range.PfnFlagsMask = 0;
        int ret = HmmApi.RangeRegister(range, Mm, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        Mm.MmapSem.DownRead();
    again:
        if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
        {
            Mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
            return -Errno.EBUSY;
        }

        long faulted = HmmApi.RangeFault(range, true);
        if (faulted < 0)
        {
            if (faulted == -Errno.EAGAIN || faulted == -Errno.EBUSY)
            {
                goto again;
            }

            Mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
            return (int)faulted;
        }

        UpdateLock.Enter();
        if (!HmmApi.RangeValid(range))
        {
            UpdateLock.Exit();
            goto again;
        }

        PageTable.Program(range);
        HmmApi.RangeUnregister(range);
        UpdateLock.Exit();
        Mm.MmapSem.UpRead();
        return 0;
    }

    /// <summary>Which pages of [start, end) the CPU has present, as one line.</summary>
    public string QueryResidency(ulong start, ulong end)
    {
        long ret = RangeResidency.Snapshot(this.Mm, start, end, out HmmRange range);
        return RangeResidency.Describe(ret, range);
    }

    public void Dispose() => Mirror.Dispose();
}
