using System.Diagnostics;
using LegacyDrivers.Scenarios;

namespace Hmm.Migrate.Tests;

/// <summary>
/// The differential test: --apply migrates a copy of the samples, --check passes on it, and the
/// migrated drivers, built and run, show the same device-side view as the legacy ones for the
/// same CPU-side script.
/// </summary>
public sealed class ApplyTests : IDisposable
{
    private readonly RepoCopy copy = new();

    [Fact]
    public async Task Apply_migrates_every_site_and_the_drivers_behave_the_same()
    {
        var before = copy.SampleSources();
        var (checkBefore, _, _) = await Cli.RunAsync(copy.SampleProject, "--check", "--diagnostics", "HMM001,HMM002,HMM004");
        Assert.Equal(ExitCodes.CheckFailed, checkBefore);

        var (applied, output, error) = await Cli.RunAsync(copy.SampleProject, "--apply");
        Assert.True(applied == ExitCodes.Success, output + error);
        Assert.DoesNotContain("\n--- a/", output);
        var after = copy.SampleSources();
        Assert.Equal(
            ["Amdgpu/AmdgpuTtm.cs", "Common/RangeResidency.cs", "HmmDoc/DocDriver.cs", "Nouveau/NouveauSvm.cs"],
            after.Keys.Where(k => after[k] != before[k]).Order(StringComparer.Ordinal));

        var (checkAfter, remaining, _) = await Cli.RunAsync(copy.SampleProject, "--check");
        Assert.True(checkAfter == ExitCodes.Success, remaining);
        Assert.Contains("0 HMM site(s)", remaining);

        string legacy = string.Concat(DriverScenarios.All.Select(s => s.Run() + "\n"));
        string migrated = await RunMigratedScenariosAsync();
        Assert.Equal(legacy, migrated);
    }

    public void Dispose() => copy.Dispose();

    private async Task<string> RunMigratedScenariosAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "run", "--project", Path.Combine(copy.Root, "samples/LegacyDrivers.Runner"), "-p:TreatWarningsAsErrors=false" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = copy.Root,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"the migrated samples did not build or run:\n{await stdout}\n{await stderr}");
        return (await stdout).Replace("\r\n", "\n");
    }
}
