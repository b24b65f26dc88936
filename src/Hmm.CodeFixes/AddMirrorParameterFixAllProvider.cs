using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Hmm.CodeFixes;

/// <summary>
/// Fix-all for HMM002. A BatchFixer would merge one solution edit per site: two sites in one
/// method would add two parameters, and a method's callers would be rewritten once per site.
/// Here all the scope's sites go into one edit that groups them by method first.
/// </summary>
internal sealed class AddMirrorParameterFixAllProvider : FixAllProvider
{
    public static AddMirrorParameterFixAllProvider Instance { get; } = new();

    private AddMirrorParameterFixAllProvider()
    {
    }

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
        new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        var diagnostics = fixAllContext.Scope switch
        {
            FixAllScope.Document when fixAllContext.Document is { } document => await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false),
            FixAllScope.Project => await fixAllContext.GetAllDiagnosticsAsync(fixAllContext.Project).ConfigureAwait(false),
            FixAllScope.Solution => await AllInSolutionAsync(fixAllContext).ConfigureAwait(false),
            _ => ImmutableArray<Diagnostic>.Empty,
        };

        var solution = fixAllContext.Solution;
        var sites = diagnostics
            .Where(AddMirrorParameterFix.IsFixable)
            .Select(d => (Document: solution.GetDocumentId(d.Location.SourceTree), d.Location.SourceSpan))
            .Where(s => s.Document is not null)
            .Select(s => (s.Document!, s.SourceSpan))
            .ToList();
        return sites.Count == 0
            ? null
            : CodeAction.Create(
                AddMirrorParameterFix.Title,
                cancellationToken => MirrorParameterThreading.ApplyAsync(solution, sites, cancellationToken),
                fixAllContext.CodeActionEquivalenceKey);
    }

    private static async Task<ImmutableArray<Diagnostic>> AllInSolutionAsync(FixAllContext context)
    {
        var all = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var project in context.Solution.Projects)
        {
            all.AddRange(await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
        }

        return all.ToImmutable();
    }
}
