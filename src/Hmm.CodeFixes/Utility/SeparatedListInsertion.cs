using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.CodeFixes;

/// <summary>
/// Inserts an argument or a parameter into a comma-separated list in the list's own layout:
/// one per line stays one per line, inline stays inline. The neighbours keep their comments;
/// the new element gets only whitespace, so no comment is ever duplicated.
/// </summary>
internal static class SeparatedListInsertion
{
    public static ParameterListSyntax Insert(ParameterListSyntax list, int index, ParameterSyntax parameter)
    {
        var (parameters, close) = Insert(list.Parameters, list.CloseParenToken, index, parameter);
        return list.WithParameters(parameters).WithCloseParenToken(close);
    }

    public static ArgumentListSyntax Insert(ArgumentListSyntax list, int index, ArgumentSyntax argument)
    {
        var (arguments, close) = Insert(list.Arguments, list.CloseParenToken, index, argument);
        return list.WithArguments(arguments).WithCloseParenToken(close);
    }

    /// <summary>
    /// Appending to a list laid out one per line, a comment after the closing parenthesis
    /// belongs to the old last element: it moves behind that element's new comma.
    /// </summary>
    private static (SeparatedSyntaxList<TNode>, SyntaxToken) Insert<TNode>(SeparatedSyntaxList<TNode> list, SyntaxToken close, int index, TNode node)
        where TNode : SyntaxNode
    {
        var inserted = Insert(list, index, node);
        if (index < list.Count || list.Count == 0
            || !close.TrailingTrivia.Any(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia))
            || !inserted.GetSeparator(inserted.SeparatorCount - 1).TrailingTrivia.Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
        {
            return (inserted, close);
        }

        var separator = inserted.GetSeparator(inserted.SeparatorCount - 1);
        var lineBreak = separator.TrailingTrivia.First(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        inserted = inserted.ReplaceSeparator(separator, separator.WithTrailingTrivia(close.TrailingTrivia));
        return (inserted, close.WithTrailingTrivia(lineBreak));
    }

    public static SeparatedSyntaxList<TNode> Insert<TNode>(SeparatedSyntaxList<TNode> list, int index, TNode node)
        where TNode : SyntaxNode
    {
        if (list.Count == 0)
        {
            return SyntaxFactory.SeparatedList(new[] { node });
        }

        index = Math.Max(0, Math.Min(index, list.Count));
        var separator = SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SeparatorTrailingTrivia(list));

        // The new element sits where its neighbour sat, so it takes that neighbour's indentation.
        var neighbour = index < list.Count ? list[index] : list[list.Count - 1];
        node = node.WithLeadingTrivia(Indentation(neighbour.GetLeadingTrivia()).AddRange(node.GetLeadingTrivia()));

        var nodesAndTokens = list.GetWithSeparators();
        if (index < list.Count)
        {
            // Before an existing element: "new, old".
            var position = index == 0 ? 0 : nodesAndTokens.IndexOf(list.GetSeparator(index - 1)) + 1;
            nodesAndTokens = nodesAndTokens.InsertRange(position, new SyntaxNodeOrToken[] { node, separator });
        }
        else
        {
            // After the last element: "old, new". Whatever trailed the old last element (a comment
            // before the closing parenthesis) stays with it.
            nodesAndTokens = nodesAndTokens.AddRange(new SyntaxNodeOrToken[] { separator, node });
        }

        return SyntaxFactory.SeparatedList<TNode>(nodesAndTokens);
    }

    private static SyntaxTriviaList SeparatorTrailingTrivia<TNode>(SeparatedSyntaxList<TNode> list)
        where TNode : SyntaxNode
    {
        if (list.SeparatorCount == 0)
        {
            // One element: the list is laid out on one line or starts on its own line.
            var lineBreak = list[0].GetFirstToken().GetPreviousToken().TrailingTrivia.LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            return lineBreak.IsKind(SyntaxKind.EndOfLineTrivia)
                ? SyntaxFactory.TriviaList(lineBreak)
                : SyntaxFactory.TriviaList(SyntaxFactory.Space);
        }

        var existing = list.GetSeparator(0).TrailingTrivia;
        if (existing.Count == 0)
        {
            // "a,b", or a cref's "(ulong, out HmmRange)" whose spaces lead the parameters.
            return existing;
        }

        var endOfLine = existing.FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return endOfLine.IsKind(SyntaxKind.EndOfLineTrivia)
            ? SyntaxFactory.TriviaList(endOfLine)
            : SyntaxFactory.TriviaList(SyntaxFactory.Space);
    }

    private static SyntaxTriviaList Indentation(SyntaxTriviaList leading)
    {
        // Only the whitespace after the last line break: never a comment or a directive.
        var indentation = new List<SyntaxTrivia>();
        foreach (var trivia in leading)
        {
            if (trivia.IsKind(SyntaxKind.WhitespaceTrivia))
            {
                indentation.Add(trivia);
            }
            else
            {
                indentation.Clear();
            }
        }

        return SyntaxFactory.TriviaList(indentation);
    }
}
