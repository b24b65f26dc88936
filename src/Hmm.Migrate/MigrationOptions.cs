namespace Hmm.Migrate;

internal enum OutputFormat
{
    Text,
    Json,
    Sarif,
}

/// <summary>What one run of hmm-migrate is asked to do.</summary>
internal sealed record MigrationOptions(
    string InputPath,
    bool Apply,
    bool Check,
    IReadOnlySet<string> RuleIds,
    OutputFormat Format,
    bool Restore = true,
    string? PreferredMirror = null)
{
    /// <summary>How many rounds of fixing at most: each round applies one fix-all and re-analyses.</summary>
    public int MaxRounds { get; init; } = 32;
}
