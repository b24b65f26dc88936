using System.Globalization;
using System.Text;

namespace Hmm.Benchmarks;

/// <summary>What <see cref="SolutionGenerator.Write"/> wrote.</summary>
public sealed record GeneratedSolution(string SolutionPath, int Projects, int Files, int Lines, int RangeRegisterSites, int VmaFaultSites)
{
    public int Sites => RangeRegisterSites + VmaFaultSites;
}

/// <summary>
/// Writes a not yet migrated driver code base to disk as a real solution: class libraries that
/// reference Hmm.Api and run the HMM analyzers (and carry the code fixes) the way a package
/// would, their files the corpus's driver classes (<see cref="CorpusGenerator"/>) with legacy
/// RangeRegister (HMM001) and VmaFault (HMM004) methods among migrated HMM methods and plain C#.
/// Deterministic for a seed.
/// </summary>
public static class SolutionGenerator
{
    /// <summary>Per file of <see cref="CorpusGenerator.MethodsPerFile"/> methods: the legacy ones (one site each).</summary>
    public const int LegacyPerFile = 4;

    /// <summary>Per file: the migrated HMM methods; the rest are plain C#.</summary>
    public const int MigratedPerFile = 2;

    /// <summary>
    /// Writes <paramref name="projects"/> projects with <paramref name="sites"/> legacy sites in
    /// all (half HMM001, half HMM004) and a .sln into <paramref name="directory"/>, which must
    /// be empty or absent. <paramref name="repositoryRoot"/> is where src/Hmm.Api and the
    /// analyzers are.
    /// </summary>
    public static GeneratedSolution Write(string directory, string repositoryRoot, int sites, int projects, int seed = 42)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new InvalidOperationException($"{directory} is not empty");
        }

        Directory.CreateDirectory(directory);

        // Outside the repository: nothing of its Directory.Build.props applies; stop the walk here.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project>\n</Project>\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project>\n</Project>\n");

        var random = new Random(seed);
        int files = 0, lines = 0, rangeRegister = 0, vmaFault = 0;
        var projectNames = new List<string>();
        for (int p = 0; p < projects; p++)
        {
            string name = $"Drivers{p:D2}";
            projectNames.Add(name);
            string projectDirectory = Path.Combine(directory, name);
            Directory.CreateDirectory(projectDirectory);
            File.WriteAllText(Path.Combine(projectDirectory, name + ".csproj"), ProjectFile(projectDirectory, repositoryRoot));
            lines += WriteFile(Path.Combine(projectDirectory, "Common.cs"), CorpusGenerator.CommonSource);

            // This project's share of the sites, the remainder spread over the first projects.
            int projectSites = (sites / projects) + (p < sites % projects ? 1 : 0);
            for (int file = 0; projectSites > 0; file++)
            {
                int legacy = Math.Min(LegacyPerFile, projectSites);
                projectSites -= legacy;
                var text = new StringBuilder();
                CorpusGenerator.AppendDriverStart(text, $"Generated.{name}.Area{file % 8}", $"Driver{file}");
                foreach (var (kind, index) in Shuffle(random, legacy))
                {
                    string method = $"M{index}";
                    switch (kind)
                    {
                        case MethodKind.RangeRegister:
                            text.Append(CorpusGenerator.LegacyRangeRegisterMethod(random.Next(CorpusGenerator.LegacyRangeRegisterCount), method));
                            rangeRegister++;
                            break;
                        case MethodKind.VmaFault:
                            text.Append(CorpusGenerator.LegacyVmaFaultMethod(random.Next(CorpusGenerator.LegacyVmaFaultCount), method));
                            vmaFault++;
                            break;
                        case MethodKind.Migrated:
                            text.Append(CorpusGenerator.HmmMethod(random.Next(CorpusGenerator.HmmTemplateCount), method));
                            break;
                        default:
                            text.Append(CorpusGenerator.PlainMethod(random, method));
                            break;
                    }

                    text.Append('\n');
                }

                text.Append("}\n");
                lines += WriteFile(Path.Combine(projectDirectory, $"Driver{file}.cs"), text.ToString());
                files++;
            }
        }

        string solution = Path.Combine(directory, "Drivers.sln");
        File.WriteAllText(solution, SolutionFile(projectNames));
        return new GeneratedSolution(solution, projects, files, lines, rangeRegister, vmaFault);
    }

    private enum MethodKind
    {
        Plain,
        Migrated,
        RangeRegister,
        VmaFault,
    }

    /// <summary>
    /// The methods of one file in a random order: <paramref name="legacy"/> legacy ones,
    /// alternating HMM001 and HMM004, the migrated ones and plain C# for the rest.
    /// </summary>
    private static List<(MethodKind Kind, int Index)> Shuffle(Random random, int legacy)
    {
        var kinds = new List<MethodKind>();
        for (int i = 0; i < legacy; i++)
        {
            kinds.Add(i % 2 == 0 ? MethodKind.RangeRegister : MethodKind.VmaFault);
        }

        for (int i = 0; i < MigratedPerFile; i++)
        {
            kinds.Add(MethodKind.Migrated);
        }

        while (kinds.Count < CorpusGenerator.MethodsPerFile)
        {
            kinds.Add(MethodKind.Plain);
        }

        for (int i = kinds.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (kinds[i], kinds[j]) = (kinds[j], kinds[i]);
        }

        return kinds.Select((kind, index) => (kind, index)).ToList();
    }

    private static int WriteFile(string path, string text)
    {
        File.WriteAllText(path, text);
        return text.Count(c => c == '\n') + (text.EndsWith('\n') ? 0 : 1);
    }

    private static string ProjectFile(string projectDirectory, string repositoryRoot)
    {
        string Reference(string project) => Path.GetRelativePath(projectDirectory, Path.Combine(repositoryRoot, "src", project, project + ".csproj"));
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <!-- The migration has not started: the HMM warnings are expected. -->
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Reference("Hmm.Api")}" />
                <!-- As the package ships them: the analyzers run in the build, the code fixes ride along for the IDE and dotnet format. -->
                <ProjectReference Include="{Reference("Hmm.Analyzers")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                <ProjectReference Include="{Reference("Hmm.CodeFixes")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            </Project>

            """;
    }

    private static string SolutionFile(IReadOnlyList<string> projects)
    {
        const string CSharpSdkProject = "9A19103F-16F7-4668-BE54-9A1E7A4F7556";
        var ids = projects.Select((_, i) => new Guid(i + 1, 0x4d4d, 0x4d4d, 0, 0, 0, 0, 0, 0, 0, 1).ToString("B").ToUpperInvariant()).ToList();
        var text = new StringBuilder();
        text.Append("\nMicrosoft Visual Studio Solution File, Format Version 12.00\n# Visual Studio Version 17\nVisualStudioVersion = 17.0.31903.59\nMinimumVisualStudioVersion = 10.0.40219.1\n");
        for (int i = 0; i < projects.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Project(\"{{{CSharpSdkProject}}}\") = \"{projects[i]}\", \"{projects[i]}\\{projects[i]}.csproj\", \"{ids[i]}\"\nEndProject\n");
        }

        text.Append("Global\n\tGlobalSection(SolutionConfigurationPlatforms) = preSolution\n\t\tDebug|Any CPU = Debug|Any CPU\n\t\tRelease|Any CPU = Release|Any CPU\n\tEndGlobalSection\n");
        text.Append("\tGlobalSection(ProjectConfigurationPlatforms) = postSolution\n");
        foreach (string id in ids)
        {
            foreach (string configuration in new[] { "Debug", "Release" })
            {
                text.Append(CultureInfo.InvariantCulture, $"\t\t{id}.{configuration}|Any CPU.ActiveCfg = {configuration}|Any CPU\n\t\t{id}.{configuration}|Any CPU.Build.0 = {configuration}|Any CPU\n");
            }
        }

        text.Append("\tEndGlobalSection\nEndGlobal\n");
        return text.ToString();
    }
}
