using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>What may be true of a mirror at a point, over all paths to it (a set: join is union).</summary>
[Flags]
internal enum MirrorFacts : byte
{
    /// <summary>Registered (or, for a parameter, field or property, assumed registered by its owner).</summary>
    Live = 1,
    /// <summary>Never registered on this path (a new or null local, or a failed registration).</summary>
    NotRegistered = 2,
    /// <summary>Unregistered or disposed in this method.</summary>
    Unregistered = 4,
    /// <summary>Registered by a call whose failure has not been told apart yet.</summary>
    MaybeFailed = 8,
    /// <summary>Null on this path (a local set to null): not registered, and not a mirror at all.</summary>
    Null = 16,
}

/// <summary>What may be true of a range at a point, over all paths to it.</summary>
[Flags]
internal enum RangeFacts : byte
{
    NotRegistered = 1,
    Registered = 2,
    /// <summary>Stored, returned, captured or handed to unknown code: someone else owns it now.</summary>
    Escaped = 8,
    /// <summary>Registered by a call whose result went where the analysis does not follow it: undecidable, so silent.</summary>
    Unknown = 16,
}

/// <summary>
/// The state of one mirror path. While a registering call's result is still to be read
/// (<see cref="DecidedBy"/>), the facts are kept apart by its outcome, so that a test of the
/// result after the paths joined (a switch, a second <c>if</c>) still tells them apart.
/// </summary>
internal sealed class MirrorValue : IEquatable<MirrorValue>
{
    /// <summary>A path this method has not touched: live by contract.</summary>
    public static readonly MirrorValue Assumed = new(MirrorFacts.Live, null, null, null);

    /// <summary>
    /// Where two registrations, each told apart by a result of its own, meet: a later test cannot
    /// say which it reads, so the mirror is assumed live. The top of the join: the walks settle.
    /// </summary>
    private static readonly MirrorValue LinkLost = new(MirrorFacts.Live, 0, null, null, null, null, linkLost: true);

    public MirrorValue(MirrorFacts facts, SyntaxNode? registration, SyntaxNode? unregistration, AccessPath? mm)
        : this(facts, 0, registration, unregistration, mm, null)
    {
    }

    private MirrorValue(MirrorFacts ifSucceeded, MirrorFacts ifFailed, SyntaxNode? registration, SyntaxNode? unregistration, AccessPath? mm, SyntaxNode? decidedBy, bool linkLost = false)
    {
        this.linkLost = linkLost;
        IfSucceeded = Absorbed(ifSucceeded);
        IfFailed = Absorbed(ifFailed);
        Registration = registration;
        Unregistration = unregistration;
        Mm = mm;
        DecidedBy = decidedBy;
    }

    // "May have failed" already holds "not registered": the two are one fact, whichever path
    // brought each. Kept as two, a join would keep a "not registered" one walk found on a loop's
    // first round, when the result was still linked, and the other walk, reaching the test only
    // after a later round had dropped the link, did not (what HMM003 says is the same either way:
    // "may have failed" comes first).
    private static MirrorFacts Absorbed(MirrorFacts facts) =>
        (facts & MirrorFacts.MaybeFailed) != 0 ? facts & ~MirrorFacts.NotRegistered : facts;

    /// <summary>Registered by <paramref name="call"/>: live if it returns 0, <see cref="MirrorFacts.MaybeFailed"/> if it fails.</summary>
    public static MirrorValue Registering(SyntaxNode call, AccessPath? mm) =>
        new(MirrorFacts.Live, MirrorFacts.MaybeFailed, call, null, mm, call);

    private readonly bool linkLost;

    public MirrorFacts Facts => IfSucceeded | IfFailed;

    /// <summary>The facts on the paths where <see cref="DecidedBy"/> returned 0 (without it: on every path).</summary>
    public MirrorFacts IfSucceeded { get; }

    /// <summary>The facts on the paths where <see cref="DecidedBy"/> failed (without it: none).</summary>
    public MirrorFacts IfFailed { get; }

    /// <summary>The registering call whose outcome splits the facts; null when they hold whatever it returned.</summary>
    public SyntaxNode? DecidedBy { get; }

    /// <summary>The registering call (for <see cref="MirrorFacts.MaybeFailed"/>).</summary>
    public SyntaxNode? Registration { get; }

    /// <summary>The unregistering call (for <see cref="MirrorFacts.Unregistered"/>).</summary>
    public SyntaxNode? Unregistration { get; }

    /// <summary>The mm the mirror was registered with, when all paths agree.</summary>
    public AccessPath? Mm { get; }

    /// <summary>Registered on every path.</summary>
    public bool IsLive => Facts == MirrorFacts.Live;

    /// <summary>Whether both outcomes of <see cref="DecidedBy"/> still reach here: its result has not been told apart.</summary>
    public bool IsUndecided => DecidedBy is not null && IfSucceeded != 0 && IfFailed != 0 && IfSucceeded != IfFailed;

    /// <summary>Both outcomes still reach here, the failed one's past a test that let it on (not the untested "may have failed").</summary>
    public bool FailuresToldApart => DecidedBy is not null && IfSucceeded != 0 && IfFailed != 0 && (IfFailed & MirrorFacts.MaybeFailed) == 0;

    /// <summary>Past a test of <see cref="DecidedBy"/>'s result: only the paths of that outcome, the link kept.</summary>
    public MirrorValue Decided(bool succeeded)
    {
        if (DecidedBy is null)
        {
            return this;
        }

        if (succeeded)
        {
            return new MirrorValue(IfSucceeded, 0, Registration, Unregistration, Mm, DecidedBy);
        }

        // The failure is told apart now: not registered.
        var failed = (IfFailed & MirrorFacts.MaybeFailed) != 0 ? (IfFailed & ~MirrorFacts.MaybeFailed) | MirrorFacts.NotRegistered : IfFailed;
        return new MirrorValue(0, failed, Registration, Unregistration, Mm, DecidedBy);
    }

    /// <summary>
    /// Past a test of whether the mirror is null: the paths where it is (<paramref name="isNull"/>)
    /// or is not; null where no path of this value can be so.
    /// </summary>
    public MirrorValue? Tested(bool isNull)
    {
        MirrorFacts Keep(MirrorFacts facts) => isNull ? facts & MirrorFacts.Null : facts & ~MirrorFacts.Null;
        var (succeeded, failed) = (Keep(IfSucceeded), Keep(IfFailed));
        if (succeeded == 0 && failed == 0)
        {
            return null;
        }

        return succeeded == IfSucceeded && failed == IfFailed ? this : new MirrorValue(succeeded, failed, Registration, Unregistration, Mm, DecidedBy, linkLost);
    }

    /// <summary>The result went where it is not followed: what the call registered is unknown, assumed live.</summary>
    public MirrorValue Undecidable()
    {
        var facts = Facts & ~(MirrorFacts.MaybeFailed | MirrorFacts.NotRegistered);
        return new MirrorValue(facts == 0 ? MirrorFacts.Live : facts, null, Unregistration, Mm);
    }

    /// <summary>Handed to code this body does not see: assumed live from here, as a parameter is; the mm kept.</summary>
    public static MirrorValue HandedOver(MirrorValue value) =>
        value.Mm is null ? Assumed : new MirrorValue(MirrorFacts.Live, null, null, value.Mm);

    /// <summary>The same facts, the mm it was registered with now named by no expression.</summary>
    public MirrorValue WithMmReassigned() =>
        Mm is null ? this : new MirrorValue(IfSucceeded, IfFailed, Registration, Unregistration, Mm.AsReassigned(), DecidedBy, linkLost);

    public MirrorValue Join(MirrorValue other)
    {
        if (Equals(other))
        {
            return this;
        }

        if (linkLost || other.linkLost || (DecidedBy is not null && other.DecidedBy is not null && DecidedBy != other.DecidedBy))
        {
            return LinkLost;
        }

        var registration = First(Registration, other.Registration);
        var unregistration = First(Unregistration, other.Unregistration);
        var mm = JoinMm(Mm, other.Mm);
        if (DecidedBy is null && other.DecidedBy is null)
        {
            return new MirrorValue(Facts | other.Facts, registration, unregistration, mm);
        }

        // A path without a link holds its facts whatever the call returned.
        var (succeeded, failed) = (DecidedBy is null ? Facts : IfSucceeded, DecidedBy is null ? Facts : IfFailed);
        var (theirSucceeded, theirFailed) = (other.DecidedBy is null ? other.Facts : other.IfSucceeded, other.DecidedBy is null ? other.Facts : other.IfFailed);
        // The link stays even where both outcomes are alike: dropping it would make the join
        // depend on the order the paths meet in.
        return new MirrorValue(succeeded | theirSucceeded, failed | theirFailed, registration, unregistration, mm, DecidedBy ?? other.DecidedBy);
    }

    // Where the variable was assigned again on some path, it may hold another mm: the mirror is
    // not known to be its mirror (a loop's `mm = mms[i];`). Any other disagreement: unknown.
    private static AccessPath? JoinMm(AccessPath? mm, AccessPath? other)
    {
        if (Equals(mm, other))
        {
            return mm;
        }

        if (mm is null || other is null)
        {
            return null;
        }

        var (reassigned, plain) = mm.Kind == AccessPath.RootKind.Reassigned ? (mm, other) : (other, mm);
        return reassigned.Kind == AccessPath.RootKind.Reassigned && reassigned.Equals(plain.AsReassigned()) ? reassigned : null;
    }

    public bool Equals(MirrorValue? other) =>
        other is not null && other.IfSucceeded == IfSucceeded && other.IfFailed == IfFailed && other.DecidedBy == DecidedBy && other.linkLost == linkLost
        && other.Registration == Registration && other.Unregistration == Unregistration && Equals(other.Mm, Mm);

    public override bool Equals(object? obj) => Equals(obj as MirrorValue);

    public override int GetHashCode() => (int)Facts;

    internal static SyntaxNode? First(SyntaxNode? a, SyntaxNode? b) =>
        a is null ? b : b is null ? a : (b.SpanStart < a.SpanStart ? b : a);
}

/// <summary>The state of one range path, kept apart by a registering call's outcome as a mirror's is.</summary>
internal sealed class RangeValue : IEquatable<RangeValue>
{
    public static readonly RangeValue Unregistered = new(RangeFacts.NotRegistered, null);

    public static readonly RangeValue Escaped = new(RangeFacts.Escaped, null);

    public RangeValue(RangeFacts facts, SyntaxNode? registration)
        : this(facts, 0, registration, null)
    {
    }

    private RangeValue(RangeFacts ifSucceeded, RangeFacts ifFailed, SyntaxNode? registration, SyntaxNode? decidedBy, bool onlyRegistration = false)
    {
        IfSucceeded = ifSucceeded;
        IfFailed = ifFailed;
        // Only a range that may be registered has a registration to name: a range not registered on
        // any path is the default, whichever call failed.
        Registration = ((ifSucceeded | ifFailed) & RangeFacts.Registered) != 0 ? registration : null;
        DecidedBy = decidedBy;
        this.onlyRegistration = decidedBy is not null && onlyRegistration;
    }

    /// <summary>
    /// Registered by <paramref name="call"/> if it returns 0, not if it fails.
    /// <paramref name="onlyRegistration"/>: the body registers this range at no other call.
    /// </summary>
    public static RangeValue Registering(SyntaxNode call, RangeFacts escaped, bool onlyRegistration) =>
        new(RangeFacts.Registered | escaped, RangeFacts.NotRegistered | escaped, call, call, onlyRegistration);

    // No other registration's link can meet this one: once both outcomes came out alike no test
    // of the result can tell them apart, and the link goes (see Linked).
    private readonly bool onlyRegistration;

    public RangeFacts Facts => IfSucceeded | IfFailed;

    /// <summary>The facts on the paths where <see cref="DecidedBy"/> returned 0 (without it: on every path).</summary>
    public RangeFacts IfSucceeded { get; }

    /// <summary>The facts on the paths where <see cref="DecidedBy"/> failed (without it: none).</summary>
    public RangeFacts IfFailed { get; }

    /// <summary>The registering call whose outcome splits the facts; null when they hold whatever it returned.</summary>
    public SyntaxNode? DecidedBy { get; }

    /// <summary>The registering call (RangeRegister or VmaFault).</summary>
    public SyntaxNode? Registration { get; }

    /// <summary>Whether both outcomes of <see cref="DecidedBy"/> still reach here: its result has not been told apart.</summary>
    public bool IsUndecided => DecidedBy is not null && IfSucceeded != 0 && IfFailed != 0 && IfSucceeded != IfFailed;

    /// <summary>May still be registered, and still this method's to unregister.</summary>
    public bool MayLeak => (Facts & (RangeFacts.Escaped | RangeFacts.Unknown)) == 0 && (Facts & RangeFacts.Registered) != 0;

    /// <summary>Past a test of <see cref="DecidedBy"/>'s result: only the paths of that outcome, the link kept.</summary>
    public RangeValue Decided(bool succeeded) =>
        DecidedBy is null ? this : Linked(succeeded ? IfSucceeded : 0, succeeded ? 0 : IfFailed, Registration, DecidedBy, onlyRegistration);

    /// <summary>The result went where it is not followed: undecidable, so silent.</summary>
    public RangeValue Undecidable() => new(RangeFacts.Unknown | (Facts & RangeFacts.Escaped), null);

    public RangeValue Join(RangeValue other)
    {
        if (Equals(other))
        {
            return this;
        }

        var registration = MirrorValue.First(Registration, other.Registration);
        if (((Facts | other.Facts) & RangeFacts.Unknown) != 0
            || (DecidedBy is not null && other.DecidedBy is not null && DecidedBy != other.DecidedBy))
        {
            // Unknown on some path is unknown here (the top of the lattice, so loops settle); and
            // of two registrations, each told apart by a result of its own, a later test cannot
            // say which it reads: neither outcome is reported.
            return new RangeValue(RangeFacts.Unknown | ((Facts | other.Facts) & RangeFacts.Escaped), null);
        }

        if (DecidedBy is null && other.DecidedBy is null)
        {
            return new RangeValue(Facts | other.Facts, registration);
        }

        // A path without a link holds its facts whatever the call returned.
        var (succeeded, failed) = (DecidedBy is null ? Facts : IfSucceeded, DecidedBy is null ? Facts : IfFailed);
        var (theirSucceeded, theirFailed) = (other.DecidedBy is null ? other.Facts : other.IfSucceeded, other.DecidedBy is null ? other.Facts : other.IfFailed);
        return Linked(succeeded | theirSucceeded, failed | theirFailed, registration, DecidedBy ?? other.DecidedBy, onlyRegistration || other.onlyRegistration);
    }

    // Where both outcomes came out alike the link tells nothing apart. It stays where another
    // registration's link may meet it: dropping it there would make the join depend on the order
    // the paths meet in. Where none can, it goes, and a range back to not registered is its default
    // again: its entry leaves the state, where it would otherwise stay to the end of the method
    // (an entry per block of a long method, which would cost the square of its length).
    private static RangeValue Linked(RangeFacts succeeded, RangeFacts failed, SyntaxNode? registration, SyntaxNode? decidedBy, bool onlyRegistration) =>
        onlyRegistration && succeeded == failed
            ? new RangeValue(succeeded, registration)
            : new RangeValue(succeeded, failed, registration, decidedBy, onlyRegistration);

    public bool Equals(RangeValue? other) =>
        other is not null && other.IfSucceeded == IfSucceeded && other.IfFailed == IfFailed && other.DecidedBy == DecidedBy && other.Registration == Registration
        && other.onlyRegistration == onlyRegistration;

    public override bool Equals(object? obj) => Equals(obj as RangeValue);

    public override int GetHashCode() => (int)Facts;
}

/// <summary>An int local or parameter that holds the result of a registering call: branching on it refines the state.</summary>
internal sealed class ResultBinding : IEquatable<ResultBinding>
{
    public ResultBinding(SyntaxNode call, AccessPath? mirror, AccessPath? range, bool? successWhen = null)
    {
        Call = call;
        Mirror = mirror;
        Range = range;
        SuccessWhen = successWhen;
    }

    public SyntaxNode Call { get; }

    public AccessPath? Mirror { get; }

    public AccessPath? Range { get; }

    /// <summary>
    /// For a bool flag rather than the int result: the flag's value on the paths where the call
    /// succeeded (<c>registered = true</c> after the check), the other value where it failed.
    /// </summary>
    public bool? SuccessWhen { get; }

    public bool Equals(ResultBinding? other) => other is not null && other.Call == Call && other.SuccessWhen == SuccessWhen;

    public override bool Equals(object? obj) => Equals(obj as ResultBinding);

    public override int GetHashCode() => Call.GetHashCode();
}

/// <summary>
/// A flag's value where every path agrees on it; or the constant a result variable was set to
/// (<c>int ret = -EBUSY;</c>, 0 or an errno), kept as a flag is: where paths that disagree on it
/// meet, their states are kept apart by it, so a later test of the variable takes from each path
/// only the way its value goes (the constant's way, or the call's outcome's).
/// </summary>
internal sealed class FlagValue : IEquatable<FlagValue>
{
    public static readonly FlagValue True = new(true, null);

    public static readonly FlagValue False = new(false, null);

    private FlagValue(bool value, long? constant)
    {
        Value = value;
        Constant = constant;
    }

    /// <summary>A bool flag's value.</summary>
    public bool Value { get; }

    /// <summary>A result variable's constant; null for a bool flag.</summary>
    public long? Constant { get; }

    public static FlagValue Of(bool value) => value ? True : False;

    public static FlagValue Holding(long constant) => new(false, constant);

    public bool Equals(FlagValue? other) => ReferenceEquals(this, other) || (Constant is not null && other?.Constant == Constant);

    public override bool Equals(object? obj) => Equals(obj as FlagValue);

    public override int GetHashCode() => Constant is { } constant ? constant.GetHashCode() : Value ? 1 : 0;
}

/// <summary>
/// The dataflow fact at a program point: per mirror path, per range path, per result variable and
/// per graph capture that stands for a result.
/// Immutable; a path that is absent has its default (a mirror: <see cref="MirrorValue.Assumed"/>,
/// a range: <see cref="RangeValue.Unregistered"/>).
/// </summary>
internal sealed class HmmFlowState : IEquatable<HmmFlowState>
{
    public static readonly HmmFlowState Empty = new(
        SmallMap<AccessPath, MirrorValue>.Empty(EqualityComparer<AccessPath>.Default),
        SmallMap<AccessPath, RangeValue>.Empty(EqualityComparer<AccessPath>.Default),
        SmallMap<ISymbol, ResultBinding>.Empty(SymbolEqualityComparer.Default),
        SmallMap<CaptureId, ResultBinding>.Empty(EqualityComparer<CaptureId>.Default),
        SmallMap<ISymbol, FlagValue>.Empty(SymbolEqualityComparer.Default));

    private HmmFlowState(
        SmallMap<AccessPath, MirrorValue> mirrors,
        SmallMap<AccessPath, RangeValue> ranges,
        SmallMap<ISymbol, ResultBinding> results,
        SmallMap<CaptureId, ResultBinding> capturedResults,
        SmallMap<ISymbol, FlagValue> flags,
        HmmFlowState[]? alternatives = null,
        KeptApart merged = KeptApart.ByEveryFlag)
    {
        Mirrors = mirrors;
        Ranges = ranges;
        Results = results;
        CapturedResults = capturedResults;
        Flags = flags;
        this.alternatives = alternatives;
        this.merged = merged;
    }

    // At most this many ways of the flags are kept apart; past it, one state (see Join).
    private const int MaxAlternatives = 4;

    // Where paths that disagree on a flag meet, the state is kept apart by the flags' values, each
    // alternative with its own (distinct) flags: a later test of the flag takes the paths that set
    // it so, as the code does. The entries of this state are then the join of the alternatives,
    // for what reads them; what changes the state changes each alternative.
    private readonly HmmFlowState[]? alternatives;
    // The join of more ways than are kept apart: first the result variables' constants that
    // disagree are unknown (the ways kept apart by the bool flags only), past that every flag that
    // disagrees (one state). Any join with this state keeps no more apart than it does, so the join
    // of many paths does not depend on the order they meet in.
    private readonly KeptApart merged;

    private enum KeptApart : byte
    {
        ByEveryFlag,
        ByBoolFlags,
        Nothing,
    }

    /// <summary>Whether this state keeps paths apart by the values of flags.</summary>
    public bool IsSplit => alternatives is not null;

    /// <summary>
    /// <paramref name="transfer"/> applied to each way the flags are kept apart (to this state
    /// when it keeps none apart); null where it leaves no path.
    /// </summary>
    public HmmFlowState? Map<TArgument>(TArgument argument, Func<HmmFlowState, TArgument, HmmFlowState?> transfer)
    {
        if (alternatives is null)
        {
            return transfer(this, argument);
        }

        HmmFlowState? joined = null;
        foreach (var alternative in alternatives)
        {
            if (transfer(alternative, argument) is { } next)
            {
                joined = joined is null ? next : joined.Join(next);
            }
        }

        return joined;
    }

    private HmmFlowState Each<TArgument>(TArgument argument, Func<HmmFlowState, TArgument, HmmFlowState> transfer) =>
        Map(argument, transfer)!;

    /// <summary>
    /// The bool locals the body sets to constants (<c>registered = true</c>), and the result
    /// variables it sets to 0 or an errno, whose value is known on every path here; absent: any.
    /// </summary>
    public SmallMap<ISymbol, FlagValue> Flags { get; }

    public HmmFlowState WithFlag(ISymbol flag, bool? value) => WithFlag(flag, value is { } known ? FlagValue.Of(known) : null);

    /// <summary>The result variable <paramref name="variable"/> set to <paramref name="constant"/>; null: to anything else.</summary>
    public HmmFlowState WithConstant(ISymbol variable, long? constant) => WithFlag(variable, constant is { } known ? FlagValue.Holding(known) : null);

    private HmmFlowState WithFlag(ISymbol flag, FlagValue? value)
    {
        if (alternatives is not null)
        {
            return Each((flag, value), static (state, change) => state.WithFlag(change.flag, change.value));
        }

        if (value is null)
        {
            return Flags.ContainsKey(flag) ? new(Mirrors, Ranges, Results, CapturedResults, Flags.Remove(flag), merged: merged) : this;
        }

        return Flags.TryGetValue(flag, out var existing) && existing.Equals(value)
            ? this
            : new(Mirrors, Ranges, Results, CapturedResults, Flags.SetItem(flag, value), merged: merged);
    }

    public SmallMap<AccessPath, MirrorValue> Mirrors { get; }

    public SmallMap<AccessPath, RangeValue> Ranges { get; }

    public SmallMap<ISymbol, ResultBinding> Results { get; }

    /// <summary>
    /// Graph captures that stand for a registering call's result on this path (an arm of
    /// <c>ret switch { not 0 and var e => e, _ => 0 }</c>), until a variable takes the value.
    /// </summary>
    public SmallMap<CaptureId, ResultBinding> CapturedResults { get; }

    public MirrorValue Mirror(AccessPath path) => Mirrors.TryGetValue(path, out var value) ? value : MirrorValue.Assumed;

    public RangeValue Range(AccessPath path) => Ranges.TryGetValue(path, out var value) ? value : RangeValue.Unregistered;

    public HmmFlowState WithMirror(AccessPath path, MirrorValue value)
    {
        if (alternatives is not null)
        {
            return Each((path, value), static (state, change) => state.WithMirror(change.path, change.value));
        }

        var old = Mirror(path);
        if (old.Equals(value))
        {
            return this;
        }

        var state = new HmmFlowState(value.Equals(MirrorValue.Assumed) ? Mirrors.Remove(path) : Mirrors.SetItem(path, value), Ranges, Results, CapturedResults, Flags, merged: merged);
        return old.DecidedBy is { } link && value.DecidedBy != link ? state.WithoutResultsOf(link) : state;
    }

    /// <summary>
    /// <paramref name="mm"/> assigned again: a mirror registered with what it held before is
    /// no longer the mirror of what it holds now.
    /// </summary>
    public HmmFlowState WithMmReassigned(AccessPath mm)
    {
        var state = this;
        foreach (var pair in Mirrors)
        {
            if (mm.Equals(pair.Value.Mm))
            {
                state = state.WithMirror(pair.Key, pair.Value.WithMmReassigned());
            }
        }

        return state;
    }

    public HmmFlowState WithRange(AccessPath path, RangeValue value)
    {
        if (alternatives is not null)
        {
            return Each((path, value), static (state, change) => state.WithRange(change.path, change.value));
        }

        var old = Range(path);
        if (old.Equals(value))
        {
            return this;
        }

        var state = new HmmFlowState(Mirrors, value.Equals(RangeValue.Unregistered) ? Ranges.Remove(path) : Ranges.SetItem(path, value), Results, CapturedResults, Flags, merged: merged);
        return old.DecidedBy is { } link && value.DecidedBy != link ? state.WithoutResultsOf(link) : state;
    }

    // Once no mirror or range is told apart by a call's outcome any more (unregistered, registered
    // again, its result gone where it is not followed), a variable holding its result can refine
    // nothing: it leaves the state, which would otherwise keep a variable per registration to the
    // end of the method. Should the call run again (a loop), its new result is bound anew, and a
    // variable from an earlier round does not stand for it.
    private HmmFlowState WithoutResultsOf(SyntaxNode call)
    {
        if ((Results.IsEmpty && CapturedResults.IsEmpty) || IsLinkedTo(Ranges, call) || IsLinkedTo(Mirrors, call))
        {
            return this;
        }

        var results = WithoutBindingsTo(Results, call);
        var capturedResults = WithoutBindingsTo(CapturedResults, call);
        return ReferenceEquals(results, Results) && ReferenceEquals(capturedResults, CapturedResults)
            ? this
            : new HmmFlowState(Mirrors, Ranges, results, capturedResults, Flags, merged: merged);
    }

    private static bool IsLinkedTo(SmallMap<AccessPath, RangeValue> ranges, SyntaxNode call)
    {
        foreach (var pair in ranges)
        {
            if (pair.Value.DecidedBy == call)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLinkedTo(SmallMap<AccessPath, MirrorValue> mirrors, SyntaxNode call)
    {
        foreach (var pair in mirrors)
        {
            if (pair.Value.DecidedBy == call)
            {
                return true;
            }
        }

        return false;
    }

    private static SmallMap<TKey, ResultBinding> WithoutBindingsTo<TKey>(SmallMap<TKey, ResultBinding> bindings, SyntaxNode call)
        where TKey : notnull
    {
        var kept = bindings;
        foreach (var pair in bindings)
        {
            if (pair.Value.Call == call)
            {
                kept = kept.Remove(pair.Key);
            }
        }

        return kept;
    }

    /// <summary>
    /// <paramref name="variable"/> set to <paramref name="binding"/>'s result, or (null) to a value
    /// that stands for none; a constant it held is gone (see <see cref="WithConstant"/>).
    /// </summary>
    public HmmFlowState WithResult(ISymbol variable, ResultBinding? binding)
    {
        if (alternatives is not null)
        {
            return Each((variable, binding), static (state, change) => state.WithResult(change.variable, change.binding));
        }

        if (!Flags.IsEmpty && Flags.TryGetValue(variable, out var held) && held.Constant is not null)
        {
            return new HmmFlowState(Mirrors, Ranges, Results, CapturedResults, Flags.Remove(variable), merged: merged).WithResult(variable, binding);
        }

        if (binding is null)
        {
            return Results.ContainsKey(variable) ? new(Mirrors, Ranges, Results.Remove(variable), CapturedResults, Flags, merged: merged) : this;
        }

        return Results.TryGetValue(variable, out var existing) && existing.Equals(binding) ? this : new(Mirrors, Ranges, Results.SetItem(variable, binding), CapturedResults, Flags, merged: merged);
    }

    public HmmFlowState WithCapturedResult(CaptureId capture, ResultBinding? binding)
    {
        if (alternatives is not null)
        {
            return Each((capture, binding), static (state, change) => state.WithCapturedResult(change.capture, change.binding));
        }

        if (binding is null)
        {
            return CapturedResults.ContainsKey(capture) ? new(Mirrors, Ranges, Results, CapturedResults.Remove(capture), Flags, merged: merged) : this;
        }

        return CapturedResults.TryGetValue(capture, out var existing) && existing.Equals(binding)
            ? this
            : new(Mirrors, Ranges, Results, CapturedResults.SetItem(capture, binding), Flags, merged: merged);
    }

    /// <summary>
    /// The union of what may be true on either path, kept apart by the flags where the paths
    /// disagree on one; this very state when it already says it all.
    /// </summary>
    public HmmFlowState Join(HmmFlowState other)
    {
        if (ReferenceEquals(this, other))
        {
            return this;
        }

        var level = merged > other.merged ? merged : other.merged;
        if (level == KeptApart.Nothing)
        {
            return Merged(this, other);
        }

        if (alternatives is null && other.alternatives is null && SameWay(Flags, other.Flags, level))
        {
            return JoinEntries(other);
        }

        // The alternatives of both, those with the same flags joined: a lattice of maps from the
        // flags' values to states, whatever order the paths meet in.
        var parts = Grouped(new List<HmmFlowState>(alternatives ?? new[] { this }), other.alternatives ?? new[] { other }, level, out var changed);
        if (!changed)
        {
            return this;
        }

        if (parts.Count > MaxAlternatives && level == KeptApart.ByEveryFlag)
        {
            level = KeptApart.ByBoolFlags;
            parts = Grouped(new List<HmmFlowState>(), parts, level, out _);
        }

        return parts.Count > MaxAlternatives ? Merged(parts.ToArray()) : Split(parts, level);
    }

    // `theirs` added to `parts`, each joined with the part kept apart the same way, if any.
    private static List<HmmFlowState> Grouped(List<HmmFlowState> parts, IEnumerable<HmmFlowState> theirs, KeptApart level, out bool changed)
    {
        changed = false;
        foreach (var their in theirs)
        {
            var index = parts.FindIndex(part => SameWay(part.Flags, their.Flags, level));
            if (index < 0)
            {
                parts.Add(their);
                changed = true;
            }
            else if (parts[index].JoinEntries(their) is var joined && !ReferenceEquals(joined, parts[index]))
            {
                parts[index] = joined;
                changed = true;
            }
        }

        return parts;
    }

    private static HmmFlowState Split(List<HmmFlowState> parts, KeptApart level)
    {
        var ways = new HmmFlowState[parts.Count];
        for (var i = 0; i < ways.Length; i++)
        {
            var part = parts[i];
            ways[i] = part.merged == level ? part : new HmmFlowState(part.Mirrors, part.Ranges, part.Results, part.CapturedResults, part.Flags, merged: level);
        }

        var joined = ways[0];
        for (var i = 1; i < ways.Length; i++)
        {
            joined = joined.JoinEntries(ways[i]);
        }

        return new HmmFlowState(joined.Mirrors, joined.Ranges, joined.Results, joined.CapturedResults, joined.Flags, ways, level);
    }

    private static HmmFlowState Merged(params HmmFlowState[] states)
    {
        HmmFlowState? joined = null;
        foreach (var state in states)
        {
            foreach (var part in state.alternatives ?? new[] { state })
            {
                joined = joined is null ? part : joined.JoinEntries(part);
            }
        }

        return joined!.merged == KeptApart.Nothing ? joined : new HmmFlowState(joined.Mirrors, joined.Ranges, joined.Results, joined.CapturedResults, joined.Flags, merged: KeptApart.Nothing);
    }

    // Whether two ways are kept as one: the same flags (past the first merge, the same bool flags).
    private static bool SameWay(SmallMap<ISymbol, FlagValue> a, SmallMap<ISymbol, FlagValue> b, KeptApart level)
    {
        if (level == KeptApart.ByEveryFlag || ReferenceEquals(a, b))
        {
            return SameEntries(a, b);
        }

        var count = 0;
        foreach (var pair in a)
        {
            if (pair.Value.Constant is null)
            {
                if (!b.TryGetValue(pair.Key, out var value) || !value.Equals(pair.Value))
                {
                    return false;
                }

                count++;
            }
        }

        foreach (var pair in b)
        {
            if (pair.Value.Constant is null)
            {
                count--;
            }
        }

        return count == 0;
    }

    // The join of two states that keep no flags apart: the flags they disagree on are unknown.
    private HmmFlowState JoinEntries(HmmFlowState other)
    {
        if (ReferenceEquals(this, other))
        {
            return this;
        }

        var mirrors = JoinEntries(Mirrors, other.Mirrors, MirrorValue.Assumed, JoinMirrors);
        var ranges = JoinEntries(Ranges, other.Ranges, RangeValue.Unregistered, JoinRanges);

        var results = Agreed(Results, other.Results);
        var capturedResults = Agreed(CapturedResults, other.CapturedResults);
        var flags = Agreed(Flags, other.Flags);
        var level = merged > other.merged ? merged : other.merged;
        return ReferenceEquals(mirrors, Mirrors) && ReferenceEquals(ranges, Ranges) && ReferenceEquals(results, Results)
            && ReferenceEquals(capturedResults, CapturedResults) && ReferenceEquals(flags, Flags) && merged == level
            ? this
            : new HmmFlowState(mirrors, ranges, results, capturedResults, flags, merged: level);
    }

    // A result variable (or capture) means something only where every path agrees on which call
    // it holds; a flag is a constant only where every path gave it the same.
    private static SmallMap<TKey, TValue> Agreed<TKey, TValue>(SmallMap<TKey, TValue> mine, SmallMap<TKey, TValue> theirs)
        where TKey : notnull
        where TValue : class, IEquatable<TValue>
    {
        if (ReferenceEquals(mine, theirs) || mine.IsEmpty)
        {
            return mine;
        }

        var agreed = mine;
        foreach (var pair in mine)
        {
            if (!theirs.TryGetValue(pair.Key, out var binding) || !binding.Equals(pair.Value))
            {
                agreed = agreed.Remove(pair.Key);
            }
        }

        return agreed;
    }

    private static readonly Func<MirrorValue, MirrorValue, MirrorValue> JoinMirrors = (a, b) => a.Join(b);

    private static readonly Func<RangeValue, RangeValue, RangeValue> JoinRanges = (a, b) => a.Join(b);

    // An absent entry has the default value: joining with it can still add facts.
    private static SmallMap<AccessPath, TValue> JoinEntries<TValue>(
        SmallMap<AccessPath, TValue> mine,
        SmallMap<AccessPath, TValue> theirs,
        TValue absent,
        Func<TValue, TValue, TValue> join)
        where TValue : class, IEquatable<TValue>
    {
        if (ReferenceEquals(mine, theirs))
        {
            return mine;
        }

        var joined = mine;
        foreach (var pair in theirs)
        {
            var own = mine.TryGetValue(pair.Key, out var value) ? value : absent;
            joined = Set(joined, pair.Key, own, join(own, pair.Value), absent);
        }

        foreach (var pair in mine)
        {
            if (!theirs.ContainsKey(pair.Key))
            {
                joined = Set(joined, pair.Key, pair.Value, join(pair.Value, absent), absent);
            }
        }

        return joined;
    }

    private static SmallMap<AccessPath, TValue> Set<TValue>(
        SmallMap<AccessPath, TValue> entries, AccessPath key, TValue old, TValue value, TValue absent)
        where TValue : class, IEquatable<TValue>
    {
        if (value.Equals(old))
        {
            return entries;
        }

        return value.Equals(absent) ? entries.Remove(key) : entries.SetItem(key, value);
    }

    public bool Equals(HmmFlowState? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (merged == other.merged && SameAlternatives(alternatives, other.alternatives)
                && SameEntries(Mirrors, other.Mirrors) && SameEntries(Ranges, other.Ranges) && SameEntries(Results, other.Results)
                && SameEntries(CapturedResults, other.CapturedResults) && SameEntries(Flags, other.Flags)));

    private static bool SameAlternatives(HmmFlowState[]? a, HmmFlowState[]? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.Length != b.Length)
        {
            return false;
        }

        foreach (var mine in a)
        {
            if (Array.Find(b, theirs => SameEntries(theirs.Flags, mine.Flags)) is not { } match || !match.Equals(mine))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as HmmFlowState);

    public override int GetHashCode() => Mirrors.Count * 31 + Ranges.Count;

    private static bool SameEntries<TKey, TValue>(SmallMap<TKey, TValue> a, SmallMap<TKey, TValue> b)
        where TKey : notnull
        where TValue : class
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var pair in a)
        {
            if (!b.TryGetValue(pair.Key, out var value) || !EqualityComparer<TValue>.Default.Equals(pair.Value, value))
            {
                return false;
            }
        }

        return true;
    }
}
