using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers;

/// <summary>How messages name a call's own expressions.</summary>
internal static class CallText
{
    /// <summary>The called member as written: <c>HmmApi.RangeRegister</c>.</summary>
    public static string Callee(IInvocationOperation invocation) =>
        invocation.Syntax is InvocationExpressionSyntax syntax ? syntax.Expression.ToString() : invocation.TargetMethod.Name;

    /// <summary>An argument's expression as written.</summary>
    public static string Of(IOperation? operation) => operation is null ? "?" : Syntax(operation).ToString();

    /// <summary>
    /// The expression of an argument as written, with what the operation tree leaves out
    /// (<c>mirror.Mm!</c>, parentheses).
    /// </summary>
    public static SyntaxNode Syntax(IOperation operation)
    {
        var node = operation.Syntax;
        while (node.Parent is ParenthesizedExpressionSyntax
            || node.Parent is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression })
        {
            node = node.Parent;
        }

        return node;
    }

    /// <summary>The 1-based line where <paramref name="node"/> starts.</summary>
    public static int Line(SyntaxNode node) => node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    /// <summary><c>'a'</c>, or <c>'a' or 'b'</c>.</summary>
    public static string Quoted(IEnumerable<string> expressions) =>
        string.Join(" or ", expressions.Select(e => "'" + e + "'"));
}
