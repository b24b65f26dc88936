using System.Composition;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.CodeFixes;

/// <summary>
/// HMM004: <c>VmaFault(range, block)</c> becomes <c>VmaFault(mirror, range, block)</c>, the mirror
/// being the live mirror the analyzer found for the range's mm.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PassMirrorToVmaFaultFix)), Shared]
public sealed class PassMirrorToVmaFaultFix : MirrorCandidateFix
{
    /// <summary>The key of the action at a site with one candidate; fix-all applies those.</summary>
    public const string EquivalenceKey = "HMM004.PassMirrorToVmaFault";

    public PassMirrorToVmaFaultFix()
        : base(Descriptors.HMM004_LegacyVmaFault.Id, EquivalenceKey)
    {
    }

    /// <summary>The key of the action for <paramref name="candidate"/> at a site with several candidates.</summary>
    public static string CandidateEquivalenceKey(string candidate) => CandidateEquivalenceKey(EquivalenceKey, candidate);

    private protected override string Title(string candidate) => $"Pass mirror '{candidate}' to VmaFault";

    private protected override SyntaxNode? FindTarget(SyntaxNode root, TextSpan span)
    {
        var invocation = root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
        return invocation is not null && invocation.Span == span && invocation.ArgumentList.Arguments.Count == 2 ? invocation : null;
    }

    private protected override SyntaxNode Rewrite(SyntaxNode target, ExpressionSyntax mirror) =>
        LegacyCalls.InsertMirror((InvocationExpressionSyntax)target, mirror);
}
