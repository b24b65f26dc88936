using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>The fixpoint over one graph.</summary>
internal sealed class GraphBodyAnalysis : FlowTransfer
{
    private readonly ControlFlowGraph cfg;
    // The state on entry of each block (outside finally routes: by ordinal, no hashing) and of
    // each block reached along a route through finally regions.
    private readonly HmmFlowState?[] blockStates;
    private readonly Dictionary<Node, HmmFlowState> routedStates = new();
    private readonly Dictionary<(ControlFlowBranch Branch, Route? Outer), Route> routes = new();
    private readonly Dictionary<(ControlFlowRegion First, ControlFlowRegion Catch, Route? Outer), Route> catchRoutes = new();
    // Blocks to visit, the lowest ordinal first (a block's predecessors come before it but for
    // back edges): a join is visited once its paths have arrived, not once per path. The states
    // then do not depend on the order the paths arrive in, which the walk over the operation tree
    // does not follow. A routed block is keyed by its route's number.
    private readonly SortedSet<(int Block, int Route)> worklist = new();
    private readonly List<Route> routeList = new();

    // Each block is visited several times before the fixpoint and once more to record it:
    // what a visit needs (the operations that can change the state, in evaluation order, the
    // calls' classification, the operations' paths) is computed once.
    private readonly FlowEffect[][] blockEffects;
    private readonly FlowEffect[][] branchEffects;
    // For a block inside a try with a catch: at each count of its effects (block then branch)
    // applied, whether an operation that may throw runs there. The handler starts from those
    // states only: a path that throws nowhere between a registration and `registered = true`
    // does not reach the catch in between.
    private readonly bool[]?[] throwPoints;
    private readonly List<IFlowAnonymousFunctionOperation> lambdas = new();
    private List<(HmmFlowState State, Location Exit)>? recordExits;

    public GraphBodyAnalysis(ControlFlowGraph cfg, HmmSymbols symbols, HashSet<ISymbol>? captured, bool everyCall, CancellationToken cancellationToken)
        : base(symbols, captured, everyCall, cancellationToken)
    {
        this.cfg = cfg;
        blockEffects = new FlowEffect[cfg.Blocks.Length][];
        branchEffects = new FlowEffect[cfg.Blocks.Length][];
        throwPoints = new bool[]?[cfg.Blocks.Length];
        blockStates = new HmmFlowState?[cfg.Blocks.Length];
        if (cfg.Blocks.Length <= HmmFlowAnalysis.MaxBlocks)
        {
            Prepare();
        }
    }

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
        var order = new List<IOperation>();
        var operations = new IOperation[cfg.Blocks.Length][];
        var branchOperations = new IOperation[cfg.Blocks.Length][];
        foreach (var block in cfg.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                Walk(operation, walk, order, effects, flowCaptures);
            }

            operations[block.Ordinal] = effects.ToArray();
            effects.Clear();
            if (block.BranchValue is { } branchValue)
            {
                Walk(branchValue, walk, order, effects, flowCaptures);
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
            NoteRangeRegistrations(blockEffects[i]);
            NoteRangeRegistrations(branchEffects[i]);
            if (IsCaught(cfg.Blocks[i]))
            {
                throwPoints[i] = ThrowPoints(cfg.Blocks[i], walk, order);
            }
        }
    }

    private bool[] ThrowPoints(BasicBlock block, Stack<(IOperation Operation, bool ChildrenDone)> walk, List<IOperation> order)
    {
        var (effects, branch) = (blockEffects[block.Ordinal], branchEffects[block.Ordinal]);
        var points = new bool[effects.Length + branch.Length + 1];
        var applied = 0;
        foreach (var root in block.BranchValue is { } value ? block.Operations.Add(value) : block.Operations)
        {
            order.Clear();
            AppendPostOrder(root, walk, order);
            foreach (var operation in order)
            {
                points[applied] |= MayThrow(operation);
                if (applied < points.Length - 1 && (applied < effects.Length ? effects[applied] : branch[applied - effects.Length]).Operation == operation)
                {
                    applied++;
                }
            }
        }

        order.Clear();
        return points;
    }

    // Whether evaluating the operation itself (its operands evaluated before it) may throw.
    // Conservative: only what cannot throw is named.
    private bool MayThrow(IOperation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.Literal:
            case OperationKind.LocalReference:
            case OperationKind.ParameterReference:
            case OperationKind.InstanceReference:
            case OperationKind.FlowCapture:
            case OperationKind.FlowCaptureReference:
            case OperationKind.DefaultValue:
            case OperationKind.Discard:
            case OperationKind.Parenthesized:
            case OperationKind.Empty:
            case OperationKind.Labeled:
            case OperationKind.ExpressionStatement:
            case OperationKind.Argument:
            case OperationKind.IsNull:
            case OperationKind.CaughtException:
            case OperationKind.ConstantPattern:
            case OperationKind.RelationalPattern:
            case OperationKind.DiscardPattern:
            case OperationKind.DeclarationPattern:
            case OperationKind.TypePattern:
            case OperationKind.NegatedPattern:
            case OperationKind.BinaryPattern:
            case OperationKind.IsPattern:
            case OperationKind.IsType:
                return false;
            case OperationKind.SimpleAssignment:
                return ((ISimpleAssignmentOperation)operation).Target.Kind is not (OperationKind.LocalReference or OperationKind.ParameterReference);
            case OperationKind.Invocation:
                // A release throws only for a programming error (a null range, a mirror that is
                // not registered): no outcome a catch is written for.
                return Call((IInvocationOperation)operation).Kind is not (HmmCallKind.RangeUnregister or HmmCallKind.MirrorUnregister);
            case OperationKind.FieldReference:
                return ((IFieldReferenceOperation)operation).Instance is not (null or IInstanceReferenceOperation);
            case OperationKind.Conversion:
                var conversion = (IConversionOperation)operation;
                return !conversion.Conversion.IsImplicit || conversion.Conversion.IsUserDefined;
            case OperationKind.Unary:
                var unary = (IUnaryOperation)operation;
                return unary.OperatorMethod is not null || unary.IsChecked;
            case OperationKind.Binary:
                var binary = (IBinaryOperation)operation;
                return binary.OperatorMethod is not null || binary.IsChecked
                    || binary.OperatorKind is BinaryOperatorKind.Divide or BinaryOperatorKind.Remainder or BinaryOperatorKind.IntegerDivide;
            default:
                return true;
        }
    }

    private void NoteRangeRegistrations(FlowEffect[] effects)
    {
        foreach (var effect in effects)
        {
            if (effect.Call.RegistersRange && effect.Range is { } range)
            {
                NoteRangeRegistration(range, effect.Operation.Syntax);
            }
        }
    }

    private void Walk(IOperation root, Stack<(IOperation Operation, bool ChildrenDone)> walk, List<IOperation> order, List<IOperation> effects, List<IFlowCaptureOperation> flowCaptures)
    {
        order.Clear();
        AppendPostOrder(root, walk, order);
        foreach (var operation in order)
        {
            // By kind: every operation of the graph is asked.
            switch (operation.Kind)
            {
                case OperationKind.FlowCapture:
                    // Both a value the graph copies and, per path, a result it may stand for.
                    flowCaptures.Add((IFlowCaptureOperation)operation);
                    effects.Add(operation);
                    break;
                case var _ when IsEffectCandidate(operation):
                    NoteResultTarget(operation);
                    effects.Add(operation);
                    break;
                case OperationKind.FlowAnonymousFunction:
                    lambdas.Add((IFlowAnonymousFunctionOperation)operation);
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
            // `m ??= ...` captures the location of m, then its value from that capture.
            var path = value is IFlowCaptureReferenceOperation copied
                ? (captures.TryGetValue(copied.Id, out var copiedPath) ? copiedPath : null)
                : AccessPath.TryCreate(value is ISimpleAssignmentOperation assignment ? assignment.Target : value);
            captures[capture.Id] = captures.TryGetValue(capture.Id, out var existing) && !Equals(existing, path) ? null : path;
        }
    }


    /// <summary>Iterates to the fixpoint; false when the graph is too large or the cap is hit.</summary>
    public bool Run()
    {
        if (cfg.Blocks.Length > HmmFlowAnalysis.MaxBlocks)
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

            var next = worklist.Min;
            worklist.Remove(next);
            if (next.Route < 0)
            {
                Process(new Node(next.Block, null), blockStates[next.Block]!);
            }
            else
            {
                var node = new Node(next.Block, routeList[next.Route]);
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

        CollectLeaks(recordExits, leaks, cfg.OriginalOperation.SemanticModel);

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
            if (recordStates is null)
            {
                worklist.Add((node.Block, -1));
            }
        }
        else
        {
            routedStates[node] = state;
            if (recordStates is null)
            {
                worklist.Add((node.Block, node.Context.Number));
            }
        }
    }

    private void Process(Node node, HmmFlowState state)
    {
        var block = cfg.Blocks[node.Block];
        var points = throwPoints[node.Block];
        HmmFlowState? caught = null;
        state = points is null ? Transfer(blockEffects[node.Block], state) : TransferCaught(blockEffects[node.Block], state, points, 0, ref caught);
        if (block.BranchValue is { } branchValue)
        {
            state = points is null ? Transfer(branchEffects[node.Block], state) : TransferCaught(branchEffects[node.Block], state, points, blockEffects[node.Block].Length, ref caught);
            if (block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return)
            {
                state = ReturnedToCaller(branchValue, state);
            }
        }

        if (points is not null)
        {
            // The throw itself is a way into the catch, whatever its operand.
            if (points[points.Length - 1] || block.FallThroughSuccessor?.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
            {
                caught = caught is null ? state : caught.Join(state);
            }

            if (caught is not null)
            {
                FlowIntoHandlers(block, caught, node.Context);
            }
        }

        if (block.ConditionKind != ControlFlowConditionKind.None && block.BranchValue is not null && block.ConditionalSuccessor is { } conditional)
        {
            var whenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            if (!CannotBe(block.BranchValue, whenTrue) && Refine(state, block.BranchValue, whenTrue) is { } taken)
            {
                Follow(conditional, taken, node, block);
            }

            if (block.FallThroughSuccessor is { } fallThrough && !CannotBe(block.BranchValue, !whenTrue) && Refine(state, block.BranchValue, !whenTrue) is { } notTaken)
            {
                Follow(fallThrough, notTaken, node, block);
            }
        }
        else if (block.FallThroughSuccessor is { } fallThrough)
        {
            Follow(fallThrough, state, node, block);
        }
    }

    // The effects of a block inside a try with a catch, each state where something may throw
    // joined into `caught`.
    private HmmFlowState TransferCaught(FlowEffect[] effects, HmmFlowState state, bool[] points, int offset, ref HmmFlowState? caught)
    {
        for (var i = 0; i < effects.Length; i++)
        {
            if (points[offset + i])
            {
                caught = caught is null ? state : caught.Join(state);
            }

            state = Apply(effects[i], state);
        }

        return state;
    }

    // A catch clause may start from any point of its try block where something may throw, after
    // the finally regions between that point and the catch have run.
    private void FlowIntoHandlers(BasicBlock block, HmmFlowState state, Route? context)
    {
        var finallies = ImmutableArray.CreateBuilder<ControlFlowRegion>();
        for (var region = block.EnclosingRegion; region is not null; region = Outer(region))
        {
            if (region.Kind != ControlFlowRegionKind.Try)
            {
                continue;
            }

            if (region.EnclosingRegion?.Kind == ControlFlowRegionKind.TryAndFinally)
            {
                finallies.AddRange(region.EnclosingRegion.NestedRegions.Where(r => r.Kind == ControlFlowRegionKind.Finally));
                continue;
            }

            if (region.EnclosingRegion?.Kind != ControlFlowRegionKind.TryAndCatch)
            {
                continue;
            }

            var outer = RouteRunning(region.EnclosingRegion, context);
            if (finallies.Count == 0)
            {
                EnterHandlers(region.EnclosingRegion, state, outer);
            }
            else
            {
                Enqueue(new Node(finallies[0].FirstBlockOrdinal, CatchRouteOf(finallies.ToImmutable(), region.EnclosingRegion, outer)), state);
            }
        }
    }

    // A catch inside a finally is left the way that finally was entered: the route, among the
    // block's and those it resumes, that runs the finally around the catch.
    private Route? RouteRunning(ControlFlowRegion region, Route? context)
    {
        var @finally = Outer(region);
        while (@finally is not null && @finally.Kind != ControlFlowRegionKind.Finally)
        {
            @finally = Outer(@finally);
        }

        if (@finally is null)
        {
            return null;
        }

        for (var route = context; route is not null; route = route.Outer)
        {
            if (route.Finallies.Contains(@finally))
            {
                return route;
            }
        }

        return null;
    }

    private void EnterHandlers(ControlFlowRegion tryAndCatch, HmmFlowState state, Route? context)
    {
        foreach (var handler in tryAndCatch.NestedRegions)
        {
            if (handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler)
            {
                Enqueue(new Node(handler.FirstBlockOrdinal, context), state);
            }
        }
    }

    private Route CatchRouteOf(ImmutableArray<ControlFlowRegion> finallies, ControlFlowRegion tryAndCatch, Route? outer)
    {
        if (!catchRoutes.TryGetValue((finallies[0], tryAndCatch, outer), out var route))
        {
            route = new Route(branch: null, finallies, isThrow: true, outer, routeList.Count, tryAndCatch);
            routeList.Add(route);
            catchRoutes.Add((finallies[0], tryAndCatch, outer), route);
        }

        return route;
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
                    Enqueue(new Node(finallies[0].FirstBlockOrdinal, RouteOf(branch, finallies, isThrow: true, outer: null)), state);
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
            // Inside a finally already (a lock in a finally), the route resumes the outer one after.
            Enqueue(new Node(branch.FinallyRegions[0].FirstBlockOrdinal, RouteOf(branch, branch.FinallyRegions, isThrow: false, outer: from.Context)), state);
            return;
        }

        GoTo(branch.Destination, state, InFinally(branch.Destination) ? from.Context : null, branch);
    }

    private Route RouteOf(ControlFlowBranch branch, ImmutableArray<ControlFlowRegion> finallies, bool isThrow, Route? outer)
    {
        if (!routes.TryGetValue((branch, outer), out var route))
        {
            route = new Route(branch, finallies, isThrow, outer, routeList.Count);
            routeList.Add(route);
            routes.Add((branch, outer), route);
        }

        return route;
    }

    private ImmutableArray<ControlFlowRegion> EnclosingFinallies(BasicBlock block)
    {
        var finallies = ImmutableArray.CreateBuilder<ControlFlowRegion>();
        for (var region = block.EnclosingRegion; region is not null; region = Outer(region))
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
            region = Outer(region);
        }

        var index = region is null ? -1 : context.Finallies.IndexOf(region);
        if (index >= 0 && index + 1 < context.Finallies.Length)
        {
            Enqueue(new Node(context.Finallies[index + 1].FirstBlockOrdinal, context), state);
        }
        else if (context.Catch is { } tryAndCatch)
        {
            EnterHandlers(tryAndCatch, state, context.Outer);
        }
        else if (context.IsThrow)
        {
            Exit(state, context.Branch!.Source, context.Branch);
        }
        else
        {
            // C# cannot jump out of a finally: a destination in one is in the finally the outer route runs.
            GoTo(context.Branch!.Destination, state, InFinally(context.Branch.Destination) ? context.Outer : null, context.Branch);
        }
    }

    private bool InFinally(BasicBlock? block)
    {
        for (var region = block?.EnclosingRegion; region is not null; region = Outer(region))
        {
            if (region.Kind == ControlFlowRegionKind.Finally)
            {
                return true;
            }
        }

        return false;
    }

    // Only a branch out of the innermost try (of a try/finally) around its source can run a finally.
    private bool MayLeaveTryFinally(BasicBlock source, BasicBlock? destination)
    {
        for (var region = source.EnclosingRegion; region is not null; region = Outer(region))
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion?.Kind == ControlFlowRegionKind.TryAndFinally)
            {
                return destination is null || destination.Ordinal < region.FirstBlockOrdinal || destination.Ordinal > region.LastBlockOrdinal;
            }
        }

        return false;
    }

    // The graph of a lambda or local function has its root inside the regions of the body
    // around it, whose blocks are another graph's: the walks up stop at this graph's root.
    private ControlFlowRegion? Outer(ControlFlowRegion region) =>
        region == cfg.Root ? null : region.EnclosingRegion;

    private bool IsCaught(BasicBlock block)
    {
        for (var region = block.EnclosingRegion; region is not null; region = Outer(region))
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

    /// <summary>How a path crosses finally regions: the branch (or throw) and the regions it runs, in order.</summary>
    private sealed class Route
    {
        public Route(ControlFlowBranch? branch, ImmutableArray<ControlFlowRegion> finallies, bool isThrow, Route? outer, int number, ControlFlowRegion? @catch = null)
        {
            Number = number;
            Branch = branch;
            Finallies = finallies;
            IsThrow = isThrow;
            Outer = outer;
            Catch = @catch;
        }

        /// <summary>For an exception a catch takes after the finally regions: its try/catch region.</summary>
        public ControlFlowRegion? Catch { get; }

        /// <summary>Its place among the body's routes, in the order they were made.</summary>
        public int Number { get; }

        /// <summary>The route of the finally region the branch was taken in, resumed at its destination.</summary>
        public Route? Outer { get; }

        /// <summary>Null for a route into a catch (from any point that may throw).</summary>
        public ControlFlowBranch? Branch { get; }

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
