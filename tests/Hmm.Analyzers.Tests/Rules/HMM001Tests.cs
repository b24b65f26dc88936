using Hmm.Analyzers.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.LegacyRangeRegisterAnalyzer>;

namespace Hmm.Analyzers.Tests.Rules;

/// <summary>
/// HMM001 — Register the range with the mirror, not the mm. The legacy
/// <c>HmmApi.RangeRegister(range, mm, ...)</c> is reported on its mm argument wherever a live
/// mirror of that mm is in scope; the fixer is handed the mirror(s) in MirrorCandidates.
/// </summary>
public class HMM001Tests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify.VerifyAnalyzerAsync(source + DriverCode.Types, expected);

    private static DiagnosticResult Hmm001(string range, string mm, string mirrors) =>
        Verify.Diagnostic("HMM001").WithLocation(0).WithArguments("HmmApi.RangeRegister", range, mm, mirrors);

    [Fact]
    public async Task The_mm_of_an_object_that_holds_the_mirror_gives_that_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|#0:svmm.Mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
            Hmm001("range", "svmm.Mm", "'svmm.Mirror'"));
    }

    [Fact]
    public async Task A_mirror_registered_with_the_same_mm_and_checked_is_live()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Populate(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (ret != 0)
                        return ret;
                    ret = HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x3000, HmmApi.PageShift);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """,
            Hmm001("range", "mm", "'mirror'"));
    }

    [Fact]
    public async Task A_failed_registration_checked_inline_leaves_the_mirror_live_after_it()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Populate(MmStruct mm, HmmRange range, HmmMirror mirror)
                {
                    if (HmmApi.MirrorRegister(mirror, mm) < 0)
                        return -Errno.EFAULT;
                    return HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x3000, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "mm", "'mirror'"));
    }

    [Fact]
    public async Task A_using_declaration_keeps_the_mirror_live_to_the_end_of_its_scope()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Populate(MmStruct mm, HmmRange range)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    int ret = HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x3000, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    return ret;
                }
            }
            """,
            Hmm001("range", "mm", "'mirror'"));
    }

    [Fact]
    public async Task A_mirror_field_next_to_the_mm_field()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class GpuContext
            {
                private readonly HmmMirror mirror;
                private readonly MmStruct mm;

                public GpuContext(HmmMirror mirror, MmStruct mm) { this.mirror = mirror; this.mm = mm; }

                public int Bind(HmmRange range, ulong start, ulong end) =>
                    HmmApi.RangeRegister(range, {|#0:this.mm|}, start, end, HmmApi.PageShift);
            }
            """,
            Hmm001("range", "this.mm", "'mirror'"));
    }

    [Fact]
    public async Task A_mirror_property_reached_through_properties()
    {
        await VerifyAsync("""
            using Hmm;

            static class AmdgpuTtm
            {
                public static int GetUserPages(AmdgpuBo bo, HmmRange range, ulong start, ulong end)
                {
                    if (bo.Mn == null)
                        return -Errno.EFAULT;
                    return HmmApi.RangeRegister(range, {|#0:bo.Mn.Mm|}, start, end, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "bo.Mn.Mm", "'bo.Mn.Mirror'"));
    }

    /// <summary>A notifier that may be missing: the mirror is reached the same way, null check included.</summary>
    [Fact]
    public async Task A_mm_reached_through_a_conditional_access_gives_the_mirror_beside_it()
    {
        await VerifyAsync("""
            using Hmm;

            static class AmdgpuTtm
            {
                public static int GetUserPages(AmdgpuBo bo, HmmRange range, ulong start, ulong end)
                {
            #nullable disable
                    return HmmApi.RangeRegister(range, {|#0:bo.Mn?.Mm|}, start, end, HmmApi.PageShift);
            #nullable restore
                }
            }
            """,
            Hmm001("range", "bo.Mn?.Mm", "'bo.Mn?.Mirror'"));
    }

    [Fact]
    public async Task The_mm_of_a_mirror_is_that_mirrors()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|#0:mirror.Mm!|}, 0x1000, 0x2000, HmmApi.PageShift);
            }
            """,
            Hmm001("range", "mirror.Mm!", "'mirror'"));
    }

    [Fact]
    public async Task The_single_mirror_in_scope_stands_for_an_mm_it_is_not_tied_to()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
            }
            """,
            Hmm001("range", "mm", "'mirror'"));
    }

    [Fact]
    public async Task Several_mirrors_and_no_tie_to_the_mm_give_every_candidate()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror gpu, HmmMirror dma, MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
            }
            """,
            Hmm001("range", "mm", "'dma' or 'gpu'"));
    }

    [Fact]
    public async Task Several_mirrors_but_one_registered_with_that_mm_gives_that_one()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct first, MmStruct second, HmmRange range)
                {
                    using var a = HmmMirror.Register(first, new DeviceOps());
                    using var b = HmmMirror.Register(second, new DeviceOps());
                    return HmmApi.RangeRegister(range, {|#0:second|}, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "second", "'b'"));
    }

    [Fact]
    public async Task The_candidates_reach_the_fixer_in_a_stable_order()
    {
        var candidates = await DiagnosticRunner.SinglePropertyAsync(
            new LegacyRangeRegisterAnalyzer(),
            """
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror gpu, HmmMirror dma, MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
            }
            """ + DriverCode.Types,
            DiagnosticProperties.MirrorCandidates);
        Assert.Equal("dma\ngpu", candidates);
    }

    [Fact]
    public async Task One_candidate_is_handed_over_alone()
    {
        var candidates = await DiagnosticRunner.SinglePropertyAsync(
            new LegacyRangeRegisterAnalyzer(),
            """
            using Hmm;

            static class Svm
            {
                public static int Bind(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, svmm.Mm, 0x1000, 0x2000, HmmApi.PageShift);
            }
            """ + DriverCode.Types,
            DiagnosticProperties.MirrorCandidates);
        Assert.Equal("svmm.Mirror", candidates);
    }

    [Theory]
    // A local of the field's name before the call...
    [InlineData("""
        var mirror = 42;
        return HmmApi.RangeRegister(range, {|#0:mm|}, (ulong)mirror, 0x2000, HmmApi.PageShift);
        """)]
    // ...or after it: `mirror` at the call would mean the local declared below (CS0841).
    [InlineData("""
        int ret = HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        if (ret != 0)
            return ret;
        HmmApi.RangeUnregister(range);
        var mirror = ret + 1;
        return mirror;
        """)]
    public async Task A_mirror_field_named_like_a_local_is_written_with_this(string bind)
    {
        await VerifyAsync($$"""
            using Hmm;

            sealed class GpuContext
            {
                private HmmMirror mirror = null!;
                private MmStruct mm = null!;

                public int Bind(HmmRange range)
                {
            {{bind}}
                }
            }
            """,
            Hmm001("range", "mm", "'this.mirror'"));
    }

    [Fact]
    public async Task One_mirror_per_loop_iteration()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static void BindAll(MmStruct[] mms, HmmRange range)
                {
                    foreach (var mm in mms)
                    {
                        using var mirror = HmmMirror.Register(mm, new DeviceOps());
                        if (HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift) == 0)
                            HmmApi.RangeUnregister(range);
                    }
                }
            }
            """,
            Hmm001("range", "mm", "'mirror'"));
    }

    [Fact]
    public async Task Inside_a_lambda_and_a_local_function()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Svm
            {
                public static Func<HmmRange, int> Binder(NouveauSvmm svmm)
                {
                    int Local(HmmRange range) => HmmApi.RangeRegister(range, {|#0:svmm.Mm|}, 0, 0x1000, HmmApi.PageShift);
                    Func<HmmRange, int> lambda = range => HmmApi.RangeRegister(range, {|#1:svmm.Mm|}, 0, 0x1000, HmmApi.PageShift);
                    return Local;
                }
            }
            """,
            Hmm001("range", "svmm.Mm", "'svmm.Mirror'"),
            Verify.Diagnostic("HMM001").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "svmm.Mm", "'svmm.Mirror'"));
    }

    [Fact]
    public async Task Named_arguments_in_another_order()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Bind(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(mm: {|#0:svmm.Mm|}, range: range, start: 0, end: 0x1000, pageShift: HmmApi.PageShift);
            }
            """,
            Hmm001("range", "svmm.Mm", "'svmm.Mirror'"));
    }

    [Fact]
    public async Task No_live_mirror_is_not_this_rules()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
            }
            """);
    }

    [Fact]
    public async Task A_mirror_whose_registration_was_not_checked_is_not_live()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    HmmApi.MirrorRegister(mirror, mm);
                    return HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task A_mirror_unregistered_on_some_path_is_not_live()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, bool detach)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    if (detach)
                        HmmApi.MirrorUnregister(mirror);
                    return HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task A_mirror_after_its_using_block_is_not_live()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    using (var mirror = HmmMirror.Register(mm, new DeviceOps()))
                    {
                        mirror.Ops.Release(mirror);
                    }

                    return HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task A_disposed_mirror_is_not_live()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    mirror.Dispose();
                    return HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task The_mirror_based_call_is_already_migrated()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Bind(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, svmm.Mirror, 0, 0x1000, HmmApi.PageShift);
            }
            """);
    }

    [Fact]
    public async Task A_users_own_RangeRegister_is_not_the_api()
    {
        await VerifyAsync("""
            using Hmm;

            static class MyHmm
            {
                public static int RangeRegister(HmmRange range, MmStruct mm, ulong start, ulong end, int shift) => 0;
            }

            static class Svm
            {
                public static int Bind(NouveauSvmm svmm, HmmRange range) =>
                    MyHmm.RangeRegister(range, svmm.Mm, 0, 0x1000, HmmApi.PageShift);
            }
            """);
    }

    [Fact]
    public async Task Method_groups_and_nameof_are_not_calls()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Svm
            {
                public static string Name(NouveauSvmm svmm)
                {
                    Func<HmmRange, MmStruct, ulong, ulong, int, int> register = HmmApi.RangeRegister;
                    return nameof(HmmApi.RangeRegister) + register.Method.Name;
                }
            }
            """);
    }

    [Fact]
    public async Task Generated_code_draws_nothing()
    {
        await VerifyAsync("""
            // <auto-generated/>
            using Hmm;

            static class Svm
            {
                public static int Bind(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, svmm.Mm, 0, 0x1000, HmmApi.PageShift);
            }
            """);
    }

    [Theory]
    [InlineData("HmmApi.RangeRegister(range, svmm.Mm, 0, ")]
    [InlineData("HmmApi.RangeRegister(range, svmm.")]
    [InlineData("HmmApi.RangeRegister(range, svmm.Mm, 0, 0x1000, HmmApi.PageShift, 7);")]
    [InlineData("HmmApi.RangeRegister(null, null, 0, 0, 0); int x = ")]
    [InlineData("goto nowhere; HmmApi.RangeRegister(range, svmm.Mm")]
    [InlineData("HmmApi.RangeRegister(range, {|#0:svmm.Mm|}, 0, 0x1000, HmmApi.PageShift).", true)]
    [InlineData("HmmApi.RangeRegister(range, {|#0:svmm.Mm|}, 0, 0x1000, HmmApi.PageShift); goto nowhere;", true)]
    public async Task Half_typed_code_does_not_break_the_analyzer(string statement, bool reported = false)
    {
        var test = new Verify.Test
        {
            TestCode = """
                using Hmm;

                static class Svm
                {
                    public static void Bind(NouveauSvmm svmm, HmmRange range)
                    {
                        
                """ + statement + """

                    }
                }
                """ + DriverCode.Types,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        if (reported)
        {
            test.ExpectedDiagnostics.Add(Hmm001("range", "svmm.Mm", "'svmm.Mirror'"));
        }

        await test.RunAsync();
    }
}
