namespace Hmm.Migrate;

/// <summary>The process exit codes, as --help documents them.</summary>
internal static class ExitCodes
{
    /// <summary>Done: the diff printed (dry run) or written (--apply); with --check, no HMM diagnostic remains.</summary>
    public const int Success = 0;

    /// <summary>--check: HMM diagnostics remain in the code on disk (after --apply: in the migrated code).</summary>
    public const int CheckFailed = 1;

    /// <summary>Bad command line or input: missing file, not a .sln/.slnx/.csproj.</summary>
    public const int BadInput = 2;

    /// <summary>Nothing could be loaded: no .NET SDK found, or no project of the input loaded.</summary>
    public const int LoadFailed = 3;

    /// <summary>Migrated what it could, but some projects or files were skipped, or compile errors remain.</summary>
    public const int Partial = 4;

    /// <summary>
    /// The exit code of a run that got as far as a report. Partial wins over --check's 1: code
    /// that does not build, or was not all analysed, is the worse news, and both fail a gate.
    /// </summary>
    public static int For(MigrationReport report, bool check) =>
        report.IsPartial ? Partial
        : check && report.OnDisk.Count > 0 ? CheckFailed
        : Success;

    /// <summary>What an exit code means, in a few words.</summary>
    public static string Describe(int exitCode) => exitCode switch
    {
        Success => "done",
        CheckFailed => "--check: HMM diagnostics remain",
        BadInput => "bad input",
        LoadFailed => "nothing loaded",
        Partial => "partial: files skipped or compile errors",
        _ => "interrupted",
    };

    public const string HelpText = """
        Exit codes:
          0  done (with --check: no HMM diagnostic remains)
          1  --check: HMM diagnostics remain
          2  bad input: missing file, or not a .sln, .slnx or .csproj
          3  nothing loaded: no .NET SDK found, or no project of the input loaded
          4  partial: some projects or files were skipped (load failures, compile errors),
             or the code has compile errors (on disk, or left by the migration: HMM002 at a
             caller with no mirror), or code the migration changed could not be checked
             (under an inactive #if, or another target framework of the project)
        When several apply, the first of 2, 3, 4, 1, 0 wins: 2 and 3 stop the run before any
        report; 4 wins over 1, so --check on code that does not build exits 4.
        """;
}
