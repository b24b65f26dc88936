using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.Benchmarks;

/// <summary>
/// The IDE case: one edited file of HMM methods inside a large compilation, its analyzer
/// semantic diagnostics asked for after each edit (<c>GetAnalyzerSemanticDiagnosticsAsync</c> on
/// that tree), the HMM rules against CA2000. Every configuration also runs a rule-less analyzer
/// that visits each operation block, so the binding of the edited file (which the IDE pays once
/// for all analyzers) is in every measurement and cancels out of the differences.
/// </summary>
public static class IdeCost
{
    private const string EditedPath = "Edited.cs";

    public static async Task<int> RunAsync(string corpus, int files, int methods, int rounds, TextWriter output)
    {
        var (_, mix, _) = SelfCheck.Corpora.Single(c => c.Name == corpus);
        var sources = CorpusGenerator.Generate(files, 0.2, withHmmApi: true, mix: mix).Append((EditedPath, EditedFile(mix, methods))).ToList();
        var workload = Workload.Create(corpus, sources, withHmmApi: true);
        var compilation = workload.NewCompilation();
        var edited = compilation.SyntaxTrees.Single(t => t.FilePath == EditedPath);
        output.WriteLine($"ide-cost: {corpus}, {files} files + {EditedPath} ({methods} HMM methods), {workload.Lines:N0} lines, {rounds} rounds after {Math.Max(3, rounds / 3)} warm-up rounds, load average at start: {Report.LoadAverage()}, {DateTime.UtcNow:HH:mm} UTC");

        var blocks = ImmutableArray.Create<DiagnosticAnalyzer>(new OperationBlockVisitor());
        var configurations = new (string Name, ImmutableArray<DiagnosticAnalyzer> Analyzers)[]
        {
            ("binding only", blocks),
            ("HMM", blocks.AddRange(Workload.HmmAnalyzers)),
            ("CA2000", blocks.AddRange(Workload.Ca2000)),
        };
        var samples = configurations.ToDictionary(c => c.Name, _ => new List<(double Cpu, double Wall)>());
        var reported = new Dictionary<string, string>();
        int warmup = Math.Max(3, rounds / 3);
        for (int round = 0; round < warmup + rounds; round++)
        {
            // The edit: a changed comment at the end of the file, so every round is a new tree and a new compilation.
            var text = edited.GetText();
            var tree = edited.WithChangedText(text.WithChanges(new TextChange(new TextSpan(text.Length, 0), $"// edit {round}\n")));
            var next = compilation.ReplaceSyntaxTree(edited, tree);
            for (int i = 0; i < configurations.Length; i++)
            {
                // Rotating order: no configuration always runs first (or last) after the edit.
                var (name, analyzers) = configurations[(i + round) % configurations.Length];
                var withAnalyzers = next.WithAnalyzers(analyzers, Workload.AnalysisOptions);
                Workload.SettleHeap();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var began = Stopwatch.GetTimestamp();
                var diagnostics = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(withAnalyzers.Compilation.GetSemanticModel(tree), filterSpan: null, CancellationToken.None);
                var wall = Stopwatch.GetElapsedTime(began);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                if (round >= warmup)
                {
                    samples[name].Add((cpu.TotalMilliseconds, wall.TotalMilliseconds));
                }

                reported[name] = diagnostics.IsEmpty ? "none" : string.Join(", ", diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"));
            }
        }

        output.WriteLine();
        output.WriteLine("| configuration | CPU ms | wall ms | reported on the edited file |");
        output.WriteLine("|---|---|---|---|");
        foreach (var (name, _) in configurations)
        {
            output.WriteLine(Invariant($"| {name} | {Spread(samples[name].Select(s => s.Cpu))} | {Spread(samples[name].Select(s => s.Wall))} | {reported[name]} |"));
        }

        var hmmCpu = Paired(samples["HMM"], samples["binding only"], s => s.Cpu);
        var caCpu = Paired(samples["CA2000"], samples["binding only"], s => s.Cpu);
        var hmmWall = Paired(samples["HMM"], samples["binding only"], s => s.Wall);
        var caWall = Paired(samples["CA2000"], samples["binding only"], s => s.Wall);
        output.WriteLine();
        output.WriteLine("| paired per round, over binding only | CPU ms | wall ms |");
        output.WriteLine("|---|---|---|");
        output.WriteLine($"| HMM adds | {Spread(hmmCpu)} | {Spread(hmmWall)} |");
        output.WriteLine($"| CA2000 adds | {Spread(caCpu)} | {Spread(caWall)} |");
        output.WriteLine(Invariant($"| HMM / CA2000 (medians) | {Median(hmmCpu) / Median(caCpu):F3} | {Median(hmmWall) / Median(caWall):F3} |"));
        output.WriteLine($"load average at the end: {Report.LoadAverage()}, {DateTime.UtcNow:HH:mm} UTC");
        return 0;
    }

    private static string EditedFile(CorpusMix mix, int methods)
    {
        var text = new StringBuilder();
        var random = new Random(7);
        if (mix == CorpusMix.Shapes)
        {
            ShapeTemplates.AppendDriverStart(text, "Generated.Edited", "EditedDriver", ShapeTemplates.Container.Class);
        }
        else
        {
            CorpusGenerator.AppendDriverStart(text, "Generated.Edited", "EditedDriver");
        }

        for (int method = 0; method < methods; method++)
        {
            text.Append(mix == CorpusMix.Shapes
                ? ShapeTemplates.Method(method % ShapeTemplates.Count, $"M{method}", ShapeTemplates.Container.Class, random.Next(1, 100))
                : CorpusGenerator.HmmMethod(method % CorpusGenerator.HmmTemplateCount, $"M{method}")).Append('\n');
        }

        return text.Append("}\n").ToString();
    }

    private static List<double> Paired(List<(double Cpu, double Wall)> with, List<(double Cpu, double Wall)> without, Func<(double Cpu, double Wall), double> measure) =>
        with.Zip(without, (a, b) => measure(a) - measure(b)).ToList();

    private static string Spread(IEnumerable<double> values)
    {
        var list = values.ToList();
        return Invariant($"{Median(list):F1} ({list.Min():F1} to {list.Max():F1})");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>No rule: asks for every operation block of the file, which binds its method bodies as the rules' callbacks would.</summary>
    // A measuring device constructed by this program, never loaded by a compiler host: the rules
    // for shipped analyzers (netstandard2.0, extended analyzer rules, no Workspaces) do not apply.
#pragma warning disable RS1041, RS1036, RS1038
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class OperationBlockVisitor : DiagnosticAnalyzer
#pragma warning restore RS1041, RS1036, RS1038
    {
#pragma warning disable RS2008 // A measuring device of the benchmark, never shipped: no release to track.
        private static readonly DiagnosticDescriptor Never = new("BENCH0001", "Never reported", "Never reported", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);
#pragma warning restore RS2008

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Never);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationBlockAction(block => GC.KeepAlive(block.OperationBlocks));
        }
    }
}
