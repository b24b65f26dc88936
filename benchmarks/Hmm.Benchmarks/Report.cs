using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Benchmarks;

/// <summary>
/// Analyzer callback time (telemetry) against compile time, as the median of
/// a few runs on fresh compilations (after four warm-up runs on the same corpus), single-threaded.
/// </summary>
public static class Report
{
    public static async Task RunAsync(int iterations, int files, TextWriter output)
    {
        output.WriteLine($"Hmm.Benchmarks report: {iterations} iterations (median), {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average at start: {LoadAverage()}");
        output.WriteLine();
        output.WriteLine(Header);
        output.WriteLine(HeaderRule);

        // Warm-up on the corpus itself, four times: a small one leaves the analyzers in tier-0 JIT
        // code for the first measured runs (they cost 2-3x the steady state), while a build server
        // (VBCSCompiler, the IDE) runs them warm. Amid the compiler's own JIT activity the runtime
        // promotes methods slowly: `analyze` passes keep getting faster up to about the sixth.
        var hmm = Workload.HmmCorpus(files);
        for (var i = 0; i < 4; i++)
        {
            hmm.Compile();
            await hmm.AnalyzeAsync(Workload.HmmAnalyzers);
            await hmm.AnalyzeAsync(Workload.Ca2000);
            await hmm.AnalyzeAsync(Workload.HmmAnalyzers.AddRange(Workload.Ca2000));
            await Workload.LongMethod(1).AnalyzeAsync(Workload.HmmAnalyzers);
        }

        Console.Error.WriteLine("(warm-up done; measured runs follow)");
        var hmmCompile = await RowAsync(output, hmm, "HMM (all 6)", Workload.HmmAnalyzers, iterations);
        var ca2000 = await RowAsync(output, hmm, "CA2000", Workload.Ca2000, iterations, hmmCompile.Compile);
        // In one driver the control flow graph of a method is built once for every analyzer that
        // asks: what the HMM rules add to a build that already runs CA2000.
        var both = await RowAsync(output, hmm, "HMM (all 6) + CA2000", Workload.HmmAnalyzers.AddRange(Workload.Ca2000), iterations, hmmCompile.Compile);
        await RowAsync(output, Workload.NoHmmApiCorpus(files), "HMM (all 6)", Workload.HmmAnalyzers, iterations);
        var small = await RowAsync(output, Workload.LongMethod(1), "HMM (all 6)", Workload.HmmAnalyzers, iterations);
        var large = await RowAsync(output, Workload.LongMethod(10), "HMM (all 6)", Workload.HmmAnalyzers, iterations);

        output.WriteLine();
        output.WriteLine($"Load average at the end: {LoadAverage()}");
        output.WriteLine($"HMM analyzers / CA2000 on the HMM corpus: {Ratio(hmmCompile.Analyzers, ca2000.Analyzers)}");
        output.WriteLine($"HMM analyzers beside CA2000 (one driver, minus CA2000 alone): {(both.Analyzers - ca2000.Analyzers).TotalMilliseconds:F1} ms, {Ratio(both.Analyzers - ca2000.Analyzers, ca2000.Analyzers)} of CA2000");
        output.WriteLine($"Long method, 10x over 1x: analyzers {Ratio(large.Analyzers, small.Analyzers, "x")}, compile {Ratio(large.Compile, small.Compile, "x")}");
    }

    public static async Task RunLongMethodAsync(IReadOnlyList<int> blockCounts, int iterations, TextWriter output, bool ladder = false)
    {
        Func<int, Workload> method = ladder ? Workload.LongLadderOfBlocks : Workload.LongMethodOfBlocks;
        output.WriteLine($"Hmm.Benchmarks long-method report: {iterations} iterations (median), load average at start: {LoadAverage()}");
        output.WriteLine();
        output.WriteLine(Header);
        output.WriteLine(HeaderRule);
        await method(blockCounts[0]).AnalyzeAsync(Workload.HmmAnalyzers);
        var rows = new List<(int Blocks, TimeSpan Analyzers)>();
        foreach (var blocks in blockCounts)
        {
            rows.Add((blocks, (await RowAsync(output, method(blocks), "HMM (all 6)", Workload.HmmAnalyzers, iterations)).Analyzers));
        }

        output.WriteLine();
        foreach (var blocks in blockCounts)
        {
            var workload = method(blocks);
            output.WriteLine($"{blocks} blocks: {BasicBlocks(workload)} basic blocks in the method's control flow graph, {Statements(workload)} statements");
        }

        foreach (var (blocks, analyzers) in rows.Skip(1))
        {
            output.WriteLine($"{blocks} over {rows[0].Blocks} blocks ({(double)blocks / rows[0].Blocks:F1}x the calls): analyzers {Ratio(analyzers, rows[0].Analyzers, "x")}");
        }
    }

    // Compared with the flow analysis's bound on graph size: above it the rules skip the method.
    /// <summary>
    /// One file of <paramref name="sites"/> helpers that only have the mm (an HMM002 each, whose
    /// message depends on whether the file uses the helper as a method group), at each size.
    /// </summary>
    public static async Task RunUnmigratedAsync(IReadOnlyList<int> sites, int iterations, TextWriter output)
    {
        output.WriteLine($"Hmm.Benchmarks unmigrated-helpers report: {iterations} iterations (median), load average at start: {LoadAverage()}");
        output.WriteLine();
        output.WriteLine(Header);
        output.WriteLine(HeaderRule);
        await UnmigratedHelpers(sites[0]).AnalyzeAsync(Workload.HmmAnalyzers);
        foreach (var count in sites)
        {
            await RowAsync(output, UnmigratedHelpers(count), "HMM (all 6)", Workload.HmmAnalyzers, iterations);
        }
    }

    private static Workload UnmigratedHelpers(int sites)
    {
        var text = new System.Text.StringBuilder("using System;\nusing Hmm;\n\nnamespace Generated.Unmigrated;\n\npublic static class Helpers\n{\n");
        for (var i = 0; i < sites; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"    public static int Bind{i}(MmStruct mm, HmmRange range, ulong start) =>\n        HmmApi.RangeRegister(range, mm, start, start + 0x1000, HmmApi.PageShift);\n\n");
        }

        // Every tenth helper is also a fault callback: its signature is pinned.
        text.Append("    public static readonly Func<MmStruct, HmmRange, ulong, int>[] Callbacks =\n    {\n");
        for (var i = 0; i < sites; i += 10)
        {
            text.Append(CultureInfo.InvariantCulture, $"        Bind{i},\n");
        }

        text.Append("    };\n}\n");
        return Workload.Create($"one file, {sites} helpers with only the mm (HMM002)", new[] { ("Helpers.cs", text.ToString()) }, withHmmApi: true);
    }

    private static int BasicBlocks(Workload workload)
    {
        var compilation = workload.NewCompilation();
        var tree = workload.Trees[0];
        var method = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().First();
        var body = (Microsoft.CodeAnalysis.Operations.IMethodBodyOperation)compilation.GetSemanticModel(tree).GetOperation(method)!;
        return Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph.Create(body).Blocks.Length;
    }

    private static int Statements(Workload workload) =>
        workload.Trees[0].GetRoot().DescendantNodes().Count(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax);

    private const string Header = "| Workload | Lines | Compile (ms) | Analyzers | Analyzer time (ms) | Share of compile | Fastest run (ms) | Diagnostics | Wall with analyzers (ms) |";
    private const string HeaderRule = "|---|---:|---:|---|---:|---:|---:|---:|---:|";

    private static async Task<(TimeSpan Compile, TimeSpan Analyzers)> RowAsync(
        TextWriter output, Workload workload, string analyzerName, ImmutableArray<DiagnosticAnalyzer> analyzers, int iterations, TimeSpan? knownCompile = null)
    {
        var compiles = new List<TimeSpan>();
        var timings = new List<AnalyzerTiming>();
        for (int i = 0; i < iterations; i++)
        {
            if (knownCompile is null)
            {
                compiles.Add(workload.Compile());
            }

            timings.Add(await workload.AnalyzeAsync(analyzers));
        }

        var compile = knownCompile ?? Median(compiles);
        var analyzerTime = Median(timings.Select(t => t.ExecutionTime).ToList());
        // A collection pause only ever adds to a run: the fastest run is the one the fewest
        // landed in, the closest to what the analyzers themselves cost.
        var fastest = timings.Min(t => t.ExecutionTime);
        var wall = Median(timings.Select(t => t.WallTime).ToList());
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {workload.Name} | {workload.Lines:N0} | {compile.TotalMilliseconds:F0} | {analyzerName} | {analyzerTime.TotalMilliseconds:F1} | {analyzerTime / compile:P2} | {fastest.TotalMilliseconds:F1} | {timings[0].Diagnostics} | {wall.TotalMilliseconds:F0} |"));
        output.Flush();
        return (compile, analyzerTime);
    }

    // Other builds on the machine slow both sides of every ratio; the load says how noisy it was.
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static TimeSpan Median(List<TimeSpan> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string Ratio(TimeSpan a, TimeSpan b, string unit = "") =>
        unit == "x" ? (a / b).ToString("F1", CultureInfo.InvariantCulture) + "x" : (a / b).ToString("P1", CultureInfo.InvariantCulture);
}
