using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;

namespace Hmm.CodeFixes;

/// <summary>
/// Where a method is named in the solution, when a new parameter can follow it everywhere:
/// every reference is a call (an invocation, a <c>new</c>, a <c>: this(...)</c>) or a
/// documentation <c>cref</c>, both of which the fix rewrites, or a <c>nameof</c>, which a new
/// parameter leaves as it is. A method group (a delegate, an event handler, an argument), an
/// implicit call (a <c>foreach</c>, a deconstruction, an implicit <c>base()</c>) or a reference
/// in code the fix cannot edit pins the signature: then there is nothing to rewrite, only null.
/// </summary>
internal static class MethodReferences
{
    /// <summary>The calls and crefs to rewrite; null when some reference pins the signature.</summary>
    public static async Task<IReadOnlyList<MethodReference>?> FindRewritableAsync(IMethodSymbol method, Solution solution, CancellationToken cancellationToken)
    {
        if (IsCalledImplicitly(method))
        {
            return null;
        }

        // FindReferencesAsync already narrows the search to where the method is visible (a
        // local function's body, a private method's type) and to documents that mention its name.
        var references = await SymbolFinder.FindReferencesAsync(method, solution, cancellationToken).ConfigureAwait(false);
        var rewritable = new List<MethodReference>();
        // One call per place, however many definitions (cascaded symbols) name it.
        var locations = references.SelectMany(r => r.Locations)
            .GroupBy(l => (l.Document.Id, l.Location.SourceSpan))
            .Select(g => g.First());
        foreach (var location in locations)
        {
            if (!location.Location.IsInSource || location.Document is SourceGeneratedDocument
                || location.Document.Project.Language != LanguageNames.CSharp)
            {
                return null;
            }

            var root = await location.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return null;
            }

            var reference = root.FindNode(location.Location.SourceSpan, findInsideTrivia: true, getInnermostNodeForTie: true);
            // A target-typed `new(...)` names no type: its reference is implicit, and still a call.
            if (location.IsImplicit && !(method.MethodKind == MethodKind.Constructor && reference.FirstAncestorOrSelf<ImplicitObjectCreationExpressionSyntax>() is not null))
            {
                return null;
            }
            if (CallOf(reference, method.MethodKind == MethodKind.Constructor) is { } call)
            {
                // A candidate is a call that does not bind as it stands: left for the author.
                if (!location.IsCandidateLocation)
                {
                    rewritable.Add(new MethodReference(location.Document, call));
                }
            }
            else if (reference.FirstAncestorOrSelf<CrefSyntax>() is not null)
            {
                // <see cref="Snapshot"/> names the method whatever its parameters; a cref with a
                // parameter list gets the new parameter too.
                if (reference.FirstAncestorOrSelf<NameMemberCrefSyntax>() is { Parameters: not null } cref)
                {
                    rewritable.Add(new MethodReference(location.Document, cref));
                }
            }
            else if (!await IsNameOfAsync(location.Document, reference, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        return rewritable;
    }

    /// <summary>
    /// A constructor callable without arguments is also called where nothing names it: the
    /// implicit base() of a derived class, a new() constraint. No search can list those.
    /// </summary>
    public static bool IsCalledImplicitly(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Constructor && method.Parameters.All(p => p.IsOptional || p.IsParams);

    /// <summary>The call a reference names: an invocation, a <c>new</c>, a <c>: this(...)</c>; null for a method group.</summary>
    private static SyntaxNode? CallOf(SyntaxNode reference, bool constructor)
    {
        if (reference.FirstAncestorOrSelf<CrefSyntax>() is not null)
        {
            return null;
        }

        // A constructor's reference is its type name in "new T(...)", or "new"/"this"/"base" itself.
        if (constructor)
        {
            return reference.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseObjectCreationExpressionSyntax or ConstructorInitializerSyntax) is { } construction
                && ArgumentsOf(construction) is { } constructorArguments && !constructorArguments.Span.Contains(reference.Span)
                ? construction
                : null;
        }

        return reference.FirstAncestorOrSelf<SimpleNameSyntax>() is { } name ? MethodNames.InvocationOf(name) : null;
    }

    /// <summary>The argument list of a call <see cref="CallOf"/> found.</summary>
    public static ArgumentListSyntax? ArgumentsOf(SyntaxNode call) => call switch
    {
        InvocationExpressionSyntax invocation => invocation.ArgumentList,
        BaseObjectCreationExpressionSyntax creation => creation.ArgumentList,
        ConstructorInitializerSyntax initializer => initializer.ArgumentList,
        _ => null,
    };

    private static async Task<bool> IsNameOfAsync(Document document, SyntaxNode reference, CancellationToken cancellationToken) =>
        await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is { } model
        && MethodNames.IsNameOfArgument(reference, model, cancellationToken);
}

/// <summary>A call of the method or a cref with a parameter list, in its document.</summary>
internal sealed class MethodReference
{
    public MethodReference(Document document, SyntaxNode node)
    {
        Document = document;
        Node = node;
    }

    public Document Document { get; }

    /// <summary>An invocation, an object creation, a constructor initializer, or a <see cref="NameMemberCrefSyntax"/>.</summary>
    public SyntaxNode Node { get; }
}
