using Hmm.Analyzers.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.LegacyVmaFaultAnalyzer>;

namespace Hmm.Analyzers.Tests.Rules;

/// <summary>
/// HMM004 — Pass the mirror to VmaFault. The legacy <c>HmmApi.VmaFault(range, block)</c> is
/// reported on the whole call where a live mirror of <c>range.Vma.Mm</c>, or failing that a live
/// mirror in scope, exists; the fixer inserts it as the first argument.
/// </summary>
public class HMM004Tests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify.VerifyAnalyzerAsync(source + DriverCode.Types, expected);

    private static DiagnosticResult Hmm004(int location, string range, string mirrors) =>
        Verify.Diagnostic("HMM004").WithLocation(location).WithArguments("HmmApi.VmaFault", range, mirrors);

    /// <summary>nouveau_svm.c's fault handler, before the change.</summary>
    [Fact]
    public async Task The_nouveau_fault_handler_retry_loop()
    {
        await VerifyAsync(DriverCode.NouveauFault("{|#0:HmmApi.VmaFault(range, true)|}"), Hmm004(0, "range", "'svmm.Mirror'"));
    }

    [Fact]
    public async Task A_mirror_registered_with_the_ranges_mm()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmRange range, MmStruct other)
                {
                    using var spare = HmmMirror.Register(other, new DeviceOps());
                    using var mirror = HmmMirror.Register(range.Vma!.Mm, new DeviceOps());
                    int ret = {|#0:HmmApi.VmaFault(range, false)|};
                    if (ret == 0)
                        HmmApi.VmaRangeDone(range);
                    return ret;
                }
            }
            """,
            Hmm004(0, "range", "'mirror'"));
    }

    [Fact]
    public async Task A_mirror_field()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class Device
            {
                private HmmMirror mirror = null!;

                public int Fault(HmmRange range)
                {
                    int ret = {|#0:HmmApi.VmaFault(range, true)|};
                    if (ret == 0)
                        HmmApi.VmaRangeDone(range);
                    return ret;
                }
            }
            """,
            Hmm004(0, "range", "'mirror'"));
    }

    /// <summary>
    /// A mirror field, or a captured primary constructor parameter, and the property that only
    /// returns it are one mirror in scope; a property that does more is another.
    /// </summary>
    [Theory]
    [InlineData("sealed class Device(HmmMirror mirror)\n{\n    public HmmMirror Mirror => mirror;", "'mirror'")]
    [InlineData("sealed class Device\n{\n    private readonly HmmMirror _mirror = null!;\n    public HmmMirror Mirror { get => this._mirror; }", "'_mirror'")]
    [InlineData("sealed class Device(HmmMirror mirror, HmmMirror spare)\n{\n    public HmmMirror Mirror => mirror.IsRegistered ? mirror : spare;", "'Mirror' or 'mirror' or 'spare'")]
    public async Task A_property_that_returns_a_mirror_is_that_mirror(string declarations, string mirrors)
    {
        await VerifyAsync($$"""
            using Hmm;

            {{declarations}}
                public int Fault(HmmRange range) => {|#0:HmmApi.VmaFault(range, true)|};
            }
            """,
            Hmm004(0, "range", mirrors));
    }

    /// <summary>The vma came from an mm's FindVma: the mirror of that mm, not every mirror in scope.</summary>
    [Theory]
    [InlineData("range.Vma = svmm.Mm.FindVma(start);", "svmm.Mirror")]
    [InlineData("var vma = svmm.Mm.FindVma(start);\n        range.Vma = vma;", "svmm.Mirror")]
    [InlineData("Vma? vma;\n        vma = svmm.Mm.FindVma(start);\n        range.Vma = vma;", "svmm.Mirror")]
    [InlineData("var mm = svmm.Mm;\n        using var mirror = HmmMirror.Register(mm, new DeviceOps());\n        range.Vma = mm.FindVma(start);", "mirror")]
    [InlineData("range.Vma = spare.Mm!.FindVma(start);", "spare")]
    public async Task The_mirror_of_the_mm_whose_FindVma_gave_the_vma(string findVma, string mirror)
    {
        await VerifyAsync($$"""
            using Hmm;

            static class Driver
            {
                public static int Fault(NouveauSvmm svmm, HmmMirror spare, HmmRange range, ulong start)
                {
                    {{findVma}}
                    int ret = {|#0:HmmApi.VmaFault(range, true)|};
                    if (ret == 0)
                        HmmApi.VmaRangeDone(range);
                    return ret;
                }
            }
            """,
            Hmm004(0, "range", $"'{mirror}'"));
    }

    [Fact]
    public async Task A_range_initialized_with_the_vma_of_an_mm()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(NouveauSvmm svmm, HmmMirror spare, ulong start, ulong end)
                {
                    var range = new HmmRange { Vma = svmm.Mm.FindVma(start), Start = start, End = end };
                    int ret = {|#0:HmmApi.VmaFault(range, true)|};
                    if (ret == 0)
                        HmmApi.VmaRangeDone(range);
                    return ret;
                }
            }
            """,
            Hmm004(0, "range", "'svmm.Mirror'"));
    }

    /// <summary>
    /// A vma found in an mm that no live mirror is of: a mirror known to be another mm's is no
    /// candidate (it would fault one address space through another's mirror); HMM002's business.
    /// </summary>
    [Fact]
    public async Task A_vma_of_an_mm_with_no_mirror_takes_no_other_mms_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(NouveauSvmm svmm, Process process, ulong start)
                {
                    var range = new HmmRange { Vma = process.Mm.FindVma(start) };
                    int ret = HmmApi.VmaFault(range, true);
                    if (ret == 0)
                        HmmApi.VmaRangeDone(range);
                    return ret;
                }

                public static int Spare(NouveauSvmm svmm, HmmMirror spare, MmStruct mm, ulong start)
                {
                    var range = new HmmRange { Vma = mm.FindVma(start) };
                    int ret = {|#0:HmmApi.VmaFault(range, true)|};
                    if (ret == 0)
                        HmmApi.VmaRangeDone(range);
                    return ret;
                }
            }
            """,
            Hmm004(0, "range", "'spare'"));
    }

    /// <summary>Where the vma may come from elsewhere, the mm is not known: every mirror in scope, as without FindVma.</summary>
    [Theory]
    [InlineData("range.Vma = svmm.Mm.FindVma(start);\n        if (start == 0)\n            range.Vma = other.Mm.FindVma(start);")]
    [InlineData("range.Vma = start == 0 ? svmm.Mm.FindVma(start) : other.Mm.FindVma(start);")]
    [InlineData("var vma = svmm.Mm.FindVma(start);\n        Lookup(ref vma);\n        range.Vma = vma;")]
    [InlineData("range.Vma = svmm.Mm.FindVma(start);\n        range.Vma = Pick(range.Vma);")]
    public async Task A_vma_from_more_than_one_place_gives_every_mirror_in_scope(string findVma)
    {
        await VerifyAsync($$"""
            using Hmm;

            static class Driver
            {
                public static int Fault(NouveauSvmm svmm, NouveauSvmm other, HmmRange range, ulong start)
                {
                    {{findVma}}
                    int ret = {|#0:HmmApi.VmaFault(range, true)|};
                    if (ret == 0)
                        HmmApi.VmaRangeDone(range);
                    return ret;
                }

                private static void Lookup(ref Vma? vma) { }

                private static Vma? Pick(Vma? vma) => vma;
            }
            """,
            Hmm004(0, "range", "'other.Mirror' or 'svmm.Mirror'"));
    }

    [Fact]
    public async Task Several_mirrors_in_scope_are_all_candidates()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror gpu, NouveauSvmm svmm, HmmRange range) =>
                    {|#0:HmmApi.VmaFault(range, true)|};
            }
            """,
            Hmm004(0, "range", "'gpu' or 'svmm.Mirror'"));
    }

    [Fact]
    public async Task The_candidates_reach_the_fixer()
    {
        var candidates = await DiagnosticRunner.SinglePropertyAsync(
            new LegacyVmaFaultAnalyzer(),
            """
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror gpu, NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.VmaFault(range, true);
            }
            """ + DriverCode.Types,
            DiagnosticProperties.MirrorCandidates);
        Assert.Equal("gpu\nsvmm.Mirror", candidates);
    }

    [Fact]
    public async Task In_a_lambda_the_captured_mirror_is_in_scope()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static Func<HmmRange, int> Faulter(HmmMirror mirror) =>
                    range => {|#0:HmmApi.VmaFault(range, true)|};
            }
            """,
            Hmm004(0, "range", "'mirror'"));
    }

    [Fact]
    public async Task No_mirror_in_scope_is_not_this_rules()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmRange range) => HmmApi.VmaFault(range, true);
            }
            """);
    }

    [Fact]
    public async Task A_disposed_mirror_is_not_a_candidate()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    mirror.Dispose();
                    return HmmApi.VmaFault(range, true);
                }
            }
            """);
    }

    [Fact]
    public async Task The_migrated_call_is_not_reported()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Fault(NouveauSvmm svmm, HmmRange range) => HmmApi.VmaFault(svmm.Mirror, range, true);
            }
            """);
    }

    [Fact]
    public async Task A_users_own_VmaFault_is_not_the_api()
    {
        await VerifyAsync("""
            using Hmm;

            static class Legacy
            {
                public static int VmaFault(HmmRange range, bool block) => 0;
            }

            static class Svm
            {
                public static int Fault(NouveauSvmm svmm, HmmRange range) => Legacy.VmaFault(range, true);
            }
            """);
    }

    /// <summary>A static retry helper cannot reach the handler's svmm: no mirror is offered there.</summary>
    [Fact]
    public async Task A_static_local_function_is_offered_only_what_it_can_reach()
    {
        await VerifyAsync("""
            using Hmm;

            static class NouveauSvm
            {
                public static int Run(NouveauSvmm svmm, HmmRange range)
                {
                    int ret = {|#0:HmmApi.VmaFault(range, true)|};
                    if (ret == -Errno.EBUSY)
                        ret = Again(range);
                    return ret;

                    static int Again(HmmRange range) => HmmApi.VmaFault(range, true);
                }
            }
            """,
            Hmm004(0, "range", "'svmm.Mirror'"));
    }

    [Fact]
    public async Task A_static_lambda_is_offered_only_its_own_mirror()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            sealed class Faulter
            {
                private readonly HmmMirror mirror;

                public Faulter(HmmMirror mirror) => this.mirror = mirror;

                public Func<HmmRange, int> Blocking(NouveauSvmm svmm) => static range => HmmApi.VmaFault(range, true);

                public Func<HmmMirror, HmmRange, int> NonBlocking(NouveauSvmm svmm) =>
                    static (gpu, range) => {|#0:HmmApi.VmaFault(range, false)|};
            }
            """,
            Hmm004(0, "range", "'gpu'"));
    }

    [Fact]
    public async Task Method_groups_nameof_and_generated_code_draw_nothing()
    {
        await VerifyAsync("""
            // <auto-generated/>
            using System;
            using Hmm;

            static class Svm
            {
                public static int Fault(NouveauSvmm svmm, HmmRange range) => HmmApi.VmaFault(range, true);
            }
            """);
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Svm
            {
                public static string Names(NouveauSvmm svmm)
                {
                    Func<HmmRange, bool, int> fault = HmmApi.VmaFault;
                    return nameof(HmmApi.VmaFault) + fault.Method.Name;
                }
            }
            """);
    }

    [Theory]
    [InlineData("HmmApi.VmaFault(range, ")]
    [InlineData("int x = {|#0:HmmApi.VmaFault(range, true)|} + ;", true)]
    [InlineData("HmmApi.VmaFault(range.Vma.Mm, true);")]
    [InlineData("HmmApi.VmaFault(svmm.Mirror, range, true, 1);")]
    [InlineData("again: HmmApi.VmaFault(unknown, true); goto again")]
    [InlineData("{|#0:HmmApi.VmaFault(range, true)|}; return", true)]
    public async Task Half_typed_code_does_not_break_the_analyzer(string statement, bool reported = false)
    {
        var test = new Verify.Test
        {
            TestCode = """
                using Hmm;

                static class Svm
                {
                    public static void Fault(NouveauSvmm svmm, HmmRange range)
                    {
                        
                """ + statement + """

                    }
                }
                """ + DriverCode.Types,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        if (reported)
        {
            test.ExpectedDiagnostics.Add(Hmm004(0, "range", "'svmm.Mirror'"));
        }

        await test.RunAsync();
    }
}
