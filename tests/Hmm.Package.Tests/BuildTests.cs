using System.Text.Json;
using Hmm.Package.Tests.Infrastructure;

namespace Hmm.Package.Tests;

/// <summary>
/// `dotnet build` of projects that reference the package: the command-line and CI path. The
/// consumers are built together once (<see cref="PackagedConsumers.Build"/>); each test reads
/// its project's part.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class BuildTests(PackagedConsumers consumers)
{
    [Fact]
    public async Task Legacy_code_builds_with_the_migration_rules_as_warnings_with_help_links()
    {
        var (build, diagnostics) = await BuildOf(PackagedConsumers.Legacy);

        Assert.True(consumers.Compiled(build, PackagedConsumers.Legacy), build.ToString());
        Assert.All(diagnostics, d => Assert.Equal("warning", d.Severity));
        AssertReported(diagnostics, "HMM001", DriverSources.SvmFile, DriverSources.LegacyRangeRegisterLine, "svmm.Mirror", build);
        AssertReported(diagnostics, "HMM001", DriverSources.DmirrorFile, DriverSources.LegacySnapshotLine, "mirror", build);
        AssertReported(diagnostics, "HMM004", DriverSources.SvmFile, DriverSources.LegacyVmaFaultLine, "mirror", build);
        AssertReported(diagnostics, "HMM002", DriverSources.SvmFile, DriverSources.LegacyPrefaultLine, "mm", build);
    }

    [Fact]
    public async Task Sarif_log_names_each_rule_with_its_title_and_help_link()
    {
        var build = await consumers.Build;
        var sarifPath = Path.Combine(consumers.ProjectDirectory(PackagedConsumers.Legacy), PackagedConsumers.SarifFile);
        Assert.True(File.Exists(sarifPath), build.ToString());

        using var sarif = JsonDocument.Parse(File.ReadAllText(sarifPath));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var run = sarif.RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .ToDictionary(r => r.GetProperty("id").GetString()!);
        var results = run.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("ruleId").GetString()).ToList();

        foreach (var (id, title) in new[]
        {
            ("HMM001", "Register the range with the mirror, not the mm"),
            ("HMM002", "Range registered outside a live mirror scope"),
            ("HMM004", "Pass the mirror to VmaFault"),
        })
        {
            Assert.Contains(id, results);
            var rule = rules[id];
            Assert.Equal(title, rule.GetProperty("shortDescription").GetProperty("text").GetString());
            Assert.Equal(HelpLink(id), rule.GetProperty("helpUri").GetString());
        }
    }

    [Fact]
    public async Task Enforce_switch_makes_the_migration_rules_errors()
    {
        var (build, diagnostics) = await BuildOf(PackagedConsumers.Enforced);

        Assert.False(consumers.Compiled(build, PackagedConsumers.Enforced), build.ToString());
        foreach (var id in new[] { "HMM001", "HMM002", "HMM004" })
        {
            Assert.Contains(diagnostics, d => d.Id == id && d.Severity == "error");
            Assert.DoesNotContain(diagnostics, d => d.Id == id && d.Severity == "warning");
        }
    }

    [Fact]
    public async Task Editorconfig_severity_error_fails_the_build()
    {
        var (build, diagnostics) = await BuildOf(PackagedConsumers.EditorConfigError);

        Assert.False(consumers.Compiled(build, PackagedConsumers.EditorConfigError), build.ToString());
        Assert.Contains(diagnostics, d => d.Id == "HMM001" && d.Severity == "error");
        // Only the configured rule changes.
        Assert.Contains(diagnostics, d => d.Id == "HMM004" && d.Severity == "warning");
    }

    [Fact]
    public async Task Editorconfig_wins_over_the_enforce_switch()
    {
        var (build, diagnostics) = await BuildOf(PackagedConsumers.EnforcedOverridden);

        Assert.True(consumers.Compiled(build, PackagedConsumers.EnforcedOverridden), build.ToString());
        Assert.Contains(diagnostics, d => d.Id == "HMM001" && d.Severity == "warning");
        Assert.Contains(diagnostics, d => d.Id == "HMM002" && d.Severity == "warning");
        Assert.DoesNotContain(diagnostics, d => d.Id == "HMM004");
    }

    [Fact]
    public async Task Migrated_code_builds_clean_under_enforcement_and_warnings_as_errors()
    {
        var (build, diagnostics) = await BuildOf(PackagedConsumers.Migrated);

        Assert.True(consumers.Compiled(build, PackagedConsumers.Migrated), build.ToString());
        Assert.Empty(diagnostics);
        Assert.DoesNotContain(build.Output.Split('\n'), l => l.Contains("warning", StringComparison.Ordinal) && l.Contains("Migrated.csproj]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_switch_value_draws_a_warning()
    {
        var check = await Cli.DotnetAsync(consumers.Root, PackagedConsumers.BuildTimeout,
            "msbuild", consumers.ProjectFile(PackagedConsumers.Migrated), "-t:_HmmCheckMigrationSwitch", "-p:HmmMigration=strict", "-nodeReuse:false");

        Assert.Contains("warning HMMPKG001: HmmMigration is 'strict'", check.Output, StringComparison.Ordinal);
    }

    private async Task<(CliResult Build, List<BuildDiagnostic> Diagnostics)> BuildOf(string project)
    {
        var build = await consumers.Build;
        return (build, BuildDiagnostic.Parse(build).Where(d => d.Project == project).ToList());
    }

    private static void AssertReported(IReadOnlyList<BuildDiagnostic> diagnostics, string id, string file, string sourceLine, string named, CliResult build)
    {
        var line = LineOf(file, sourceLine);
        var diagnostic = diagnostics.SingleOrDefault(d => d.Id == id && d.File == file && d.Line == line);
        Assert.True(diagnostic is not null, $"no {id} at {file}({line}) in\n{build}");
        Assert.Contains($"'{named}'", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(HelpLink(id), diagnostic.HelpLink);
    }

    private static string HelpLink(string id) => $"https://github.com/hmm-analyzers/hmm-analyzers/blob/main/docs/rules/{id}.md";

    /// <summary>The 1-based line of <paramref name="sourceLine"/> in the consumer's copy of <paramref name="file"/>.</summary>
    internal static int LineOf(string file, string sourceLine)
    {
        var text = file == DriverSources.SvmFile ? DriverSources.LegacySvm : DriverSources.LegacyDmirror;
        var lines = text.Split('\n');
        return Array.FindIndex(lines, l => l.Contains(sourceLine, StringComparison.Ordinal)) + 1;
    }
}
