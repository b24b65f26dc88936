using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>A range that leaves a body through <see cref="Exit"/> still registered by <see cref="Registration"/>.</summary>
internal sealed class RangeLeak
{
    public RangeLeak(AccessPath range, SyntaxNode registration, Location exit, bool owned)
    {
        Range = range;
        Registration = registration;
        Exit = exit;
        Owned = owned;
    }

    public AccessPath Range { get; }

    /// <summary>
    /// A local that only ever holds ranges this body made or was handed by a call: its lifetime is
    /// this body's. A parameter, a member, or a local set to one (<c>var range = dev.Range;</c>,
    /// <c>range = this.range;</c>) holds a range that other code also reaches. (A loop's element
    /// past its loop is no leak at all: <c>FlowTransfer.CollectLeaks</c>.)
    /// </summary>
    public bool Owned { get; }

    public SyntaxNode Registration { get; }

    /// <summary>The return or throw statement, or the closing brace.</summary>
    public Location Exit { get; }
}

/// <summary>
/// The outcome of the flow analysis of one body and the lambdas and local functions in it: the
/// state before each HMM call (before every call and object creation, for the fixer's
/// inference), and the exits where a range leaks. A call that has no state (its body was given
/// up on) is one the rules stay silent about.
/// </summary>
internal sealed class HmmFlowResult
{
    private readonly Dictionary<SyntaxNode, HmmFlowState> statesBefore;

    // HMM001 and HMM002 (HMM004 and HMM002) ask for the mirrors of the same call: the inference
    // looks up every symbol in scope, so it is made once per call and shared.
    // Made on first use: most bodies have no legacy call to infer a mirror for.
    private ConcurrentDictionary<(SyntaxNode At, SyntaxNode? Of, bool RangeMm), Lazy<MirrorCandidates?>>? candidates;

    public HmmFlowResult(Dictionary<SyntaxNode, HmmFlowState> statesBefore, ImmutableArray<RangeLeak> leaks, ImmutableHashSet<AccessPath> unregisteredRanges)
    {
        this.statesBefore = statesBefore;
        Leaks = leaks;
        UnregisteredRanges = unregisteredRanges;
    }

    /// <summary>The range paths this body unregisters somewhere (RangeUnregister, VmaRangeDone).</summary>
    public ImmutableHashSet<AccessPath> UnregisteredRanges { get; }

    public ImmutableArray<RangeLeak> Leaks { get; }

    /// <summary>Every state kept, by the call or object creation it comes before.</summary>
    internal IEnumerable<KeyValuePair<SyntaxNode, HmmFlowState>> States => statesBefore;

    /// <summary>The state before the call or object creation <paramref name="node"/>, over every path; null when unknown.</summary>
    public HmmFlowState? StateBefore(SyntaxNode node) => statesBefore.TryGetValue(node, out var state) ? state : null;

    /// <summary>The mirror candidates at <paramref name="at"/> for <paramref name="of"/> (an mm, or a range's mm), computed once.</summary>
    internal MirrorCandidates? Candidates(SyntaxNode at, SyntaxNode? of, bool rangeMm, Func<MirrorCandidates?> infer) =>
        OnceCache.GetOrCompute(LazyInitializer.EnsureInitialized(ref candidates)!, (at, of, rangeMm), infer, static (infer, _) => infer(), CancellationToken.None);
}
