namespace Hmm;

/// <summary>The page table walk behind hmm_range_snapshot and hmm_range_fault
/// (hmm_vma_walk_*, hmm_vma_handle_pte, hmm_vma_do_fault). The model has one level of page
/// table: a missing entry is pte_none.</summary>
internal sealed class HmmWalk
{
    private readonly HmmRange range;
    private readonly MmStruct mm;
    private readonly ulong[] pfns;
    private readonly bool fault;
    private ulong last;

    private HmmWalk(HmmRange range, MmStruct mm, ulong[] pfns, bool fault)
    {
        this.range = range;
        this.mm = mm;
        this.pfns = pfns;
        this.fault = fault;
    }

    internal static long Run(HmmRange range, bool fault, bool block)
    {
        ArgumentNullException.ThrowIfNull(range);
        var state = range.Hmm
            ?? throw new InvalidOperationException("The range is not registered.");
        var mm = state.Mm;
        if (!mm.MmapSem.IsReadLocked && !mm.MmapSem.IsWriteLocked)
            throw new InvalidOperationException("The caller must hold the mm's MmapSem for read.");

        // Check if hmm_mm_destroy() was called.
        if (state.Dead)
            return -Errno.EFAULT;
        if (!HasRoomForRange(range))
            return -Errno.EINVAL;

        var walk = new HmmWalk(range, mm, range.Pfns!, fault);
        ulong start = range.Start;
        do
        {
            if (!range.IsValid)
            {
                // hmm_range_fault releases mmap_sem here, as its -EAGAIN documents.
                if (fault)
                    mm.MmapSem.UpRead();
                return -Errno.EAGAIN;
            }

            var vma = mm.FindVma(start);
            if (vma is null || vma.IsDeviceVma)
                return -Errno.EFAULT;
            if (range.PageShift != HmmApi.PageShift)
                return -Errno.EINVAL; // no hugetlb vma in the model
            if ((vma.Flags & VmFlags.Read) == 0)
            {
                // No read means no write either: HMM does not support write-only mappings.
                walk.Clear(range.Start);
                return -Errno.EPERM;
            }

            range.Vma = vma;
            walk.last = start;
            ulong end = Math.Min(range.End, vma.End);
            if (!fault)
            {
                // hmm_range_snapshot ignores the walk's result: after a special page (-EFAULT)
                // the rest of that vma's entries are left as they were, and the walk goes on
                // with the next vma. The returned count then depends on the last vma only.
                walk.WalkVma(vma, start, end);
            }
            else
            {
                int ret;
                do
                {
                    ret = walk.WalkVma(vma, start, end);
                    start = walk.last;
                }
                while (ret == -Errno.EBUSY && range.IsValid); // keep trying while the range is valid
                if (ret != 0)
                {
                    walk.Clear(walk.last);
                    return ret;
                }
            }
            start = end;
        }
        while (start < range.End);

        return (long)((walk.last - range.Start) >> HmmApi.PageShift);
    }

    private static bool HasRoomForRange(HmmRange range)
    {
        return range.Pfns is { } pfns
            && (ulong)pfns.LongLength >= range.PageCount
            && range.Flags.Length > (int)HmmPfnFlag.DevicePrivate
            && range.Values.Length > (int)HmmPfnValue.Special
            && range.PfnShift is >= 0 and < 64;
    }

    /// <summary>hmm_pfns_clear from <paramref name="from"/> to the range's end.</summary>
    private void Clear(ulong from)
    {
        ulong none = range.Values[(int)HmmPfnValue.None];
        for (ulong address = from; address < range.End; address += MmStruct.PageSize)
            pfns[Index(address)] = none;
    }

    /// <summary>hmm_vma_walk_pmd's pte loop over [start, end) of one vma: 0, -EBUSY after a
    /// fault (walk again from <c>last</c>), or an error.</summary>
    private int WalkVma(Vma vma, ulong start, ulong end)
    {
        for (ulong address = start; address < end; address += MmStruct.PageSize)
        {
            int ret = HandlePte(vma, address);
            if (ret != 0)
            {
                last = address;
                return ret;
            }
        }
        last = end;
        return 0;
    }

    /// <summary>hmm_vma_handle_pte.</summary>
    private int HandlePte(Vma vma, ulong address)
    {
        ulong i = Index(address);
        ulong request = pfns[i];
        pfns[i] = range.Values[(int)HmmPfnValue.None];

        var pte = mm.GetPage(address);
        ulong cpuFlags = pte is { } p ? CpuFlags(p) : 0;
        var (needFault, writeFault) = NeedFault(request, cpuFlags);
        if (needFault || writeFault)
            return DoFault(vma, address, writeFault, i);
        if (pte is not { } present)
            return 0;
        if (present.Kind == PageKind.Special)
        {
            pfns[i] = range.Values[(int)HmmPfnValue.Special];
            return -Errno.EFAULT;
        }
        pfns[i] = (present.Pfn << range.PfnShift) | cpuFlags;
        return 0;
    }

    private ulong CpuFlags(PageInfo pte)
    {
        ulong flags = range.Flags[(int)HmmPfnFlag.Valid];
        if (pte.Writable)
            flags |= range.Flags[(int)HmmPfnFlag.Write];
        if (pte.Kind == PageKind.DevicePrivate)
            flags |= range.Flags[(int)HmmPfnFlag.DevicePrivate];
        return flags;
    }

    /// <summary>hmm_pte_need_fault.</summary>
    private (bool Fault, bool WriteFault) NeedFault(ulong request, ulong cpuFlags)
    {
        if (!fault)
            return (false, false);
        ulong valid = range.Flags[(int)HmmPfnFlag.Valid];
        ulong write = range.Flags[(int)HmmPfnFlag.Write];
        ulong devicePrivate = range.Flags[(int)HmmPfnFlag.DevicePrivate];

        request = (request & range.PfnFlagsMask) | range.DefaultFlags;
        if ((request & valid) == 0)
            return (false, false); // not asked to do anything
        if ((cpuFlags & devicePrivate) != 0)
        {
            // Device memory is faulted (migrated back) only when explicitly requested.
            return (request & devicePrivate) != 0 ? (true, (request & write) != 0) : (false, false);
        }
        bool writeFault = (request & write) != 0 && (cpuFlags & write) == 0;
        return ((cpuFlags & valid) == 0 || writeFault, writeFault);
    }

    /// <summary>hmm_vma_walk_hole_ and hmm_vma_do_fault: faults the page in as the CPU would;
    /// -EBUSY on success so that the walk starts again from it.</summary>
    private int DoFault(Vma vma, ulong address, bool writeFault, ulong i)
    {
        last = address;
        if (writeFault && (vma.Flags & VmFlags.Write) == 0)
            return -Errno.EPERM;
        if (mm.HandleFault(address, writeFault) != 0)
        {
            pfns[i] = range.Values[(int)HmmPfnValue.Error];
            return -Errno.EFAULT;
        }
        return -Errno.EBUSY;
    }

    private ulong Index(ulong address) => (address - range.Start) >> HmmApi.PageShift;
}
