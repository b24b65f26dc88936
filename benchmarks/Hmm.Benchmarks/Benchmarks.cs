using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Benchmarks;

/// <summary>
/// Wall time of compiling the generated corpus, and of analyzing it (binding included) with the
/// HMM analyzers, with them on the corpus without Hmm.Api, and with CA2000. The analyzers' own
/// share is the difference to <see cref="Compile"/>; `report` mode measures it directly.
/// </summary>
[MemoryDiagnoser]
public class CorpusBenchmarks
{
    private Workload hmm = null!;
    private Workload noHmmApi = null!;

    [GlobalSetup]
    public void Setup()
    {
        hmm = Workload.HmmCorpus();
        noHmmApi = Workload.NoHmmApiCorpus();
    }

    [Benchmark(Baseline = true)]
    public TimeSpan Compile() => hmm.Compile();

    [Benchmark]
    public Task<AnalyzerTiming> HmmAnalyzers() => hmm.AnalyzeAsync(Workload.HmmAnalyzers);

    [Benchmark]
    public Task<AnalyzerTiming> HmmAnalyzersWithoutHmmApi() => noHmmApi.AnalyzeAsync(Workload.HmmAnalyzers);

    [Benchmark]
    public Task<AnalyzerTiming> Ca2000() => hmm.AnalyzeAsync(Workload.Ca2000);
}

/// <summary>One 5,000-line method with 500 HMM calls in nested retry loops, at 1x and 10x.</summary>
[MemoryDiagnoser]
public class LongMethodBenchmarks
{
    private Workload workload = null!;

    [Params(1, 10)]
    public int Scale { get; set; }

    [GlobalSetup]
    public void Setup() => workload = Workload.LongMethod(Scale);

    [Benchmark(Baseline = true)]
    public TimeSpan Compile() => workload.Compile();

    [Benchmark]
    public Task<AnalyzerTiming> HmmAnalyzers() => workload.AnalyzeAsync(Workload.HmmAnalyzers);
}
