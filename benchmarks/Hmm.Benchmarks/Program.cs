using System.Globalization;
using BenchmarkDotNet.Running;
using Hmm.Benchmarks;

// `report [iterations] [files]`: analyzer telemetry against an in-memory compile, median of the
// iterations: a tool to see where time goes (the verdict is build-cost's). Anything else goes
// to BenchmarkDotNet, e.g. `--filter *LongMethod* --job short`.
if (args.Length > 0 && args[0] == "report")
{
    int iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
    int files = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;
    await Report.RunAsync(iterations, files, Console.Out);
    return 0;
}

// `report-long <blocks>... [--ladder]`: only the long method, at the given sizes (blocks of 5 HMM
// calls): nested retry loops, or with --ladder straight through with a `goto` error ladder.
if (args.Length > 1 && args[0] == "report-long")
{
    var sizes = args.Skip(1).Where(a => a != "--ladder").Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToList();
    await Report.RunLongMethodAsync(sizes, 3, Console.Out, ladder: args.Contains("--ladder"));
    return 0;
}

// `report-unmigrated <sites>...`: one file of helpers that only have the mm (HMM002 each), at the given sizes.
if (args.Length > 1 && args[0] == "report-unmigrated")
{
    await Report.RunUnmigratedAsync(args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToList(), 3, Console.Out);
    return 0;
}

// `profile [files] [passes] [--corpus driver|shapes]`: the flow rules' cost split into graph,
// dataflow and mirror inference.
if (args.Length > 0 && args[0] == "profile")
{
    var numbers = args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToList();
    var corpus = args.SkipWhile(a => a != "--corpus").Skip(1).FirstOrDefault() ?? "driver";
    Profile.Run(
        corpus,
        numbers.Count > 0 ? numbers[0] : 300,
        numbers.Count > 1 ? numbers[1] : 3,
        Console.Out);
    return 0;
}

// `analyze [files] [passes]`: only the HMM analyzers on the corpus, pass after pass: the loop to
// attach a profiler to (`dotnet-trace collect -- dotnet Hmm.Benchmarks.dll analyze 300 20`).
if (args.Length > 0 && args[0] == "analyze")
{
    var workload = Workload.HmmCorpus(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300);
    var passes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
    for (var pass = 1; pass <= passes; pass++)
    {
        var timing = await workload.AnalyzeAsync(Workload.HmmAnalyzers);
        Console.WriteLine($"pass {pass}: {timing.ExecutionTime.TotalMilliseconds:F1} ms in the analyzers, {timing.WallTime.TotalMilliseconds:F0} ms wall ({timing.GcPauses.TotalMilliseconds:F0} ms of it in GC pauses), {timing.Diagnostics}");
    }

    return 0;
}

// `fixall [sites] [projects] [--no-format]`: issue #4's fix-all. Writes a solution with that many
// legacy sites (HMM001 and HMM004) on disk, times its clean build, then hmm-migrate --apply and
// dotnet format analyzers on it, and checks the migrated solution builds without them. Needs
// `dotnet build src/Hmm.Migrate -c Release` first.
if (args.Length > 0 && args[0] == "fixall")
{
    var numbers = args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToList();
    return await FixAllBenchmark.RunAsync(
        numbers.Count > 0 ? numbers[0] : 10_000,
        numbers.Count > 1 ? numbers[1] : 10,
        withFormat: !args.Contains("--no-format"),
        Console.Out);
}

// `lightbulb [files] [callers] [iterations]`: the HMM002 lightbulb in a solution of that many
// files, warm: registering its action, and applying it.
if (args.Length > 0 && args[0] == "lightbulb")
{
    return await FixAllBenchmark.LightbulbAsync(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10,
        Console.Out);
}

// `fixall-generate <directory> [sites] [projects]`: only write that solution, to look at or to time by hand.
if (args.Length > 1 && args[0] == "fixall-generate")
{
    var generated = SolutionGenerator.Write(
        Path.GetFullPath(args[1]),
        FixAllBenchmark.FindRepository(),
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10);
    Console.WriteLine($"{generated.SolutionPath}: {generated.Projects} projects, {generated.Files} files, {generated.Lines} lines, {generated.Sites} legacy sites");
    return 0;
}

// `corpus-project <directory> [files]`: the HMM corpus as a project on disk that references the
// analyzers as a package would, to build with `dotnet build -p:ReportAnalyzer=true`: the
// compiler's own account of analyzer time in a real build.
if (args.Length > 1 && args[0] == "corpus-project")
{
    var directory = Path.GetFullPath(args[1]);
    var files = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
    Directory.CreateDirectory(directory);
    foreach (var (path, text) in CorpusGenerator.Generate(files, 0.2, withHmmApi: true))
    {
        File.WriteAllText(Path.Combine(directory, Path.GetFileName(path)), text);
    }

    var source = Path.Combine(FixAllBenchmark.FindRepository(), "src");
    File.WriteAllText(Path.Combine(directory, "Corpus.csproj"), $$"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <LangVersion>12</LangVersion>
            <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <ProjectReference Include="{{source}}/Hmm.Api/Hmm.Api.csproj" />
            <ProjectReference Include="{{source}}/Hmm.Analyzers/Hmm.Analyzers.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
          </ItemGroup>
        </Project>
        """);
    // CA2000 beside the HMM rules, from the SDK's own analyzers.
    File.WriteAllText(Path.Combine(directory, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.CA2000.severity = warning\n");
    Console.WriteLine($"{directory}: {files} files; build with: dotnet build {directory} -c Release -p:ReportAnalyzer=true -v:n");
    return 0;
}

// `trace-share <speedscope.json>...`: of sampled traces of csc (docs/performance.md, "Where the
// time goes in a real build"), the analyzer driver's share of the compile and HMM's part of it.
if (args.Length > 1 && args[0] == "trace-share")
{
    return TraceShare.Run(args.Skip(1).ToList(), Console.Out);
}

// `selfcheck [files]`: every corpus mix, small, compiles and analyzes without an analyzer
// exception; suspected false positives on the shapes mix are listed.
if (args.Length > 0 && args[0] == "selfcheck")
{
    return await SelfCheck.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30, Console.Out);
}

// `build-cost [--corpus driver,shapes,no-hmm-api] [--files 2000] [--rounds 5] [--modes cold,warm] [--work DIR] [--feed DIR]`:
// what a user pays, `dotnet build --no-incremental` of each corpus as a project with the packed
// Hmm.Api, without and with the HMM rules and CA2000, paired round by round (docs/performance.md);
// `--feed` takes the package an earlier run packed instead of packing src/Hmm.Api again.
if (args.Length > 0 && args[0] == "build-cost")
{
    string Option(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
    return await BuildCost.RunAsync(
        Option("--corpus", "driver,shapes,no-hmm-api").Split(','),
        int.Parse(Option("--files", "2000"), CultureInfo.InvariantCulture),
        int.Parse(Option("--rounds", "5"), CultureInfo.InvariantCulture),
        Option("--modes", "cold,warm").Split(','),
        args.Contains("--work") ? Path.GetFullPath(Option("--work", ".")) : null,
        args.Contains("--feed") ? Path.GetFullPath(Option("--feed", ".")) : null,
        Console.Out);
}

// `ide-cost [driver|shapes] [files] [methods] [rounds]`: the IDE case, analyzer semantic
// diagnostics of one edited file of HMM methods inside the corpus, HMM against CA2000.
if (args.Length > 0 && args[0] == "ide-cost")
{
    return await IdeCost.RunAsync(
        args.Length > 1 ? args[1] : "shapes",
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50,
        args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 15,
        Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
return 0;
