namespace Hmm.Migrate.Tests;

/// <summary>Sites the fixes leave to a person: the reason and what to do, the candidates, and --mirror.</summary>
public sealed class SiteChoiceTests : IDisposable
{
    // Two mirrors in reach, neither known to be the range's mm's: HMM004 names both.
    private const string Faults = """
        using Hmm;

        public static class Faults
        {
            public static int Fault(HmmMirror ma, HmmMirror mb, HmmRange range)
            {
                int ret = HmmApi.VmaFault(range, true);
                if (ret == 0)
                {
                    HmmApi.VmaRangeDone(range);
                }

                return ret;
            }
        }

        """;

    // An interface member cannot take the mirror as a new parameter: HMM002 with no fix.
    private const string Residency = """
        using Hmm;

        public interface IResidency
        {
            int Count(HmmRange range, ulong start, ulong end);
        }

        public sealed class Residency(MmStruct mm) : IResidency
        {
            public int Count(HmmRange range, ulong start, ulong end)
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

    private readonly string folder = Path.Combine(Path.GetTempPath(), "hmm-migrate-choice-" + Guid.NewGuid().ToString("N")[..8]);

    public SiteChoiceTests() => Directory.CreateDirectory(folder);

    [Fact]
    public async Task Undecided_sites_say_why_and_what_to_do_and_mirror_picks_a_candidate()
    {
        DriverProject.WriteProject(folder, "Drivers.csproj", $"<ProjectReference Include=\"{DriverProject.ApiProject}\" />");
        File.WriteAllText(Path.Combine(folder, "Faults.cs"), Faults);
        File.WriteAllText(Path.Combine(folder, "Residency.cs"), Residency);
        string project = Path.Combine(folder, "Drivers.csproj");

        var (exitCode, output, error) = await Cli.RunAsync(project);
        Assert.True(exitCode == ExitCodes.Success, output + error);
        Assert.Contains("Faults.cs:7: HMM004: ", output);
        Assert.Contains("    not fixed: several live mirrors fit and none is known to be the mm's: 'ma', 'mb'; choose one with --mirror NAME", output);
        Assert.Contains("Residency.cs:12: HMM002: ", output);
        Assert.Matches(@"    not fixed: no fix offered: [^\n]+; pass the mirror that owns this mm in by hand .*AppContext switch Hmm\.StrictMirrorScope", output);
        Assert.DoesNotContain("+++ b/", output);

        var (chosenExit, chosen, chosenError) = await Cli.RunAsync(project, "--mirror", "mb", "--no-restore");
        Assert.True(chosenExit == ExitCodes.Success, chosen + chosenError);
        Assert.Contains("+        int ret = HmmApi.VmaFault(mb, range, true);", chosen);
        Assert.DoesNotContain("+++ b/Residency.cs", chosen);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
