namespace Hmm.Migrate.Tests;

/// <summary>Driver projects of a test's own, in a folder it owns, against this repository's Hmm.Api.</summary>
internal static class DriverProject
{
    public static string ApiProject => Path.Combine(RepoCopy.RepoRoot, "src/Hmm.Api/Hmm.Api.csproj");

    public static void WriteProject(string folder, string name, string items) => File.WriteAllText(Path.Combine(folder, name), $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            {items}
          </ItemGroup>
        </Project>
        """);

    /// <summary>A driver class {0} with an mm and its mirror, whose Populate registers a range through the mm (HMM001) and returns {1}.</summary>
    public const string Device = """
        using Hmm;

        public sealed class {0}
        {{
            public {0}(MmStruct mm, HmmMirror mirror) {{ Mm = mm; Mirror = mirror; }}
            public MmStruct Mm {{ get; }}
            public HmmMirror Mirror {{ get; }}

            public int Populate(HmmRange range, ulong start, ulong end)
            {{
                int ret = HmmApi.RangeRegister(range, Mm, start, end, HmmApi.PageShift);
                if (ret != 0)
                {{
                    return ret;
                }}

                HmmApi.RangeUnregister(range);
                return {1};
            }}
        }}

        """;

}
