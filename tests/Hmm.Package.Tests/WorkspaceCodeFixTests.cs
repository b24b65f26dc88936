using Hmm.Package.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Hmm.Package.Tests;

/// <summary>
/// The editor path, quick fixes: the consumer loaded with MSBuildWorkspace, the package's
/// analyzers find the legacy call, the package's fixes offer the action a user sees and
/// produce the migrated line; Fix All in Solution does every file.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class WorkspaceCodeFixTests(PackagedConsumers consumers)
{
    [Fact]
    public async Task Analyzers_and_fixes_come_from_the_restored_package()
    {
        var workspace = await LoadAsync();

        Assert.Equal(2, workspace.AnalyzerPaths.Count);
        Assert.All(workspace.AnalyzerPaths, path => Assert.StartsWith(
            Path.Combine(consumers.RestoredPackageFolder, "analyzers", "dotnet", "cs") + Path.DirectorySeparatorChar, path, StringComparison.Ordinal));
        Assert.Contains(workspace.Analyzers, a => a.SupportedDiagnostics.Any(d => d.Id == "HMM001"));
        Assert.Contains(workspace.Fixers, f => f.FixableDiagnosticIds.Contains("HMM001"));
    }

    [Theory]
    [InlineData("HMM001", "Register through mirror 'svmm.Mirror'", DriverSources.LegacyRangeRegisterLine, DriverSources.MigratedRangeRegisterLine)]
    [InlineData("HMM004", "Pass mirror 'mirror' to VmaFault", DriverSources.LegacyVmaFaultLine, DriverSources.MigratedVmaFaultLine)]
    public async Task Light_bulb_offers_the_live_mirror_and_rewrites_only_that_call(string id, string title, string legacyLine, string migratedLine)
    {
        var workspace = await LoadAsync();
        var document = workspace.Document(DriverSources.SvmFile);
        var diagnostic = await SingleDiagnosticAsync(workspace, id, document);

        var action = Assert.Single(await workspace.CodeActionsAsync(diagnostic));
        Assert.Equal(title, action.Title);

        var changed = await PackageWorkspace.ApplyAsync(action);
        Assert.Equal(
            DriverSources.LegacySvm.Replace(legacyLine, migratedLine, StringComparison.Ordinal),
            await PackageWorkspace.TextAsync(changed, document));
    }

    [Fact]
    public async Task HMM001_fix_all_in_solution_migrates_every_document()
    {
        var workspace = await LoadAsync();
        var svm = workspace.Document(DriverSources.SvmFile);
        var dmirror = workspace.Document(DriverSources.DmirrorFile);
        var first = await SingleDiagnosticAsync(workspace, "HMM001", svm);
        var action = Assert.Single(await workspace.CodeActionsAsync(first));
        var fixer = workspace.FixerFor("HMM001");
        var fixAll = fixer.GetFixAllProvider();
        Assert.NotNull(fixAll);
        Assert.Contains(FixAllScope.Solution, fixAll.GetSupportedFixAllScopes());

        var context = new FixAllContext(svm, fixer, FixAllScope.Solution, action.EquivalenceKey, ["HMM001"],
            workspace.DiagnosticProvider("HMM001"), CancellationToken.None);
        var fix = await fixAll.GetFixAsync(context);
        Assert.NotNull(fix);
        var changed = await PackageWorkspace.ApplyAsync(fix);

        Assert.Equal(
            DriverSources.LegacySvm.Replace(DriverSources.LegacyRangeRegisterLine, DriverSources.MigratedRangeRegisterLine, StringComparison.Ordinal),
            await PackageWorkspace.TextAsync(changed, svm));
        Assert.Equal(DriverSources.MigratedDmirror, await PackageWorkspace.TextAsync(changed, dmirror));
        Assert.Empty(await workspace.DiagnosticsAsync(changed.GetProject(workspace.Project.Id)!, "HMM001"));
    }

    private Task<PackageWorkspace> LoadAsync() => PackageWorkspace.LoadAsync(consumers.ProjectFile(PackagedConsumers.Legacy));

    private static async Task<Diagnostic> SingleDiagnosticAsync(PackageWorkspace workspace, string id, Document document)
    {
        var diagnostics = await workspace.DiagnosticsAsync(workspace.Project, id);
        return Assert.Single(diagnostics, d => d.Location.SourceTree?.FilePath == document.FilePath);
    }
}
