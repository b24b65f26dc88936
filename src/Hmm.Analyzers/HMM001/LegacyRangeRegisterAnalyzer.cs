using System.Collections.Immutable;
using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// HMM001: the legacy <c>HmmApi.RangeRegister(range, mm, ...)</c> where a live mirror of that mm
/// is in scope. Reported on the mm argument; the fixer gets the mirror candidates.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LegacyRangeRegisterAnalyzer : HmmCallAnalyzer
{
    public LegacyRangeRegisterAnalyzer()
        : base(Descriptors.HMM001_LegacyRangeRegister)
    {
    }

    private protected override void AnalyzeCall(OperationBlockAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols)
    {
        if (call.Kind != HmmCallKind.LegacyRangeRegister || call.Mm is null || HmmFlowAnalysis.ForCall(context, invocation, symbols) is not { } result)
        {
            return;
        }

        var candidates = MirrorInference.FromResult(result, invocation, call.Mm, symbols);
        if (candidates is null || candidates.Expressions.IsEmpty)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.HMM001_LegacyRangeRegister,
            CallText.Syntax(call.Mm).GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.MirrorCandidates, candidates.Joined),
            CallText.Callee(invocation),
            CallText.Of(call.Range),
            CallText.Of(call.Mm),
            CallText.Quoted(candidates.Expressions)));
    }
}
