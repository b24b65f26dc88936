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
/// An operation block action: the driver calls each rule once per body, and
/// <see cref="RuleCallSites"/> finds the calls in it (nothing, for a body whose text names none).
/// Every project that can reference Hmm.Api (net8.0 and later) gets the SDK's own analyzers from
/// its targeting pack, and one of them has an operation action: the driver builds every body's
/// operation tree whatever the HMM rules do. Tried and measured before (docs/performance.md): an
/// operation action on invocations, whose dispatch to six rules, for every call of every body,
/// cost the driver about as much as the rules' own work; and a syntax action on invocations,
/// whose dispatch over every node cost twice that.
/// </remarks>
public abstract class HmmCallAnalyzer : HmmDiagnosticAnalyzer
{
    private protected HmmCallAnalyzer(DiagnosticDescriptor descriptor)
        : base(descriptor)
    {
    }

    protected sealed override void AnalyzeCompilation(CompilationStartAnalysisContext context, HmmSymbols symbols)
    {
        context.RegisterOperationBlockAction(c =>
        {
            foreach (var block in c.OperationBlocks)
            {
                foreach (var invocation in RuleCallSites.In(block, c.CancellationToken))
                {
                    AnalyzeCall(c, invocation, HmmCall.Classify(invocation, symbols), symbols);
                }
            }
        });
    }

    private protected abstract void AnalyzeCall(OperationBlockAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols);
}
