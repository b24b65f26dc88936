namespace Hmm;

/// <summary>struct mm_struct: one process address space, with a small model of its CPU page
/// table. Each change to present pages goes through the mmu notifier (invalidate start, change,
/// invalidate end), which is how HMM, and through it every mirror, hears of it.</summary>
/// <remarks>Locking as in the kernel: <see cref="MmapSem"/> held for write by
/// <see cref="Mmap"/>, <see cref="Munmap"/> and <see cref="Mprotect"/>, for read by CPU faults
/// (<see cref="Touch"/>) and migrations; an internal page table lock guards the vma list and
/// the page table entries. The methods that change the address space take
/// <see cref="MmapSem"/> themselves: do not call them while holding it.</remarks>
public sealed class MmStruct
{
    /// <summary>The pfn of the shared zero page.</summary>
    public const ulong ZeroPfn = 0x10;

    internal const ulong PageSize = 1UL << HmmApi.PageShift;
    private const ulong PageMask = PageSize - 1;
    private const VmFlags ProtectionFlags = VmFlags.Read | VmFlags.Write | VmFlags.Exec;
    private const VmFlags AllFlags = ProtectionFlags | VmFlags.Io | VmFlags.PfnMap;

    // Physical memory is shared by every process: one allocator for system pages and one for
    // device memory, far apart so that a pfn tells which it is.
    private static long lastPfn = 0x1000;
    private static long lastDevicePfn = 0x1_0000_0000;
    private static int lastId;

    // page_table_lock: the vma list, the page table and mm->hmm.
    private readonly object pageTableLock = new();
    private readonly List<Vma> vmas = new();
    private readonly Dictionary<ulong, PageInfo> ptes = new();
    private HmmState? hmm;
    private bool exited;
    private int hmmStatesCreated;
    private int hmmStatesFreed;

    /// <summary>Creates an empty address space.</summary>
    public MmStruct()
    {
        Id = Interlocked.Increment(ref lastId);
    }

    /// <summary>A number for messages, in order of creation (the model's pid).</summary>
    internal int Id { get; }

    /// <summary>True while a mirror of this mm is registered (from its registration until its
    /// unregistration, also after exit).</summary>
    internal bool HasLiveMirror
    {
        get
        {
            lock (pageTableLock)
                return hmm is { } state && state.RegisteredMirrors > 0;
        }
    }

    /// <summary>mm->mmap_sem.</summary>
    public RwSemaphore MmapSem { get; } = new();

    /// <summary>True once <see cref="Exit"/> has run.</summary>
    public bool HasExited
    {
        get { lock (pageTableLock) return exited; }
    }

    // Test hooks: the per-mm state of the moment (mm->hmm), how many were made and freed, and a
    // way to make the next get-or-create fail as a failed allocation would.
    internal HmmState? Hmm
    {
        get { lock (pageTableLock) return hmm; }
    }

    internal int HmmStatesCreated => Volatile.Read(ref hmmStatesCreated);

    internal int HmmStatesFreed => Volatile.Read(ref hmmStatesFreed);

    internal bool FailNextHmmAllocation { get; set; }

    /// <summary>The vma containing <paramref name="address"/>, or null.</summary>
    public Vma? FindVma(ulong address)
    {
        lock (pageTableLock)
            return FindVmaLocked(address);
    }

    /// <summary>The page table entry for <paramref name="address"/>, or null when no page is
    /// present there.</summary>
    public PageInfo? GetPage(ulong address)
    {
        lock (pageTableLock)
            return ptes.TryGetValue(address >> HmmApi.PageShift, out var pte) ? pte : null;
    }

    /// <summary>mmap: maps [start, start + length) (length rounded up to pages). An IO or PFNMAP
    /// mapping is populated at once with special pages, as remap_pfn_range does; other pages
    /// appear on the first touch. Takes <see cref="MmapSem"/> for write.</summary>
    /// <exception cref="ArgumentException">start misaligned, length empty or overflowing, unknown
    /// flags, or the range overlaps a mapping.</exception>
    /// <exception cref="ObjectDisposedException">The process has exited.</exception>
    public Vma Mmap(ulong start, ulong length, VmFlags flags)
    {
        if ((start & PageMask) != 0)
            throw new ArgumentException($"Start 0x{start:x} is not page aligned.", nameof(start));
        if (!TryGetEnd(start, length, out ulong end))
            throw new ArgumentException("Length is empty or runs past the end of the address space.", nameof(length));
        if ((flags & ~AllFlags) != 0)
            throw new ArgumentException($"Unknown flags {flags}.", nameof(flags));

        MmapSem.DownWrite();
        try
        {
            lock (pageTableLock)
            {
                if (exited)
                    throw new ObjectDisposedException(nameof(MmStruct), "The process has exited.");
                if (vmas.Exists(v => v.Start < end && v.End > start))
                    throw new ArgumentException($"[0x{start:x}, 0x{end:x}) overlaps a mapping.", nameof(start));
                var vma = new Vma(this, start, end, flags);
                vmas.Add(vma);
                vmas.Sort((a, b) => a.Start.CompareTo(b.Start));
                if (vma.IsDeviceVma)
                {
                    for (ulong address = start; address < end; address += PageSize)
                        ptes[address >> HmmApi.PageShift] = new PageInfo(AllocatePfn(), PageKind.Special, (flags & VmFlags.Write) != 0);
                }
                return vma;
            }
        }
        finally
        {
            MmapSem.UpWrite();
        }
    }

    /// <summary>munmap: removes the mappings and pages in [start, start + length), invalidating
    /// them first. 0 (also when nothing was mapped), or -EINVAL for a misaligned start or an
    /// empty length. Takes <see cref="MmapSem"/> for write.</summary>
    public int Munmap(ulong start, ulong length)
    {
        if ((start & PageMask) != 0 || !TryGetEnd(start, length, out ulong end))
            return -Errno.EINVAL;

        MmapSem.DownWrite();
        try
        {
            bool mapped;
            lock (pageTableLock)
                mapped = vmas.Exists(v => v.Start < end && v.End > start);
            if (mapped)
            {
                Invalidate(start, end, () =>
                {
                    SplitVmaAt(start);
                    SplitVmaAt(end);
                    vmas.RemoveAll(v => v.Start >= start && v.End <= end);
                    foreach (ulong page in PresentPagesLocked(start, end))
                        ptes.Remove(page);
                });
            }
            return 0;
        }
        finally
        {
            MmapSem.UpWrite();
        }
    }

    /// <summary>mprotect: sets the protection (Read, Write, Exec) of [start, start + length).
    /// Present pages lose write permission when Write is dropped, behind an invalidation; a
    /// later write fault grants it again. 0 (also for an empty length), -EINVAL for a misaligned
    /// start or flags other than Read/Write/Exec, -ENOMEM when part of the range is unmapped.
    /// Takes <see cref="MmapSem"/> for write.</summary>
    public int Mprotect(ulong start, ulong length, VmFlags flags)
    {
        if ((start & PageMask) != 0 || (flags & ~ProtectionFlags) != 0)
            return -Errno.EINVAL;
        if (length == 0)
            return 0;
        if (!TryGetEnd(start, length, out ulong end))
            return -Errno.EINVAL;

        MmapSem.DownWrite();
        try
        {
            bool present;
            lock (pageTableLock)
            {
                if (!IsMappedLocked(start, end))
                    return -Errno.ENOMEM;
                present = PresentPagesLocked(start, end).Count > 0;
            }

            void Apply()
            {
                SplitVmaAt(start);
                SplitVmaAt(end);
                foreach (var vma in vmas.Where(v => v.Start >= start && v.End <= end))
                    vma.Flags = (vma.Flags & ~ProtectionFlags) | flags;
                if ((flags & VmFlags.Write) == 0)
                {
                    foreach (ulong page in PresentPagesLocked(start, end))
                        ptes[page] = ptes[page] with { Writable = false };
                }
            }

            // change_protection notifies only where there are page tables to change.
            if (present)
                Invalidate(start, end, Apply);
            else
                lock (pageTableLock)
                    Apply();
            return 0;
        }
        finally
        {
            MmapSem.UpWrite();
        }
    }

    /// <summary>A CPU access at <paramref name="address"/>: faults the page in as the CPU would
    /// (a read of untouched anonymous memory maps the zero page, a write allocates a page or
    /// copies the zero page, a device-private page migrates back to system memory). 0, -EFAULT
    /// when nothing is mapped there, -EPERM when the vma forbids the access. Takes
    /// <see cref="MmapSem"/> for read.</summary>
    public int Touch(ulong address, bool write)
    {
        MmapSem.DownRead();
        try
        {
            return HandleFault(address, write);
        }
        finally
        {
            MmapSem.UpRead();
        }
    }

    /// <summary>migrate_vma to device-private memory: every page of [start, start + length)
    /// (present or not) now lives in device memory, behind an invalidation; the CPU entries
    /// become device-private entries that keep the page's write permission. A later CPU touch,
    /// or a fault that asks for device-private pages, migrates a page back. Returns the number
    /// of pages migrated (pages already on the device are skipped), -EINVAL for a misaligned
    /// start or an empty length, -EFAULT when part of the range is not an ordinary mapping.
    /// Takes <see cref="MmapSem"/> for read.</summary>
    public int MigrateToDevice(ulong start, ulong length)
    {
        if ((start & PageMask) != 0 || !TryGetEnd(start, length, out ulong end))
            return -Errno.EINVAL;

        MmapSem.DownRead();
        try
        {
            lock (pageTableLock)
            {
                if (!IsMappedLocked(start, end) || vmas.Exists(v => v.Start < end && v.End > start && v.IsDeviceVma))
                    return -Errno.EFAULT;
            }
            int migrated = 0;
            Invalidate(start, end, () =>
            {
                for (ulong address = start; address < end; address += PageSize)
                {
                    var vma = FindVmaLocked(address);
                    if (vma is null || vma.IsDeviceVma)
                        continue;
                    ulong page = address >> HmmApi.PageShift;
                    bool writable = (vma.Flags & VmFlags.Write) != 0;
                    if (ptes.TryGetValue(page, out var pte))
                    {
                        if (pte.Kind == PageKind.DevicePrivate)
                            continue;
                        if (pte.Kind == PageKind.Normal)
                            writable = pte.Writable;
                    }
                    ptes[page] = new PageInfo(AllocateDevicePfn(), PageKind.DevicePrivate, writable);
                    migrated++;
                }
            });
            return migrated;
        }
        finally
        {
            MmapSem.UpRead();
        }
    }

    /// <summary>The OOM reaper: frees the pages of every ordinary vma with a non-blockable
    /// invalidation (<see cref="HmmUpdate.Blockable"/> false). A vma whose invalidation fails
    /// with -EAGAIN is left alone and the result is -EAGAIN (the reaper tries again later);
    /// -EAGAIN also when <see cref="MmapSem"/> cannot be taken for read without waiting.</summary>
    /// <remarks>The mmu notifier core calls invalidate end only after a successful start. A
    /// mirror's -EAGAIN undoes HMM's count of the invalidation, so its ranges become valid again;
    /// a failed try-lock of the mirror list leaves the count raised, as the kernel of that
    /// version did, and the ranges stay invalid until the process exits (harmless in practice:
    /// the reaped process is about to exit).</remarks>
    public int OomReap()
    {
        if (!MmapSem.TryDownRead())
            return -Errno.EAGAIN;
        try
        {
            List<(ulong Start, ulong End)> targets;
            lock (pageTableLock)
                targets = vmas.Where(v => !v.IsDeviceVma).Select(v => (v.Start, v.End)).ToList();

            int result = 0;
            foreach (var (start, end) in targets)
            {
                var state = AcquireNotifier();
                var update = new HmmUpdate(start, end, HmmUpdateEvent.Invalidate, Blockable: false);
                if (state is not null && !TryStartNonBlocking(state, update))
                {
                    result = -Errno.EAGAIN;
                    continue;
                }
                lock (pageTableLock)
                {
                    foreach (ulong page in PresentPagesLocked(start, end))
                        ptes.Remove(page);
                }
                if (state is not null)
                {
                    state.InvalidateRangeEnd(update);
                    state.Put();
                }
            }
            return result;
        }
        finally
        {
            MmapSem.UpRead();
        }
    }

    private static bool TryStartNonBlocking(HmmState state, HmmUpdate update)
    {
        try
        {
            if (state.InvalidateRangeStart(update) == 0)
                return true;
        }
        catch
        {
            state.Put();
            throw;
        }
        state.Put();
        return false;
    }

    /// <summary>The process ends: the mmu notifier release (HMM marks its per-mm state dead, every
    /// range invalid, wakes the waiters and calls each mirror's
    /// <see cref="IHmmMirrorOps.Release"/> once), then the address space is torn down without
    /// further notification. Idempotent. Mirrors and ranges stay registered, holding the dead
    /// per-mm state, until the driver unregisters them.</summary>
    public void Exit()
    {
        HmmState? state;
        LockPoints.At("exit");
        lock (pageTableLock)
        {
            if (exited)
                return;
            exited = true;
            state = hmm is { } h && h.TryGet() ? h : null;
        }
        try
        {
            state?.Release();
        }
        finally
        {
            state?.Put();
            lock (pageTableLock)
            {
                vmas.Clear();
                ptes.Clear();
            }
        }
    }

    /// <summary>handle_mm_fault: the caller holds <see cref="MmapSem"/>. Never needs to drop it
    /// in this model (no page waits for IO), so it never returns VM_FAULT_RETRY.</summary>
    internal int HandleFault(ulong address, bool write)
    {
        ulong pageStart = address & ~PageMask;
        ulong page = address >> HmmApi.PageShift;
        while (true)
        {
            PageInfo old;
            lock (pageTableLock)
            {
                var vma = FindVmaLocked(address);
                if (vma is null)
                    return -Errno.EFAULT;
                if ((vma.Flags & (write ? VmFlags.Write : VmFlags.Read)) == 0)
                    return -Errno.EPERM;
                if (!ptes.TryGetValue(page, out old))
                {
                    // An IO/PFNMAP vma is fully populated at mmap; nothing to fault in there.
                    if (vma.IsDeviceVma)
                        return -Errno.EFAULT;
                    ptes[page] = write
                        ? new PageInfo(AllocatePfn(), PageKind.Normal, true)
                        : new PageInfo(ZeroPfn, PageKind.Zero, false);
                    return 0;
                }
                switch (old.Kind)
                {
                    case PageKind.Normal:
                        // do_wp_page reusing an exclusive page: same pfn, no invalidation.
                        if (write && !old.Writable)
                            ptes[page] = old with { Writable = true };
                        return 0;
                    case PageKind.Special:
                        return write && !old.Writable ? -Errno.EFAULT : 0;
                    case PageKind.Zero when !write:
                        return 0;
                }
            }

            // Copy-on-write of the zero page, or migration of a device-private page back to
            // system memory: the pfn changes, so the old mapping is invalidated first.
            bool done = false;
            Invalidate(pageStart, pageStart + PageSize, () =>
            {
                if (FindVmaLocked(address) is null || !ptes.TryGetValue(page, out var current) || current != old)
                    return; // changed meanwhile: fault again
                ptes[page] = new PageInfo(AllocatePfn(), PageKind.Normal, write || old.Writable);
                done = true;
            });
            if (done)
                return 0;
        }
    }

    // Test hook: a special pte in an ordinary vma, the only way to reach the walk's
    // pte_special branch (the kernel meets it in VM_MIXEDMAP vmas, which the model lacks).
    internal void InsertSpecialPage(ulong address)
    {
        lock (pageTableLock)
            ptes[address >> HmmApi.PageShift] = new PageInfo(AllocatePfn(), PageKind.Special, false);
    }

    /// <summary>hmm_get_or_create: the per-mm state with a new reference, 0; -EFAULT when there
    /// is none and the process has exited (the kernel makes that impossible through the
    /// caller's mm reference; the model reports it); -ENOMEM when the allocation fails.</summary>
    internal int GetOrCreateHmm(out HmmState? state)
    {
        LockPoints.At("hmm_get_or_create");
        lock (pageTableLock)
        {
            state = null;
            // A dead state that still has references is found, as hmm_get_or_create finds it;
            // the caller sees that it is dead.
            if (hmm is { } existing && existing.TryGet())
            {
                state = existing;
                return 0;
            }
            if (exited)
                return -Errno.EFAULT;
            if (FailNextHmmAllocation)
            {
                FailNextHmmAllocation = false;
                return -Errno.ENOMEM;
            }
            // A state whose last reference is going is replaced; its free will not unhook ours.
            state = hmm = new HmmState(this);
            hmmStatesCreated++;
            return 0;
        }
    }

    /// <summary>hmm_free: unhooks the state from the mm (mmu_notifier_unregister_no_release).</summary>
    internal void Unhook(HmmState state)
    {
        lock (pageTableLock)
        {
            if (hmm == state)
                hmm = null;
            hmmStatesFreed++;
        }
    }

    /// <summary>mm_get_hmm for a notifier call: the hooked state with a reference, or null when
    /// there is none or the notifier was released at exit.</summary>
    private HmmState? AcquireNotifier()
    {
        LockPoints.At("mm_get_hmm");
        lock (pageTableLock)
            return !exited && hmm is { } h && h.TryGet() ? h : null;
    }

    /// <summary>mmu_notifier_invalidate_range_start, the change under the page table lock,
    /// mmu_notifier_invalidate_range_end: a blockable invalidation.</summary>
    private void Invalidate(ulong start, ulong end, Action changeLocked)
    {
        var state = AcquireNotifier();
        var update = new HmmUpdate(start, end, HmmUpdateEvent.Invalidate, Blockable: true);
        try
        {
            state?.InvalidateRangeStart(update);
            LockPoints.At("page table change");
            lock (pageTableLock)
                changeLocked();
        }
        finally
        {
            if (state is not null)
            {
                state.InvalidateRangeEnd(update);
                state.Put();
            }
        }
    }

    private Vma? FindVmaLocked(ulong address)
    {
        foreach (var vma in vmas)
        {
            if (vma.Contains(address))
                return vma;
            if (vma.Start > address)
                break;
        }
        return null;
    }

    private bool IsMappedLocked(ulong start, ulong end)
    {
        ulong address = start;
        while (address < end)
        {
            var vma = FindVmaLocked(address);
            if (vma is null)
                return false;
            address = vma.End;
        }
        return true;
    }

    private void SplitVmaAt(ulong address)
    {
        var vma = FindVmaLocked(address);
        if (vma is null || vma.Start == address)
            return;
        var tail = new Vma(this, address, vma.End, vma.Flags);
        vma.End = address;
        vmas.Insert(vmas.IndexOf(vma) + 1, tail);
    }

    private List<ulong> PresentPagesLocked(ulong start, ulong end)
    {
        ulong first = start >> HmmApi.PageShift;
        ulong last = end >> HmmApi.PageShift;
        if (last - first <= (ulong)ptes.Count)
        {
            var pages = new List<ulong>();
            for (ulong page = first; page < last; page++)
            {
                if (ptes.ContainsKey(page))
                    pages.Add(page);
            }
            return pages;
        }
        return ptes.Keys.Where(p => p >= first && p < last).ToList();
    }

    private static bool TryGetEnd(ulong start, ulong length, out ulong end)
    {
        end = 0;
        if (length == 0 || length > ulong.MaxValue - PageMask)
            return false;
        ulong aligned = (length + PageMask) & ~PageMask;
        if (aligned > ulong.MaxValue - start)
            return false;
        end = start + aligned;
        return true;
    }

    private static ulong AllocatePfn() => (ulong)Interlocked.Increment(ref lastPfn);

    private static ulong AllocateDevicePfn() => (ulong)Interlocked.Increment(ref lastDevicePfn);
}
