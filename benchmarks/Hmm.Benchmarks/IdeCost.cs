using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
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

        var (bodies, hmm, disposing) = CountBodies(compilation, edited);
        output.WriteLine($"{EditedPath}: {bodies} method bodies, {hmm} calling HMM (the bodies the HMM rules' flow analysis runs on), {disposing} creating an IDisposable (the bodies CA2000's dispose analysis runs on)");

        var blocks = ImmutableArray.Create<DiagnosticAnalyzer>(new OperationBlockVisitor());
        var configurations = new (string Name, ImmutableArray<DiagnosticAnalyzer> Analyzers)[]
        {
            ("binding only", blocks),
            // HMM_BENCH_ONLY=LegacyRangeRegisterAnalyzer,...: some of the rules, to see what each costs.
            ("HMM", blocks.AddRange(Workload.HmmAnalyzers.Where(a => Environment.GetEnvironmentVariable("HMM_BENCH_ONLY") is not { Length: > 0 } only || only.Split(',').Contains(a.GetType().Name)))),
            ("CA2000", blocks.AddRange(Workload.Ca2000)),
        };
        var samples = configurations.ToDictionary(c => c.Name, _ => new List<(double Cpu, double Wall)>());
        var heap = configurations.ToDictionary(c => c.Name, _ => new List<(double AllocatedMb, double PauseMs)>());
        var reported = new Dictionary<string, string>();
        var telemetry = new List<string>();
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
                var withAnalyzers = next.WithAnalyzers(analyzers, Telemetry ? Workload.AnalysisOptions : EditorOptions);
                Workload.SettleHeap();
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var pausedBefore = GC.GetTotalPauseDuration();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var began = Stopwatch.GetTimestamp();
                var diagnostics = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(withAnalyzers.Compilation.GetSemanticModel(tree), filterSpan: null, CancellationToken.None);
                var wall = Stopwatch.GetElapsedTime(began);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                if (round >= warmup)
                {
                    samples[name].Add((cpu.TotalMilliseconds, wall.TotalMilliseconds));
                    heap[name].Add(((GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1e6, (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds));
                }

                if (Telemetry && round == warmup + rounds - 1)
                {
                    foreach (var (analyzer, info) in (await withAnalyzers.GetAnalysisResultAsync(CancellationToken.None)).AnalyzerTelemetryInfo.OrderByDescending(p => p.Value.ExecutionTime))
                    {
                        telemetry.Add(Invariant($"{name}: {analyzer.GetType().Name} {info.ExecutionTime.TotalMilliseconds:F1} ms"));
                    }
                }

                reported[name] = diagnostics.IsEmpty ? "none" : string.Join(", ", diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"));
            }
        }

        output.WriteLine();
        output.WriteLine("| configuration | CPU ms | wall ms | allocated MB | GC pauses ms | reported on the edited file |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var (name, _) in configurations)
        {
            output.WriteLine(Invariant($"| {name} | {Spread(samples[name].Select(s => s.Cpu))} | {Spread(samples[name].Select(s => s.Wall))} | {Median(heap[name].Select(h => h.AllocatedMb)):F1} | {Median(heap[name].Select(h => h.PauseMs)):F1} | {reported[name]} |"));
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
        output.WriteLine(Invariant($"| per body analysed: HMM ({hmm} bodies) / CA2000 ({disposing} bodies) | {Median(hmmCpu) / hmm / (Median(caCpu) / Math.Max(1, disposing)):F3} | {Median(hmmWall) / hmm / (Median(caWall) / Math.Max(1, disposing)):F3} |"));
        output.WriteLine($"load average at the end: {Report.LoadAverage()}, {DateTime.UtcNow:HH:mm} UTC");
        foreach (var line in telemetry)
        {
            output.WriteLine(line);
        }

        return 0;
    }

    // HMM_BENCH_TELEMETRY=1: the analyzers' callback times of the last round (a profiler's view:
    // logging them costs each callback a clock read, so the timed rounds run without it, as an editor does).
    private static readonly bool Telemetry = Environment.GetEnvironmentVariable("HMM_BENCH_TELEMETRY") == "1";

    private static readonly CompilationWithAnalyzersOptions EditorOptions = new(
        Workload.AnalysisOptions.Options!,
        Workload.AnalysisOptions.OnAnalyzerException,
        concurrentAnalysis: false,
        logAnalyzerExecutionTime: false,
        reportSuppressedDiagnostics: false);

    // What each rule set has to analyse in the edited file: every body calling HMM for the HMM
    // rules, the bodies that create a disposable object for CA2000.
    private static (int Bodies, int Hmm, int Disposing) CountBodies(Compilation compilation, SyntaxTree tree)
    {
        var model = compilation.GetSemanticModel(tree);
        var symbols = Hmm.Analyzers.HmmSymbols.TryCreate(compilation)!;
        var disposable = compilation.GetSpecialType(SpecialType.System_IDisposable);
        int bodies = 0, hmm = 0, disposing = 0;
        foreach (var method in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
        {
            if (model.GetOperation(method) is not { } body)
            {
                continue;
            }

            bodies++;
            if (body.Descendants().Any(o => o is IInvocationOperation call && symbols.IsApiMethod(call.TargetMethod)))
            {
                hmm++;
            }

            if (body.Descendants().Any(o => o is IObjectCreationOperation or IInvocationOperation
                && o.Type is { } type && (SymbolEqualityComparer.Default.Equals(type, disposable) || type.AllInterfaces.Contains(disposable, SymbolEqualityComparer.Default))))
            {
                disposing++;
            }
        }

        return (bodies, hmm, disposing);
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
