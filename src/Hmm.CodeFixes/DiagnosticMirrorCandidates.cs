using System.Collections.Immutable;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.CodeFixes;

/// <summary>Reads the mirror candidates an analyzer put in a diagnostic's properties.</summary>
internal static class DiagnosticMirrorCandidates
{
    /// <summary>
    /// The candidates in the analyzer's order, each with its text and its parsed expression.
    /// An entry that does not parse as one expression is dropped: the fixer never writes broken code.
    /// </summary>
    public static ImmutableArray<(string Text, ExpressionSyntax Expression)> Read(Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.MirrorCandidates, out var joined) || string.IsNullOrWhiteSpace(joined))
        {
            return ImmutableArray<(string, ExpressionSyntax)>.Empty;
        }

        var candidates = ImmutableArray.CreateBuilder<(string, ExpressionSyntax)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in joined!.Split(DiagnosticProperties.CandidateSeparator))
        {
            var text = entry.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            // The analyzer's spelling is not the user's formatting: one canonical form for the
            // code, the title and the equivalence key.
            var expression = SyntaxFactory.ParseExpression(text);
            if (expression.ContainsDiagnostics || expression.FullSpan.Length != text.Length)
            {
                continue;
            }

            expression = expression.NormalizeWhitespace();
            if (seen.Add(expression.ToString()))
            {
                candidates.Add((expression.ToString(), expression));
            }
        }

        return candidates.ToImmutable();
    }

    /// <summary>The single candidate of an unambiguous diagnostic, or null.</summary>
    public static ExpressionSyntax? Single(Diagnostic diagnostic)
    {
        var candidates = Read(diagnostic);
        return candidates.Length == 1 ? candidates[0].Expression : null;
    }
}
