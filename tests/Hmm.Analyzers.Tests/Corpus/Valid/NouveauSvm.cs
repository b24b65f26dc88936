// nouveau_svm.c after the change: the mirror is embedded in the per-process svmm object and the
// GPU fault handler faults the window through it, retrying while invalidations race.
using System;
using System.Collections.Generic;
using Hmm;

namespace Drivers.Nouveau;

public sealed class NouveauSvmm : IHmmMirrorOps, IDisposable
{
    private const int MaxRetries = 16;
    private readonly object mutex = new();
    private readonly Dictionary<ulong, ulong> gpuPageTable = new();

    private NouveauSvmm(MmStruct mm)
    {
        Mm = mm;
        Mirror = new HmmMirror(this);
    }

    public MmStruct Mm { get; }

    public HmmMirror Mirror { get; }

    public static int Create(MmStruct mm, out NouveauSvmm? svmm)
    {
        svmm = null;
        var created = new NouveauSvmm(mm);
        mm.MmapSem.DownWrite();
        int ret = HmmApi.MirrorRegister(created.Mirror, mm);
        mm.MmapSem.UpWrite();
        if (ret != 0)
        {
            return ret;
        }

        svmm = created;
        return 0;
    }

    public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update)
    {
        if (!update.Blockable)
        {
            if (!System.Threading.Monitor.TryEnter(mutex))
            {
                return -Errno.EAGAIN;
            }
        }
        else
        {
            System.Threading.Monitor.Enter(mutex);
        }

        try
        {
            for (ulong address = update.Start; address < update.End; address += 1UL << HmmApi.PageShift)
            {
                gpuPageTable.Remove(address);
            }

            return 0;
        }
        finally
        {
            System.Threading.Monitor.Exit(mutex);
        }
    }

    public void Release(HmmMirror mirror)
    {
        lock (mutex)
        {
            gpuPageTable.Clear();
        }
    }

    /// <summary>The GPU faulted at <paramref name="address"/>: map the window around it.</summary>
    public int HandleFault(ulong address, bool write, ulong[] flags, ulong[] values)
    {
        Vma? vma;
        Mm.MmapSem.DownRead();
        vma = Mm.FindVma(address);
        Mm.MmapSem.UpRead();
        if (vma is null)
        {
            return -Errno.EFAULT;
        }

        ulong pageSize = 1UL << HmmApi.PageShift;
        ulong start = Math.Max(vma.Start, (address & ~(pageSize - 1)) - 8 * pageSize);
        ulong end = Math.Min(vma.End, start + 16 * pageSize);
        var range = new HmmRange
        {
            Vma = vma,
            Start = start,
            End = end,
            Pfns = new ulong[(end - start) >> HmmApi.PageShift],
            Flags = flags,
            Values = values,
            PfnShift = 12,
        };
        for (int i = 0; i < range.Pfns.Length; i++)
        {
            range.Pfns[i] = flags[(int)HmmPfnFlag.Valid] | (write ? flags[(int)HmmPfnFlag.Write] : 0);
        }

        int retries = 0;
    again:
        Mm.MmapSem.DownRead();
        int ret = HmmApi.VmaFault(Mirror, range, true);
        if (ret == -Errno.EBUSY || ret == -Errno.EAGAIN)
        {
            // VmaFault dropped mmap_sem; after a timed-out wait it also left the range
            // registered (a wart of this kernel version), so unregister before retrying.
            HmmApi.RangeUnregister(range);
            if (++retries < MaxRetries)
            {
                goto again;
            }

            return ret;
        }

        if (ret != 0)
        {
            Mm.MmapSem.UpRead();
            return ret;
        }

        lock (mutex)
        {
            if (!HmmApi.VmaRangeDone(range))
            {
                Mm.MmapSem.UpRead();
                goto again;
            }

            for (int i = 0; i < range.Pfns.Length; i++)
            {
                gpuPageTable[range.Start + ((ulong)i << HmmApi.PageShift)] = range.Pfns[i];
            }
        }

        Mm.MmapSem.UpRead();
        return 0;
    }

    public void Dispose()
    {
        if (Mirror.IsRegistered)
        {
            HmmApi.MirrorUnregister(Mirror);
        }
    }
}

/// <summary>The fault buffer: drains GPU faults into the svmm of each faulting channel.</summary>
public sealed class NouveauFaultBuffer
{
    private readonly Dictionary<int, NouveauSvmm> channels = new();
    private readonly ulong[] flags = { 1UL << 0, 1UL << 1, 1UL << 2 };
    private readonly ulong[] values = { 0xfffUL, 0UL, 0xffeUL };

    public void Bind(int channel, NouveauSvmm svmm) => channels[channel] = svmm;

    public int Drain(IEnumerable<(int Channel, ulong Address, bool Write)> faults)
    {
        int failures = 0;
        foreach (var (channel, address, write) in faults)
        {
            if (!channels.TryGetValue(channel, out var svmm))
            {
                failures++;
                continue;
            }

            switch (svmm.HandleFault(address, write, flags, values))
            {
                case 0:
                    break;
                case -Errno.EFAULT:
                case -Errno.EPERM:
                    failures++;
                    break;
                default:
                    return -Errno.EINVAL;
            }
        }

        return failures;
    }
}
