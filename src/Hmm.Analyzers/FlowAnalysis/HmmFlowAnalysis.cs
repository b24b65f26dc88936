using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// A forward dataflow that tracks, per access path, whether each mirror is registered and each
/// range registered, with branch refinement on the int result of the registering calls. It walks
/// a body's operation tree (<see cref="StructuredBodyAnalysis"/>) when the body's shape allows,
/// else Roslyn's <see cref="ControlFlowGraph"/> (<see cref="GraphBodyAnalysis"/>); both are
/// bounded (giving up means no result, so the rules stay silent), and the result is computed
/// once per body for all rules.
/// </summary>
internal static class HmmFlowAnalysis
{
    internal const int MaxNestedBodies = 64;
    internal const int MaxBlocks = 4000;

    // Driver code has about 0.7 basic blocks per statement: four times MaxBlocks statements is
    // certainly past MaxBlocks, unless nearly all of it is straight-line code.
    private const int MaxStatements = 4 * MaxBlocks;

    // Statements take a character at least, so an ordinary body is not walked at all.
    private static bool HasMoreStatementsThan(SyntaxNode body, int limit)
    {
        if (body.Span.Length <= limit)
        {
            return false;
        }

        var statements = 0;
        foreach (var node in body.DescendantNodes())
        {
            if (node is Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax && ++statements > limit)
            {
                return true;
            }
        }

        return false;
    }

    // The rules and the fixes share one result per body: the walk (and the graph it may need) is
    // the expensive part. Keyed by compilation so nothing outlives it, and by whether
    // the states before every call are kept (the fixer's inference) or only before HMM calls.
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(SyntaxNode Body, bool EveryCall), Lazy<HmmFlowResult?>>> Cache = new();

    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(SyntaxNode Body, bool EveryCall), Lazy<HmmFlowResult?>>>.CreateValueCallback NewCache =
        _ => new ConcurrentDictionary<(SyntaxNode, bool), Lazy<HmmFlowResult?>>();

    private static readonly Lazy<HmmFlowResult?> GivenUp = new(() => null);

    /// <summary>
    /// The result for the body around a rule's <paramref name="call"/>, through the cache: walked
    /// over its operation tree when its shape allows, else over its control flow graph.
    /// </summary>
    public static HmmFlowResult? ForCall(OperationBlockAnalysisContext context, IInvocationOperation call, HmmSymbols symbols) =>
        ForBody(RootOf(call), context.Compilation, symbols, everyCall: false, context.CancellationToken, context);

    /// <summary>
    /// The result for the body around <paramref name="at"/>, chosen and cached as for the rules.
    /// With <paramref name="everyCall"/> (the fixer's inference), it has the state before every
    /// call and object creation, not only before the HMM calls.
    /// </summary>
    public static HmmFlowResult? ForOperation(IOperation at, Compilation compilation, HmmSymbols symbols, bool everyCall, CancellationToken cancellationToken) =>
        ForBody(RootOf(at), compilation, symbols, everyCall, cancellationToken, blockContext: null);

    private static IOperation RootOf(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
    }

    private static HmmFlowResult? ForBody(IOperation root, Compilation compilation, HmmSymbols symbols, bool everyCall, CancellationToken cancellationToken, OperationBlockAnalysisContext? blockContext)
    {
        var perCompilation = Cache.GetValue(compilation, NewCache);
        if (perCompilation.TryGetValue((root.Syntax, everyCall), out var cached) && cached.IsValueCreated)
        {
            // Every rule asks for every HMM call of the body: most asks are hits.
            return cached.Value;
        }

        // A body far past the bound is given up on before its graph is built: Roslyn's graph of a
        // 30,000-statement method costs more than compiling a hundred ordinary ones.
        if (HasMoreStatementsThan(root.Syntax, MaxStatements))
        {
            return perCompilation.GetOrAdd((root.Syntax, everyCall), GivenUp).Value;
        }

        return FirstAsk(perCompilation, root, symbols, everyCall, blockContext, cancellationToken);
    }

    private static HmmFlowResult? FirstAsk(
        ConcurrentDictionary<(SyntaxNode Body, bool EveryCall), Lazy<HmmFlowResult?>> perCompilation,
        IOperation root,
        HmmSymbols symbols,
        bool everyCall,
        OperationBlockAnalysisContext? blockContext,
        CancellationToken cancellationToken) =>
        OnceCache.GetOrCompute(
            perCompilation,
            (root.Syntax, everyCall),
            (Root: root, Symbols: symbols, EveryCall: everyCall, BlockContext: blockContext),
            static (ask, cancellationToken) => AnalyzeBody(ask.Root, ask.Symbols, ask.EveryCall, ask.BlockContext, cancellationToken),
            cancellationToken);

    // Over the operation tree when the body's shape allows, else over its graph.
    private static HmmFlowResult? AnalyzeBody(IOperation root, HmmSymbols symbols, bool everyCall, OperationBlockAnalysisContext? blockContext, CancellationToken cancellationToken) =>
        StructuredBodyAnalysis.TryAnalyze(root, symbols, everyCall, cancellationToken, out var result)
            ? result
            : AnalyzeGraph(root, symbols, everyCall, blockContext, cancellationToken);

    private static HmmFlowResult? AnalyzeGraph(IOperation root, HmmSymbols symbols, bool everyCall, OperationBlockAnalysisContext? blockContext, CancellationToken cancellationToken)
    {
        ControlFlowGraph? cfg;
        try
        {
            // The driver's graph of a block it handed the rules: built once for every analyzer
            // that asks for it (the IDE's own dataflow rules do, for most bodies).
            cfg = blockContext is { } context && context.OperationBlocks.Contains(root) ? context.GetControlFlowGraph(root) : root switch
            {
                IMethodBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IConstructorBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IBlockOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IFieldInitializerOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IPropertyInitializerOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IParameterInitializerOperation body => ControlFlowGraph.Create(body, cancellationToken),
                _ => null,
            };
    }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Not inside an executable body (an attribute argument, a broken member).
            return null;
        }

        return cfg is null ? null : Analyze(cfg, symbols, cancellationToken, everyCall);
    }

    /// <summary>Analyses <paramref name="cfg"/> and every lambda and local function in it.</summary>
    public static HmmFlowResult? Analyze(ControlFlowGraph cfg, HmmSymbols symbols, CancellationToken cancellationToken, bool everyCall = false)
    {
        if (cfg.Blocks.Length > MaxBlocks)
        {
            return null;
        }

        // Most bodies have no lambda and no local function: nothing is captured, and the walk of
        // the whole operation tree that finds the captured variables is skipped.
        var root = new GraphBodyAnalysis(cfg, symbols, captured: null, everyCall, cancellationToken);
        var captured = root.HasNestedFunctions ? CapturedSymbols(cfg.OriginalOperation, symbols) : EmptyCaptured;
        root.Captured = captured;

        var states = new Dictionary<SyntaxNode, HmmFlowState>();
        var leaks = ImmutableArray.CreateBuilder<RangeLeak>();
        var unregistered = new HashSet<AccessPath>();
        if (!root.Run())
        {
            return null;
        }

        root.Record(states, leaks, unregistered);
        var pending = new Queue<ControlFlowGraph>(NestedGraphs(cfg, root, cancellationToken));
        var analyzed = 1;
        while (pending.Count > 0 && analyzed++ < MaxNestedBodies)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var body = pending.Dequeue();
            var analysis = new GraphBodyAnalysis(body, symbols, captured, everyCall, cancellationToken);
            if (analysis.Run())
            {
                analysis.Record(states, leaks, unregistered);
            }

            foreach (var nested in NestedGraphs(body, analysis, cancellationToken))
            {
                pending.Enqueue(nested);
            }
        }

        return new HmmFlowResult(states, leaks.ToImmutable(), unregistered.ToImmutableHashSet());
    }

    internal static readonly HashSet<ISymbol> EmptyCaptured = new(SymbolEqualityComparer.Default);

    private static IEnumerable<ControlFlowGraph> NestedGraphs(ControlFlowGraph cfg, GraphBodyAnalysis analysis, CancellationToken cancellationToken)
    {
        foreach (var localFunction in cfg.LocalFunctions)
        {
            yield return cfg.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken);
        }

        foreach (var lambda in analysis.Lambdas)
        {
            yield return cfg.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken);
        }
    }

    internal static IEnumerable<IOperation> BlockOperations(BasicBlock block)
    {
        foreach (var operation in block.Operations)
        {
            yield return operation;
        }

        if (block.BranchValue is not null)
        {
            yield return block.BranchValue;
        }
    }

    // Locals and parameters that a lambda or local function uses from outside itself: a range
    // among them is shared with code that may run later, so its lifetime is not this body's.
    internal static HashSet<ISymbol> CapturedSymbols(IOperation root, HmmSymbols symbols)
    {
        var captured = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var function in root.Descendants())
        {
            var functionSymbol = function switch
            {
                IAnonymousFunctionOperation lambda => lambda.Symbol,
                ILocalFunctionOperation local => local.Symbol,
                _ => null,
            };
            if (functionSymbol is null)
            {
                continue;
            }

            foreach (var reference in function.Descendants())
            {
                ISymbol? symbol = reference switch
                {
                    ILocalReferenceOperation local => local.Local,
                    IParameterReferenceOperation parameter => parameter.Parameter,
                    _ => null,
                };
                if (symbol is not null && !captured.Contains(symbol) && !DeclaredWithin(symbol, functionSymbol)
                    && !LeavesMirrorAsItIs(reference, symbols))
                {
                    captured.Add(symbol);
                }
            }
        }

        return captured;
    }

    // A mirror a nested function only reads (a property) or registers ranges with does not
    // change its registration: the body around it still follows the mirror. So a fix that has a
    // local function's RangeRegister take the mirror instead of the mm changes nothing around it.
    private static bool LeavesMirrorAsItIs(IOperation reference, HmmSymbols symbols)
    {
        if (!symbols.IsMirror(reference.Type))
        {
            return false;
        }

        var parent = reference.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation)
        {
            parent = parent.Parent;
        }

        return parent switch
        {
            IPropertyReferenceOperation => true,
            IArgumentOperation { Parent: IInvocationOperation invocation } => HmmCall.Classify(invocation, symbols).Kind is HmmCallKind.RangeRegister or HmmCallKind.VmaFault,
            _ => false,
        };
    }

    // A local or parameter belongs to the method, lambda or local function that declares it, and
    // that to the functions around it.
    private static bool DeclaredWithin(ISymbol symbol, IMethodSymbol function)
    {
        for (var container = symbol.ContainingSymbol; container is IMethodSymbol method; container = method.ContainingSymbol)
        {
            if (SymbolEqualityComparer.Default.Equals(method, function))
            {
                return true;
            }

            if (method.MethodKind is not (MethodKind.AnonymousFunction or MethodKind.LocalFunction))
            {
                return false;
            }
        }

        return false;
    }
}
