using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Hmm.Benchmarks;

/// <summary>
/// A stopwatch of the calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), falling
/// back to wall time elsewhere: on a shared machine, other processes stretch wall time, not this.
/// </summary>
internal sealed class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    private long started;
    private long allocatedAtStart;

    public TimeSpan Elapsed { get; private set; }

    /// <summary>Bytes the thread allocated while the clock ran: what later costs garbage collections.</summary>
    public long Allocated { get; private set; }

    public static bool IsCpuTime { get; } = OperatingSystem.IsLinux() && TryNow(out _);

    public void Start()
    {
        allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        started = Now();
    }

    public void Stop()
    {
        Elapsed += TimeSpan.FromTicks((Now() - started) / 100);
        Allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
    }

    // Nanoseconds.
    private static long Now() =>
        IsCpuTime && TryNow(out var nanoseconds) ? nanoseconds : (long)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    private static bool TryNow(out long nanoseconds)
    {
        try
        {
            if (clock_gettime(ClockThreadCpuTimeId, out var time) == 0)
            {
                nanoseconds = (time.Seconds * 1_000_000_000L) + time.Nanoseconds;
                return true;
            }
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }

        nanoseconds = 0;
        return false;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);
}
