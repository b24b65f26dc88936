using System.Diagnostics;
using System.Text;

namespace Hmm.Package.Tests.Infrastructure;

/// <summary>What a finished command printed (stdout and stderr, interleaved) and its exit code.</summary>
public sealed record CliResult(string Command, int ExitCode, string Output)
{
    public override string ToString() => $"$ {Command}\nexit code {ExitCode}\n{Output}";
}

/// <summary>Runs the dotnet CLI (and tools) as a user would, every run bounded in time.</summary>
public static class Cli
{
    /// <summary>
    /// The environment every child starts from: no telemetry or banners, no MSBuild nodes left
    /// behind, and none of the MSBuild variables of the `dotnet test` that runs us (they point
    /// the child at the test run's SDK resolution rather than its own).
    /// </summary>
    private static void PrepareEnvironment(ProcessStartInfo info)
    {
        foreach (var name in info.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(name);
            }
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
    }

    public static Task<CliResult> DotnetAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync("dotnet", arguments, workingDirectory, timeout);

    /// <summary>A child with all three streams redirected, in <see cref="PrepareEnvironment"/>'s environment.</summary>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        PrepareEnvironment(info);
        return info;
    }

    public static async Task<CliResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var info = StartInfo(fileName, arguments, workingDirectory);
        var command = fileName + " " + string.Join(' ', info.ArgumentList);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish within {timeout}:\n{Snapshot(output)}");
        }

        // The exit is seen before the last redirected lines: wait for the end of both streams.
        process.WaitForExit();
        return new CliResult(command, process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
