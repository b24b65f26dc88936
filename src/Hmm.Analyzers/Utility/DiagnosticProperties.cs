namespace Hmm.Analyzers;

/// <summary>
/// What an analyzer hands its fixer in <c>Diagnostic.Properties</c>, so the fixer does no
/// analysis of its own. The contract between Hmm.Analyzers and Hmm.CodeFixes.
/// </summary>
public static class DiagnosticProperties
{
    /// <summary>
    /// HMM001, HMM004: the live mirrors of the call's mm, as C# expressions valid at the call
    /// (e.g. <c>svmm.Mirror</c>), separated by <see cref="CandidateSeparator"/>, in a stable
    /// order. One candidate: the fix is unambiguous; several: one action each, fix-all skips.
    /// </summary>
    public const string MirrorCandidates = "MirrorCandidates";

    /// <summary>Separates the entries of <see cref="MirrorCandidates"/>.</summary>
    public const char CandidateSeparator = '\n';

    /// <summary>
    /// HMM002: why no mirror is in scope (for messages), and whether a parameter can be added
    /// to the enclosing member (<see cref="CanAddParameter"/> = "true"/"false").
    /// </summary>
    public const string Reason = "Reason";

    /// <summary>HMM002: "true" when the enclosing method or local function can take a new parameter.</summary>
    public const string CanAddParameter = "CanAddParameter";
}
