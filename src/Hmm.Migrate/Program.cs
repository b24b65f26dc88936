using System.CommandLine;
using System.Text;
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
            Description = "The .sln, .slnx or .csproj to migrate, or a folder holding exactly one. Default: the one in the current folder, as dotnet build takes it; "
                + $"in this repository's root, and in a folder with none, the bundled sample {WorkspaceLoader.DefaultInput} (found above the current folder or the tool).",
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
        var diffOnly = new Option<bool>("--diff-only") { Description = "Write only the patch to stdout (for git apply or patch -p1); the report goes to stderr." };
        var patchFile = new Option<FileInfo?>("--output") { Description = "Write the patch to this file; the report stays on stdout without it." };
        var mirror = new Option<string?>("--mirror") { Description = "At a site with several candidate mirrors (none known to be the mm's), pass this one when it is among them, e.g. --mirror svmm.Mirror." };
        var noRestore = new Option<bool>("--no-restore") { Description = "Do not run 'dotnet restore' on the input before loading it." };
        var verbose = new Option<bool>("--verbose") { Description = "The time of each phase on stderr, besides the progress (a live display on a terminal, a line every few seconds otherwise)." };
        var root = new RootCommand(
            "Migrates C# driver code from the legacy HMM signatures (RangeRegister with an mm, VmaFault without a mirror) "
            + "to the mirror-based ones with the Hmm.Analyzers rules and fixes, like spatch for the kernel change "
            + "'mm/hmm: Use hmm_mirror not mm as an argument for hmm_range_register'." + Environment.NewLine + Environment.NewLine
            + ExitCodes.HelpText)
        {
            input, apply, check, diagnostics, format, diffOnly, patchFile, mirror, noRestore, verbose,
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
                result.GetValue(diffOnly),
                result.GetValue(patchFile)?.FullName,
                result.GetValue(mirror),
                !result.GetValue(noRestore),
                output,
                result.GetValue(verbose) ? progress.AsVerbose() : progress,
                token);
        });
        int invoked = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = progress.Error }, cancellationToken);
        return invoked != 0 ? invoked : exitCode;
    }

    private static async Task<int> MigrateAsync(
        string? input, bool apply, bool check, string[] rules, OutputFormat format, bool diffOnly, string? patchFile, string? mirror, bool restore,
        TextWriter output, Progress progress, CancellationToken cancellationToken)
    {
        try
        {
            if (diffOnly && (format != OutputFormat.Text || patchFile is not null))
            {
                throw new MigrationException(ExitCodes.BadInput, "--diff-only writes the patch to stdout: it goes with neither --format json/sarif nor --output");
            }

            string resolved = WorkspaceLoader.ResolveInput(input, Directory.GetCurrentDirectory(), progress);
            var options = new MigrationOptions(resolved, apply, check, ParseRules(rules), format, restore, mirror);
            MigrationReport report = await new Migration(options, progress).RunAsync(cancellationToken);
            int exitCode = ExitCodes.For(report, check);
            bool patchElsewhere = diffOnly || patchFile is not null;
            ReportWriter.Write(report, options, exitCode, diffOnly ? progress.Error : output, withDiff: !patchElsewhere);
            string patch = UnifiedDiff.Render(report.Changes);
            if (diffOnly)
            {
                output.Write(patch);
            }
            else if (patchFile is not null)
            {
                await File.WriteAllTextAsync(patchFile, patch, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken);
                progress.Error.WriteLine($"hmm-migrate: wrote the patch of {report.Changes.Count} file(s) to {patchFile}");
            }

            if (format != OutputFormat.Text)
            {
                // The text report lists them; JSON and SARIF are for machines, these for the reader.
                foreach (string problem in report.Problems)
                {
                    progress.Warn(problem);
                }
            }

            return exitCode;
        }
        catch (MigrationException e)
        {
            progress.Fail(e.Message);
            if (!diffOnly)
            {
                ReportWriter.WriteFailure(format, e.ExitCode, e.Message, output);
            }

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
