using System.Text;
using Hmm;

namespace LegacyDrivers.Device;

/// <summary>One device page-table entry: the CPU page frame it maps and its permissions.</summary>
public readonly record struct DeviceEntry(ulong Pfn, bool Writable, bool DevicePrivate);

/// <summary>
/// The device's page table, mirrored from the CPU's: page address to entry. Callers hold the
/// owning device's update lock, the same lock its invalidation callback takes.
/// </summary>
public sealed class DevicePageTable
{
    private readonly SortedDictionary<ulong, DeviceEntry> entries = [];

    public int Count => entries.Count;

    public IEnumerable<KeyValuePair<ulong, DeviceEntry>> Entries => entries;

    public DeviceEntry? Lookup(ulong address) =>
        entries.TryGetValue(address & ~(PfnEncoding.PageSize - 1), out var entry) ? entry : null;

    /// <summary>Programs the entries of a range HMM filled: present pages mapped, the others cleared.</summary>
    public void Program(HmmRange range)
    {
        ulong[] pfns = range.Pfns ?? throw new ArgumentException("the range has no pfns", nameof(range));
        for (int i = 0; i < pfns.Length; i++)
        {
            ulong address = range.Start + ((ulong)i << HmmApi.PageShift);
            if (PfnEncoding.Decode(pfns[i]) is { } entry)
            {
                entries[address] = entry;
            }
            else
            {
                entries.Remove(address);
            }
        }
    }

    /// <summary>Drops every entry in [start, end): the CPU side changed there.</summary>
    public void Invalidate(ulong start, ulong end)
    {
        foreach (ulong address in entries.Keys.Where(a => a >= start && a < end).ToList())
        {
            entries.Remove(address);
        }
    }

    public void Clear() => entries.Clear();

    /// <summary>One line per entry: address, page frame (named by <paramref name="pfnName"/>), permissions.</summary>
    public string Dump(Func<ulong, string> pfnName)
    {
        if (entries.Count == 0)
        {
            return "  (empty)\n";
        }

        var text = new StringBuilder();
        foreach (var (address, entry) in entries)
        {
            text.Append($"  0x{address:x} -> {pfnName(entry.Pfn)} {(entry.Writable ? "rw" : "r-")}{(entry.DevicePrivate ? " device" : "")}\n");
        }

        return text.ToString();
    }
}
