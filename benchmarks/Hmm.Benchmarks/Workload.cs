using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Benchmarks;

/// <summary>A parsed code base and what it compiles against, ready to compile and analyze again and again.</summary>
public sealed class Workload
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    // Single-threaded, like the analyzers below: the ratio compares work, not scheduling.
    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        concurrentBuild: false,
        specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CA2000"] = ReportDiagnostic.Warn });

    private Workload(string name, ImmutableArray<SyntaxTree> trees, ImmutableArray<MetadataReference> references)
    {
        Name = name;
        Trees = trees;
        References = references;
        Lines = trees.Sum(t => t.GetText().Lines.Count);
    }

    public string Name { get; }

    public ImmutableArray<SyntaxTree> Trees { get; }

    public ImmutableArray<MetadataReference> References { get; }

    public int Lines { get; }

    public static Workload HmmCorpus(int files = 2000) =>
        Create($"HMM corpus ({files} files, 20% HMM methods)", CorpusGenerator.Generate(files, 0.2, withHmmApi: true), withHmmApi: true);

    public static Workload NoHmmApiCorpus(int files = 2000) =>
        Create($"same corpus, no Hmm.Api ({files} files)", CorpusGenerator.Generate(files, 0.2, withHmmApi: false), withHmmApi: false);

    /// <summary>One method: 100 retry blocks of 5 HMM calls each (about 5,000 lines) times <paramref name="scale"/>.</summary>
    public static Workload LongMethod(int scale) => LongMethodOfBlocks(100 * scale);

    /// <summary>One method of <paramref name="blocks"/> retry blocks, 5 HMM calls each.</summary>
    public static Workload LongMethodOfBlocks(int blocks) =>
        Create($"one long method, {blocks} blocks ({blocks * 5} HMM calls)", new[] { CorpusGenerator.LongMethod(blocks) }, withHmmApi: true);

    /// <summary>One straight method of <paramref name="blocks"/> blocks in the kernel's style (a `goto` error ladder), 5 HMM calls each.</summary>
    public static Workload LongLadderOfBlocks(int blocks) =>
        Create($"one long ladder, {blocks} blocks ({blocks * 5} HMM calls)", new[] { CorpusGenerator.LongLadder(blocks) }, withHmmApi: true);

    public static Workload Create(string name, IEnumerable<(string Path, string Text)> files, bool withHmmApi)
    {
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, ParseOptions, f.Path)).ToImmutableArray();
        var references = FrameworkReferences.Value;
        if (withHmmApi)
        {
            references = references.Add(MetadataReference.CreateFromFile(typeof(HmmApi).Assembly.Location));
        }

        return new Workload(name, trees, references);
    }

    /// <summary>A fresh compilation: nothing bound yet, so every measurement pays the whole cost.</summary>
    public CSharpCompilation NewCompilation() => CSharpCompilation.Create("Driver", Trees, References, CompilationOptions);

    /// <summary>What the compiler alone does: bind and report, then emit.</summary>
    public TimeSpan Compile()
    {
        SettleHeap();
        var stopwatch = Stopwatch.StartNew();
        var compilation = NewCompilation();
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        stopwatch.Stop();
        if (errors.Count > 0 || !result.Success)
        {
            throw new InvalidOperationException($"{Name} does not compile: {string.Join("\n", errors.Take(5))}");
        }

        return stopwatch.Elapsed;
    }

    /// <summary>
    /// Runs <paramref name="analyzers"/> on a fresh compilation with execution-time telemetry:
    /// the time spent in the analyzers' own callbacks, and what they reported.
    /// </summary>
    public async Task<AnalyzerTiming> AnalyzeAsync(ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var options = AnalysisOptions;
        var compilation = NewCompilation();

        // The compiler binds the compilation's references (its source assembly symbol) before
        // analyzers run; here the first analyzer to look up a type would pay for it instead.
        _ = compilation.Assembly;
        var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
        SettleHeap();
        var pausedBefore = GC.GetTotalPauseDuration();
        var stopwatch = Stopwatch.StartNew();
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        stopwatch.Stop();
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        var executionTime = TimeSpan.Zero;
        foreach (var analyzer in analyzers)
        {
            var time = (await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).ExecutionTime;
            executionTime += time;
            if (Environment.GetEnvironmentVariable("HMM_BENCH_PER_ANALYZER") == "1")
            {
                // Which analyzer pays: a shared cost (a CFG, the cached flow result) lands on the first caller.
                Console.Error.WriteLine($"  {analyzer.GetType().Name}: {time.TotalMilliseconds:F1} ms");
            }
        }

        var byId = diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}");
        return new AnalyzerTiming(executionTime, stopwatch.Elapsed, diagnostics.IsEmpty ? "none" : string.Join(", ", byId), paused);
    }

    /// <summary>Every analyzer diagnostic <paramref name="analyzers"/> report on a fresh compilation; an analyzer exception throws.</summary>
    public async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(ImmutableArray<DiagnosticAnalyzer> analyzers) =>
        await NewCompilation().WithAnalyzers(analyzers, AnalysisOptions).GetAnalyzerDiagnosticsAsync(CancellationToken.None);

    /// <summary>Execution-time telemetry on; an exception in an analyzer (AD0001 in a build) throws instead of becoming a diagnostic.</summary>
    public static CompilationWithAnalyzersOptions AnalysisOptions { get; } = new(
        new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
        onAnalyzerException: (exception, analyzer, _) => throw new InvalidOperationException($"{analyzer} threw", exception),
        concurrentAnalysis: Environment.GetEnvironmentVariable("HMM_BENCH_CONCURRENT") == "1",
        logAnalyzerExecutionTime: true,
        reportSuppressedDiagnostics: false);

    // The previous run's compilation (hundreds of MB) is garbage by now: collected before the
    // clock starts, it is not collected inside the next run's callbacks, where it would count
    // as whichever analyzer happened to be running.
    internal static void SettleHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Every analyzer of Hmm.Analyzers.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> HmmAnalyzers { get; } =
        typeof(HmmDiagnosticAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    /// <summary>CA2000 (DisposeObjectsBeforeLosingScope) from Microsoft.CodeAnalysis.NetAnalyzers.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Ca2000 => LazyCa2000.Value;

    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> LazyCa2000 = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "netanalyzers", "Microsoft.CodeAnalysis.NetAnalyzers.dll");
        var type = Assembly.LoadFrom(path).GetType("Microsoft.NetCore.Analyzers.Runtime.DisposeObjectsBeforeLosingScope", throwOnError: true)!;
        return ImmutableArray.Create((DiagnosticAnalyzer)Activator.CreateInstance(type)!);
    });

    // The running .NET's own assemblies: what a net10.0 driver project compiles against.
    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(() =>
        Directory.GetFiles(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "*.dll")
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "netstandard.dll" or "mscorlib.dll"))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray());
}

/// <param name="ExecutionTime">Time inside the analyzers' callbacks (telemetry).</param>
/// <param name="WallTime">GetAnalyzerDiagnosticsAsync end to end, binding included.</param>
/// <param name="Diagnostics">What they reported, counted by id.</param>
/// <param name="GcPauses">Garbage collection pauses during the whole run, binding included: some land in the callbacks.</param>
public sealed record AnalyzerTiming(TimeSpan ExecutionTime, TimeSpan WallTime, string Diagnostics, TimeSpan GcPauses);
