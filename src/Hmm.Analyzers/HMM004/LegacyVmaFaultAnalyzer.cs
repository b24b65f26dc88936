using System.Collections.Immutable;
using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// HMM004: the legacy <c>HmmApi.VmaFault(range, block)</c> where a live mirror of
/// <c>range.Vma.Mm</c> (or a live mirror in scope) exists. Reported on the whole call.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LegacyVmaFaultAnalyzer : HmmCallAnalyzer
{
    public LegacyVmaFaultAnalyzer()
        : base(Descriptors.HMM004_LegacyVmaFault)
    {
    }

    private protected override void AnalyzeCall(OperationBlockAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols)
    {
        if (call.Kind != HmmCallKind.LegacyVmaFault || HmmFlowAnalysis.ForCall(context, invocation, symbols) is not { } result)
        {
            return;
        }

        var candidates = MirrorInference.ForRangeMm(result, invocation, call.Range, symbols);
        if (candidates is null || candidates.Expressions.IsEmpty)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.HMM004_LegacyVmaFault,
            invocation.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.MirrorCandidates, candidates.Joined),
            CallText.Callee(invocation),
            CallText.Of(call.Range),
            CallText.Quoted(candidates.Expressions)));
    }
}
