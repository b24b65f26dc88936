using System.Text;
using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// HMM006: the errno result of a must-check HMM call is dropped on the floor. A discard
/// (<c>_ = HmmApi.RangeFault(range, true);</c>) is an explicit choice and is not reported,
/// as CA1806 does.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoredResultAnalyzer : HmmCallAnalyzer
{
    private const int MaxCallTextLength = 100;

    public IgnoredResultAnalyzer()
        : base(Descriptors.HMM006_IgnoredResult)
    {
    }

    private protected override void AnalyzeCall(OperationBlockAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols)
    {
        if (call.Kind != HmmCallKind.None && IsMustCheck(call, symbols) && IsDiscarded(invocation))
        {
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.HMM006_IgnoredResult, invocation.Syntax.GetLocation(), CallText(invocation)));
        }
    }

    // The kernel's __must_check functions that report failure as a negative errno: the
    // registering calls, and the snapshot and fault of a range.
    private static bool IsMustCheck(HmmCall call, HmmSymbols symbols)
    {
        var method = call.Invocation.TargetMethod;
        var mustCheck = call.HasRegistrationResult
            || (call.Kind == HmmCallKind.Other && method.Name is ApiNames.Members.RangeSnapshot or ApiNames.Members.RangeFault);
        return mustCheck
            && method.IsStatic
            && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.HmmApi)
            && method.ReturnType.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64;
    }

    /// <summary>True when the value of <paramref name="invocation"/> goes nowhere.</summary>
    private static bool IsDiscarded(IInvocationOperation invocation)
    {
        IOperation current = invocation;

        // `a?.M()` as a statement: the invocation is the WhenNotNull of the conditional access.
        while (current.Parent is IConditionalAccessOperation access && access.WhenNotNull == current)
        {
            current = access;
        }

        // An expression statement, including the implicit one of a void lambda's or method's
        // expression body (`() => HmmApi.RangeFault(range, true)` as an Action).
        return current.Parent is IExpressionStatementOperation;
    }

    private static string CallText(IInvocationOperation invocation)
    {
        var text = Tokens(invocation.Syntax);
        if (text.Length <= MaxCallTextLength)
        {
            return text;
        }

        // Long argument lists would drown the message: name the method, as the call spells it.
        var open = text.IndexOf('(');
        return (open > 0 ? text.Substring(0, open) : invocation.TargetMethod.Name) + "(...)";
    }

    // The call's tokens, one space where the source had trivia between two of them: line breaks,
    // indentation and comments (`/* block */ true`) are not part of what the message names.
    private static string Tokens(SyntaxNode call)
    {
        var text = new StringBuilder();
        var previous = default(SyntaxToken);
        foreach (var token in call.DescendantTokens())
        {
            if (text.Length > 0 && (previous.HasTrailingTrivia || token.HasLeadingTrivia))
            {
                text.Append(' ');
            }

            text.Append(token.Text);
            previous = token;
        }

        return text.ToString();
    }
}
