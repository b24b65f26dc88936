// The public surface of ../shared/spec/api.md, declared before the runtime behind it.
// Bodies are filled in by the runtime work (issue 2); names and signatures here are fixed.
using System.ComponentModel;

namespace Hmm;

/// <summary>struct mm_struct: one process address space.</summary>
public sealed class MmStruct
{
    /// <summary>Creates an empty address space.</summary>
    public MmStruct() => throw new NotImplementedException();
    /// <summary>mm->mmap_sem.</summary>
    public RwSemaphore MmapSem => throw new NotImplementedException();
    /// <summary>The vma containing <paramref name="address"/>, or null.</summary>
    public Vma? FindVma(ulong address) => throw new NotImplementedException();
    /// <summary>The process ends: mmu notifier release, mirrors' Release().</summary>
    public void Exit() => throw new NotImplementedException();
    /// <summary>Maps [start, start+length).</summary>
    public Vma Mmap(ulong start, ulong length, VmFlags flags) => throw new NotImplementedException();
    /// <summary>Unmaps [start, start+length): 0 or -EINVAL.</summary>
    public int Munmap(ulong start, ulong length) => throw new NotImplementedException();
    /// <summary>Changes the protection of [start, start+length).</summary>
    public int Mprotect(ulong start, ulong length, VmFlags flags) => throw new NotImplementedException();
    /// <summary>CPU access: faults the page in; 0, -EFAULT, -EPERM.</summary>
    public int Touch(ulong address, bool write) => throw new NotImplementedException();
}

/// <summary>vm_flags.</summary>
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
    /// <summary>VM_IO.</summary>
    Io = 8,
    /// <summary>VM_PFNMAP.</summary>
    PfnMap = 16,
}

/// <summary>struct vm_area_struct.</summary>
public sealed class Vma
{
    private Vma() => throw new NotImplementedException();
    /// <summary>vm_start.</summary>
    public ulong Start => throw new NotImplementedException();
    /// <summary>vm_end.</summary>
    public ulong End => throw new NotImplementedException();
    /// <summary>vma->vm_mm.</summary>
    public MmStruct Mm => throw new NotImplementedException();
    /// <summary>vm_flags.</summary>
    public VmFlags Flags => throw new NotImplementedException();
}

/// <summary>Kernel rw_semaphore, no thread affinity.</summary>
public sealed class RwSemaphore
{
    /// <summary>down_read.</summary>
    public void DownRead() => throw new NotImplementedException();
    /// <summary>up_read.</summary>
    public void UpRead() => throw new NotImplementedException();
    /// <summary>down_write.</summary>
    public void DownWrite() => throw new NotImplementedException();
    /// <summary>up_write.</summary>
    public void UpWrite() => throw new NotImplementedException();
    /// <summary>down_read_trylock.</summary>
    public bool TryDownRead() => throw new NotImplementedException();
    /// <summary>down_write_trylock.</summary>
    public bool TryDownWrite() => throw new NotImplementedException();
}

/// <summary>struct hmm_mirror_ops.</summary>
public interface IHmmMirrorOps
{
    /// <summary>0, or -EAGAIN when !update.Blockable.</summary>
    int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update);
    /// <summary>The mm is going away.</summary>
    void Release(HmmMirror mirror);
}

/// <summary>enum hmm_update_event.</summary>
public enum HmmUpdateEvent
{
    /// <summary>HMM_UPDATE_INVALIDATE.</summary>
    Invalidate,
}

/// <summary>struct hmm_update.</summary>
public readonly record struct HmmUpdate(ulong Start, ulong End, HmmUpdateEvent Event, bool Blockable);

/// <summary>struct hmm_mirror.</summary>
public sealed class HmmMirror : IDisposable
{
    /// <summary>A mirror, not yet registered.</summary>
    public HmmMirror(IHmmMirrorOps ops) => throw new NotImplementedException();
    /// <summary>mirror->ops.</summary>
    public IHmmMirrorOps Ops => throw new NotImplementedException();
    /// <summary>True between a successful registration and unregistration.</summary>
    public bool IsRegistered => throw new NotImplementedException();
    /// <summary>The mm it is registered with, while registered.</summary>
    public MmStruct? Mm => throw new NotImplementedException();
    /// <summary>Registered, or throws HmmException(errno).</summary>
    public static HmmMirror Register(MmStruct mm, IHmmMirrorOps ops) => throw new NotImplementedException();
    /// <summary>Unregisters if registered; idempotent.</summary>
    public void Dispose() => throw new NotImplementedException();
}

/// <summary>An errno outcome surfaced as an exception by the convenience API.</summary>
public sealed class HmmException : Exception
{
    /// <summary>The positive errno.</summary>
    public int Errno => throw new NotImplementedException();
}

/// <summary>Index into HmmRange.Flags.</summary>
public enum HmmPfnFlag
{
    /// <summary>HMM_PFN_VALID.</summary>
    Valid = 0,
    /// <summary>HMM_PFN_WRITE.</summary>
    Write = 1,
    /// <summary>HMM_PFN_DEVICE_PRIVATE.</summary>
    DevicePrivate = 2,
}

/// <summary>Index into HmmRange.Values.</summary>
public enum HmmPfnValue
{
    /// <summary>HMM_PFN_ERROR.</summary>
    Error = 0,
    /// <summary>HMM_PFN_NONE.</summary>
    None = 1,
    /// <summary>HMM_PFN_SPECIAL.</summary>
    Special = 2,
}

/// <summary>struct hmm_range.</summary>
public sealed class HmmRange
{
    /// <summary>range->vma.</summary>
    public Vma? Vma { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->start.</summary>
    public ulong Start { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->end.</summary>
    public ulong End { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->pfns.</summary>
    public ulong[]? Pfns { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->flags, indexed by HmmPfnFlag.</summary>
    public ulong[] Flags { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->values, indexed by HmmPfnValue.</summary>
    public ulong[] Values { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->default_flags.</summary>
    public ulong DefaultFlags { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->pfn_flags_mask.</summary>
    public ulong PfnFlagsMask { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->pfn_shift.</summary>
    public int PfnShift { get => throw new NotImplementedException(); set => throw new NotImplementedException(); }
    /// <summary>range->page_shift.</summary>
    public int PageShift => throw new NotImplementedException();
    /// <summary>range->valid.</summary>
    public bool Valid => throw new NotImplementedException();
}

/// <summary>The HMM functions.</summary>
public static class HmmApi
{
    /// <summary>PAGE_SHIFT.</summary>
    public const int PageShift = 12;
    /// <summary>HMM_RANGE_DEFAULT_TIMEOUT (1000 ms).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(1000);

    /// <summary>hmm_mirror_register.</summary>
    public static int MirrorRegister(HmmMirror mirror, MmStruct mm) => throw new NotImplementedException();
    /// <summary>hmm_mirror_unregister.</summary>
    public static void MirrorUnregister(HmmMirror mirror) => throw new NotImplementedException();
    /// <summary>hmm_mirror_mm_is_alive.</summary>
    public static bool MirrorMmIsAlive(HmmMirror mirror) => throw new NotImplementedException();
    /// <summary>hmm_range_register.</summary>
    public static int RangeRegister(HmmRange range, HmmMirror mirror, ulong start, ulong end, int pageShift) => throw new NotImplementedException();
    /// <summary>hmm_range_unregister.</summary>
    public static void RangeUnregister(HmmRange range) => throw new NotImplementedException();
    /// <summary>hmm_range_snapshot; caller holds mm.MmapSem for read.</summary>
    public static long RangeSnapshot(HmmRange range) => throw new NotImplementedException();
    /// <summary>hmm_range_fault.</summary>
    public static long RangeFault(HmmRange range, bool block) => throw new NotImplementedException();
    /// <summary>hmm_range_wait_until_valid.</summary>
    public static bool RangeWaitUntilValid(HmmRange range, TimeSpan timeout) => throw new NotImplementedException();
    /// <summary>hmm_range_valid.</summary>
    public static bool RangeValid(HmmRange range) => throw new NotImplementedException();
    /// <summary>hmm_vma_range_done: valid? then unregister.</summary>
    public static bool VmaRangeDone(HmmRange range) => throw new NotImplementedException();
    /// <summary>hmm_vma_fault: temporary helper.</summary>
    public static int VmaFault(HmmMirror mirror, HmmRange range, bool block) => throw new NotImplementedException();

    /// <summary>Legacy hmm_range_register(range, mm, ...).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static int RangeRegister(HmmRange range, MmStruct mm, ulong start, ulong end, int pageShift) => throw new NotImplementedException();
    /// <summary>Legacy hmm_vma_fault(range, block): registers with range.Vma.Mm.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static int VmaFault(HmmRange range, bool block) => throw new NotImplementedException();
}

/// <summary>Errno values.</summary>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>Try again.</summary>
    public const int EAGAIN = 11;
    /// <summary>Out of memory.</summary>
    public const int ENOMEM = 12;
    /// <summary>Bad address.</summary>
    public const int EFAULT = 14;
    /// <summary>Device or resource busy.</summary>
    public const int EBUSY = 16;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
}
