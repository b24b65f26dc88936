using Hmm;
using LegacyDrivers.Device;

namespace LegacyDrivers.Common;

/// <summary>
/// A helper the drivers share: which pages of a user range the CPU has present, without
/// faulting anything in (hmm_range_snapshot). It only gets an mm: before the kernel change it
/// could register a range with any mm, mirror or not. The migration threads the mirror in from
/// its callers, which all own one.
/// </summary>
public static class RangeResidency
{
    /// <summary>
    /// Snapshots [start, end) of <paramref name="mm"/> into a new range: the number of pages
    /// walked and the range (its pfns in <see cref="PfnEncoding"/>), or a negative errno.
    /// </summary>
    public static long Snapshot(MmStruct mm, ulong start, ulong end, out HmmRange range)
    {
        range = PfnEncoding.NewRange(start, end);
        int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
        if (ret != 0)
        {
            return ret;
        }

        mm.MmapSem.DownRead();
    again:
        if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
        {
            mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
            return -Errno.EBUSY;
        }

        long pages = HmmApi.RangeSnapshot(range);
        if (pages == -Errno.EAGAIN)
        {
            // An invalidation started during the walk: wait for it to end and walk again.
            goto again;
        }

        mm.MmapSem.UpRead();
        HmmApi.RangeUnregister(range);
        return pages;
    }

    /// <summary>The snapshot as one line: per page, rw / r- / absent.</summary>
    public static string Describe(long result, HmmRange range)
    {
        if (result < 0)
        {
            return $"error {result}";
        }

        var pages = (range.Pfns ?? []).Select(value => PfnEncoding.Decode(value) switch
        {
            null => "-",
            { Writable: true } => "rw",
            _ => "r-",
        });
        return string.Join(" ", pages);
    }
}
