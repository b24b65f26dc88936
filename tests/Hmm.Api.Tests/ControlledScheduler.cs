namespace Hmm.Api.Tests;

/// <summary>A deterministic scheduler over the runtime's lock points (<see cref="LockPoints"/>):
/// the threads of one schedule run one at a time, and at every point a seeded random choice
/// says which runs next. A thread that finds a lock or semaphore taken is blocked until another
/// thread makes progress; a sleeper on hmm->wq runs again only when woken (or, for a timed
/// sleep, when nothing else can run: the timeout is long). With no thread able to run, the
/// schedule is a deadlock, or a waiter nobody woke.</summary>
internal sealed class ControlledScheduler : ILockPointScheduler
{
    private enum Status { Enabled, Blocked, Sleeping, Done }

    private sealed class Worker(int id, string name)
    {
        public int Id { get; } = id;
        public string Name { get; } = name;
        public Status Status { get; set; }
        public object? SleepGate { get; set; }
        public bool TimedSleep { get; set; }
        public bool TimedOut { get; set; }
        public string LastPoint { get; set; } = "start";
    }

    private sealed class ScheduleAbortedException : Exception;

    [ThreadStatic]
    private static Worker? running;

    private readonly object sync = new();
    private readonly Random random;
    private readonly double stay;
    private readonly int maxSteps;
    private readonly Action invariant;
    private readonly List<Worker> workers = new();
    private readonly Queue<string> trace = new();
    private Worker? current;
    private string? failure;
    private int steps;

    private ControlledScheduler(int seed, Action invariant, int maxSteps)
    {
        random = new Random(seed);
        // Some schedules switch threads at almost every point, others rarely.
        stay = new[] { 0.0, 0.5, 0.9 }[seed % 3];
        this.invariant = invariant;
        this.maxSteps = maxSteps;
    }

    /// <summary>Runs <paramref name="threads"/> under one schedule of <paramref name="seed"/>,
    /// checking <paramref name="invariant"/> at every point. Null, or what went wrong with the
    /// schedule's last points.</summary>
    public static (string? Failure, int Points) Run(int seed, IReadOnlyList<(string Name, Action Body)> threads, Action invariant, int maxSteps = 50_000)
    {
        var scheduler = new ControlledScheduler(seed, invariant, maxSteps);
        return (scheduler.RunAll(threads), scheduler.steps);
    }

    private string? RunAll(IReadOnlyList<(string Name, Action Body)> threads)
    {
        var os = new List<Thread>();
        for (int i = 0; i < threads.Count; i++)
        {
            var worker = new Worker(i, threads[i].Name);
            workers.Add(worker);
            var body = threads[i].Body;
            os.Add(new Thread(() => RunWorker(worker, body)) { IsBackground = true, Name = worker.Name });
        }
        lock (sync)
            current = workers[random.Next(workers.Count)];
        foreach (var thread in os)
            thread.Start();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        lock (sync)
        {
            while (failure is null && workers.Any(w => w.Status != Status.Done))
            {
                if (!Monitor.Wait(sync, TimeSpan.FromSeconds(1)) && DateTime.UtcNow > deadline)
                {
                    failure = "a thread blocked outside the lock points: " + Describe();
                    Monitor.PulseAll(sync);
                }
            }
        }
        foreach (var thread in os)
            thread.Join(TimeSpan.FromSeconds(5));
        return failure;
    }

    private void RunWorker(Worker me, Action body)
    {
        LockPoints.Scheduler = this;
        running = me;
        try
        {
            lock (sync)
                WaitForTurn(me);
            body();
        }
        catch (ScheduleAbortedException)
        {
        }
        catch (Exception e)
        {
            Fail($"{me.Name} threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
        finally
        {
            LockPoints.Scheduler = null;
            running = null;
            lock (sync)
            {
                me.Status = Status.Done;
                if (failure is null)
                {
                    MadeProgress(me); // what it released lets the blocked ones try again
                    if (workers.Any(w => w.Status != Status.Done))
                        current = PickNext(me);
                }
                Monitor.PulseAll(sync);
            }
        }
    }

    public void Point(string name)
    {
        var me = Me();
        try
        {
            invariant();
        }
        catch (Exception e)
        {
            Fail($"invariant broken at {me.Name}: {name}: {e.Message}");
            throw new ScheduleAbortedException();
        }
        lock (sync)
        {
            ThrowIfAborted();
            Record(me, name);
            MadeProgress(me);
            if (random.NextDouble() >= stay)
                SwitchTo(me, PickNext(me));
        }
    }

    public void Blocked(string name)
    {
        var me = Me();
        lock (sync)
        {
            ThrowIfAborted();
            Record(me, "blocked: " + name);
            me.Status = Status.Blocked;
            SwitchTo(me, PickNext(me));
        }
    }

    public bool Wait(object gate, bool timed, string name)
    {
        var me = Me();
        lock (sync)
        {
            ThrowIfAborted();
            Record(me, "sleep: " + name);
            me.Status = Status.Sleeping;
            me.SleepGate = gate;
            me.TimedSleep = timed;
            me.TimedOut = false;
            MadeProgress(me); // it released the lock it sleeps on
            SwitchTo(me, PickNext(me));
            return !me.TimedOut;
        }
    }

    public void Pulse(object gate)
    {
        lock (sync)
        {
            foreach (var worker in workers.Where(w => w.Status == Status.Sleeping && w.SleepGate == gate))
            {
                worker.Status = Status.Enabled;
                worker.SleepGate = null;
            }
        }
    }

    private static Worker Me() => running ?? throw new InvalidOperationException("not a controlled thread");

    private void MadeProgress(Worker me)
    {
        foreach (var worker in workers.Where(w => w != me && w.Status == Status.Blocked))
            worker.Status = Status.Enabled;
    }

    private Worker? PickNext(Worker me)
    {
        var enabled = workers.Where(w => w.Status == Status.Enabled).ToList();
        if (enabled.Count > 0)
            return enabled[random.Next(enabled.Count)];
        var timed = workers.Where(w => w.Status == Status.Sleeping && w.TimedSleep).ToList();
        if (timed.Count > 0)
        {
            var sleeper = timed[random.Next(timed.Count)];
            sleeper.Status = Status.Enabled;
            sleeper.TimedOut = true;
            sleeper.SleepGate = null;
            return sleeper;
        }
        if (workers.All(w => w.Status == Status.Done))
            return null;
        Fail("deadlock (or a waiter never woken): " + Describe());
        return null;
    }

    private void SwitchTo(Worker me, Worker? next)
    {
        ThrowIfAborted();
        current = next;
        Monitor.PulseAll(sync);
        WaitForTurn(me);
        me.Status = Status.Enabled;
    }

    private void WaitForTurn(Worker me)
    {
        while (current != me && failure is null)
            Monitor.Wait(sync);
        ThrowIfAborted();
    }

    private void Record(Worker me, string point)
    {
        me.LastPoint = point;
        trace.Enqueue($"{me.Name}: {point}");
        if (trace.Count > 40)
            trace.Dequeue();
        if (++steps > maxSteps)
            Fail($"no end after {maxSteps} points (livelock): " + Describe());
        ThrowIfAborted();
    }

    private void Fail(string why)
    {
        lock (sync)
        {
            failure ??= why + "\nlast points:\n  " + string.Join("\n  ", trace);
            Monitor.PulseAll(sync);
        }
    }

    private void ThrowIfAborted()
    {
        if (failure is not null)
            throw new ScheduleAbortedException();
    }

    private string Describe() => string.Join("; ", workers.Select(w => $"{w.Name} {w.Status} at {w.LastPoint}"));
}
