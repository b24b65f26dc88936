namespace Hmm.Migrate;

/// <summary>One HMM diagnostic site: where, which rule, and the fix it gets or why none.</summary>
internal sealed record Site(string File, int Line, int Column, string Rule, string Severity, string Message, string? Fix, string? WhyNot);

/// <summary>One file the migration changes.</summary>
internal sealed record FileChange(string FullPath, string File, string OldText, string NewText);

/// <summary>Everything one run found and did.</summary>
internal sealed record MigrationReport(
    string Input,
    bool Applied,
    IReadOnlyList<Site> Sites,
    IReadOnlyList<Site> Remaining,
    IReadOnlyList<FileChange> Changes,
    IReadOnlyList<string> Rounds,
    IReadOnlyList<string> Problems)
{
    /// <summary>The sites in the code as it is on disk after the run: what --check and SARIF judge.</summary>
    public IReadOnlyList<Site> OnDisk => Applied ? Remaining : Sites;

    /// <summary>Problems make the run partial: load failures, skipped files, compile errors left.</summary>
    public bool IsPartial => Problems.Count > 0;
}
