using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// A branch on the result of a registering call (<c>if (ret != 0)</c>, <c>if (ret &lt; 0)</c>,
/// <c>if (HmmApi.MirrorRegister(m, mm) != 0)</c>, <c>ret is 0</c>): on a given outcome, can the
/// call have succeeded (result 0) and can it have failed (a negative errno)?
/// </summary>
internal readonly struct ResultCheck
{
    private ResultCheck(ResultBinding binding, bool successPossible, bool failurePossible)
    {
        Binding = binding;
        SuccessPossible = successPossible;
        FailurePossible = failurePossible;
    }

    public ResultBinding Binding { get; }

    public bool SuccessPossible { get; }

    public bool FailurePossible { get; }

    private enum Comparison
    {
        Equal,
        NotEqual,
        Less,
        LessOrEqual,
        Greater,
        GreaterOrEqual,
    }

    public static ResultCheck? TryCreate(IOperation condition, bool outcome, HmmFlowState state, HmmSymbols symbols, Func<IFlowCaptureReferenceOperation, ResultBinding?> captured)
    {
        var operation = AccessPath.Unwrap(condition);
        for (var depth = 0; operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not && depth < 8; depth++)
        {
            outcome = !outcome;
            operation = AccessPath.Unwrap(not.Operand);
        }

        IOperation? subject;
        Comparison comparison;
        long constant;
        switch (operation)
        {
            case IBinaryOperation binary when Compare(binary.OperatorKind) is { } kind:
                if (Constant(binary.RightOperand) is { } right)
                {
                    (subject, comparison, constant) = (binary.LeftOperand, kind, right);
                }
                else if (Constant(binary.LeftOperand) is { } left)
                {
                    (subject, comparison, constant) = (binary.RightOperand, Flip(kind), left);
                }
                else
                {
                    return null;
                }

                break;
            case IIsPatternOperation isPattern when Pattern(isPattern.Pattern) is { } pattern:
                (subject, comparison, constant, outcome) = (isPattern.Value, pattern.Comparison, pattern.Constant, pattern.Negated ? !outcome : outcome);
                break;
            default:
                return null;
        }

        return Create(subject, comparison, constant, outcome, state, symbols, captured);
    }

    /// <summary>
    /// A case of a switch statement on <paramref name="subject"/> (<c>case 0:</c>, <c>case &lt; 0:</c>),
    /// as the graph tests it: the subject compared with the constant, or matched against the pattern.
    /// </summary>
    public static ResultCheck? ForCase(IOperation subject, ICaseClauseOperation clause, bool outcome, HmmFlowState state, HmmSymbols symbols) => clause switch
    {
        ISingleValueCaseClauseOperation single when Constant(single.Value) is { } value =>
            Create(subject, Comparison.Equal, value, outcome, state, symbols, NoCaptures),
        IPatternCaseClauseOperation patternClause => ForPattern(subject, patternClause.Pattern, outcome, state, symbols),
        _ => null,
    };

    /// <summary><paramref name="subject"/> matched against an arm's or a case's pattern.</summary>
    public static ResultCheck? ForPattern(IOperation subject, IPatternOperation pattern, bool outcome, HmmFlowState state, HmmSymbols symbols) =>
        Pattern(pattern) is { } read
            ? Create(subject, read.Comparison, read.Constant, read.Negated ? !outcome : outcome, state, symbols, NoCaptures)
            : null;

    // The operation tree has no graph captures.
    private static readonly Func<IFlowCaptureReferenceOperation, ResultBinding?> NoCaptures = _ => null;

    private static ResultCheck? Create(IOperation? subject, Comparison comparison, long constant, bool outcome, HmmFlowState state, HmmSymbols symbols, Func<IFlowCaptureReferenceOperation, ResultBinding?> captured)
    {
        var binding = BindingOf(subject, state, symbols, captured);
        if (binding is null)
        {
            return null;
        }

        var successPossible = Holds(comparison, 0, constant) == outcome;
        var failurePossible = false;
        foreach (var errno in new[] { -1L, constant - 1, constant, constant + 1, -4095L })
        {
            failurePossible |= errno < 0 && Holds(comparison, errno, constant) == outcome;
        }

        return new ResultCheck(binding, successPossible, failurePossible);
    }

    /// <summary>A branch on a flag that tells <paramref name="binding"/>'s outcome: that outcome on this side.</summary>
    public static ResultCheck ForFlag(ResultBinding binding, bool succeeded) => new(binding, succeeded, !succeeded);

    /// <summary>Whether <see cref="TryCreate"/> can read a condition of this shape, whatever it tests.</summary>
    public static bool CanRead(IOperation condition) => condition switch
    {
        IBinaryOperation binary => Compare(binary.OperatorKind) is not null
            && (Constant(binary.LeftOperand) is not null || Constant(binary.RightOperand) is not null),
        IIsPatternOperation isPattern => Pattern(isPattern.Pattern) is not null,
        _ => false,
    };

    private static ResultBinding? BindingOf(IOperation? subject, HmmFlowState state, HmmSymbols symbols, Func<IFlowCaptureReferenceOperation, ResultBinding?> captured)
    {
        switch (AccessPath.Unwrap(subject))
        {
            case ILocalReferenceOperation local:
                return state.Results.TryGetValue(local.Local, out var binding) ? binding : null;
            case IParameterReferenceOperation parameter:
                // error = HmmApi.RangeRegister(...) into an out parameter
                return state.Results.TryGetValue(parameter.Parameter, out binding) ? binding : null;
            case IInvocationOperation invocation:
                var call = HmmCall.Classify(invocation, symbols);
                if (!call.HasRegistrationResult)
                {
                    return null;
                }

                return new ResultBinding(
                    invocation.Syntax,
                    call.Kind == HmmCallKind.MirrorRegister ? AccessPath.TryCreate(call.Mirror) : null,
                    call.RegistersRange ? AccessPath.TryCreate(call.Range) : null);
            case ISimpleAssignmentOperation assignment:
                // if ((ret = HmmApi.RangeRegister(...)) != 0)
                return BindingOf(assignment.Value, state, symbols, captured);
            case IFlowCaptureReferenceOperation capture:
                // switch (ret) { case 0: ... }: the graph compares a copy of ret.
                return captured(capture);
            default:
                return null;
        }
    }

    private static long? Constant(IOperation operand)
    {
        var value = operand.ConstantValue;
        if (!value.HasValue)
        {
            return null;
        }

        return value.Value switch
        {
            int i => i,
            long l => l,
            short s => s,
            sbyte b => b,
            _ => null,
        };
    }

    private static Comparison? Compare(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Equals => Comparison.Equal,
        BinaryOperatorKind.NotEquals => Comparison.NotEqual,
        BinaryOperatorKind.LessThan => Comparison.Less,
        BinaryOperatorKind.LessThanOrEqual => Comparison.LessOrEqual,
        BinaryOperatorKind.GreaterThan => Comparison.Greater,
        BinaryOperatorKind.GreaterThanOrEqual => Comparison.GreaterOrEqual,
        _ => null,
    };

    private static Comparison Flip(Comparison comparison) => comparison switch
    {
        Comparison.Less => Comparison.Greater,
        Comparison.LessOrEqual => Comparison.GreaterOrEqual,
        Comparison.Greater => Comparison.Less,
        Comparison.GreaterOrEqual => Comparison.LessOrEqual,
        _ => comparison,
    };

    private static (Comparison Comparison, long Constant, bool Negated)? Pattern(IPatternOperation pattern)
    {
        switch (pattern)
        {
            case IConstantPatternOperation constantPattern when Constant(constantPattern.Value) is { } value:
                return (Comparison.Equal, value, false);
            case IRelationalPatternOperation relational when Compare(relational.OperatorKind) is { } kind && Constant(relational.Value) is { } value:
                return (kind, value, false);
            case INegatedPatternOperation negated when Pattern(negated.Pattern) is { } inner && !inner.Negated:
                return (inner.Comparison, inner.Constant, true);
            case IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both when MatchesAnyValue(both.LeftPattern):
                // `is int error and not 0`: the declaration only names the result.
                return Pattern(both.RightPattern);
            case IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both when MatchesAnyValue(both.RightPattern):
                return Pattern(both.LeftPattern);
            default:
                return null;
        }
    }

    // `var e`, `int e`, `int`, `_` on an int result: matches every value.
    private static bool MatchesAnyValue(IPatternOperation pattern) => pattern switch
    {
        IDiscardPatternOperation => true,
        IDeclarationPatternOperation declaration => declaration.MatchesNull
            || SymbolEqualityComparer.Default.Equals(declaration.MatchedType, declaration.InputType),
        ITypePatternOperation type => SymbolEqualityComparer.Default.Equals(type.MatchedType, type.InputType),
        _ => false,
    };

    private static bool Holds(Comparison comparison, long value, long constant) => comparison switch
    {
        Comparison.Equal => value == constant,
        Comparison.NotEqual => value != constant,
        Comparison.Less => value < constant,
        Comparison.LessOrEqual => value <= constant,
        Comparison.Greater => value > constant,
        _ => value >= constant,
    };
}
