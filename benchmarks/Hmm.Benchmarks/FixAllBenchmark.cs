using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hmm.Analyzers.Rules;
using Hmm.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.Benchmarks;

/// <summary>
/// The fix-all of issue #4: a generated solution with legacy HMM sites on disk, its clean build
/// timed (with the analyzers, as the user's build runs them, and without), then hmm-migrate
/// --apply (and dotnet format analyzers) timed on it, and the result checked by building the
/// migrated solution. Wall times of real processes: the figures include MSBuild and the
/// compiler server as a user meets them.
/// </summary>
public static partial class FixAllBenchmark
{
    private static readonly TimeSpan FormatTimeout = TimeSpan.FromMinutes(20);

    public static async Task<int> RunAsync(int sites, int projects, bool withFormat, TextWriter output)
    {
        string repository = FindRepository();
        string migrate = Environment.GetEnvironmentVariable("HMM_MIGRATE_DLL") is { Length: > 0 } built
            ? Path.GetFullPath(built)
            : Path.Combine(repository, "src", "Hmm.Migrate", "bin", "Release", "net10.0", "hmm-migrate.dll");
        if (!File.Exists(migrate))
        {
            output.WriteLine($"{migrate} is missing: dotnet build src/Hmm.Migrate -c Release");
            return 2;
        }

        string root = Environment.GetEnvironmentVariable("HMM_FIXALL_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Path.GetTempPath(), $"hmm-fixall-{sites}x{projects}-{Environment.ProcessId}");
        string loadStart = LoadAverage();
        output.WriteLine($"load average at start: {loadStart}; work in {root}");
        try
        {
            var generated = SolutionGenerator.Write(Path.Combine(root, "migrate"), repository, sites, projects);
            output.WriteLine($"generated {generated.Projects} projects, {generated.Files} files, {generated.Lines:N0} lines, {generated.RangeRegisterSites} RangeRegister + {generated.VmaFaultSites} VmaFault legacy sites");

            // Untimed: builds Hmm.Api, the analyzers and the fixes, restores, and warms MSBuild's
            // nodes and the compiler server, as a developer's machine has them.
            var warm = await BuildAsync(generated.SolutionPath, output, "warm-up build");
            var build = await CleanBuildAsync(generated, output, "clean build, analyzers on");
            var buildNoAnalyzers = await CleanBuildAsync(generated, output, "clean build, analyzers off", "-p:RunAnalyzers=false");
            output.WriteLine($"before the fix-all: {Describe(build.Hmm)}");

            var fix = await RunAsync("dotnet", [migrate, generated.SolutionPath, "--apply", "--verbose"], root, null);
            output.WriteLine($"hmm-migrate --apply: exit {fix.ExitCode}, {fix.Elapsed.TotalSeconds:F1} s");
            foreach (string line in fix.Output.Split('\n').Where(l => l.StartsWith("time:", StringComparison.Ordinal) || l.Contains("hmm-migrate:", StringComparison.Ordinal)))
            {
                output.WriteLine("  " + line.TrimEnd());
            }

            var after = await BuildAsync(generated.SolutionPath, output, "build after hmm-migrate");
            output.WriteLine($"after hmm-migrate: build exit {after.ExitCode}, {Describe(after.Hmm)}, {after.Errors} error(s)");

            Result? format = null;
            BuildResult? afterFormat = null;
            if (withFormat)
            {
                // The same solution again (same seed), for dotnet format's own fix-all. Not built:
                // dotnet format restores it and loads the analyzers the warm-up build made.
                var second = SolutionGenerator.Write(Path.Combine(root, "format"), repository, sites, projects);
                format = await RunAsync("dotnet", ["format", "analyzers", second.SolutionPath, "--diagnostics", "HMM001", "HMM004", "--severity", "info", "--verbosity", "normal"], root, FormatTimeout);
                output.WriteLine($"dotnet format analyzers: exit {format.ExitCode}, {format.Elapsed.TotalSeconds:F1} s{(format.TimedOut ? " (timed out)" : string.Empty)}");
                foreach (string line in format.Output.Split('\n').Where(l => l.Contains("HMM00", StringComparison.Ordinal) || l.Contains("Complete", StringComparison.OrdinalIgnoreCase)).Take(12))
                {
                    output.WriteLine("  " + line.TrimEnd());
                }

                afterFormat = await BuildAsync(second.SolutionPath, output, "build after dotnet format");
                output.WriteLine($"after dotnet format: build exit {afterFormat.ExitCode}, {Describe(afterFormat.Hmm)}, {afterFormat.Errors} error(s)");
            }

            string loadEnd = LoadAverage();
            double clean = build.Elapsed.TotalSeconds;
            output.WriteLine();
            output.WriteLine($"Fix-all: {generated.Sites:N0} sites ({generated.RangeRegisterSites:N0} HMM001, {generated.VmaFaultSites:N0} HMM004), {generated.Projects} projects, {generated.Files:N0} files, {generated.Lines:N0} lines; load average {loadStart} at start, {loadEnd} at end; warm-up build {warm.Elapsed.TotalSeconds:F1} s.");
            output.WriteLine();
            output.WriteLine("| Fix-all | Sites | Projects | Lines | Clean build, analyzers on (s) | Clean build, analyzers off (s) | Fix-all (s) | Ratio to build with analyzers | Ratio to build without | Remaining HMM001/HMM004 | Build after |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            output.WriteLine(Row("hmm-migrate --apply", generated, clean, buildNoAnalyzers.Elapsed.TotalSeconds, fix, after));
            if (format is not null && afterFormat is not null)
            {
                output.WriteLine(Row("dotnet format analyzers", generated, clean, buildNoAnalyzers.Elapsed.TotalSeconds, format, afterFormat));
            }

            return after.ExitCode == 0 && Remaining(after.Hmm) == 0 ? 0 : 1;
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("HMM_BENCH_KEEP") != "1")
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException e)
                {
                    output.WriteLine($"could not delete {root}: {e.Message}");
                }
            }
        }
    }

    private static string Row(string tool, GeneratedSolution generated, double clean, double cleanWithout, Result fix, BuildResult after) =>
        string.Create(CultureInfo.InvariantCulture, $"| {tool} | {generated.Sites:N0} | {generated.Projects} | {generated.Lines:N0} | {clean:F1} | {cleanWithout:F1} | {fix.Elapsed.TotalSeconds:F1}{(fix.TimedOut ? " (timed out)" : fix.ExitCode != 0 ? $" (exit {fix.ExitCode})" : string.Empty)} | {fix.Elapsed.TotalSeconds / clean:F2}x | {fix.Elapsed.TotalSeconds / cleanWithout:F2}x | {Remaining(after.Hmm)} | {(after.ExitCode == 0 ? "succeeds" : "fails")}, {after.Errors} error(s), {Describe(after.Hmm)} |");

    private static int Remaining(IReadOnlyDictionary<string, int> hmm) =>
        hmm.GetValueOrDefault("HMM001") + hmm.GetValueOrDefault("HMM004");

    private static string Describe(IReadOnlyDictionary<string, int> hmm) =>
        hmm.Count == 0 ? "no HMM warning" : string.Join(", ", hmm.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));

    private sealed record Result(int ExitCode, string Output, TimeSpan Elapsed, bool TimedOut);

    private sealed record BuildResult(int ExitCode, TimeSpan Elapsed, IReadOnlyDictionary<string, int> Hmm, int Errors);

    private static async Task<BuildResult> CleanBuildAsync(GeneratedSolution generated, TextWriter output, string what, params string[] extra)
    {
        foreach (string project in Directory.EnumerateDirectories(Path.GetDirectoryName(generated.SolutionPath)!))
        {
            foreach (string built in new[] { "bin", "obj" })
            {
                string path = Path.Combine(project, built);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
        }

        return await BuildAsync(generated.SolutionPath, output, what, extra);
    }

    /// <summary>dotnet build; the HMM warnings and the errors it printed, each site once.</summary>
    private static async Task<BuildResult> BuildAsync(string solution, TextWriter output, string what, params string[] extra)
    {
        var result = await RunAsync("dotnet", ["build", solution, "-nologo", "-v", "q", "-clp:NoSummary", .. extra], Path.GetDirectoryName(solution)!, null);
        var lines = result.Output.Split('\n').Select(l => l.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var hmm = lines.Select(l => HmmWarning().Match(l)).Where(m => m.Success)
            .GroupBy(m => m.Groups[1].Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int errors = lines.Count(l => l.Contains(": error ", StringComparison.Ordinal));
        output.WriteLine($"{what}: exit {result.ExitCode}, {result.Elapsed.TotalSeconds:F1} s, {Describe(hmm)}, {errors} error(s), load {LoadAverage()}");
        if (result.ExitCode != 0)
        {
            foreach (string line in lines.Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Take(10))
            {
                output.WriteLine("  " + line);
            }
        }

        return new BuildResult(result.ExitCode, result.Elapsed, hmm, errors);
    }

    private static async Task<Result> RunAsync(string file, string[] arguments, string workingDirectory, TimeSpan? timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        long began = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        bool timedOut = false;
        using (var cancel = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan))
        {
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(began);
        return new Result(process.ExitCode, (await stdout) + (await stderr), elapsed, timedOut);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>
    /// The HMM002 lightbulb in a large solution, as an editor meets it: a helper that only gets
    /// an mm, called from <paramref name="callers"/> files among <paramref name="files"/>, in one
    /// workspace. After a warm-up (the compilation bound, the workspace's indices built), each
    /// iteration times <c>RegisterCodeFixesAsync</c> (what showing the lightbulb costs) and,
    /// separately, <c>GetOperationsAsync</c> of its action (what applying it costs, the
    /// solution-wide reference search included). Medians and maxima, in milliseconds.
    /// </summary>
    public static async Task<int> LightbulbAsync(int files, int callers, int iterations, TextWriter output)
    {
        var corpus = CorpusGenerator.Generate(files - callers - 1, 0.2, withHmmApi: true).ToList();
        corpus.Add(("Lightbulb/Residency.cs", """
            using Hmm;

            namespace Generated.Lightbulb;

            public static class Residency
            {
                public static long Snapshot(MmStruct mm, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    long pages = HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    return pages;
                }
            }
            """));
        for (var i = 0; i < callers; i++)
        {
            corpus.Add(($"Lightbulb/Caller{i}.cs", $$"""
                using Hmm;

                namespace Generated.Lightbulb;

                public sealed class Caller{{i}}
                {
                    private readonly MmStruct mm;
                    private readonly HmmMirror mirror;

                    public Caller{{i}}(MmStruct mm, HmmMirror mirror) { this.mm = mm; this.mirror = mirror; }

                    public long Resident(HmmRange range) => Residency.Snapshot(mm, range);
                }
                """));
        }

        var workload = Workload.Create("lightbulb", corpus, withHmmApi: true);
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId, VersionStamp.Default, "Driver", "Driver", LanguageNames.CSharp,
            compilationOptions: new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: workload.Trees[0].Options,
            metadataReferences: workload.References));
        DocumentId? siteDocument = null;
        foreach (var tree in workload.Trees)
        {
            var id = DocumentId.CreateNewId(projectId);
            solution = solution.AddDocument(id, Path.GetFileName(tree.FilePath), tree.GetText(), filePath: tree.FilePath);
            if (tree.FilePath == "Lightbulb/Residency.cs")
            {
                siteDocument = id;
            }
        }

        if (!workspace.TryApplyChanges(solution) || siteDocument is null)
        {
            output.WriteLine("could not build the workspace");
            return 2;
        }

        var document = workspace.CurrentSolution.GetDocument(siteDocument)!;
        var compilation = (await document.Project.GetCompilationAsync())!;
        var errors = compilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        var tree0 = (await document.GetSyntaxTreeAsync())!;
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new RangeOutsideMirrorScopeAnalyzer()))
            .GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(tree0), null, CancellationToken.None);
        var diagnostic = diagnostics.SingleOrDefault(d => d.Id == "HMM002");
        if (diagnostic is null || errors > 0)
        {
            output.WriteLine($"no HMM002 at the site ({errors} compile error(s))");
            return 2;
        }

        var fix = new AddMirrorParameterFix();
        async Task<(TimeSpan Register, CodeAction? Action)> RegisterAsync()
        {
            CodeAction? registered = null;
            var context = new CodeFixContext(document, diagnostic, (action, _) => registered = action, CancellationToken.None);
            long began = Stopwatch.GetTimestamp();
            await fix.RegisterCodeFixesAsync(context);
            return (Stopwatch.GetElapsedTime(began), registered);
        }

        async Task<(TimeSpan Operations, int Changed)> OperationsAsync(CodeAction action)
        {
            long began = Stopwatch.GetTimestamp();
            var operations = await action.GetOperationsAsync(CancellationToken.None);
            var elapsed = Stopwatch.GetElapsedTime(began);
            var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution.GetChanges(document.Project.Solution)
                .GetProjectChanges().Sum(p => p.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true).Count());
            return (elapsed, changed);
        }

        // Warm: the compilation is bound above; one round builds the workspace's indices.
        var (_, warmAction) = await RegisterAsync();
        if (warmAction is null)
        {
            output.WriteLine("no action registered at the HMM002 site");
            return 1;
        }

        var (_, changedDocuments) = await OperationsAsync(warmAction);
        var register = new List<double>();
        var apply = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var (elapsed, action) = await RegisterAsync();
            register.Add(elapsed.TotalMilliseconds);
            apply.Add((await OperationsAsync(action!)).Operations.TotalMilliseconds);
        }

        register.Sort();
        apply.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HMM002 lightbulb, {workload.Trees.Length:N0} files ({workload.Lines:N0} lines), the helper called from {callers} of them; warm, {iterations} iterations; load average {LoadAverage()}"));
        output.WriteLine();
        output.WriteLine("| Step | Median (ms) | Max (ms) |");
        output.WriteLine("|---|---:|---:|");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| RegisterCodeFixesAsync (showing the lightbulb) | {register[register.Count / 2]:F1} | {register[^1]:F1} |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| GetOperationsAsync (applying it: reference search, {changedDocuments} documents changed) | {apply[apply.Count / 2]:F1} | {apply[^1]:F1} |"));
        return register[register.Count / 2] <= 100 ? 0 : 1;
    }

    public static string FindRepository()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "HmmAnalyzers.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("HmmAnalyzers.sln not found above the current directory or the benchmark");
    }

    [GeneratedRegex(@"warning (HMM\d{3}):")]
    private static partial Regex HmmWarning();
}
