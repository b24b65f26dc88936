using System.Text.Json;

namespace Hmm.Migrate.Tests;

/// <summary>
/// Code that does not build: listed in every output and in the exit status, its files left as
/// they are, and the order of the exit codes when several apply.
/// </summary>
public sealed class CompileErrorTests : IDisposable
{
    // A helper that only gets an mm (HMM002: the fix threads a mirror in from its callers).
    private const string Helper = """
        using Hmm;

        public static class Helper
        {
            public static int Populate(MmStruct mm, HmmRange range, ulong start, ulong end)
            {
                int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                if (ret != 0)
                {
                    return ret;
                }

                HmmApi.RangeUnregister(range);
                return 0;
            }
        }

        """;

    // A caller with a mirror: {0} is the class, {1} what else Run adds to the result.
    private const string Caller = """
        using Hmm;

        public sealed class {0}
        {{
            public {0}(MmStruct mm, HmmMirror mirror) {{ Mm = mm; Mirror = mirror; }}
            public MmStruct Mm {{ get; }}
            public HmmMirror Mirror {{ get; }}

            public int Run(HmmRange range, ulong start, ulong end)
            {{
                return Helper.Populate(Mm, range, start, end){1};
            }}
        }}

        """;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "hmm-migrate-errors-" + Guid.NewGuid().ToString("N")[..8]);

    public CompileErrorTests() => Directory.CreateDirectory(folder);

    private string Project => Path.Combine(folder, "Drivers.csproj");

    [Fact]
    public async Task A_file_skipped_for_its_compile_errors_is_not_touched_by_another_sites_fix()
    {
        WriteDriversProject();
        Write("Helper.cs", Helper);
        Write("Good.cs", string.Format(Caller, "Good", ""));
        // Broken.cs: a compile error, an HMM001 site (fixable) and an HMM006 one (no fix).
        Write("Broken.cs", string.Format(Caller, "Broken", " + undefinedThing").Replace(
            "        return Helper.Populate(",
            "        HmmApi.RangeRegister(range, Mm, start, end, HmmApi.PageShift);\n        HmmApi.RangeUnregister(range);\n        return Helper.Populate("));
        string broken = File.ReadAllText(Path.Combine(folder, "Broken.cs"));

        string output = await RunPartialAsync("--apply");
        Assert.Equal(broken, File.ReadAllText(Path.Combine(folder, "Broken.cs")));
        // The helper's mm served only the legacy call: the mirror takes its place, as in the kernel.
        Assert.Contains("Helper.Populate(Mirror, range, start, end)", File.ReadAllText(Path.Combine(folder, "Good.cs")));
        Assert.Contains("problem: skipped Broken.cs: 1 fixable HMM site(s) not migrated, the file has compile errors (first: CS0103", output);
        Assert.Contains("compile error: Broken.cs:", output);
    }

    /// <summary>
    /// A file where HMM002's fix leaves a compile error (a caller with no mirror) still gets its
    /// HMM001 fixes: those go first, before the file stops being fixed.
    /// </summary>
    [Fact]
    public async Task The_mirror_fixes_of_a_file_are_made_before_HMM002_leaves_a_compile_error_in_it()
    {
        WriteDriversProject();
        // One file: the helper's HMM002 site first, then an HMM001 site, then a caller of the
        // helper that has no mirror to pass.
        Write("Drivers.cs", Helper + string.Format(DriverProject.Device, "Good", "0").Replace("using Hmm;\n", "") + """
            public static class Orphan
            {
                public static int Run(MmStruct mm, HmmRange range) => Helper.Populate(mm, range, 0x1000, 0x2000);
            }

            """);

        await RunPartialAsync("--apply");

        string migrated = File.ReadAllText(Path.Combine(folder, "Drivers.cs"));
        Assert.Contains("HmmApi.RangeRegister(range, Mirror, start, end, HmmApi.PageShift)", migrated);
        Assert.Contains("HMM002_PassTheCallersLiveMirror, range, 0x1000, 0x2000)", migrated);
    }

    /// <summary>
    /// An HMM001 fix that leaves a compile error (the mirror member is obsolete, and the project
    /// makes that warning an error) stops the file's later fixes: its HMM002 site is reported
    /// as not migrated, not passed over.
    /// </summary>
    [Fact]
    public async Task Sites_left_in_a_file_an_earlier_fix_broke_are_reported_not_migrated()
    {
        WriteDriversProject();
        File.WriteAllText(Project, File.ReadAllText(Project).Replace("<Nullable>enable</Nullable>", "<Nullable>enable</Nullable>\n    <WarningsAsErrors>CS0618</WarningsAsErrors>"));
        Write("Drivers.cs", """
            using System;
            using Hmm;

            public sealed class Gpu
            {
                public Gpu(MmStruct mm) { Mm = mm; }
                public MmStruct Mm { get; }
                [Obsolete("the ioctl path's mirror")]
                public HmmMirror Mirror { get; init; } = null!;

                public int Bind(HmmRange range) => HmmApi.RangeRegister(range, Mm, range.Start, range.End, HmmApi.PageShift);
            }

            public static class Helper
            {
                public static int Populate(MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift);
            }

            """);

        string output = await RunPartialAsync();

        Assert.Contains("problem: the migrated Drivers.cs has 1 compile error(s), first CS0618", output);
        Assert.Contains("problem: not migrated: Drivers.cs:17: HMM002: its fix was not applied, an earlier fix left the file with compile errors (first: CS0618", output);
    }

    /// <summary>
    /// Code under #if that this configuration does not compile cannot be checked: where it names
    /// what the migration changed (the mm parameter the mirror replaced), the run is partial.
    /// </summary>
    [Fact]
    public async Task Code_under_an_inactive_if_that_names_what_the_migration_changed_makes_the_run_partial()
    {
        WriteDriversProject();
        Write("Helper.cs", """
            using Hmm;

            public static class Helper
            {
                public static int Populate(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
            #if HMM_TRACE
                    System.Console.WriteLine(mm);
            #endif
                    return HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                }
            }

            """);
        Write("Good.cs", string.Format(Caller, "Good", ""));

        string output = await RunPartialAsync();
        Assert.Contains("problem: not checked: Helper.cs:8, code under #if that this configuration does not compile, names 'mm', which the migration changed", output);
    }

    [Fact]
    public async Task Compile_errors_are_in_every_output_and_the_exit_status_also_with_no_HMM_site()
    {
        // Migrated code with a caller the new parameter did not reach: no HMM site, no build.
        WriteDriversProject();
        Write("Helper.cs", Helper.Replace("MmStruct mm, HmmRange range", "MmStruct mm, HmmRange range, HmmMirror mirror").Replace("RangeRegister(range, mm,", "RangeRegister(range, mirror,"));
        Write("Caller.cs", string.Format(Caller, "Caller", ""));

        var (textExit, text, textError) = await Cli.RunAsync(Project, "--check");
        Assert.True(textExit == ExitCodes.Partial, text + textError);
        Assert.Contains("0 HMM site(s)", text);
        Assert.Matches(@"compile error: Caller\.cs:11:\d+: CS7036: ", text);

        var (jsonExit, json, _) = await Cli.RunAsync(Project, "--check", "--no-restore", "--format", "json");
        Assert.Equal(ExitCodes.Partial, jsonExit);
        using (var document = JsonDocument.Parse(json))
        {
            var compileError = Assert.Single(document.RootElement.GetProperty("compileErrors").EnumerateArray());
            Assert.Equal("Caller.cs", compileError.GetProperty("file").GetString());
            Assert.Equal("CS7036", compileError.GetProperty("id").GetString());
            Assert.Equal(ExitCodes.Partial, document.RootElement.GetProperty("exitCode").GetInt32());
        }

        var (sarifExit, sarif, _) = await Cli.RunAsync(Project, "--check", "--no-restore", "--format", "sarif");
        Assert.Equal(ExitCodes.Partial, sarifExit);
        SarifSchema.AssertValid(sarif);
        using (var document = JsonDocument.Parse(sarif))
        {
            var invocation = document.RootElement.GetProperty("runs")[0].GetProperty("invocations")[0];
            Assert.Equal(ExitCodes.Partial, invocation.GetProperty("exitCode").GetInt32());
            Assert.False(invocation.GetProperty("executionSuccessful").GetBoolean());
            var notification = Assert.Single(invocation.GetProperty("toolExecutionNotifications").EnumerateArray());
            Assert.Equal("error", notification.GetProperty("level").GetString());
            Assert.StartsWith("CS7036: ", notification.GetProperty("message").GetProperty("text").GetString());
            Assert.Equal("Caller.cs", notification.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
        }
    }

    [Fact]
    public void Partial_wins_over_check_and_help_says_so()
    {
        var site = new Site("Dma.cs", 3, 9, "HMM001", "warning", "pass the mirror", "Pass 'Mirror'", null);
        var error = new CompileError("Dma.cs", 5, 1, "CS0103", "The name 'x' does not exist in the current context");
        MigrationReport Report(IReadOnlyList<Site> sites, IReadOnlyList<string> problems, IReadOnlyList<CompileError> errors) =>
            new("/d/Drivers.csproj", Applied: false, sites, sites, [], [], problems, errors, errors, ["Drivers"]);

        Assert.Equal(ExitCodes.Partial, ExitCodes.For(Report([site], ["skipped Dma.cs"], []), check: true));
        Assert.Equal(ExitCodes.Partial, ExitCodes.For(Report([site], [], [error]), check: true));
        Assert.Equal(ExitCodes.Partial, ExitCodes.For(Report([], [], [error]), check: true));
        Assert.Equal(ExitCodes.CheckFailed, ExitCodes.For(Report([site], [], []), check: true));
        Assert.Equal(ExitCodes.Success, ExitCodes.For(Report([site], [], []), check: false));
        Assert.Equal(ExitCodes.Success, ExitCodes.For(Report([], [], []), check: true));
        Assert.Contains("When several apply, the first of 2, 3, 4, 1, 0 wins", ExitCodes.HelpText);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private void Write(string file, string text) => File.WriteAllText(Path.Combine(folder, file), text);

    private void WriteDriversProject() =>
        DriverProject.WriteProject(folder, "Drivers.csproj", $"<ProjectReference Include=\"{DriverProject.ApiProject}\" />");

    // hmm-migrate on the project, which must end partial (exit 4); its report.
    private async Task<string> RunPartialAsync(params string[] arguments)
    {
        var (exitCode, output, error) = await Cli.RunAsync([Project, .. arguments]);
        Assert.True(exitCode == ExitCodes.Partial, output + error);
        return output;
    }
}
