using System.CommandLine;
using Hmm.Migrate.Output;

namespace Hmm.Migrate;

/// <summary>hmm-migrate: the command line.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) =>
        RunAsync(args, Console.Out, Progress.ForConsole(), CancellationToken.None);

    /// <summary>Runs the command with its output on <paramref name="output"/>; the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, Progress progress, CancellationToken cancellationToken)
    {
        var input = new Argument<string?>("input")
        {
            Description = $"The .sln, .slnx or .csproj to migrate. Default: the bundled sample, {WorkspaceLoader.DefaultInput}, found above the current directory or the tool.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var apply = new Option<bool>("--apply") { Description = "Write the changes to the files (default: dry run, print the diff)." };
        var check = new Option<bool>("--check") { Description = "Exit with 1 when an HMM diagnostic remains (after --apply: in the migrated code)." };
        var diagnostics = new Option<string[]>("--diagnostics")
        {
            Description = "The rules to report and fix, comma-separated (default: all), e.g. HMM001,HMM004.",
            AllowMultipleArgumentsPerToken = true,
        };
        var format = new Option<OutputFormat>("--format")
        {
            Description = "Output: text (sites, then a unified diff), json, or sarif (SARIF 2.1.0).",
            DefaultValueFactory = _ => OutputFormat.Text,
        };
        var noRestore = new Option<bool>("--no-restore") { Description = "Do not run 'dotnet restore' on the input before loading it." };
        var verbose = new Option<bool>("--verbose") { Description = "Progress and the time of each phase on stderr, also when stderr is not a terminal." };
        var root = new RootCommand(
            "Migrates C# driver code from the legacy HMM signatures (RangeRegister with an mm, VmaFault without a mirror) "
            + "to the mirror-based ones with the Hmm.Analyzers rules and fixes, like spatch for the kernel change "
            + "'mm/hmm: Use hmm_mirror not mm as an argument for hmm_range_register'." + Environment.NewLine + Environment.NewLine
            + ExitCodes.HelpText)
        {
            input, apply, check, diagnostics, format, noRestore, verbose,
        };

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                progress.Fail(error.Message);
            }

            progress.Error.WriteLine("Try 'hmm-migrate --help'.");
            return ExitCodes.BadInput;
        }

        int exitCode = ExitCodes.Success;
        root.SetAction(async (result, token) =>
        {
            exitCode = await MigrateAsync(
                result.GetValue(input),
                result.GetValue(apply),
                result.GetValue(check),
                result.GetValue(diagnostics) ?? [],
                result.GetValue(format),
                !result.GetValue(noRestore),
                output,
                result.GetValue(verbose) ? progress.AsVerbose() : progress,
                token);
        });
        int invoked = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = progress.Error }, cancellationToken);
        return invoked != 0 ? invoked : exitCode;
    }

    private static async Task<int> MigrateAsync(
        string? input, bool apply, bool check, string[] rules, OutputFormat format, bool restore, TextWriter output, Progress progress, CancellationToken cancellationToken)
    {
        try
        {
            var options = new MigrationOptions(input ?? string.Empty, apply, check, ParseRules(rules), format, restore);
            if (input is null)
            {
                options = options with { InputPath = WorkspaceLoader.ResolveInput(null) };
            }

            MigrationReport report = await new Migration(options, progress).RunAsync(cancellationToken);
            ReportWriter.Write(report, options, output);
            if (format != OutputFormat.Text)
            {
                // The text report lists them; JSON and SARIF are for machines, these for the reader.
                foreach (string problem in report.Problems)
                {
                    progress.Warn(problem);
                }
            }

            return ExitCodes.For(report, check);
        }
        catch (MigrationException e)
        {
            progress.Fail(e.Message);
            return e.ExitCode;
        }
    }

    /// <summary>The rule ids asked for: every known HMM rule when none is given.</summary>
    private static IReadOnlySet<string> ParseRules(string[] values)
    {
        var known = HmmRules.CatalogueIds;
        var asked = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(v => v.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
        if (asked.Count == 0)
        {
            return known;
        }

        var unknown = asked.Where(id => !known.Contains(id)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new MigrationException(ExitCodes.BadInput, $"unknown rule(s) {string.Join(", ", unknown)}; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
        }

        return asked;
    }
}
