using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Hmm.Package.Tests.Infrastructure;

namespace Hmm.Benchmarks;

/// <summary>
/// What a user pays in a real build: a generated corpus written as a project that references the
/// packed Hmm.Api (analyzers included) from a local feed, built with
/// <c>dotnet build --no-incremental</c> in four configurations (no analyzer, HMM, CA2000, both)
/// paired round by round, cold (csc a fresh process, as in CI) and warm (this run's own compiler
/// server, warmed first). CPU is the whole process tree's (the build's children as reaped, plus
/// the compiler server's own CPU across the build); wall time beside it.
/// </summary>
public static partial class BuildCost
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(30);

    /// <param name="Name">How the tables name it.</param>
    /// <param name="Hmm">The package's analyzers run (otherwise removed from the compile).</param>
    /// <param name="Ca2000">The SDK's NetAnalyzers run with CA2000 alone enabled (otherwise not loaded).</param>
    private sealed record Configuration(string Name, bool Hmm, bool Ca2000);

    private static readonly Configuration[] Configurations =
    {
        new("none", Hmm: false, Ca2000: false),
        new("HMM", Hmm: true, Ca2000: false),
        new("CA2000", Hmm: false, Ca2000: true),
        new("HMM + CA2000", Hmm: true, Ca2000: true),
    };

    /// <param name="Cpu">User plus system time of the build's process tree and the compiler server.</param>
    /// <param name="ServerCpu">The compiler server's part of <paramref name="Cpu"/> (warm only).</param>
    private sealed record Sample(TimeSpan Cpu, TimeSpan ServerCpu, TimeSpan Wall, string Warnings);

    public static async Task<int> RunAsync(IReadOnlyList<string> corpora, int files, int rounds, IReadOnlyList<string> modes, string? workRoot, string? reuseFeed, TextWriter output)
    {
        var repository = FixAllBenchmark.FindRepository();
        var root = workRoot ?? Path.Combine(Path.GetTempPath(), $"hmm-build-cost-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        output.WriteLine($"build-cost: {files} files per corpus, {rounds} paired rounds, modes {string.Join(", ", modes)}, {Environment.ProcessorCount} cores, in {root}; load average at start: {Report.LoadAverage()}, {DateTime.UtcNow:HH:mm} UTC");

        // A version no earlier run packed: nothing stale in a packages folder can stand in for
        // it. Or the package of an earlier run (`--feed`): its version is in its file name.
        string version;
        var feed = Path.Combine(root, "feed");
        if (reuseFeed is not null)
        {
            var package = Directory.GetFiles(reuseFeed, "Hmm.Api.*.nupkg").Single();
            version = Path.GetFileNameWithoutExtension(package)["Hmm.Api.".Length..];
            Directory.CreateDirectory(feed);
            File.Copy(package, Path.Combine(feed, Path.GetFileName(package)), overwrite: true);
        }
        else
        {
            var prefix = XDocument.Load(Path.Combine(repository, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value.Trim();
            var suffix = $"bench.{DateTime.UtcNow:yyyyMMddHHmmss}";
            version = $"{prefix}-{suffix}";
            var pack = await Cli.DotnetAsync(repository, PackTimeout, "pack", Path.Combine(repository, "src", "Hmm.Api", "Hmm.Api.csproj"), "-c", "Release", "-o", feed, "--version-suffix", suffix);
            if (pack.ExitCode != 0)
            {
                output.WriteLine($"packing Hmm.Api failed:\n{pack}");
                return 1;
            }
        }

        output.WriteLine($"Hmm.Api {version} from {feed}");
        int failures = 0;
        foreach (var corpus in corpora)
        {
            var (name, mix, withHmmApi) = SelfCheck.Corpora.Single(c => c.Name == corpus);
            var directory = Path.Combine(root, name);
            var lines = WriteProject(directory, root, version, files, mix, withHmmApi);
            output.WriteLine();
            output.WriteLine($"### {name}: {files} files, {lines:N0} lines{(withHmmApi ? string.Empty : " (no Hmm.Api: the package's analyzers only, against a look-alike Hmm namespace)")}");
            var restore = await Cli.DotnetAsync(directory, BuildTimeout, "restore", "Corpus.csproj");
            if (restore.ExitCode != 0)
            {
                output.WriteLine($"restore failed:\n{restore}");
                failures++;
                continue;
            }

            // Without Hmm.Api only the HMM rules' gate is measured: CA2000 adds nothing to learn there.
            var configurations = withHmmApi ? Configurations : Configurations[..2];
            foreach (var mode in modes)
            {
                failures += await MeasureAsync(directory, name, mode, rounds, configurations, output) ? 0 : 1;
            }
        }

        output.WriteLine($"load average at the end: {Report.LoadAverage()}, {DateTime.UtcNow:HH:mm} UTC");
        return failures == 0 ? 0 : 1;
    }

    private static async Task<bool> MeasureAsync(string directory, string corpus, string mode, int rounds, Configuration[] configurations, TextWriter output)
    {
        bool warm = mode == "warm";
        // This run's own compiler server: a shared one (other builds on the machine, the same
        // user's default pipe) would put their compilations into the measured CPU.
        var pipe = $"hmmbench{Environment.ProcessId}{corpus.Replace("-", string.Empty, StringComparison.Ordinal)}";
        var compiler = warm ? new[] { "-p:UseSharedCompilation=true", $"-p:SharedCompilationId={pipe}" } : new[] { "-p:UseSharedCompilation=false" };
        var samples = configurations.ToDictionary(c => c, _ => new List<Sample>());
        try
        {
            // Warm-up, each configuration once: the server's JIT and the analyzers loaded in it, the file cache.
            foreach (var configuration in configurations)
            {
                var sample = await BuildAsync(directory, configuration, compiler, warm ? pipe : null);
                output.WriteLine($"  {mode} warm-up {configuration.Name}: {Describe(sample)}");
            }

            for (int round = 0; round < rounds; round++)
            {
                // ABBA: each round reverses the last one's order, so a drift in the machine's load
                // falls on every configuration alike.
                var order = round % 2 == 0 ? configurations : configurations.Reverse().ToArray();
                foreach (var configuration in order)
                {
                    var sample = await BuildAsync(directory, configuration, compiler, warm ? pipe : null);
                    samples[configuration].Add(sample);
                    output.WriteLine($"  {mode} round {round + 1} {configuration.Name}: {Describe(sample)}, load {Report.LoadAverage()}");
                }
            }
        }
        catch (BuildFailedException e)
        {
            output.WriteLine($"  {corpus} {mode}: {e.Message}");
            return false;
        }
        finally
        {
            if (warm)
            {
                StopServer(pipe);
            }
        }

        WriteSummary(corpus, mode, samples, output);
        return true;
    }

    private static void WriteSummary(string corpus, string mode, Dictionary<Configuration, List<Sample>> samples, TextWriter output)
    {
        var none = samples[Configurations[0]];
        var hmm = samples[Configurations[1]];
        output.WriteLine();
        output.WriteLine($"{corpus}, {mode}, {none.Count} paired rounds: median (min-max)");
        output.WriteLine();
        output.WriteLine("| configuration | build CPU s | of it compiler server s | wall s | warnings |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var (configuration, list) in samples)
        {
            output.WriteLine(Invariant($"| {configuration.Name} | {Spread(list.Select(s => s.Cpu.TotalSeconds), "F1")} | {Median(list.Select(s => s.ServerCpu.TotalSeconds)):F1} | {Spread(list.Select(s => s.Wall.TotalSeconds), "F1")} | {list[^1].Warnings} |"));
        }

        output.WriteLine();
        output.WriteLine("| paired per round | CPU | wall |");
        output.WriteLine("|---|---|---|");
        output.WriteLine($"| HMM adds (HMM - none) / none | {Added(hmm, none, s => s.Cpu)} | {Added(hmm, none, s => s.Wall)} |");
        if (!samples.TryGetValue(Configurations[2], out var ca2000) || !samples.TryGetValue(Configurations[3], out var both))
        {
            output.WriteLine();
            return;
        }

        output.WriteLine($"| CA2000 adds (CA2000 - none) / none | {Added(ca2000, none, s => s.Cpu)} | {Added(ca2000, none, s => s.Wall)} |");
        output.WriteLine($"| HMM adds beside CA2000 (both - CA2000) / CA2000 | {Added(both, ca2000, s => s.Cpu)} | {Added(both, ca2000, s => s.Wall)} |");
        output.WriteLine($"| HMM's cost / CA2000's cost | {CostRatio(hmm, ca2000, none, s => s.Cpu)} | {CostRatio(hmm, ca2000, none, s => s.Wall)} |");
        output.WriteLine();
    }

    // The paired differences, round by round: their median, and their min and max as the spread.
    private static string Added(List<Sample> with, List<Sample> without, Func<Sample, TimeSpan> measure) =>
        Spread(with.Zip(without, (a, b) => (measure(a) - measure(b)) / measure(b) * 100), "F1", "%");

    private static string CostRatio(List<Sample> hmm, List<Sample> ca2000, List<Sample> none, Func<Sample, TimeSpan> measure)
    {
        var hmmCost = hmm.Zip(none, (a, b) => (measure(a) - measure(b)).TotalSeconds).ToList();
        var caCost = ca2000.Zip(none, (a, b) => (measure(a) - measure(b)).TotalSeconds).ToList();
        var median = Median(hmmCost) / Median(caCost);
        var perRound = hmmCost.Zip(caCost, (h, c) => h / c).ToList();
        return Invariant($"{median:F3} of the medians (per round {perRound.Min():F3} to {perRound.Max():F3})");
    }

    private static string Spread(IEnumerable<double> values, string format, string unit = "")
    {
        var list = values.ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{Median(list).ToString(format, CultureInfo.InvariantCulture)}{unit} ({list.Min().ToString(format, CultureInfo.InvariantCulture)} to {list.Max().ToString(format, CultureInfo.InvariantCulture)})");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Describe(Sample sample) =>
        Invariant($"CPU {sample.Cpu.TotalSeconds:F1} s (server {sample.ServerCpu.TotalSeconds:F1} s), wall {sample.Wall.TotalSeconds:F1} s, {sample.Warnings}");

    private static async Task<Sample> BuildAsync(string directory, Configuration configuration, string[] compiler, string? pipe)
    {
        var serverBefore = pipe is null ? TimeSpan.Zero : ServerCpu(pipe);
        var childrenBefore = ChildrenCpu();
        var began = Stopwatch.GetTimestamp();
        var build = await Cli.DotnetAsync(directory, BuildTimeout,
        [
            "build", "Corpus.csproj", "-c", "Release", "--no-restore", "--no-incremental", "-nologo", "-v:q", "-clp:NoSummary", "-nodeReuse:false", "-m:1",
            $"-p:HmmBenchAnalyzers={configuration.Hmm}", $"-p:EnableNETAnalyzers={configuration.Ca2000}", .. compiler,
        ]);
        var wall = Stopwatch.GetElapsedTime(began);
        var children = ChildrenCpu() - childrenBefore;
        var server = pipe is null ? TimeSpan.Zero : ServerCpu(pipe) - serverBefore;
        var lines = build.Output.Split('\n').Select(l => l.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var errors = lines.Where(l => l.Contains(": error ", StringComparison.Ordinal)).ToList();
        if (build.ExitCode != 0 || errors.Count > 0)
        {
            throw new BuildFailedException($"{configuration.Name} build failed (exit {build.ExitCode}); a corpus that does not compile measures nothing:\n{string.Join("\n", errors.Take(10))}\n{(errors.Count == 0 ? build.Output[^Math.Min(build.Output.Length, 3000)..] : string.Empty)}");
        }

        if (pipe is not null && server == TimeSpan.Zero)
        {
            throw new BuildFailedException($"{configuration.Name}: no compiler server with pipe {pipe} found, the warm CPU would miss the compilation");
        }

        var warnings = lines.Select(l => Warning().Match(l)).Where(m => m.Success).GroupBy(m => m.Groups[1].Value).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}").ToList();
        return new Sample(children + server, server, wall, warnings.Count == 0 ? "none" : string.Join(", ", warnings));
    }

    private sealed class BuildFailedException(string message) : Exception(message);

    /// <summary>Writes the corpus, its project and a nuget.config that finds the packed Hmm.Api; returns the corpus's line count.</summary>
    private static int WriteProject(string directory, string root, string version, int files, CorpusMix mix, bool withHmmApi)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        int lines = 0;
        foreach (var (path, text) in CorpusGenerator.Generate(files, 0.2, withHmmApi, mix: mix))
        {
            File.WriteAllText(Path.Combine(directory, path), text);
            lines += text.Count(c => c == '\n');
        }

        // Outside the repository, shielded from any Directory.Build.* above it.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(root, "packages")}" />
              </config>
              <packageSources>
                <add key="hmm-local" value="{Path.Combine(root, "feed")}" />
              </packageSources>
            </configuration>

            """);
        // Without Hmm.Api the package still brings its analyzers, but not the assembly they look for.
        var assets = withHmmApi ? string.Empty : " ExcludeAssets=\"compile;runtime\"";
        File.WriteAllText(Path.Combine(directory, "Corpus.csproj"), $$"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <LangVersion>12</LangVersion>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <!-- With EnableNETAnalyzers: every NetAnalyzers rule off but CA2000 (.editorconfig). -->
                <AnalysisMode>None</AnalysisMode>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Hmm.Api" Version="{{version}}"{{assets}} />
              </ItemGroup>
              <!-- The configurations without the HMM rules: the same package, its analyzers taken out of the compile. -->
              <Target Name="HmmBenchRemoveAnalyzers" BeforeTargets="CoreCompile" Condition="'$(HmmBenchAnalyzers)' == 'False'">
                <ItemGroup>
                  <Analyzer Remove="@(Analyzer)" Condition="'%(Filename)' == 'Hmm.Analyzers' or '%(Filename)' == 'Hmm.CodeFixes'" />
                </ItemGroup>
              </Target>
            </Project>

            """);
        File.WriteAllText(Path.Combine(directory, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.CA2000.severity = warning\n");
        return lines;
    }

    // User plus system time of this process's children that have been waited for (and theirs).
    private static TimeSpan ChildrenCpu()
    {
        var usage = new long[18];
        if (getrusage(-1, usage) != 0)
        {
            throw new InvalidOperationException($"getrusage(RUSAGE_CHILDREN) failed: {Marshal.GetLastPInvokeError()}");
        }

        return TimeSpan.FromSeconds(usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6));
    }

    // The compiler server of this run (found by its pipe name on its command line): utime + stime from /proc.
    private static TimeSpan ServerCpu(string pipe)
    {
        var pid = FindServer(pipe);
        if (pid is null)
        {
            return TimeSpan.Zero;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 of proc(5), counted from the state (field 3), in clock ticks of 1/100 s.
            return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    private static int? FindServer(string pipe)
    {
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(entry, "cmdline"));
                if (commandLine.Contains("VBCSCompiler", StringComparison.Ordinal) && commandLine.Contains(pipe, StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that ended while we looked.
            }
        }

        return null;
    }

    // Only the server this run started, by its own pipe name; nobody else's.
    private static void StopServer(string pipe)
    {
        if (FindServer(pipe) is { } pid)
        {
            using var server = Process.GetProcessById(pid);
            server.Kill();
            server.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, [Out] long[] usage);

    [GeneratedRegex(@"warning (HMM\d{3}|CA\d{4}|AD\d{4}):")]
    private static partial Regex Warning();
}
