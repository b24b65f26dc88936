using System.Collections.Concurrent;

namespace Hmm.Api.Tests;

/// <summary>Which registration API a driver uses: the mirror-based one of the change, or the
/// legacy one from before it.</summary>
public enum Signature
{
    Mirror,
    Legacy,
}

public static class Signatures
{
    public static TheoryData<Signature> Both => new() { Signature.Mirror, Signature.Legacy };
}

/// <summary>A driver's mirror callbacks that record what HMM tells them.</summary>
internal sealed class RecordingOps : IHmmMirrorOps
{
    private int releases;

    public ConcurrentQueue<HmmUpdate> Updates { get; } = new();

    public int Releases => Volatile.Read(ref releases);

    public Func<HmmMirror, HmmUpdate, int>? OnSync { get; set; }

    public Action<HmmMirror>? OnRelease { get; set; }

    public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update)
    {
        Updates.Enqueue(update);
        return OnSync?.Invoke(mirror, update) ?? 0;
    }

    public void Release(HmmMirror mirror)
    {
        Interlocked.Increment(ref releases);
        OnRelease?.Invoke(mirror);
    }
}

/// <summary>One process and, for the mirror signature, one registered mirror of it: what a
/// device driver holds per process.</summary>
internal sealed class Driver
{
    public const ulong Page = 1UL << HmmApi.PageShift;
    public const ulong Base = 0x40_0000;

    // The default encoding of HmmRange: flag bits 0..2, pfn from bit 3.
    public const ulong Valid = 1, Write = 2, DevicePrivate = 4;
    public const ulong None = 0, Error = ulong.MaxValue, Special = ulong.MaxValue - 1;

    public Driver(Signature signature = Signature.Mirror)
    {
        Signature = signature;
        if (signature == Signature.Mirror)
        {
            Mirror = new HmmMirror(Ops);
            Assert.Equal(0, HmmApi.MirrorRegister(Mirror, Mm));
        }
    }

    public Signature Signature { get; }

    public MmStruct Mm { get; } = new();

    public RecordingOps Ops { get; } = new();

    /// <summary>The registered mirror (mirror signature only).</summary>
    public HmmMirror? Mirror { get; }

    internal HmmState State => Mm.Hmm ?? throw new InvalidOperationException("no HMM state");

    public static ulong Entry(ulong pfn, ulong flags) => (pfn << 3) | flags;

    public static ulong At(int page) => Base + (ulong)page * Page;

    public Vma Map(int pages, VmFlags flags = VmFlags.Read | VmFlags.Write, int at = 0) =>
        Mm.Mmap(At(at), (ulong)pages * Page, flags);

    /// <summary>A range object with a pfns array for <paramref name="pages"/> pages.</summary>
    public static HmmRange NewRange(int pages) => new() { Pfns = new ulong[pages] };

    public int Register(HmmRange range, ulong start, ulong end, int pageShift = HmmApi.PageShift) =>
        Signature == Signature.Mirror
            ? HmmApi.RangeRegister(range, Mirror!, start, end, pageShift)
            : HmmApi.RangeRegister(range, Mm, start, end, pageShift);

    /// <summary>A registered range over pages [first, first + pages).</summary>
    public HmmRange RegisteredRange(int pages, int first = 0)
    {
        var range = NewRange(pages);
        Assert.Equal(0, Register(range, At(first), At(first + pages)));
        return range;
    }

    public int VmaFault(HmmRange range, bool block = true) =>
        Signature == Signature.Mirror
            ? HmmApi.VmaFault(Mirror!, range, block)
            : HmmApi.VmaFault(range, block);

    /// <summary>RangeSnapshot with mmap_sem held for read around it.</summary>
    public long Snapshot(HmmRange range)
    {
        Mm.MmapSem.DownRead();
        try
        {
            return HmmApi.RangeSnapshot(range);
        }
        finally
        {
            Mm.MmapSem.UpRead();
        }
    }

    /// <summary>RangeFault with mmap_sem held for read around it (already released on -EAGAIN).</summary>
    public long Fault(HmmRange range, bool block = true)
    {
        Mm.MmapSem.DownRead();
        long ret;
        try
        {
            ret = HmmApi.RangeFault(range, block);
        }
        catch
        {
            Mm.MmapSem.UpRead();
            throw;
        }
        if (ret != -Errno.EAGAIN)
            Mm.MmapSem.UpRead();
        return ret;
    }

    /// <summary>The device entry a snapshot gives for the CPU page at <paramref name="page"/>.</summary>
    public ulong ExpectedEntry(int page)
    {
        var pte = Mm.GetPage(At(page)) ?? throw new InvalidOperationException("no page");
        ulong flags = Valid | (pte.Writable ? Write : 0) | (pte.Kind == PageKind.DevicePrivate ? DevicePrivate : 0);
        return Entry(pte.Pfn, flags);
    }

    /// <summary>Holds an invalidation of [start, end) in progress on another thread: a CPU
    /// write to the zero page there, whose mirror callback waits until released.</summary>
    public BlockedInvalidation BlockInvalidation(int page)
    {
        Assert.Equal(0, Mm.Touch(At(page), write: false));
        return new BlockedInvalidation(this, page);
    }
}

/// <summary>An invalidation kept in progress: a thread's CPU write fault on the zero page (a
/// copy-on-write, so an invalidation) blocks inside the mirror callback until disposed.</summary>
internal sealed class BlockedInvalidation : IDisposable
{
    private readonly ManualResetEventSlim entered = new();
    private readonly ManualResetEventSlim release = new();
    private readonly Thread thread;
    private readonly Func<HmmMirror, HmmUpdate, int>? previous;
    private readonly Driver driver;

    public BlockedInvalidation(Driver driver, int page)
    {
        this.driver = driver;
        var mirror = driver.Mirror ?? HmmMirror.Register(driver.Mm, driver.Ops);
        OwnMirror = driver.Mirror is null ? mirror : null;
        previous = driver.Ops.OnSync;
        ulong address = Driver.At(page);
        driver.Ops.OnSync = (m, u) =>
        {
            if (u.Start == address && Thread.CurrentThread == thread)
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }
            return previous?.Invoke(m, u) ?? 0;
        };
        thread = new Thread(() => Result = driver.Mm.Touch(address, write: true)) { IsBackground = true };
        thread.Start();
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)), "the invalidation did not start");
    }

    /// <summary>A mirror registered only to observe the invalidation (legacy drivers have none).</summary>
    public HmmMirror? OwnMirror { get; }

    public int Result { get; private set; } = int.MinValue;

    public void Dispose()
    {
        release.Set();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "the invalidation did not end");
        driver.Ops.OnSync = previous;
        OwnMirror?.Dispose();
    }
}

/// <summary>A second invalidation that starts while a fault's own invalidation runs and stays
/// in progress until disposed: the fault then finds the range invalid and returns -EBUSY.
/// Page <c>ownPage</c> and <c>otherPage</c> must hold the zero page, and the fault must ask to
/// write <c>ownPage</c> first (a copy, so an invalidation).</summary>
internal sealed class InvalidationDuringFault : IDisposable
{
    private readonly ManualResetEventSlim secondStarted = new();
    private readonly ManualResetEventSlim releaseSecond = new();
    private readonly Driver driver;
    private readonly HmmMirror observer;
    private Thread? second;

    public InvalidationDuringFault(Driver driver, int ownPage, int otherPage)
    {
        this.driver = driver;
        Assert.Equal(0, driver.Mm.Touch(Driver.At(ownPage), write: false));
        Assert.Equal(0, driver.Mm.Touch(Driver.At(otherPage), write: false));
        var ops = new RecordingOps();
        observer = HmmMirror.Register(driver.Mm, ops);
        ops.OnSync = (_, update) =>
        {
            if (update.Start == Driver.At(ownPage) && second is null)
            {
                second = new Thread(() => driver.Mm.Touch(Driver.At(otherPage), write: true));
                second.Start();
                Assert.True(secondStarted.Wait(TimeSpan.FromSeconds(10)));
            }
            else if (update.Start == Driver.At(otherPage))
            {
                secondStarted.Set();
                releaseSecond.Wait(TimeSpan.FromSeconds(10));
            }
            return 0;
        };
    }

    public void Dispose()
    {
        releaseSecond.Set();
        Assert.True(second?.Join(TimeSpan.FromSeconds(10)) ?? true);
        observer.Dispose();
    }
}
