using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;
using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>Drivers registering mirrors and ranges, faulting and snapshotting, while the CPU
/// side unmaps, protects, touches and migrates and the process exits: bounded in time (about two
/// seconds) and in iterations.</summary>
public class StressTests(ITestOutputHelper output)
{
    private const int Pages = 32;
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ExitAfter = TimeSpan.FromSeconds(1);

    /// <summary>Mirror callbacks that check, inside every invalidation, that no registered
    /// range overlapping it reports valid.</summary>
    private sealed class CheckingOps : IHmmMirrorOps
    {
        public readonly ConcurrentDictionary<HmmRange, byte> Ranges = new();
        public readonly ConcurrentQueue<string> Violations = new();
        public readonly ConcurrentDictionary<HmmMirror, int> Releases = new();

        public int Syncs;
        public int PagesWalked;

        public int SyncCpuDevicePageTables(HmmMirror mirror, HmmUpdate update)
        {
            Interlocked.Increment(ref Syncs);
            var state = mirror.Hmm;
            foreach (var range in Ranges.Keys)
            {
                bool overlaps = !(update.End < range.Start || update.Start >= range.End);
                if (state is not null && range.Hmm == state && overlaps && range.Valid)
                    Violations.Enqueue($"range [0x{range.Start:x}, 0x{range.End:x}) valid during [0x{update.Start:x}, 0x{update.End:x})");
            }
            return 0;
        }

        public void Release(HmmMirror mirror) => Releases.AddOrUpdate(mirror, 1, (_, n) => n + 1);
    }

    [Fact]
    public void Concurrent_drivers_cpu_changes_and_exit_keep_every_invariant()
    {
        var mm = new MmStruct();
        mm.Mmap(Base, Pages * Page, VmFlags.Read | VmFlags.Write);
        var ops = new CheckingOps();
        var states = new ConcurrentDictionary<HmmState, byte>();
        var failures = new ConcurrentQueue<Exception>();
        var clock = Stopwatch.StartNew();
        int operations = 0;

        bool Running() => clock.Elapsed < RunFor && Interlocked.Increment(ref operations) < 1_000_000;

        Thread Start(Action body)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    body();
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            });
            thread.Start();
            return thread;
        }

        var threads = new List<Thread>();
        for (int seed = 0; seed < 3; seed++)
        {
            int driverSeed = seed;
            threads.Add(Start(() => RunDriver(mm, ops, states, new Random(driverSeed), Running)));
        }
        threads.Add(Start(() => RunMappingChanges(mm, new Random(10), Running)));
        threads.Add(Start(() => RunCpuAccess(mm, new Random(11), Running)));
        HmmMirror? witness = null;
        threads.Add(Start(() =>
        {
            Thread.Sleep(ExitAfter);
            witness = HmmMirror.Register(mm, ops); // at least one mirror is live at exit
            mm.Exit();
        }));

        foreach (var thread in threads)
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "a thread did not finish: deadlock?");

        output.WriteLine($"{operations} operations in {clock.ElapsedMilliseconds} ms, {ops.Syncs} mirror syncs, {ops.PagesWalked} pages walked, {states.Count} per-mm states, {ops.Releases.Count} mirrors released");
        Assert.Empty(failures);
        Assert.Empty(ops.Violations);
        Assert.Equal(1, ops.Releases[witness!]);
        witness!.Dispose();
        Assert.True(mm.HasExited);
        Assert.Null(mm.Hmm);
        Assert.False(mm.MmapSem.IsReadLocked || mm.MmapSem.IsWriteLocked);
        Assert.NotEmpty(states);
        Assert.True(ops.Syncs > 0 && ops.PagesWalked > 0, "the run exercised nothing");
        Assert.Equal(mm.HmmStatesCreated, mm.HmmStatesFreed);
        Assert.All(states.Keys, state =>
        {
            Assert.Equal(0, state.RefCount);
            Assert.Equal(1, state.FreeCount);
        });
        Assert.All(ops.Releases.Values, count => Assert.Equal(1, count));
    }

    private static void RunDriver(MmStruct mm, CheckingOps ops, ConcurrentDictionary<HmmState, byte> states, Random random, Func<bool> running)
    {
        while (running())
        {
            // Half the time a legacy driver without a mirror: moments with no reference at all
            // let the per-mm state die and be created again.
            var mirror = new HmmMirror(ops);
            int registered = random.Next(2) == 0 ? -Errno.EINVAL : HmmApi.MirrorRegister(mirror, mm);
            Assert.True(registered is 0 or -Errno.EINVAL || (registered == -Errno.EFAULT && mm.HasExited), $"mirror register {registered}");
            if (registered == 0)
                states.TryAdd(mirror.Hmm!, 0);

            for (int i = 0; i < 4 && running(); i++)
            {
                int pages = random.Next(1, 9);
                int first = random.Next(Pages - pages + 4); // sometimes past the mapping
                var range = new HmmRange { Pfns = new ulong[pages] };
                bool legacy = registered != 0 || random.Next(2) == 0;
                ops.Ranges.TryAdd(range, 0);
                if (random.Next(3) == 0)
                    VmaFault(mm, mirror, range, legacy, At(first), pages, random);
                else
                    SnapshotOrFault(ops, mm, mirror, range, legacy, At(first), pages, random, states);
                ops.Ranges.TryRemove(range, out _);
            }
            mirror.Dispose();
        }
    }

    private static void SnapshotOrFault(CheckingOps ops, MmStruct mm, HmmMirror mirror, HmmRange range, bool legacy, ulong start, int pages, Random random, ConcurrentDictionary<HmmState, byte> states)
    {
        ulong end = start + (ulong)pages * Page;
        int ret = legacy
            ? HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift)
            : HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
        Assert.True(ret == 0 || (ret == -Errno.EFAULT && mm.HasExited), $"range register {ret}");
        if (ret != 0)
            return;
        states.TryAdd(range.Hmm!, 0);

        mm.MmapSem.DownRead();
        HmmApi.RangeWaitUntilValid(range, TimeSpan.FromMilliseconds(20));
        long result;
        if (random.Next(2) == 0)
        {
            result = HmmApi.RangeSnapshot(range);
            mm.MmapSem.UpRead();
        }
        else
        {
            range.DefaultFlags = random.Next(2) == 0 ? Valid : Valid | Write;
            result = HmmApi.RangeFault(range, block: random.Next(2) == 0);
            if (result != -Errno.EAGAIN)
                mm.MmapSem.UpRead();
        }
        Assert.True(result >= 0 || result is -Errno.EAGAIN or -Errno.EBUSY or -Errno.EFAULT or -Errno.EPERM, $"walk {result}");
        Assert.True(result <= pages);
        if (result > 0)
            Interlocked.Add(ref ops.PagesWalked, (int)result);
        HmmApi.RangeUnregister(range);
    }

    private static void VmaFault(MmStruct mm, HmmMirror mirror, HmmRange range, bool legacy, ulong start, int pages, Random random)
    {
        var vma = mm.FindVma(start);
        if (vma is null)
            return;
        range.Vma = vma;
        range.Start = start;
        range.End = start + (ulong)pages * Page;
        Array.Fill(range.Pfns!, random.Next(2) == 0 ? Valid : Valid | Write);

        mm.MmapSem.DownRead();
        int ret = legacy ? HmmApi.VmaFault(range, block: true) : HmmApi.VmaFault(mirror, range, block: true);
        switch (ret)
        {
            case 0:
                HmmApi.VmaRangeDone(range);
                mm.MmapSem.UpRead();
                break;
            case -Errno.EAGAIN:
                HmmApi.RangeUnregister(range); // the helper left it registered
                break;
            case -Errno.EBUSY:
                break; // mmap_sem already released
            default:
                Assert.True(ret is -Errno.EFAULT or -Errno.EPERM, $"vma fault {ret}");
                mm.MmapSem.UpRead();
                break;
        }
        Assert.Null(range.Hmm);
    }

    private static void RunMappingChanges(MmStruct mm, Random random, Func<bool> running)
    {
        while (running())
        {
            int first = random.Next(Pages - 4);
            ulong length = (ulong)random.Next(1, 5) * Page;
            switch (random.Next(3))
            {
                case 0:
                    Assert.Equal(0, mm.Munmap(At(first), length));
                    try
                    {
                        mm.Mmap(At(first), length, VmFlags.Read | VmFlags.Write);
                    }
                    catch (ObjectDisposedException) when (mm.HasExited)
                    {
                    }
                    break;
                case 1:
                    int ret = mm.Mprotect(At(first), length, random.Next(2) == 0 ? VmFlags.Read : VmFlags.Read | VmFlags.Write);
                    Assert.True(ret == 0 || (ret == -Errno.ENOMEM && mm.HasExited), $"mprotect {ret}");
                    break;
                default:
                    Thread.Yield();
                    break;
            }
        }
    }

    private static void RunCpuAccess(MmStruct mm, Random random, Func<bool> running)
    {
        while (running())
        {
            ulong address = At(random.Next(Pages));
            if (random.Next(4) == 0)
            {
                int migrated = mm.MigrateToDevice(address, Page);
                Assert.True(migrated >= 0 || migrated == -Errno.EFAULT, $"migrate {migrated}");
            }
            else
            {
                int ret = mm.Touch(address, write: random.Next(2) == 0);
                Assert.True(ret is 0 or -Errno.EPERM or -Errno.EFAULT, $"touch {ret}");
            }
        }
    }
}
