using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Analyzers;

/// <summary>
/// How a method's name is used where it is written: called, or only named in <c>nameof</c>.
/// Any other use (a delegate, an event handler, a method group argument) pins its signature.
/// </summary>
internal static class MethodNames
{
    /// <summary>The call that <paramref name="name"/> is the callee of (<c>M()</c>, <c>x.M()</c>, <c>x?.M()</c>); null otherwise.</summary>
    public static InvocationExpressionSyntax? InvocationOf(SimpleNameSyntax name)
    {
        SyntaxNode callee = name.Parent switch
        {
            MemberAccessExpressionSyntax access when access.Name == name => access,
            MemberBindingExpressionSyntax binding when binding.Name == name => binding,
            _ => name,
        };
        return callee.Parent is InvocationExpressionSyntax call && call.Expression == callee ? call : null;
    }

    // Per tree, the simple names that are not a callee, by identifier: a file with many calls to
    // report is walked once, not once per call.
    private static readonly ConditionalWeakTable<SyntaxTree, ILookup<string, SimpleNameSyntax>> UncalledNames = new();

    /// <summary>The names <paramref name="name"/> in <paramref name="tree"/> that are not calls: where a method may be used as a method group (or in <c>nameof</c>).</summary>
    public static IEnumerable<SimpleNameSyntax> NotCalled(SyntaxTree tree, string name, CancellationToken cancellationToken) =>
        UncalledNames.GetValue(
            tree,
            t => t.GetRoot(cancellationToken).DescendantNodes().OfType<SimpleNameSyntax>()
                .Where(n => InvocationOf(n) is null)
                .ToLookup(n => n.Identifier.ValueText, StringComparer.Ordinal))[name];

    /// <summary><c>nameof(Populate)</c>: the name stays the same whatever the parameters.</summary>
    public static bool IsNameOfArgument(SyntaxNode reference, SemanticModel model, CancellationToken cancellationToken)
    {
        if (reference.FirstAncestorOrSelf<ArgumentSyntax>()?.Parent?.Parent is not InvocationExpressionSyntax
            {
                Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" },
            } invocation)
        {
            return false;
        }

        // Only the nameof operator is a constant; a method called nameof never is.
        return model.GetConstantValue(invocation, cancellationToken) is { HasValue: true, Value: string };
    }
}
