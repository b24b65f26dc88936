using Dotnet = Hmm.Package.Tests.Infrastructure.Cli;

namespace Hmm.Migrate.Tests;

/// <summary>
/// hmm-migrate --apply and dotnet format analyzers run the same fix-alls: on the samples and on
/// the analyzer tests' legacy corpus they write the same files. (That a second fix-all changes
/// nothing is the code fix tests' NumberOfFixAllIterations = 1, and ApplyTests' --check.)
/// </summary>
public sealed class FormatParityTests : IDisposable
{
    private static readonly TimeSpan FormatTimeout = TimeSpan.FromMinutes(8);
    private static readonly string[] Rules = ["--diagnostics", "HMM001", "HMM002", "HMM004", "--severity", "warn"];

    private readonly RepoCopy migrated = new();
    private readonly RepoCopy formatted = new();

    [Fact]
    public async Task Hmm_migrate_and_dotnet_format_write_the_same_files()
    {
        foreach (var copy in new[] { migrated, formatted })
        {
            TakeTheFixes(copy);
            WriteCorpusProject(copy);
        }

        foreach (string project in new[] { SampleProject, CorpusProject })
        {
            var (applied, output, error) = await Cli.RunAsync(Path.Combine(migrated.Root, project), "--apply");
            Assert.True(applied == ExitCodes.Success || applied == ExitCodes.Partial, output + error);

            // dotnet format loads the analyzers and fixes the project references once they are built.
            var build = await Dotnet.DotnetAsync(formatted.Root, FormatTimeout, ["build", Path.Combine(formatted.Root, project), "-v", "q", "-nologo"]);
            Assert.True(build.ExitCode == 0, build.ToString());
            var format = await Dotnet.DotnetAsync(formatted.Root, FormatTimeout, ["format", "analyzers", Path.Combine(formatted.Root, project), .. Rules, "--no-restore"]);
            Assert.True(format.ExitCode == 0, format.ToString());
        }

        var byMigrate = Sources(migrated);
        var byFormat = Sources(formatted);
        Assert.Equal(byMigrate.Keys.Order(StringComparer.Ordinal), byFormat.Keys.Order(StringComparer.Ordinal));
        foreach (string file in byMigrate.Keys)
        {
            Assert.True(byMigrate[file] == byFormat[file], $"{file} differs:\n--- hmm-migrate\n{byMigrate[file]}\n--- dotnet format\n{byFormat[file]}");
        }

        // Something was migrated, in both projects.
        Assert.Contains("HmmApi.RangeRegister(range, mirror,", byMigrate["samples/LegacyDrivers/Common/RangeResidency.cs"], StringComparison.Ordinal);
        Assert.Contains("HmmApi.RangeRegister(range, mirror,", byMigrate["corpus/PopulateLegacy.cs"], StringComparison.Ordinal);
    }

    public void Dispose()
    {
        migrated.Dispose();
        formatted.Dispose();
    }

    private const string SampleProject = "samples/LegacyDrivers/LegacyDrivers.csproj";
    private const string CorpusProject = "corpus/Corpus.csproj";

    // dotnet format takes the fixes from the project's analyzer references, as the package gives them.
    private static void TakeTheFixes(RepoCopy copy)
    {
        string path = Path.Combine(copy.Root, SampleProject);
        string text = File.ReadAllText(path);
        const string analyzers = """<ProjectReference Include="..\..\src\Hmm.Analyzers\Hmm.Analyzers.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />""";
        Assert.Contains(analyzers, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(analyzers, analyzers + "\n    " + analyzers.Replace("Hmm.Analyzers", "Hmm.CodeFixes", StringComparison.Ordinal), StringComparison.Ordinal));
    }

    // The analyzer tests' legacy corpus (each file compiles on its own) as one project.
    private static void WriteCorpusProject(RepoCopy copy)
    {
        string folder = Path.Combine(copy.Root, "corpus");
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoCopy.RepoRoot, "tests/Hmm.Analyzers.Tests/Corpus/Legacy"), "*.cs"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(folder, "Corpus.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="..\src\Hmm.Api\Hmm.Api.csproj" />
                <ProjectReference Include="..\src\Hmm.Analyzers\Hmm.Analyzers.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <ProjectReference Include="..\src\Hmm.CodeFixes\Hmm.CodeFixes.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            </Project>
            """);
    }

    private static Dictionary<string, string> Sources(RepoCopy copy) =>
        new[] { "samples/LegacyDrivers", "corpus" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(copy.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(copy.Root, f), File.ReadAllText);
}
