using System.Collections.Immutable;
using Hmm.Analyzers.Rules;
using Hmm.Analyzers.Tests.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Analyzers.Tests.FlowAnalysis;

/// <summary>
/// The five flow rules run side by side on the same bodies, concurrently, sharing one analysis
/// per body: each reports its own finding and none throws.
/// </summary>
public class SharedAnalysisTests
{
    [Fact]
    public async Task All_flow_rules_together_report_each_finding_once()
    {
        var source = """
            using Hmm;
            using static Hmm.HmmApi;

            static class Legacy
            {
                // HMM001 (svmm.Mm has svmm.Mirror) and HMM005 (the early return leaks the range).
                public static int Populate(NouveauSvmm svmm, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end };
                    if (RangeRegister(range, svmm.Mm, start, end, PageShift) != 0)
                        return -1;
                    if (!RangeWaitUntilValid(range, DefaultTimeout))
                        return -Errno.EBUSY;
                    RangeUnregister(range);
                    return 0;
                }

                // HMM004 (a mirror in scope) — VmaRangeDone or a failed fault leave nothing registered.
                public static int Fault(NouveauSvmm svmm, HmmRange range)
                {
                again:
                    int ret = VmaFault(range, true);
                    if (ret == 0 && !VmaRangeDone(range))
                        goto again;
                    return ret;
                }

                // HMM002 (no mirror at all) and HMM003 (a mirror used after Dispose).
                public static int Orphan(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    mirror.Dispose();
                    if (RangeRegister(range, mirror, 0, 0x1000, PageShift) == 0)
                        RangeUnregister(range);
                    return RangeRegister(range, mm, 0, 0x1000, PageShift);
                }
            }
            """ + DriverCode.Types;

        var diagnostics = await RunAllAsync(source);

        Assert.Equal(
            new[] { "HMM001", "HMM002", "HMM003", "HMM004", "HMM005" },
            diagnostics.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal));

    }

    [Fact]
    public async Task A_body_too_large_to_analyse_draws_nothing()
    {
        // Past the graph's bound the rules cannot decide, so they stay silent (no HMM002 here). The
        // catch leaves the body to the graph.
        var branches = "try { start++; } catch (InvalidOperationException) { }\n" + string.Concat(Enumerable.Repeat("if (start > end) start--;\n", 2100));
        var source = """
            using System;
            using Hmm;

            static class Generated
            {
                public static int Bind(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
            """ + branches + """
                    return HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                }
            }
            """ + DriverCode.Types;

        Assert.Empty(await RunAllAsync(source));
        Assert.Single(await RunAllAsync(source.Replace(branches, string.Empty)));
    }

    [Fact]
    public async Task A_body_the_tree_walk_takes_is_analysed_past_the_graphs_bound()
    {
        // 2,100 ifs are more than 4,000 basic blocks, but the walk over the operation tree needs
        // no graph: its cost grows with the statements, and the HMM002 is found.
        var branches = string.Concat(Enumerable.Repeat("if (start > end) start--;\n", 2100));
        var source = """
            using Hmm;

            static class Generated
            {
                public static int Bind(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
            """ + branches + """
                    return HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                }
            }
            """ + DriverCode.Types;

        Assert.Equal("HMM002", Assert.Single(await RunAllAsync(source)).Id);
    }

    [Fact]
    public async Task A_body_of_more_than_16000_statements_is_given_up_on_before_its_graph()
    {
        // Straight-line code has few basic blocks, so below the statement bound it is analysed.
        static string Bind(int statements) => """
            using Hmm;

            static class Generated
            {
                public static int Bind(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
            """ + string.Concat(Enumerable.Repeat("start++;\n", statements)) + """
                    return HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                }
            }
            """ + DriverCode.Types;

        Assert.Empty(await RunAllAsync(Bind(16_001)));
        Assert.Equal("HMM002", Assert.Single(await RunAllAsync(Bind(15_998))).Id);
    }

    private static async Task<ImmutableArray<Diagnostic>> RunAllAsync(string source)
    {
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(source);

        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, _, _) => { lock (exceptions) { exceptions.Add(exception); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(
            new LegacyRangeRegisterAnalyzer(),
            new RangeOutsideMirrorScopeAnalyzer(),
            new MirrorNotLiveAnalyzer(),
            new LegacyVmaFaultAnalyzer(),
            new RangeLeakAnalyzer());
        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
        Assert.Empty(exceptions);
        return diagnostics;
    }
}
