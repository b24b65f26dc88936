using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Hmm.Benchmarks;

/// <summary>
/// Samples what the runtime allocates (its AllocationTick event, about one per 100 KB) by type,
/// inside the time windows a phase of the analysis marks: which objects that phase allocates
/// most. The events arrive late, on another thread, so they are matched by their time stamp.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentQueue<(DateTime At, string Type, long Bytes)> samples = new();
    private readonly List<(DateTime Start, DateTime End)> windows = new();
    private DateTime windowStart;

    public void Begin() => windowStart = DateTime.UtcNow;

    public void End() => windows.Add((windowStart, DateTime.UtcNow));

    /// <summary>The types allocated most inside the windows so far, in bytes sampled.</summary>
    public IEnumerable<KeyValuePair<string, long>> Top(int count)
    {
        var starts = windows.Select(w => w.Start).ToArray();
        var byType = new Dictionary<string, long>();
        foreach (var (at, type, bytes) in samples)
        {
            var index = Array.BinarySearch(starts, at);
            index = index >= 0 ? index : ~index - 1;
            if (index >= 0 && at <= windows[index].End)
            {
                byType[type] = byType.GetValueOrDefault(type) + bytes;
            }
        }

        return byType.OrderByDescending(p => p.Value).Take(count);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is null)
        {
            return;
        }

        var names = eventData.PayloadNames!;
        var type = names.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var bytes = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload[a]) : 100_000;
        samples.Enqueue((eventData.TimeStamp.ToUniversalTime(), type, bytes));
    }
}
