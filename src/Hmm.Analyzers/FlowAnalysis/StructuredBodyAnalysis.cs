using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// The dataflow of <see cref="GraphBodyAnalysis"/>, walked over the operation tree of a body
/// instead of its control flow graph. Building Roslyn's graph costs more than the whole HMM
/// analysis, and driver code seldom needs it: blocks, if, while, do, for, foreach, switch, break,
/// continue, goto to a label of an enclosing block, return, throw, lock, try/finally and using are
/// walked here with the same transfer functions, in the same evaluation order, with states joined
/// where the graph joins them; so is a <c>?:</c> or switch expression that is the whole value of a
/// declarator, an assignment to a variable or a return. Loops and labels are walked again until
/// their states settle, then once more to record; a body without them is walked once. Each lambda
/// and local function is a body of its own, walked from the empty state as the graph walk takes its
/// graph. A body with anything else (catch, yield, <c>goto case</c>, or <c>?.</c>, <c>??</c>,
/// <c>?:</c> and initializers elsewhere in a statement where the state can change), in itself or
/// in one of its functions, is left to the graph: <see cref="TryAnalyze"/> returns false.
/// </summary>
internal sealed class StructuredBodyAnalysis : FlowTransfer
{
    // Statement visits over all passes, per operation of the body (nested loops are walked again
    // until their states settle): past this the graph takes over, with bounds of its own.
    private const int StepsPerOperation = 16;
    private const int MinSteps = 20_000;

    private readonly IOperation root;
    // The method, lambda or local function whose body `root` is: where the end of the body is.
    private readonly SyntaxNode owner;
    private List<IOperation>? nestedFunctions;
    // The effects of each expression the walk evaluates, by where its syntax starts: an int hashes
    // for free, where the first hash of each of the driver's operation objects is not.
    private Dictionary<int, (IOperation Expression, FlowEffect[] Effects)>? effects;
    // Made only for a body with loops or labels, the only bodies that jump.
    private JumpTargets? targets;
    private Dictionary<RouteKey, JumpTargets>? routeTargets;
    // The way out of a try whose finally is being walked (null outside finally blocks).
    private RouteKey? route;
    private readonly List<Handler> handlers = new();
    // The `?:` and switch expressions walked arm by arm, by the statement whose value each is.
    private Dictionary<IOperation, IOperation>? choices;
    private List<(HmmFlowState State, Location Exit)>? recordExits;
    // Loops or labels: the states at their heads are found by walking them again, before the
    // walk that records. Without them one walk is enough.
    private bool hasBackEdges;
    private bool recording;
    private bool unsupported;
    private int steps;
    private int maxSteps = MinSteps;

    private StructuredBodyAnalysis(IOperation root, SyntaxNode owner, HmmSymbols symbols, bool everyCall, CancellationToken cancellationToken)
        : base(symbols, captured: null, everyCall, cancellationToken)
    {
        this.root = root;
        this.owner = owner;
    }

    // A finally block is walked once for each way out of its try, and the graph keeps each way's
    // states apart (a route per branch): the loops and labels inside it have states per route.
    private JumpTargets Targets => route is null ? targets ??= new JumpTargets() : RouteTargets(route);

    private JumpTargets RouteTargets(RouteKey key)
    {
        routeTargets ??= new Dictionary<RouteKey, JumpTargets>();
        if (!routeTargets.TryGetValue(key, out var found))
        {
            routeTargets[key] = found = new JumpTargets();
        }

        return found;
    }

    /// <summary>
    /// Analyses a method or constructor body without a graph, and each lambda and local function
    /// in it as a body of its own, as the graph walk does. False when a body has a shape this walk
    /// leaves to the graph, or when the walk passes its bound: the graph takes over then.
    /// </summary>
    public static bool TryAnalyze(IOperation root, HmmSymbols symbols, bool everyCall, CancellationToken cancellationToken, out HmmFlowResult? result)
    {
        result = null;
        if (root is not (IMethodBodyOperation or IConstructorBodyOperation))
        {
            return false;
        }

        var analysis = new StructuredBodyAnalysis(root, root.Syntax, symbols, everyCall, cancellationToken);
        if (!analysis.Prepare())
        {
            return false;
        }

        var states = new Dictionary<SyntaxNode, HmmFlowState>();
        var leaks = ImmutableArray.CreateBuilder<RangeLeak>();
        var unregistered = new HashSet<AccessPath>();
        if (analysis.nestedFunctions is null)
        {
            if (!analysis.Walk(states, leaks, unregistered))
            {
                return false;
            }
        }
        else
        {
            // A range a lambda or local function uses is shared with code that may run later.
            var captured = HmmFlowAnalysis.CapturedSymbols(root, symbols);
            analysis.Captured = captured;
            if (!analysis.Walk(states, leaks, unregistered))
            {
                return false;
            }

            // Each from the empty state, as the graph walk takes each function's own graph.
            var pending = new Queue<IOperation>(analysis.nestedFunctions);
            for (var analyzed = 1; pending.Count > 0; analyzed++)
            {
                var function = pending.Dequeue();
                var body = function switch
                {
                    IAnonymousFunctionOperation lambda => lambda.Body,
                    ILocalFunctionOperation { IgnoredBody: null } local => local.Body,
                    _ => null,
                };
                if (analyzed >= HmmFlowAnalysis.MaxNestedBodies || body is null)
                {
                    return false;
                }

                var nested = new StructuredBodyAnalysis(body, function.Syntax, symbols, everyCall, cancellationToken) { Captured = captured };
                if (!nested.Prepare() || !nested.Walk(states, leaks, unregistered))
                {
                    return false;
                }

                foreach (var inner in nested.nestedFunctions ?? Enumerable.Empty<IOperation>())
                {
                    pending.Enqueue(inner);
                }
            }
        }

        result = new HmmFlowResult(states, leaks.ToImmutable(), unregistered.ToImmutableHashSet());
        return true;
    }

    // The walks of one body after its preparation: until loops and labels settle, then once to record.
    private bool Walk(Dictionary<SyntaxNode, HmmFlowState> states, ImmutableArray<RangeLeak>.Builder leaks, HashSet<AccessPath> unregistered)
    {
        if (hasBackEdges)
        {
            RunBody();
            if (unsupported)
            {
                return false;
            }
        }

        recording = true;
        recordStates = states;
        recordUnregistered = unregistered;
        recordExits = new List<(HmmFlowState, Location)>();
        RunBody();
        if (unsupported)
        {
            return false;
        }

        CollectLeaks(recordExits, leaks, root.SemanticModel);

        return true;
    }

    // One walk of the whole body: shapes left to the graph, where results may go, and the
    // statements whose evaluation the graph would split.
    private bool Prepare()
    {
        var splitStatements = new List<(IOperation Statement, IOperation Construct)>();
        var statements = 0;
        // The operations of this body in order, not those inside its lambdas and local functions:
        // those are bodies of their own, noted in nestedFunctions.
        var pending = ownOperations ??= new Stack<IOperation>(64);
        pending.Clear();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var operation = pending.Pop();
            if (operation != root && operation.Kind is OperationKind.AnonymousFunction or OperationKind.LocalFunction)
            {
                (nestedFunctions ??= new List<IOperation>()).Add(operation);
            }
            else
            {
                foreach (var child in operation.ChildOperations.Reverse())
                {
                    pending.Push(child);
                }
            }

            maxSteps += StepsPerOperation;
            if (operation.Parent?.Kind == OperationKind.Block)
            {
                statements++;
            }

            switch (Shape(operation))
            {
                case BodyShape.LeftToTheGraph:
                    pending.Clear();
                    return false;
                case BodyShape.BackEdge when everyCall && operation.Kind == OperationKind.Loop && operation is IForEachLoopOperation:
                    // The graph records the enumerator's calls too, Dispose only where the enumerator has one.
                    pending.Clear();
                    return false;
                case BodyShape.SplitByTheGraph:
                    splitStatements.Add((StatementOf(operation), operation));
                    break;
                case BodyShape.BackEdge:
                    hasBackEdges = true;
                    break;
            }

            if (IsEffectCandidate(operation))
            {
                NoteResultTarget(operation);
            }
            else if (operation.Kind == OperationKind.CaseClause && operation is IPatternCaseClauseOperation { Parent.Parent: ISwitchOperation choice } clause)
            {
                // The graph matches a capture of the switched value: a result may go to the pattern's variables.
                patterns.Add((choice.Value, clause.Pattern));
            }
            else if (operation.Kind == OperationKind.SwitchExpressionArm && operation.Parent is ISwitchExpressionOperation switchExpression)
            {
                patterns.Add((switchExpression.Value, ((ISwitchExpressionArmOperation)operation).Pattern));
            }

            if (operation.Kind == OperationKind.Invocation && Call((IInvocationOperation)operation) is { RegistersRange: true } call && Path(call.Range) is { } range)
            {
                NoteRangeRegistration(range, operation.Syntax);
            }
        }

        CollectResultVariables();

        if (hasBackEdges)
        {
            // About one expression per statement: sized once, not grown.
            effects = new Dictionary<int, (IOperation, FlowEffect[])>(statements);
        }

        // The graph evaluates such a statement in pieces, copying values into captures. The walk
        // takes a `?:` or a switch expression that is the whole value a variable takes or a return
        // returns, arm by arm; anywhere else, only where nothing in the statement changes the state.
        foreach (var (_, construct) in splitStatements)
        {
            // A variable takes what the graph's capture holds on every path (a registering call in
            // one arm binds it on all): in a loop the graph's states then depend on the order it
            // visits its blocks in, which the walk does not follow. A return binds nothing.
            if (ChoiceStatement(construct) is { } taken && (!hasBackEdges || taken is IReturnOperation))
            {
                (choices ??= new Dictionary<IOperation, IOperation>())[taken] = construct;
            }
        }

        foreach (var (statement, construct) in splitStatements)
        {
            if (choices is not null && choices.ContainsValue(construct))
            {
                continue;
            }

            foreach (var operation in statement.DescendantsAndSelf())
            {
                if (IsEffectCandidate(operation) && CreateEffect(operation) is not null && !IsInitializedTarget(operation, construct))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private enum BodyShape
    {
        Walked,
        // A loop or a label: the walk goes round until the states settle.
        BackEdge,
        // Evaluated by the graph in pieces: walked only where nothing in its statement changes the state.
        SplitByTheGraph,
        LeftToTheGraph,
    }

    // By kind first: asked of every operation of the body, where a chain of interface tests
    // would cost more than the rest of the walk's preparation.
    private static BodyShape Shape(IOperation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.Invalid or OperationKind.DeconstructionAssignment or OperationKind.None
                or OperationKind.YieldReturn or OperationKind.YieldBreak:
                return BodyShape.LeftToTheGraph;
            case OperationKind.Loop:
                return operation is IForEachLoopOperation { IsAsynchronous: true } or IForEachLoopOperation { LoopControlVariable: not IVariableDeclaratorOperation }
                    or IForToLoopOperation or IWhileLoopOperation { ConditionIsUntil: true }
                    ? BodyShape.LeftToTheGraph
                    : BodyShape.BackEdge;
            case OperationKind.CaseClause:
                return ((ICaseClauseOperation)operation).CaseKind is CaseKind.SingleValue or CaseKind.Pattern or CaseKind.Default
                    ? BodyShape.Walked
                    : BodyShape.LeftToTheGraph;
            case OperationKind.Labeled:
                return operation.Parent is IBlockOperation ? BodyShape.BackEdge : BodyShape.LeftToTheGraph;
            case OperationKind.Try:
                return operation is ITryOperation { Catches.IsEmpty: true, Finally: not null } ? BodyShape.Walked : BodyShape.LeftToTheGraph;
            case OperationKind.Using:
                return ((IUsingOperation)operation).IsAsynchronous ? BodyShape.LeftToTheGraph : BodyShape.Walked;
            case OperationKind.UsingDeclaration:
                return ((IUsingDeclarationOperation)operation).IsAsynchronous ? BodyShape.LeftToTheGraph : BodyShape.Walked;
            case OperationKind.Throw:
                // A throw statement, wrapped in an expression statement or not by the Roslyn version.
                return operation.Syntax is ThrowStatementSyntax ? BodyShape.Walked : BodyShape.LeftToTheGraph;
            case OperationKind.Branch:
                return ((IBranchOperation)operation).BranchKind is BranchKind.GoTo or BranchKind.Break or BranchKind.Continue
                    ? BodyShape.Walked
                    : BodyShape.LeftToTheGraph;
            case OperationKind.Binary:
                var binary = (IBinaryOperation)operation;
                if (binary.OperatorKind is not (BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr))
                {
                    return BodyShape.Walked;
                }

                return binary.OperatorMethod is not null ? BodyShape.LeftToTheGraph
                    : IsCondition(operation) ? BodyShape.Walked
                    : BodyShape.SplitByTheGraph;
            case OperationKind.Conditional:
                return operation.Syntax is IfStatementSyntax ? BodyShape.Walked : BodyShape.SplitByTheGraph;
            case OperationKind.SwitchExpression:
                return BodyShape.SplitByTheGraph;
            case OperationKind.Coalesce or OperationKind.CoalesceAssignment or OperationKind.ConditionalAccess
                or OperationKind.InterpolatedStringHandlerCreation or OperationKind.ObjectOrCollectionInitializer or OperationKind.With:
                return BodyShape.SplitByTheGraph;
            default:
                return BodyShape.Walked;
        }
    }

    // `var range = new HmmRange { ... }`: the graph assigns the initialized object from a capture,
    // which changes nothing for a range or a result; a mirror would be assumed live there.
    private bool IsInitializedTarget(IOperation operation, IOperation construct)
    {
        if (construct is not IObjectOrCollectionInitializerOperation || construct.Parent is not IObjectCreationOperation creation)
        {
            return false;
        }

        var (target, value) = operation switch
        {
            IVariableDeclaratorOperation declarator => (declarator.Symbol.Type, declarator.Initializer?.Value),
            ISimpleAssignmentOperation assignment => (assignment.Target.Type, assignment.Value),
            _ => (null, null),
        };
        return value is not null && AccessPath.Unwrap(value) == creation && !symbols.IsMirror(target);
    }

    // The operand of `!`, `&&` or `||` in the condition of an if or a loop: a branch of its own.
    private static bool IsCondition(IOperation operation)
    {
        var node = operation;
        var parent = operation.Parent;
        while (parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not }
            or IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr, OperatorMethod: null })
        {
            node = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            // Of an if, or of a `?:` (walked only as a whole value, see ChoiceStatement).
            IConditionalOperation conditional => conditional.Condition == node,
            IWhileLoopOperation loop => loop.Condition == node,
            IForLoopOperation loop => loop.Condition == node,
            IPatternCaseClauseOperation clause => clause.Guard == node,
            ISwitchExpressionArmOperation arm => arm.Guard == node,
            _ => false,
        };
    }

    // The statement (a declarator, an assignment's statement, a return) whose whole value is the
    // `?:` or switch expression `construct`, and whose variable is neither mirror nor range: the
    // walk takes its arms as the graph does. Null for any other place.
    private IOperation? ChoiceStatement(IOperation construct)
    {
        if (construct.Kind == OperationKind.Conditional && construct.Syntax is IfStatementSyntax)
        {
            return null;
        }

        if (construct.Kind is not (OperationKind.Conditional or OperationKind.SwitchExpression) || symbols.IsRange(construct.Type) || symbols.IsMirror(construct.Type))
        {
            return null;
        }

        var parent = construct.Parent;
        while (parent is IConversionOperation { Conversion.IsUserDefined: false })
        {
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }
                when declarator.Parent is IVariableDeclarationOperation { Parent: IVariableDeclarationGroupOperation { Parent: IBlockOperation or ISwitchCaseOperation or ILabeledOperation } }
                    && !symbols.IsMirror(declarator.Symbol.Type) && !symbols.IsRange(declarator.Symbol.Type):
                return declarator;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation or IParameterReferenceOperation, Parent: IExpressionStatementOperation statement } assignment
                when !symbols.IsMirror(assignment.Target.Type) && !symbols.IsRange(assignment.Target.Type):
                return statement;
            case IReturnOperation { Kind: OperationKind.Return } returned:
                return returned;
            default:
                return null;
        }
    }

    // The expression the walk evaluates in one piece around an operation.
    private static IOperation StatementOf(IOperation operation)
    {
        var node = operation;
        while (node.Parent is { } parent && !IsEvaluationRoot(parent, node))
        {
            node = parent;
        }

        return node;
    }

    private static bool IsEvaluationRoot(IOperation parent, IOperation child) => parent switch
    {
        IBlockOperation or IExpressionStatementOperation or IVariableDeclarationGroupOperation or IReturnOperation
            or ILockOperation or IUsingOperation or IUsingDeclarationOperation or ILabeledOperation or ILoopOperation
            or ITryOperation or IMethodBodyOperation or IConstructorBodyOperation
            or ISwitchOperation or ISwitchCaseOperation or ICaseClauseOperation => true,
        IConditionalOperation conditional => conditional.Syntax is IfStatementSyntax,
        IUnaryOperation or IBinaryOperation => IsCondition(child),
        _ => false,
    };

    private void RunBody()
    {
        HmmFlowState? state = HmmFlowState.Empty;
        switch (root)
        {
            case IBlockOperation block:
                // A lambda's or local function's body.
                state = Exec(block, state);
                break;
            case IConstructorBodyOperation constructor:
                if (constructor.Initializer is { } initializer)
                {
                    state = Eval(initializer, state);
                }

                state = Body(constructor.BlockBody, constructor.ExpressionBody, state);
                break;
            case IMethodBodyOperation method:
                state = Body(method.BlockBody, method.ExpressionBody, state);
                break;
        }

        if (state is not null)
        {
            Exit(state, owner, ExitKind.EndOfBody);
        }
    }

    private HmmFlowState? Body(IBlockOperation? block, IBlockOperation? expression, HmmFlowState state)
    {
        if (block is not null && expression is not null)
        {
            unsupported = true;
            return null;
        }

        return Exec(block ?? expression, state);
    }

    private HmmFlowState? Exec(IOperation? statement, HmmFlowState? state)
    {
        if (statement is null || unsupported)
        {
            return state;
        }

        if (++steps > maxSteps)
        {
            unsupported = true;
            return null;
        }

        if ((steps & 63) == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (statement is IBlockOperation block)
        {
            return ExecList(block.Operations, 0, state);
        }

        if (state is null)
        {
            return null;
        }

        switch (statement)
        {
            case IExpressionStatementOperation { Operation: IThrowOperation wrapped }:
                return Throw(wrapped, state);
            case IThrowOperation thrown:
                return Throw(thrown, state);
            case IVariableDeclarationGroupOperation group when choices is not null:
                return Declarations(group, state);
            case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment } when choices is not null && choices.TryGetValue(statement, out var choice):
                return Choice(choice, state, VariableOf(assignment.Target));
            case IExpressionStatementOperation or IVariableDeclarationGroupOperation:
                return Eval(statement, state);
            case IEmptyOperation or ILocalFunctionOperation:
                // A local function is a body of its own: declaring it does nothing here.
                return state;
            case IConditionalOperation conditional:
                var (whenTrue, whenFalse) = Condition(conditional.Condition, state);
                return Join(Exec(conditional.WhenTrue, whenTrue), conditional.WhenFalse is null ? whenFalse : Exec(conditional.WhenFalse, whenFalse));
            case IWhileLoopOperation loop:
                return Loop(loop, loop.ConditionIsTop ? loop.Condition : null, loop.ConditionIsTop ? null : loop.Condition, ImmutableArray<IOperation>.Empty, state);
            case IForLoopOperation loop:
                state = ExecList(loop.Before, 0, state);
                return state is null ? null : Loop(loop, loop.Condition, null, loop.AtLoopBottom, state);
            case IBranchOperation branch:
                Jump(branch, state);
                return null;
            case IReturnOperation returned:
                if (returned.ReturnedValue is { } value)
                {
                    var returnedState = choices is not null && choices.TryGetValue(returned, out var returnedChoice)
                        ? Choice(returnedChoice, state, variable: null)
                        : Eval(value, state);
                    if (returnedState is null)
                    {
                        return null;
                    }

                    state = ReturnedToCaller(value, returnedState);
                    Leave(state, 0, label: null, value.Syntax, ExitKind.Value);
                }
                else if (returned.IsImplicit)
                {
                    // The end of a lambda's body, which the operation tree closes with a return.
                    Leave(state, 0, label: null, owner, ExitKind.EndOfBody);
                }
                else
                {
                    Leave(state, 0, label: null, returned.Syntax, ExitKind.Statement);
                }

                return null;
            case ILockOperation locked:
                return Exec(locked.Body, Eval(locked.LockedValue, state));
            case ITryOperation attempt:
                var @finally = new Handler(attempt.Finally!, null, null);
                handlers.Add(@finally);
                state = Exec(attempt.Body, state);
                handlers.RemoveAt(handlers.Count - 1);
                return state is null ? null : Run(@finally, state, attempt.Syntax);
            case IUsingOperation usingStatement:
                return UsingStatement(usingStatement, state);
            case ISwitchOperation choice:
                return Switch(choice, state);
            case IForEachLoopOperation loop:
                return ForEach(loop, state);
            default:
                unsupported = true;
                return null;
        }
    }

    // Out through the finally handlers around it: no catch is walked here.
    private HmmFlowState? Throw(IThrowOperation thrown, HmmFlowState state)
    {
        state = Eval(thrown.Exception, state);
        if (thrown.Exception is { } exception)
        {
            Leave(state, 0, label: null, exception.Syntax, ExitKind.Value);
        }

        return null;
    }

    // A block's statements from `start`: labels join what jumps to them, and the block is walked
    // again from the first label that got more, until nothing changes.
    private HmmFlowState? ExecList(ImmutableArray<IOperation> statements, int start, HmmFlowState? state)
    {
        var hasLabels = false;
        for (var i = start; i < statements.Length; i++)
        {
            if (statements[i] is ILabeledOperation labeled)
            {
                Targets.LabelDepths[labeled.Label] = handlers.Count;
                hasLabels = true;
            }
        }

        while (true)
        {
            var current = state;
            for (var i = start; i < statements.Length && !unsupported; i++)
            {
                var statement = statements[i];
                if (statement is ILabeledOperation labeled)
                {
                    Targets.FallIns[labeled.Label] = current;
                    current = Join(current, Targets.Jumps.TryGetValue(labeled.Label, out var jumped) ? jumped : null);
                    Targets.LabelEntries[labeled.Label] = current;
                    statement = labeled.Operation;
                }

                if (statement is IUsingDeclarationOperation declaration)
                {
                    current = current is null ? null : UsingDeclaration(declaration, statements, i + 1, current);
                    break;
                }

                current = Exec(statement, current);
            }

            if (!hasLabels || recording || unsupported)
            {
                return current;
            }

            // Again from the first label more jumped to than was walked with.
            var again = -1;
            for (var i = start; i < statements.Length && again < 0; i++)
            {
                if (statements[i] is ILabeledOperation labeled && Targets.Jumps.TryGetValue(labeled.Label, out var jumped)
                    && Targets.LabelEntries.TryGetValue(labeled.Label, out var entered) && !Covers(entered, jumped))
                {
                    again = i;
                }
            }

            if (again < 0)
            {
                return current;
            }

            start = again;
            state = Targets.FallIns[((ILabeledOperation)statements[again]).Label];
        }
    }

    // Methods of their own, so that the lambdas' closures are made only for a using.
    private HmmFlowState? UsingStatement(IUsingOperation usingStatement, HmmFlowState state) =>
        Using(usingStatement.Resources, Eval(usingStatement.Resources, state), scoped => Exec(usingStatement.Body, scoped));

    // The rest of the block is the using's body.
    private HmmFlowState? UsingDeclaration(IUsingDeclarationOperation declaration, ImmutableArray<IOperation> statements, int rest, HmmFlowState state) =>
        Using(declaration.DeclarationGroup, Eval(declaration.DeclarationGroup, state), scoped => ExecList(statements, rest, scoped));

    // Did the last walk from a label already start from everything that jumps to it?
    private static bool Covers(HmmFlowState? entered, HmmFlowState jumped)
    {
        if (entered is null)
        {
            return false;
        }

        var joined = entered.Join(jumped);
        return ReferenceEquals(joined, entered) || joined.Equals(entered);
    }

    // `enumerator`: the finally of a foreach, around the loop but not its exit label.
    private HmmFlowState? Loop(ILoopOperation loop, IOperation? topCondition, IOperation? bottomCondition, ImmutableArray<IOperation> atBottom, HmmFlowState state, Handler? enumerator = null)
    {
        Targets.LabelDepths[loop.ContinueLabel] = handlers.Count;
        Targets.LabelDepths[loop.ExitLabel] = enumerator is null ? handlers.Count : handlers.Count - 1;
        var head = Targets.LoopHeads.TryGetValue(loop, out var known) ? known.Join(state) : state;
        while (true)
        {
            Targets.LoopHeads[loop] = head;
            HmmFlowState? bodyIn = head, exit = null;
            if (topCondition is not null)
            {
                (bodyIn, exit) = Condition(topCondition, head);
            }
            else if (loop is IForEachLoopOperation { LoopControlVariable: IVariableDeclaratorOperation variable })
            {
                // MoveNext, then the variable takes Current: a new object, nothing known of it.
                (bodyIn, exit) = (ApplyAssignment(AccessPath.ForVariable(variable.Symbol), null, head), head);
            }

            var back = Join(Exec(loop.Body, bodyIn), Targets.Jumps.TryGetValue(loop.ContinueLabel, out var continued) ? continued : null);
            back = ExecList(atBottom, 0, back);
            if (bottomCondition is not null)
            {
                (back, exit) = Condition(bottomCondition, back);
            }

            var next = back is null ? head : head.Join(back);
            if (recording || unsupported || ReferenceEquals(next, head) || next.Equals(head))
            {
                if (enumerator is not null && exit is not null)
                {
                    // MoveNext said no: the enumerator's finally runs on the way out.
                    exit = Run(enumerator, exit);
                }

                return Join(exit, Targets.Jumps.TryGetValue(loop.ExitLabel, out var broken) ? broken : null);
            }

            head = next;
        }
    }

    // The graph's foreach: the enumerator made from the collection, then the loop on MoveNext
    // inside a try whose finally disposes of it.
    private HmmFlowState? ForEach(IForEachLoopOperation loop, HmmFlowState state)
    {
        state = Eval(loop.Collection, state);
        var enumerator = new Handler(null, null, loop.Collection.Syntax);
        handlers.Add(enumerator);
        var end = Loop(loop, null, null, ImmutableArray<IOperation>.Empty, state, enumerator);
        handlers.RemoveAt(handlers.Count - 1);
        return end;
    }

    // The graph's switch statement: the cases tested in order against a capture of the value,
    // `default` when none matched, wherever it is written; each section entered from its cases.
    private HmmFlowState? Switch(ISwitchOperation choice, HmmFlowState state)
    {
        state = Eval(choice.Value, state);
        Targets.LabelDepths[choice.ExitLabel] = handlers.Count;
        var sections = choice.Cases;
        var entries = new HmmFlowState?[sections.Length];
        HmmFlowState? unmatched = state;
        var fallback = -1;
        for (var i = 0; i < sections.Length; i++)
        {
            foreach (var clause in sections[i].Clauses)
            {
                if (clause.CaseKind == CaseKind.Default)
                {
                    fallback = i;
                    continue;
                }

                var (matched, rest) = Case(choice.Value, clause, unmatched);
                entries[i] = Join(entries[i], matched);
                unmatched = rest;
            }
        }

        if (fallback >= 0)
        {
            entries[fallback] = Join(entries[fallback], unmatched);
            unmatched = null;
        }

        for (var i = 0; i < sections.Length && !unsupported; i++)
        {
            if (ExecList(sections[i].Body, 0, entries[i]) is not null)
            {
                // C# lets no section fall out of its end: code that does is the graph's to judge.
                unsupported = true;
            }
        }

        return Join(unmatched, Targets.Jumps.TryGetValue(choice.ExitLabel, out var broken) ? broken : null);
    }

    // One case of a switch statement: its pattern's variables bound, then the test (and its guard) either way.
    private (HmmFlowState? Matched, HmmFlowState? Unmatched) Case(IOperation value, ICaseClauseOperation clause, HmmFlowState? state)
    {
        if (clause is IPatternCaseClauseOperation patternClause)
        {
            return Match(value, patternClause.Pattern, patternClause.Guard, state);
        }

        if (state is null)
        {
            return (null, null);
        }

        if (clause is ISingleValueCaseClauseOperation single && FlagCase(value, single.Value) is { } flagCase)
        {
            return (RefineFlag(state, flagCase.Flag, flagCase.Value), RefineFlag(state, flagCase.Flag, !flagCase.Value));
        }

        return (RefineCase(state, value, clause, true), RefineCase(state, value, clause, false));
    }

    // Each way the flags are kept apart tested on its own, as the graph tests its copy of the
    // value on each path: a way that holds a constant (`int ret = -EBUSY;`) takes its case only.
    private HmmFlowState? RefineCase(HmmFlowState state, IOperation value, ICaseClauseOperation clause, bool outcome) =>
        state.Map((value, clause, outcome), (way, each) => Refine(way, ResultCheck.ForCase(each.value, each.clause, each.outcome, way, symbols, variableOfInRefine)));

    private HmmFlowState? RefinePattern(HmmFlowState state, IOperation value, IPatternOperation pattern, bool outcome) =>
        state.Map((value, pattern, outcome), (way, each) => Refine(way, ResultCheck.ForPattern(each.value, each.pattern, each.outcome, way, symbols, variableOfInRefine)));

    // `value is pattern`, as the graph branches on it: the pattern's variables bound, the outcome
    // refined either way, then the guard on the matched side.
    private (HmmFlowState? Matched, HmmFlowState? Unmatched) Match(IOperation value, IPatternOperation pattern, IOperation? guard, HmmFlowState? state)
    {
        if (state is null)
        {
            return (null, null);
        }

        state = BindPatternVariables(value, pattern, state);
        HmmFlowState? matched, unmatched;
        if (pattern is IConstantPatternOperation constant && FlagCase(value, constant.Value) is { } flagCase)
        {
            (matched, unmatched) = (RefineFlag(state, flagCase.Flag, flagCase.Value), RefineFlag(state, flagCase.Flag, !flagCase.Value));
        }
        else
        {
            matched = RefinePattern(state, value, pattern, true);
            unmatched = ResultCheck.MatchesEveryValue(pattern) ? null : RefinePattern(state, value, pattern, false);
        }

        if (guard is not null)
        {
            var (passed, failed) = Condition(guard, matched);
            return (passed, Join(unmatched, failed));
        }

        return (matched, unmatched);
    }

    // A declaration whose declarators may take `?:` or switch expressions: each in turn.
    private HmmFlowState? Declarations(IVariableDeclarationGroupOperation group, HmmFlowState state)
    {
        HmmFlowState? current = state;
        foreach (var declaration in group.Declarations)
        {
            foreach (var declarator in declaration.Declarators)
            {
                if (current is null)
                {
                    return null;
                }

                current = choices!.TryGetValue(declarator, out var choice) ? Choice(choice, current, declarator.Symbol) : Eval(declarator, current);
            }
        }

        return current;
    }

    // A `?:` or switch expression, the graph's way: each arm on its own path, its value into one
    // capture, the paths joined after; a switch expression no arm matches throws. `variable`
    // takes the value: what it holds of a registration is what the graph's capture holds.
    private HmmFlowState? Choice(IOperation choice, HmmFlowState state, ISymbol? variable)
    {
        var arms = new List<(IOperation Value, HmmFlowState State)>(4);
        var values = new List<IOperation>(4);
        if (choice is IConditionalOperation conditional)
        {
            var (whenTrue, whenFalse) = Condition(conditional.Condition, state);
            values.Add(conditional.WhenTrue);
            values.Add(conditional.WhenFalse!);
            if (whenTrue is not null)
            {
                arms.Add((conditional.WhenTrue, Eval(conditional.WhenTrue, whenTrue)));
            }

            if (whenFalse is not null)
            {
                arms.Add((conditional.WhenFalse!, Eval(conditional.WhenFalse, whenFalse)));
            }
        }
        else
        {
            var switchExpression = (ISwitchExpressionOperation)choice;
            HmmFlowState? unmatched = Eval(switchExpression.Value, state);
            foreach (var arm in switchExpression.Arms)
            {
                values.Add(arm.Value);
                var (matched, rest) = Match(switchExpression.Value, arm.Pattern, arm.Guard, unmatched);
                if (matched is not null)
                {
                    arms.Add((arm.Value, Eval(arm.Value, matched)));
                }

                unmatched = rest;
            }

            if (unmatched is not null)
            {
                // The graph throws a new SwitchExpressionException there.
                if (everyCall)
                {
                    RecordBefore(choice.Syntax, unmatched);
                }

                Leave(unmatched, 0, label: null, choice.Syntax, ExitKind.Value);
            }
        }

        if (variable is null)
        {
            return JoinArms(arms);
        }

        // A registering call among the values: the capture stands for it on every path.
        foreach (var value in values)
        {
            if (AccessPath.Unwrap(value) is IInvocationOperation invocation && Call(invocation) is { HasRegistrationResult: true } call)
            {
                return JoinArms(arms)?.WithResult(variable, Binding(call));
            }
        }

        // Else what each arm's value stands for on each of its ways (flags kept apart), kept where
        // the paths meet only if they agree, as the graph's capture is.
        for (var i = 0; i < arms.Count; i++)
        {
            arms[i] = (arms[i].Value, arms[i].State.Map((arms[i].Value, variable), (way, arm) =>
                way.WithResult(arm.variable, ResultOf(arm.Value, way) ?? ResultOnThisPath(arm.Value, way)))!);
        }

        var joined = JoinArms(arms);
        if (joined is null || CommonVariable(values) is not { } common)
        {
            return joined;
        }

        // Else, where the arms disagree, the result of the variable every arm reads.
        return joined.Map((variable, common), static (way, each) =>
            way.Results.ContainsKey(each.variable) ? way : way.WithResult(each.variable, way.Results.TryGetValue(each.common, out var copied) ? copied : null))!;
    }

    private HmmFlowState? JoinArms(List<(IOperation Value, HmmFlowState State)> arms)
    {
        HmmFlowState? joined = null;
        foreach (var arm in arms)
        {
            joined = Join(joined, arm.State);
        }

        return joined;
    }

    // The variable every value reads (or assigns), as the graph's capture of the arms is that variable.
    private static ISymbol? CommonVariable(List<IOperation> values)
    {
        AccessPath? common = null;
        for (var i = 0; i < values.Count; i++)
        {
            var value = AccessPath.Unwrap(values[i]);
            var path = AccessPath.TryCreate(value is ISimpleAssignmentOperation assignment ? assignment.Target : value);
            if (path is null || (i > 0 && !path.Equals(common)))
            {
                return null;
            }

            common = path;
        }

        return common is { IsVariable: true } ? common.Root : null;
    }

    // A using's resources, declared or not: disposed at the end of the body, on the normal path and
    // on every jump out of it, the graph's way (a null check around each Dispose).
    private HmmFlowState? Using(IOperation resources, HmmFlowState? state, Func<HmmFlowState?, HmmFlowState?> body)
    {
        if (state is null)
        {
            return null;
        }

        var disposals = new List<Handler>();
        if (resources is IVariableDeclarationGroupOperation group)
        {
            foreach (var declaration in group.Declarations)
            {
                foreach (var declarator in declaration.Declarators)
                {
                    disposals.Add(new Handler(null, symbols.IsMirror(declarator.Symbol.Type) ? AccessPath.ForVariable(declarator.Symbol) : null, declarator.Syntax));
                }
            }
        }
        else
        {
            var value = AccessPath.Unwrap(resources);
            var mirror = symbols.IsMirror(value?.Type)
                ? AccessPath.TryCreate(value is ISimpleAssignmentOperation assignment ? assignment.Target : value)
                : null;
            disposals.Add(new Handler(null, mirror, resources.Syntax));
        }

        // The last resource is disposed first.
        handlers.AddRange(disposals);
        var end = body(state);
        handlers.RemoveRange(handlers.Count - disposals.Count, disposals.Count);
        for (var i = disposals.Count - 1; i >= 0 && end is not null; i--)
        {
            end = Run(disposals[i], end);
        }

        return end;
    }

    // A goto, break or continue: through the finally handlers it leaves, to its label.
    private void Jump(IBranchOperation branch, HmmFlowState state)
    {
        var target = branch.Target;
        if (!Targets.LabelDepths.TryGetValue(target, out var depth))
        {
            // A label the walk has not entered the block of: left to the graph.
            unsupported = true;
            return;
        }

        Leave(state, depth, target, null, ExitKind.Statement, branch.Syntax);
    }

    // `site`: the jump, return or throw, whose way out the finally handlers it leaves are walked for.
    private void Leave(HmmFlowState state, int depth, ILabelSymbol? label, SyntaxNode? exit, ExitKind exitKind, SyntaxNode? site = null)
    {
        HmmFlowState? current = state;
        for (var i = handlers.Count - 1; i >= depth && current is not null; i--)
        {
            // The handler runs with only the handlers around it.
            var inner = handlers.GetRange(i, handlers.Count - i);
            handlers.RemoveRange(i, handlers.Count - i);
            current = Run(inner[0], current, site ?? exit!);
            handlers.AddRange(inner);
        }

        if (current is null)
        {
            return;
        }

        if (label is not null)
        {
            Targets.Jumps[label] = Targets.Jumps.TryGetValue(label, out var existing) ? existing.Join(current) : current;
        }
        else if (exit is not null)
        {
            Exit(current, exit, exitKind);
        }
    }

    private HmmFlowState? Run(Handler handler, HmmFlowState state, SyntaxNode? site = null)
    {
        if (handler.Finally is { } block)
        {
            var outer = route;
            route = new RouteKey(block, site, outer);
            try
            {
                return Exec(block, state);
            }
            finally
            {
                route = outer;
            }
        }

        // The Dispose of a using's resource: a mirror's unregisters it, past a null check that
        // takes only the branches its value can (a registered mirror is never null).
        if (handler.Mirror is { } mirror)
        {
            var notNull = NullTested(state, mirror, isNull: false);
            if (notNull is not null)
            {
                RecordBefore(handler.At!, notNull);
            }

            return Join(NullTested(state, mirror, isNull: true), notNull is null ? null : UnregisterMirror(mirror, handler.At!, notNull));
        }

        if (everyCall)
        {
            RecordBefore(handler.At!, state);
        }

        return state;
    }

    // Located only when recorded with a range in it: most exits are not.
    private void Exit(HmmFlowState state, SyntaxNode at, ExitKind kind)
    {
        if (recordExits is null || state.Ranges.IsEmpty)
        {
            return;
        }

        var location = kind switch
        {
            ExitKind.Value => ExitLocator.OfValue(at),
            ExitKind.EndOfBody => ExitLocator.EndOf(at),
            _ => at.GetLocation(),
        };
        if (location is not null)
        {
            recordExits.Add((state, location));
        }
    }

    /// <summary>How an exit is shown: the return or throw around a value, the statement, or the end of the body.</summary>
    private enum ExitKind
    {
        Value,
        Statement,
        EndOfBody,
    }

    /// <summary>Where jumps go, and the states at loop heads and labels, over every walk.</summary>
    private sealed class JumpTargets
    {
        // What jumped to each label (goto, break, continue): the graph's block states also only grow.
        public Dictionary<ILabelSymbol, HmmFlowState> Jumps { get; } = new(SymbolEqualityComparer.Default);

        // How many finally handlers enclose each label: a jump runs the ones it leaves.
        public Dictionary<ILabelSymbol, int> LabelDepths { get; } = new(SymbolEqualityComparer.Default);

        // What falls into a labeled statement from the one before it, and what the last walk from
        // the label started with.
        public Dictionary<ILabelSymbol, HmmFlowState?> FallIns { get; } = new(SymbolEqualityComparer.Default);

        public Dictionary<ILabelSymbol, HmmFlowState?> LabelEntries { get; } = new(SymbolEqualityComparer.Default);

        public Dictionary<IOperation, HmmFlowState> LoopHeads { get; } = new();
    }

    // The states on either outcome of a condition, `&&`, `||` and `!` taken apart as the graph does.
    private (HmmFlowState? WhenTrue, HmmFlowState? WhenFalse) Condition(IOperation condition, HmmFlowState? state)
    {
        if (state is null)
        {
            return (null, null);
        }

        switch (condition)
        {
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                var (negatedTrue, negatedFalse) = Condition(not.Operand, state);
                return (negatedFalse, negatedTrue);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } both:
                var (leftTrue, leftFalse) = Condition(both.LeftOperand, state);
                var (rightTrue, rightFalse) = Condition(both.RightOperand, leftTrue);
                return (rightTrue, Join(leftFalse, rightFalse));
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } either:
                var (firstTrue, firstFalse) = Condition(either.LeftOperand, state);
                var (secondTrue, secondFalse) = Condition(either.RightOperand, firstFalse);
                return (Join(firstTrue, secondTrue), secondFalse);
            default:
                var evaluated = Eval(condition, state);
                return (CannotBe(condition, true) ? null : Refine(evaluated, condition, true), CannotBe(condition, false) ? null : Refine(evaluated, condition, false));
        }
    }

    // The effects of an expression (or a declaration), in the graph's evaluation order.
    private HmmFlowState Eval(IOperation? expression, HmmFlowState state)
    {
        if (expression is null)
        {
            return state;
        }

        if (effects is null)
        {
            // Walked once (a finally block once per way out): each effect is applied as it is
            // made, and nothing is kept. An effect does not depend on the state it is applied to.
            var order = PostOrder(expression);
            foreach (var operation in order)
            {
                if (IsEffectCandidate(operation) && CreateEffect(operation) is { } effect)
                {
                    state = Apply(effect, state);
                }
            }

            order.Clear();
            return state;
        }

        var start = expression.Syntax.SpanStart;
        if (!effects.TryGetValue(start, out var cached) || cached.Expression != expression)
        {
            var order = PostOrder(expression);
            cached = (expression, ToEffects(order));
            order.Clear();
            // Two expressions that start at one position (an implicit one around another) take turns.
            effects[start] = cached;
        }

        return Transfer(cached.Effects, state);
    }

    private List<IOperation> PostOrder(IOperation expression)
    {
        // One list and one stack per thread: the walk is short, and done for every expression.
        // Emptied after each use, so that no operation (and the compilation behind it) outlives its analysis.
        var order = postOrder ??= new List<IOperation>(64);
        var walk = postOrderWalk ??= new Stack<(IOperation Operation, bool ChildrenDone)>(64);
        order.Clear();
        walk.Clear();
        AppendPostOrder(expression, walk, order);
        return order;
    }

    [ThreadStatic]
    private static List<IOperation>? postOrder;

    // Empty between preparations, as the post-order buffers are between expressions.
    [ThreadStatic]
    private static Stack<IOperation>? ownOperations;

    [ThreadStatic]
    private static Stack<(IOperation Operation, bool ChildrenDone)>? postOrderWalk;

    private static HmmFlowState? Join(HmmFlowState? a, HmmFlowState? b) => a is null ? b : b is null ? a : a.Join(b);

    /// <summary>A finally block walked for one way out of its try (within the way out of the finally around it).</summary>
    private sealed class RouteKey : IEquatable<RouteKey>
    {
        private readonly IBlockOperation @finally;
        private readonly SyntaxNode? site;
        private readonly RouteKey? outer;

        public RouteKey(IBlockOperation @finally, SyntaxNode? site, RouteKey? outer)
        {
            this.@finally = @finally;
            this.site = site;
            this.outer = outer;
        }

        public bool Equals(RouteKey? other) =>
            other is not null && other.@finally == @finally && other.site == site && Equals(other.outer, outer);

        public override bool Equals(object? obj) => Equals(obj as RouteKey);

        public override int GetHashCode() => (RuntimeHelpers.GetHashCode(@finally) * 31) + (site is null ? 0 : RuntimeHelpers.GetHashCode(site)) + (outer is null ? 0 : outer.GetHashCode() * 17);
    }

    /// <summary>A finally block, or the Dispose of a using's resource (of a mirror, or not).</summary>
    private sealed class Handler
    {
        public Handler(IBlockOperation? @finally, AccessPath? mirror, SyntaxNode? at)
        {
            Finally = @finally;
            Mirror = mirror;
            At = at;
        }

        public IBlockOperation? Finally { get; }

        public AccessPath? Mirror { get; }

        public SyntaxNode? At { get; }
    }
}
