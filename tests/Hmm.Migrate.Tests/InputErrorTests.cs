namespace Hmm.Migrate.Tests;

/// <summary>Input that cannot be migrated: a clear message on stderr and a documented exit code.</summary>
public sealed class InputErrorTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "hmm-migrate-input-" + Guid.NewGuid().ToString("N")[..8]);

    public InputErrorTests() => Directory.CreateDirectory(folder);

    [Fact]
    public async Task A_missing_file_is_bad_input()
    {
        string path = Path.Combine(folder, "Missing.csproj");
        var (exitCode, output, error) = await Cli.RunAsync(path);
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains($"'{path}' does not exist", error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task A_folder_or_another_kind_of_file_is_bad_input()
    {
        var (folderExit, _, folderError) = await Cli.RunAsync(folder);
        Assert.Equal(ExitCodes.BadInput, folderExit);
        Assert.Contains("is a directory", folderError);

        string readme = Path.Combine(folder, "README.md");
        File.WriteAllText(readme, "# not a project\n");
        var (fileExit, _, fileError) = await Cli.RunAsync(readme);
        Assert.Equal(ExitCodes.BadInput, fileExit);
        Assert.Contains("is not a .sln, .slnx or .csproj file", fileError);
    }

    [Fact]
    public async Task An_unknown_rule_or_option_is_bad_input()
    {
        var (ruleExit, _, ruleError) = await Cli.RunAsync("--diagnostics", "HMM001,HMM999");
        Assert.Equal(ExitCodes.BadInput, ruleExit);
        Assert.Contains("unknown rule(s) HMM999", ruleError);

        var (optionExit, _, optionError) = await Cli.RunAsync("--frobnicate");
        Assert.Equal(ExitCodes.BadInput, optionExit);
        Assert.Contains("--frobnicate", optionError);
    }

    [Fact]
    public async Task A_project_that_does_not_load_is_a_load_failure()
    {
        string project = Path.Combine(folder, "Broken.csproj");
        File.WriteAllText(project, "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n</Project>\n");
        var (exitCode, output, error) = await Cli.RunAsync(project);
        Assert.Equal(ExitCodes.LoadFailed, exitCode);
        Assert.Contains($"'{project}' does not load", error);
        Assert.Equal("", output);
    }

    /// <summary>A CI step that uploads the SARIF or parses the JSON gets a document with the exit code and why, not an empty file.</summary>
    [Fact]
    public async Task A_load_failure_in_sarif_or_json_is_still_a_document_with_the_error()
    {
        string project = Path.Combine(folder, "Broken.csproj");
        File.WriteAllText(project, "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n</Project>\n");

        var (sarifExit, sarif, _) = await Cli.RunAsync(project, "--format", "sarif");
        Assert.Equal(ExitCodes.LoadFailed, sarifExit);
        SarifSchema.AssertValid(sarif);
        var run = System.Text.Json.JsonDocument.Parse(sarif).RootElement.GetProperty("runs")[0];
        var invocation = run.GetProperty("invocations")[0];
        Assert.False(invocation.GetProperty("executionSuccessful").GetBoolean());
        Assert.Equal(ExitCodes.LoadFailed, invocation.GetProperty("exitCode").GetInt32());
        Assert.Contains("does not load", invocation.GetProperty("toolExecutionNotifications")[0].GetProperty("message").GetProperty("text").GetString());

        var (jsonExit, json, _) = await Cli.RunAsync(project, "--format", "json");
        Assert.Equal(ExitCodes.LoadFailed, jsonExit);
        Assert.Contains("does not load", System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_file_with_compile_errors_is_skipped_and_the_rest_migrated()
    {
        WriteProject("Drivers.csproj", $"<ProjectReference Include=\"{DriverProject.ApiProject}\" />");
        File.WriteAllText(Path.Combine(folder, "Good.cs"), string.Format(DriverProject.Device, "Good", "0"));
        File.WriteAllText(Path.Combine(folder, "Broken.cs"), string.Format(DriverProject.Device, "Broken", "undefinedThing"));

        var (exitCode, output, _) = await Cli.RunAsync(Path.Combine(folder, "Drivers.csproj"));

        Assert.Equal(ExitCodes.Partial, exitCode);
        Assert.Contains("problem: skipped Broken.cs: 1 fixable HMM site(s) not migrated, the file has compile errors (first: CS0103", output);
        Assert.Contains("Broken.cs:11: HMM001: ", output);
        Assert.Contains("    not fixed: skipped: the file has 1 compile error(s), first CS0103", output);
        Assert.Contains("+++ b/Good.cs", output);
        Assert.Contains("+        int ret = HmmApi.RangeRegister(range, Mirror, start, end, HmmApi.PageShift);", output);
        Assert.DoesNotContain("+++ b/Broken.cs", output);
    }

    [Fact]
    public async Task An_unrestored_project_is_a_load_failure_not_a_pass()
    {
        WriteProject("Drivers.csproj", "<PackageReference Include=\"Hmm.Api\" Version=\"1.0.0\" />");
        File.WriteAllText(Path.Combine(folder, "Good.cs"), string.Format(DriverProject.Device, "Good", "0"));

        var (exitCode, output, error) = await Cli.RunAsync(Path.Combine(folder, "Drivers.csproj"), "--no-restore", "--check", "--format", "json");

        Assert.Equal(ExitCodes.LoadFailed, exitCode);
        Assert.Contains("Drivers: its Hmm.Api reference did not resolve: the project is not restored; run 'dotnet restore', or drop --no-restore", error);
        // No report, only the failure: its exit code and why.
        var failure = System.Text.Json.JsonDocument.Parse(output).RootElement;
        Assert.Equal(ExitCodes.LoadFailed, failure.GetProperty("exitCode").GetInt32());
        Assert.Contains("is not restored", failure.GetProperty("error").GetString());
        Assert.False(failure.TryGetProperty("sites", out _));
    }

    [Fact]
    public async Task An_unresolved_Hmm_Api_reference_is_a_load_failure_not_a_pass()
    {
        WriteProject("Drivers.csproj", "<Reference Include=\"Hmm.Api\"><HintPath>not-built/Hmm.Api.dll</HintPath></Reference>");
        File.WriteAllText(Path.Combine(folder, "Good.cs"), string.Format(DriverProject.Device, "Good", "0"));

        var (exitCode, output, error) = await Cli.RunAsync(Path.Combine(folder, "Drivers.csproj"), "--check");

        Assert.Equal(ExitCodes.LoadFailed, exitCode);
        Assert.Contains("Drivers: its project file references Hmm.Api but the reference did not resolve", error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task A_project_without_Hmm_Api_has_nothing_to_analyse()
    {
        WriteProject("Plain.csproj", "");
        File.WriteAllText(Path.Combine(folder, "Plain.cs"), "public static class Plain { public static int Zero => 0; }\n");

        var (exitCode, output, error) = await Cli.RunAsync(Path.Combine(folder, "Plain.csproj"), "--check");

        Assert.Equal(ExitCodes.LoadFailed, exitCode);
        Assert.Contains("has nothing to analyse: none of its projects references Hmm.Api", error);
        Assert.Equal("", output);
    }

    [Fact]
    public void With_no_argument_the_project_in_the_current_folder_is_the_input_as_dotnet_build_takes_it()
    {
        var notes = new StringWriter();
        var progress = new Progress(notes, verbose: false);
        WriteProject("Drivers.csproj", "");
        string project = Path.Combine(folder, "Drivers.csproj");
        Assert.Equal(project, WorkspaceLoader.ResolveInput(null, folder, progress));
        Assert.Equal(project, WorkspaceLoader.ResolveInput(folder, "/", progress));
        Assert.Equal("", notes.ToString());

        WriteProject("Drivers.sln", "");
        var several = Assert.Throws<MigrationException>(() => WorkspaceLoader.ResolveInput(null, folder, progress));
        Assert.Equal(ExitCodes.BadInput, several.ExitCode);
        Assert.Contains("holds several project or solution files (Drivers.csproj, Drivers.sln); give the one to migrate", several.Message);
    }

    [Fact]
    public void In_the_repository_root_and_with_no_project_the_bundled_sample_is_the_input_and_said()
    {
        // README's first command, run at the root, next to HmmAnalyzers.sln.
        var notes = new StringWriter();
        string sample = Path.Combine(RepoCopy.RepoRoot, WorkspaceLoader.DefaultInput);
        Assert.Equal(sample, WorkspaceLoader.ResolveInput(null, RepoCopy.RepoRoot, new Progress(notes, verbose: false)));
        Assert.Contains("no input given: migrating the bundled sample samples/LegacyDrivers/LegacyDrivers.csproj", notes.ToString());

        // A folder with no project under the repository: the sample above it.
        notes.GetStringBuilder().Clear();
        Assert.Equal(sample, WorkspaceLoader.ResolveInput(null, Path.Combine(RepoCopy.RepoRoot, "docs"), new Progress(notes, verbose: false)));
        Assert.Contains("no .sln, .slnx or .csproj in the current folder: migrating the bundled sample", notes.ToString());
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private void WriteProject(string name, string items) => DriverProject.WriteProject(folder, name, items);
}
