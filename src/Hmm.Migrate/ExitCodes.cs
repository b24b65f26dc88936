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

    /// <summary>The exit code of a run that got as far as a report.</summary>
    public static int For(MigrationReport report, bool check) =>
        check && report.OnDisk.Count > 0 ? CheckFailed
        : report.IsPartial ? Partial
        : Success;

    public const string HelpText = """
        Exit codes:
          0  done (with --check: no HMM diagnostic remains)
          1  --check: HMM diagnostics remain
          2  bad input: missing file, or not a .sln, .slnx or .csproj
          3  nothing loaded: no .NET SDK found, or no project of the input loaded
          4  partial: some projects or files were skipped (load failures, compile errors),
             or the migrated code has compile errors (HMM002 at a caller with no mirror)
        """;
}
