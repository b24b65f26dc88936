using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hmm.CodeFixes;

/// <summary>
/// Inserts an argument or a parameter into a comma-separated list in the list's own layout:
/// one per line stays one per line, inline stays inline. The neighbours keep their comments;
/// the new element gets only whitespace, so no comment is ever duplicated.
/// </summary>
internal static class SeparatedListInsertion
{
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
        node = node.WithLeadingTrivia(Indentation(neighbour.GetLeadingTrivia()));

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
