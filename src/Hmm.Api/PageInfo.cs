namespace Hmm;

/// <summary>What a present page table entry maps.</summary>
public enum PageKind
{
    /// <summary>An ordinary page of system memory.</summary>
    Normal,
    /// <summary>The shared zero page, mapped read-only by a read fault on untouched anonymous memory.</summary>
    Zero,
    /// <summary>A special page (pte_special): device or raw pfn memory in an IO/PFNMAP vma.</summary>
    Special,
    /// <summary>A device-private page: the data lives in device memory after a migration; the
    /// CPU entry is a device-private swap entry and a CPU touch migrates it back.</summary>
    DevicePrivate,
}

/// <summary>One page table entry of the CPU side, as <see cref="MmStruct.GetPage"/> reads it.</summary>
/// <param name="Pfn">The page frame number (a device pfn for <see cref="PageKind.DevicePrivate"/>).</param>
/// <param name="Kind">What the entry maps.</param>
/// <param name="Writable">True if the entry allows writes without a fault.</param>
public readonly record struct PageInfo(ulong Pfn, PageKind Kind, bool Writable);
