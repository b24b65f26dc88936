using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hmm.Migrate.Output;

namespace Hmm.Migrate.Tests;

/// <summary>One dry run with --check over a copy of the legacy samples, shared by the tests of this class.</summary>
public sealed class LegacySampleRun : IAsyncLifetime, IDisposable
{
    public RepoCopy Copy { get; } = new();

    public IReadOnlyDictionary<string, string> SourcesBefore { get; private set; } = new Dictionary<string, string>();

    internal MigrationOptions Options { get; private set; } = null!;

    internal MigrationReport Report { get; private set; } = null!;

    public string Text { get; private set; } = "";

    /// <summary>The run's progress lines, one per document (an interval of zero).</summary>
    public StringWriter ProgressLog { get; } = new();

    public async Task InitializeAsync()
    {
        SourcesBefore = Copy.SampleSources();
        Options = new MigrationOptions(Copy.SampleProject, Apply: false, Check: true, HmmRules.CatalogueIds, OutputFormat.Text);
        Report = await new Migration(Options, new Progress(ProgressLog, verbose: false, interval: TimeSpan.Zero)).RunAsync(CancellationToken.None);
        Text = Render(OutputFormat.Text);
    }

    internal string Render(OutputFormat format)
    {
        var output = new StringWriter();
        ReportWriter.Write(Report, Options with { Format = format }, ExitCodes.For(Report, Options.Check), output);
        return output.ToString();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Copy.Dispose();
}

/// <summary>The default mode: report every site, print the diff spatch-style, touch nothing.</summary>
public sealed class DryRunTests(LegacySampleRun run) : IClassFixture<LegacySampleRun>
{
    [Fact]
    public void Leaves_the_files_untouched()
    {
        Assert.Equal(run.SourcesBefore, run.Copy.SampleSources());
    }

    [Fact]
    public void Progress_without_a_terminal_is_plain_lines_per_project_and_document()
    {
        string log = run.ProgressLog.ToString();
        var start = Assert.Single(Regex.Matches(log, @"hmm-migrate: analysing LegacyDrivers \((\d+) documents\)\n").Take(1));
        int documents = int.Parse(start.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(documents > 4, log);
        Assert.Contains($"hmm-migrate: analysing LegacyDrivers: 1/{documents} documents\n", log);
        Assert.Contains($"hmm-migrate: analysing LegacyDrivers: {documents - 1}/{documents} documents\n", log);
        Assert.Contains($"hmm-migrate: analysing LegacyDrivers: {documents}/{documents} documents, done\n", log);
        Assert.Contains("hmm-migrate: loaded 1 project(s): LegacyDrivers", log);
        Assert.DoesNotContain("\u001b[", log);
    }

    [Fact]
    public async Task Progress_on_a_terminal_is_a_live_bar()
    {
        var terminal = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.Yes,
            Interactive = Spectre.Console.InteractionSupport.Yes,
            Out = new Spectre.Console.AnsiConsoleOutput(terminal),
        });
        var progress = new Progress(TextWriter.Null, verbose: false, console);
        int result = await progress.TrackAsync("Drivers", 4, async tick =>
        {
            for (int i = 0; i < 4; i++)
            {
                tick();
                await Task.Delay(150);
            }

            return 42;
        });

        Assert.Equal(42, result);
        string shown = terminal.ToString();
        Assert.Contains("analysing Drivers (4 documents)", shown);
        Assert.Contains("\u001b[", shown);
        Assert.Contains("%", shown);
    }

    [Fact]
    public void Check_fails_on_the_legacy_code()
    {
        Assert.Equal(ExitCodes.CheckFailed, ExitCodes.For(run.Report, check: true));
        Assert.Contains(run.Report.Sites, s => s.Rule == "HMM001");
        Assert.Contains(run.Report.Sites, s => s.Rule == "HMM002");
        Assert.Contains(run.Report.Sites, s => s.Rule == "HMM004");
    }

    [Fact]
    public void The_mirror_fixes_share_a_round_and_the_new_parameter_takes_its_own()
    {
        // HMM001 and HMM004 only put a mirror into a call: one round, one re-analysis, for both.
        // HMM002 changes a signature and its callers: alone, on a fresh analysis.
        Assert.Collection(
            run.Report.Rounds,
            first => Assert.Matches("^HMM001: .*; HMM004: .*$", first),
            second => Assert.StartsWith("HMM002: ", second));
    }

    [Fact]
    public void Every_site_has_a_fix_and_none_remains_after_migration()
    {
        Assert.All(run.Report.Sites, s => Assert.True(s.Fix is not null, $"{s.File}:{s.Line} {s.Rule}: {s.WhyNot}"));
        Assert.Empty(run.Report.Remaining);
        Assert.Empty(run.Report.Problems);
    }

    [Fact]
    public void Reports_each_site_with_file_line_rule_and_the_fix()
    {
        var nouveau = Assert.Single(run.Report.Sites, s => s.File == "Nouveau/NouveauSvm.cs");
        Assert.Equal("HMM004", nouveau.Rule);
        Assert.Equal(LineOf("Nouveau/NouveauSvm.cs", "HmmApi.VmaFault(range, true)"), nouveau.Line);
        Assert.Contains("svmm.Mirror", nouveau.Message);
        Assert.Contains($"Nouveau/NouveauSvm.cs:{nouveau.Line}: HMM004: ", run.Text);

        var doc = Assert.Single(run.Report.Sites, s => s.File == "HmmDoc/DocDriver.cs");
        Assert.Equal("HMM001", doc.Rule);
        Assert.Equal(LineOf("HmmDoc/DocDriver.cs", "HmmApi.RangeRegister(range, Mm,"), doc.Line);

        var amdgpu = Assert.Single(run.Report.Sites, s => s.File == "Amdgpu/AmdgpuTtm.cs");
        Assert.Equal("HMM001", amdgpu.Rule);
        Assert.Contains("bo.Mn.Mirror", amdgpu.Message);

        var helper = Assert.Single(run.Report.Sites, s => s.File == "Common/RangeResidency.cs");
        Assert.Equal("HMM002", helper.Rule);
        Assert.EndsWith(": HmmMirror mirror, passed by every caller", helper.Fix);

        Assert.StartsWith($"hmm-migrate {run.Copy.SampleProject}: 1 project(s) loaded (LegacyDrivers); dry run: nothing is written", run.Text);
    }

    [Fact]
    public void Prints_the_diff_of_every_change()
    {
        string diff = UnifiedDiff.Render(run.Report.Changes);
        Assert.Equal(
            ["Amdgpu/AmdgpuTtm.cs", "Common/RangeResidency.cs", "HmmDoc/DocDriver.cs", "Nouveau/NouveauSvm.cs"],
            run.Report.Changes.Select(c => c.File).Order(StringComparer.Ordinal));
        Assert.Contains(diff, run.Text);

        Assert.Contains("--- a/Nouveau/NouveauSvm.cs\n+++ b/Nouveau/NouveauSvm.cs\n", diff);
        Assert.Contains("\n-        int ret = HmmApi.VmaFault(range, true);\n+        int ret = HmmApi.VmaFault(svmm.Mirror, range, true);\n", diff);
        Assert.Contains("\n-        int r = HmmApi.RangeRegister(range, bo.Mn.Mm, bo.UserPtr, bo.End, HmmApi.PageShift);\n+        int r = HmmApi.RangeRegister(range, bo.Mn.Mirror, bo.UserPtr, bo.End, HmmApi.PageShift);\n", diff);
        Assert.Contains("\n-        int ret = HmmApi.RangeRegister(range, Mm, start, end, HmmApi.PageShift);\n+        int ret = HmmApi.RangeRegister(range, Mirror, start, end, HmmApi.PageShift);\n", diff);

        // HMM002: the helper takes the mirror, and each caller passes its own.
        Assert.Contains("\n-        int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);\n", diff);
        Assert.Contains("\n+        int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);\n", diff);
        Assert.Matches(@"\n\+.*RangeResidency\.Snapshot\(.*svmm\.Mirror", diff);
        Assert.Matches(@"\n\+.*RangeResidency\.Snapshot\(.*bo\.Mn\.Mirror", diff);
        Assert.Contains("\n+        long ret = RangeResidency.Snapshot(Mm, start, end, Mirror, out HmmRange range);\n", diff);
    }

    [Fact]
    public void Json_lists_the_sites_the_changes_and_the_diff()
    {
        using var json = JsonDocument.Parse(run.Render(OutputFormat.Json));
        var sites = json.RootElement.GetProperty("sites").EnumerateArray().ToList();
        Assert.Equal(run.Report.Sites.Count, sites.Count);
        var first = sites[0];
        Assert.Equal(run.Report.Sites[0].File, first.GetProperty("file").GetString());
        Assert.Equal(run.Report.Sites[0].Line, first.GetProperty("line").GetInt32());
        Assert.StartsWith("HMM00", first.GetProperty("rule").GetString());
        Assert.Equal(run.Report.Changes.Count, json.RootElement.GetProperty("changedFiles").GetArrayLength());
        Assert.Equal(UnifiedDiff.Render(run.Report.Changes), json.RootElement.GetProperty("diff").GetString());
    }

    [Fact]
    public void The_schema_check_rejects_what_is_not_SARIF()
    {
        // The same report with a level SARIF does not have: the check must fail on it.
        var broken = run.Render(OutputFormat.Sarif).Replace("\"level\": \"warning\"", "\"level\": \"loud\"", StringComparison.Ordinal);
        Assert.NotEqual(run.Render(OutputFormat.Sarif), broken);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => SarifSchema.AssertValid(broken));
    }

    [Fact]
    public void Sarif_has_one_result_per_site_with_its_rule_and_region()
    {
        using var sarif = JsonDocument.Parse(run.Render(OutputFormat.Sarif));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var sarifRun = sarif.RootElement.GetProperty("runs")[0];
        Assert.Equal("hmm-migrate", sarifRun.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
        var results = sarifRun.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(run.Report.Sites.Count, results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var location = results[i].GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.Equal(run.Report.Sites[i].Rule, results[i].GetProperty("ruleId").GetString());
            Assert.Equal(run.Report.Sites[i].File, location.GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.Equal(run.Report.Sites[i].Line, location.GetProperty("region").GetProperty("startLine").GetInt32());
        }

        SarifSchema.AssertValid(run.Render(OutputFormat.Sarif));
        var hmm002 = sarifRun.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "HMM002");
        Assert.Equal("RangeRegisteredOutsideALiveMirrorScope", hmm002.GetProperty("name").GetString());
        Assert.Equal("Range registered outside a live mirror scope", hmm002.GetProperty("shortDescription").GetProperty("text").GetString());
        Assert.StartsWith("A range may only be registered while a mirror of its mm is registered.", hmm002.GetProperty("fullDescription").GetProperty("text").GetString());
        Assert.Equal("warning", hmm002.GetProperty("defaultConfiguration").GetProperty("level").GetString());
        Assert.Contains("docs/rules/HMM002.md", hmm002.GetProperty("help").GetProperty("text").GetString());
        var invocation = sarifRun.GetProperty("invocations")[0];
        Assert.Equal(ExitCodes.CheckFailed, invocation.GetProperty("exitCode").GetInt32());
        Assert.True(invocation.GetProperty("executionSuccessful").GetBoolean());

        var rules = sarifRun.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .Select(r => r.GetProperty("helpUri").GetString()).ToList();
        Assert.All(rules, uri => Assert.Matches(@"docs/rules/HMM00\d\.md$", uri));
    }

    [Fact]
    public async Task Diagnostics_option_picks_the_rules()
    {
        var (exitCode, output, _) = await Cli.RunAsync(run.Copy.SampleProject, "--diagnostics", "HMM004", "--no-restore");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains(": HMM004: ", output);
        Assert.DoesNotContain(": HMM001: ", output);
        Assert.DoesNotContain(": HMM002: ", output);
        Assert.Contains("--- a/Nouveau/NouveauSvm.cs", output);
        Assert.DoesNotContain("--- a/HmmDoc/DocDriver.cs", output);
        Assert.Equal(run.SourcesBefore, run.Copy.SampleSources());
    }

    private int LineOf(string file, string text)
    {
        var lines = run.SourcesBefore[file].Split('\n');
        return Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) + 1;
    }
}
