namespace Hmm;

/// <summary>vm_flags: the permissions and kind of a vma.</summary>
[Flags]
public enum VmFlags
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary>VM_READ.</summary>
    Read = 1,
    /// <summary>VM_WRITE.</summary>
    Write = 2,
    /// <summary>VM_EXEC.</summary>
    Exec = 4,
    /// <summary>VM_IO: device memory mapped by a driver; its pages are special.</summary>
    Io = 8,
    /// <summary>VM_PFNMAP: raw pfns without struct page; its pages are special.</summary>
    PfnMap = 16,
}
