namespace Hmm.Migrate;

/// <summary>Progress lines on stderr, shown only when stderr is a terminal; errors always.</summary>
internal sealed class Progress(TextWriter error, bool verbose)
{
    public TextWriter Error { get; } = error;

    public static Progress ForConsole() => new(Console.Error, verbose: !Console.IsErrorRedirected);

    public void Report(string message)
    {
        if (verbose)
        {
            Error.WriteLine(message);
        }
    }

    public void Fail(string message) => Error.WriteLine("hmm-migrate: error: " + message);

    public void Warn(string message) => Error.WriteLine("hmm-migrate: warning: " + message);
}
