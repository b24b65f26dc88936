using System.Collections.Immutable;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Hmm.Migrate;

/// <summary>What the fixes say about one site: the fix they would apply, or why there is none.</summary>
internal sealed record FixVerdict(string? Fix, string? WhyNot);

/// <summary>Asks the HMM code fixes about sites and applies them, fix-all first.</summary>
internal sealed class Fixer(HmmRules rules, string? preferredMirror = null)
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

        var actions = Chosen(await GetActionsAsync(solution, finding, cancellationToken));
        return actions.Length switch
        {
            0 => new FixVerdict(null, WhyNoFix(diagnostic)),
            1 when diagnostic.Id == Descriptors.HMM002_RangeOutsideMirrorScope.Id
                => await DescribeNewParameterAsync(solution, finding, actions[0].Action, cancellationToken),
            1 => new FixVerdict(actions[0].Action.Title, null),
            _ => new FixVerdict(null, $"several live mirrors fit and none is known to be the mm's: {string.Join(", ", Candidates(diagnostic).Select(c => $"'{c}'"))}; "
                + $"choose one with --mirror NAME, or in the IDE ({string.Join("; ", actions.Select(a => a.Action.Title))})"),
        };
    }

    /// <summary>
    /// Why a site gets no fix, in the analyzer's words (its Reason), and what to do about it.
    /// An HMM002 site left to a person: the runtime's strict mirror scope checks it in tests.
    /// </summary>
    private static string WhyNoFix(Diagnostic diagnostic)
    {
        string why = diagnostic.Properties.TryGetValue(DiagnosticProperties.Reason, out string? reason) && !string.IsNullOrEmpty(reason)
            ? $"no fix offered: {reason}"
            : "no fix offered here";
        return diagnostic.Id == Descriptors.HMM002_RangeOutsideMirrorScope.Id
            ? why + "; pass the mirror that owns this mm in by hand (the message says how), and run the tests with the AppContext switch Hmm.StrictMirrorScope on: a legacy call with no registered mirror of its mm then throws"
            : why;
    }

    // HMM002's fix adds a parameter: the site list names it, as the fix's edit spells it.
    // A fix whose edit changes nothing is no fix: the report says so rather than announce it.
    private static async Task<FixVerdict> DescribeNewParameterAsync(Solution solution, Finding finding, CodeAction action, CancellationToken cancellationToken)
    {
        var changed = await ApplyAsync(action, cancellationToken);
        if (changed is null || !changed.GetChanges(solution).GetProjectChanges().Any(p => p.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true).Any()))
        {
            return new FixVerdict(null, WhyNoFix(finding.Diagnostic) + " (the fix finds no declaration it can change here: its signature is fixed by an interface a derived type implements, or the call is in a shape it does not rewrite)");
        }

        if (changed.GetDocument(finding.DocumentId) is { } after && solution.GetDocument(finding.DocumentId) is { } before)
        {
            foreach (var change in await after.GetTextChangesAsync(before, cancellationToken))
            {
                var match = System.Text.RegularExpressions.Regex.Match(change.NewText ?? "", @"\bHmmMirror\s+(@?\w+)\s*[,)=]");
                if (match.Success)
                {
                    return new FixVerdict($"{action.Title}: HmmMirror {match.Groups[1].Value}, passed by every caller", null);
                }
            }
        }

        return new FixVerdict(action.Title, null);
    }

    private static IEnumerable<string> Candidates(Diagnostic diagnostic) =>
        diagnostic.Properties.TryGetValue(DiagnosticProperties.MirrorCandidates, out string? joined) && joined is not null
            ? joined.Split(DiagnosticProperties.CandidateSeparator, StringSplitOptions.RemoveEmptyEntries)
            : [];

    /// <summary>A site with several candidate mirrors takes the one --mirror names, when it is one of them.</summary>
    private ImmutableArray<(CodeFixProvider Provider, CodeAction Action)> Chosen(ImmutableArray<(CodeFixProvider Provider, CodeAction Action)> actions)
    {
        if (actions.Length < 2 || preferredMirror is null)
        {
            return actions;
        }

        string key = ":" + preferredMirror;
        var chosen = actions.Where(a => a.Action.EquivalenceKey?.EndsWith(key, StringComparison.Ordinal) == true).ToImmutableArray();
        return chosen.Length == 1 ? chosen : actions;
    }

    /// <summary>
    /// One round: the first site with exactly one fix (one that only puts a mirror into calls
    /// before any other), fixed together with every site that fix
    /// applies to (the provider's fix-all at solution scope, when it ships one). When that fix
    /// only puts a mirror into calls (HMM001, HMM004), the other rules' such fixes join the same
    /// round, computed on the same analysis, wherever their edits do not touch: they change no
    /// declaration, so one cannot change what the other sees, and the round saves an analysis
    /// of the whole solution. Null when no site is left that can be fixed without a choice.
    /// </summary>
    public async Task<(Solution Solution, string Summary)?> FixRoundAsync(Solution solution, Analysis analysis, ISet<string> exhausted, CancellationToken cancellationToken)
    {
        // The fixes that only put a mirror into calls go first: HMM002's leaves a compile error at
        // a caller with no mirror, and a file with one is not fixed further.
        var first = await FixNextAsync(solution, analysis, exhausted, static (_, provider) => IsCallLocal(provider), cancellationToken)
            ?? await FixNextAsync(solution, analysis, exhausted, static (_, _) => true, cancellationToken);
        if (first is null || !IsCallLocal(first.Value.Provider))
        {
            return first is null ? null : (first.Value.Solution, first.Value.Summary);
        }

        var done = new HashSet<string>(StringComparer.Ordinal) { first.Value.RuleId };
        var summaries = new List<string> { first.Value.Summary };
        Solution merged = first.Value.Solution;
        while (await FixNextAsync(solution, analysis, exhausted, (id, provider) => !done.Contains(id) && IsCallLocal(provider), cancellationToken) is { } next)
        {
            done.Add(next.RuleId);
            if (await MergeAsync(solution, merged, next.Solution, cancellationToken) is { } both)
            {
                merged = both;
                summaries.Add(next.Summary);
            }

            // Else their edits touch: the next round, on a fresh analysis, applies it.
        }

        return (merged, string.Join("; ", summaries));
    }

    // The fixes whose edits stay inside one call's argument list.
    private static bool IsCallLocal(CodeFixProvider provider) => provider is Hmm.CodeFixes.MirrorCandidateFix;

    /// <summary>
    /// <paramref name="first"/> and <paramref name="second"/>, both edits of
    /// <paramref name="original"/>'s documents, as one solution; null when they edit the same
    /// text or anything but document text.
    /// </summary>
    private static async Task<Solution?> MergeAsync(Solution original, Solution first, Solution second, CancellationToken cancellationToken)
    {
        Solution merged = first;
        foreach (var project in second.GetChanges(original).GetProjectChanges())
        {
            if (project.GetAddedDocuments().Any() || project.GetRemovedDocuments().Any() || project.GetAddedProjectReferences().Any()
                || project.GetRemovedProjectReferences().Any() || project.GetAddedMetadataReferences().Any() || project.GetRemovedMetadataReferences().Any()
                || project.GetAddedAdditionalDocuments().Any() || project.GetAddedAnalyzerConfigDocuments().Any()
                || project.OldProject.CompilationOptions != project.NewProject.CompilationOptions
                || project.OldProject.ParseOptions != project.NewProject.ParseOptions)
            {
                return null;
            }

            foreach (DocumentId id in project.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true))
            {
                Document before = original.GetDocument(id)!;
                var secondChanges = (await second.GetDocument(id)!.GetTextChangesAsync(before, cancellationToken)).ToList();
                var firstChanges = first.GetDocument(id) is { } mine ? (await mine.GetTextChangesAsync(before, cancellationToken)).ToList() : [];
                var all = firstChanges.Concat(secondChanges).OrderBy(c => c.Span.Start).ThenBy(c => c.Span.End).ToList();
                for (int i = 1; i < all.Count; i++)
                {
                    if (all[i - 1].Span.End > all[i].Span.Start || all[i - 1].Span.Start == all[i].Span.Start)
                    {
                        return null;
                    }
                }

                merged = merged.WithDocumentText(id, (await before.GetTextAsync(cancellationToken)).WithChanges(all));
            }
        }

        return merged;
    }

    private async Task<(Solution Solution, string Summary, string RuleId, CodeFixProvider Provider)?> FixNextAsync(
        Solution solution, Analysis analysis, ISet<string> exhausted, Func<string, CodeFixProvider, bool> accept, CancellationToken cancellationToken)
    {
        foreach (Finding finding in analysis.Findings)
        {
            if (analysis.IsBroken(finding.DocumentId) || !rules.FixersFor(finding.Diagnostic.Id).Any(f => accept(finding.Diagnostic.Id, f)))
            {
                continue;
            }

            var actions = Chosen(await GetActionsAsync(solution, finding, cancellationToken));
            if (actions.Length != 1)
            {
                continue;
            }

            var (provider, action) = actions[0];
            string id = finding.Diagnostic.Id;
            if (!accept(id, provider))
            {
                continue;
            }

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
            return (changed, fixAll is null ? $"{id}: {action.Title}" : $"{id}: {action.Title} (fix all)", id, provider);
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
