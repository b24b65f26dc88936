using System.Diagnostics;
using Xunit.Abstractions;
using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>Explores interleavings of invalidation (blockable and not), snapshot and fault,
/// range and mirror registration, exit and the OOM reaper over the runtime's lock points, with
/// <see cref="ControlledScheduler"/>: seeded schedules, the same on every run. At every point no
/// registered range overlapping an invalidation in flight is valid and the count of
/// invalidations matches what is in flight; after every schedule each thread has ended (no
/// deadlock, every waiter woken) and every per-mm state made has been freed, exactly once.</summary>
public class SystematicConcurrencyTests(ITestOutputHelper output)
{
    // Per scenario; the README's figures come from these runs.
    private const int Schedules = 1500;

    /// <summary>One process with four pages mapped, two of them present (one the zero page),
    /// a registered mirror, and the threads of a scenario.</summary>
    private sealed class World
    {
        public World(int seed)
        {
            Mm.Mmap(At(0), 4 * Page, VmFlags.Read | VmFlags.Write);
            Assert.Equal(0, Mm.Touch(At(0), write: true));
            Assert.Equal(0, Mm.Touch(At(1), write: false));
            // Half the schedules have a mirror that refuses every non-blockable update.
            Ops = new RecordingOps { OnSync = (_, update) => !update.Blockable && seed % 2 == 1 ? -Errno.EAGAIN : 0 };
            Mirror = HmmMirror.Register(Mm, Ops);
        }

        public MmStruct Mm { get; } = new();

        public RecordingOps Ops { get; }

        public HmmMirror Mirror { get; }

        /// <summary>Checked at every lock point, by the thread that runs there.</summary>
        public void CheckInvariant()
        {
            var state = Mm.Hmm;
            // Inside hmm->lock (the one point there) the state is half updated.
            if (state is null || Monitor.IsEntered(state.Lock) || !Monitor.TryEnter(state.Lock))
                return;
            try
            {
                Assert.Equal(state.InFlight.Count, state.NotifiersUnlocked);
                foreach (var range in state.Ranges)
                {
                    foreach (var update in state.InFlight)
                    {
                        if (update.End >= range.Start && update.Start < range.End)
                            Assert.False(range.IsValid, $"range [{range.Start:x}, {range.End:x}) valid during [{update.Start:x}, {update.End:x})");
                    }
                }
            }
            finally
            {
                Monitor.Exit(state.Lock);
            }
        }

        /// <summary>After the schedule: what the threads left registered goes, then every state
        /// made must have been freed.</summary>
        public void CheckBalanced()
        {
            Mirror.Dispose();
            Assert.Null(Mm.Hmm);
            Assert.Equal(Mm.HmmStatesCreated, Mm.HmmStatesFreed);
        }

        // The hmm.rst pattern with a snapshot: register, wait, snapshot (again on -EAGAIN), unregister.
        // An endless wait where the scenario must wake it: a waiter left asleep is then a failure.
        public void Snapshot(HmmMirror? mirror, TimeSpan wait)
        {
            var range = NewRange(3);
            int ret;
            try
            {
                ret = mirror is null
                    ? HmmApi.RangeRegister(range, Mm, At(0), At(3), HmmApi.PageShift)
                    : HmmApi.RangeRegister(range, mirror, At(0), At(3), HmmApi.PageShift);
            }
            catch (InvalidOperationException) when (mirror is { IsRegistered: false })
            {
                Assert.Null(range.Hmm); // the mirror went first: refused, nothing taken
                return;
            }
            if (ret != 0)
            {
                Assert.Equal(-Errno.EFAULT, ret); // the process exited
                return;
            }
            Mm.MmapSem.DownRead();
            for (int attempt = 0; attempt < 3 && HmmApi.RangeWaitUntilValid(range, wait); attempt++)
            {
                long pages = HmmApi.RangeSnapshot(range);
                if (pages != -Errno.EAGAIN)
                {
                    Assert.True(pages >= 0 || pages == -Errno.EFAULT, $"snapshot: {pages}");
                    break;
                }
            }
            Mm.MmapSem.UpRead();
            HmmApi.RangeUnregister(range);
        }

        // nouveau's pattern: VmaFault with the mirror, then VmaRangeDone, by its contract on mmap_sem.
        public void VmaFault()
        {
            var range = new HmmRange { Vma = Mm.FindVma(At(0)), Start = At(0), End = At(2), Pfns = [Valid | Write, Valid] };
            if (range.Vma is null)
                return; // the process exited
            Mm.MmapSem.DownRead();
            int ret = HmmApi.VmaFault(Mirror, range, block: true);
            if (ret == 0)
            {
                HmmApi.VmaRangeDone(range);
                Mm.MmapSem.UpRead();
            }
            else if (ret == -Errno.EAGAIN)
            {
                HmmApi.RangeUnregister(range); // mmap_sem released, range left registered
            }
            else if (ret != -Errno.EBUSY)
            {
                Assert.Equal(-Errno.EFAULT, ret);
                Mm.MmapSem.UpRead();
            }
            Assert.Null(range.Hmm);
        }

        // A second mirror comes and goes (mirrors_sem for write: the reaper's try-lock can fail).
        public void MirrorComesAndGoes()
        {
            var mirror = new HmmMirror(new RecordingOps());
            if (HmmApi.MirrorRegister(mirror, Mm) == 0)
                HmmApi.MirrorUnregister(mirror);
        }

        public void OomReap() => Assert.True(Mm.OomReap() is 0 or -Errno.EAGAIN);

        public void CpuWrite() => Assert.True(Mm.Touch(At(1), write: true) is 0 or -Errno.EFAULT); // copy of the zero page

        public void Munmap() => Assert.Equal(0, Mm.Munmap(At(2), Page));
    }

    public static TheoryData<string> Scenarios => new()
    {
        "invalidations against snapshot and fault",
        "invalidations against range and mirror registration",
        "exit against everything",
    };

    private static IReadOnlyList<(string, Action)> Threads(string scenario, World w) => scenario switch
    {
        "invalidations against snapshot and fault" =>
        [
            ("cpu write", w.CpuWrite), ("oom reaper", w.OomReap), ("snapshot", () => w.Snapshot(w.Mirror, Timeout.InfiniteTimeSpan)), ("vma fault", w.VmaFault),
        ],
        "invalidations against range and mirror registration" =>
        [
            // The reaper's failed try-lock of mirrors_sem keeps the count raised for good: timed waits.
            ("munmap", w.Munmap), ("oom reaper", w.OomReap), ("legacy snapshot", () => w.Snapshot(null, HmmApi.DefaultTimeout)),
            ("mirror comes and goes", w.MirrorComesAndGoes), ("snapshot", () => w.Snapshot(w.Mirror, HmmApi.DefaultTimeout)),
            ("mirror goes", w.Mirror.Dispose),
        ],
        _ =>
        [
            ("exit", w.Mm.Exit), ("cpu write", w.CpuWrite), ("oom reaper", w.OomReap), ("vma fault", w.VmaFault),
            ("legacy snapshot", () => w.Snapshot(null, Timeout.InfiniteTimeSpan)), ("mirror comes and goes", w.MirrorComesAndGoes),
        ],
    };

    [Theory, MemberData(nameof(Scenarios))]
    public void Every_explored_schedule_keeps_the_invariants(string scenario)
    {
        var watch = Stopwatch.StartNew();
        long points = 0;
        for (int seed = 0; seed < Schedules; seed++)
        {
            var world = new World(seed);
            var (failure, steps) = ControlledScheduler.Run(seed, Threads(scenario, world), world.CheckInvariant);
            Assert.True(failure is null, $"{scenario}, seed {seed}: {failure}");
            world.CheckBalanced();
            points += steps;
        }
        output.WriteLine($"{scenario}: {Schedules} schedules, {points} lock points, {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void The_scheduler_finds_two_semaphores_taken_in_opposite_orders()
    {
        string? found = Enumerable.Range(0, 200).Select(seed =>
        {
            var a = new RwSemaphore();
            var b = new RwSemaphore();
            return ControlledScheduler.Run(seed,
            [
                ("a then b", () => { a.DownWrite(); b.DownWrite(); b.UpWrite(); a.UpWrite(); }),
                ("b then a", () => { b.DownWrite(); a.DownWrite(); a.UpWrite(); b.UpWrite(); }),
            ], () => { }).Failure;
        }).FirstOrDefault(failure => failure is not null);

        Assert.NotNull(found);
        Assert.StartsWith("deadlock", found);
    }

    [Fact]
    public void The_scheduler_interleaves_at_the_lock_points()
    {
        // A read and a write with a lock point between them lose an update in some schedules.
        var totals = Enumerable.Range(0, 50).Select(seed =>
        {
            int count = 0;
            void Increment()
            {
                int seen = count;
                LockPoints.At("between");
                count = seen + 1;
            }
            Assert.Null(ControlledScheduler.Run(seed, [("one", Increment), ("two", Increment)], () => { }).Failure);
            return count;
        }).ToHashSet();

        Assert.Equal([1, 2], totals.Order());
    }
}
