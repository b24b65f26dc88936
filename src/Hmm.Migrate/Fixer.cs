using System.Collections.Immutable;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Hmm.Migrate;

/// <summary>What the fixes say about one site: the fix they would apply, or why there is none.</summary>
internal sealed record FixVerdict(string? Fix, string? WhyNot);

/// <summary>Asks the HMM code fixes about sites and applies them, fix-all first.</summary>
internal sealed class Fixer(HmmRules rules)
{
    /// <summary>The fix a site would get, or why it gets none.</summary>
    public async Task<FixVerdict> DescribeAsync(Solution solution, Analysis analysis, Finding finding, CancellationToken cancellationToken)
    {
        Diagnostic diagnostic = finding.Diagnostic;
        if (!rules.FixersFor(diagnostic.Id).Any())
        {
            return new FixVerdict(null, $"{diagnostic.Id} has no automatic fix");
        }

        if (analysis.CompileErrors.TryGetValue(finding.DocumentId, out var errors))
        {
            return new FixVerdict(null, $"skipped: the file has {errors.Length} compile error(s), first {Describe(errors[0])}");
        }

        var actions = await GetActionsAsync(solution, finding, cancellationToken);
        return actions.Length switch
        {
            0 => new FixVerdict(null, diagnostic.Properties.TryGetValue(DiagnosticProperties.Reason, out string? reason) && !string.IsNullOrEmpty(reason)
                ? $"no fix offered: {reason}"
                : "no fix offered here"),
            1 => new FixVerdict(actions[0].Action.Title, null),
            _ => new FixVerdict(null, $"several candidates, pick one in the IDE: {string.Join("; ", actions.Select(a => a.Action.Title))}"),
        };
    }

    /// <summary>
    /// One round: the first site with exactly one fix, fixed together with every site that fix
    /// applies to (the provider's fix-all at solution scope, when it ships one). Null when no
    /// site is left that can be fixed without a choice.
    /// </summary>
    public async Task<(Solution Solution, string Summary)?> FixNextAsync(Solution solution, Analysis analysis, ISet<string> exhausted, CancellationToken cancellationToken)
    {
        foreach (Finding finding in analysis.Findings)
        {
            if (analysis.IsBroken(finding.DocumentId))
            {
                continue;
            }

            var actions = await GetActionsAsync(solution, finding, cancellationToken);
            if (actions.Length != 1)
            {
                continue;
            }

            var (provider, action) = actions[0];
            string id = finding.Diagnostic.Id;
            string tag = $"{provider.GetType().FullName}|{id}|{action.EquivalenceKey}";
            if (!exhausted.Add(tag))
            {
                // This fix was applied before and its sites are still here: do not loop on it.
                continue;
            }

            var sameFix = analysis.Findings.Where(f => f.Diagnostic.Id == id && !analysis.IsBroken(f.DocumentId)).ToList();
            CodeAction? fixAll = await GetFixAllAsync(solution, provider, action.EquivalenceKey, id, finding, sameFix, cancellationToken);
            Solution? changed = await ApplyAsync(fixAll ?? action, cancellationToken)
                ?? (fixAll is null ? null : await ApplyAsync(action, cancellationToken));
            if (changed is null || !changed.GetChanges(solution).GetProjectChanges().Any())
            {
                continue;
            }

            // Applied: let a later round with fresh diagnostics try the same fix on what remains.
            exhausted.Remove(tag);
            return (changed, fixAll is null ? $"{id}: {action.Title}" : $"{id}: {action.Title} (fix all)");
        }

        return null;
    }

    private async Task<ImmutableArray<(CodeFixProvider Provider, CodeAction Action)>> GetActionsAsync(Solution solution, Finding finding, CancellationToken cancellationToken)
    {
        Document? document = solution.GetDocument(finding.DocumentId);
        if (document is null)
        {
            return [];
        }

        var actions = ImmutableArray.CreateBuilder<(CodeFixProvider, CodeAction)>();
        foreach (CodeFixProvider provider in rules.FixersFor(finding.Diagnostic.Id))
        {
            var context = new CodeFixContext(document, finding.Diagnostic, (action, _) =>
            {
                lock (actions)
                {
                    actions.Add((provider, action));
                }
            }, cancellationToken);
            try
            {
                await provider.RegisterCodeFixesAsync(context);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A fixer that throws offers nothing here; the site is reported as not fixed.
            }
        }

        return actions.ToImmutable();
    }

    private static async Task<CodeAction?> GetFixAllAsync(
        Solution solution, CodeFixProvider provider, string? equivalenceKey, string id, Finding first, IReadOnlyList<Finding> findings, CancellationToken cancellationToken)
    {
        FixAllProvider? fixAll = provider.GetFixAllProvider();
        if (fixAll is null || !fixAll.GetSupportedFixAllScopes().Contains(FixAllScope.Solution) || solution.GetDocument(first.DocumentId) is not { } document)
        {
            return null;
        }

        var context = new FixAllContext(document, provider, FixAllScope.Solution, equivalenceKey, [id], new FindingsProvider(findings), cancellationToken);
        return await fixAll.GetFixAsync(context);
    }

    private static async Task<Solution?> ApplyAsync(CodeAction action, CancellationToken cancellationToken)
    {
        var operations = await action.GetOperationsAsync(cancellationToken);
        return operations.OfType<ApplyChangesOperation>().FirstOrDefault()?.ChangedSolution;
    }

    public static string Describe(Diagnostic diagnostic)
    {
        var line = diagnostic.Location.GetLineSpan();
        return $"{diagnostic.Id} at line {line.StartLinePosition.Line + 1}: {diagnostic.GetMessage()}";
    }

    /// <summary>Hands fix-all the diagnostics this run computed.</summary>
    private sealed class FindingsProvider(IReadOnlyList<Finding> findings) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            Task.FromResult(findings.Where(f => f.DocumentId == document.Id).Select(f => f.Diagnostic));

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(findings.Where(f => f.DocumentId.ProjectId == project.Id).Select(f => f.Diagnostic));
    }
}
