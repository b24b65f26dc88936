using System.Collections.Immutable;
using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// HMM002: a legacy <c>RangeRegister(range, mm, ...)</c> or <c>VmaFault(range, block)</c> with no
/// live mirror in scope at all: the misuse the kernel change made impossible. Reported on the
/// whole call; the fixer learns whether the enclosing member can take a mirror parameter.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RangeOutsideMirrorScopeAnalyzer : HmmCallAnalyzer
{
    public RangeOutsideMirrorScopeAnalyzer()
        : base(Descriptors.HMM002_RangeOutsideMirrorScope)
    {
    }

    private protected override void AnalyzeCall(OperationAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols)
    {
        if (call.Kind is not (HmmCallKind.LegacyRangeRegister or HmmCallKind.LegacyVmaFault)
            || HmmFlowAnalysis.ForOperation(context, symbols) is not { } result)
        {
            return;
        }

        var candidates = call.Kind == HmmCallKind.LegacyRangeRegister
            ? MirrorInference.FromResult(result, invocation, call.Mm, symbols)
            : MirrorInference.ForRangeMm(result, invocation, call.Range, symbols);
        if (candidates is null || !candidates.Expressions.IsEmpty)
        {
            return;
        }

        var state = result.StateBefore(invocation.Syntax);
        var reason = NotLiveMirror(state) is { } mirror
            ? $"mirror '{mirror}' may not be registered here"
            : "no HmmMirror is in scope here";
        // The innermost function: a lambda's signature belongs to its delegate type.
        var enclosing = invocation.SemanticModel?.GetEnclosingSymbol(invocation.Syntax.SpanStart, context.CancellationToken) ?? context.ContainingSymbol;
        var canAddParameter = enclosing is IMethodSymbol method && CanAddParameter(method)
            && !(invocation.SemanticModel is { } model && NamedAsMethodGroup(method, model, context.CancellationToken));
        var mm = call.Kind == HmmCallKind.LegacyRangeRegister ? CallText.Of(call.Mm) : CallText.Of(call.Range) + ".Vma.Mm";
        var advice = canAddParameter
            ? "take the mirror as an HmmMirror parameter from the caller"
            : "this member cannot take a new parameter, so pass it the mirror that owns that mm";

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.HMM002_RangeOutsideMirrorScope,
            invocation.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty
                .Add(DiagnosticProperties.Reason, reason)
                .Add(DiagnosticProperties.CanAddParameter, canAddParameter ? "true" : "false"),
            CallText.Callee(invocation),
            CallText.Of(call.Range),
            mm,
            advice));
    }

    private static string? NotLiveMirror(HmmFlowState? state)
    {
        if (state is null)
        {
            return null;
        }

        return state.Mirrors
            .Where(p => !p.Value.IsLive)
            .Select(p => p.Key.ToString())
            .OrderBy(s => s, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    // A delegate, an event handler or a method group argument made from the method pins its
    // signature: a new parameter would break it. This file is searched (the usual place for a
    // private helper's handlers); a use elsewhere is the fixer's to find.
    private static bool NamedAsMethodGroup(IMethodSymbol method, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var name in MethodNames.NotCalled(model.SyntaxTree, method.Name, cancellationToken))
        {
            if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol?.OriginalDefinition, method.OriginalDefinition)
                && !MethodNames.IsNameOfArgument(name, model, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    // Only a member whose signature is its own to change: not one that a base type, an
    // interface, a delegate or another part of a partial declaration dictates.
    private static bool CanAddParameter(IMethodSymbol method)
    {
        if (method.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        if (method.MethodKind is not (MethodKind.Ordinary or MethodKind.Constructor or MethodKind.LocalFunction))
        {
            return false;
        }

        if (method.IsOverride || method.IsVirtual || method.IsAbstract || method.IsExtern
            || method.PartialDefinitionPart is not null || method.PartialImplementationPart is not null
            || !method.ExplicitInterfaceImplementations.IsEmpty || method.IsImplicitlyDeclared)
        {
            return false;
        }

        var type = method.ContainingType;
        if (type is null || type.TypeKind == TypeKind.Interface)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
