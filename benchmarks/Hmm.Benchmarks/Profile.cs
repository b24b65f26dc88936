using System.Diagnostics;
using Hmm.Analyzers;
using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Benchmarks;

/// <summary>
/// `profile [files]`: where the flow rules' time goes on the corpus, body by body: building the
/// operation tree, the control flow graph, the HMM dataflow, and the mirror inference of the legacy calls.
/// </summary>
internal static class Profile
{
    public static void Run(string corpus, int files, int passes, TextWriter output)
    {
        var (_, mix, withHmmApi) = SelfCheck.Corpora.Single(c => c.Name == corpus);
        var workload = Workload.Create(corpus, CorpusGenerator.Generate(files, 0.2, withHmmApi, mix: mix), withHmmApi);
        for (var pass = 1; pass <= passes; pass++)
        {
            output.WriteLine($"pass {pass} of {passes}{(pass == 1 ? " (cold: JIT and lazy symbol completion included)" : string.Empty)}");
            RunPass(workload, output);
        }
    }

    // HMM_BENCH_ALLOCATIONS=1: also sample what the dataflow allocates, by type.
    private static readonly AllocationSampler? Sampler =
        Environment.GetEnvironmentVariable("HMM_BENCH_ALLOCATIONS") == "1" ? new AllocationSampler() : null;

    private static void SetSampling(bool active)
    {
        if (active)
        {
            Sampler?.Begin();
        }
        else
        {
            Sampler?.End();
        }
    }

    private static string Megabytes(ThreadCpuClock clock) => $"{clock.Allocated / (1024.0 * 1024.0):F1} MB";

    private static string Unit => ThreadCpuClock.IsCpuTime ? " (thread CPU time)" : " (wall time)";

    private static void RunPass(Workload workload, TextWriter output)
    {
        var compilation = workload.NewCompilation();
        var symbols = HmmSymbols.TryCreate(compilation)!;
        var operations = new ThreadCpuClock();
        var graphs = new ThreadCpuClock();
        var flow = new ThreadCpuClock();
        var walk = new ThreadCpuClock();
        var inference = new ThreadCpuClock();
        int bodies = 0, hmmBodies = 0, treeBodies = 0, legacyCalls = 0;
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var method in tree.GetRoot().DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
            {
                bodies++;
                operations.Start();
                var body = model.GetOperation(method) as IMethodBodyBaseOperation;
                operations.Stop();
                if (body is null)
                {
                    continue;
                }

                var calls = body.Descendants().OfType<IInvocationOperation>()
                    .Select(i => HmmCall.Classify(i, symbols)).Where(c => c.Kind != HmmCallKind.None).ToList();
                if (calls.Count == 0)
                {
                    continue;
                }

                hmmBodies++;
                // As the rules do: the walk over the operation tree when the body's shape allows,
                // else the graph and the dataflow over it.
                walk.Start();
                SetSampling(true);
                var walked = StructuredBodyAnalysis.TryAnalyze(body, symbols, everyCall: false, CancellationToken.None, out var result);
                SetSampling(false);
                walk.Stop();
                if (walked)
                {
                    treeBodies++;
                }
                else
                {
                    graphs.Start();
                    var cfg = body is IMethodBodyOperation m ? ControlFlowGraph.Create(m) : ControlFlowGraph.Create((IConstructorBodyOperation)body);
                    graphs.Stop();
                    flow.Start();
                    SetSampling(true);
                    result = HmmFlowAnalysis.Analyze(cfg, symbols, CancellationToken.None);
                    SetSampling(false);
                    flow.Stop();
                }

                if (result is null)
                {
                    continue;
                }

                inference.Start();
                foreach (var call in calls)
                {
                    if (call.Kind == HmmCallKind.LegacyRangeRegister)
                    {
                        legacyCalls++;
                        MirrorInference.FromResult(result, call.Invocation, call.Mm, symbols);
                    }
                    else if (call.Kind == HmmCallKind.LegacyVmaFault)
                    {
                        legacyCalls++;
                        MirrorInference.ForRangeMm(result, call.Invocation, call.Range, symbols);
                    }
                }

                inference.Stop();
            }
        }

        output.WriteLine($"{bodies} bodies, {hmmBodies} calling HMM ({treeBodies} walked over the operation tree, {hmmBodies - treeBodies} left to the graph), {legacyCalls} legacy calls");
        output.WriteLine($"operation trees (all bodies): {operations.Elapsed.TotalMilliseconds:F0} ms{Unit}, {Megabytes(operations)} allocated");
        output.WriteLine($"operation tree walk (HMM bodies, with the attempts left to the graph): {walk.Elapsed.TotalMilliseconds:F0} ms{Unit}, {Megabytes(walk)} allocated");
        output.WriteLine($"control flow graphs (HMM bodies left to the graph): {graphs.Elapsed.TotalMilliseconds:F0} ms{Unit}, {Megabytes(graphs)} allocated");
        output.WriteLine($"HMM dataflow over the graphs: {flow.Elapsed.TotalMilliseconds:F0} ms{Unit}, {Megabytes(flow)} allocated");
        if (Sampler is not null)
        {
            output.WriteLine("HMM dataflow allocations, sampled by type (all passes so far):");
            foreach (var (type, bytes) in Sampler.Top(25))
            {
                output.WriteLine($"  {bytes / 1024.0:F0} KB  {type}");
            }
        }

        output.WriteLine($"mirror inference (legacy calls, once each): {inference.Elapsed.TotalMilliseconds:F0} ms{Unit}, {Megabytes(inference)} allocated");
    }
}
