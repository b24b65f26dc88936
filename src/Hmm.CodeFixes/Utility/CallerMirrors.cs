using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.CodeFixes;

/// <summary>
/// The live mirrors a caller can pass at one of its call sites, as C# expressions valid there.
/// Conservative by design: a caller with no mirror, or with several and no way to tell which
/// belongs to the mm, gets none, and the fix leaves a compile error instead of a guess.
/// </summary>
internal static class CallerMirrors
{
    private const string MirrorTypeName = "Hmm.HmmMirror";

    /// <param name="model">The caller's semantic model.</param>
    /// <param name="call">The call that gets the mirror argument.</param>
    /// <param name="mm">The callee's mm as an expression at the call (the argument the caller
    /// passes for it, plus the member path the callee takes from it), or null when unknown.</param>
    public static ImmutableArray<string> Find(SemanticModel model, InvocationExpressionSyntax call, string? mm, CancellationToken cancellationToken)
    {
        var mirrorType = model.Compilation.GetTypeByMetadataName(MirrorTypeName);
        if (mirrorType is null)
        {
            return ImmutableArray<string>.Empty;
        }

        // The mirror beside the mm: the caller passes svmm (so the mm is svmm.Mm) and Svmm holds
        // exactly one mirror.
        if (mm is not null && SyntaxFactory.ParseExpression(mm) is MemberAccessExpressionSyntax { Expression: var owner } mmAccess && !mmAccess.ContainsDiagnostics)
        {
            var ownerType = model.GetSpeculativeTypeInfo(call.SpanStart, owner, SpeculativeBindingOption.BindAsExpression).Type;
            var siblings = ownerType?.GetMembers().Where(m => !m.IsStatic && m.CanBeReferencedByName && IsMirror(m, mirrorType)).Take(2).ToList();
            if (siblings is { Count: 1 })
            {
                return ImmutableArray.Create(owner.ToString() + "." + siblings[0].Name);
            }
        }

        // A mirror parameter of the caller is live by contract, unless the caller lets it go.
        // Only the innermost function's: a lambda may run after its outer method released one.
        var function = call.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
        if (function is null || model.GetEnclosingSymbol(call.SpanStart, cancellationToken) is not IMethodSymbol caller)
        {
            return ImmutableArray<string>.Empty;
        }

        return caller.Parameters
            .Where(p => SymbolEqualityComparer.Default.Equals(p.Type.OriginalDefinition, mirrorType) && !IsReleasedIn(function, p.Name))
            .Select(p => p.Name)
            .ToImmutableArray();
    }

    private static bool IsMirror(ISymbol member, INamedTypeSymbol mirrorType)
    {
        var type = member switch
        {
            IPropertySymbol property => property.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        };
        return SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, mirrorType);
    }

    private static bool IsReleasedIn(SyntaxNode function, string name) =>
        function.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(invocation => invocation switch
        {
            { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "MirrorUnregister" } } =>
                invocation.ArgumentList.Arguments.Any(a => a.Expression is IdentifierNameSyntax id && id.Identifier.ValueText == name),
            { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose", Expression: IdentifierNameSyntax target } } =>
                target.Identifier.ValueText == name,
            _ => false,
        });
}
