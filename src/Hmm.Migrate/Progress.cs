using System.Diagnostics;
using Spectre.Console;

namespace Hmm.Migrate;

/// <summary>
/// Progress on stderr: each phase as a line, and while a project is analysed its documents, as a
/// live bar on a terminal (<paramref name="live"/>) or as a plain line every
/// <paramref name="interval"/> otherwise (CI logs). Phase times with --verbose; errors always.
/// </summary>
internal sealed class Progress(TextWriter error, bool verbose, IAnsiConsole? live = null, TimeSpan? interval = null)
{
    private readonly Lock gate = new();

    public TextWriter Error { get; } = error;

    public bool Verbose { get; } = verbose;

    private TimeSpan Interval { get; } = interval ?? TimeSpan.FromSeconds(5);

    public static Progress ForConsole() => Console.IsErrorRedirected
        ? new(Console.Error, verbose: false)
        : new(Console.Error, verbose: false, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));

    /// <summary>The same output, phase times shown.</summary>
    public Progress AsVerbose() => Verbose ? this : new Progress(Error, verbose: true, live, Interval);

    public void Report(string message)
    {
        lock (gate)
        {
            Error.WriteLine("hmm-migrate: " + message);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>, the analysis of <paramref name="project"/>, which calls its
    /// argument once per document analysed (from any thread).
    /// </summary>
    public async Task<T> TrackAsync<T>(string project, int documents, Func<Action, Task<T>> work)
    {
        string what = $"analysing {project}";
        if (live is not null)
        {
            return await live.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape($"{what} ({documents} documents)"), maxValue: Math.Max(1, documents));
                    T result = await work(() => task.Increment(1));
                    task.Value = task.MaxValue;
                    return result;
                });
        }

        Report($"{what} ({documents} documents)");
        int done = 0;
        long last = Stopwatch.GetTimestamp();
        T value = await work(() =>
        {
            int now = Interlocked.Increment(ref done);
            lock (gate)
            {
                if (Stopwatch.GetElapsedTime(last) >= Interval && now < documents)
                {
                    last = Stopwatch.GetTimestamp();
                    Error.WriteLine($"hmm-migrate: {what}: {now}/{documents} documents");
                }
            }
        });
        Report($"{what}: {documents}/{documents} documents, done");
        return value;
    }

    /// <summary>Reports "<paramref name="phase"/>: N.NN s" since <paramref name="since"/>, a <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public void Timing(string phase, long since)
    {
        if (Verbose)
        {
            lock (gate)
            {
                Error.WriteLine(FormattableString.Invariant($"time: {phase}: {Stopwatch.GetElapsedTime(since).TotalSeconds:F2} s"));
            }
        }
    }

    public void Fail(string message) => Error.WriteLine("hmm-migrate: error: " + message);

    public void Warn(string message) => Error.WriteLine("hmm-migrate: warning: " + message);
}
