using System.ComponentModel;

namespace Hmm;

/// <summary>The HMM functions (mm/hmm.c and include/linux/hmm.h at "mm/hmm: Use hmm_mirror not
/// mm as an argument for hmm_range_register"). Results follow the kernel: 0 or a count on
/// success, a negative errno on failure; exceptions only for programming errors.</summary>
public static class HmmApi
{
    /// <summary>PAGE_SHIFT: pages are 4 KiB.</summary>
    public const int PageShift = 12;

    /// <summary>HMM_RANGE_DEFAULT_TIMEOUT (1000 ms).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(1000);

    /// <summary>hmm_mirror_register: registers <paramref name="mirror"/> with
    /// <paramref name="mm"/>, finding or creating the mm's HMM state and taking a reference on
    /// it. 0; -EINVAL when the mirror or the mm is null; -EFAULT when the process has exited;
    /// -ENOMEM when the state cannot be allocated. (Kernel callers held mmap_sem for write.)</summary>
    /// <exception cref="InvalidOperationException">The mirror is already registered.</exception>
    public static int MirrorRegister(HmmMirror mirror, MmStruct mm)
    {
        if (mirror is null || mm is null)
            return -Errno.EINVAL;
        return mirror.RegisterWith(mm);
    }

    /// <summary>hmm_mirror_unregister: takes the mirror off the mm's list and drops its
    /// reference on the HMM state (the last reference frees it).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="mirror"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The mirror is not registered.</exception>
    public static void MirrorUnregister(HmmMirror mirror)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        if (!mirror.TryUnregister())
            throw new InvalidOperationException("The mirror is not registered.");
    }

    /// <summary>hmm_mirror_mm_is_alive: false when the mirror is null or not registered, or its
    /// mm has exited; else true.</summary>
    public static bool MirrorMmIsAlive(HmmMirror mirror)
    {
        var state = mirror?.Hmm;
        return state is not null && !state.Dead;
    }

    /// <summary>hmm_range_register: starts tracking CPU page table changes over [start, end)
    /// through a registered mirror. In the kernel's order: the range is made invalid and
    /// unregistered; -EINVAL when start or end is not aligned to <c>1 &lt;&lt; pageShift</c>
    /// (or pageShift is outside 0..63); -EINVAL when start &gt;= end; start, end and page shift
    /// are stored; -EFAULT when the mm has exited; then the range takes a reference on the HMM
    /// state, joins its list and is valid only if no invalidation is in progress. 0.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The mirror is not registered, or the range
    /// is already registered.</exception>
    public static int RangeRegister(HmmRange range, HmmMirror mirror, ulong start, ulong end, int pageShift)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(mirror);
        ThrowIfRegistered(range);
        return mirror.WithState(state =>
        {
            if (state is null)
                throw new InvalidOperationException("The mirror is not registered: register it before registering ranges through it.");
            int ret = PrepareRange(range, start, end, pageShift);
            if (ret != 0)
                return ret;
            // Checked before the lock, as in the kernel: an exit between here and AddRange
            // leaves a range registered on a dead state (snapshot and wait then report it).
            if (state.Dead)
                return -Errno.EFAULT;
            state.Get();
            state.AddRange(range);
            return 0;
        });
    }

    /// <summary>Legacy hmm_range_register(range, mm, ...), from before the change: the same
    /// checks, but the HMM state is found or created from the mm (no mirror needed) and the
    /// range keeps the reference that took; -EFAULT when that fails or the state is dead. Writes
    /// the Hmm-Api event LegacyRangeRegister, saying whether a mirror of the mm is registered.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The range is already registered; or the
    /// AppContext switch Hmm.StrictMirrorScope is on and no mirror of the mm is registered (then
    /// nothing is changed).</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static int RangeRegister(HmmRange range, MmStruct mm, ulong start, ulong end, int pageShift)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(mm);
        ThrowIfRegistered(range);
        if (!IsValidRange(start, end, pageShift))
        {
            HmmEventSource.Log.LegacyRangeRegister(mm.HasLiveMirror);
            return PrepareRange(range, start, end, pageShift);
        }
        StrictMirrorScope.Check(mm, "HmmApi.RangeRegister(range, mm, start, end, pageShift)", HmmEventSource.Log.LegacyRangeRegister);
        return RegisterWithMm(range, mm, start, end, pageShift);
    }

    /// <summary>The legacy registration after its checks: hmm_get_or_create(mm).</summary>
    private static int RegisterWithMm(HmmRange range, MmStruct mm, ulong start, ulong end, int pageShift)
    {
        int ret = PrepareRange(range, start, end, pageShift);
        if (ret != 0)
            return ret;
        if (mm.GetOrCreateHmm(out var state) != 0)
            return -Errno.EFAULT;
        if (state!.Dead)
        {
            state.Put();
            return -Errno.EFAULT;
        }
        state.AddRange(range);
        return 0;
    }

    /// <summary>hmm_range_unregister: takes the range off the list, drops its reference and
    /// makes it invalid. Nothing happens when the range is not registered (so a second call is
    /// harmless) or when End &lt;= Start (the kernel's sanity check: a range whose bounds were
    /// changed that way stays registered).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    public static void RangeUnregister(HmmRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        var state = range.Hmm;
        if (state is null || range.End <= range.Start)
            return;
        if (!state.RemoveRange(range))
            return;
        range.IsValid = false;
        state.Put();
    }

    /// <summary>hmm_range_snapshot: fills <see cref="HmmRange.Pfns"/> from the CPU page table
    /// without faulting. The caller holds the mm's MmapSem for read. Returns the number of
    /// pages walked; -EFAULT when the mm has exited, a page has no vma or an IO/PFNMAP vma;
    /// -EAGAIN when the range is not valid; -EINVAL when the page shift is not
    /// <see cref="PageShift"/> or the pfns, flags or values arrays are missing or too short for
    /// the range, or PfnShift is outside 0..63 (the model's choice where the kernel would
    /// overrun memory); -EPERM (all entries cleared to None) for a vma without read permission.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The range is not registered, or the mm's
    /// MmapSem is not held.</exception>
    public static long RangeSnapshot(HmmRange range) => HmmWalk.Run(range, fault: false, block: true);

    /// <summary>hmm_range_fault: like <see cref="RangeSnapshot"/>, but each entry's request
    /// <c>(pfns[i] &amp; PfnFlagsMask) | DefaultFlags</c> is honoured: a missing page, or one
    /// without the requested write permission, is faulted in as the CPU would, and a
    /// device-private page migrates back when the request has the DevicePrivate flag. Returns
    /// the number of pages; -EPERM for a write request on a vma without write permission;
    /// -EBUSY when the range stops being valid during the walk (wait and retry); -EFAULT for a
    /// page that cannot be faulted in or a special page. On a walk error the entries from the
    /// failure point on are cleared to None. -EAGAIN when the range is not valid: as the kernel
    /// documents, mmap_sem has then been released (up_read) for the caller. With
    /// <paramref name="block"/> false a fault that must sleep would also give -EAGAIN; in the
    /// model no fault has to wait for IO, so that case does not arise.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The range is not registered, or the mm's
    /// MmapSem is not held.</exception>
    public static long RangeFault(HmmRange range, bool block) => HmmWalk.Run(range, fault: true, block);

    /// <summary>hmm_range_wait_until_valid: false (and the range made invalid) when the range is
    /// not registered or its mm has exited; true at once when valid; else sleeps until the last
    /// invalidation in progress ends or the mm exits, at most <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no limit), and returns whether the range is valid.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    public static bool RangeWaitUntilValid(HmmRange range, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(range);
        var state = range.Hmm;
        if (state is null || state.Dead)
        {
            range.IsValid = false;
            return false;
        }
        if (range.IsValid)
            return true;
        return state.WaitUntilValid(range, timeout);
    }

    /// <summary>hmm_range_valid: range->valid, meaning "no invalidation of the mm is in progress
    /// now", not "nothing changed since my snapshot". Check it under the driver's own lock, the
    /// one its <see cref="IHmmMirrorOps.SyncCpuDevicePageTables"/> takes.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    public static bool RangeValid(HmmRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        return range.IsValid;
    }

    /// <summary>hmm_vma_range_done: reads valid, unregisters the range, returns what it read.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    public static bool VmaRangeDone(HmmRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        bool valid = range.IsValid;
        RangeUnregister(range);
        return valid;
    }

    /// <summary>hmm_vma_fault: the temporary helper for the old API. The caller holds
    /// <c>range.Vma.Mm.MmapSem</c> for read. Sets DefaultFlags 0 and PfnFlagsMask all ones (the
    /// entries keep the driver's own requests), registers [Start, End) with the mirror (its
    /// error returned as is), waits until valid, faults. 0 on success with the range still
    /// registered: the driver calls <see cref="VmaRangeDone"/>. On failure the range is
    /// unregistered and: -EBUSY with mmap_sem released when the fault was -EBUSY or found no
    /// page; -EBUSY when the fault was -EAGAIN (mmap_sem already released); any other error with
    /// mmap_sem still held. -EAGAIN with mmap_sem released when the range does not become valid
    /// within <see cref="DefaultTimeout"/>: the range then stays registered (a wart of that
    /// version) and the driver must unregister it.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><c>range.Vma</c> is not set.</exception>
    /// <exception cref="InvalidOperationException">The mirror is not registered, or the range
    /// is already registered.</exception>
    public static int VmaFault(HmmMirror mirror, HmmRange range, bool block)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(range);
        var vma = RequireVma(range);
        if (!mirror.IsRegistered)
            throw new InvalidOperationException("The mirror is not registered: register it before faulting through it.");
        range.DefaultFlags = 0;
        range.PfnFlagsMask = ulong.MaxValue;
        int ret = RangeRegister(range, mirror, range.Start, range.End, PageShift);
        return ret != 0 ? ret : FaultRegistered(range, vma.Mm, block);
    }

    /// <summary>Legacy hmm_vma_fault(range, block), from before the change: the same steps, the
    /// range registered with <c>range.Vma.Mm</c> as the legacy
    /// <see cref="RangeRegister(HmmRange, MmStruct, ulong, ulong, int)"/> does. Writes the Hmm-Api
    /// event LegacyVmaFault, saying whether a mirror of the mm is registered.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="range"/> is null.</exception>
    /// <exception cref="ArgumentException"><c>range.Vma</c> is not set.</exception>
    /// <exception cref="InvalidOperationException">The range is already registered; or the
    /// AppContext switch Hmm.StrictMirrorScope is on and no mirror of the mm is registered (then
    /// nothing is changed, the caller's MmapSem still held).</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static int VmaFault(HmmRange range, bool block)
    {
        ArgumentNullException.ThrowIfNull(range);
        var vma = RequireVma(range);
        StrictMirrorScope.Check(vma.Mm, "HmmApi.VmaFault(range, block)", HmmEventSource.Log.LegacyVmaFault);
        range.DefaultFlags = 0;
        range.PfnFlagsMask = ulong.MaxValue;
        ThrowIfRegistered(range);
        int ret = RegisterWithMm(range, vma.Mm, range.Start, range.End, PageShift);
        return ret != 0 ? ret : FaultRegistered(range, vma.Mm, block);
    }

    /// <summary>hmm_vma_fault after the registration, step for step.</summary>
    private static int FaultRegistered(HmmRange range, MmStruct mm, bool block)
    {
        if (!RangeWaitUntilValid(range, DefaultTimeout))
        {
            // The kernel drops mmap_sem to mimic the old API's -EAGAIN, and returns without
            // unregistering the range: it stays registered, holding its reference.
            mm.MmapSem.UpRead();
            return -Errno.EAGAIN;
        }

        long ret = RangeFault(range, block);
        if (ret > 0)
            return 0;
        if (ret == -Errno.EBUSY || ret == 0)
        {
            mm.MmapSem.UpRead();
            ret = -Errno.EBUSY;
        }
        else if (ret == -Errno.EAGAIN)
        {
            ret = -Errno.EBUSY; // hmm_range_fault already released mmap_sem
        }
        RangeUnregister(range);
        return (int)ret;
    }

    /// <summary>hmm_range_register steps 1 to 4.</summary>
    private static int PrepareRange(HmmRange range, ulong start, ulong end, int pageShift)
    {
        range.IsValid = false;
        range.Hmm = null;
        if (!IsValidRange(start, end, pageShift))
            return -Errno.EINVAL;
        range.PageShift = pageShift;
        range.Start = start;
        range.End = end;
        return 0;
    }

    /// <summary>hmm_range_register's -EINVAL checks: aligned to <c>1 &lt;&lt; pageShift</c>, and
    /// start &lt; end.</summary>
    private static bool IsValidRange(ulong start, ulong end, int pageShift)
    {
        // The kernel computes (1UL << page_shift) - 1; a shift outside 0..63 is undefined there
        // and rejected here as a misalignment.
        if (pageShift < 0 || pageShift > 63)
            return false;
        ulong mask = (1UL << pageShift) - 1;
        return (start & mask) == 0 && (end & mask) == 0 && start < end;
    }

    // Registering a registered range corrupts the kernel's list and leaks its reference.
    private static void ThrowIfRegistered(HmmRange range)
    {
        if (range.Hmm is not null)
            throw new InvalidOperationException("The range is already registered: unregister it first.");
    }

    private static Vma RequireVma(HmmRange range) =>
        range.Vma ?? throw new ArgumentException("range.Vma must be set: hmm_vma_fault uses range->vma->vm_mm.", nameof(range));
}
