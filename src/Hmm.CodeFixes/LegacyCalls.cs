using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.CodeFixes;

/// <summary>
/// Turns a legacy HMM call into its mirror-based form. The analyzers have already bound the
/// call to Hmm.Api; here only the syntax changes, and only the one argument that has to.
/// </summary>
internal static class LegacyCalls
{
    private const string RangeRegisterName = ApiNames.Members.RangeRegister;
    private const string VmaFaultName = ApiNames.Members.VmaFault;
    private const string MmParameter = "mm";
    private const string MirrorParameter = "mirror";

    /// <summary>The mm argument of a legacy <c>RangeRegister(range, mm, start, end, pageShift)</c>.</summary>
    public static ArgumentSyntax? FindMmArgument(ArgumentListSyntax argumentList)
    {
        var arguments = argumentList.Arguments;
        var named = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == MmParameter);
        if (named is not null)
        {
            return named;
        }

        return arguments.Count > 1 && arguments[1].NameColon is null ? arguments[1] : null;
    }

    /// <summary>
    /// The mm argument with <paramref name="mirror"/> in place of the mm; its trivia stays. With
    /// <paramref name="keepSuppression"/>, an mm the user wrote <c>mm!</c> gives <c>mirror!</c>.
    /// </summary>
    public static ArgumentSyntax UseMirror(ArgumentSyntax mmArgument, ExpressionSyntax mirror, bool keepSuppression = true)
    {
        var suppressed = IsSuppressed(mirror) || (keepSuppression && IsSuppressed(mmArgument.Expression));
        mirror = KeepNullSuppression(WithoutSuppression(mmArgument.Expression), WithoutSuppression(mirror));
        if (suppressed)
        {
            mirror = Suppressed(mirror);
        }

        var argument = mmArgument.WithExpression(mirror.WithTriviaFrom(mmArgument.Expression));
        return argument.NameColon is { } nameColon
            ? argument.WithNameColon(nameColon.WithName(nameColon.Name.WithIdentifier(
                SyntaxFactory.Identifier(nameColon.Name.Identifier.LeadingTrivia, MirrorParameter, nameColon.Name.Identifier.TrailingTrivia))))
            : argument;
    }

    /// <summary>
    /// The mirror beside <c>bo.Mn!.Mm</c> is spelled <c>bo.Mn!.Mirror</c>, as the user wrote the
    /// path, even when the analyzer names it <c>bo.Mn.Mirror</c>: dropping the user's <c>!</c>
    /// would bring a nullable warning the legacy call did not have.
    /// </summary>
    private static ExpressionSyntax KeepNullSuppression(ExpressionSyntax mm, ExpressionSyntax mirror)
    {
        if (mm is MemberAccessExpressionSyntax { Expression: var mmOwner } && mirror is MemberAccessExpressionSyntax { Expression: var mirrorOwner } mirrorAccess
            && mmOwner.DescendantNodesAndSelf().Any(n => n.IsKind(SyntaxKind.SuppressNullableWarningExpression))
            && WithoutSuppressions(mmOwner) == WithoutSuppressions(mirrorOwner))
        {
            return mirrorAccess.WithExpression(mmOwner.WithoutTrivia());
        }

        return mirror;
    }

    /// <summary>Whether the expression is <c>x!</c> (inside parentheses or not).</summary>
    public static bool IsSuppressed(ExpressionSyntax expression)
    {
        while (expression is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized.Expression;
        }

        return expression.IsKind(SyntaxKind.SuppressNullableWarningExpression);
    }

    /// <summary><c>x</c> for <c>x!</c>; any other expression as it is.</summary>
    public static ExpressionSyntax WithoutSuppression(ExpressionSyntax expression) =>
        expression is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed ? suppressed.Operand : expression;

    /// <summary><c>x!</c>, once.</summary>
    public static ExpressionSyntax Suppressed(ExpressionSyntax expression) =>
        IsSuppressed(expression)
            ? expression
            : SyntaxFactory.PostfixUnaryExpression(SyntaxKind.SuppressNullableWarningExpression, expression.WithoutTrivia()).WithTriviaFrom(expression);

    private static string WithoutSuppressions(ExpressionSyntax expression) =>
        expression.ReplaceNodes(
            expression.DescendantNodesAndSelf().OfType<PostfixUnaryExpressionSyntax>().Where(n => n.IsKind(SyntaxKind.SuppressNullableWarningExpression)),
            (_, current) => ((PostfixUnaryExpressionSyntax)current).Operand).WithoutTrivia().NormalizeWhitespace().ToString();

    /// <summary><c>VmaFault(range, block)</c> becomes <c>VmaFault(mirror, range, block)</c>.</summary>
    public static InvocationExpressionSyntax InsertMirror(InvocationExpressionSyntax vmaFault, ExpressionSyntax mirror)
    {
        var arguments = vmaFault.ArgumentList.Arguments;
        var argument = SyntaxFactory.Argument(mirror.WithoutTrivia());
        if (arguments.Count > 0 && arguments[0].NameColon is not null)
        {
            argument = argument.WithNameColon(SyntaxFactory.NameColon(MirrorParameter).WithTrailingTrivia(SyntaxFactory.Space));
        }

        return vmaFault.WithArgumentList(vmaFault.ArgumentList.WithArguments(SeparatedListInsertion.Insert(arguments, 0, argument)));
    }

    /// <summary>
    /// Either legacy call (the analyzer says which it is by reporting it) with the mirror in
    /// place; null when the syntax is not a legacy call after all.
    /// </summary>
    public static InvocationExpressionSyntax? Rewrite(InvocationExpressionSyntax call, ExpressionSyntax mirror, bool keepSuppression = true)
    {
        switch (MethodName(call))
        {
            case RangeRegisterName when FindMmArgument(call.ArgumentList) is { } mmArgument:
                return call.ReplaceNode(mmArgument, UseMirror(mmArgument, mirror, keepSuppression));
            case VmaFaultName when call.ArgumentList.Arguments.Count == 2:
                return InsertMirror(call, mirror);
            default:
                return null;
        }
    }

    /// <summary>Whether the call is spelled as a <c>RangeRegister</c> (the analyzer bound it).</summary>
    public static bool IsRangeRegister(InvocationExpressionSyntax call) => MethodName(call) == RangeRegisterName;

    private static string? MethodName(InvocationExpressionSyntax call) => call.Expression switch
    {
        MemberAccessExpressionSyntax memberAccess => memberAccess.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        _ => null,
    };
}
