using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Hmm.Analyzers.FlowAnalysis;
using Hmm.Analyzers.Tests.FlowAnalysis;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Tests.Cancellation;

/// <summary>
/// An IDE cancels analyses and fixes midway, then asks again on the same compilation (the same
/// unchanged document). A cancelled ask must leave nothing behind: the next ask gets what an
/// uncancelled run gets, in every trial. Each trial cancels at a random point (seeded) of a cold
/// run, whose length is measured first.
/// </summary>
public class CancellationTests
{
    private const int Seed = 2019_0523;
    private const int Trials = 6;

    // Lambdas in try, catch and finally: the graph walk, nested graphs, the fixer's inference.
    private static readonly string Source = Regex.Replace(
        NestedFunctionTests.DriverFile(new[]
        {
            NestedFunctionTests.Shape("try-catch", "lambda", NestedFunctionTests.Bodies["throws"]),
            NestedFunctionTests.Shape("finally", "local-function", NestedFunctionTests.Bodies["own-try"]),
            NestedFunctionTests.Shape("when", "nested-lambda", NestedFunctionTests.Bodies["returns"]),
        }),
        @" // HMM00\d",
        string.Empty);

    [Fact]
    public async Task A_flow_analysis_cancelled_inside_the_cache_leaves_the_uncancelled_result_to_the_next_ask()
    {
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(Source);
        var symbols = HmmSymbols.TryCreate(compilation)!;
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var cancelled = 0;
        foreach (var method in tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            var cfg = ControlFlowGraph.Create((IMethodBodyOperation)model.GetOperation(method)!);
            foreach (var everyCall in new[] { false, true })
            {
                // Cancelled once the entry is made: the walk of a body with lambdas checks the
                // token before each nested graph.
                using var source = new CancellationTokenSource();
                source.Cancel();
                try
                {
                    HmmFlowAnalysis.ForOperation(cfg.OriginalOperation, compilation, symbols, everyCall, source.Token);
                }
                catch (OperationCanceledException)
                {
                    cancelled++;
                }

                var again = HmmFlowAnalysis.ForOperation(cfg.OriginalOperation, compilation, symbols, everyCall, CancellationToken.None);

                // A clone is a compilation of its own: its cache has never seen a cancellation.
                var uncancelled = HmmFlowAnalysis.ForOperation(cfg.OriginalOperation, compilation.Clone(), symbols, everyCall, CancellationToken.None);
                Assert.NotNull(again);
                Assert.Equal(uncancelled!.States.Count(), again.States.Count());
                Assert.Null(Differential.FlowAgreement.Disagreement(uncancelled, again));
            }
        }

        Assert.True(cancelled > 0, "no analysis was cancelled: the test tested nothing");
    }

    [Fact]
    public void A_computation_that_throws_leaves_no_entry()
    {
        var cache = new ConcurrentDictionary<int, Lazy<string>>();
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.Throws<OperationCanceledException>(() => OnceCache.GetOrCompute(cache, 1, 0, static (_, token) => { token.ThrowIfCancellationRequested(); return "first"; }, source.Token));
        var again = OnceCache.GetOrCompute(cache, 1, 0, static (_, token) => { token.ThrowIfCancellationRequested(); return "again"; }, CancellationToken.None);

        Assert.Equal("again", again);
        Assert.Equal("again", cache[1].Value);
    }

    [Fact]
    public async Task A_waiter_whose_token_is_live_computes_again_when_the_first_asker_is_cancelled()
    {
        var cache = new ConcurrentDictionary<int, Lazy<string>>();
        using var first = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        var firstAsk = Task.Run(() => OnceCache.GetOrCompute(
            cache,
            1,
            (Started: started, Token: first.Token),
            static (state, token) =>
            {
                state.Started.Set();
                token.WaitHandle.WaitOne();
                token.ThrowIfCancellationRequested();
                return "first";
            },
            first.Token));
        started.Wait();

        // The second asker finds the first one's entry and waits on it.
        var secondAsk = Task.Run(() => OnceCache.GetOrCompute(cache, 1, 0, static (_, _) => "second", CancellationToken.None));
        await Task.Delay(50);
        first.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => firstAsk);
        Assert.Equal("second", await secondAsk);
    }

    [Fact]
    public async Task An_analysis_cancelled_midway_leaves_the_uncancelled_result_to_the_next_ask()
    {
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(Source);
        var clock = Stopwatch.StartNew();
        var reference = await AllAnalyzers.Start(compilation, HmmTestReferences.Analyzers, concurrent: true).RunAsync(CancellationToken.None);
        var length = clock.Elapsed;
        Assert.Empty(reference.Exceptions);
        Assert.NotEmpty(reference.Diagnostics);

        var random = new Random(Seed);
        var cancelled = 0;
        for (var trial = 0; trial < Trials; trial++)
        {
            var session = AllAnalyzers.Start(compilation, HmmTestReferences.Analyzers, concurrent: true);
            cancelled += await CancelMidwayAsync(random, trial == 0 ? TimeSpan.Zero : length, token => session.RunAsync(token)) ? 1 : 0;

            var again = await session.RunAsync(CancellationToken.None);

            Assert.True(again.Exceptions.Count == 0, $"trial {trial}: {string.Join("\n\n", again.Exceptions)}");
            Assert.Equal(Describe(reference.Diagnostics), Describe(again.Diagnostics));
        }

        Assert.True(cancelled > 0, "no trial was cancelled before it finished: the test tested nothing");
    }

    public static TheoryData<string> Fixes
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var fix in HmmTestReferences.Fixes)
            {
                data.Add(fix.GetType().Name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Fixes))]
    public async Task A_fix_cancelled_midway_leaves_the_uncancelled_result_to_the_next_ask(string name)
    {
        var fix = HmmTestReferences.Fixes.Single(f => f.GetType().Name == name);
        var (fixedText, fixAllText) = await FixAsync(fix, await FreshSiteAsync(fix), CancellationToken.None);

        // A cold fix: a fresh workspace, whose compilation nothing has analysed yet.
        var cold = await FreshSiteAsync(fix);
        var clock = Stopwatch.StartNew();
        await FixAsync(fix, cold, CancellationToken.None);
        var length = clock.Elapsed;

        var random = new Random(Seed + name.Length);
        var cancelled = 0;
        for (var trial = 0; trial < Trials; trial++)
        {
            var site = await FreshSiteAsync(fix);
            // The first trial is cancelled before it starts; the others at a random point.
            cancelled += await CancelMidwayAsync(random, trial == 0 ? TimeSpan.Zero : length, token => FixAsync(fix, site, token)) ? 1 : 0;

            var again = await FixAsync(fix, site, CancellationToken.None);

            Assert.Equal(fixedText, again.Fixed);
            Assert.Equal(fixAllText, again.FixAll);
        }

        Assert.True(cancelled > 0, "no trial was cancelled before it finished: the test tested nothing");
    }

    /// <summary>Runs <paramref name="run"/> with a token cancelled at a random point of <paramref name="length"/>; true when it was cancelled.</summary>
    private static async Task<bool> CancelMidwayAsync(Random random, TimeSpan length, Func<CancellationToken, Task> run)
    {
        using var source = new CancellationTokenSource();
        var delay = TimeSpan.FromTicks((long)(random.NextDouble() * length.Ticks));
        if (delay == TimeSpan.Zero)
        {
            source.Cancel();
        }
        else
        {
            source.CancelAfter(delay);
        }
        try
        {
            await run(source.Token);
            return false;
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            return true;
        }
    }

    /// <summary>The first site of <paramref name="fix"/> in <see cref="Source"/>, in a workspace of its own.</summary>
    private static async Task<(Document Document, Diagnostic Diagnostic)> FreshSiteAsync(CodeFixProvider fix)
    {
        var document = await AllFixes.DocumentAsync(Source);
        var diagnostics = await AllFixes.DiagnosticsAsync(document.Project);
        return (document, diagnostics.First(d => fix.FixableDiagnosticIds.Contains(d.Id)));
    }

    /// <summary>The first action at the site, applied, and fix-all from it: the files they make.</summary>
    private static async Task<(string Fixed, string FixAll)> FixAsync(CodeFixProvider fix, (Document Document, Diagnostic Diagnostic) site, CancellationToken cancellationToken)
    {
        var action = (await AllFixes.ActionsAsync(fix, site.Document, site.Diagnostic, cancellationToken)).First();
        var fixedSolution = await AllFixes.ApplyAsync(action, cancellationToken);
        var fixAll = await AllFixes.FixAllAsync(fix, site.Document, action.EquivalenceKey, cancellationToken);
        return (await TextAsync(fixedSolution, site.Document.Id), await TextAsync(fixAll, site.Document.Id));
    }

    private static async Task<string> TextAsync(Solution? solution, DocumentId id) =>
        solution?.GetDocument(id) is { } document ? (await document.GetTextAsync()).ToString() : "(no change)";

    private static IEnumerable<string> Describe(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Select(d => $"{d.Id} {d.Location.GetLineSpan().StartLinePosition} {d.GetMessage()}").OrderBy(x => x, StringComparer.Ordinal);
}
