using System.Composition;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.CodeFixes;

/// <summary>
/// HMM001: <c>RangeRegister(range, svmm.Mm, ...)</c> becomes <c>RangeRegister(range, svmm.Mirror, ...)</c>.
/// Only the mm argument changes; the analyzer names the live mirror of that mm.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseMirrorInRangeRegisterFix)), Shared]
public sealed class UseMirrorInRangeRegisterFix : MirrorCandidateFix
{
    /// <summary>The key of the action at a site with one candidate; fix-all applies those.</summary>
    public const string EquivalenceKey = "HMM001.UseMirrorInRangeRegister";

    public UseMirrorInRangeRegisterFix()
        : base(Descriptors.HMM001_LegacyRangeRegister.Id, EquivalenceKey)
    {
    }

    /// <summary>The key of the action for <paramref name="candidate"/> at a site with several candidates.</summary>
    public static string CandidateEquivalenceKey(string candidate) => CandidateEquivalenceKey(EquivalenceKey, candidate);

    private protected override string Title(string candidate) => $"Register through mirror '{candidate}'";

    private protected override SyntaxNode? FindTarget(SyntaxNode root, TextSpan span)
    {
        // Reported on the mm argument's expression: the fix rewrites the whole argument, so a
        // named "mm:" becomes "mirror:".
        var argument = root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<ArgumentSyntax>();
        return argument is { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax } argumentList }
            && (argument.Expression.Span == span || argument.Span == span)
            && LegacyCalls.FindMmArgument(argumentList) == argument
            ? argument
            : null;
    }

    private protected override SyntaxNode Rewrite(SyntaxNode target, ExpressionSyntax mirror) =>
        LegacyCalls.UseMirror((ArgumentSyntax)target, mirror);
}
