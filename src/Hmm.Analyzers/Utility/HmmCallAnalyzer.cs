using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
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
/// An operation action on invocations, gated by the invoked method's name. Every project that can
/// reference Hmm.Api (net8.0 and later) gets the SDK's own analyzers from its targeting pack, and
/// one of them has an operation action: the driver builds every body's operation tree whatever
/// the HMM rules do, and an operation action costs one name comparison per call. A syntax action
/// on invocations was tried and measured in a real build (docs/performance.md): the driver's
/// dispatch of six syntax actions over every node cost it twice what the rules themselves do.
/// </remarks>
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
                if (StartsARule(invocation.TargetMethod.Name))
                {
                    AnalyzeCall(c, invocation, HmmCall.Classify(invocation, symbols), symbols);
                }
            },
            OperationKind.Invocation);
    }

    private protected abstract void AnalyzeCall(OperationAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols);

    // The calls a rule starts from. Every other HMM call (RangeUnregister, MirrorUnregister,
    // Dispose...) matters only inside a body's flow analysis, which walks the body itself.
    private static bool StartsARule(string name) =>
        name is ApiNames.Members.RangeRegister or ApiNames.Members.VmaFault or ApiNames.Members.MirrorRegister
            or ApiNames.Members.RangeSnapshot or ApiNames.Members.RangeFault;
}
