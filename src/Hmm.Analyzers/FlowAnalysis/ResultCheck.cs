using System.Collections.Generic;
using System.Collections.Immutable;
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
    private ResultCheck(ResultBinding? binding, bool successPossible, bool failurePossible, bool splitsFailures = false)
    {
        Binding = binding;
        SuccessPossible = successPossible;
        FailurePossible = failurePossible;
        SplitsFailures = splitsFailures;
    }

    /// <summary>The registration the tested value stands for; null for a test no path here takes (see <see cref="Impossible"/>).</summary>
    public ResultBinding? Binding { get; }

    // A variable that holds a constant every path here agrees on, tested the way the constant does not go.
    private static readonly ResultCheck Impossible = new(null, false, false);

    public bool SuccessPossible { get; }

    public bool FailurePossible { get; }

    /// <summary>Some errnos take this outcome and some the other (<c>ret == -EBUSY</c>): the failures are told apart by value.</summary>
    public bool SplitsFailures { get; }

    // The registering calls' errnos: -4095 (MAX_ERRNO) to -1.
    private const long LowestErrno = -4095;

    public static ResultCheck? TryCreate(IOperation condition, bool outcome, HmmFlowState state, HmmSymbols symbols, Func<IFlowCaptureReferenceOperation, ResultBinding?> captured, Func<IOperation, ISymbol?> variableOf)
    {
        var operation = AccessPath.Unwrap(condition);
        for (var depth = 0; operation is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not && depth < 8; depth++)
        {
            outcome = !outcome;
            operation = AccessPath.Unwrap(not.Operand);
        }

        IOperation? subject;
        ValueTest test;
        switch (operation)
        {
            case IBinaryOperation binary when Compare(binary.OperatorKind) is { } compare:
                if (Constant(binary.RightOperand) is { } right)
                {
                    (subject, test) = (binary.LeftOperand, ValueTest.Comparing(compare, right));
                }
                else if (Constant(binary.LeftOperand) is { } left)
                {
                    (subject, test) = (binary.RightOperand, ValueTest.Comparing(Flip(compare), left));
                }
                else
                {
                    return null;
                }

                break;
            case IIsPatternOperation isPattern when Read(isPattern.Pattern) is { } pattern:
                (subject, test) = (isPattern.Value, pattern);
                break;
            default:
                return null;
        }

        return Create(subject, test, outcome, state, symbols, captured, variableOf);
    }

    /// <summary>
    /// A case of a switch statement on <paramref name="subject"/> (<c>case 0:</c>, <c>case &lt; 0:</c>),
    /// as the graph tests it: the subject compared with the constant, or matched against the pattern.
    /// </summary>
    public static ResultCheck? ForCase(IOperation subject, ICaseClauseOperation clause, bool outcome, HmmFlowState state, HmmSymbols symbols, Func<IOperation, ISymbol?> variableOf) => clause switch
    {
        ISingleValueCaseClauseOperation single when Constant(single.Value) is { } value =>
            Create(subject, ValueTest.Comparing(BinaryOperatorKind.Equals, value), outcome, state, symbols, NoCaptures, variableOf),
        IPatternCaseClauseOperation patternClause => ForPattern(subject, patternClause.Pattern, outcome, state, symbols, variableOf),
        _ => null,
    };

    /// <summary><paramref name="subject"/> matched against an arm's or a case's pattern.</summary>
    public static ResultCheck? ForPattern(IOperation subject, IPatternOperation pattern, bool outcome, HmmFlowState state, HmmSymbols symbols, Func<IOperation, ISymbol?> variableOf) =>
        Read(pattern) is { } test ? Create(subject, test, outcome, state, symbols, NoCaptures, variableOf) : null;

    // The operation tree has no graph captures.
    private static readonly Func<IFlowCaptureReferenceOperation, ResultBinding?> NoCaptures = _ => null;

    private static ResultCheck? Create(IOperation? subject, ValueTest test, bool outcome, HmmFlowState state, HmmSymbols symbols, Func<IFlowCaptureReferenceOperation, ResultBinding?> captured, Func<IOperation, ISymbol?> variableOf)
    {
        // `int ret = -EBUSY;` then `while (ret == -EBUSY)`: on the paths that still hold the
        // constant, the test goes the constant's way only.
        if (!state.Flags.IsEmpty && AccessPath.Unwrap(subject) is { } read && variableOf(read) is { } variable
            && state.Flags.TryGetValue(variable, out var held) && held.Constant is { } constant && test.Holds(constant) != outcome)
        {
            return Impossible;
        }

        var binding = BindingOf(subject, state, symbols, captured);
        if (binding is null)
        {
            return null;
        }

        // A test of constants changes its truth only at them: the errnos next to each constant and
        // the two ends of the errno range stand for every errno.
        var successPossible = test.Holds(0) == outcome;
        var (failureHere, failureThere) = (false, false);
        foreach (var errno in SampleErrnos(test))
        {
            var holds = test.Holds(errno);
            failureHere |= holds == outcome;
            failureThere |= holds != outcome;
        }

        return new ResultCheck(binding, successPossible, failureHere, failureHere && failureThere);
    }

    private static IEnumerable<long> SampleErrnos(ValueTest test)
    {
        yield return -1;
        yield return LowestErrno;
        foreach (var constant in test.Constants)
        {
            for (var errno = constant - 1; errno <= constant + 1; errno++)
            {
                if (errno is < 0 and >= LowestErrno)
                {
                    yield return errno;
                }
            }
        }
    }

    /// <summary>The constant a result variable is set to (<c>ret = -Errno.EBUSY;</c>): 0 or an errno; null for any other value.</summary>
    public static long? ResultConstant(IOperation? value) =>
        value is not null && Constant(value) is { } constant && constant is <= 0 and >= LowestErrno ? constant : null;

    /// <summary>A branch on a flag that tells <paramref name="binding"/>'s outcome: that outcome on this side.</summary>
    public static ResultCheck ForFlag(ResultBinding binding, bool succeeded) => new(binding, succeeded, !succeeded);

    /// <summary>Whether <see cref="TryCreate"/> can read a condition of this shape, whatever it tests.</summary>
    public static bool CanRead(IOperation condition) => condition switch
    {
        IBinaryOperation binary => Compare(binary.OperatorKind) is not null
            && (Constant(binary.LeftOperand) is not null || Constant(binary.RightOperand) is not null),
        IIsPatternOperation isPattern => Read(isPattern.Pattern) is not null,
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

    private static BinaryOperatorKind? Compare(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual
            or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual => kind,
        _ => null,
    };

    private static BinaryOperatorKind Flip(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
        BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
        BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
        BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
        _ => kind,
    };

    // A pattern of constants and comparisons (`0`, `< 0`, `not 0`, `0 or -EBUSY`,
    // `int error and not 0`) on the result; null for anything else, or a pattern that tests no constant.
    private static ValueTest? Read(IPatternOperation pattern) => ReadPart(pattern, depth: 0) is { Constants.Length: > 0 } test ? test : null;

    private static ValueTest? ReadPart(IPatternOperation pattern, int depth)
    {
        if (depth > 16)
        {
            return null;
        }

        switch (pattern)
        {
            case IConstantPatternOperation constantPattern when Constant(constantPattern.Value) is { } value:
                return ValueTest.Comparing(BinaryOperatorKind.Equals, value);
            case IRelationalPatternOperation relational when Compare(relational.OperatorKind) is { } kind && Constant(relational.Value) is { } value:
                return ValueTest.Comparing(kind, value);
            case INegatedPatternOperation negated when ReadPart(negated.Pattern, depth + 1) is { } inner:
                return inner.Not();
            case IBinaryPatternOperation binary when ReadPart(binary.LeftPattern, depth + 1) is { } left && ReadPart(binary.RightPattern, depth + 1) is { } right:
                return binary.OperatorKind switch
                {
                    BinaryOperatorKind.And => left.And(right),
                    BinaryOperatorKind.Or => left.Or(right),
                    _ => null,
                };
            default:
                // `var e`, `int e`, `int`, `_` on an int result only name it.
                return MatchesEveryValue(pattern) ? ValueTest.Any : null;
        }
    }

    /// <summary>
    /// A pattern no value fails: `_`, `var e`, and on a value that cannot be null (an int
    /// result) `int e` and `int`. A switch arm of it is always taken; its is-test never false.
    /// </summary>
    public static bool MatchesEveryValue(IPatternOperation pattern, int depth = 0) => pattern switch
    {
        _ when depth > 16 => false,
        IDiscardPatternOperation => true,
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both =>
            MatchesEveryValue(both.LeftPattern, depth + 1) && MatchesEveryValue(both.RightPattern, depth + 1),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } either =>
            MatchesEveryValue(either.LeftPattern, depth + 1) || MatchesEveryValue(either.RightPattern, depth + 1),
        IDeclarationPatternOperation declaration => declaration.MatchesNull || IsInputType(declaration.MatchedType, declaration.InputType),
        ITypePatternOperation type => IsInputType(type.MatchedType, type.InputType),
        _ => false,
    };

    // A null reference or nullable fails a type test, even of its own type.
    private static bool IsInputType(ITypeSymbol? matched, ITypeSymbol input) =>
        input.IsValueType && input.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T
        && SymbolEqualityComparer.Default.Equals(matched, input);

    /// <summary>What a comparison or pattern holds for, with the constants it compares against.</summary>
    private sealed class ValueTest
    {
        private readonly Func<long, bool> holds;

        private ValueTest(Func<long, bool> holds, ImmutableArray<long> constants)
        {
            this.holds = holds;
            Constants = constants;
        }

        public static ValueTest Any { get; } = new(static _ => true, ImmutableArray<long>.Empty);

        public ImmutableArray<long> Constants { get; }

        public static ValueTest Comparing(BinaryOperatorKind kind, long constant) => new(
            kind switch
            {
                BinaryOperatorKind.Equals => value => value == constant,
                BinaryOperatorKind.NotEquals => value => value != constant,
                BinaryOperatorKind.LessThan => value => value < constant,
                BinaryOperatorKind.LessThanOrEqual => value => value <= constant,
                BinaryOperatorKind.GreaterThan => value => value > constant,
                _ => value => value >= constant,
            },
            ImmutableArray.Create(constant));

        public bool Holds(long value) => holds(value);

        public ValueTest Not() => new(value => !holds(value), Constants);

        public ValueTest And(ValueTest other) => new(value => holds(value) && other.holds(value), Constants.AddRange(other.Constants));

        public ValueTest Or(ValueTest other) => new(value => holds(value) || other.holds(value), Constants.AddRange(other.Constants));
    }
}
