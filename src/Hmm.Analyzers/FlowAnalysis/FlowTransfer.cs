using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// What each operation does to the HMM state, shared by the two ways a body is walked: over
/// Roslyn's control flow graph (<see cref="GraphBodyAnalysis"/>, any body) and over the operation
/// tree itself (the common shapes, without building a graph).
/// Both see the same operations in the same evaluation order, so both compute the same states.
/// </summary>
internal abstract class FlowTransfer
{
    protected static readonly FlowEffect[] NoEffects = Array.Empty<FlowEffect>();
    // Past this many rounds every assigned variable counts as one a result may reach.
    private const int MaxResultRounds = 16;

    protected readonly HmmSymbols symbols;
    protected readonly CancellationToken cancellationToken;
    protected readonly bool everyCall;
    // Values the graph copies into captures, and the captures of a registering call's result:
    // only a graph has them.
    protected readonly Dictionary<CaptureId, AccessPath?> captures = new();
    protected readonly Dictionary<CaptureId, ResultBinding> captureResults = new();
    // The locals and parameters that may hold the result of a registering call: reads and
    // assignments of any other variable change nothing and get no effect.
    protected readonly HashSet<ISymbol> resultVariables = new(SymbolEqualityComparer.Default);
    // The bool locals and parameters the body assigns or tests (`bool registered = false;`,
    // `registered = true;`, `if (populate)`): their values are followed on each path, and a flag
    // set where a call's outcome is known tells that outcome. Each assigned one is a result
    // variable too.
    protected readonly HashSet<ISymbol> flagVariables = new(SymbolEqualityComparer.Default);
    // Bool parameters the body reads, with how often: one read once tells no later test anything,
    // and keeping its ways apart would only crowd out the flags that do.
    private Dictionary<ISymbol, int>? boolParameters;
    // Bool locals and parameters written some other way (`|=`, ref or out, a deconstruction, a
    // ref alias): no flags.
    private HashSet<ISymbol>? otherwiseWritten;
    // Assignments and initialized declarators, and patterns with what they match (an is-pattern,
    // a case of a switch statement): where a result may go.
    protected readonly List<IOperation> assignments = new();
    protected readonly List<(IOperation Value, IPatternOperation Pattern)> patterns = new();
    // Captures a variable takes as its value (`int err = ret switch { ... }`): each path says
    // which result, if any, its capture stands for.
    private readonly HashSet<CaptureId> assignedCaptures = new();
    // ToEffects' buffer, one per thread, empty between calls.
    [ThreadStatic]
    private static List<FlowEffect>? effectBuffer;

    // The range paths the body registers, each with its first registering call, and those it
    // registers at more than one: only there can two registrations' links meet.
    private Dictionary<AccessPath, SyntaxNode>? rangeRegistrations;
    private HashSet<AccessPath>? rangesRegisteredTwice;
    // Refine reads switch captures in the state it refines: one delegate for the body, not one per branch.
    private readonly Func<IFlowCaptureReferenceOperation, ResultBinding?> capturedResultInRefine;
    protected readonly Func<IOperation, ISymbol?> variableOfInRefine;
    private HmmFlowState refineState = HmmFlowState.Empty;
    protected Dictionary<SyntaxNode, HmmFlowState>? recordStates;
    protected HashSet<AccessPath>? recordUnregistered;

    protected FlowTransfer(HmmSymbols symbols, HashSet<ISymbol>? captured, bool everyCall, CancellationToken cancellationToken)
    {
        this.symbols = symbols;
        this.everyCall = everyCall;
        this.cancellationToken = cancellationToken;
        Captured = captured ?? HmmFlowAnalysis.EmptyCaptured;
        capturedResultInRefine = capture => CapturedResult(capture, refineState);
        variableOfInRefine = VariableOf;
    }

    /// <summary>Locals and parameters a lambda or local function of the body uses: a range among them is shared.</summary>
    public HashSet<ISymbol> Captured { get; set; }


    protected FlowEffect[] ToEffects(IReadOnlyList<IOperation> operations)
    {
        if (operations.Count == 0)
        {
            return NoEffects;
        }

        // One buffer per thread: most operations have no effect.
        var effects = effectBuffer ??= new List<FlowEffect>(32);
        effects.Clear();
        for (var i = 0; i < operations.Count; i++)
        {
            if (IsEffectCandidate(operations[i]) && CreateEffect(operations[i]) is { } effect)
            {
                effects.Add(effect);
            }
        }

        var made = effects.Count == 0 ? NoEffects : effects.ToArray();
        // Nothing kept past the call: an effect holds an operation, and through it the compilation.
        effects.Clear();
        return made;
    }

    // Null for an operation that cannot change the state: the visits skip it. By kind, as the
    // candidates are chosen.
    protected FlowEffect? CreateEffect(IOperation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.Invocation:
                var invocation = (IInvocationOperation)operation;
                var call = Call(invocation);
                if (call.Kind == HmmCallKind.None)
                {
                    return everyCall ? new FlowEffect(operation, call) : null;
                }

                return call.Kind == HmmCallKind.Other
                    ? new FlowEffect(operation, call)
                    : new FlowEffect(
                        operation,
                        call,
                        mirror: Path(call.Mirror),
                        mm: Path(call.Mm),
                        range: Path(call.Range),
                        binding: call.HasRegistrationResult ? Binding(call) : null,
                        resultFollowed: call.HasRegistrationResult && ResultIsFollowed(invocation));
            case OperationKind.SimpleAssignment:
                var assignment = (ISimpleAssignmentOperation)operation;
                if (assignment.Target.Kind is OperationKind.LocalReference or OperationKind.ParameterReference)
                {
                    // A variable no result reaches, neither mirror nor range nor mm: nothing to track.
                    return IsTracked(assignment.Target.Type) || resultVariables.Contains(VariableOf(assignment.Target)!)
                        ? new FlowEffect(operation, path: Path(assignment.Target))
                        : null;
                }

                return Path(assignment.Target) is { } target
                    && (IsTracked(target.Type) || (target.IsVariable && resultVariables.Contains(target.Root)))
                    ? new FlowEffect(operation, path: target)
                    : null;
            case OperationKind.LocalReference:
                return VariableEffect(operation, ((ILocalReferenceOperation)operation).Local);
            case OperationKind.ParameterReference:
                return VariableEffect(operation, ((IParameterReferenceOperation)operation).Parameter);
            case OperationKind.FieldReference or OperationKind.PropertyReference:
                return Escapes(operation) ? new FlowEffect(operation, path: Path(operation), escapes: true) : null;
            case OperationKind.FlowCapture:
                return assignedCaptures.Contains(((IFlowCaptureOperation)operation).Id) ? new FlowEffect(operation) : null;
            case OperationKind.VariableDeclarator:
                // `int ret = ...` in the operation tree: the graph has it as an assignment.
                var declarator = (IVariableDeclaratorOperation)operation;
                return IsTracked(declarator.Symbol.Type) || resultVariables.Contains(declarator.Symbol)
                    ? new FlowEffect(operation, path: AccessPath.ForVariable(declarator.Symbol))
                    : null;
            default:
                return new FlowEffect(operation);
        }
    }

    // A mirror or range the state follows, or an mm a mirror may have been registered with.
    private bool IsTracked(ITypeSymbol? type) => symbols.IsMirror(type) || symbols.IsRange(type) || symbols.IsMm(type);

    // A read of a local or parameter: a range read may hand the range over; a read of a
    // variable a registration result can reach may take that result somewhere the analysis
    // does not follow. Any other read changes nothing.
    protected FlowEffect? VariableEffect(IOperation reference, ISymbol variable)
    {
        if (symbols.IsRange(reference.Type))
        {
            return new FlowEffect(reference, path: AccessPath.ForVariable(variable), escapes: Escapes(reference), variable: variable);
        }

        if (symbols.IsMirror(reference.Type))
        {
            return Escapes(reference) ? new FlowEffect(reference, path: AccessPath.ForVariable(variable), escapes: true) : null;
        }

        return resultVariables.Contains(variable) ? new FlowEffect(reference, variable: variable) : null;
    }

    /// <summary>The ranges still registered at the recorded exits, each registration once per exit.</summary>
    protected static void CollectLeaks(List<(HmmFlowState State, Location Exit)> exits, ImmutableArray<RangeLeak>.Builder leaks, SemanticModel? model)
    {
        var seen = new HashSet<(SyntaxNode, Location)>();
        foreach (var (state, exit) in exits)
        {
            foreach (var range in state.Ranges)
            {
                if (range.Value.MayLeak && range.Value.Registration is { } registration && !IsLastElementOfItsLoop(range.Key, exit) && seen.Add((registration, exit)))
                {
                    leaks.Add(new RangeLeak(range.Key, registration, exit, owned: range.Key.IsLocal && range.Key.Root is ILocalSymbol local && !HoldsAnotherOwnersRange(local, model)));
                }
            }
        }
    }

    // Past its foreach, the iteration variable holds the collection's last element, which the
    // collection still holds: the last round's registration is no more this body's to release than
    // an earlier round's, which the next element replaced (a driver registers every range of a
    // list and releases them in a second loop, or in another method). So is a local of a loop's
    // body set once to an element (`var range = ranges[i];`, `ranges.ElementAt(i)`). A return
    // inside the loop still leaks the range in hand.
    private static bool IsLastElementOfItsLoop(AccessPath range, Location exit)
    {
        if (!range.IsLocal || range.Root is not ILocalSymbol local || local.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        var declaration = local.DeclaringSyntaxReferences[0].GetSyntax();
        if (local.IsForEach)
        {
            return !declaration.Span.Contains(exit.SourceSpan);
        }

        if (declaration is not VariableDeclaratorSyntax { Initializer.Value: { } initial } || !IsElement(initial)
            || declaration.Ancestors().TakeWhile(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax))
                .FirstOrDefault(n => n is ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax or CommonForEachStatementSyntax) is not { } loop
            || loop.Span.Contains(exit.SourceSpan))
        {
            return false;
        }

        // Set to nothing else in the loop (a new range in it would be this body's).
        return !loop.DescendantNodes().Any(node =>
            (node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax assigned } && assigned.Identifier.ValueText == local.Name)
            || (node is ArgumentSyntax { Expression: IdentifierNameSyntax passed } argument && argument.RefKindKeyword.RawKind != 0 && passed.Identifier.ValueText == local.Name));
    }

    // An element its collection keeps: indexed, or read by a call that leaves it there (not
    // Dequeue or Pop, which hand it over).
    private static bool IsElement(ExpressionSyntax value) => value switch
    {
        ParenthesizedExpressionSyntax parenthesized => IsElement(parenthesized.Expression),
        PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression) => IsElement(suppressed.Operand),
        ElementAccessExpressionSyntax => true,
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: var name } } =>
            name is "ElementAt" or "ElementAtOrDefault" or "First" or "FirstOrDefault" or "Last" or "LastOrDefault"
                or "Single" or "SingleOrDefault" or "Find" or "FindLast" or "Peek",
        _ => false,
    };

    // A local set to a member or a parameter (`var range = dev.Range;`, `range = this.range;`)
    // holds that member's range: like the member itself, it is this body's to release only if
    // the body releases it somewhere.
    private static bool HoldsAnotherOwnersRange(ILocalSymbol local, SemanticModel? model)
    {
        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            var declaration = reference.GetSyntax();
            if (declaration is VariableDeclaratorSyntax { Initializer.Value: { } initial } && IsStorage(initial, model))
            {
                return true;
            }

            var scope = declaration.Ancestors().FirstOrDefault(n => n is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) ?? declaration;
            foreach (var node in scope.DescendantNodes())
            {
                if (node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax assigned } assignment
                    && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
                    && assigned.Identifier.ValueText == local.Name
                    && (model is null || SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(assigned).Symbol, local))
                    && IsStorage(assignment.Right, model))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // A value read from a field, a property or a parameter, through `!`, casts, `?:`, `??` and
    // switch expression arms.
    private static bool IsStorage(ExpressionSyntax value, SemanticModel? model) => value switch
    {
        ParenthesizedExpressionSyntax parenthesized => IsStorage(parenthesized.Expression, model),
        CastExpressionSyntax cast => IsStorage(cast.Expression, model),
        PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression) => IsStorage(suppressed.Operand, model),
        ConditionalExpressionSyntax conditional => IsStorage(conditional.WhenTrue, model) || IsStorage(conditional.WhenFalse, model),
        BinaryExpressionSyntax coalesce when coalesce.IsKind(SyntaxKind.CoalesceExpression) => IsStorage(coalesce.Left, model) || IsStorage(coalesce.Right, model),
        SwitchExpressionSyntax choice => choice.Arms.Any(arm => IsStorage(arm.Expression, model)),
        MemberAccessExpressionSyntax or ConditionalAccessExpressionSyntax { WhenNotNull: MemberBindingExpressionSyntax } => true,
        IdentifierNameSyntax name => model?.GetSymbolInfo(name).Symbol is IFieldSymbol or IPropertySymbol or IParameterSymbol,
        _ => false,
    };

    /// <summary>
    /// Appends the operations of <paramref name="root"/> in evaluation order: each operation's
    /// children (arguments, operands) before it. Iterative, so a deep expression cannot overflow.
    /// </summary>
    protected static void AppendPostOrder(IOperation root, Stack<(IOperation Operation, bool ChildrenDone)> walk, List<IOperation> order)
    {
        walk.Push((root, false));
        while (walk.Count > 0)
        {
            var (operation, childrenDone) = walk.Pop();
            if (childrenDone)
            {
                order.Add(operation);
                continue;
            }

            walk.Push((operation, true));
            if (operation.Kind == OperationKind.AnonymousFunction)
            {
                // A lambda in the operation tree is a body of its own (the graph has it as one
                // operation without children).
                continue;
            }

            foreach (var child in operation.ChildOperations.Reverse())
            {
                walk.Push((child, false));
            }
        }
    }

    /// <summary>
    /// The operations an effect may come from, in the post-order of a walk (arguments before their
    /// call); false for every other operation, which can change nothing.
    /// </summary>
    // By kind, not by interface: asked of every operation the walks evaluate, and an interface
    // test costs more than the rest of the answer.
    protected bool IsEffectCandidate(IOperation operation) => operation.Kind switch
    {
        OperationKind.ObjectCreation => everyCall,
        OperationKind.SimpleAssignment or OperationKind.IsPattern or OperationKind.FlowCapture => true,
        OperationKind.VariableDeclarator => ((IVariableDeclaratorOperation)operation).Initializer is not null,
        OperationKind.Invocation or OperationKind.LocalReference or OperationKind.ParameterReference => true,
        // Only a range or mirror held in a field or property can escape from here.
        OperationKind.FieldReference or OperationKind.PropertyReference => symbols.IsRange(operation.Type) || symbols.IsMirror(operation.Type),
        _ => false,
    };

    /// <summary>Notes an assignment, declarator or pattern: a registration result may go there.</summary>
    protected void NoteResultTarget(IOperation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.LocalReference when operation.Type?.SpecialType is SpecialType.System_Boolean or SpecialType.System_Int32 or SpecialType.System_Int64
                && IsOtherWrite(operation):
                (otherwiseWritten ??= new HashSet<ISymbol>(SymbolEqualityComparer.Default)).Add(((ILocalReferenceOperation)operation).Local);
                break;
            case OperationKind.ParameterReference when operation.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 && IsOtherWrite(operation):
                (otherwiseWritten ??= new HashSet<ISymbol>(SymbolEqualityComparer.Default)).Add(((IParameterReferenceOperation)operation).Parameter);
                break;
            case OperationKind.ParameterReference when operation.Type?.SpecialType == SpecialType.System_Boolean:
                var parameter = ((IParameterReferenceOperation)operation).Parameter;
                if (IsOtherWrite(operation))
                {
                    (otherwiseWritten ??= new HashSet<ISymbol>(SymbolEqualityComparer.Default)).Add(parameter);
                }
                else if (parameter.RefKind == RefKind.None)
                {
                    boolParameters ??= new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
                    boolParameters[parameter] = boolParameters.TryGetValue(parameter, out var reads) ? reads + 1 : 1;
                }

                break;
            case OperationKind.SimpleAssignment:
            case OperationKind.VariableDeclarator when ((IVariableDeclaratorOperation)operation).Initializer is not null:
                assignments.Add(operation);
                break;
            case OperationKind.IsPattern:
                var isPattern = (IIsPatternOperation)operation;
                patterns.Add((isPattern.Value, isPattern.Pattern));
                break;
        }
    }

    // A reference through which the variable may change other than by a plain assignment.
    private static bool IsOtherWrite(IOperation reference) => reference.Parent switch
    {
        ICompoundAssignmentOperation compound => compound.Target == reference,
        IIncrementOrDecrementOperation or ICoalesceAssignmentOperation => true,
        IArgumentOperation argument => argument.Parameter?.RefKind is not RefKind.None,
        ITupleOperation or IAddressOfOperation => true,
        IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol.RefKind: not RefKind.None } } => true,
        ISimpleAssignmentOperation { IsRef: true } => true,
        _ => false,
    };

    // A flag this body follows: not one a lambda or local function also sees (it may set it any time).
    protected bool IsFlag(ISymbol variable) => flagVariables.Contains(variable) && !Captured.Contains(variable);

    // A result variable whose constants this body follows (`int ret = -EBUSY;`): an int only ever
    // set by a plain assignment, and not one a lambda or local function also sees.
    private bool FollowsConstants(ISymbol variable) =>
        (variable is ILocalSymbol { Type.SpecialType: SpecialType.System_Int32 or SpecialType.System_Int64, RefKind: RefKind.None }
            or IParameterSymbol { Type.SpecialType: SpecialType.System_Int32 or SpecialType.System_Int64, RefKind: RefKind.None or RefKind.Out })
        && otherwiseWritten?.Contains(variable) != true && !Captured.Contains(variable);

    /// <summary>Notes a call that registers <paramref name="range"/>; before the walk, over the whole body.</summary>
    protected void NoteRangeRegistration(AccessPath range, SyntaxNode call)
    {
        rangeRegistrations ??= new Dictionary<AccessPath, SyntaxNode>();
        if (!rangeRegistrations.TryGetValue(range, out var first))
        {
            rangeRegistrations[range] = call;
        }
        else if (first != call)
        {
            (rangesRegisteredTwice ??= new HashSet<AccessPath>()).Add(range);
        }
    }

    private bool IsOnlyRegistration(AccessPath range) => rangesRegisteredTwice is null || !rangesRegisteredTwice.Contains(range);

    // The variables a result can reach: assigned a registering call, a captured value (a
    // switch or conditional may carry one), or another such variable; or declared by a
    // pattern on one. Iterated to a fixpoint, with a bound past which every target counts.
    protected void CollectResultVariables()
    {
        foreach (var assignment in assignments)
        {
            var (target, value) = assignment switch
            {
                ISimpleAssignmentOperation simple => (VariableOf(simple.Target), simple.Value),
                IVariableDeclaratorOperation declarator => (declarator.Symbol, declarator.Initializer?.Value),
                _ => (null, null),
            };
            if (target is ILocalSymbol { Type.SpecialType: SpecialType.System_Boolean, RefKind: RefKind.None }
                    or IParameterSymbol { Type.SpecialType: SpecialType.System_Boolean, RefKind: RefKind.None }
                && otherwiseWritten?.Contains(target) != true)
            {
                flagVariables.Add(target);
                resultVariables.Add(target);
            }
        }

        if (boolParameters is not null)
        {
            foreach (var pair in boolParameters)
            {
                if (pair.Value > 1 && otherwiseWritten?.Contains(pair.Key) != true)
                {
                    flagVariables.Add(pair.Key);
                }
            }
        }

        for (var round = 0; ; round++)
        {
            var changed = false;
            foreach (var assignment in assignments)
            {
                var (target, value) = assignment switch
                {
                    ISimpleAssignmentOperation simple => (VariableOf(simple.Target), simple.Value),
                    IVariableDeclaratorOperation declarator => (declarator.Symbol, declarator.Initializer?.Value),
                    _ => (null, null),
                };
                if (target is not null && !resultVariables.Contains(target)
                    && (round >= MaxResultRounds || MayBeResult(value)))
                {
                    changed |= resultVariables.Add(target);
                }

                if (round == 0 && target is not null && AccessPath.Unwrap(value) is IFlowCaptureReferenceOperation reference)
                {
                    assignedCaptures.Add(reference.Id);
                }
            }

            foreach (var (value, pattern) in patterns)
            {
                if (round >= MaxResultRounds || MayBeResult(value))
                {
                    foreach (var declared in pattern.DescendantsAndSelf())
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

    protected ISymbol? VariableOf(IOperation target) => target switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        // Only a variable the graph copied into a capture; a field or property is none.
        IFlowCaptureReferenceOperation capture => Path(capture) is { IsVariable: true } path ? path.Root : null,
        _ => null,
    };

    protected bool MayBeResult(IOperation? value) => AccessPath.Unwrap(value) switch
    {
        IInvocationOperation invocation => Call(invocation).HasRegistrationResult,
        IFlowCaptureReferenceOperation => true,
        // What the graph has as a capture of the arms' values.
        IConditionalOperation or ISwitchExpressionOperation => true,
        ILocalReferenceOperation local => resultVariables.Contains(local.Local),
        IParameterReferenceOperation parameter => resultVariables.Contains(parameter.Parameter),
        // (ret = HmmApi.RangeRegister(...)) is var error: the assignment's value is the result.
        ISimpleAssignmentOperation assignment => MayBeResult(assignment.Value),
        _ => false,
    };

    // Not cached: classifying a call costs less than hashing the operation (a first identity hash
    // of each of the driver's new operation objects).
    protected HmmCall Call(IInvocationOperation invocation) => HmmCall.Classify(invocation, symbols);

    // switch (ret) and switch (HmmApi.RangeRegister(...)) compare a capture of the result.
    protected ResultBinding? CapturedResult(IFlowCaptureReferenceOperation capture, HmmFlowState state)
    {
        if (captureResults.TryGetValue(capture.Id, out var binding) || state.CapturedResults.TryGetValue(capture.Id, out binding))
        {
            return binding;
        }

        return Path(capture) is { IsVariable: true } path && state.Results.TryGetValue(path.Root, out var copied) ? copied : null;
    }

    protected AccessPath? Path(IOperation? operation)
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

        // Made again on each ask: a member chain costs less to walk than the first identity hash
        // of each of the driver's fresh operation objects a cache keyed by them would take.
        return AccessPath.Unwrap(operation) is IFlowCaptureReferenceOperation reference
            ? (captures.TryGetValue(reference.Id, out var captured) ? captured : null)
            : AccessPath.TryCreate(operation);
    }

    // Each entry point below takes the ways a state keeps apart by flags one at a time: what it
    // reads of the state is then that way's, not their join.
    protected HmmFlowState Transfer(FlowEffect[] effects, HmmFlowState state)
    {
        if (state.IsSplit)
        {
            return state.Map(effects, (way, each) => Transfer(each, way))!;
        }

        foreach (var effect in effects)
        {
            state = Apply(effect, state);
        }

        return state;
    }

    protected HmmFlowState Apply(FlowEffect effect, HmmFlowState state)
    {
        if (state.IsSplit)
        {
            return state.Map(effect, (way, each) => Apply(each, way))!;
        }

        var operation = effect.Operation;
        switch (operation)
        {
            case IInvocationOperation invocation:
                if (everyCall || effect.Call.Kind != HmmCallKind.None)
                {
                    RecordBefore(invocation.Syntax, state);
                }

                state = ApplyCall(effect, state);
                // Whether a flag takes the result is known once the captured variables are: at the walk.
                return effect.Binding is { } binding && !effect.ResultFollowed && !ComparedIntoFlag(invocation) ? ApplyUnfollowedResult(binding, state) : state;
            case IIsPatternOperation isPattern:
                return BindPatternVariables(isPattern.Value, isPattern.Pattern, state);
            case IFlowCaptureOperation capture:
                return state.WithCapturedResult(capture.Id, ResultOf(capture.Value, state) ?? ResultOnThisPath(capture.Value, state));
            case IObjectCreationOperation creation:
                RecordBefore(creation.Syntax, state);
                return state;
            case ISimpleAssignmentOperation assignment:
                return ApplyAssignment(effect.Path, assignment.Value, state);
            case IVariableDeclaratorOperation declarator:
                return ApplyAssignment(effect.Path, declarator.Initializer?.Value, state);
            case ILocalReferenceOperation or IParameterReferenceOperation:
                state = effect.Escapes ? Escape(effect.Path, state) : state;
                return !state.Results.IsEmpty && effect.Variable is { } variable && state.Results.TryGetValue(variable, out var held)
                    && !ResultIsFollowed(operation) && !ComparedIntoFlag(operation)
                    ? ApplyUnfollowedResult(held, state)
                    : state;
            case IFieldReferenceOperation or IPropertyReferenceOperation:
                return effect.Escapes ? Escape(effect.Path, state) : state;
            default:
                return state;
        }
    }

    protected void RecordBefore(SyntaxNode node, HmmFlowState state)
    {
        if (recordStates is null)
        {
            return;
        }

        recordStates[node] = recordStates.TryGetValue(node, out var existing) ? existing.Join(state) : state;
    }

    protected HmmFlowState ApplyCall(FlowEffect effect, HmmFlowState state)
    {
        var call = effect.Call;
        switch (call.Kind)
        {
            case HmmCallKind.MirrorRegister or HmmCallKind.MirrorUnregister when effect.Mirror is { } mirror && IsShared(mirror):
                return state;
            case HmmCallKind.MirrorRegister when effect.Mirror is { } mirror:
                return state.WithMirror(mirror, MirrorValue.Registering(call.Invocation.Syntax, effect.Mm));
            case HmmCallKind.MirrorUnregister when effect.Mirror is { } mirror:
                return UnregisterMirror(mirror, call.Invocation.Syntax, state);
            case HmmCallKind.RangeRegister or HmmCallKind.LegacyRangeRegister or HmmCallKind.VmaFault or HmmCallKind.LegacyVmaFault
                when effect.Range is { } range:
                return state.WithRange(range, RangeValue.Registering(call.Invocation.Syntax, EscapedBit(range, state), IsOnlyRegistration(range)));
            case HmmCallKind.RangeUnregister when effect.Range is { } range:
                recordUnregistered?.Add(range);
                return state.WithRange(range, new RangeValue(RangeFacts.NotRegistered | EscapedBit(range, state), null));
            default:
                return state;
        }
    }

    /// <summary>MirrorUnregister, or the Dispose at <paramref name="at"/>.</summary>
    protected static HmmFlowState UnregisterMirror(AccessPath mirror, SyntaxNode at, HmmFlowState state) =>
        state.Map((mirror, at), static (way, each) => way.WithMirror(each.mirror, new MirrorValue(MirrorFacts.Unregistered, null, each.at, way.Mirror(each.mirror).Mm)))!;

    // A mirror variable a lambda or local function uses may be registered or unregistered
    // whenever that code runs: it is not followed, assumed live as a parameter is.
    private bool IsShared(AccessPath mirror) => Captured.Count > 0 && Captured.Contains(mirror.Root);

    protected RangeFacts EscapedBit(AccessPath range, HmmFlowState state) =>
        Captured.Contains(range.Root) || (state.Range(range).Facts & RangeFacts.Escaped) != 0 ? RangeFacts.Escaped : 0;

    protected HmmFlowState ApplyAssignment(AccessPath? target, IOperation? assigned, HmmFlowState state)
    {
        if (state.IsSplit)
        {
            return state.Map((target, assigned), (way, each) => ApplyAssignment(each.target, each.assigned, way))!;
        }

        if (target is null)
        {
            return state;
        }

        var value = AccessPath.Unwrap(assigned);
        var type = target.Type;
        if (symbols.IsMirror(type))
        {
            return IsShared(target) ? state : state.WithMirror(target, AssignedMirror(value, state));
        }

        if (symbols.IsRange(type))
        {
            // A new object in the variable: what the old one owed is no longer visible here.
            return state.WithRange(target, RangeValue.Unregistered);
        }

        if (symbols.IsMm(type))
        {
            // `mm = next;` (a loop's next element too): a mirror registered with the old one is not the new one's.
            return state.WithMmReassigned(target);
        }

        if (target.IsVariable && IsFlag(target.Root))
        {
            if (value?.ConstantValue is { HasValue: true, Value: bool constant })
            {
                return state.WithFlag(target.Root, constant).WithResult(target.Root, FlagOnThisPath(constant, state));
            }

            if (value is not null && TestedAsFlag(target.Root, value, state) is { } tested)
            {
                return tested;
            }

            // Any other value: unknown, and a result only as any variable holds one.
            state = state.WithFlag(target.Root, null);
        }

        if (target.IsVariable)
        {
            state = state.WithResult(target.Root, ResultOf(value, state));
            state = FollowsConstants(target.Root) ? state.WithConstant(target.Root, ResultCheck.ResultConstant(value)) : state;
            // The variable holds the capture's value from here: the capture is done with.
            return value is IFlowCaptureReferenceOperation reference ? state.WithCapturedResult(reference.Id, null) : state;
        }

        return state;
    }

    // `bool ok = ret == 0;`, `failed = HmmApi.RangeRegister(...) != 0;`: a result compared, the
    // comparison the whole value of a flag this body follows (TestedAsFlag sets it per outcome).
    private bool ComparedIntoFlag(IOperation value)
    {
        var test = value.Parent;
        while (test is IConversionOperation or IParenthesizedOperation)
        {
            test = test.Parent;
        }

        if (test is not (IBinaryOperation or IIsPatternOperation) || !ResultCheck.CanRead(test))
        {
            return false;
        }

        var node = test;
        var parent = test.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation or IUnaryOperation { OperatorKind: UnaryOperatorKind.Not })
        {
            node = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => IsFlag(declarator.Symbol),
            ISimpleAssignmentOperation assignment when assignment.Value == node => VariableOf(assignment.Target) is { } variable && IsFlag(variable),
            _ => false,
        };
    }

    // `bool ok = ret == 0;` as `ret == 0 ? true : false`: the flag true where the test holds and
    // false where it does not, each way refined as an `if` on the test would refine it. Null for
    // a value that tests no registration's result (the flag is unknown then).
    private HmmFlowState? TestedAsFlag(ISymbol flag, IOperation value, HmmFlowState state)
    {
        refineState = state;
        if (value.Type?.SpecialType != SpecialType.System_Boolean
            || ResultCheck.TryCreate(value, true, state, symbols, capturedResultInRefine, variableOfInRefine) is not { Binding: not null })
        {
            return null;
        }

        HmmFlowState? Set(HmmFlowState? way, bool holds) => way?.WithFlag(flag, holds).WithResult(flag, FlagOnThisPath(holds, way));
        var whenTrue = Set(Refine(state, value, outcome: true), holds: true);
        var whenFalse = Set(Refine(state, value, outcome: false), holds: false);
        return whenTrue is null ? whenFalse : whenFalse is null ? whenTrue : whenTrue.Join(whenFalse);
    }

    // `0` where only a call's success reaches, an errno where only its failure does: a value that
    // tells the call's outcome as its result would (`ret switch { 0 => 0, var e => e }`).
    protected static ResultBinding? ResultOnThisPath(IOperation value, HmmFlowState state)
    {
        // `bool failed = ret == 0 ? false : true;`: a flag that tells the outcome.
        if (value.ConstantValue is { HasValue: true, Value: bool flag })
        {
            return FlagOnThisPath(flag, state);
        }

        if (value.ConstantValue is not { HasValue: true, Value: int constant } || constant > 0)
        {
            return null;
        }

        return DecidedOnThisPath(state, succeeded: constant == 0);
    }

    // The one call whose outcome every linked value on this path agrees is `succeeded`.
    private static ResultBinding? DecidedOnThisPath(HmmFlowState state, bool succeeded, bool? successWhen = null)
    {
        SyntaxNode? call = null;
        AccessPath? range = null, mirror = null;
        foreach (var pair in state.Ranges)
        {
            if (pair.Value.DecidedBy is { } by && (succeeded ? pair.Value.IfFailed : pair.Value.IfSucceeded) == 0)
            {
                if (call is not null && call != by)
                {
                    return null;
                }

                (call, range) = (by, pair.Key);
            }
        }

        foreach (var pair in state.Mirrors)
        {
            if (pair.Value.DecidedBy is { } by && (succeeded ? pair.Value.IfFailed : pair.Value.IfSucceeded) == 0)
            {
                if (call is not null && call != by)
                {
                    return null;
                }

                (call, mirror) = (by, pair.Key);
            }
        }

        return call is null ? null : new ResultBinding(call, mirror, range, successWhen);
    }

    // `registered = true` where only the call's success reaches: the flag tells its outcome.
    private static ResultBinding? FlagOnThisPath(bool value, HmmFlowState state) =>
        DecidedOnThisPath(state, succeeded: true, successWhen: value) ?? DecidedOnThisPath(state, succeeded: false, successWhen: !value);

    // The registration a value stands for: the call itself, or a variable that holds its result.
    protected ResultBinding? ResultOf(IOperation? value, HmmFlowState state)
    {
        switch (AccessPath.Unwrap(value))
        {
            case IInvocationOperation invocation when Call(invocation) is { HasRegistrationResult: true } call:
                return Binding(call);
            case IFlowCaptureReferenceOperation capture:
                return CapturedResult(capture, state);
            case ISimpleAssignmentOperation assignment:
                return ResultOf(assignment.Value, state);
            case { } other when Path(other) is { IsVariable: true } path:
                return state.Results.TryGetValue(path.Root, out var binding) ? binding : null;
            default:
                return null;
        }
    }

    // `ret is var error`, `HmmApi.MirrorRegister(m, mm) is int error and not 0`: the declared
    // variables hold the result.
    protected HmmFlowState BindPatternVariables(IOperation value, IPatternOperation pattern, HmmFlowState state)
    {
        if (state.IsSplit)
        {
            return state.Map((value, pattern), (way, each) => BindPatternVariables(each.value, each.pattern, way))!;
        }

        if (ResultOf(value, state) is not { } binding)
        {
            return state;
        }

        var pending = new Stack<IPatternOperation>();
        pending.Push(pattern);
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
    protected static HmmFlowState ApplyUnfollowedResult(ResultBinding binding, HmmFlowState state)
    {
        if (state.IsSplit)
        {
            return state.Map(binding, static (way, each) => ApplyUnfollowedResult(each, way))!;
        }

        // Where the outcome is already told apart on every path here, nothing is lost.
        if (binding.Range is { } range && state.Range(range) is { IsUndecided: true } rangeValue && rangeValue.DecidedBy == binding.Call)
        {
            state = state.WithRange(range, rangeValue.Undecidable());
        }

        if (binding.Mirror is { } mirror && state.Mirror(mirror) is { IsUndecided: true } mirrorValue && mirrorValue.DecidedBy == binding.Call)
        {
            state = state.WithMirror(mirror, mirrorValue.Undecidable());
        }

        return state;
    }

    protected static bool ResultIsFollowed(IOperation value)
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
            // In the operation tree, what the graph has as a branch value of its own.
            case IWhileLoopOperation loop when loop.Condition == child:
            case IForLoopOperation forLoop when forLoop.Condition == child:
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr }:
            case IExpressionStatementOperation:
            case IReturnOperation:
            case IFlowCaptureOperation:
            // In the operation tree, what the graph copies into a capture (the switched value, an
            // arm's value), or branches on (a guard).
            case ISwitchOperation:
            case ISwitchExpressionOperation:
            case ISwitchExpressionArmOperation:
            case IConditionalOperation:
            case IPatternCaseClauseOperation clause when clause.Guard == child:
                return true;
            case ISimpleAssignmentOperation assignment when assignment.Target == child:
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation }:
                return true;
            case ISimpleAssignmentOperation assignment:
                return AccessPath.TryCreate(assignment.Target) is { IsVariable: true };
            case IIsPatternOperation isPattern when DeclaresVariable(isPattern.Pattern):
                return true;
            case IIsPatternOperation or IBinaryOperation:
                return IsBranchedOn(parent) && ResultCheck.CanRead(parent);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not }:
                // if (!registered): a flag branched on.
                return IsBranchedOn(parent);
            default:
                return false;
        }
    }

    // A condition the graph branches on directly (through `!`): Refine reads it. In a graph it is
    // a branch value; in the operation tree, the condition of an if, a loop or a `?:`, or an
    // operand of `&&` or `||`, which the graph splits into branches of their own.
    protected static bool IsBranchedOn(IOperation condition)
    {
        var node = condition;
        var parent = condition.Parent;
        while (parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } or IParenthesizedOperation)
        {
            node = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            null => true,
            IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } => true,
            IConditionalOperation conditional => conditional.Condition == node,
            IWhileLoopOperation loop => loop.Condition == node,
            IForLoopOperation loop => loop.Condition == node,
            IPatternCaseClauseOperation clause => clause.Guard == node,
            ISwitchExpressionArmOperation arm => arm.Guard == node,
            _ => false,
        };
    }

    protected static bool DeclaresVariable(IPatternOperation pattern) => pattern switch
    {
        IDeclarationPatternOperation { DeclaredSymbol: not null } => true,
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both => DeclaresVariable(both.LeftPattern) || DeclaresVariable(both.RightPattern),
        _ => false,
    };

    protected MirrorValue AssignedMirror(IOperation? value, HmmFlowState state)
    {
        if (value is IInvocationOperation invocation)
        {
            var call = Call(invocation);
            return call.Kind == HmmCallKind.MirrorCreateRegistered
                ? new MirrorValue(MirrorFacts.Live, null, null, Path(call.Mm))
                : MirrorValue.Assumed;
        }

        if (value is IObjectCreationOperation)
        {
            return new MirrorValue(MirrorFacts.NotRegistered, null, null, null);
        }

        if (value?.ConstantValue is { HasValue: true, Value: null })
        {
            return new MirrorValue(MirrorFacts.Null, null, null, null);
        }

        return Path(value) is { } source ? state.Mirror(source) : MirrorValue.Assumed;
    }

    protected ResultBinding Binding(HmmCall call) =>
        new(call.Invocation.Syntax,
            call.Kind == HmmCallKind.MirrorRegister ? Path(call.Mirror) : null,
            call.RegistersRange ? Path(call.Range) : null);

    // Is this reference (a whole path, not the instance of a longer one) used in a way that
    // hands the object to someone else?
    protected bool Escapes(IOperation reference)
    {
        var isRange = symbols.IsRange(reference.Type);
        if (!isRange && !symbols.IsMirror(reference.Type))
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
                return isRange || MirrorHandedOver(parent, child);
        }
    }

    // A mirror handed to code this body does not see (a helper, a constructor, a field, a
    // collection) may be registered or unregistered there. Tests of it (`is null`, `?.`, `??`),
    // a `using` of it and a copy into a local keep it here.
    private static bool MirrorHandedOver(IOperation parent, IOperation child) => parent switch
    {
        IArgumentOperation => true,
        ISimpleAssignmentOperation assignment => assignment.Value == child
            && assignment.Target.Kind is not (OperationKind.LocalReference or OperationKind.ParameterReference or OperationKind.Discard),
        IArrayInitializerOperation or ITupleOperation or IReturnOperation => true,
        _ => false,
    };

    // `return range;` hands the range over; so does `return HmmApi.RangeRegister(range, ...)`
    // for a range the caller gave us: the caller learns the outcome and owns the range.
    protected HmmFlowState ReturnedToCaller(IOperation value, HmmFlowState state)
    {
        if (state.IsSplit)
        {
            return state.Map(value, (way, each) => ReturnedToCaller(each, way))!;
        }

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

        // `return err == 0;` (a try-register helper): the caller learns the outcome from a value
        // this body does not branch on, as from any other use the analysis does not follow. (The
        // graph has the returned comparison as a branch value of its own, read as if branched on.)
        if (value is IBinaryOperation or IIsPatternOperation or IUnaryOperation { OperatorKind: UnaryOperatorKind.Not }
            && TestedResult(value, state) is { } binding)
        {
            return ApplyUnfollowedResult(binding, state);
        }

        return state;
    }

    private ResultBinding? TestedResult(IOperation test, HmmFlowState state) => AccessPath.Unwrap(test) switch
    {
        IBinaryOperation binary => ResultOf(binary.LeftOperand, state) ?? ResultOf(binary.RightOperand, state),
        IIsPatternOperation isPattern => ResultOf(isPattern.Value, state),
        IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not => TestedResult(not.Operand, state),
        var other => ResultOf(other, state),
    };

    // A mirror handed over is its new owner's to register: assumed live from here (the mm it was
    // registered with, if any, kept); a range handed over is its new owner's to unregister.
    protected HmmFlowState Escape(AccessPath? path, HmmFlowState state)
    {
        if (path is null)
        {
            return state;
        }

        return symbols.IsMirror(path.Type)
            ? state.Map(path, static (way, mirror) => way.WithMirror(mirror, MirrorValue.HandedOver(way.Mirror(mirror))))!
            : state.WithRange(path, RangeValue.Escaped);
    }

    /// <summary>
    /// A constant condition (<c>while (true)</c>) never takes its other branch, and a pattern that
    /// matches every value (the <c>_</c> or <c>var e</c> arm of a switch, <c>is int err</c> on a result) never fails: no path goes there.
    /// </summary>
    protected static bool CannotBe(IOperation condition, bool outcome) => condition switch
    {
        { ConstantValue: { HasValue: true, Value: bool value } } => value != outcome,
        IIsPatternOperation isPattern => !outcome && ResultCheck.MatchesEveryValue(isPattern.Pattern),
        _ => false,
    };

    /// <summary>The state on one outcome of a branch; null where no result the call can return takes it.</summary>
    protected HmmFlowState? Refine(HmmFlowState state, IOperation condition, bool outcome)
    {
        if (state.IsSplit)
        {
            return state.Map((condition, outcome), (way, each) => Refine(way, each.condition, each.outcome));
        }

        var tested = condition;
        var testedOutcome = outcome;
        if (Tested(ref tested, ref testedOutcome))
        {
            if (flagVariables.Count > 0 && FlagOf(tested) is { } flag)
            {
                return RefineFlag(state, flag, testedOutcome);
            }

            if (RegisteredTest(tested) is { } mirror)
            {
                return MirrorTested(state, mirror, registered: testedOutcome);
            }
        }

        if (NullTest(condition, outcome) is { } test)
        {
            return NullTested(state, test.Mirror, test.IsNull);
        }

        refineState = state;
        return Refine(state, ResultCheck.TryCreate(condition, outcome, state, symbols, capturedResultInRefine, variableOfInRefine));
    }

    /// <summary>The state where <paramref name="flag"/> is <paramref name="value"/>; null where no path here has it so.</summary>
    protected HmmFlowState? RefineFlag(HmmFlowState state, ISymbol flag, bool value)
    {
        if (state.IsSplit)
        {
            return state.Map((flag, value), (way, each) => RefineFlag(way, each.flag, each.value));
        }

        // A flag known on every path here: the other branch is no path the code takes.
        if (state.Flags.TryGetValue(flag, out var known))
        {
            return known.Value == value ? state : null;
        }

        var refined = state.Results.TryGetValue(flag, out var binding) && binding.SuccessWhen is { } successWhen
            ? Refine(state, ResultCheck.ForFlag(binding, succeeded: value == successWhen))
            : state;
        return refined?.WithFlag(flag, value);
    }

    /// <summary>
    /// `switch (registered) { case true: ... }`, `registered switch { false => ... }`: the flag a
    /// case compares with a constant, and the constant; null for any other case.
    /// </summary>
    protected (ISymbol Flag, bool Value)? FlagCase(IOperation value, IOperation? constant)
    {
        if (flagVariables.Count == 0 || constant?.ConstantValue is not { HasValue: true, Value: bool matched })
        {
            return null;
        }

        return FlagOf(AccessPath.Unwrap(value)) is { } flag ? (flag, matched) : null;
    }

    // `mirror ??= HmmMirror.Register(...)`, `if (mirror is null)`, a using's null check: a local
    // set to null, or to a mirror, on every path here takes one branch only.
    protected static HmmFlowState? NullTested(HmmFlowState state, AccessPath mirror, bool isNull)
    {
        if (state.IsSplit)
        {
            return state.Map((mirror, isNull), static (way, each) => NullTested(way, each.mirror, each.isNull));
        }

        if (!state.Mirrors.TryGetValue(mirror, out var value))
        {
            return state;
        }

        return value.Tested(isNull) is { } kept ? state.WithMirror(mirror, kept) : null;
    }

    // A test of a mirror path against null (`m is null`, `m != null`, the graph's test of `??=`):
    // the path, and whether it is null on this outcome.
    private (AccessPath Mirror, bool IsNull)? NullTest(IOperation condition, bool outcome)
    {
        var operation = AccessPath.Unwrap(condition);
        for (var depth = 0; operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not && depth < 8; depth++)
        {
            outcome = !outcome;
            operation = AccessPath.Unwrap(not.Operand);
        }

        IOperation? tested;
        switch (operation)
        {
            case IIsNullOperation isNull:
                tested = isNull.Operand;
                break;
            case IIsPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: null } } } isPattern:
                tested = isPattern.Value;
                break;
            case IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: null } } } } isNotPattern:
                (tested, outcome) = (isNotPattern.Value, !outcome);
                break;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                tested = binary.RightOperand.ConstantValue is { HasValue: true, Value: null } ? binary.LeftOperand
                    : binary.LeftOperand.ConstantValue is { HasValue: true, Value: null } ? binary.RightOperand
                    : null;
                outcome = binary.OperatorKind == BinaryOperatorKind.Equals ? outcome : !outcome;
                break;
            default:
                return null;
        }

        return tested is not null && symbols.IsMirror(AccessPath.Unwrap(tested)?.Type) && Path(AccessPath.Unwrap(tested)) is { } path ? (path, outcome) : null;
    }

    // `mirror.IsRegistered`: the mirror it asks about.
    private AccessPath? RegisteredTest(IOperation tested) =>
        tested is IPropertyReferenceOperation { Property.Name: ApiNames.Members.IsRegistered, Instance: { } instance } && symbols.IsMirror(instance.Type)
            ? Path(instance)
            : null;

    // Past `if (!mirror.IsRegistered) return ...;`: registered on the one branch, not on the other.
    private static HmmFlowState MirrorTested(HmmFlowState state, AccessPath mirror, bool registered) =>
        state.Map((mirror, registered), static (way, each) =>
        {
            var value = way.Mirror(each.mirror);
            return way.WithMirror(each.mirror, new MirrorValue(each.registered ? MirrorFacts.Live : MirrorFacts.NotRegistered, value.Registration, value.Unregistration, value.Mm));
        })!;

    // What a bool condition tests once `!`, `== false` and `is true` are taken off: the value
    // (into `operation`), with the outcome for its own value; false when nothing is tested that way.
    private static bool Tested(ref IOperation operation, ref bool outcome)
    {
        operation = AccessPath.Unwrap(operation)!;
        for (var depth = 0; operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not && depth < 8; depth++)
        {
            outcome = !outcome;
            operation = AccessPath.Unwrap(not.Operand)!;
        }

        var compared = operation switch
        {
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals, OperatorMethod: null } binary
                when binary.RightOperand.ConstantValue is { HasValue: true, Value: bool right } =>
                (binary.LeftOperand, right == (binary.OperatorKind == BinaryOperatorKind.Equals)),
            IIsPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool matched } } } isPattern =>
                (isPattern.Value, matched),
            IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool unmatched } } } } isNotPattern =>
                (isNotPattern.Value, !unmatched),
            _ => ((IOperation?)null, true),
        };
        if (compared.Item1 is { } subject)
        {
            outcome = compared.Item2 ? outcome : !outcome;
            operation = AccessPath.Unwrap(subject)!;
        }

        return operation.Type?.SpecialType == SpecialType.System_Boolean;
    }

    // The flag a value reads: the variable, or the graph's capture of it (a switch's value).
    private ISymbol? FlagOf(IOperation? operation) => operation switch
    {
        ILocalReferenceOperation local when IsFlag(local.Local) => local.Local,
        IParameterReferenceOperation parameter when IsFlag(parameter.Parameter) => parameter.Parameter,
        IFlowCaptureReferenceOperation capture when Path(capture) is { IsVariable: true } path && IsFlag(path.Root) => path.Root,
        _ => null,
    };

    protected static HmmFlowState? Refine(HmmFlowState state, ResultCheck? resultCheck)
    {
        if (resultCheck is not { } check)
        {
            return state;
        }

        if (state.IsSplit)
        {
            return state.Map(check, static (way, each) => Refine(way, each));
        }

        // The registering calls return 0 or a negative errno: `ret > 0` is no path the code takes.
        if (!check.SuccessPossible && !check.FailurePossible)
        {
            return null;
        }

        if (check.Binding is not { } binding)
        {
            return state;
        }

        // An outcome that allows both success and failure tells nothing apart. But where an
        // earlier test let some failures on (`if (ret != 0 && ret != -EBUSY) return ret;`), a test
        // that tells errnos apart (`if (ret == -EBUSY) return ret;`) may take exactly those: the
        // analysis does not keep which errnos a path has, so the mirror's failed side is unknown.
        if (check.SuccessPossible && check.FailurePossible)
        {
            return check.SplitsFailures && binding.Mirror is { } split && state.Mirror(split) is var splitValue
                && splitValue.DecidedBy == binding.Call && splitValue.FailuresToldApart
                ? state.WithMirror(split, splitValue.Undecidable())
                : state;
        }

        // The facts keep their link to the call: a later test of the same result, after these
        // paths joined again (the arms of a switch), still tells them apart.
        // A flag known here tells this outcome, as `registered = true` after the check would. The
        // latest check wins over an earlier one's: what a path binds must not depend on the round
        // of a loop it is walked in, or the walks' fixpoints differ.
        foreach (var flag in state.Flags)
        {
            if (flag.Value.Constant is not null)
            {
                continue;
            }

            state = state.WithResult(flag.Key, new ResultBinding(binding.Call, binding.Mirror, binding.Range, check.SuccessPossible ? flag.Value.Value : !flag.Value.Value));
        }

        if (binding.Mirror is { } mirror && state.Mirror(mirror) is var mirrorValue && mirrorValue.DecidedBy == binding.Call)
        {
            state = state.WithMirror(mirror, mirrorValue.Decided(check.SuccessPossible));
        }

        if (binding.Range is { } range && state.Range(range) is var rangeValue && rangeValue.DecidedBy == binding.Call)
        {
            state = state.WithRange(range, rangeValue.Decided(check.SuccessPossible));
        }

        return state;
    }
}
