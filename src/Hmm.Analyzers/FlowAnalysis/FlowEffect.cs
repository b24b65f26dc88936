using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// An operation that can change the state, with what its every visit needs: the call's kind,
/// the paths of its mirror, mm and range, the path of the reference or assignment target.
/// </summary>
internal sealed class FlowEffect
{
    // Most effects are variable reads and assignments: what only an HMM call has is kept apart,
    // so that they stay small.
    private readonly CallPart? callPart;

    public FlowEffect(
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
        Path = path;
        Escapes = escapes;
        if (call.Kind != HmmCallKind.None)
        {
            callPart = new CallPart(call, mirror, mm, range, binding, resultFollowed);
        }
    }

    public IOperation Operation { get; }

    /// <summary>The HMM call (default for any other operation).</summary>
    public HmmCall Call => callPart?.Call ?? default;

    /// <summary>The reference's path, or the assignment's target.</summary>
    public AccessPath? Path { get; }

    /// <summary>The local or parameter a reference reads.</summary>
    public ISymbol? Variable { get; }

    /// <summary>A range reference that hands the range to someone else.</summary>
    public bool Escapes { get; }

    public AccessPath? Mirror => callPart?.Mirror;

    public AccessPath? Mm => callPart?.Mm;

    public AccessPath? Range => callPart?.Range;

    /// <summary>What the call's int result says, for a registering call.</summary>
    public ResultBinding? Binding => callPart?.Binding;

    /// <summary>The result goes where the analysis reads it (a variable, a branch, a return).</summary>
    public bool ResultFollowed => callPart?.ResultFollowed ?? false;

    private sealed class CallPart
    {
        public CallPart(HmmCall call, AccessPath? mirror, AccessPath? mm, AccessPath? range, ResultBinding? binding, bool resultFollowed)
        {
            Call = call;
            Mirror = mirror;
            Mm = mm;
            Range = range;
            Binding = binding;
            ResultFollowed = resultFollowed;
        }

        public HmmCall Call { get; }

        public AccessPath? Mirror { get; }

        public AccessPath? Mm { get; }

        public AccessPath? Range { get; }

        public ResultBinding? Binding { get; }

        public bool ResultFollowed { get; }
    }
}
