using System.Diagnostics.Tracing;

namespace Hmm;

/// <summary>The runtime's trace provider "Hmm-Api": an event on every legacy call, saying
/// whether a mirror of its mm was registered, and counters of the runtime's activity for
/// dotnet-counters. The counts are kept whether or not anyone listens, so a listener that
/// attaches late reads the totals since start.</summary>
[EventSource(Name = "Hmm-Api")]
internal sealed class HmmEventSource : EventSource
{
    internal const int LegacyRangeRegisterId = 1;
    internal const int LegacyVmaFaultId = 2;

    internal static readonly HmmEventSource Log = new();

    private static long registeredMirrors;
    private static long registeredRanges;
    private static long blockableInvalidations;
    private static long nonBlockableInvalidations;
    private static long legacyCallsWithLiveMirror;
    private static long legacyCallsWithoutLiveMirror;

    // Created when a listener enables the counters; kept so they are not collected.
    private PollingCounter[]? gauges;
    private IncrementingPollingCounter[]? rates;

    private HmmEventSource()
    {
    }

    internal static long RegisteredMirrors => Interlocked.Read(ref registeredMirrors);

    internal static long RegisteredRanges => Interlocked.Read(ref registeredRanges);

    internal static long BlockableInvalidations => Interlocked.Read(ref blockableInvalidations);

    internal static long NonBlockableInvalidations => Interlocked.Read(ref nonBlockableInvalidations);

    internal static long LegacyCallsWithLiveMirror => Interlocked.Read(ref legacyCallsWithLiveMirror);

    internal static long LegacyCallsWithoutLiveMirror => Interlocked.Read(ref legacyCallsWithoutLiveMirror);

    /// <summary>A legacy hmm_range_register(range, mm, ...) call.</summary>
    [Event(LegacyRangeRegisterId, Level = EventLevel.Informational,
        Message = "Legacy RangeRegister(range, mm, ...); a mirror of the mm is registered: {0}")]
    public void LegacyRangeRegister(bool hasLiveMirror)
    {
        CountLegacyCall(hasLiveMirror);
        if (IsEnabled())
            WriteEvent(LegacyRangeRegisterId, hasLiveMirror);
    }

    /// <summary>A legacy hmm_vma_fault(range, block) call.</summary>
    [Event(LegacyVmaFaultId, Level = EventLevel.Informational,
        Message = "Legacy VmaFault(range, block); a mirror of the mm is registered: {0}")]
    public void LegacyVmaFault(bool hasLiveMirror)
    {
        CountLegacyCall(hasLiveMirror);
        if (IsEnabled())
            WriteEvent(LegacyVmaFaultId, hasLiveMirror);
    }

    [NonEvent]
    internal static void MirrorRegistered() => Interlocked.Increment(ref registeredMirrors);

    [NonEvent]
    internal static void MirrorUnregistered() => Interlocked.Decrement(ref registeredMirrors);

    [NonEvent]
    internal static void RangeRegistered() => Interlocked.Increment(ref registeredRanges);

    [NonEvent]
    internal static void RangeUnregistered() => Interlocked.Decrement(ref registeredRanges);

    [NonEvent]
    internal static void InvalidationStarted(bool blockable) =>
        Interlocked.Increment(ref blockable ? ref blockableInvalidations : ref nonBlockableInvalidations);

    [NonEvent]
    private static void CountLegacyCall(bool hasLiveMirror) =>
        Interlocked.Increment(ref hasLiveMirror ? ref legacyCallsWithLiveMirror : ref legacyCallsWithoutLiveMirror);

    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        if (command.Command != EventCommand.Enable)
            return;
        lock (this)
        {
            gauges ??=
            [
                new PollingCounter("registered-mirrors", this, () => RegisteredMirrors) { DisplayName = "Registered mirrors" },
                new PollingCounter("registered-ranges", this, () => RegisteredRanges) { DisplayName = "Registered ranges" },
            ];
            rates ??=
            [
                Rate("blockable-invalidations", "Blockable invalidations", () => BlockableInvalidations),
                Rate("non-blockable-invalidations", "Non-blockable invalidations", () => NonBlockableInvalidations),
                Rate("legacy-calls-with-live-mirror", "Legacy calls with a live mirror", () => LegacyCallsWithLiveMirror),
                Rate("legacy-calls-without-live-mirror", "Legacy calls without a live mirror", () => LegacyCallsWithoutLiveMirror),
            ];
        }
    }

    private IncrementingPollingCounter Rate(string name, string displayName, Func<long> total) =>
        new(name, this, () => total()) { DisplayName = displayName, DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
}
