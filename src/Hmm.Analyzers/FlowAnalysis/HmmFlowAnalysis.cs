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
    private const int MaxNestedBodies = 64;
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

    // The rules share one result per body: the driver hands each rule the same CFG, and the
    // analysis is the expensive part. Keyed by compilation so nothing outlives it, and by whether
    // the states before every call are kept (the fixer's inference) or only before HMM calls.
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(SyntaxNode Body, bool EveryCall), Lazy<HmmFlowResult?>>> Cache = new();

    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(SyntaxNode Body, bool EveryCall), Lazy<HmmFlowResult?>>>.CreateValueCallback NewCache =
        _ => new ConcurrentDictionary<(SyntaxNode, bool), Lazy<HmmFlowResult?>>();

    private static readonly Lazy<HmmFlowResult?> GivenUp = new(() => null);

    /// <summary>
    /// The cached result for the body whose graph is <paramref name="cfg"/>. With
    /// <paramref name="everyCall"/>, it has the state before every call and object creation, not
    /// only before the HMM calls.
    /// </summary>
    public static HmmFlowResult? GetOrAnalyze(Compilation compilation, ControlFlowGraph cfg, HmmSymbols symbols, CancellationToken cancellationToken, bool everyCall = false) =>
        OnceCache.GetOrCompute(
            Cache.GetValue(compilation, NewCache),
            (cfg.OriginalOperation.Syntax, everyCall),
            (Graph: cfg, Symbols: symbols, EveryCall: everyCall),
            static (ask, cancellationToken) => Analyze(ask.Graph, ask.Symbols, cancellationToken, ask.EveryCall),
            cancellationToken);

    /// <summary>
    /// The result for the body around the context's operation, through the cache: walked over its
    /// operation tree when its shape allows, else over its control flow graph.
    /// </summary>
    public static HmmFlowResult? ForOperation(OperationAnalysisContext context, HmmSymbols symbols)
    {
        var root = context.Operation;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var perCompilation = Cache.GetValue(context.Compilation, NewCache);
        if (perCompilation.TryGetValue((root.Syntax, false), out var cached) && cached.IsValueCreated)
        {
            // Every rule asks for every HMM call of the body: most asks are hits.
            return cached.Value;
        }

        // A body far past the bound is given up on before its graph is built: Roslyn's graph of a
        // 30,000-statement method costs more than compiling a hundred ordinary ones.
        if (HasMoreStatementsThan(root.Syntax, MaxStatements))
        {
            return perCompilation.GetOrAdd((root.Syntax, false), GivenUp).Value;
        }

        return FirstAsk(perCompilation, root, context, symbols);
    }

    private static HmmFlowResult? FirstAsk(
        ConcurrentDictionary<(SyntaxNode Body, bool EveryCall), Lazy<HmmFlowResult?>> perCompilation, IOperation root, OperationAnalysisContext context, HmmSymbols symbols) =>
        OnceCache.GetOrCompute(
            perCompilation,
            (root.Syntax, false),
            (Root: root, Context: context, Symbols: symbols),
            static (ask, _) => AnalyzeBody(ask.Root, ask.Context, ask.Symbols),
            context.CancellationToken);

    // Over the operation tree when the body's shape allows, else over its graph.
    private static HmmFlowResult? AnalyzeBody(IOperation root, OperationAnalysisContext context, HmmSymbols symbols) =>
        StructuredBodyAnalysis.TryAnalyze(root, symbols, everyCall: false, context.CancellationToken, out var result)
            ? result
            : AnalyzeGraph(context, symbols);

    private static HmmFlowResult? AnalyzeGraph(OperationAnalysisContext context, HmmSymbols symbols)
    {
        ControlFlowGraph? cfg;
        try
        {
            cfg = context.GetControlFlowGraph();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Not inside an executable body (an attribute argument, a broken member).
            return null;
        }

        return cfg is null ? null : Analyze(cfg, symbols, context.CancellationToken);
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
        var captured = root.HasNestedFunctions ? CapturedSymbols(cfg.OriginalOperation) : EmptyCaptured;
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
    private static HashSet<ISymbol> CapturedSymbols(IOperation root)
    {
        var captured = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var function in root.Descendants())
        {
            if (function is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
            {
                continue;
            }

            var span = function.Syntax.Span;
            foreach (var reference in function.Descendants())
            {
                ISymbol? symbol = reference switch
                {
                    ILocalReferenceOperation local => local.Local,
                    IParameterReferenceOperation parameter => parameter.Parameter,
                    _ => null,
                };
                if (symbol is not null && !DeclaredWithin(symbol, span))
                {
                    captured.Add(symbol);
                }
            }
        }

        return captured;
    }

    private static bool DeclaredWithin(ISymbol symbol, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (span.Contains(reference.Span))
            {
                return true;
            }
        }

        return false;
    }
}
