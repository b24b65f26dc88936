using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// An operation that can change the state, with what its every visit needs: the call's kind,
/// the paths of its mirror, mm and range, the path of the reference or assignment target.
/// </summary>
internal sealed class FlowEffect
{
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
