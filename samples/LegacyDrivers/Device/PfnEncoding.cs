using Hmm;

namespace LegacyDrivers.Device;

/// <summary>
/// The device's page-table entry format, as HMM is told to produce it: the driver picks the
/// flag bits and special values (like amdgpu's hmm_range_flags/hmm_range_values), and an
/// entry is <c>(pfn &lt;&lt; PfnShift) | flags</c>.
/// </summary>
public static class PfnEncoding
{
    public const ulong Valid = 1UL << 0;
    public const ulong Write = 1UL << 1;
    public const ulong DevicePrivate = 1UL << 2;

    public const ulong Error = 1UL << 3;
    public const ulong None = 0;
    public const ulong Special = 1UL << 4;

    public const int PfnShift = 12;

    public const ulong PageSize = 1UL << HmmApi.PageShift;

    /// <summary>A range that speaks this encoding, with room for the pfns of [start, end).</summary>
    public static HmmRange NewRange(ulong start, ulong end) => new()
    {
        Start = start,
        End = end,
        Flags = [Valid, Write, DevicePrivate],
        Values = [Error, None, Special],
        PfnShift = PfnShift,
        Pfns = new ulong[(end - start) >> HmmApi.PageShift],
    };

    /// <summary>The request for one page: valid, and writable when the device writes.</summary>
    public static ulong Request(bool write) => Valid | (write ? Write : 0);

    /// <summary>The device entry an HMM pfn value stands for, or null when no page backs it.</summary>
    public static DeviceEntry? Decode(ulong value)
    {
        if ((value & Valid) == 0)
        {
            return null;
        }

        return new DeviceEntry(value >> PfnShift, (value & Write) != 0, (value & DevicePrivate) != 0);
    }
}
