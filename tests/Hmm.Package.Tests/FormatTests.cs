using Hmm.Package.Tests.Infrastructure;

namespace Hmm.Package.Tests;

/// <summary>`dotnet format analyzers` applies the package's fixes (their fix-all at solution scope).</summary>
[Collection(PackageCollection.Name)]
public sealed class FormatTests(PackagedConsumers consumers)
{
    private static readonly TimeSpan FormatTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Dotnet_format_migrates_HMM001_and_HMM004_then_verifies_clean()
    {
        var project = consumers.ProjectFile(PackagedConsumers.FormatTarget);
        string[] rules = ["--diagnostics", "HMM001", "HMM004", "--severity", "warn"];

        var format = await Cli.DotnetAsync(consumers.Root, FormatTimeout, ["format", "analyzers", project, .. rules, "--no-restore"]);
        Assert.True(format.ExitCode == 0, format.ToString());

        var svm = File.ReadAllText(consumers.SourceFile(PackagedConsumers.FormatTarget, DriverSources.SvmFile));
        var dmirror = File.ReadAllText(consumers.SourceFile(PackagedConsumers.FormatTarget, DriverSources.DmirrorFile));
        Assert.Contains(DriverSources.MigratedRangeRegisterLine, svm, StringComparison.Ordinal);
        Assert.Contains(DriverSources.MigratedVmaFaultLine, svm, StringComparison.Ordinal);
        Assert.Contains(DriverSources.MigratedSnapshotLine, dmirror, StringComparison.Ordinal);
        // HMM002 was not asked for: its call is left as it was, and nothing else moved.
        Assert.Contains(DriverSources.LegacyPrefaultLine, svm, StringComparison.Ordinal);
        Assert.Equal(
            DriverSources.LegacySvm
                .Replace(DriverSources.LegacyRangeRegisterLine, DriverSources.MigratedRangeRegisterLine, StringComparison.Ordinal)
                .Replace(DriverSources.LegacyVmaFaultLine, DriverSources.MigratedVmaFaultLine, StringComparison.Ordinal),
            svm);

        var verify = await Cli.DotnetAsync(consumers.Root, FormatTimeout, ["format", "analyzers", project, .. rules, "--no-restore", "--verify-no-changes"]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }
}
