using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// The base of the rules that start from an HMM call (HMM001–HMM006). Each rule registers its own
/// action, as the driver requires of separate analyzers, and the call is classified here (a few
/// symbol comparisons, no allocation): the rule sees only the call and its arguments, and the flow
/// analysis behind it is computed once per body for all rules.
/// </summary>
/// <remarks>
/// The action is on the invocation's syntax, gated by the invoked name, not an operation action:
/// an operation action makes the driver bind every method body of the compilation and build its
/// operation tree, where only the bodies that name an HMM call need it.
/// </remarks>
public abstract class HmmCallAnalyzer : HmmDiagnosticAnalyzer
{
    private protected HmmCallAnalyzer(DiagnosticDescriptor descriptor)
        : base(descriptor)
    {
    }

    protected sealed override void AnalyzeCompilation(CompilationStartAnalysisContext context, HmmSymbols symbols)
    {
        context.RegisterSyntaxNodeAction(
            c =>
            {
                if (InvokedName((InvocationExpressionSyntax)c.Node) is { } name && !StartsARule(name))
                {
                    return;
                }

                if (c.SemanticModel.GetOperation(c.Node, c.CancellationToken) is IInvocationOperation invocation)
                {
                    AnalyzeCall(c, invocation, HmmCall.Classify(invocation, symbols), symbols);
                }
            },
            SyntaxKind.InvocationExpression);
    }

    private protected abstract void AnalyzeCall(SyntaxNodeAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols);

    // The calls a rule starts from. Every other HMM call (RangeUnregister, MirrorUnregister,
    // Dispose...) matters only inside a body's flow analysis, which walks the body itself.
    private static bool StartsARule(string name) =>
        name is ApiNames.Members.RangeRegister or ApiNames.Members.VmaFault or ApiNames.Members.MirrorRegister
            or ApiNames.Members.RangeSnapshot or ApiNames.Members.RangeFault;

    // Null for a shape that names no method (a delegate in parentheses): such a call is bound and classified.
    private static string? InvokedName(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        _ => null,
    };
}
