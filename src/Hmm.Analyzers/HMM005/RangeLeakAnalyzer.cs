using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// HMM005: a range registered here (RangeRegister, or a successful VmaFault) that reaches a
/// return, a throw or the end of the body still registered. Reported on that exit, with the
/// registering call as additional location. A range that escapes (stored, returned, captured,
/// handed to other code) is someone else's; a parameter or member range, or a local set to one,
/// only counts when this method unregisters it on some path (it owns its lifetime then).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RangeLeakAnalyzer : HmmCallAnalyzer
{
    public RangeLeakAnalyzer()
        : base(Descriptors.HMM005_RangeNotUnregistered)
    {
    }

    private protected override void AnalyzeCall(OperationBlockAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols)
    {
        if (!call.RegistersRange || call.Range is null || HmmFlowAnalysis.ForCall(context, invocation, symbols) is not { } result)
        {
            return;
        }

        foreach (var leak in result.Leaks)
        {
            if (leak.Registration != invocation.Syntax
                || (!leak.Owned && !result.UnregisteredRanges.Contains(leak.Range)))
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.HMM005_RangeNotUnregistered,
                leak.Exit,
                new[] { invocation.Syntax.GetLocation() },
                CallText.Of(call.Range),
                CallText.Line(invocation.Syntax)));
        }
    }
}
