using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using Hmm;
using LegacyDrivers.Common;
using LegacyDrivers.Device;
using LegacyDrivers.HmmDoc;
using LegacyDrivers.Scenarios;

// The switch is process-wide: no test may run while another turns it off.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Hmm.Samples.Tests;

/// <summary>
/// The legacy samples under the runtime's check Hmm.StrictMirrorScope (on in this test host from
/// start-up). Every legacy call the scenarios make has a live mirror of its mm, because each
/// caller of the shared helper owns one: the scenarios run the same strict as plain. The helper
/// that only gets an mm is what the switch catches when it is reached without a live mirror, the
/// case HMM002 reports in the source but cannot decide for every caller.
/// </summary>
public sealed class StrictMirrorScopeTests
{
    private const ulong Page = PfnEncoding.PageSize;

    [Fact]
    public void The_test_host_starts_with_the_switch_on_from_its_runtimeconfig()
    {
        Assert.True(StrictMirrorScopeSwitch.IsOn);
        Assert.Contains("\"Hmm.StrictMirrorScope\": true", File.ReadAllText(Path.ChangeExtension(typeof(StrictMirrorScopeTests).Assembly.Location, ".runtimeconfig.json")));
    }

    [Theory]
    [InlineData("nouveau", "LegacyVmaFault NouveauSvm.HandleFault", "LegacyRangeRegister RangeResidency.Snapshot")]
    [InlineData("amdgpu", "LegacyRangeRegister AmdgpuTtm.GetUserPages", "LegacyRangeRegister RangeResidency.Snapshot")]
    [InlineData("hmm-doc", "LegacyRangeRegister DocDriver.PopulateRange", "LegacyRangeRegister RangeResidency.Snapshot")]
    public void Each_scenario_runs_the_same_plain_and_strict_and_every_legacy_call_has_a_live_mirror(string name, params string[] sites)
    {
        var run = DriverScenarios.All.Single(s => s.Name == name).Run;
        string plain = StrictMirrorScopeSwitch.Run(on: false, run);

        using var log = new LegacyCallLog();
        string strict = run();

        Assert.Equal(plain, strict);
        Assert.Equal(sites.Order(StringComparer.Ordinal), log.Calls.Select(c => $"{c.Call} {c.Site}").Distinct().Order(StringComparer.Ordinal));
        Assert.All(log.Calls, call => Assert.True(call.HasLiveMirror, $"{call.Site} made {call.Call} without a live mirror"));
    }

    [Fact]
    public void The_switch_catches_the_helper_reached_with_an_mm_nobody_mirrors()
    {
        var mm = new MmStruct();
        mm.Mmap(Scenario.Base, Page, VmFlags.Read | VmFlags.Write);
        Assert.Equal(0, mm.Touch(Scenario.Base, write: true));
        using var log = new LegacyCallLog();

        // Plain, the legacy helper creates the per-mm state itself and reads the page.
        long plain = StrictMirrorScopeSwitch.Run(on: false, () => RangeResidency.Snapshot(mm, Scenario.Base, Scenario.Base + Page, out _));
        Assert.Equal(1, plain);

        var ex = Assert.Throws<InvalidOperationException>(() => RangeResidency.Snapshot(mm, Scenario.Base, Scenario.Base + Page, out _));
        Assert.Contains("HMM002", ex.Message);
        Assert.Contains("RangeRegister(range, mm", ex.Message);
        Assert.Equal(
            [new LegacyCall("LegacyRangeRegister", false, "RangeResidency.Snapshot"), new LegacyCall("LegacyRangeRegister", false, "RangeResidency.Snapshot")],
            log.Calls);
        // Refused before anything was taken: mmap_sem is free.
        Assert.True(mm.MmapSem.TryDownWrite());
        mm.MmapSem.UpWrite();
    }

    [Fact]
    public void The_switch_catches_a_driver_that_queries_after_unregistering_its_mirror()
    {
        // The mirror is kept in a field by contract: the analysis trusts it, the run shows it gone.
        var mm = new MmStruct();
        mm.Mmap(Scenario.Base, Page, VmFlags.Read | VmFlags.Write);
        var driver = new DocDriver(mm);
        Assert.Equal("-", driver.QueryResidency(Scenario.Base, Scenario.Base + Page));
        driver.Dispose();

        Assert.Equal("-", StrictMirrorScopeSwitch.Run(on: false, () => driver.QueryResidency(Scenario.Base, Scenario.Base + Page)));
        var ex = Assert.Throws<InvalidOperationException>(() => driver.QueryResidency(Scenario.Base, Scenario.Base + Page));
        Assert.Contains("HMM002", ex.Message);
    }

    /// <summary>The runner, a separate process, with the switch from a runtimeconfig.json set
    /// either way: the same output as the scenarios in this process.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_runner_prints_the_same_views_with_the_switch_set_at_start_up(bool strict)
    {
        string runner = typeof(StrictMirrorScopeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RunnerPath").Value!;
        var config = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(runner, ".runtimeconfig.json")))!;
        config["runtimeOptions"]!["configProperties"] = new JsonObject { [StrictMirrorScopeSwitch.Name] = strict };
        string configPath = Path.Combine(Path.GetTempPath(), $"hmm-runner-{Guid.NewGuid():N}.runtimeconfig.json");
        File.WriteAllText(configPath, config.ToJsonString());
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[] { "exec", "--runtimeconfig", configPath, runner })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            string output = await process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await error);

            string expected = string.Concat(DriverScenarios.All.Select(s => s.Run() + "\n"));
            Assert.Equal(expected, output.ReplaceLineEndings("\n"));
        }
        finally
        {
            File.Delete(configPath);
        }
    }
}
