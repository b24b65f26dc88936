using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// HMM003: <c>RangeRegister(range, M, ...)</c> or <c>VmaFault(M, ...)</c> where the mirror M is not
/// registered on some path. A local: before its registration, after its unregistration or
/// disposal, or after a registration whose failure was not handled. A parameter, field or
/// property is its owner's to keep registered: only when this method unregisters it first.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MirrorNotLiveAnalyzer : HmmCallAnalyzer
{
    public MirrorNotLiveAnalyzer()
        : base(Descriptors.HMM003_MirrorMayNotBeRegistered)
    {
    }

    private protected override void AnalyzeCall(OperationBlockAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols)
    {
        if (call.Kind is not (HmmCallKind.RangeRegister or HmmCallKind.VmaFault)
            || AccessPath.TryCreate(call.Mirror) is not { } mirror
            || HmmFlowAnalysis.ForCall(context, invocation, symbols)?.StateBefore(invocation.Syntax) is not { } state)
        {
            return;
        }

        var value = state.Mirror(mirror);
        string? why = null;
        if ((value.Facts & MirrorFacts.Unregistered) != 0 && value.Unregistration is { } unregistration)
        {
            why = $"it may be unregistered at line {CallText.Line(unregistration)}";
        }
        else if (mirror.IsLocal && (value.Facts & MirrorFacts.MaybeFailed) != 0 && value.Registration is { } registration)
        {
            why = $"its registration at line {CallText.Line(registration)} may have failed";
        }
        else if (mirror.IsLocal && (value.Facts & (MirrorFacts.NotRegistered | MirrorFacts.Null)) != 0)
        {
            why = $"it is not registered before line {CallText.Line(invocation.Syntax)}";
        }

        if (why is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.HMM003_MirrorMayNotBeRegistered,
                CallText.Syntax(call.Mirror!).GetLocation(),
                CallText.Of(call.Mirror),
                CallText.Callee(invocation),
                why));
        }
    }
}
