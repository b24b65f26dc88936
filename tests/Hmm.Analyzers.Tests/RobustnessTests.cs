using System.Collections.Concurrent;
using Hmm.Analyzers.Tests.Verifiers;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Analyzers.Tests;

/// <summary>
/// Analyzers run on code being typed: every analyzer, on every file of the corpus cut at token
/// boundaries (a sample, denser in statements that call HMM) and with random tokens deleted, must not throw (no AD0001). Bounded: at most
/// <see cref="MaxCutsPerFile"/> cuts and <see cref="DeletionVariantsPerFile"/> deletions per file.
/// </summary>
public class RobustnessTests
{
    private const int MaxCutsPerFile = 80;
    private const int DeletionVariantsPerFile = 20;
    private const int MaxTokensDeleted = 3;
    private const int Seed = 2019_0716;

    public static TheoryData<string, string> Files
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var folder in new[] { Corpus.Valid, Corpus.Legacy })
            {
                foreach (var tree in Corpus.Read(folder))
                {
                    data.Add(folder, tree.FilePath);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task No_analyzer_throws_on_the_file_cut_at_token_boundaries(string folder, string file)
    {
        await AssertNoAnalyzerThrowsAsync(CutVariants(file, ReadCorpusFile(folder, file), MaxCutsPerFile));
    }

    /// <summary>At most <paramref name="maxCuts"/> prefixes of <paramref name="text"/>, cut at token boundaries: code being typed.</summary>
    internal static List<(string Name, string Text)> CutVariants(string file, string text, int maxCuts)
    {
        var tokens = AllAnalyzers.Parse(text).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();

        // Half the cuts anywhere, half inside statements that call HMM, where the rules look hardest.
        var hmmTokens = tokens.Where(t => t.Parent?.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault()?.ToString().Contains("Hmm", StringComparison.Ordinal) == true).ToList();
        var cuts = EveryNth(tokens, maxCuts / 2).Concat(EveryNth(hmmTokens, maxCuts / 2))
            .Select(t => t.Span.End)
            .Append(text.Length)
            .Distinct()
            .OrderBy(end => end);
        return cuts.Select(end => ($"{file} cut at {end}", text.Substring(0, end))).ToList();
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task No_analyzer_throws_on_the_file_with_tokens_deleted(string folder, string file)
    {
        await AssertNoAnalyzerThrowsAsync(DeletionVariants(file, ReadCorpusFile(folder, file), new Random(Seed + StableHash(file)), DeletionVariantsPerFile));
    }

    /// <summary><paramref name="count"/> copies of <paramref name="text"/>, each with up to <see cref="MaxTokensDeleted"/> random tokens deleted.</summary>
    internal static List<(string Name, string Text)> DeletionVariants(string file, string text, Random random, int count)
    {
        var tokens = AllAnalyzers.Parse(text).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).Select(t => t.Span).ToList();
        var variants = new List<(string, string)>();
        for (int v = 0; v < count; v++)
        {
            var deleted = Enumerable.Range(0, random.Next(1, MaxTokensDeleted + 1))
                .Select(_ => tokens[random.Next(tokens.Count)])
                .Distinct()
                .OrderByDescending(span => span.Start)
                .ToList();
            var edited = deleted.Aggregate(text, (current, span) => current.Remove(span.Start, span.Length));
            variants.Add(($"{file} without tokens at {string.Join(", ", deleted.Select(s => s.Start))}", edited));
        }

        return variants;
    }

    [Fact]
    public async Task An_analyzer_that_throws_is_caught_and_reported()
    {
        var compilation = AllAnalyzers.Compile(new[] { AllAnalyzers.Parse("class C { void M() { } }") }, await AllAnalyzers.ReferencesAsync());

        var run = await AllAnalyzers.RunAsync(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new ThrowingAnalyzer()), concurrent: false);

        Assert.Contains(run.Exceptions, e => e.Contains(nameof(ThrowingAnalyzer), StringComparison.Ordinal));
    }

    private static async Task AssertNoAnalyzerThrowsAsync(IReadOnlyList<(string Name, string Text)> variants)
    {
        Assert.NotEmpty(HmmTestReferences.Analyzers);

        // One empty compilation whose references every variant shares: binding them is paid once.
        var empty = AllAnalyzers.Compile(Array.Empty<SyntaxTree>(), await AllAnalyzers.ReferencesAsync());
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(
            variants,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (variant, _) =>
            {
                var compilation = empty.AddSyntaxTrees(AllAnalyzers.Parse(variant.Text, "Driver.cs"));
                var run = await AllAnalyzers.RunAsync(compilation, concurrent: false);
                foreach (var exception in run.Exceptions)
                {
                    failures.Enqueue($"{variant.Name}: {exception}");
                }
            });

        Assert.True(failures.IsEmpty, $"{failures.Count} analyzer exceptions, first:\n" + string.Join("\n\n", failures.Take(3)));
    }

    private static string ReadCorpusFile(string folder, string file) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Corpus", folder, file));

    /// <summary>At most <paramref name="count"/> items, evenly spread.</summary>
    private static IEnumerable<T> EveryNth<T>(IReadOnlyList<T> items, int count)
    {
        var stride = Math.Max(1, (items.Count + count - 1) / count);
        for (int i = 0; i < items.Count; i += stride)
        {
            yield return items[i];
        }
    }

    // string.GetHashCode is randomized per process; the sample must be the same on every run.
    private static int StableHash(string value) => value.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));

#pragma warning disable RS1036, RS2008 // A test double that exists only to throw: never shipped, no release tracking.
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST001", "Throws", "Throws", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSyntaxNodeAction(_ => throw new InvalidOperationException("boom"), Microsoft.CodeAnalysis.CSharp.SyntaxKind.MethodDeclaration);
        }
    }
#pragma warning restore RS1036, RS2008
}
