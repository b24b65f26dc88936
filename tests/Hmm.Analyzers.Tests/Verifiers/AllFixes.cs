using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Analyzers.Tests.Verifiers;

/// <summary>
/// Every code fix of the Hmm.CodeFixes assembly, run on one file of driver code as an IDE would:
/// the first action at each diagnostic, and fix-all at solution scope from it, twice (the second
/// must change nothing). Exceptions are handed back with what was being done, never thrown.
/// </summary>
public static class AllFixes
{
    /// <summary>A solution of one project with <paramref name="source"/> as Driver.cs, compiled as <see cref="AllAnalyzers"/> compiles.</summary>
    public static async Task<Document> DocumentAsync(string source)
    {
        var workspace = new AdhocWorkspace();
        var project = workspace.CurrentSolution
            .AddProject("Driver", "Driver", LanguageNames.CSharp)
            .WithParseOptions(HmmTestReferences.ParseOptions)
            .WithCompilationOptions(HmmTestReferences.CompilationOptions)
            .WithMetadataReferences(await AllAnalyzers.ReferencesAsync());
        return project.AddDocument("Driver.cs", source, filePath: "/Driver.cs");
    }

    // A project is an immutable snapshot: its diagnostics are computed once (a fix-all asks for them again).
    private static readonly ConditionalWeakTable<Project, Task<ImmutableArray<Diagnostic>>> ProjectDiagnostics = new();

    /// <summary>Every analyzer's diagnostics in <paramref name="project"/>, sorted by position (the fixes' input).</summary>
    public static Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Project project) =>
        ProjectDiagnostics.GetValue(project, static p => ComputeDiagnosticsAsync(p));

    private static async Task<ImmutableArray<Diagnostic>> ComputeDiagnosticsAsync(Project project)
    {
        var compilation = (await project.GetCompilationAsync())!;
        var run = await AllAnalyzers.RunAsync(compilation, concurrent: false);
        if (run.Exceptions.Count > 0)
        {
            throw new InvalidOperationException("analyzer exception: " + run.Exceptions[0]);
        }

        return run.Diagnostics.Sort((a, b) => a.Location.SourceSpan.Start.CompareTo(b.Location.SourceSpan.Start));
    }

    /// <summary>The actions <paramref name="fix"/> offers at <paramref name="diagnostic"/>, in order.</summary>
    public static async Task<ImmutableArray<CodeAction>> ActionsAsync(CodeFixProvider fix, Document document, Diagnostic diagnostic, CancellationToken cancellationToken = default)
    {
        var actions = ImmutableArray.CreateBuilder<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken);
        await fix.RegisterCodeFixesAsync(context);
        return actions.ToImmutable();
    }

    /// <summary>The solution <paramref name="action"/> makes of <paramref name="solution"/>; null when it makes none.</summary>
    public static async Task<Solution?> ApplyAsync(CodeAction action, CancellationToken cancellationToken = default)
    {
        var operations = await action.GetOperationsAsync(cancellationToken);
        return operations.OfType<ApplyChangesOperation>().SingleOrDefault()?.ChangedSolution;
    }

    /// <summary>Fix-all at solution scope for <paramref name="fix"/>, started from the action <paramref name="equivalenceKey"/> at <paramref name="document"/>.</summary>
    public static async Task<Solution?> FixAllAsync(CodeFixProvider fix, Document document, string? equivalenceKey, CancellationToken cancellationToken = default)
    {
        if (fix.GetFixAllProvider() is not { } provider || !provider.GetSupportedFixAllScopes().Contains(FixAllScope.Solution))
        {
            return null;
        }

        var context = new FixAllContext(document, fix, FixAllScope.Solution, equivalenceKey, fix.FixableDiagnosticIds, new AnalyzerDiagnostics(), cancellationToken);
        return await provider.GetFixAsync(context) is { } action ? await ApplyAsync(action, cancellationToken) : null;
    }

    /// <summary>Every fix at every diagnostic of <paramref name="source"/> (at most <paramref name="maxSites"/> per fix), and fix-all twice from each fix's first site.</summary>
    public static async Task<FixRun> RunAsync(string source, int maxSites = int.MaxValue)
    {
        var document = await DocumentAsync(source);
        ImmutableArray<Diagnostic> diagnostics;
        try
        {
            diagnostics = await DiagnosticsAsync(document.Project);
        }
        catch (InvalidOperationException exception)
        {
            var failed = new FixRun(ImmutableArray<Diagnostic>.Empty);
            failed.Exceptions.Add(exception.Message);
            return failed;
        }

        var run = new FixRun(diagnostics);
        foreach (var fix in HmmTestReferences.Fixes)
        {
            Document? first = null;
            string? firstKey = null;
            foreach (var diagnostic in diagnostics.Where(d => fix.FixableDiagnosticIds.Contains(d.Id)).Take(maxSites))
            {
                var what = $"{fix.GetType().Name} at {diagnostic.Id} {diagnostic.Location.GetLineSpan().StartLinePosition}";
                try
                {
                    var actions = await ActionsAsync(fix, document, diagnostic);
                    if (actions.IsEmpty)
                    {
                        continue;
                    }

                    if (first is null)
                    {
                        (first, firstKey) = (document, actions[0].EquivalenceKey);
                    }

                    if (await ApplyAsync(actions[0]) is { } fixedSolution)
                    {
                        run.Fixed.Add((what, await TextAsync(fixedSolution, document.Id)));
                    }
                }
                catch (Exception exception)
                {
                    run.Exceptions.Add($"{what}: {exception}");
                }
            }

            if (first is not null)
            {
                await FixAllTwiceAsync(fix, first, firstKey, run);
            }
        }

        return run;
    }

    private static async Task FixAllTwiceAsync(CodeFixProvider fix, Document document, string? equivalenceKey, FixRun run)
    {
        var what = $"{fix.GetType().Name} fix-all";
        try
        {
            if (await FixAllAsync(fix, document, equivalenceKey) is not { } once)
            {
                return;
            }

            var onceText = await TextAsync(once, document.Id);
            run.Fixed.Add((what, onceText));

            // The second pass starts from the fixed file's first site that still offers the fix.
            var again = once.GetDocument(document.Id)!;
            foreach (var diagnostic in await DiagnosticsAsync(again.Project))
            {
                if (!fix.FixableDiagnosticIds.Contains(diagnostic.Id) || (await ActionsAsync(fix, again, diagnostic)).FirstOrDefault() is not { } action)
                {
                    continue;
                }

                if (await FixAllAsync(fix, again, action.EquivalenceKey) is { } twice && await TextAsync(twice, document.Id) is var twiceText && twiceText != onceText)
                {
                    run.NotIdempotent.Add($"{what}: a second fix-all changed\n{onceText}\ninto\n{twiceText}");
                }

                break;
            }
        }
        catch (Exception exception)
        {
            run.Exceptions.Add($"{what}: {exception}");
        }
    }

    private static async Task<string> TextAsync(Solution solution, DocumentId id) =>
        (await solution.GetDocument(id)!.GetTextAsync()).ToString();

    /// <summary>The diagnostics of every analyzer, per project of the fix-all's solution.</summary>
    private sealed class AnalyzerDiagnostics : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return (await DiagnosticsAsync(document.Project)).Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await DiagnosticsAsync(project);
    }
}

/// <summary>What the fixes made of one file, and what they threw.</summary>
public sealed class FixRun
{
    public FixRun(ImmutableArray<Diagnostic> diagnostics) => Diagnostics = diagnostics;

    /// <summary>The analyzers' diagnostics the fixes started from.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; }

    /// <summary>Each fix applied (what, and the file after it).</summary>
    public List<(string What, string Text)> Fixed { get; } = new();

    public List<string> Exceptions { get; } = new();

    /// <summary>Fix-alls whose second run changed the file again.</summary>
    public List<string> NotIdempotent { get; } = new();
}
