using System.Diagnostics;

namespace Hmm.Migrate;

/// <summary>Progress lines on stderr, shown when stderr is a terminal or with --verbose; errors always.</summary>
internal sealed class Progress(TextWriter error, bool verbose)
{
    public TextWriter Error { get; } = error;

    public bool Verbose { get; } = verbose;

    public static Progress ForConsole() => new(Console.Error, verbose: !Console.IsErrorRedirected);

    /// <summary>The same output, progress lines shown.</summary>
    public Progress AsVerbose() => Verbose ? this : new Progress(Error, verbose: true);

    public void Report(string message)
    {
        if (Verbose)
        {
            Error.WriteLine(message);
        }
    }

    /// <summary>Reports "<paramref name="phase"/>: N.NN s" since <paramref name="since"/>, a <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public void Timing(string phase, long since)
    {
        if (Verbose)
        {
            Error.WriteLine(FormattableString.Invariant($"time: {phase}: {Stopwatch.GetElapsedTime(since).TotalSeconds:F2} s"));
        }
    }

    /// <summary>A line the reader must see whatever the verbosity (what the run chose for them).</summary>
    public void Note(string message) => Error.WriteLine("hmm-migrate: " + message);

    public void Fail(string message) => Error.WriteLine("hmm-migrate: error: " + message);

    public void Warn(string message) => Error.WriteLine("hmm-migrate: warning: " + message);
}
