using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.CodeFixes.Tests.Verifiers.CodeFixVerifier<Hmm.CodeFixes.UseMirrorInRangeRegisterFix>;

namespace Hmm.CodeFixes.Tests;

/// <summary>HMM001: the mm argument of a legacy RangeRegister becomes the mirror of that mm.</summary>
public class UseMirrorInRangeRegisterFixTests
{
    [Fact]
    public async Task The_mirror_beside_the_mm_replaces_it()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, svmm.Mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task The_mirror_of_an_element_replaces_the_elements_mm()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm[] svmms, int i, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:svmms[i].Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm[] svmms, int i, HmmRange range) =>
                    HmmApi.RangeRegister(range, svmms[i].Mirror, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_mirror_registered_for_the_same_mm_replaces_it()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Mirror(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    int ret = HmmApi.RangeRegister(range, {|HMM001:mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Mirror(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Comments_line_breaks_and_the_other_arguments_stay()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range,   // the range to mirror
                              /* whose process */ {|HMM001:svmm . Mm|} /* its address space */,
                              start, end,
                              HmmApi.PageShift);            // one page per pfn
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range,   // the range to mirror
                              /* whose process */ svmm.Mirror /* its address space */,
                              start, end,
                              HmmApi.PageShift);            // one page per pfn
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_named_mm_argument_becomes_a_named_mirror_argument()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, pageShift: HmmApi.PageShift, mm: {|HMM001:svmm.Mm|}, start: start, end: end);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, pageShift: HmmApi.PageShift, mirror: svmm.Mirror, start: start, end: end);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_suppressed_null_notifier_keeps_its_suppression()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Pin(AmdgpuBo bo, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|HMM001:bo.Mn!.Mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Pin(AmdgpuBo bo, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, bo.Mn!.Mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_conditional_notifier_keeps_its_null_check_and_its_warning()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Pin(AmdgpuBo bo, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|#0:{|HMM001:bo.Mn?.Mm|}|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Pin(AmdgpuBo bo, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|#0:bo.Mn?.Mirror|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        // The possible null was there before the fix and stays, no more and no less.
        var test = Verify.Create(source, fixedSource, DiagnosticResult.CompilerWarning("CS8604").WithLocation(0).WithArguments("mm", "int HmmApi.RangeRegister(HmmRange range, MmStruct mm, ulong start, ulong end, int pageShift)"));
        test.FixedState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerWarning("CS8604").WithLocation(0).WithArguments("mirror", "int HmmApi.RangeRegister(HmmRange range, HmmMirror mirror, ulong start, ulong end, int pageShift)"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Expression_bodied_members_lambdas_and_local_functions()
    {
        const string source = """
            using System;
            using Hmm;

            static class Driver
            {
                static int Register(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);

                static Func<HmmRange, int> Registrar(NouveauSvmm svmm) =>
                    range => HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);

                static int Both(NouveauSvmm svmm, HmmRange first, HmmRange second)
                {
                    int ret = Register(first);
                    return ret != 0 ? ret : Register(second);

                    int Register(HmmRange range)
                    {
                        return HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using Hmm;

            static class Driver
            {
                static int Register(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, svmm.Mirror, range.Start, range.End, HmmApi.PageShift);

                static Func<HmmRange, int> Registrar(NouveauSvmm svmm) =>
                    range => HmmApi.RangeRegister(range, svmm.Mirror, range.Start, range.End, HmmApi.PageShift);

                static int Both(NouveauSvmm svmm, HmmRange first, HmmRange second)
                {
                    int ret = Register(first);
                    return ret != 0 ? ret : Register(second);

                    int Register(HmmRange range)
                    {
                        return HmmApi.RangeRegister(range, svmm.Mirror, range.Start, range.End, HmmApi.PageShift);
                    }
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task The_kernels_goto_again_retry_loop()
    {
        const string source = """
            using Hmm;

            static class Nouveau
            {
                static long RangeFault(NouveauSvmm svmm, HmmRange range)
                {
                    long ret;
                    range.DefaultFlags = 0;
                    range.PfnFlagsMask = ulong.MaxValue;
                again:
                    ret = HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;

                    if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
                    {
                        HmmApi.RangeUnregister(range);
                        goto again;
                    }

                    ret = HmmApi.RangeFault(range, true);
                    if (ret <= 0)
                    {
                        if (ret == 0 || ret == -Errno.EBUSY)
                            ret = -Errno.EAGAIN;
                        HmmApi.RangeUnregister(range);
                        return ret;
                    }

                    HmmApi.RangeUnregister(range);
                    return ret;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror"));
    }

    [Fact]
    public async Task Several_mirrors_of_the_mm_give_one_action_each_and_fix_all_leaves_the_site()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int TwoDevices(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    using var gpu = HmmMirror.Register(mm, new DeviceOps());
                    using var dma = HmmMirror.Register(mm, new DeviceOps());
                    int ret = HmmApi.RangeRegister(range, {|HMM001:mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static int OneDevice(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;

        // Both actions are offered, each under its own key; the analyzer's order is not the point.
        foreach (var mirror in new[] { "gpu", "dma" })
        {
            var fixedSource = source
                .Replace("{|HMM001:mm|}", mirror)
                .Replace("{|HMM001:svmm.Mm|}", "{|HMM001:svmm.Mm|}");
            var test = Verify.Create(source, fixedSource);
            test.CodeActionEquivalenceKey = UseMirrorInRangeRegisterFix.CandidateEquivalenceKey(mirror);
            test.FixedState.MarkupHandling = MarkupMode.Allow;

            // Fix-all started from a candidate's action (as dotnet format may start) still fixes
            // only the unambiguous site.
            test.BatchFixedState.Sources.Add(source.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror"));
            test.BatchFixedState.Sources.Add(("DriverTypes.cs", Verify.DriverTypes));
            test.BatchFixedState.MarkupHandling = MarkupMode.Allow;
            await test.RunAsync();
        }

        // Fix-all from the unambiguous site's action: the same.
        var fixAll = Verify.Create(source, source.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror"));
        fixAll.FixedState.MarkupHandling = MarkupMode.Allow;
        fixAll.BatchFixedState.Sources.Add(source.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror"));
        fixAll.BatchFixedState.Sources.Add(("DriverTypes.cs", Verify.DriverTypes));
        fixAll.BatchFixedState.MarkupHandling = MarkupMode.Allow;
        fixAll.CodeActionEquivalenceKey = UseMirrorInRangeRegisterFix.EquivalenceKey;
        fixAll.NumberOfFixAllIterations = 1;
        fixAll.NumberOfFixAllInDocumentIterations = 1;
        fixAll.NumberOfFixAllInProjectIterations = 1;
        fixAll.NumberOfIncrementalIterations = 1;
        await fixAll.RunAsync();
    }

    /// <summary>The sibling rule's owners: the one mirror of the mm's owner replaces the mm, whatever the owner's shape.</summary>
    [Theory]
    [InlineData("""
        interface IDeviceContext { MmStruct Mm { get; } HmmMirror Mirror { get; } }
        static class Driver
        {
            static int Bind<TContext>(TContext ctx, HmmRange range) where TContext : IDeviceContext =>
                HmmApi.RangeRegister(range, {|HMM001:ctx.Mm|}, range.Start, range.End, HmmApi.PageShift);
        }
        """, "ctx.Mm", "ctx.Mirror")]
    [InlineData("""
        interface IDevice { static abstract MmStruct Mm { get; } static abstract HmmMirror Mirror { get; } }
        static class Driver
        {
            static int Bind<TDevice>(HmmRange range) where TDevice : IDevice =>
                HmmApi.RangeRegister(range, {|HMM001:TDevice.Mm|}, range.Start, range.End, HmmApi.PageShift);
        }
        """, "TDevice.Mm", "TDevice.Mirror")]
    [InlineData("""
        static class GpuGlobals
        {
            private static readonly MmStruct s_mm = new MmStruct();
            private static readonly HmmMirror s_mirror = HmmMirror.Register(s_mm, new DeviceOps());
            static int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|HMM001:s_mm|}, range.Start, range.End, HmmApi.PageShift);
        }
        """, "s_mm", "s_mirror")]
    [InlineData("""
        sealed class GpuDevice(MmStruct mm, HmmMirror mirror)
        {
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|HMM001:mm|}, range.Start, range.End, HmmApi.PageShift);
            public Vma? Find(ulong address) => mm.FindVma(address);
            public void Release() => HmmApi.MirrorUnregister(mirror);
        }
        """, "mm", "mirror")]
    [InlineData("""
        sealed class GpuDevice(MmStruct mm, IHmmMirrorOps ops)
        {
            private readonly HmmMirror mirror = new HmmMirror(ops);
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|HMM001:mm|}, range.Start, range.End, HmmApi.PageShift);
            public Vma? Find(ulong address) => mm.FindVma(address);
        }
        """, "mm", "mirror")]
    [InlineData("""
        sealed record GpuDevice(MmStruct Mm, HmmMirror Mirror)
        {
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|HMM001:this.Mm|}, range.Start, range.End, HmmApi.PageShift);
        }
        """, "this.Mm", "Mirror")]
    [InlineData("""
        readonly record struct Binding(MmStruct Mm, HmmMirror Mirror);
        static class Driver
        {
            static int Bind(Binding binding, HmmRange range) => HmmApi.RangeRegister(range, {|HMM001:binding.Mm|}, range.Start, range.End, HmmApi.PageShift);
        }
        """, "binding.Mm", "binding.Mirror")]
    [InlineData("""
        abstract class DeviceBase { protected HmmMirror mirror = null!; }
        sealed class GpuDevice : DeviceBase
        {
            private readonly MmStruct mm = new MmStruct();
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|HMM001:mm|}, range.Start, range.End, HmmApi.PageShift);
        }
        """, "mm", "mirror")]
    public async Task The_mirror_of_the_mms_owner_replaces_it(string source, string mm, string mirror)
    {
        source = "using Hmm;\n\n" + source;
        await Verify.VerifyCodeFixAsync(source, source.Replace("{|HMM001:" + mm + "|}", mirror));
    }

    /// <summary>
    /// The user's <c>!</c> stays: on the range, on an mm written <c>ctx.Mm!</c> (the mirror gets
    /// it), and a mirror member declared <c>HmmMirror?</c> is passed as <c>ctx.Mirror!</c>; the
    /// fixed code has no nullable warning the legacy call did not have.
    /// </summary>
    [Fact]
    public async Task Null_forgiving_operators_stay_and_a_nullable_mirror_gets_one()
    {
        const string source = """
            using Hmm;

            sealed class Session
            {
                public MmStruct? Mm { get; set; }
                public HmmMirror Mirror { get; set; } = null!;
            }

            sealed class LazySession
            {
                public MmStruct Mm { get; set; } = null!;
                public HmmMirror? Mirror { get; set; }
            }

            static class Driver
            {
                static int Bind(Session ctx, HmmRange? range) =>
                    HmmApi.RangeRegister(range!, {|HMM001:ctx.Mm!|}, 0, 0x1000, HmmApi.PageShift);

                static int BindLazy(LazySession ctx, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:ctx.Mm|}, 0, 0x1000, HmmApi.PageShift);
            }
            """;
        var fixedSource = source
            .Replace("{|HMM001:ctx.Mm!|}", "ctx.Mirror!")
            .Replace("{|HMM001:ctx.Mm|}", "ctx.Mirror!");
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Several_mirrors_of_the_owner_give_one_action_each_and_fix_all_leaves_the_site()
    {
        const string source = """
            using Hmm;

            sealed class DualDevice
            {
                public MmStruct Mm { get; } = new MmStruct();
                public HmmMirror Gpu { get; set; } = null!;
                public HmmMirror Dma { get; set; } = null!;
            }

            static class Driver
            {
                static int Either(DualDevice device, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:device.Mm|}, range.Start, range.End, HmmApi.PageShift);

                static int One(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        var unambiguousFixed = source.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror");
        foreach (var mirror in new[] { "device.Gpu", "device.Dma" })
        {
            var test = Verify.Create(source, source.Replace("{|HMM001:device.Mm|}", mirror));
            test.CodeActionEquivalenceKey = UseMirrorInRangeRegisterFix.CandidateEquivalenceKey(mirror);
            test.FixedState.MarkupHandling = MarkupMode.Allow;
            test.BatchFixedState.Sources.Add(unambiguousFixed);
            test.BatchFixedState.Sources.Add(("DriverTypes.cs", Verify.DriverTypes));
            test.BatchFixedState.MarkupHandling = MarkupMode.Allow;
            await test.RunAsync();
        }
    }

    [Fact]
    public async Task Fix_all_in_the_solution_covers_every_shape_of_owner()
    {
        const string generic = """
            using Hmm;

            interface IDeviceContext { MmStruct Mm { get; } HmmMirror Mirror { get; } }

            static class Faults
            {
                static int Bind<TContext>(TContext ctx, HmmRange range) where TContext : IDeviceContext =>
                    HmmApi.RangeRegister(range, {|HMM001:ctx.Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        const string statics = """
            using Hmm;

            static class GpuGlobals
            {
                internal static readonly MmStruct Mm = new MmStruct();
                internal static readonly HmmMirror Mirror = HmmMirror.Register(Mm, new DeviceOps());
            }

            static class Pins
            {
                static int Pin(HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:GpuGlobals.Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        const string captured = """
            using Hmm;

            sealed class OtherDevice(MmStruct mm, HmmMirror mirror)
            {
                public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|HMM001:mm|}, range.Start, range.End, HmmApi.PageShift);
                public Vma? Find(ulong address) => mm.FindVma(address);
                public void Release() => HmmApi.MirrorUnregister(mirror);
            }
            """;
        await Verify.CreateSolution(
            new[]
            {
                (generic, generic.Replace("{|HMM001:ctx.Mm|}", "ctx.Mirror")),
                (statics, statics.Replace("{|HMM001:GpuGlobals.Mm|}", "GpuGlobals.Mirror")),
            },
            (captured, captured.Replace("{|HMM001:mm|}", "mirror"))).RunAsync();
    }

    [Fact]
    public async Task Fix_all_covers_every_document_and_project_of_the_solution()
    {
        const string first = """
            using Hmm;

            static class Faults
            {
                static int Populate(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        const string second = """
            using Hmm;

            static class Pins
            {
                static int Pin(AmdgpuBo bo, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:bo.Mn!.Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        const string other = """
            using Hmm;

            static class OtherDriver
            {
                static int Populate(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        await Verify.CreateSolution(
            new[]
            {
                (first, first.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror")),
                (second, second.Replace("{|HMM001:bo.Mn!.Mm|}", "bo.Mn!.Mirror")),
            },
            (other, other.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror"))).RunAsync();
    }

    [Fact]
    public async Task Fix_all_changes_only_legacy_calls_and_nothing_on_a_second_run()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Migrated(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, svmm.Mirror, range.Start, range.End, HmmApi.PageShift);

                static int Legacy(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|HMM001:svmm.Mm|}, range.Start, range.End, HmmApi.PageShift);
            }
            """;
        var fixedSource = source.Replace("{|HMM001:svmm.Mm|}", "svmm.Mirror");
        await Verify.VerifyCodeFixAsync(source, fixedSource);
        await Verify.VerifyCodeFixAsync(fixedSource, fixedSource);
    }
}
