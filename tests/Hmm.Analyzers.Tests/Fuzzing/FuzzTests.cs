using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit.Abstractions;

namespace Hmm.Analyzers.Tests.Fuzzing;

/// <summary>
/// The generated driver methods (<see cref="DriverBodyGenerator"/>), fixed seeds: every analyzer
/// and every fix on every file, and on each file:
/// no exception from an analyzer or a fix (the two walks' differential check rides along with
/// the analyzers); no fix that makes code that parses unparseable; fix-all idempotent; the same
/// diagnostics after a rewrite that cannot change meaning (a statement wrapped in a block, an
/// unrelated local added, a local renamed); no exception on the file cut short or with tokens
/// deleted. HMM_FUZZ_INPUTS sets how many methods (the long run: docs/fuzzing.md).
/// </summary>
public class FuzzTests
{
    private const int Seed = 2019_0807;
    private const int MethodsPerFile = 50;
    private const int CiInputs = 1_500;

    // A fix's first action is tried at this many sites per file; fix-all covers all of them.
    private const int FixSitesPerFile = 2;

    private readonly ITestOutputHelper output;

    public FuzzTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public async Task Generated_driver_methods_break_no_analyzer_and_no_fix()
    {
        var inputs = int.TryParse(Environment.GetEnvironmentVariable("HMM_FUZZ_INPUTS"), out var wanted) ? wanted : CiInputs;
        var files = (inputs + MethodsPerFile - 1) / MethodsPerFile;

        // To go back to a failure of a long run: start at that file (seed = 20190807 + file).
        var firstFile = int.TryParse(Environment.GetEnvironmentVariable("HMM_FUZZ_FIRST_FILE"), out var first) ? first : 0;
        var references = await AllAnalyzers.ReferencesAsync();
        var empty = AllAnalyzers.Compile(Array.Empty<SyntaxTree>(), references);
        var failures = new ConcurrentQueue<string>();
        var counts = new Counts();
        var clock = Stopwatch.StartNew();

        // The long run: a line of counts every 20 files, and the first failures at the end.
        var progress = Environment.GetEnvironmentVariable("HMM_FUZZ_PROGRESS");
        await Parallel.ForEachAsync(
            Enumerable.Range(firstFile, files),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (file, _) =>
            {
                var seed = Seed + file;
                try
                {
                    await CheckFileAsync(seed, empty, counts, failures);
                }
                catch (Exception exception)
                {
                    failures.Enqueue($"seed {seed}: {exception}");
                }

                if (Interlocked.Increment(ref counts.Files) % 20 == 0 && progress is not null)
                {
                    lock (counts)
                    {
                        File.AppendAllText(progress, $"{DateTime.UtcNow:HH:mm:ss} {Summary(counts, failures, clock)}\n");
                    }
                }
            });

        output.WriteLine(Summary(counts, failures, clock));
        if (progress is not null)
        {
            File.AppendAllText(progress, $"{DateTime.UtcNow:HH:mm:ss} done: {Summary(counts, failures, clock)}\n{string.Join("\n\n", failures.Take(5))}\n");
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failures, first:\n" + string.Join("\n\n", failures.Take(3)));
    }

    private static string Summary(Counts counts, ConcurrentQueue<string> failures, Stopwatch clock) =>
        $"{counts.Methods} methods in {counts.Files} files, {counts.Diagnostics} diagnostics, {counts.Fixes} fixes applied, "
        + $"{counts.Variants} rewritten and mutated variants, {failures.Count} failures, {clock.Elapsed.TotalSeconds:F0} s "
        + $"(analyzers {TimeSpan.FromTicks(counts.AnalyzerTicks).TotalSeconds:F0} s, fixes {TimeSpan.FromTicks(counts.FixTicks).TotalSeconds:F0} s)";

    private static async Task CheckFileAsync(int seed, Compilation empty, Counts counts, ConcurrentQueue<string> failures)
    {
        var text = new DriverBodyGenerator(seed).File(MethodsPerFile);

        // To read a failing file: HMM_FUZZ_DUMP names a folder that gets seed-N.cs.
        if (Environment.GetEnvironmentVariable("HMM_FUZZ_DUMP") is { Length: > 0 } dump)
        {
            Directory.CreateDirectory(dump);
            File.WriteAllText(Path.Combine(dump, $"seed-{seed}.cs"), text);
        }

        var compilation = empty.AddSyntaxTrees(AllAnalyzers.Parse(text, "Driver.cs"));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            failures.Enqueue($"seed {seed}: the generator wrote code that does not compile: {errors[0]}\n{text}");
            return;
        }

        Interlocked.Add(ref counts.Methods, MethodsPerFile);
        var phase = Stopwatch.StartNew();
        var run = await AllAnalyzers.RunAsync(compilation, concurrent: false);
        Interlocked.Add(ref counts.Diagnostics, run.Diagnostics.Length);
        foreach (var exception in run.Exceptions)
        {
            failures.Enqueue($"seed {seed}: {exception}");
        }

        Interlocked.Add(ref counts.AnalyzerTicks, phase.Elapsed.Ticks);
        phase.Restart();
        var fixes = await AllFixes.RunAsync(text, FixSitesPerFile);
        Interlocked.Add(ref counts.FixTicks, phase.Elapsed.Ticks);
        phase.Restart();
        Interlocked.Add(ref counts.Fixes, fixes.Fixed.Count);
        foreach (var problem in fixes.Exceptions.Concat(fixes.NotIdempotent))
        {
            failures.Enqueue($"seed {seed}: {problem}");
        }

        foreach (var (what, fixedText) in fixes.Fixed)
        {
            if (AllAnalyzers.Parse(fixedText).GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } broken)
            {
                failures.Enqueue($"seed {seed}: {what} made code that parsed unparseable: {broken}");
            }
        }

        var expected = Describe(run.Diagnostics);
        var random = new Random(seed);
        foreach (var (rewrite, rewritten, renamed) in Rewrites(text, random))
        {
            Interlocked.Increment(ref counts.Variants);
            var again = await AllAnalyzers.RunAsync(empty.AddSyntaxTrees(AllAnalyzers.Parse(rewritten, "Driver.cs")), concurrent: false);
            var actual = Describe(again.Diagnostics, renamed);
            if (again.Exceptions.Count > 0 || !expected.SequenceEqual(actual))
            {
                failures.Enqueue($"seed {seed}: {rewrite} changed the diagnostics: before [{string.Join("; ", expected.Except(actual))}], after [{string.Join("; ", actual.Except(expected))}] {string.Join("\n", again.Exceptions)}");
            }
        }

        foreach (var (name, mutated) in RobustnessTests.CutVariants($"seed {seed}", text, 2).Concat(RobustnessTests.DeletionVariants($"seed {seed}", text, random, 2)))
        {
            Interlocked.Increment(ref counts.Variants);
            var mutatedRun = await AllAnalyzers.RunAsync(empty.AddSyntaxTrees(AllAnalyzers.Parse(mutated, "Driver.cs")), concurrent: false);
            foreach (var exception in mutatedRun.Exceptions)
            {
                failures.Enqueue($"{name}: {exception}");
            }
        }
    }

    /// <summary>
    /// Rewrites that keep the meaning and every line where it was: one statement wrapped in a
    /// block, an unrelated local after the first one, the local range renamed (with the name to
    /// map back in the messages).
    /// </summary>
    private static IEnumerable<(string Rewrite, string Text, (string From, string To)? Renamed)> Rewrites(string text, Random random)
    {
        var root = AllAnalyzers.Parse(text).GetRoot();
        var wrappable = root.DescendantNodes().OfType<StatementSyntax>()
            .Where(s => s.Parent is BlockSyntax
                && s is not (LocalDeclarationStatementSyntax or LabeledStatementSyntax or LocalFunctionStatementSyntax)
                && !s.ToString().Contains('\n', StringComparison.Ordinal))
            .ToList();
        if (wrappable.Count > 0)
        {
            var statement = wrappable[random.Next(wrappable.Count)];
            yield return ($"wrapping '{statement}' in a block", text.Remove(statement.Span.Start, statement.Span.Length).Insert(statement.Span.Start, "{ " + statement + " }"), null);
        }

        yield return ("adding an unrelated local", text.Replace("int ret = 0;", "int ret = 0; int unrelated = 42;", StringComparison.Ordinal), null);
        yield return ("renaming the local range", Regex.Replace(text, @"\blocal\b", "scratch"), ("scratch", "local"));
    }

    private static List<string> Describe(IEnumerable<Diagnostic> diagnostics, (string From, string To)? renamed = null) =>
        diagnostics
            .Select(d => $"{d.Id} line {d.Location.GetLineSpan().StartLinePosition.Line + 1}: {Rename(d.GetMessage(), renamed)}")
            .OrderBy(x => x, StringComparer.Ordinal)
            .ToList();

    private static string Rename(string message, (string From, string To)? renamed) =>
        renamed is { } r ? Regex.Replace(message, $@"\b{r.From}\b", r.To) : message;

    private sealed class Counts
    {
        public int Files;
        public int Methods;
        public int Diagnostics;
        public int Fixes;
        public int Variants;
        public long AnalyzerTicks;
        public long FixTicks;
    }
}
