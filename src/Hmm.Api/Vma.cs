namespace Hmm;

/// <summary>struct vm_area_struct: one mapping [Start, End) of an address space.</summary>
/// <remarks>Start, End and Flags change only under the mm's mmap_sem held for write (mprotect
/// splits a vma, munmap trims it).</remarks>
public sealed class Vma
{
    internal Vma(MmStruct mm, ulong start, ulong end, VmFlags flags)
    {
        Mm = mm;
        Start = start;
        End = end;
        Flags = flags;
    }

    /// <summary>vm_start: the first address of the mapping.</summary>
    public ulong Start { get; internal set; }

    /// <summary>vm_end: the first address after the mapping.</summary>
    public ulong End { get; internal set; }

    /// <summary>vma->vm_mm: the address space this vma belongs to.</summary>
    public MmStruct Mm { get; }

    /// <summary>vm_flags.</summary>
    public VmFlags Flags { get; internal set; }

    internal bool IsDeviceVma => (Flags & (VmFlags.Io | VmFlags.PfnMap)) != 0;

    internal bool Contains(ulong address) => address >= Start && address < End;

    /// <inheritdoc/>
    public override string ToString() => $"vma [0x{Start:x}, 0x{End:x}) {Flags}";
}
