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

    private protected override void AnalyzeCall(OperationBlockAnalysisContext context, IInvocationOperation invocation, HmmCall call, HmmSymbols symbols)
    {
        if (call.Kind is not (HmmCallKind.LegacyRangeRegister or HmmCallKind.LegacyVmaFault)
            || HmmFlowAnalysis.ForCall(context, invocation, symbols) is not { } result)
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
        var mm = call.Kind == HmmCallKind.LegacyRangeRegister ? CallText.Of(call.Mm) : CallText.Of(call.Range) + ".Vma.Mm";
        var unregistered = UnregisteredMirrorOf(state, call, symbols, invocation.SemanticModel, invocation.Syntax.SpanStart);
        var reason = unregistered is { } gone
            ? $"the mirror of '{mm}' {(gone.OnEveryPath ? "was" : "may have been")} unregistered at line {CallText.Line(gone.At)}"
            : call.Kind == HmmCallKind.LegacyRangeRegister && MirrorInference.FromResult(result, invocation, null, symbols) is { Expressions.IsEmpty: false } others
                ? $"the live mirrors here ({string.Join(", ", others.Expressions.Select(e => "'" + e + "'"))}) are not known to be of '{mm}'"
            : NotLiveMirror(state) is { } mirror
                ? $"mirror '{mirror}' may not be registered here"
                : "no HmmMirror is in scope here";
        // The innermost function: a lambda's signature belongs to its delegate type.
        var enclosing = invocation.SemanticModel?.GetEnclosingSymbol(invocation.Syntax.SpanStart, context.CancellationToken) ?? context.OwningSymbol;
        var whyNot = enclosing is IMethodSymbol method
            ? WhyNoParameter(method) ?? (invocation.SemanticModel is { } model ? NamedAsMethodGroup(method, model, context.CancellationToken) : null)
            : "it is not in a method, constructor or local function";
        string advice;
        if (unregistered is not null)
        {
            // A mirror parameter would turn the use after unregister into a call on some other
            // mirror, silently: the method's own lifetime is for a person to mend.
            whyNot = "a mirror from the caller would hide the use after unregister";
            advice = "register the range before unregistering the mirror, or register the mirror again";
        }
        else
        {
            advice = whyNot is null
                ? "take the mirror as an HmmMirror parameter from the caller"
                : $"this member cannot take a new parameter ({whyNot}), so pass it the mirror that owns that mm";
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.HMM002_RangeOutsideMirrorScope,
            invocation.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty
                .Add(DiagnosticProperties.Reason, whyNot is null ? reason : reason + "; " + whyNot)
                .Add(DiagnosticProperties.CanAddParameter, whyNot is null ? "true" : "false"),
            CallText.Callee(invocation),
            CallText.Of(call.Range),
            mm,
            unregistered is null ? advice : reason + "; " + advice));
    }

    /// <summary>
    /// A mirror of the call's mm (for VmaFault: of the range's <c>Vma.Mm</c>) that this method
    /// unregistered or disposed before the call, on every path or on some: the unregistering
    /// call that comes first.
    /// </summary>
    private static (SyntaxNode At, bool OnEveryPath)? UnregisteredMirrorOf(HmmFlowState? state, HmmCall call, HmmSymbols symbols, SemanticModel? model, int position)
    {
        var mmPath = call.Kind == HmmCallKind.LegacyRangeRegister
            ? AccessPath.TryCreate(call.Mm)
            : AccessPath.TryCreate(call.Range) is { } range
                && symbols.HmmRange?.GetMembers(ApiNames.Members.Vma).FirstOrDefault() is IPropertySymbol vma
                && vma.Type.GetMembers(ApiNames.Members.Mm).FirstOrDefault() is IPropertySymbol vmaMm
                ? range.Append(vma)?.Append(vmaMm)
                : null;
        return state is null || mmPath is null || model is null ? null : MirrorInference.FirstUnregistration(state, mmPath, symbols, model, position);
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
    private static string? NamedAsMethodGroup(IMethodSymbol method, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var name in MethodNames.NotCalled(model.SyntaxTree, method.Name, cancellationToken))
        {
            if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol?.OriginalDefinition, method.OriginalDefinition)
                && !MethodNames.IsNameOfArgument(name, model, cancellationToken))
            {
                return $"it is used as a delegate at line {CallText.Line(name)}, whose type fixes its parameters";
            }
        }

        return null;
    }

    // Only a member whose signature is its own to change: not one that a base type, an
    // interface, a delegate or another part of a partial declaration dictates. Null when it can
    // take a new parameter, else why not, in the words of the message.
    private static string? WhyNoParameter(IMethodSymbol method)
    {
        if (method.MethodKind is MethodKind.AnonymousFunction)
        {
            return "a lambda's parameters are fixed by its delegate type";
        }

        if (method.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove)
        {
            return "an accessor's parameters are fixed by its property or event";
        }

        if (method.DeclaringSyntaxReferences.IsEmpty || method.IsImplicitlyDeclared
            || method.MethodKind is not (MethodKind.Ordinary or MethodKind.Constructor or MethodKind.LocalFunction or MethodKind.ExplicitInterfaceImplementation))
        {
            return "its parameters are not its own to change";
        }

        if (method.IsOverride)
        {
            return method.OverriddenMethod is { } overridden ? $"it overrides {Name(overridden)}" : "it is an override";
        }

        if (method.IsVirtual || method.IsAbstract)
        {
            return "it is virtual: its overrides share its parameters";
        }

        if (method.IsExtern)
        {
            return "it is extern";
        }

        if (method.PartialDefinitionPart is not null || method.PartialImplementationPart is not null)
        {
            return "it is partial: its other part has the same parameters";
        }

        if (!method.ExplicitInterfaceImplementations.IsEmpty)
        {
            return $"it implements {Name(method.ExplicitInterfaceImplementations[0])}";
        }

        var type = method.ContainingType;
        if (type is null || type.TypeKind == TypeKind.Interface)
        {
            return "it is an interface member";
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return $"it implements {Name(member)}";
                }
            }
        }

        return null;
    }

    private static string Name(ISymbol member) => member.ContainingType.Name + "." + member.Name;
}
