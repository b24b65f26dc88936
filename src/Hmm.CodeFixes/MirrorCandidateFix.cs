using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.CodeFixes;

/// <summary>
/// A fix that puts one of the analyzer's mirror candidates into a legacy call (HMM001, HMM004).
/// One candidate: one action under the fix's equivalence key. Several: one action per candidate,
/// in the analyzer's order, none preferred, each under its own key.
/// Fix-all applies only the sites with exactly one candidate, whichever action it started from:
/// a BatchFixer would instead repeat the chosen candidate wherever it was offered, which is the
/// guess an ambiguous site must not get (and <c>dotnet format</c> starts from any first site).
/// </summary>
public abstract class MirrorCandidateFix : CodeFixProvider
{
    private readonly string diagnosticId;
    private readonly string equivalenceKey;

    private protected MirrorCandidateFix(string diagnosticId, string equivalenceKey)
    {
        this.diagnosticId = diagnosticId;
        this.equivalenceKey = equivalenceKey;
        FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);
    }

    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <summary>The key of the action for <paramref name="candidate"/> at a site with several candidates.</summary>
    public static string CandidateEquivalenceKey(string equivalenceKey, string candidate) => equivalenceKey + ":" + candidate;

    public sealed override FixAllProvider GetFixAllProvider() => new UnambiguousFixAllProvider(this);

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.Id != diagnosticId || FindTarget(root, diagnostic.Location.SourceSpan) is not { } target)
            {
                continue;
            }

            var candidates = DiagnosticMirrorCandidates.Read(diagnostic);
            foreach (var (text, expression) in candidates)
            {
                var key = candidates.Length == 1 ? equivalenceKey : CandidateEquivalenceKey(equivalenceKey, text);
                context.RegisterCodeFix(
                    CodeAction.Create(
                        Title(text),
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(target, Rewrite(target, expression)))),
                        key),
                    diagnostic);
            }
        }
    }

    /// <summary>The action's title for <paramref name="candidate"/>.</summary>
    private protected abstract string Title(string candidate);

    /// <summary>The node the fix rewrites, found from the diagnostic's span; null when it is not there.</summary>
    private protected abstract SyntaxNode? FindTarget(SyntaxNode root, TextSpan span);

    /// <summary>The target with the mirror in place.</summary>
    private protected abstract SyntaxNode Rewrite(SyntaxNode target, ExpressionSyntax mirror);

    private bool IsUnambiguous(Diagnostic diagnostic) => diagnostic.Id == diagnosticId && DiagnosticMirrorCandidates.Single(diagnostic) is not null;

    private async Task<Document?> FixAllUnambiguousAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return null;
        }

        var mirrors = new Dictionary<SyntaxNode, ExpressionSyntax>();
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Id == diagnosticId
                && DiagnosticMirrorCandidates.Single(diagnostic) is { } mirror
                && FindTarget(root, diagnostic.Location.SourceSpan) is { } target)
            {
                mirrors[target] = mirror;
            }
        }

        return mirrors.Count == 0
            ? null
            : document.WithSyntaxRoot(root.ReplaceNodes(mirrors.Keys, (original, current) => Rewrite(current, mirrors[original])));
    }

    /// <summary>Offers no fix-all at all where every site is ambiguous.</summary>
    private sealed class UnambiguousFixAllProvider : FixAllProvider
    {
        private readonly MirrorCandidateFix fix;
        private readonly FixAllProvider documents;

        public UnambiguousFixAllProvider(MirrorCandidateFix fix)
        {
            this.fix = fix;
            documents = Create(fix.FixAllUnambiguousAsync, FixAllDiagnostics.Scopes);
        }

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => FixAllDiagnostics.Scopes;

        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            var diagnostics = await FixAllDiagnostics.GetAsync(fixAllContext).ConfigureAwait(false);
            return diagnostics.Any(fix.IsUnambiguous) ? await documents.GetFixAsync(fixAllContext).ConfigureAwait(false) : null;
        }
    }
}
