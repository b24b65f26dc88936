using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Tracing;

namespace LegacyDrivers.Scenarios;

/// <summary>
/// What a driver's test suite can hear from the runtime: every legacy HMM call (the Hmm-Api
/// events LegacyRangeRegister and LegacyVmaFault), whether a mirror of its mm was registered,
/// and the driver method that made it. The runtime writes the events on the calling thread, so
/// the call site is read off the stack.
/// </summary>
public sealed class LegacyCallLog : EventListener
{
    private readonly ConcurrentQueue<LegacyCall> calls = new();

    /// <summary>The calls heard so far, in order.</summary>
    public IReadOnlyList<LegacyCall> Calls => [.. calls];

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Hmm-Api")
        {
            EnableEvents(source, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is "LegacyRangeRegister" or "LegacyVmaFault" && e.Payload is [bool hasLiveMirror])
        {
            calls.Enqueue(new LegacyCall(e.EventName, hasLiveMirror, CallSite()));
        }
    }

    private static string CallSite()
    {
        foreach (var frame in new StackTrace().GetFrames())
        {
            if (frame.GetMethod() is { DeclaringType: { } type } method
                && type.Namespace?.StartsWith("LegacyDrivers", StringComparison.Ordinal) == true
                && type != typeof(LegacyCallLog))
            {
                return $"{type.Name}.{method.Name}";
            }
        }

        return "?";
    }
}

/// <summary>One legacy call: the event, whether a mirror of the mm was registered, the driver method.</summary>
public readonly record struct LegacyCall(string Call, bool HasLiveMirror, string Site);
