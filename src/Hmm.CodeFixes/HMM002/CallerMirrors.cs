using System.Collections.Immutable;
using Hmm.Analyzers;
using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using LiveMirrors = Hmm.Analyzers.FlowAnalysis.MirrorCandidates;

namespace Hmm.CodeFixes;

/// <summary>
/// The live mirrors a caller can pass at one of its call sites, as C# expressions valid there,
/// from the analyzers' own flow analysis (<see cref="MirrorInference"/>), so the fix and the
/// rules agree on what is live. Null when the analysis cannot decide there.
/// </summary>
internal static class CallerMirrors
{
    /// <param name="model">The caller's semantic model.</param>
    /// <param name="call">The call that gets the mirror argument.</param>
    /// <param name="mm">The callee's mm as the caller passes it: the argument for the callee's
    /// mm parameter, and the member path the callee takes from it (<c>svmm</c> and <c>Mm</c>
    /// for a callee that registers with <c>svmm.Mm</c>); null when the mm is not a parameter's.</param>
    public static LiveMirrors? Find(SemanticModel model, SyntaxNode call, (ExpressionSyntax Argument, IReadOnlyList<string> Path)? mm, CancellationToken cancellationToken)
    {
        var symbols = HmmSymbols.TryCreate(model.Compilation);
        if (symbols is null || model.GetOperation(call, cancellationToken) is not { } at)
        {
            return null;
        }

        if (mm is { Argument: var argument, Path: var path })
        {
            if (argument is MemberBindingExpressionSyntax binding && binding.FirstAncestorOrSelf<ConditionalAccessExpressionSyntax>() is { } access)
            {
                // svmm?.Mm.Register(range): the mm is the member of what `?.` tests.
                (argument, path) = (access.Expression, new[] { binding.Name.Identifier.ValueText }.Concat(path).ToList());
            }

            if (path.Count == 0)
            {
                // The caller passes the mm itself: its mirrors are the ones registered with it.
                // The caller passes the mm itself: its mirrors are the ones registered with it, or
                // the sibling of its owner; a mirror of another mm is none.
                if (model.GetOperation(argument, cancellationToken) is { } mmArgument)
                {
                    return MirrorInference.Find(at, mmArgument, symbols, cancellationToken);
                }
            }
            else if (path.Count == 2 && path[0] == ApiNames.Members.Vma && path[1] == ApiNames.Members.Mm && symbols.IsRange(model.GetTypeInfo(argument, cancellationToken).Type)
                && model.GetOperation(argument, cancellationToken) is { } rangeArgument)
            {
                // The callee registers with range.Vma.Mm: the mirror of the mm whose FindVma
                // gave the caller's range its vma, or none (never any mirror in scope).
                return MirrorInference.FindForRangeMm(at, rangeArgument, symbols, cancellationToken) is { } found
                    ? found.OfMm ? found : new LiveMirrors(ImmutableArray<string>.Empty, ofMm: true)
                    : null;
            }
            else
            {
                return new LiveMirrors(Sibling(model, argument, path, symbols) is { } sibling ? ImmutableArray.Create(sibling) : ImmutableArray<string>.Empty, ofMm: true);
            }
        }

        return MirrorInference.Find(at, null, symbols, cancellationToken);
    }

    /// <summary>
    /// The one mirror beside the mm the callee reaches: the caller passes <c>svmm</c>, the
    /// callee registers with <c>svmm.Mm</c>, and Svmm holds exactly one mirror: <c>svmm.Mirror</c>.
    /// Such a member is live by contract, like the callee's own parameter would be.
    /// </summary>
    private static string? Sibling(SemanticModel model, ExpressionSyntax argument, IReadOnlyList<string> path, HmmSymbols symbols)
    {
        var owner = model.GetTypeInfo(argument).Type;
        for (var i = 0; i < path.Count - 1 && owner is not null; i++)
        {
            owner = owner.GetMembers(path[i]).FirstOrDefault() switch
            {
                IPropertySymbol property => property.Type,
                IFieldSymbol field => field.Type,
                _ => null,
            };
        }

        var siblings = owner?.GetMembers().Where(m => !m.IsStatic && m.CanBeReferencedByName && symbols.IsMirror(m switch
        {
            IPropertySymbol property => property.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        })).Take(2).ToList();
        if (siblings is not { Count: 1 })
        {
            return null;
        }

        var ownerText = argument is IdentifierNameSyntax or MemberAccessExpressionSyntax or ThisExpressionSyntax or PostfixUnaryExpressionSyntax
            ? argument.WithoutTrivia().ToString()
            : "(" + argument.WithoutTrivia() + ")";
        var text = string.Join(".", new[] { ownerText }.Concat(path.Take(path.Count - 1)).Concat(new[] { siblings[0].Name }));
        if (siblings[0] is IPropertySymbol { Type.NullableAnnotation: NullableAnnotation.Annotated } or IFieldSymbol { Type.NullableAnnotation: NullableAnnotation.Annotated })
        {
            // Declared HmmMirror?: passed as the non-null mirror, as the analyzer writes it.
            text += "!";
        }

        return SyntaxFactory.ParseExpression(text).ContainsDiagnostics ? null : text;
    }
}
