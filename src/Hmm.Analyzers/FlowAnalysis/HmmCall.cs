using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>What an HMM call does to the mirrors and ranges it is given.</summary>
internal enum HmmCallKind
{
    None,
    /// <summary><c>HmmApi.MirrorRegister(mirror, mm)</c>: 0 on success.</summary>
    MirrorRegister,
    /// <summary><c>HmmMirror.Register(mm, ops)</c>: a registered mirror, or throws.</summary>
    MirrorCreateRegistered,
    /// <summary><c>HmmApi.MirrorUnregister(mirror)</c> or <c>mirror.Dispose()</c>.</summary>
    MirrorUnregister,
    /// <summary><c>HmmApi.RangeRegister(range, mirror, start, end, shift)</c>.</summary>
    RangeRegister,
    /// <summary>The legacy <c>HmmApi.RangeRegister(range, mm, start, end, shift)</c>.</summary>
    LegacyRangeRegister,
    /// <summary><c>HmmApi.VmaFault(mirror, range, block)</c>: registers on success, unregisters on failure.</summary>
    VmaFault,
    /// <summary>The legacy <c>HmmApi.VmaFault(range, block)</c>.</summary>
    LegacyVmaFault,
    /// <summary><c>HmmApi.RangeUnregister(range)</c> or <c>HmmApi.VmaRangeDone(range)</c>.</summary>
    RangeUnregister,
    /// <summary>Any other member of HmmApi or HmmMirror: it neither keeps nor frees what it is given.</summary>
    Other,
}

/// <summary>An invocation of Hmm.Api, with the arguments that matter to the flow analysis.</summary>
internal readonly struct HmmCall
{
    private HmmCall(HmmCallKind kind, IInvocationOperation invocation, IOperation? mirror, IOperation? mm, IOperation? range)
    {
        Kind = kind;
        Invocation = invocation;
        Mirror = mirror;
        Mm = mm;
        Range = range;
    }

    public HmmCallKind Kind { get; }

    public IInvocationOperation Invocation { get; }

    /// <summary>The mirror argument (or the instance of <c>Dispose</c>).</summary>
    public IOperation? Mirror { get; }

    /// <summary>The mm argument.</summary>
    public IOperation? Mm { get; }

    /// <summary>The range argument.</summary>
    public IOperation? Range { get; }

    /// <summary>True for the calls that register a range (success: result 0).</summary>
    public bool RegistersRange => Kind is HmmCallKind.RangeRegister or HmmCallKind.LegacyRangeRegister or HmmCallKind.VmaFault or HmmCallKind.LegacyVmaFault;

    /// <summary>True for the calls whose int result says whether they registered something.</summary>
    public bool HasRegistrationResult => RegistersRange || Kind == HmmCallKind.MirrorRegister;

    /// <summary>Classifies <paramref name="invocation"/>; <see cref="HmmCallKind.None"/> when it is not an Hmm.Api call.</summary>
    public static HmmCall Classify(IInvocationOperation invocation, HmmSymbols symbols)
    {
        var method = invocation.TargetMethod;
        if (method is null)
        {
            return default;
        }

        if (method.Name == nameof(IDisposable.Dispose) && method.Parameters.Length == 0
            && symbols.IsMirror(AccessPath.Unwrap(invocation.Instance)?.Type))
        {
            // mirror.Dispose(), also through IDisposable (the end of a using).
            return new HmmCall(HmmCallKind.MirrorUnregister, invocation, invocation.Instance, null, null);
        }

        if (!symbols.IsApiMethod(method))
        {
            return default;
        }

        var containingIsMirror = symbols.IsMirror(method.ContainingType);
        switch (method.Name)
        {
            case ApiNames.Members.MirrorRegister when !containingIsMirror:
                return new HmmCall(HmmCallKind.MirrorRegister, invocation, Argument(invocation, symbols, ArgumentKind.Mirror), Argument(invocation, symbols, ArgumentKind.Mm), null);
            case ApiNames.Members.Register when containingIsMirror:
                return new HmmCall(HmmCallKind.MirrorCreateRegistered, invocation, null, Argument(invocation, symbols, ArgumentKind.Mm), null);
            case ApiNames.Members.MirrorUnregister when !containingIsMirror:
                return new HmmCall(HmmCallKind.MirrorUnregister, invocation, Argument(invocation, symbols, ArgumentKind.Mirror), null, null);
            case ApiNames.Members.RangeRegister when !containingIsMirror:
                return WithRange(invocation, symbols, HmmCallKind.RangeRegister, HmmCallKind.LegacyRangeRegister);
            case ApiNames.Members.VmaFault when !containingIsMirror:
                return WithRange(invocation, symbols, HmmCallKind.VmaFault, HmmCallKind.LegacyVmaFault);
            case ApiNames.Members.RangeUnregister or ApiNames.Members.VmaRangeDone when !containingIsMirror:
                return new HmmCall(HmmCallKind.RangeUnregister, invocation, null, null, Argument(invocation, symbols, ArgumentKind.Range));
            default:
                return new HmmCall(HmmCallKind.Other, invocation, null, null, null);
        }
    }

    private enum ArgumentKind
    {
        Mirror,
        Mm,
        Range,
    }

    private static HmmCall WithRange(IInvocationOperation invocation, HmmSymbols symbols, HmmCallKind withMirror, HmmCallKind legacy)
    {
        var hasMirrorParameter = false;
        foreach (var parameter in invocation.TargetMethod.Parameters)
        {
            hasMirrorParameter |= symbols.IsMirror(parameter.Type);
        }

        return new HmmCall(
            hasMirrorParameter ? withMirror : legacy,
            invocation,
            Argument(invocation, symbols, ArgumentKind.Mirror),
            Argument(invocation, symbols, ArgumentKind.Mm),
            Argument(invocation, symbols, ArgumentKind.Range));
    }

    // By parameter type, so named and reordered arguments are found too.
    private static IOperation? Argument(IInvocationOperation invocation, HmmSymbols symbols, ArgumentKind kind)
    {
        foreach (var argument in invocation.Arguments)
        {
            var type = argument.Parameter?.Type;
            var matches = kind switch
            {
                ArgumentKind.Mirror => symbols.IsMirror(type),
                ArgumentKind.Mm => symbols.IsMm(type),
                _ => symbols.IsRange(type),
            };
            if (matches)
            {
                return argument.Value;
            }
        }

        return null;
    }
}
