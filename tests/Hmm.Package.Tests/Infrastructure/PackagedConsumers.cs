using System.Security.Cryptography;

namespace Hmm.Package.Tests.Infrastructure;

/// <summary>
/// Once per test run: packs src/Hmm.Api with a version no earlier run has used into a local
/// feed, writes consumer projects that reference exactly that version into a temp folder with
/// its own nuget.config and packages folder, and restores them all in one go. A stale package
/// (an older build, a global packages folder) cannot satisfy that version.
/// </summary>
public sealed class PackagedConsumers : IAsyncLifetime
{
    // Generous bounds: a machine shared with other builds runs these several times slower.
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Legacy driver code, default settings: HMM001, HMM002, HMM004 warnings.</summary>
    public const string Legacy = "Legacy";

    /// <summary>Legacy code in a project with &lt;HmmMigration&gt;enforce&lt;/HmmMigration&gt;.</summary>
    public const string Enforced = "Enforced";

    /// <summary>Legacy code, default settings, .editorconfig: HMM001 is an error.</summary>
    public const string EditorConfigError = "EditorConfigError";

    /// <summary>Legacy code, enforce switch, .editorconfig turns HMM001/HMM002 back to warnings and HMM004 off.</summary>
    public const string EnforcedOverridden = "EnforcedOverridden";

    /// <summary>Legacy code, .editorconfig: HMM001 off.</summary>
    public const string Silenced = "Silenced";

    /// <summary>Migrated code, enforce switch and warnings as errors.</summary>
    public const string Migrated = "Migrated";

    /// <summary>Legacy code that `dotnet format` rewrites (no other test reads it).</summary>
    public const string FormatTarget = "FormatTarget";

    /// <summary>The consumers the build tests read, built together in one `dotnet build`.</summary>
    public static readonly string[] BuiltTogether = [Legacy, Enforced, EditorConfigError, EnforcedOverridden, Migrated];

    /// <summary>The consumers an editor session opens.</summary>
    public static readonly string[] OpenInEditor = [Legacy, Silenced];

    /// <summary>SARIF 2.1 log of each built consumer, relative to its project folder.</summary>
    public const string SarifFile = "hmm.sarif";

    private readonly Lazy<Task<CliResult>> build;

    public PackagedConsumers()
    {
        Version = $"{Repository.VersionPrefix}-pkgtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
        Root = Path.Combine(Path.GetTempPath(), "hmm-package-tests-" + Guid.NewGuid().ToString("N")[..12]);
        // As a CI job asks for SARIF: on the command line, the comma escaped for MSBuild.
        build = new(() => Cli.DotnetAsync(Root, BuildTimeout,
            "build", "Build.slnx", "--no-restore", "--no-incremental", "-nodeReuse:false", "-m",
            $"-p:ErrorLog={SarifFile}%2Cversion=2.1"));
    }

    /// <summary>The unique prerelease version packed for this run.</summary>
    public string Version { get; }

    public string Root { get; }

    public string Feed => Path.Combine(Root, "feed");

    public string PackagesFolder => Path.Combine(Root, "packages");

    public string PackagePath => Path.Combine(Feed, $"Hmm.Api.{Version}.nupkg");

    /// <summary>Where the restored package is unpacked: what every consumer compiles with.</summary>
    public string RestoredPackageFolder => Path.Combine(PackagesFolder, "hmm.api", Version.ToLowerInvariant());

    public string ProjectDirectory(string name) => Path.Combine(Root, name);

    public string ProjectFile(string name) => Path.Combine(Root, name, name + ".csproj");

    public string SourceFile(string name, string file) => Path.Combine(Root, name, file);

    /// <summary>The one build of <see cref="BuiltTogether"/>, run when a test first asks.</summary>
    public Task<CliResult> Build => build.Value;

    /// <summary>Whether <paramref name="project"/> compiled in <paramref name="build"/> (MSBuild names its output).</summary>
    public bool Compiled(CliResult build, string project) =>
        build.Output.Contains($"{project} -> {Path.Combine(ProjectDirectory(project), "bin")}", StringComparison.Ordinal);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(PackagesFolder);

        var pack = await Cli.DotnetAsync(Repository.Root, PackTimeout,
            "pack", Repository.ApiProject, "-c", "Release", "-o", Feed,
            "--version-suffix", Version[(Repository.VersionPrefix.Length + 1)..]);
        if (pack.ExitCode != 0 || !File.Exists(PackagePath))
        {
            throw new InvalidOperationException($"Packing Hmm.Api {Version} failed:\n{pack}");
        }

        WriteConsumers();

        var restore = await Cli.DotnetAsync(Root, BuildTimeout, "restore", "Consumers.slnx");
        if (restore.ExitCode != 0)
        {
            throw new InvalidOperationException($"Restoring the consumers failed:\n{restore}");
        }
    }

    public Task DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable("HMM_KEEP_PACKAGE_TESTS") is null)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A server still closing a file: the temp folder is cleaned by the OS later.
            }
        }

        return Task.CompletedTask;
    }

    private void WriteConsumers()
    {
        // The consumers sit outside the repository: shield them from any Directory.Build.* above.
        Write("Directory.Build.props", "<Project />\n");
        Write("Directory.Build.targets", "<Project />\n");

        // The local feed next to the machine's own sources (no <clear/>): the package must
        // come from here, and packages go to a folder of this run only.
        Write("nuget.config", """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="packages" />
              </config>
              <packageSources>
                <add key="hmm-local" value="feed" />
              </packageSources>
            </configuration>

            """);

        WriteConsumer(Legacy, legacy: true);
        WriteConsumer(Enforced, legacy: true, properties: "<HmmMigration>enforce</HmmMigration>");
        WriteConsumer(EditorConfigError, legacy: true, editorConfig: "dotnet_diagnostic.HMM001.severity = error");
        WriteConsumer(EnforcedOverridden, legacy: true, properties: "<HmmMigration>enforce</HmmMigration>",
            editorConfig: """
                dotnet_diagnostic.HMM001.severity = warning
                dotnet_diagnostic.HMM002.severity = warning
                dotnet_diagnostic.HMM004.severity = none
                """);
        WriteConsumer(Silenced, legacy: true, editorConfig: "dotnet_diagnostic.HMM001.severity = none");
        WriteConsumer(Migrated, legacy: false,
            properties: "<HmmMigration>enforce</HmmMigration>\n    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>");
        WriteConsumer(FormatTarget, legacy: true);

        WriteSolution("Consumers.slnx", [.. BuiltTogether, Silenced, FormatTarget]);
        WriteSolution("Build.slnx", BuiltTogether);
        WriteSolution("Editor.slnx", OpenInEditor);
    }

    private void WriteConsumer(string name, bool legacy, string properties = "", string? editorConfig = null)
    {
        Write($"{name}/{name}.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                {properties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Hmm.Api" Version="{Version}" />
              </ItemGroup>
            </Project>

            """);
        Write($"{name}/{DriverSources.SvmFile}", legacy ? DriverSources.LegacySvm : DriverSources.MigratedSvm);
        Write($"{name}/{DriverSources.DmirrorFile}", legacy ? DriverSources.LegacyDmirror : DriverSources.MigratedDmirror);
        if (editorConfig is not null)
        {
            Write($"{name}/.editorconfig", $"root = true\n\n[*.cs]\n{editorConfig}\n");
        }
    }

    private void WriteSolution(string name, IEnumerable<string> projects) =>
        Write(name, $"<Solution>\n{string.Concat(projects.Select(p => $"  <Project Path=\"{p}/{p}.csproj\" />\n"))}</Solution>\n");

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackagedConsumers>
{
    public const string Name = "Packed Hmm.Api";
}
