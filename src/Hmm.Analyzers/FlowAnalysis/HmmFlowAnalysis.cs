using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// A forward dataflow over Roslyn's <see cref="ControlFlowGraph"/> that tracks, per access path,
/// whether each mirror is registered and each range registered, with branch refinement on the
/// int result of the registering calls. Iterative (worklist, iteration cap: giving up means no
/// result, so the rules stay silent), and computed once per body for all rules.
/// </summary>
internal static class HmmFlowAnalysis
{
    private const int MaxNestedBodies = 64;
    private const int MaxBlocks = 4000;
    private const int MaxResultRounds = 16;

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
    public static HmmFlowResult? GetOrAnalyze(Compilation compilation, ControlFlowGraph cfg, HmmSymbols symbols, CancellationToken cancellationToken, bool everyCall = false)
    {
        var perCompilation = Cache.GetValue(compilation, NewCache);
        var key = (cfg.OriginalOperation.Syntax, everyCall);
        if (perCompilation.TryGetValue(key, out var cached))
        {
            // Every rule asks for every HMM call of the body: most asks are hits.
            return cached.Value;
        }

        var lazy = perCompilation.GetOrAdd(
            key,
            _ => new Lazy<HmmFlowResult?>(() => Analyze(cfg, symbols, cancellationToken, everyCall), LazyThreadSafetyMode.ExecutionAndPublication));
        return lazy.Value;
    }

    /// <summary>The result for the CFG of the operation block around <paramref name="operation"/>, through the cache.</summary>
    public static HmmFlowResult? ForOperation(OperationAnalysisContext context, HmmSymbols symbols)
    {
        var root = context.Operation;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var perCompilation = Cache.GetValue(context.Compilation, NewCache);
        if (perCompilation.TryGetValue((root.Syntax, false), out var cached))
        {
            return cached.Value;
        }

        // A body far past the bound is given up on before its graph is built: Roslyn's graph of a
        // 30,000-statement method costs more than compiling a hundred ordinary ones.
        if (HasMoreStatementsThan(root.Syntax, MaxStatements))
        {
            return perCompilation.GetOrAdd((root.Syntax, false), GivenUp).Value;
        }

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

        return cfg is null ? null : GetOrAnalyze(context.Compilation, cfg, symbols, context.CancellationToken);
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
        var root = new BodyAnalysis(cfg, symbols, captured: null, everyCall, cancellationToken);
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
            var analysis = new BodyAnalysis(body, symbols, captured, everyCall, cancellationToken);
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

    private static readonly HashSet<ISymbol> EmptyCaptured = new(SymbolEqualityComparer.Default);

    private static IEnumerable<ControlFlowGraph> NestedGraphs(ControlFlowGraph cfg, BodyAnalysis analysis, CancellationToken cancellationToken)
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

    /// <summary>The fixpoint over one graph.</summary>
    private sealed class BodyAnalysis
    {
        private static readonly Effect[] NoEffects = Array.Empty<Effect>();

        private readonly ControlFlowGraph cfg;
        private readonly HmmSymbols symbols;
        private readonly CancellationToken cancellationToken;
        private readonly bool everyCall;
        // The state on entry of each block (outside finally routes: by ordinal, no hashing) and of
        // each block reached along a route through finally regions.
        private readonly HmmFlowState?[] blockStates;
        private readonly bool[] blockQueued;
        private readonly Dictionary<Node, HmmFlowState> routedStates = new();
        private readonly Dictionary<CaptureId, AccessPath?> captures = new();
        private readonly Dictionary<ControlFlowBranch, Route> routes = new();
        private readonly Dictionary<CaptureId, ResultBinding> captureResults = new();
        private readonly Queue<Node> worklist = new();
        private readonly HashSet<Node> queued = new();

        // Each block is visited several times before the fixpoint and once more to record it:
        // what a visit needs (the operations that can change the state, in evaluation order, the
        // calls' classification, the operations' paths) is computed once.
        private readonly Effect[][] blockEffects;
        private readonly Effect[][] branchEffects;
        private readonly Dictionary<IInvocationOperation, HmmCall> calls = new();
        private readonly Dictionary<IOperation, AccessPath?> paths = new();
        private readonly List<IFlowAnonymousFunctionOperation> lambdas = new();
        // The locals and parameters that may hold the result of a registering call: reads and
        // assignments of any other variable change nothing and get no effect.
        private readonly HashSet<ISymbol> resultVariables = new(SymbolEqualityComparer.Default);
        private readonly List<ISimpleAssignmentOperation> assignments = new();
        private readonly List<IIsPatternOperation> patterns = new();
        // Refine reads switch captures in the state it refines: one delegate for the body, not one per branch.
        private readonly Func<IFlowCaptureReferenceOperation, ResultBinding?> capturedResultInRefine;
        private HmmFlowState refineState = HmmFlowState.Empty;
        private Dictionary<SyntaxNode, HmmFlowState>? recordStates;
        private List<(HmmFlowState State, Location Exit)>? recordExits;
        private HashSet<AccessPath>? recordUnregistered;

        public BodyAnalysis(ControlFlowGraph cfg, HmmSymbols symbols, HashSet<ISymbol>? captured, bool everyCall, CancellationToken cancellationToken)
        {
            this.cfg = cfg;
            this.everyCall = everyCall;
            capturedResultInRefine = capture => CapturedResult(capture, refineState);
            this.symbols = symbols;
            Captured = captured ?? EmptyCaptured;
            this.cancellationToken = cancellationToken;
            blockEffects = new Effect[cfg.Blocks.Length][];
            branchEffects = new Effect[cfg.Blocks.Length][];
            blockStates = new HmmFlowState?[cfg.Blocks.Length];
            blockQueued = new bool[cfg.Blocks.Length];
            if (cfg.Blocks.Length <= MaxBlocks)
            {
                Prepare();
            }
        }

        /// <summary>Locals and parameters a lambda or local function of the body uses: a range among them is shared.</summary>
        public HashSet<ISymbol> Captured { get; set; }

        /// <summary>The lambdas of this graph (not of nested ones): each has a graph of its own.</summary>
        public IReadOnlyList<IFlowAnonymousFunctionOperation> Lambdas => lambdas;

        public bool HasNestedFunctions => lambdas.Count > 0 || !cfg.LocalFunctions.IsEmpty;

        // One walk of every block: the effects in post-order (arguments before the call), the
        // captures, the lambdas.
        private void Prepare()
        {
            var flowCaptures = new List<IFlowCaptureOperation>();
            var walk = new Stack<(IOperation Operation, bool ChildrenDone)>();
            var effects = new List<IOperation>();
            var operations = new IOperation[cfg.Blocks.Length][];
            var branchOperations = new IOperation[cfg.Blocks.Length][];
            foreach (var block in cfg.Blocks)
            {
                foreach (var operation in block.Operations)
                {
                    Walk(operation, walk, effects, flowCaptures);
                }

                operations[block.Ordinal] = effects.ToArray();
                effects.Clear();
                if (block.BranchValue is { } branchValue)
                {
                    Walk(branchValue, walk, effects, flowCaptures);
                }

                branchOperations[block.Ordinal] = effects.ToArray();
                effects.Clear();
            }

            CollectCaptures(flowCaptures);
            CollectResultVariables();
            for (var i = 0; i < operations.Length; i++)
            {
                blockEffects[i] = ToEffects(operations[i]);
                branchEffects[i] = ToEffects(branchOperations[i]);
            }
        }

        private Effect[] ToEffects(IOperation[] operations)
        {
            if (operations.Length == 0)
            {
                return NoEffects;
            }

            List<Effect>? effects = null;
            foreach (var operation in operations)
            {
                if (CreateEffect(operation) is { } effect)
                {
                    (effects ??= new List<Effect>(operations.Length)).Add(effect);
                }
            }

            return effects?.ToArray() ?? NoEffects;
        }

        // Null for an operation that cannot change the state: the visits skip it.
        private Effect? CreateEffect(IOperation operation)
        {
            switch (operation)
            {
                case IInvocationOperation invocation:
                    var call = Call(invocation);
                    if (call.Kind == HmmCallKind.None)
                    {
                        return everyCall ? new Effect(operation, call) : null;
                    }

                    return call.Kind == HmmCallKind.Other
                        ? new Effect(operation, call)
                        : new Effect(
                            operation,
                            call,
                            mirror: Path(call.Mirror),
                            mm: Path(call.Mm),
                            range: Path(call.Range),
                            binding: call.HasRegistrationResult ? Binding(call) : null,
                            resultFollowed: call.HasRegistrationResult && ResultIsFollowed(invocation));
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation or IParameterReferenceOperation } assignment
                    when !symbols.IsMirror(assignment.Target.Type) && !symbols.IsRange(assignment.Target.Type)
                        && !resultVariables.Contains(VariableOf(assignment.Target)!):
                    // A variable no result reaches, neither mirror nor range: nothing to track.
                    return null;
                case ISimpleAssignmentOperation assignment:
                    return Path(assignment.Target) is { } target
                        && (symbols.IsMirror(target.Type) || symbols.IsRange(target.Type) || (target.IsVariable && resultVariables.Contains(target.Root)))
                        ? new Effect(operation, path: target)
                        : null;
                case ILocalReferenceOperation local:
                    return VariableEffect(local, local.Local);
                case IParameterReferenceOperation parameter:
                    return VariableEffect(parameter, parameter.Parameter);
                case IFieldReferenceOperation or IPropertyReferenceOperation:
                    return Escapes(operation) ? new Effect(operation, path: Path(operation), escapes: true) : null;
                default:
                    return new Effect(operation);
            }
        }

        // A read of a local or parameter: a range read may hand the range over; a read of a
        // variable a registration result can reach may take that result somewhere the analysis
        // does not follow. Any other read changes nothing.
        private Effect? VariableEffect(IOperation reference, ISymbol variable)
        {
            if (symbols.IsRange(reference.Type))
            {
                return new Effect(reference, path: AccessPath.ForVariable(variable), escapes: Escapes(reference), variable: variable);
            }

            return resultVariables.Contains(variable) ? new Effect(reference, variable: variable) : null;
        }

        private void Walk(IOperation root, Stack<(IOperation Operation, bool ChildrenDone)> walk, List<IOperation> effects, List<IFlowCaptureOperation> flowCaptures)
        {
            walk.Push((root, false));
            while (walk.Count > 0)
            {
                var (operation, childrenDone) = walk.Pop();
                if (!childrenDone)
                {
                    walk.Push((operation, true));
                    foreach (var child in operation.ChildOperations.Reverse())
                    {
                        walk.Push((child, false));
                    }

                    continue;
                }

                switch (operation)
                {
                    case IObjectCreationOperation when everyCall:
                        effects.Add(operation);
                        break;
                    case ISimpleAssignmentOperation assignment:
                        assignments.Add(assignment);
                        effects.Add(operation);
                        break;
                    case IIsPatternOperation isPattern:
                        patterns.Add(isPattern);
                        effects.Add(operation);
                        break;
                    case IInvocationOperation
                        or ILocalReferenceOperation or IParameterReferenceOperation:
                        effects.Add(operation);
                        break;
                    case IFieldReferenceOperation or IPropertyReferenceOperation when symbols.IsRange(operation.Type):
                        // Only a range held in a field or property can escape from here.
                        effects.Add(operation);
                        break;
                    case IFlowCaptureOperation capture:
                        flowCaptures.Add(capture);
                        break;
                    case IFlowAnonymousFunctionOperation lambda:
                        lambdas.Add(lambda);
                        break;
                }
            }
        }

        // The graph copies some values into captures (the resource of `using (mirror = ...)`):
        // a capture of a path stands for that path.
        private void CollectCaptures(List<IFlowCaptureOperation> flowCaptures)
        {
            foreach (var capture in flowCaptures)
            {
                if (AccessPath.Unwrap(capture.Value) is IInvocationOperation invocation
                    && Call(invocation) is { HasRegistrationResult: true } call)
                {
                    captureResults[capture.Id] = Binding(call);
                }

                var value = AccessPath.Unwrap(capture.Value);
                var path = AccessPath.TryCreate(value is ISimpleAssignmentOperation assignment ? assignment.Target : value);
                captures[capture.Id] = captures.TryGetValue(capture.Id, out var existing) && !Equals(existing, path) ? null : path;
            }

            // Paths read while the captures were still being collected may have missed one.
            paths.Clear();
        }

        // Only HMM calls are kept: classifying any other call is one type compare, cheaper than
        // hashing it.
        // The variables a result can reach: assigned a registering call, a captured value (a
        // switch or conditional may carry one), or another such variable; or declared by a
        // pattern on one. Iterated to a fixpoint, with a bound past which every target counts.
        private void CollectResultVariables()
        {
            for (var round = 0; ; round++)
            {
                var changed = false;
                foreach (var assignment in assignments)
                {
                    if (VariableOf(assignment.Target) is { } target && !resultVariables.Contains(target)
                        && (round >= MaxResultRounds || MayBeResult(assignment.Value)))
                    {
                        changed |= resultVariables.Add(target);
                    }
                }

                foreach (var isPattern in patterns)
                {
                    if (round >= MaxResultRounds || MayBeResult(isPattern.Value))
                    {
                        foreach (var declared in isPattern.Pattern.DescendantsAndSelf())
                        {
                            if (declared is IDeclarationPatternOperation { DeclaredSymbol: { } variable })
                            {
                                changed |= resultVariables.Add(variable);
                            }
                        }
                    }
                }

                if (!changed || round >= MaxResultRounds)
                {
                    return;
                }
            }
        }

        private ISymbol? VariableOf(IOperation target) => target switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => Path(target) is { IsVariable: true } path ? path.Root : null,
        };

        private bool MayBeResult(IOperation? value) => AccessPath.Unwrap(value) switch
        {
            IInvocationOperation invocation => Call(invocation).HasRegistrationResult,
            IFlowCaptureReferenceOperation => true,
            ILocalReferenceOperation local => resultVariables.Contains(local.Local),
            IParameterReferenceOperation parameter => resultVariables.Contains(parameter.Parameter),
            _ => false,
        };

        private HmmCall Call(IInvocationOperation invocation)
        {
            if (!calls.TryGetValue(invocation, out var call))
            {
                call = HmmCall.Classify(invocation, symbols);
                if (call.Kind != HmmCallKind.None)
                {
                    calls[invocation] = call;
                }
            }

            return call;
        }

        // switch (ret) and switch (HmmApi.RangeRegister(...)) compare a capture of the result.
        private ResultBinding? CapturedResult(IFlowCaptureReferenceOperation capture, HmmFlowState state)
        {
            if (captureResults.TryGetValue(capture.Id, out var binding))
            {
                return binding;
            }

            return Path(capture) is { IsVariable: true } path && state.Results.TryGetValue(path.Root, out var copied) ? copied : null;
        }

        private AccessPath? Path(IOperation? operation)
        {
            switch (operation)
            {
                case null:
                    return null;
                case ILocalReferenceOperation local:
                    // As cheap to make as to look up.
                    return AccessPath.ForVariable(local.Local);
                case IParameterReferenceOperation parameter:
                    return AccessPath.ForVariable(parameter.Parameter);
            }

            if (!paths.TryGetValue(operation, out var path))
            {
                path = AccessPath.Unwrap(operation) is IFlowCaptureReferenceOperation reference
                    ? (captures.TryGetValue(reference.Id, out var captured) ? captured : null)
                    : AccessPath.TryCreate(operation);
                paths[operation] = path;
            }

            return path;
        }

        /// <summary>Iterates to the fixpoint; false when the graph is too large or the cap is hit.</summary>
        public bool Run()
        {
            if (cfg.Blocks.Length > MaxBlocks)
            {
                return false;
            }

            var cap = 256 + (cfg.Blocks.Length * 48);
            Enqueue(new Node(0, null), HmmFlowState.Empty);
            var steps = 0;
            while (worklist.Count > 0)
            {
                if (++steps > cap)
                {
                    return false;
                }

                if ((steps & 63) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var node = worklist.Dequeue();
                if (node.Context is null)
                {
                    blockQueued[node.Block] = false;
                    Process(node, blockStates[node.Block]!);
                }
                else
                {
                    queued.Remove(node);
                    Process(node, routedStates[node]);
                }
            }

            return true;
        }

        /// <summary>Replays the fixpoint once, writing the state before each call and the leaking exits.</summary>
        public void Record(Dictionary<SyntaxNode, HmmFlowState> states, ImmutableArray<RangeLeak>.Builder leaks, HashSet<AccessPath> unregistered)
        {
            recordStates = states;
            recordUnregistered = unregistered;
            recordExits = new List<(HmmFlowState, Location)>();
            for (var block = 0; block < blockStates.Length; block++)
            {
                if (blockStates[block] is { } state)
                {
                    Process(new Node(block, null), state);
                }
            }

            foreach (var pair in routedStates.ToArray())
            {
                Process(pair.Key, pair.Value);
            }

            var seen = new HashSet<(SyntaxNode, Location)>();
            foreach (var (state, exit) in recordExits)
            {
                foreach (var range in state.Ranges)
                {
                    if (range.Value.MayLeak && range.Value.Registration is { } registration && seen.Add((registration, exit)))
                    {
                        leaks.Add(new RangeLeak(range.Key, registration, exit));
                    }
                }
            }

            recordStates = null;
            recordExits = null;
            recordUnregistered = null;
        }

        private void Enqueue(Node node, HmmFlowState state)
        {
            var existing = node.Context is null ? blockStates[node.Block] : routedStates.TryGetValue(node, out var routed) ? routed : null;
            if (existing is not null)
            {
                var joined = existing.Join(state);
                if (ReferenceEquals(joined, existing) || joined.Equals(existing))
                {
                    return;
                }

                state = joined;
            }

            if (node.Context is null)
            {
                blockStates[node.Block] = state;
                if (recordStates is null && !blockQueued[node.Block])
                {
                    blockQueued[node.Block] = true;
                    worklist.Enqueue(node);
                }
            }
            else
            {
                routedStates[node] = state;
                if (recordStates is null && queued.Add(node))
                {
                    worklist.Enqueue(node);
                }
            }
        }

        private void Process(Node node, HmmFlowState state)
        {
            var block = cfg.Blocks[node.Block];
            var entryState = state;
            state = Transfer(blockEffects[node.Block], state);
            if (block.BranchValue is { } branchValue)
            {
                state = Transfer(branchEffects[node.Block], state);
                if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return)
                {
                    state = ReturnedToCaller(branchValue, state);
                }
            }

            if (IsCaught(block))
            {
                FlowIntoHandlers(block, entryState.Join(state));
            }

            if (block.ConditionKind != ControlFlowConditionKind.None && block.BranchValue is not null && block.ConditionalSuccessor is { } conditional)
            {
                var whenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                Follow(conditional, Refine(state, block.BranchValue, whenTrue), node, block);
                if (block.FallThroughSuccessor is { } fallThrough)
                {
                    Follow(fallThrough, Refine(state, block.BranchValue, !whenTrue), node, block);
                }
            }
            else if (block.FallThroughSuccessor is { } fallThrough)
            {
                Follow(fallThrough, state, node, block);
            }
        }

        // A catch clause may start from any point of its try block.
        private void FlowIntoHandlers(BasicBlock block, HmmFlowState state)
        {
            for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion?.Kind != ControlFlowRegionKind.TryAndCatch)
                {
                    continue;
                }

                foreach (var handler in region.EnclosingRegion.NestedRegions)
                {
                    if (handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler)
                    {
                        Enqueue(new Node(handler.FirstBlockOrdinal, null), state);
                    }
                }
            }
        }

        private void Follow(ControlFlowBranch branch, HmmFlowState state, Node from, BasicBlock source)
        {
            switch (branch.Semantics)
            {
                case ControlFlowBranchSemantics.Throw:
                case ControlFlowBranchSemantics.Rethrow:
                    if (IsCaught(source))
                    {
                        return;
                    }

                    // The exception runs the finally regions around the throw on its way out.
                    var finallies = EnclosingFinallies(source);
                    if (finallies.IsEmpty)
                    {
                        Exit(state, source, branch);
                    }
                    else
                    {
                        Enqueue(new Node(finallies[0].FirstBlockOrdinal, RouteOf(branch, finallies, isThrow: true)), state);
                    }

                    return;
                case ControlFlowBranchSemantics.StructuredExceptionHandling:
                    LeaveFinally(state, source, from.Context);
                    return;
                case ControlFlowBranchSemantics.Error:
                case ControlFlowBranchSemantics.ProgramTermination:
                case ControlFlowBranchSemantics.None:
                    return;
            }

            // FinallyRegions allocates on first use: most branches leave no try/finally.
            if (MayLeaveTryFinally(source, branch.Destination) && !branch.FinallyRegions.IsEmpty)
            {
                Enqueue(new Node(branch.FinallyRegions[0].FirstBlockOrdinal, RouteOf(branch, branch.FinallyRegions, isThrow: false)), state);
                return;
            }

            GoTo(branch.Destination, state, InFinally(branch.Destination) ? from.Context : null, branch);
        }

        private Route RouteOf(ControlFlowBranch branch, ImmutableArray<ControlFlowRegion> finallies, bool isThrow)
        {
            if (!routes.TryGetValue(branch, out var route))
            {
                route = new Route(branch, finallies, isThrow);
                routes.Add(branch, route);
            }

            return route;
        }

        private static ImmutableArray<ControlFlowRegion> EnclosingFinallies(BasicBlock block)
        {
            var finallies = ImmutableArray.CreateBuilder<ControlFlowRegion>();
            for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndFinally } tryAndFinally)
                {
                    finallies.AddRange(tryAndFinally.NestedRegions.Where(r => r.Kind == ControlFlowRegionKind.Finally));
                }
            }

            return finallies.ToImmutable();
        }

        private void GoTo(BasicBlock? destination, HmmFlowState state, Route? context, ControlFlowBranch branch)
        {
            if (destination is null)
            {
                return;
            }

            if (destination.Kind == BasicBlockKind.Exit)
            {
                Exit(state, branch.Source, branch);
                return;
            }

            Enqueue(new Node(destination.Ordinal, context), state);
        }

        // The end of a finally region: on to the next finally the branch crosses, or its destination.
        private void LeaveFinally(HmmFlowState state, BasicBlock source, Route? context)
        {
            if (context is null)
            {
                return;
            }

            var region = source.EnclosingRegion;
            while (region is not null && region.Kind != ControlFlowRegionKind.Finally)
            {
                region = region.EnclosingRegion;
            }

            var index = region is null ? -1 : context.Finallies.IndexOf(region);
            if (index >= 0 && index + 1 < context.Finallies.Length)
            {
                Enqueue(new Node(context.Finallies[index + 1].FirstBlockOrdinal, context), state);
            }
            else if (context.IsThrow)
            {
                Exit(state, context.Branch.Source, context.Branch);
            }
            else
            {
                GoTo(context.Branch.Destination, state, null, context.Branch);
            }
        }

        private static bool InFinally(BasicBlock? block)
        {
            for (var region = block?.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Finally)
                {
                    return true;
                }
            }

            return false;
        }

        // Only a branch out of the innermost try (of a try/finally) around its source can run a finally.
        private static bool MayLeaveTryFinally(BasicBlock source, BasicBlock? destination)
        {
            for (var region = source.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion?.Kind == ControlFlowRegionKind.TryAndFinally)
                {
                    return destination is null || destination.Ordinal < region.FirstBlockOrdinal || destination.Ordinal > region.LastBlockOrdinal;
                }
            }

            return false;
        }

        private static bool IsCaught(BasicBlock block)
        {
            for (var region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion?.Kind == ControlFlowRegionKind.TryAndCatch)
                {
                    return true;
                }
            }

            return false;
        }

        private void Exit(HmmFlowState state, BasicBlock source, ControlFlowBranch branch)
        {
            if (recordExits is null || state.Ranges.IsEmpty)
            {
                return;
            }

            var location = ExitLocator.Locate(cfg, source, branch);
            if (location is not null)
            {
                recordExits.Add((state, location));
            }
        }

        private HmmFlowState Transfer(Effect[] effects, HmmFlowState state)
        {
            foreach (var effect in effects)
            {
                state = Apply(effect, state);
            }

            return state;
        }

        private HmmFlowState Apply(Effect effect, HmmFlowState state)
        {
            var operation = effect.Operation;
            switch (operation)
            {
                case IInvocationOperation invocation:
                    if (everyCall || effect.Call.Kind != HmmCallKind.None)
                    {
                        RecordBefore(invocation.Syntax, state);
                    }

                    state = ApplyCall(effect, state);
                    return effect.Binding is { } binding && !effect.ResultFollowed ? ApplyUnfollowedResult(binding, state) : state;
                case IIsPatternOperation isPattern:
                    return BindPatternVariables(isPattern, state);
                case IObjectCreationOperation creation:
                    RecordBefore(creation.Syntax, state);
                    return state;
                case ISimpleAssignmentOperation assignment:
                    return ApplyAssignment(assignment, effect.Path, state);
                case ILocalReferenceOperation or IParameterReferenceOperation:
                    state = effect.Escapes ? Escape(effect.Path, state) : state;
                    return !state.Results.IsEmpty && effect.Variable is { } variable && state.Results.TryGetValue(variable, out var held)
                        && !ResultIsFollowed(operation)
                        ? ApplyUnfollowedResult(held, state)
                        : state;
                case IFieldReferenceOperation or IPropertyReferenceOperation:
                    return effect.Escapes ? Escape(effect.Path, state) : state;
                default:
                    return state;
            }
        }

        private void RecordBefore(SyntaxNode node, HmmFlowState state)
        {
            if (recordStates is null)
            {
                return;
            }

            recordStates[node] = recordStates.TryGetValue(node, out var existing) ? existing.Join(state) : state;
        }

        private HmmFlowState ApplyCall(Effect effect, HmmFlowState state)
        {
            var call = effect.Call;
            switch (call.Kind)
            {
                case HmmCallKind.MirrorRegister when effect.Mirror is { } mirror:
                    return state.WithMirror(mirror, new MirrorValue(MirrorFacts.Live | MirrorFacts.MaybeFailed, call.Invocation.Syntax, null, effect.Mm));
                case HmmCallKind.MirrorUnregister when effect.Mirror is { } mirror:
                    return state.WithMirror(mirror, new MirrorValue(MirrorFacts.Unregistered, null, call.Invocation.Syntax, state.Mirror(mirror).Mm));
                case HmmCallKind.RangeRegister or HmmCallKind.LegacyRangeRegister or HmmCallKind.VmaFault or HmmCallKind.LegacyVmaFault
                    when effect.Range is { } range:
                    return state.WithRange(range, new RangeValue(RangeFacts.MaybeRegistered | EscapedBit(range, state), call.Invocation.Syntax));
                case HmmCallKind.RangeUnregister when effect.Range is { } range:
                    recordUnregistered?.Add(range);
                    return state.WithRange(range, new RangeValue(RangeFacts.NotRegistered | EscapedBit(range, state), null));
                default:
                    return state;
            }
        }

        private RangeFacts EscapedBit(AccessPath range, HmmFlowState state) =>
            Captured.Contains(range.Root) || (state.Range(range).Facts & RangeFacts.Escaped) != 0 ? RangeFacts.Escaped : 0;

        private HmmFlowState ApplyAssignment(ISimpleAssignmentOperation assignment, AccessPath? target, HmmFlowState state)
        {
            if (target is null)
            {
                return state;
            }

            var value = AccessPath.Unwrap(assignment.Value);
            var type = target.Type;
            if (symbols.IsMirror(type))
            {
                return state.WithMirror(target, AssignedMirror(value, state));
            }

            if (symbols.IsRange(type))
            {
                // A new object in the variable: what the old one owed is no longer visible here.
                return state.WithRange(target, RangeValue.Unregistered);
            }

            if (target.IsVariable)
            {
                return state.WithResult(target.Root, ResultOf(value, state));
            }

            return state;
        }

        // The registration a value stands for: the call itself, or a variable that holds its result.
        private ResultBinding? ResultOf(IOperation? value, HmmFlowState state)
        {
            switch (AccessPath.Unwrap(value))
            {
                case IInvocationOperation invocation when Call(invocation) is { HasRegistrationResult: true } call:
                    return Binding(call);
                case IFlowCaptureReferenceOperation capture:
                    return CapturedResult(capture, state);
                case { } other when Path(other) is { IsVariable: true } path:
                    return state.Results.TryGetValue(path.Root, out var binding) ? binding : null;
                default:
                    return null;
            }
        }

        // `ret is var error`, `HmmApi.MirrorRegister(m, mm) is int error and not 0`: the declared
        // variables hold the result.
        private HmmFlowState BindPatternVariables(IIsPatternOperation isPattern, HmmFlowState state)
        {
            if (ResultOf(isPattern.Value, state) is not { } binding)
            {
                return state;
            }

            var pending = new Stack<IPatternOperation>();
            pending.Push(isPattern.Pattern);
            while (pending.Count > 0)
            {
                switch (pending.Pop())
                {
                    case IDeclarationPatternOperation { DeclaredSymbol: { } variable }:
                        state = state.WithResult(variable, binding);
                        break;
                    case IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both:
                        pending.Push(both.LeftPattern);
                        pending.Push(both.RightPattern);
                        break;
                }
            }

            return state;
        }

        // Where the result of a registering call goes. The analysis reads it in a local or a
        // parameter, a comparison or a pattern it branches on, a switch, a return, or a discarded
        // statement. Anywhere else (a field, a property, an argument, a bool) a later branch on it
        // cannot be read: what the call registered is unknown from here on, and the rules stay silent.
        private static HmmFlowState ApplyUnfollowedResult(ResultBinding binding, HmmFlowState state)
        {
            if (binding.Range is { } range && state.Range(range) is { } rangeValue
                && (rangeValue.Facts & RangeFacts.MaybeRegistered) != 0 && rangeValue.Registration == binding.Call)
            {
                state = state.WithRange(range, new RangeValue(RangeFacts.Unknown | (rangeValue.Facts & RangeFacts.Escaped), null));
            }

            if (binding.Mirror is { } mirror && state.Mirror(mirror) is { } mirrorValue
                && (mirrorValue.Facts & MirrorFacts.MaybeFailed) != 0 && mirrorValue.Registration == binding.Call)
            {
                state = state.WithMirror(mirror, new MirrorValue(MirrorFacts.Live, null, null, mirrorValue.Mm));
            }

            return state;
        }

        private static bool ResultIsFollowed(IOperation value)
        {
            var child = value;
            var parent = value.Parent;
            while (parent is IConversionOperation or IParenthesizedOperation)
            {
                child = parent;
                parent = parent.Parent;
            }

            switch (parent)
            {
                case null:
                case IExpressionStatementOperation:
                case IReturnOperation:
                case IFlowCaptureOperation:
                    return true;
                case ISimpleAssignmentOperation assignment when assignment.Target == child:
                    return true;
                case ISimpleAssignmentOperation assignment:
                    return AccessPath.TryCreate(assignment.Target) is { IsVariable: true };
                case IIsPatternOperation isPattern when DeclaresVariable(isPattern.Pattern):
                    return true;
                case IIsPatternOperation or IBinaryOperation:
                    return IsBranchedOn(parent) && ResultCheck.CanRead(parent);
                default:
                    return false;
            }
        }

        // A condition the graph branches on directly (through `!`): Refine reads it.
        private static bool IsBranchedOn(IOperation condition)
        {
            var parent = condition.Parent;
            while (parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } or IParenthesizedOperation)
            {
                parent = parent.Parent;
            }

            return parent is null;
        }

        private static bool DeclaresVariable(IPatternOperation pattern) => pattern switch
        {
            IDeclarationPatternOperation { DeclaredSymbol: not null } => true,
            IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both => DeclaresVariable(both.LeftPattern) || DeclaresVariable(both.RightPattern),
            _ => false,
        };

        private MirrorValue AssignedMirror(IOperation? value, HmmFlowState state)
        {
            if (value is IInvocationOperation invocation)
            {
                var call = Call(invocation);
                return call.Kind == HmmCallKind.MirrorCreateRegistered
                    ? new MirrorValue(MirrorFacts.Live, null, null, Path(call.Mm))
                    : MirrorValue.Assumed;
            }

            if (value is IObjectCreationOperation || value?.ConstantValue is { HasValue: true, Value: null })
            {
                return new MirrorValue(MirrorFacts.NotRegistered, null, null, null);
            }

            return Path(value) is { } source ? state.Mirror(source) : MirrorValue.Assumed;
        }

        private ResultBinding Binding(HmmCall call) =>
            new(call.Invocation.Syntax,
                call.Kind == HmmCallKind.MirrorRegister ? Path(call.Mirror) : null,
                call.RegistersRange ? Path(call.Range) : null);

        // Is this reference (a whole path, not the instance of a longer one) used in a way that
        // hands the object to someone else?
        private bool Escapes(IOperation reference)
        {
            if (!symbols.IsRange(reference.Type))
            {
                return false;
            }

            var parent = reference.Parent;
            var child = reference;
            while (parent is IConversionOperation)
            {
                child = parent;
                parent = parent.Parent;
            }

            switch (parent)
            {
                case null:
                case IMemberReferenceOperation:
                case ISimpleAssignmentOperation assignment when assignment.Target == child:
                    return false;
                case IArgumentOperation { Parent: IInvocationOperation invocation }:
                    return Call(invocation).Kind == HmmCallKind.None;
                default:
                    return true;
            }
        }

        // `return range;` hands the range over; so does `return HmmApi.RangeRegister(range, ...)`
        // for a range the caller gave us: the caller learns the outcome and owns the range.
        private HmmFlowState ReturnedToCaller(IOperation value, HmmFlowState state)
        {
            value = AccessPath.Unwrap(value)!;
            if (symbols.IsRange(value.Type))
            {
                return Escape(Path(value), state);
            }

            if (value is IInvocationOperation invocation && Call(invocation) is { RegistersRange: true } call
                && Path(call.Range) is { IsLocal: false } range)
            {
                return state.WithRange(range, RangeValue.Escaped);
            }

            return state;
        }

        private static HmmFlowState Escape(AccessPath? range, HmmFlowState state) =>
            range is null ? state : state.WithRange(range, RangeValue.Escaped);

        private HmmFlowState Refine(HmmFlowState state, IOperation condition, bool outcome)
        {
            refineState = state;
            var resultCheck = ResultCheck.TryCreate(condition, outcome, state, symbols, capturedResultInRefine);
            if (resultCheck is not { } check)
            {
                return state;
            }

            var binding = check.Binding;
            if (binding.Mirror is { } mirror)
            {
                var value = state.Mirror(mirror);
                if ((value.Facts & MirrorFacts.MaybeFailed) != 0 && value.Registration == binding.Call)
                {
                    if (!check.SuccessPossible && check.FailurePossible)
                    {
                        state = state.WithMirror(mirror, new MirrorValue(MirrorFacts.NotRegistered, null, null, null));
                    }
                    else if (check.SuccessPossible && !check.FailurePossible)
                    {
                        state = state.WithMirror(mirror, new MirrorValue(MirrorFacts.Live, null, null, value.Mm));
                    }
                }
            }

            if (binding.Range is { } range)
            {
                var value = state.Range(range);
                if ((value.Facts & RangeFacts.MaybeRegistered) != 0 && value.Registration == binding.Call)
                {
                    var escaped = value.Facts & RangeFacts.Escaped;
                    if (!check.SuccessPossible && check.FailurePossible)
                    {
                        state = state.WithRange(range, new RangeValue(RangeFacts.NotRegistered | escaped, null));
                    }
                    else if (check.SuccessPossible && !check.FailurePossible)
                    {
                        state = state.WithRange(range, new RangeValue(RangeFacts.Registered | escaped, value.Registration));
                    }
                }
            }

            return state;
        }
    }

    /// <summary>
    /// An operation that can change the state, with what its every visit needs: the call's kind,
    /// the paths of its mirror, mm and range, the path of the reference or assignment target.
    /// </summary>
    private sealed class Effect
    {
        public Effect(
            IOperation operation,
            HmmCall call = default,
            AccessPath? path = null,
            bool escapes = false,
            AccessPath? mirror = null,
            AccessPath? mm = null,
            AccessPath? range = null,
            ResultBinding? binding = null,
            bool resultFollowed = false,
            ISymbol? variable = null)
        {
            Operation = operation;
            Variable = variable;
            Call = call;
            Path = path;
            Escapes = escapes;
            Mirror = mirror;
            Mm = mm;
            Range = range;
            Binding = binding;
            ResultFollowed = resultFollowed;
        }

        public IOperation Operation { get; }

        public HmmCall Call { get; }

        /// <summary>The reference's path, or the assignment's target.</summary>
        public AccessPath? Path { get; }

        /// <summary>The local or parameter a reference reads.</summary>
        public ISymbol? Variable { get; }

        /// <summary>A range reference that hands the range to someone else.</summary>
        public bool Escapes { get; }

        public AccessPath? Mirror { get; }

        public AccessPath? Mm { get; }

        public AccessPath? Range { get; }

        /// <summary>What the call's int result says, for a registering call.</summary>
        public ResultBinding? Binding { get; }

        /// <summary>The result goes where the analysis reads it (a variable, a branch, a return).</summary>
        public bool ResultFollowed { get; }
    }

    /// <summary>How a path crosses finally regions: the branch (or throw) and the regions it runs, in order.</summary>
    private sealed class Route
    {
        public Route(ControlFlowBranch branch, ImmutableArray<ControlFlowRegion> finallies, bool isThrow)
        {
            Branch = branch;
            Finallies = finallies;
            IsThrow = isThrow;
        }

        public ControlFlowBranch Branch { get; }

        public ImmutableArray<ControlFlowRegion> Finallies { get; }

        public bool IsThrow { get; }
    }

    private readonly struct Node : IEquatable<Node>
    {
        public Node(int block, Route? context)
        {
            Block = block;
            Context = context;
        }

        public int Block { get; }

        /// <summary>Inside a finally region: the branch that entered it, so each path leaves it the way it came.</summary>
        public Route? Context { get; }

        public bool Equals(Node other) => other.Block == Block && ReferenceEquals(other.Context, Context);

        public override bool Equals(object? obj) => obj is Node other && Equals(other);

        public override int GetHashCode() => Block * 397 ^ (Context is null ? 0 : RuntimeHelpers.GetHashCode(Context));
    }
}
