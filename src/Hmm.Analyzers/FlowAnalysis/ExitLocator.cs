using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// Where control leaves a body, as a user reads it: the <c>return</c> or <c>throw</c>
/// statement, or the closing brace when it falls off the end.
/// </summary>
internal static class ExitLocator
{
    public static Location? Locate(ControlFlowGraph cfg, BasicBlock source, ControlFlowBranch branch)
    {
        if (source.BranchValue is { } value && branch.Semantics is ControlFlowBranchSemantics.Return or ControlFlowBranchSemantics.Throw
            && source.ConditionKind == ControlFlowConditionKind.None
            && OfValue(value.Syntax) is { } location)
        {
            return location;
        }

        // `return;` (or `throw;`), which the graph keeps only as an edge: the first such
        // statement after the code of the block that takes it, else the end of the body.
        var body = Body(cfg.OriginalOperation.Syntax);
        if (body is null)
        {
            return null;
        }

        var after = LastPosition(source) ?? Preceding(cfg, source) ?? body.SpanStart;
        var wantThrow = branch.Semantics == ControlFlowBranchSemantics.Rethrow;
        foreach (var statement in body.DescendantNodes(n => !IsNestedFunction(n)))
        {
            if (statement.SpanStart < after)
            {
                continue;
            }

            if ((!wantThrow && statement is ReturnStatementSyntax { Expression: null })
                || (wantThrow && statement is ThrowStatementSyntax { Expression: null }))
            {
                return statement.GetLocation();
            }
        }

        return body is BlockSyntax block ? block.CloseBraceToken.GetLocation() : body.GetLocation();
    }

    /// <summary>The exit that returns or throws the value <paramref name="value"/>.</summary>
    public static Location? OfValue(SyntaxNode value)
    {
        for (var node = value; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case ReturnStatementSyntax or ThrowStatementSyntax or ThrowExpressionSyntax:
                    return node.GetLocation();
                case ArrowExpressionClauseSyntax arrow:
                    return arrow.Expression.GetLocation();
                case AnonymousFunctionExpressionSyntax or StatementSyntax or MemberDeclarationSyntax:
                    return value.GetLocation();
            }
        }

        return null;
    }

    /// <summary>The end of the body of <paramref name="owner"/>: its closing brace, or its expression body.</summary>
    public static Location? EndOf(SyntaxNode owner) => Body(owner) switch
    {
        null => null,
        BlockSyntax block => block.CloseBraceToken.GetLocation(),
        var body => body.GetLocation(),
    };

    private static int? LastPosition(BasicBlock block)
    {
        int? end = null;
        foreach (var operation in HmmFlowAnalysis.BlockOperations(block))
        {
            if (!operation.IsImplicit || end is null)
            {
                end = Math.Max(end ?? 0, operation.Syntax.Span.End);
            }
        }

        return end;
    }

    // A block with no code of its own (a catch that only rethrows): the code before it, the
    // graph's blocks being in the order of the source, rather than the first such exit of the body.
    private static int? Preceding(ControlFlowGraph cfg, BasicBlock block)
    {
        for (var ordinal = block.Ordinal - 1; ordinal > 0; ordinal--)
        {
            if (LastPosition(cfg.Blocks[ordinal]) is { } end)
            {
                return end;
            }
        }

        return null;
    }

    private static bool IsNestedFunction(SyntaxNode node) =>
        node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    private static SyntaxNode? Body(SyntaxNode owner) => owner switch
    {
        BaseMethodDeclarationSyntax method => (SyntaxNode?)method.Body ?? method.ExpressionBody?.Expression,
        AccessorDeclarationSyntax accessor => (SyntaxNode?)accessor.Body ?? accessor.ExpressionBody?.Expression,
        LocalFunctionStatementSyntax local => (SyntaxNode?)local.Body ?? local.ExpressionBody?.Expression,
        AnonymousFunctionExpressionSyntax lambda => (SyntaxNode?)lambda.Block ?? lambda.ExpressionBody,
        ArrowExpressionClauseSyntax arrow => arrow.Expression,
        BlockSyntax block => block,
        _ => null,
    };
}
