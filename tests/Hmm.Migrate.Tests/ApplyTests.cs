using System.Runtime.Loader;
using Hmm;
using LegacyDrivers.Scenarios;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hmm.Migrate.Tests;

/// <summary>
/// The differential test: --apply migrates a copy of the samples, --check passes on it, and the
/// migrated drivers, compiled and run, show the same device-side view as the legacy ones for the
/// same CPU-side script, with the runtime's strict mirror scope check on.
/// </summary>
public sealed class ApplyTests : IDisposable
{
    private readonly RepoCopy copy = new();

    [Fact]
    public async Task Apply_migrates_every_site_and_the_drivers_behave_the_same()
    {
        var before = copy.SampleSources();
        var (applied, output, error) = await Cli.RunAsync(copy.SampleProject, "--apply", "--check");
        Assert.True(applied == ExitCodes.Success, output + error);
        Assert.Contains("4 HMM site(s), 4 with a fix; 4 file(s) changed, 0 site(s) remain after migration", output);
        Assert.DoesNotContain("\n--- a/", output);
        var after = copy.SampleSources();
        Assert.Equal(
            ["Amdgpu/AmdgpuTtm.cs", "Common/RangeResidency.cs", "HmmDoc/DocDriver.cs", "Nouveau/NouveauSvm.cs"],
            after.Keys.Where(k => after[k] != before[k]).Order(StringComparer.Ordinal));

        var (checkAfter, remaining, _) = await Cli.RunAsync(copy.SampleProject, "--check", "--no-restore");
        Assert.True(checkAfter == ExitCodes.Success, remaining);
        Assert.Contains("0 HMM site(s)", remaining);

        string legacy = string.Concat(DriverScenarios.All.Select(s => s.Run() + "\n"));
        // Under the runtime's check of the mirror scope: the migrated drivers make no legacy call.
        using var legacyCalls = new LegacyCallLog();
        string migrated = StrictMirrorScopeSwitch.Run(on: true, RunMigratedScenarios);
        Assert.Equal(legacy, migrated);
        Assert.Empty(legacyCalls.Calls);
    }

    public void Dispose() => copy.Dispose();

    // Builds the migrated sources (a C# compilation of the project's files, as the SDK would,
    // against the Hmm.Api this test runs on) and runs their scenarios in this process.
    private string RunMigratedScenarios()
    {
        const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";
        var trees = Directory.EnumerateFiles(copy.SampleFolder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Latest), f))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, new CSharpParseOptions(LanguageVersion.Latest)));
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(HmmApi).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "LegacyDrivers.Migrated", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));

        var context = new AssemblyLoadContext("migrated", isCollectible: true);
        try
        {
            image.Position = 0;
            var scenarios = context.LoadFromStream(image).GetType("LegacyDrivers.Scenarios.DriverScenarios", throwOnError: true)!;
            var all = (IEnumerable<(string Name, Func<string> Run)>)scenarios.GetProperty("All")!.GetValue(null)!;
            return string.Concat(all.Select(s => s.Run() + "\n"));
        }
        finally
        {
            context.Unload();
        }
    }
}
