namespace Hmm.Migrate;

/// <summary>One HMM diagnostic site: where, which rule, and the fix it gets or why none.</summary>
internal sealed record Site(string File, int Line, int Column, string Rule, string Severity, string Message, string? Fix, string? WhyNot);

/// <summary>A compiler error in a file of the migrated projects.</summary>
internal sealed record CompileError(string File, int Line, int Column, string Id, string Message);

/// <summary>One file the migration changes; <paramref name="Bom"/>: the file starts with a byte order mark.</summary>
internal sealed record FileChange(string FullPath, string File, string OldText, string NewText, bool Bom = false);

/// <summary>Everything one run found and did.</summary>
internal sealed record MigrationReport(
    string Input,
    bool Applied,
    IReadOnlyList<Site> Sites,
    IReadOnlyList<Site> Remaining,
    IReadOnlyList<FileChange> Changes,
    IReadOnlyList<string> Rounds,
    IReadOnlyList<string> Problems,
    IReadOnlyList<CompileError> CompileErrors,
    IReadOnlyList<CompileError> CompileErrorsAfter,
    IReadOnlyList<string> Projects)
{
    /// <summary>The sites in the code as it is on disk after the run: what --check and SARIF judge.</summary>
    public IReadOnlyList<Site> OnDisk => Applied ? Remaining : Sites;

    /// <summary>The compile errors of the code as it is on disk after the run.</summary>
    public IReadOnlyList<CompileError> CompileErrorsOnDisk => Applied ? CompileErrorsAfter : CompileErrors;

    /// <summary>
    /// Problems make the run partial (load failures, skipped files, compile errors the migration
    /// would leave), and so do compile errors in the code on disk: a gate must not pass code
    /// that does not build.
    /// </summary>
    public bool IsPartial => Problems.Count > 0 || CompileErrorsOnDisk.Count > 0;
}
