namespace Hmm;

/// <summary>What a deterministic scheduler does at the runtime's lock points (internal: the
/// concurrency tests implement it). One controlled thread runs at a time; the scheduler picks
/// which at each point.</summary>
internal interface ILockPointScheduler
{
    /// <summary>Another thread may run here.</summary>
    void Point(string name);

    /// <summary>The calling thread cannot go on (a lock or semaphore is taken): run others, and
    /// return once something may have changed.</summary>
    void Blocked(string name);

    /// <summary>The calling thread sleeps on <paramref name="gate"/> (released by the caller)
    /// until <see cref="Pulse"/>; a timed sleep may also end by timing out (false).</summary>
    bool Wait(object gate, bool timed, string name);

    /// <summary>Wakes every thread sleeping on <paramref name="gate"/>.</summary>
    void Pulse(object gate);
}

/// <summary>The runtime's lock points: every acquisition of hmm->lock, mirrors_sem, mmap_sem and
/// a mirror's gate, every sleep and wake-up on hmm->wq, each mirror callback and the unlocked
/// reads the kernel also makes. Without a scheduler on the thread (always, outside the
/// concurrency tests) they are the plain Monitor operations and a thread-static read.</summary>
internal static class LockPoints
{
    [ThreadStatic]
    private static ILockPointScheduler? scheduler;

    /// <summary>The scheduler controlling the calling thread, if any.</summary>
    internal static ILockPointScheduler? Scheduler
    {
        get => scheduler;
        set => scheduler = value;
    }

    internal static void At(string name) => scheduler?.Point(name);

    /// <summary>Monitor.Enter, or under a scheduler a point and a try-lock until taken.</summary>
    internal static void Enter(object gate, string name)
    {
        var s = scheduler;
        if (s is null)
        {
            Monitor.Enter(gate);
            return;
        }
        s.Point(name);
        while (!Monitor.TryEnter(gate))
            s.Blocked(name);
    }

    /// <summary><see cref="Enter"/> for a <c>using</c> block, which exits the monitor.</summary>
    internal static Held Hold(object gate, string name)
    {
        Enter(gate, name);
        return new Held(gate);
    }

    /// <summary>Monitor.TryEnter after a point.</summary>
    internal static bool TryEnter(object gate, string name)
    {
        scheduler?.Point(name);
        return Monitor.TryEnter(gate);
    }

    /// <summary>Monitor.Wait on a held <paramref name="gate"/>: false when it timed out.</summary>
    internal static bool Wait(object gate, TimeSpan timeout, string name)
    {
        var s = scheduler;
        if (s is null)
            return timeout == Timeout.InfiniteTimeSpan ? Monitor.Wait(gate) : Monitor.Wait(gate, timeout);
        Monitor.Exit(gate);
        bool woken;
        try
        {
            woken = s.Wait(gate, timed: timeout != Timeout.InfiniteTimeSpan, name);
        }
        finally
        {
            while (!Monitor.TryEnter(gate))
                s.Blocked(name);
        }
        return woken;
    }

    /// <summary>Monitor.PulseAll on a held <paramref name="gate"/>.</summary>
    internal static void PulseAll(object gate)
    {
        Monitor.PulseAll(gate);
        scheduler?.Pulse(gate);
    }

    /// <summary>A monitor entered by <see cref="Hold"/>.</summary>
    internal readonly ref struct Held
    {
        private readonly object gate;

        internal Held(object gate) => this.gate = gate;

        public void Dispose() => Monitor.Exit(gate);
    }
}
