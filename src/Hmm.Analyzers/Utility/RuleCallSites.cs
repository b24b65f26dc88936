using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.Analyzers.Rules;

/// <summary>
/// The calls a rule starts from (RangeRegister, VmaFault, MirrorRegister, RangeSnapshot,
/// RangeFault) in one operation block. Most bodies of a project that references Hmm.Api call
/// none of them, and a call names its method in the source: a block whose text has none of the
/// names is passed over without a look at its operations.
/// </summary>
internal static class RuleCallSites
{
    private static readonly string[] Names =
    {
        ApiNames.Members.RangeRegister, ApiNames.Members.VmaFault, ApiNames.Members.MirrorRegister,
        ApiNames.Members.RangeSnapshot, ApiNames.Members.RangeFault,
        // An identifier may spell a letter as a Unicode escape (`Range\u0052egister`): a block
        // with one is looked at whatever it names.
        "\\u", "\\U",
    };

    // Per tree, not per compilation: a tree is immutable, and an edit in the IDE makes a new
    // compilation that keeps every other file's tree.
    private static readonly ConditionalWeakTable<SyntaxTree, int[]> NamePositions = new();

    private static readonly ConditionalWeakTable<SyntaxTree, int[]>.CreateValueCallback FindNames = FindNamesIn;

    // The six rules are handed the same block objects (the semantic model keeps one operation
    // tree per body): the first rule's walk serves the others.
    private static readonly ConditionalWeakTable<IOperation, Calls> ByBlock = new();

    private static readonly ConditionalWeakTable<IOperation, Calls>.CreateValueCallback FindCalls = block => new Calls(CallsIn(block));

    /// <summary>The invocations in <paramref name="block"/> (lambdas and local functions included) that start a rule.</summary>
    public static ImmutableArray<IInvocationOperation> In(IOperation block, CancellationToken cancellationToken)
    {
        // The full span, trivia included: as good a bound, without a walk to the first and last token.
        if (block.Syntax is not { } syntax || !MayName(syntax.SyntaxTree, syntax.FullSpan, cancellationToken))
        {
            return ImmutableArray<IInvocationOperation>.Empty;
        }

        return ByBlock.GetValue(block, FindCalls).Invocations;
    }

    /// <summary>True when an invocation of one of the rules' methods may be named at some point of <paramref name="span"/>.</summary>
    private static bool MayName(SyntaxTree tree, TextSpan span, CancellationToken cancellationToken)
    {
        if (!NamePositions.TryGetValue(tree, out var positions))
        {
            // The text of a parsed tree is kept by the tree: this reads it, it does not print it.
            _ = tree.GetText(cancellationToken);
            positions = NamePositions.GetValue(tree, FindNames);
        }

        // The first name at or after the span's start, and whether it is inside the span.
        var index = Array.BinarySearch(positions, span.Start);
        if (index < 0)
        {
            index = ~index;
        }

        return index < positions.Length && positions[index] < span.End;
    }

    private static int[] FindNamesIn(SyntaxTree tree)
    {
        var text = tree.GetText().ToString();
        var positions = new List<int>();
        foreach (var name in Names)
        {
            for (var at = text.IndexOf(name, StringComparison.Ordinal); at >= 0; at = text.IndexOf(name, at + name.Length, StringComparison.Ordinal))
            {
                positions.Add(at);
            }
        }

        positions.Sort();
        return positions.ToArray();
    }

    private static ImmutableArray<IInvocationOperation> CallsIn(IOperation block)
    {
        var calls = ImmutableArray.CreateBuilder<IInvocationOperation>();
        foreach (var operation in block.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation invocation && StartsARule(invocation.TargetMethod.Name))
            {
                calls.Add(invocation);
            }
        }

        return calls.ToImmutable();
    }

    // Every other HMM call (RangeUnregister, MirrorUnregister, Dispose...) matters only inside a
    // body's flow analysis, which walks the body itself.
    private static bool StartsARule(string name) =>
        name is ApiNames.Members.RangeRegister or ApiNames.Members.VmaFault or ApiNames.Members.MirrorRegister
            or ApiNames.Members.RangeSnapshot or ApiNames.Members.RangeFault;

    private sealed class Calls
    {
        public Calls(ImmutableArray<IInvocationOperation> invocations)
        {
            Invocations = invocations;
        }

        public ImmutableArray<IInvocationOperation> Invocations { get; }
    }
}
