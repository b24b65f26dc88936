namespace Hmm.Migrate.Tests;

/// <summary>Runs hmm-migrate in this process, as its command line would.</summary>
internal static class Cli
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await Program.RunAsync(args, output, new Progress(error, verbose: false), CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }
}
