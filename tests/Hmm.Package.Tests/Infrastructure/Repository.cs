using System.Xml.Linq;

namespace Hmm.Package.Tests.Infrastructure;

/// <summary>Where the repository under test is, found from the test assembly's location.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string ApiProject => Path.Combine(Root, "src", "Hmm.Api", "Hmm.Api.csproj");

    /// <summary>The package version as Directory.Build.props sets it, the one place it is set.</summary>
    public static string VersionPrefix =>
        XDocument.Load(Path.Combine(Root, "Directory.Build.props"))
            .Descendants("VersionPrefix").Single().Value.Trim();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HmmAnalyzers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No HmmAnalyzers.sln above {AppContext.BaseDirectory}");
    }
}
