using System.Collections.Immutable;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.CodeFixes.Tests.Verifiers;

/// <summary>
/// Reports HMM001, HMM002 and HMM004 at the agreed locations with the agreed properties, for
/// the rules the real Hmm.Analyzers does not ship yet, so the fixers are tested against the
/// contract alone. No flow analysis: a mirror counts as live when it is a parameter, a member of
/// a parameter, or a local assigned from a registration anywhere in the body. The test code
/// keeps to cases where that is what the real rules decide too.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StandInAnalyzer : DiagnosticAnalyzer
{
    private readonly ImmutableHashSet<string> ids;

    public StandInAnalyzer()
        : this(ImmutableHashSet.Create("HMM001", "HMM002", "HMM004"))
    {
    }

    public StandInAnalyzer(ImmutableHashSet<string> ids)
    {
        this.ids = ids;
        SupportedDiagnostics = ImmutableArray.Create(
            Descriptors.HMM001_LegacyRangeRegister, Descriptors.HMM002_RangeOutsideMirrorScope, Descriptors.HMM004_LegacyVmaFault)
            .Where(d => ids.Contains(d.Id)).ToImmutableArray();
    }

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; }

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterOperationAction(AnalyzeInvocation, OperationKind.Invocation);
    }

    private void AnalyzeInvocation(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.ContainingType?.Name != "HmmApi" || method.ContainingAssembly?.Name != "Hmm.Api")
        {
            return;
        }

        var legacyRegister = method.Name == "RangeRegister" && method.Parameters.Length == 5 && method.Parameters[1].Type.Name == "MmStruct";
        var legacyFault = method.Name == "VmaFault" && method.Parameters.Length == 2;
        if (!legacyRegister && !legacyFault)
        {
            return;
        }

        var function = EnclosingFunction(invocation);
        if (function is null)
        {
            return;
        }

        var mm = legacyRegister ? invocation.Arguments.First(a => a.Parameter?.Name == "mm").Value.Syntax : null;
        var candidates = legacyRegister ? MirrorsOf(function, (ExpressionSyntax)mm!, invocation.SemanticModel!) : AllMirrors(function, invocation.SemanticModel!);
        var call = invocation.Syntax.ToString();
        var range = invocation.Arguments.First(a => a.Parameter?.Name == "range").Value.Syntax.ToString();
        if (candidates.Count > 0)
        {
            var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticProperties.MirrorCandidates, string.Join("\n", candidates));
            if (legacyRegister && ids.Contains("HMM001"))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.HMM001_LegacyRangeRegister, mm!.GetLocation(), properties, call, range, mm.ToString(), candidates[0]));
            }
            else if (legacyFault && ids.Contains("HMM004"))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.HMM004_LegacyVmaFault, invocation.Syntax.GetLocation(), properties, call, range, candidates[0]));
            }

            return;
        }

        if (!ids.Contains("HMM002"))
        {
            return;
        }

        var (canAdd, reason) = CanAddParameter(function, invocation.SemanticModel!);
        var hmm002 = ImmutableDictionary<string, string?>.Empty
            .Add(DiagnosticProperties.CanAddParameter, canAdd ? "true" : "false")
            .Add(DiagnosticProperties.Reason, reason);
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.HMM002_RangeOutsideMirrorScope, invocation.Syntax.GetLocation(), hmm002, call, range, mm?.ToString() ?? range + ".Vma.Mm", reason));
    }

    private static SyntaxNode? EnclosingFunction(IOperation operation)
    {
        foreach (var node in operation.Syntax.AncestorsAndSelf())
        {
            if (node is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax)
            {
                return node;
            }
        }

        return null;
    }

    private static (bool, string) CanAddParameter(SyntaxNode function, SemanticModel model)
    {
        if (function is AnonymousFunctionExpressionSyntax)
        {
            return (false, "it is inside a lambda, whose signature its delegate type fixes");
        }

        if (function is LocalFunctionStatementSyntax)
        {
            return (true, "take the mirror as a parameter from the caller");
        }

        if (function is not MethodDeclarationSyntax || model.GetDeclaredSymbol(function) is not IMethodSymbol method)
        {
            return (false, "the enclosing member cannot take a parameter");
        }

        var implementsInterface = method.ExplicitInterfaceImplementations.Length > 0
            || method.ContainingType.AllInterfaces.SelectMany(i => i.GetMembers()).Any(m =>
                SymbolEqualityComparer.Default.Equals(method.ContainingType.FindImplementationForInterfaceMember(m), method));
        return method.IsOverride || method.IsVirtual || method.IsAbstract || implementsInterface
            ? (false, $"'{method.Name}' overrides or implements a member whose signature it cannot change")
            : (true, "take the mirror as a parameter from the caller");
    }

    /// <summary>Locals registered with this same mm, then the one mirror beside the mm.</summary>
    private static List<string> MirrorsOf(SyntaxNode function, ExpressionSyntax mm, SemanticModel model)
    {
        var mmText = Normalize(mm);
        var mirrors = RegisteredLocals(function).Where(r => r.Mm == mmText).Select(r => r.Mirror).Distinct().ToList();
        var (owner, _) = SplitMember(mm);
        if (owner is not null && model.GetTypeInfo(owner).Type is { } ownerType)
        {
            var siblings = ownerType.GetMembers().Where(m => !m.IsStatic && m.CanBeReferencedByName && IsMirror(m switch
            {
                IPropertySymbol p => p.Type,
                IFieldSymbol f => f.Type,
                _ => null,
            })).ToList();
            if (siblings.Count == 1)
            {
                var text = mm.ToString();
                var name = SplitMember(mm).Name!;
                mirrors.Add(text.Substring(0, text.Length - name.Length) + siblings[0].Name);
            }
        }

        return mirrors;
    }

    /// <summary>Every mirror in reach: parameters, their mirror members, registered locals.</summary>
    private static List<string> AllMirrors(SyntaxNode function, SemanticModel model)
    {
        var mirrors = new List<string>();
        var parameters = function switch
        {
            BaseMethodDeclarationSyntax m => m.ParameterList.Parameters,
            LocalFunctionStatementSyntax l => l.ParameterList.Parameters,
            ParenthesizedLambdaExpressionSyntax l => l.ParameterList.Parameters,
            _ => default,
        };
        foreach (var parameter in parameters)
        {
            if (model.GetDeclaredSymbol(parameter) is not { } symbol)
            {
                continue;
            }

            if (IsMirror(symbol.Type))
            {
                mirrors.Add(symbol.Name);
            }
            else
            {
                mirrors.AddRange(symbol.Type.GetMembers().OfType<IPropertySymbol>().Where(p => IsMirror(p.Type)).Select(p => symbol.Name + "." + p.Name));
            }
        }

        mirrors.AddRange(RegisteredLocals(function).Select(r => r.Mirror).Distinct());
        return mirrors;
    }

    private static IEnumerable<(string Mirror, string Mm)> RegisteredLocals(SyntaxNode function)
    {
        foreach (var call in function.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            var name = call.Expression is MemberAccessExpressionSyntax access ? access.ToString() : null;
            var arguments = call.ArgumentList.Arguments;
            if (name == "HmmMirror.Register" && arguments.Count == 2)
            {
                var target = call.Parent switch
                {
                    EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } => declarator.Identifier.ValueText,
                    AssignmentExpressionSyntax assignment => assignment.Left.ToString(),
                    _ => null,
                };
                if (target is not null)
                {
                    yield return (target, Normalize(arguments[0].Expression));
                }
            }
            else if (name == "HmmApi.MirrorRegister" && arguments.Count == 2)
            {
                yield return (arguments[0].Expression.ToString(), Normalize(arguments[1].Expression));
            }
        }
    }

    private static (ExpressionSyntax? Owner, string? Name) SplitMember(ExpressionSyntax mm) => mm switch
    {
        MemberAccessExpressionSyntax access => (access.Expression, access.Name.Identifier.ValueText),
        ConditionalAccessExpressionSyntax { WhenNotNull: MemberBindingExpressionSyntax binding } conditional => (conditional.Expression, binding.Name.Identifier.ValueText),
        _ => (null, null),
    };

    private static bool IsMirror(ITypeSymbol? type) => type?.Name == "HmmMirror" && type.ContainingAssembly?.Name == "Hmm.Api";

    private static string Normalize(ExpressionSyntax expression) => expression.WithoutTrivia().NormalizeWhitespace().ToString();
}
