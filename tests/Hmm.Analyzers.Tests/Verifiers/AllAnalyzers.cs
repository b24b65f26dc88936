using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Hmm.Analyzers.Tests.Differential;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Analyzers.Tests.Verifiers;

/// <summary>
/// Every analyzer of the Hmm.Analyzers assembly, run on a plain compilation as the compiler
/// would run them, with any exception an analyzer throws caught and handed back.
/// </summary>
public static class AllAnalyzers
{
    /// <summary>The ids the analyzers that exist can report.</summary>
    public static ImmutableHashSet<string> SupportedIds { get; } =
        HmmTestReferences.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToImmutableHashSet();

    private static readonly Lazy<Task<ImmutableArray<MetadataReference>>> LazyReferences = new(async () =>
    {
        var framework = await HmmTestReferences.ReferenceAssemblies.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        return framework.Add(HmmTestReferences.HmmApi);
    });

    /// <summary>.NET 8 reference assemblies and the real Hmm.Api, resolved once.</summary>
    public static Task<ImmutableArray<MetadataReference>> ReferencesAsync() => LazyReferences.Value;

    public static SyntaxTree Parse(string text, string path = "") => CSharpSyntaxTree.ParseText(text, HmmTestReferences.ParseOptions, path);

    public static CSharpCompilation Compile(IEnumerable<SyntaxTree> trees, ImmutableArray<MetadataReference> references) =>
        CSharpCompilation.Create(
            "Driver",
            trees,
            references,
            HmmTestReferences.CompilationOptions);

    /// <summary>One file of driver code, compiled against Hmm.Api; it must have no errors.</summary>
    public static async Task<CSharpCompilation> CompileWithoutErrorsAsync(string source)
    {
        var compilation = Compile(new[] { Parse(source) }, await ReferencesAsync());
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation;
    }

    /// <summary>
    /// Runs every analyzer on <paramref name="compilation"/>. Exceptions are reported, never
    /// thrown, so a caller can say which input broke which analyzer.
    /// </summary>
    public static Task<AnalyzerRun> RunAsync(Compilation compilation, bool concurrent = true) =>
        RunAsync(compilation, HmmTestReferences.Analyzers, concurrent);

    public static Task<AnalyzerRun> RunAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, bool concurrent) =>
        Start(compilation, analyzers, concurrent).RunAsync(CancellationToken.None);

    /// <summary>
    /// The analyzers attached to <paramref name="compilation"/> as an IDE keeps them: one
    /// <see cref="CompilationWithAnalyzers"/> (one compilation, and one cache of the flow
    /// analysis) asked as often as wanted.
    /// </summary>
    public static AnalyzerSession Start(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, bool concurrent) =>
        new(compilation, analyzers, concurrent);
}

/// <summary>Analyzers attached to one compilation; each ask hands back what they reported and threw.</summary>
public sealed class AnalyzerSession
{
    private readonly ConcurrentQueue<string> exceptions = new();
    private readonly CompilationWithAnalyzers withAnalyzers;

    internal AnalyzerSession(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, bool concurrent)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => exceptions.Enqueue($"{analyzer.GetType().Name}: {exception}"),
            concurrentAnalysis: concurrent,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false,
            analyzerExceptionFilter: _ => true);
        withAnalyzers = compilation.WithAnalyzers(FlowAgreementAnalyzer.With(analyzers), options);
    }

    /// <summary>Every analyzer's diagnostics; an exception of an analyzer (or a difference <see cref="FlowAgreementAnalyzer"/> finds) is reported, never thrown.</summary>
    public async Task<AnalyzerRun> RunAsync(CancellationToken cancellationToken)
    {
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken);
        var thrown = new List<string>();
        while (exceptions.TryDequeue(out var exception))
        {
            thrown.Add(exception);
        }

        // The compiler turns an analyzer exception into AD0001; count those too.
        thrown.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.ToString()));
        return new AnalyzerRun(diagnostics.Where(d => d.Id != "AD0001").ToImmutableArray(), thrown);
    }
}

/// <summary>What the analyzers reported, and what they threw.</summary>
public sealed record AnalyzerRun(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<string> Exceptions);

/// <summary>The driver code under tests/Hmm.Analyzers.Tests/Corpus, copied next to the test assembly.</summary>
public static class Corpus
{
    public const string Valid = "Valid";
    public const string Legacy = "Legacy";

    public static IReadOnlyList<SyntaxTree> Read(string folder) =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus", folder), "*.cs")
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => AllAnalyzers.Parse(File.ReadAllText(path), Path.GetFileName(path)))
            .ToList();
}
