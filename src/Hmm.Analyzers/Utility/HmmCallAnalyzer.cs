using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// The base of the rules that start from an HMM call (HMM001–HMM006). Each rule registers its own
/// invocation action, as the driver requires of separate analyzers, and the invocation is
/// classified here (a few symbol comparisons, no allocation): the rule sees only the call and its
/// arguments, and the flow analysis behind it is computed once per body for all rules.
/// </summary>
public abstract class HmmCallAnalyzer : HmmDiagnosticAnalyzer
{
    private protected HmmCallAnalyzer(DiagnosticDescriptor descriptor)
        : base(descriptor)
    {
    }

    protected sealed override void AnalyzeCompilation(CompilationStartAnalysisContext context, HmmSymbols symbols)
    {
        context.RegisterOperationAction(
            c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                AnalyzeCall(c, invocation, HmmCall.Classify(invocation, symbols), symbols);
            },
            OperationKind.Invocation);
    }

    private protected abstract void AnalyzeCall(OperationAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols);
}
