using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Hmm.CodeFixes;

/// <summary>
/// Fix-all for HMM002. A BatchFixer would merge one solution edit per site: two sites in one
/// method would add two parameters, and a method's callers would be rewritten once per site.
/// Here all the scope's sites go into one edit that groups them by method first.
/// Fix-all at solution scope is idempotent: what it leaves (a method pinned by a delegate, a
/// use after unregister, a caller's missing mirror) draws no fix the second time.
/// </summary>
internal sealed class AddMirrorParameterFixAllProvider : FixAllProvider
{
    public static AddMirrorParameterFixAllProvider Instance { get; } = new();

    private AddMirrorParameterFixAllProvider()
    {
    }

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => FixAllDiagnostics.Scopes;

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        var diagnostics = await FixAllDiagnostics.GetAsync(fixAllContext).ConfigureAwait(false);
        var solution = fixAllContext.Solution;
        var sites = diagnostics
            .Where(AddMirrorParameterFix.IsFixable)
            .Select(d => (Document: solution.GetDocumentId(d.Location.SourceTree), d.Location.SourceSpan))
            .Where(s => s.Document is not null)
            .Select(s => (s.Document!, s.SourceSpan))
            .ToList();
        if (sites.Count == 0)
        {
            return null;
        }

        // Computed here, not in the action: when every site is left alone (a delegate
        // elsewhere pins its method) there is no action, so a second run finds nothing to do.
        var fixedSolution = await MirrorParameterThreading.ApplyAsync(solution, sites, fixAllContext.CancellationToken).ConfigureAwait(false);
        return fixedSolution == solution
            ? null
            : CodeAction.Create(AddMirrorParameterFix.Title, _ => Task.FromResult(fixedSolution), fixAllContext.CodeActionEquivalenceKey);
    }
}
