using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using static Hmm.Api.Tests.Driver;

namespace Hmm.Api.Tests;

/// <summary>The switch and the Hmm-Api events are process-wide: these tests run alone, so no
/// other test's legacy call is refused or counted meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideCollection
{
    public const string Name = "process-wide switch and events";
}

/// <summary>Turns <c>Hmm.StrictMirrorScope</c> on for a test, and back off after it.</summary>
internal sealed class StrictSwitch : IDisposable
{
    public StrictSwitch() => AppContext.SetSwitch("Hmm.StrictMirrorScope", true);

    public void Dispose() => AppContext.SetSwitch("Hmm.StrictMirrorScope", false);
}

/// <summary>Listens to the Hmm-Api event source: its events, and its counters every 100 ms.</summary>
internal sealed class HmmApiListener : EventListener
{
    private readonly bool counters;

    public HmmApiListener(bool counters = false)
    {
        this.counters = counters;
        foreach (var source in EventSource.GetSources().Where(s => s.Name == "Hmm-Api"))
            Enable(source);
    }

    public ConcurrentQueue<(string Name, bool HasLiveMirror)> LegacyCalls { get; } = new();

    public ConcurrentDictionary<string, double> Counters { get; } = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Hmm-Api")
            Enable(source);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName == "EventCounters" && e.Payload?[0] is IDictionary<string, object> counter)
        {
            var value = counter.TryGetValue("Mean", out var mean) ? mean : counter["Increment"];
            Counters[(string)counter["Name"]] = Convert.ToDouble(value);
        }
        else if (e.EventName is "LegacyRangeRegister" or "LegacyVmaFault")
        {
            Assert.Equal("hasLiveMirror", Assert.Single(e.PayloadNames!));
            LegacyCalls.Enqueue((e.EventName, (bool)e.Payload![0]!));
        }
    }

    private void Enable(EventSource source)
    {
        // The constructor's base call can run OnEventSourceCreated before `counters` is set;
        // the constructor's own loop enables again with the right arguments.
        var arguments = counters ? new Dictionary<string, string?> { ["EventCounterIntervalSec"] = "0.1" } : null;
        EnableEvents(source, EventLevel.Informational, EventKeywords.All, arguments);
    }
}

[Collection(ProcessWideCollection.Name)]
public class StrictMirrorScopeTests
{
    [Fact]
    public void A_legacy_register_says_whether_a_mirror_of_its_mm_is_registered()
    {
        using var listener = new HmmApiListener();
        var driver = new Driver(Signature.Legacy);
        driver.Map(2);
        var first = driver.RegisteredRange(1);
        using (HmmMirror.Register(driver.Mm, new RecordingOps()))
        {
            var second = driver.RegisteredRange(1, first: 1);
            HmmApi.RangeUnregister(second);
        }
        HmmApi.RangeUnregister(first);

        Assert.Equal([("LegacyRangeRegister", false), ("LegacyRangeRegister", true)], listener.LegacyCalls);
    }

    [Fact]
    public void A_legacy_vma_fault_says_whether_a_mirror_of_its_mm_is_registered()
    {
        using var listener = new HmmApiListener();
        var mirrored = new Driver(Signature.Mirror);
        var legacy = new Driver(Signature.Legacy);
        foreach (var driver in new[] { mirrored, legacy })
        {
            var range = new HmmRange { Vma = driver.Map(1), Start = At(0), End = At(1), Pfns = new ulong[1] };
            driver.Mm.MmapSem.DownRead();
            Assert.Equal(0, HmmApi.VmaFault(range, block: true));
            Assert.True(HmmApi.VmaRangeDone(range));
            driver.Mm.MmapSem.UpRead();
        }

        // One event per call: the registration inside VmaFault writes none of its own.
        Assert.Equal([("LegacyVmaFault", true), ("LegacyVmaFault", false)], listener.LegacyCalls);
    }

    [Fact]
    public void Strict_legacy_register_without_a_mirror_throws_and_changes_nothing()
    {
        var driver = new Driver(Signature.Legacy);
        driver.Map(1);
        var range = new HmmRange { Start = 0x1000, End = 0x2000, Pfns = new ulong[1] };
        using var listener = new HmmApiListener();
        using (new StrictSwitch())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => HmmApi.RangeRegister(range, driver.Mm, At(0), At(1), HmmApi.PageShift));
            Assert.Contains("HmmApi.RangeRegister(range, mm, start, end, pageShift)", ex.Message);
            Assert.Contains($"mm #{driver.Mm.Id}", ex.Message);
            Assert.Contains("HMM002", ex.Message);
            Assert.Contains("Hmm.StrictMirrorScope", ex.Message);
        }

        Assert.Null(driver.Mm.Hmm); // no per-mm state created
        Assert.Equal(0, driver.Mm.HmmStatesCreated);
        Assert.Null(range.Hmm);
        Assert.Equal((0x1000UL, 0x2000UL, 0, false), (range.Start, range.End, range.PageShift, range.Valid));
        Assert.Equal([("LegacyRangeRegister", false)], listener.LegacyCalls);
    }

    [Fact]
    public void Strict_legacy_register_without_a_mirror_takes_no_reference_on_an_existing_state()
    {
        // A legacy range registered before the switch went on keeps the state alive, with no mirror.
        var driver = new Driver(Signature.Legacy);
        driver.Map(2);
        var earlier = driver.RegisteredRange(1);
        var state = driver.State;
        using (new StrictSwitch())
        {
            Assert.Throws<InvalidOperationException>(() => driver.RegisteredRange(1, first: 1));
        }

        Assert.Equal(1, state.RefCount);
        Assert.Equal(1, state.RangeCount);
        HmmApi.RangeUnregister(earlier);
        Assert.Equal(1, state.FreeCount);
    }

    [Fact]
    public void Strict_legacy_vma_fault_without_a_mirror_throws_with_mmap_sem_still_held()
    {
        var driver = new Driver(Signature.Legacy);
        var range = new HmmRange { Vma = driver.Map(1), Start = At(0), End = At(1), Pfns = new ulong[1], DefaultFlags = 7, PfnFlagsMask = 3 };
        driver.Mm.MmapSem.DownRead();
        using (new StrictSwitch())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => HmmApi.VmaFault(range, block: true));
            Assert.Contains("HmmApi.VmaFault(range, block)", ex.Message);
            Assert.Contains($"mm #{driver.Mm.Id}", ex.Message);
            Assert.Contains("HMM002", ex.Message);
        }
        Assert.True(driver.Mm.MmapSem.IsReadLocked);
        driver.Mm.MmapSem.UpRead();

        Assert.Equal((7UL, 3UL), (range.DefaultFlags, range.PfnFlagsMask));
        Assert.Null(driver.Mm.Hmm);
        Assert.Null(range.Hmm);
    }

    [Fact]
    public void Strict_legacy_calls_with_a_registered_mirror_behave_as_before()
    {
        var driver = new Driver(Signature.Mirror);
        var vma = driver.Map(2);
        using (new StrictSwitch())
        {
            var range = new HmmRange { Pfns = new ulong[1] };
            Assert.Equal(0, HmmApi.RangeRegister(range, driver.Mm, At(0), At(1), HmmApi.PageShift));
            Assert.Same(driver.State, range.Hmm);
            HmmApi.RangeUnregister(range);

            var faulted = new HmmRange { Vma = vma, Start = At(1), End = At(2), Pfns = [Valid] };
            driver.Mm.MmapSem.DownRead();
            Assert.Equal(0, HmmApi.VmaFault(faulted, block: true));
            Assert.True(HmmApi.VmaRangeDone(faulted));
            driver.Mm.MmapSem.UpRead();
        }
        Assert.Equal(1, driver.State.RefCount); // only the mirror's
    }

    [Fact]
    public void Strict_mode_counts_a_mirror_as_live_until_it_is_unregistered_also_after_exit()
    {
        var driver = new Driver(Signature.Mirror);
        driver.Map(1);
        using (new StrictSwitch())
        {
            driver.Mm.Exit();
            // Registered on a dead state: the legacy call is allowed and reports the exit.
            Assert.Equal(-Errno.EFAULT, HmmApi.RangeRegister(new HmmRange(), driver.Mm, At(0), At(1), HmmApi.PageShift));
            driver.Mirror!.Dispose();
            Assert.Throws<InvalidOperationException>(() => HmmApi.RangeRegister(new HmmRange(), driver.Mm, At(0), At(1), HmmApi.PageShift));
        }
    }

    [Fact]
    public void Strict_mode_keeps_the_errno_and_exceptions_of_bad_input()
    {
        var mm = new MmStruct();
        using (new StrictSwitch())
        {
            Assert.Equal(-Errno.EINVAL, HmmApi.RangeRegister(new HmmRange(), mm, 0x1001, 0x2000, HmmApi.PageShift));
            Assert.Equal(-Errno.EINVAL, HmmApi.RangeRegister(new HmmRange(), mm, 0x2000, 0x1000, HmmApi.PageShift));
            Assert.Equal(-Errno.EINVAL, HmmApi.RangeRegister(new HmmRange(), mm, 0x1000, 0x2000, 64));
            Assert.Throws<ArgumentNullException>(() => HmmApi.RangeRegister(null!, mm, 0x1000, 0x2000, HmmApi.PageShift));
            Assert.Throws<ArgumentNullException>(() => HmmApi.RangeRegister(new HmmRange(), (MmStruct)null!, 0x1000, 0x2000, HmmApi.PageShift));
            Assert.Throws<ArgumentException>(() => HmmApi.VmaFault(new HmmRange(), block: true));
        }
        Assert.Null(mm.Hmm);
    }

    [Fact]
    public void The_switch_is_off_by_default_and_read_at_each_call()
    {
        Assert.False(AppContext.TryGetSwitch("Hmm.StrictMirrorScope", out bool on) && on);
        var mm = new MmStruct();
        mm.Mmap(At(0), Page, VmFlags.Read);
        var range = new HmmRange { Pfns = new ulong[1] };
        Assert.Equal(0, HmmApi.RangeRegister(range, mm, At(0), At(1), HmmApi.PageShift));
        HmmApi.RangeUnregister(range);
        using (new StrictSwitch())
            Assert.Throws<InvalidOperationException>(() => HmmApi.RangeRegister(range, mm, At(0), At(1), HmmApi.PageShift));
        Assert.Equal(0, HmmApi.RangeRegister(range, mm, At(0), At(1), HmmApi.PageShift));
        HmmApi.RangeUnregister(range);
    }

    [Fact]
    public void The_counters_follow_the_runtime()
    {
        long mirrors = HmmEventSource.RegisteredMirrors, ranges = HmmEventSource.RegisteredRanges;
        long blockable = HmmEventSource.BlockableInvalidations, nonBlockable = HmmEventSource.NonBlockableInvalidations;
        long withMirror = HmmEventSource.LegacyCallsWithLiveMirror, withoutMirror = HmmEventSource.LegacyCallsWithoutLiveMirror;

        var driver = new Driver(Signature.Mirror);
        driver.Map(2);
        var range = driver.RegisteredRange(1);
        var legacy = new Driver(Signature.Legacy);
        legacy.Map(1);
        var legacyRange = legacy.RegisteredRange(1);
        Assert.Equal((mirrors + 1, ranges + 2), (HmmEventSource.RegisteredMirrors, HmmEventSource.RegisteredRanges));
        Assert.Equal(0, driver.Mm.Munmap(At(1), Page)); // blockable
        Assert.Equal(0, driver.Mm.OomReap());           // one non-blockable per vma left
        Assert.Equal((blockable + 1, nonBlockable + 1), (HmmEventSource.BlockableInvalidations, HmmEventSource.NonBlockableInvalidations));
        Assert.Equal(0, HmmApi.RangeRegister(new HmmRange(), driver.Mm, At(0), At(1), HmmApi.PageShift));
        Assert.Equal((withMirror + 1, withoutMirror + 1), (HmmEventSource.LegacyCallsWithLiveMirror, HmmEventSource.LegacyCallsWithoutLiveMirror));

        HmmApi.RangeUnregister(range);
        HmmApi.RangeUnregister(legacyRange);
        driver.Mirror!.Dispose();
        Assert.Equal((mirrors, ranges + 1), (HmmEventSource.RegisteredMirrors, HmmEventSource.RegisteredRanges)); // the unnamed range stays
    }

    [Fact]
    public void The_counters_reach_an_event_listener_by_name()
    {
        using var listener = new HmmApiListener(counters: true);
        var driver = new Driver(Signature.Mirror);
        driver.Map(1);
        var range = driver.RegisteredRange(1);
        string[] names =
        [
            "registered-mirrors", "registered-ranges", "blockable-invalidations", "non-blockable-invalidations",
            "legacy-calls-with-live-mirror", "legacy-calls-without-live-mirror",
        ];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!names.All(listener.Counters.ContainsKey) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);

        Assert.Equal(names.Order(), listener.Counters.Keys.Where(names.Contains).Order());
        Assert.True(listener.Counters["registered-mirrors"] >= 1);
        Assert.True(listener.Counters["registered-ranges"] >= 1);
        HmmApi.RangeUnregister(range);
    }
}
