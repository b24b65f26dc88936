namespace Hmm;

/// <summary>Index into <see cref="HmmRange.Flags"/>: the driver's bit for each page property.</summary>
public enum HmmPfnFlag
{
    /// <summary>HMM_PFN_VALID: the entry maps a page (in a request: the driver wants it).</summary>
    Valid = 0,
    /// <summary>HMM_PFN_WRITE: the page is writable (in a request: fault it in for write).</summary>
    Write = 1,
    /// <summary>HMM_PFN_DEVICE_PRIVATE: device-private memory (in a request: migrate it back).</summary>
    DevicePrivate = 2,
}

/// <summary>Index into <see cref="HmmRange.Values"/>: the driver's value for each special entry.</summary>
public enum HmmPfnValue
{
    /// <summary>HMM_PFN_ERROR: the page could not be faulted in.</summary>
    Error = 0,
    /// <summary>HMM_PFN_NONE: no page there.</summary>
    None = 1,
    /// <summary>HMM_PFN_SPECIAL: a special page the device must not map.</summary>
    Special = 2,
}

/// <summary>struct hmm_range: a virtual address range the driver mirrors, the pfns array HMM
/// fills for it, and the encoding of that array (<see cref="Flags"/>, <see cref="Values"/>,
/// <see cref="PfnShift"/>). A device entry is <c>(pfn &lt;&lt; PfnShift) | flag bits</c>.</summary>
public sealed class HmmRange
{
    private ulong[] flags = { 1UL << 0, 1UL << 1, 1UL << 2 };
    private ulong[] values = { ulong.MaxValue, 0, ulong.MaxValue - 1 };
    private volatile bool valid;

    /// <summary>range->vma: set by the driver for <see cref="HmmApi.VmaFault(HmmMirror, HmmRange, bool)"/>,
    /// updated by a snapshot or fault to the vma it walks.</summary>
    public Vma? Vma { get; set; }

    /// <summary>range->start: first address; set by registration.</summary>
    public ulong Start { get; set; }

    /// <summary>range->end: first address after the range; set by registration.</summary>
    public ulong End { get; set; }

    /// <summary>range->pfns: one entry per page of [Start, End). On input to a fault, each
    /// entry is the driver's request; on output, the device entry or a <see cref="Values"/> value.</summary>
    public ulong[]? Pfns { get; set; }

    /// <summary>range->flags, indexed by <see cref="HmmPfnFlag"/>. Default: bits 0, 1, 2.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public ulong[] Flags
    {
        get => flags;
        set => flags = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>range->values, indexed by <see cref="HmmPfnValue"/>. Default: Error all ones,
    /// None 0, Special all ones but bit 0.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public ulong[] Values
    {
        get => values;
        set => values = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>range->default_flags: request bits added to every entry by a fault.</summary>
    public ulong DefaultFlags { get; set; }

    /// <summary>range->pfn_flags_mask: which bits of each entry's own request a fault keeps.</summary>
    public ulong PfnFlagsMask { get; set; }

    /// <summary>range->pfn_shift: where the pfn starts in a device entry. Default 3 (above the
    /// three default flag bits).</summary>
    public int PfnShift { get; set; } = 3;

    /// <summary>range->page_shift: set by registration.</summary>
    public int PageShift { get; internal set; }

    /// <summary>range->valid: registered and no invalidation of the mm in progress right now
    /// (see <see cref="HmmApi.RangeValid"/>).</summary>
    public bool Valid => valid;

    /// <summary>range->hmm: the per-mm state while registered.</summary>
    internal HmmState? Hmm { get; set; }

    internal bool IsValid
    {
        get => valid;
        set => valid = value;
    }

    internal ulong PageCount => End > Start ? (End - Start) >> PageShift : 0;
}
