using System.IO.Compression;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Hmm.Package.Tests.Infrastructure;

namespace Hmm.Package.Tests;

/// <summary>What is inside Hmm.Api.nupkg, read from the packed file itself.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackagedConsumers consumers)
{
    /// <summary>The Roslyn the analyzers are built for; a newer reference drops them from older hosts (CS9057).</summary>
    private static readonly Version RoslynFloor = new(4, 8, 0, 0);

    [Fact]
    public void Runtime_is_under_lib_and_analyzers_and_fixes_under_analyzers_dotnet_cs()
    {
        using var package = ZipFile.OpenRead(consumers.PackagePath);
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();

        Assert.Contains("lib/net8.0/Hmm.Api.dll", entries);
        Assert.Contains("lib/net8.0/Hmm.Api.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/Hmm.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Hmm.CodeFixes.dll", entries);
        Assert.Contains("build/Hmm.Api.targets", entries);
        Assert.Contains("buildTransitive/Hmm.Api.targets", entries);
        Assert.Contains("buildTransitive/Hmm.Api.Migration.globalconfig", entries);
        Assert.Contains("README.md", entries);

        // The analyzers are not a second copy of the runtime, nor in the compile references.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Hmm.Analyzers", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal) && e.EndsWith("Hmm.Api.dll", StringComparison.Ordinal));
    }

    [Fact]
    public void Nuspec_carries_the_metadata_a_gallery_shows_and_no_dependencies()
    {
        using var package = ZipFile.OpenRead(consumers.PackagePath);
        using var stream = package.GetEntry("Hmm.Api.nuspec")!.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Get(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        Assert.Equal("Hmm.Api", Get("id"));
        Assert.Equal(consumers.Version, Get("version"));
        Assert.Equal("MIT", Get("license"));
        Assert.Equal("README.md", Get("readme"));
        Assert.Contains("hmm_range_register", Get("description"), StringComparison.Ordinal);
        Assert.Contains("analyzers", Get("tags").Split(' '));
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("https://github.com/hmm-analyzers/hmm-analyzers", repository.Attribute("url")?.Value);

        // The analyzer projects are packed content, not package dependencies.
        Assert.DoesNotContain(metadata.Descendants(), e => e.Name.LocalName == "dependency");
    }

    [Fact]
    public void Package_readme_documents_install_and_the_migration_switch()
    {
        using var package = ZipFile.OpenRead(consumers.PackagePath);
        using var reader = new StreamReader(package.GetEntry("README.md")!.Open());
        var readme = reader.ReadToEnd();

        Assert.Contains("dotnet add package Hmm.Api", readme, StringComparison.Ordinal);
        Assert.Contains("<HmmMigration>enforce</HmmMigration>", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet_diagnostic.HMM002.severity", readme, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hmm.Analyzers.dll", "Microsoft.CodeAnalysis")]
    [InlineData("Hmm.CodeFixes.dll", "Microsoft.CodeAnalysis.Workspaces")]
    public void Packed_analyzer_assemblies_reference_no_Roslyn_newer_than_the_floor(string assembly, string? mustReference)
    {
        using var package = ZipFile.OpenRead(consumers.PackagePath);
        var references = RoslynReferences(ReadEntry(package, "analyzers/dotnet/cs/" + assembly));

        if (mustReference is not null)
        {
            Assert.Contains(references, r => r.Name == mustReference);
        }

        Assert.All(references, r => Assert.True(r.Version <= RoslynFloor,
            $"{assembly} references {r.Name} {r.Version}, newer than {RoslynFloor}: hosts with Roslyn {RoslynFloor} would not load it"));
    }

    [Fact]
    public void Roslyn_reference_check_sees_a_newer_reference()
    {
        // This test host runs on Roslyn 5: its Workspaces assembly is what a slipped upgrade looks like.
        var workspaces = File.ReadAllBytes(typeof(Microsoft.CodeAnalysis.Workspace).Assembly.Location);

        Assert.Contains(RoslynReferences(workspaces), r => r.Version > RoslynFloor);
    }

    private static byte[] ReadEntry(ZipArchive package, string name)
    {
        var entry = package.GetEntry(name) ?? throw new InvalidOperationException($"{name} is not in the package");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static List<AssemblyName> RoslynReferences(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image));
        var reader = pe.GetMetadataReader();
        return reader.AssemblyReferences
            .Select(handle => reader.GetAssemblyReference(handle).GetAssemblyName())
            .Where(name => name.Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .ToList();
    }
}
