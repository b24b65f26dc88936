using System.Diagnostics;
using System.Text;

namespace Hmm.Migrate.Tests;

/// <summary>
/// The printed diff is a patch: git apply takes it on a copy of the input, byte for byte the
/// same result as --apply, for files without a final newline, with CRLF and with a BOM.
/// </summary>
public sealed class PatchTests : IDisposable
{
    // The site's hunk reaches the file's last line (the three lines of context after it).
    private const string Device = """
        using Hmm;

        public sealed class {0}
        {{
            public {0}(MmStruct mm, HmmMirror mirror) {{ Mm = mm; Mirror = mirror; }}
            public MmStruct Mm {{ get; }}
            public HmmMirror Mirror {{ get; }}

            public int Populate(HmmRange range, ulong start, ulong end)
            {{
                int ret = HmmApi.RangeRegister(range, Mm, start, end, HmmApi.PageShift);
                if (ret == 0) HmmApi.RangeUnregister(range);
                return ret; }}
        }}
        """;

    private readonly string root = Path.Combine(Path.GetTempPath(), "hmm-migrate-patch-" + Guid.NewGuid().ToString("N")[..8]);

    private string Input => Path.Combine(root, "input");

    private string Patched => Path.Combine(root, "patched");

    [Fact]
    public async Task Git_apply_takes_the_diff_and_gives_what_apply_writes()
    {
        Directory.CreateDirectory(Input);
        DriverProject.WriteProject(Input, "Drivers.csproj", $"<ProjectReference Include=\"{DriverProject.ApiProject}\" />");
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(Input, "NoNewline.cs"), string.Format(Device, "NoNewline").ReplaceLineEndings("\n"), utf8);
        File.WriteAllText(Path.Combine(Input, "Crlf.cs"), string.Format(Device, "Crlf").ReplaceLineEndings("\r\n") + "\r\n", utf8);
        File.WriteAllText(Path.Combine(Input, "Bom.cs"), string.Format(Device, "Bom").ReplaceLineEndings("\n") + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Directory.CreateDirectory(Patched);
        foreach (string file in Directory.EnumerateFiles(Input))
        {
            File.Copy(file, Path.Combine(Patched, Path.GetFileName(file)));
        }

        var (dryExit, patch, report) = await Cli.RunAsync(Path.Combine(Input, "Drivers.csproj"), "--diff-only");
        Assert.True(dryExit == ExitCodes.Success, report + patch);
        Assert.StartsWith("--- a/", patch);
        Assert.Contains("3 HMM site(s), 3 with a fix", report);
        Assert.Contains("\\ No newline at end of file\n", patch);

        string patchFile = Path.Combine(root, "migration.patch");
        File.WriteAllText(patchFile, patch, utf8);
        Git(Patched, "apply", "--check", patchFile);
        Git(Patched, "apply", patchFile);

        string written = Path.Combine(root, "written.patch");
        var (applyExit, applyOutput, applyError) = await Cli.RunAsync(Path.Combine(Input, "Drivers.csproj"), "--apply", "--no-restore", "--output", written);
        Assert.True(applyExit == ExitCodes.Success, applyOutput + applyError);
        Assert.Equal(patch, File.ReadAllText(written));
        foreach (string name in new[] { "NoNewline.cs", "Crlf.cs", "Bom.cs" })
        {
            byte[] applied = File.ReadAllBytes(Path.Combine(Input, name));
            Assert.Equal(applied, File.ReadAllBytes(Path.Combine(Patched, name)));
            Assert.Contains("RangeRegister(range, Mirror,", Encoding.UTF8.GetString(applied));
        }

        Assert.Equal([0xEF, 0xBB, 0xBF], File.ReadAllBytes(Path.Combine(Input, "Bom.cs"))[..3]);
        Assert.Contains("\r\n", File.ReadAllText(Path.Combine(Input, "Crlf.cs")));
        Assert.EndsWith("}", File.ReadAllText(Path.Combine(Input, "NoNewline.cs")));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static void Git(string folder, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        string output = git.StandardOutput.ReadToEnd() + git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {output}");
    }
}
