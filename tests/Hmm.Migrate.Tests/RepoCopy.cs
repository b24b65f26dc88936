namespace Hmm.Migrate.Tests;

/// <summary>
/// A throw-away copy of the parts of the repository the samples build from (the build props,
/// Hmm.Api, Hmm.Analyzers, the samples), so that a migration can write to it.
/// </summary>
public sealed class RepoCopy : IDisposable
{
    private static readonly string[] Files = ["Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig", "src/Directory.Build.props"];
    private static readonly string[] Folders = ["src/Hmm.Api", "src/Hmm.Analyzers", "samples/LegacyDrivers", "samples/LegacyDrivers.Runner"];

    public RepoCopy()
    {
        Root = Path.Combine(Path.GetTempPath(), "hmm-migrate-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (string file in Files)
        {
            string target = Path.Combine(Root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(RepoRoot, file), target);
        }

        foreach (string folder in Folders)
        {
            CopyFolder(Path.Combine(RepoRoot, folder), Path.Combine(Root, folder));
        }
    }

    /// <summary>The repository this test runs from (the folder holding HmmAnalyzers.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public string Root { get; }

    public string SampleProject => Path.Combine(Root, "samples/LegacyDrivers/LegacyDrivers.csproj");

    public string SampleFolder => Path.Combine(Root, "samples/LegacyDrivers");

    public string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    /// <summary>Every source file of the sample and its text, to tell whether a run wrote anything.</summary>
    public IReadOnlyDictionary<string, string> SampleSources() =>
        Directory.EnumerateFiles(SampleFolder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"))
            .ToDictionary(f => Path.GetRelativePath(SampleFolder, f), File.ReadAllText);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the temp folder is cleaned up by the OS.
        }
    }

    private static void CopyFolder(string source, string target)
    {
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal))
            {
                continue;
            }

            string destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HmmAnalyzers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HmmAnalyzers.sln not found above " + AppContext.BaseDirectory);
    }
}
