using Hmm.Analyzers.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.RangeOutsideMirrorScopeAnalyzer>;

namespace Hmm.Analyzers.Tests.Rules;

/// <summary>
/// HMM002 — Range registered outside a live mirror scope. A legacy <c>RangeRegister(range, mm, ...)</c>
/// or <c>VmaFault(range, block)</c> with no live mirror in scope is reported on the whole call:
/// the misuse the kernel change made impossible. The fixer learns (CanAddParameter) whether the
/// enclosing member can take the mirror as a new parameter.
/// </summary>
public class HMM002Tests
{
    private const string AddParameter = "take the mirror as an HmmMirror parameter from the caller";

    private static string CannotAddParameter(string why) => $"this member cannot take a new parameter ({why}), so pass it the mirror that owns that mm";

    private static string UsedAfterUnregister(string when) =>
        $"the mirror of 'mm' {when}; register the range before unregistering the mirror, or register the mirror again";

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify.VerifyAnalyzerAsync(source + DriverCode.Types, expected);

    private static DiagnosticResult Hmm002(string call, string range, string mm, string advice = AddParameter) =>
        Verify.Diagnostic("HMM002").WithLocation(0).WithArguments(call, range, mm, advice);

    private static Task<string?> PropertyAsync(string source, string name) =>
        DiagnosticRunner.SinglePropertyAsync(new RangeOutsideMirrorScopeAnalyzer(), source + DriverCode.Types, name);

    [Fact]
    public async Task A_helper_that_only_has_the_mm()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    int ret = {|#0:HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift)|};
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    return ret;
                }
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "mm"));
    }

    [Fact]
    public async Task A_legacy_fault_handler_with_no_mirror_in_reach()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(MmStruct mm, ulong start, ulong end)
                {
                    var range = new HmmRange { Vma = mm.FindVma(start), Start = start, End = end };
                    mm.MmapSem.DownRead();
                again:
                    int ret = {|#0:HmmApi.VmaFault(range, true)|};
                    if (ret == 0 && !HmmApi.VmaRangeDone(range))
                        goto again;
                    mm.MmapSem.UpRead();
                    return ret;
                }
            }
            """,
            Hmm002("HmmApi.VmaFault", "range", "range.Vma.Mm"));
    }

    [Fact]
    public async Task A_mirror_that_was_unregistered_does_not_count()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    mirror.Dispose();
                    return {|#0:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
                }
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "mm", UsedAfterUnregister("was unregistered at line 8")));
    }

    [Theory]
    [InlineData("mirror.Dispose();", "was")]
    [InlineData("HmmApi.MirrorUnregister(mirror);", "was")]
    [InlineData("if (range.Start == 0) mirror.Dispose();", "may have been")]
    public async Task The_reason_names_the_line_where_the_mirror_of_the_mm_was_unregistered(string unregister, string when)
    {
        var source = """
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    UNREGISTER
                    return HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """.Replace("UNREGISTER", unregister);
        Assert.Equal(
            $"the mirror of 'mm' {when} unregistered at line 8; a mirror from the caller would hide the use after unregister",
            await PropertyAsync(source, DiagnosticProperties.Reason));
        Assert.Equal("false", await PropertyAsync(source, DiagnosticProperties.CanAddParameter));
    }

    /// <summary>
    /// A mirror known to be another mm's is no mirror of this one: registered here with another
    /// mm, or held beside another mm by its owner (svmm.Mirror is svmm.Mm's, s_mirror is
    /// s_mm's). Passing it would put the range in the wrong address space.
    /// </summary>
    [Fact]
    public async Task A_mirror_of_another_mm_does_not_stand_for_this_one()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Second(MmStruct first, MmStruct second, HmmRange range)
                {
                    using var mirror = HmmMirror.Register(first, new DeviceOps());
                    return {|#0:HmmApi.RangeRegister(range, second, 0, 0x1000, HmmApi.PageShift)|};
                }

                public static int Other(NouveauSvmm svmm, MmStruct other, HmmRange range) =>
                    {|#1:HmmApi.RangeRegister(range, other, 0, 0x1000, HmmApi.PageShift)|};
            }

            static class Device
            {
                static readonly MmStruct s_mm = new();
                static readonly HmmMirror s_mirror = HmmMirror.Register(s_mm, new DeviceOps());

                public static int Populate(MmStruct mm, HmmRange range) =>
                    {|#2:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "second"),
            Verify.Diagnostic("HMM002").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "other", AddParameter),
            Verify.Diagnostic("HMM002").WithLocation(2).WithArguments("HmmApi.RangeRegister", "range", "mm", AddParameter));
    }

    /// <summary>
    /// A mirror registered with an mm variable is not the mirror of what that variable holds once
    /// it is assigned again, straight on or on a loop's later iterations.
    /// </summary>
    [Fact]
    public async Task A_mirror_registered_before_its_mm_variable_was_assigned_again_does_not_stand_for_it()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Rebind(MmStruct mm, MmStruct next, HmmRange range)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    mm = next;
                    return {|#0:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
                }

                public static int BindEach(MmStruct[] mms, HmmRange range)
                {
                    var mm = mms[0];
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    for (int i = 0; i < mms.Length; i++)
                    {
                        int ret = {|#1:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                        HmmApi.RangeUnregister(range);
                        if (i + 1 < mms.Length)
                            mm = mms[i + 1];
                    }

                    return 0;
                }
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "mm"),
            Verify.Diagnostic("HMM002").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "mm", AddParameter));
    }

    /// <summary>A local copied from the mm of an owner without a mirror has none either.</summary>
    [Fact]
    public async Task A_local_copy_of_an_mm_whose_owner_has_no_mirror_has_none()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Populate(NouveauSvmm svmm, Process process, HmmRange range)
                {
                    var mm = process.Mm;
                    return {|#0:HmmApi.RangeRegister(range, mm, 0x1000, 0x3000, HmmApi.PageShift)|};
                }
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "mm"));
    }

    /// <summary>A primary constructor's mirror is its mm's, captured or initializing a field.</summary>
    [Fact]
    public async Task A_primary_constructors_mirror_does_not_stand_for_another_mm()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class Device(MmStruct mm, HmmMirror mirror)
            {
                public int Own(HmmRange range) => HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) + mm.GetHashCode();

                public int Other(HmmRange range, MmStruct other) =>
                    {|#0:HmmApi.RangeRegister(range, other, 0, 0x1000, HmmApi.PageShift)|};
            }

            sealed class Owner(MmStruct mm, IHmmMirrorOps ops)
            {
                readonly HmmMirror mirror = HmmMirror.Register(mm, ops);

                public int Other(HmmRange range, MmStruct other) =>
                    {|#1:HmmApi.RangeRegister(range, other, 0, 0x1000, HmmApi.PageShift)|};
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "other"),
            Verify.Diagnostic("HMM002").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "other", AddParameter));
    }

    [Fact]
    public async Task The_reason_names_the_live_mirrors_that_belong_to_other_mms()
    {
        var source = """
            using Hmm;

            static class Driver
            {
                public static int Other(NouveauSvmm svmm, MmStruct other, HmmRange range) =>
                    HmmApi.RangeRegister(range, other, 0, 0x1000, HmmApi.PageShift);
            }
            """;
        Assert.Equal("the live mirrors here ('svmm.Mirror') are not known to be of 'other'", await PropertyAsync(source, DiagnosticProperties.Reason));
    }

    /// <summary>The mm of an owner that holds no mirror has none, whatever else is in scope.</summary>
    [Fact]
    public async Task The_mm_of_an_owner_without_a_mirror_takes_no_other_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class Bare
            {
                public MmStruct Mm = null!;
            }

            static class Driver
            {
                public static int Bind(NouveauSvmm svmm, Bare bare, HmmMirror spare, HmmRange range) =>
                    {|#0:HmmApi.RangeRegister(range, bare.Mm, 0, 0x1000, HmmApi.PageShift)|};
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "bare.Mm"));
    }

    /// <summary>The owner's mirror, disposed by this method, was the mm's: the same use after unregister.</summary>
    [Fact]
    public async Task Disposing_the_owners_mirror_before_registering_through_its_mm_is_named()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(NouveauSvmm svmm, HmmRange range)
                {
                    svmm.Mirror.Dispose();
                    return {|#0:HmmApi.RangeRegister(range, svmm.Mm, 0, 0x1000, HmmApi.PageShift)|};
                }

                public static int Pair(HmmMirror mirror, MmStruct mm, HmmRange range)
                {
                    HmmApi.MirrorUnregister(mirror);
                    return {|#1:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
                }
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "svmm.Mm",
                "the mirror of 'svmm.Mm' was unregistered at line 7; register the range before unregistering the mirror, or register the mirror again"),
            Verify.Diagnostic("HMM002").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "mm", UsedAfterUnregister("was unregistered at line 13")));
    }

    [Fact]
    public async Task A_use_after_unregister_is_named_in_the_message_and_left_for_a_person()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    using (var mirror = HmmMirror.Register(mm, new DeviceOps()))
                    {
                    }

                    return {|#0:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
                }
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "mm", UsedAfterUnregister("was unregistered at line 7")));
    }

    [Fact]
    public async Task A_mirror_of_another_mm_unregistered_is_not_named()
    {
        var reason = await PropertyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, MmStruct other, HmmRange range)
                {
                    var mirror = HmmMirror.Register(other, new DeviceOps());
                    mirror.Dispose();
                    return HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """,
            DiagnosticProperties.Reason);
        Assert.Equal("mirror 'mirror' may not be registered here", reason);
    }

    [Fact]
    public async Task The_reason_says_when_there_is_no_mirror_at_all()
    {
        var reason = await PropertyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
            }
            """,
            DiagnosticProperties.Reason);
        Assert.Equal("no HmmMirror is in scope here", reason);
    }

    [Theory]
    [InlineData("static class Driver { public static int Bind(MmStruct mm, HmmRange range) => CALL; }", "true")]
    [InlineData("sealed class Driver { public Driver(MmStruct mm, HmmRange range) { CALL; } }", "true")]
    [InlineData("static class Driver { public static int Bind(MmStruct mm, HmmRange range) { return Local(); int Local() => CALL; } }", "true")]
    [InlineData("abstract class Base { public abstract int Bind(MmStruct mm, HmmRange range); } sealed class Driver : Base { public override int Bind(MmStruct mm, HmmRange range) => CALL; }", "false")]
    [InlineData("class Driver { public virtual int Bind(MmStruct mm, HmmRange range) => CALL; }", "false")]
    [InlineData("interface IBinder { int Bind(MmStruct mm, HmmRange range); } sealed class Driver : IBinder { public int Bind(MmStruct mm, HmmRange range) => CALL; }", "false")]
    [InlineData("interface IBinder { int Bind(MmStruct mm, HmmRange range); } sealed class Driver : IBinder { int IBinder.Bind(MmStruct mm, HmmRange range) => CALL; }", "false")]
    [InlineData("static class Driver { public static System.Func<MmStruct, HmmRange, int> Bind = (mm, range) => CALL; }", "false")]
    [InlineData("static class Driver { public static System.Func<int> Bind(MmStruct mm, HmmRange range) => delegate { return CALL; }; }", "false")]
    [InlineData("static partial class Driver { static partial void Bind(MmStruct mm, HmmRange range); static partial void Bind(MmStruct mm, HmmRange range) { CALL; } }", "false")]
    [InlineData("sealed class Driver { private MmStruct mm = null!; private HmmRange range = null!; public int Bound => CALL; }", "false")]
    [InlineData("static class Driver { static int Bind(MmStruct mm, HmmRange range) => CALL; public static System.Func<MmStruct, HmmRange, int> Handler => Bind; }", "false")]
    [InlineData("sealed class Driver { event System.Func<MmStruct, HmmRange, int>? Faulted; public Driver() { Faulted += this.Bind; } int Bind(MmStruct mm, HmmRange range) => CALL; }", "false")]
    [InlineData("static class Driver { public static int Run(MmStruct mm, HmmRange range) { System.Func<int> fault = Local; return fault(); int Local() => CALL; } }", "false")]
    [InlineData("static class Driver { static int Bind(MmStruct mm, HmmRange range) => CALL; public static int Run(MmStruct mm, HmmRange range) => Bind(mm, range) + Driver.Bind(mm, range) + nameof(Bind).Length; }", "true")]
    [InlineData("sealed class Driver { int Bind(MmStruct mm, HmmRange range) => CALL; public static int Run(Driver? d, MmStruct mm, HmmRange range) => d?.Bind(mm, range) ?? 0; }", "true")]
    public async Task Whether_the_enclosing_member_can_take_a_new_parameter(string declaration, string expected)
    {
        var source = "using Hmm;\n" + declaration.Replace("CALL", "HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)");
        Assert.Equal(expected, await PropertyAsync(source, DiagnosticProperties.CanAddParameter));
    }

    [Fact]
    public async Task An_override_gets_the_advice_it_can_follow()
    {
        await VerifyAsync("""
            using Hmm;

            abstract class Binder
            {
                public abstract int Bind(MmStruct mm, HmmRange range);
            }

            sealed class GpuBinder : Binder
            {
                public override int Bind(MmStruct mm, HmmRange range) =>
                    {|#0:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "mm", CannotAddParameter("it overrides Binder.Bind")));
    }

    [Fact]
    public async Task A_helper_used_as_a_delegate_gets_the_advice_it_can_follow()
    {
        // The fault callback's delegate type fixes the helper's parameters.
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static Func<MmStruct, HmmRange, int> FaultCallback => Fault;

                private static int Fault(MmStruct mm, HmmRange range) =>
                    {|#0:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|};
            }
            """,
            Hmm002("HmmApi.RangeRegister", "range", "mm", CannotAddParameter("it is used as a delegate at line 6, whose type fixes its parameters")));
    }

    [Fact]
    public async Task A_live_mirror_makes_it_the_migration_rules_business()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Bind(NouveauSvmm svmm, HmmRange range) =>
                    HmmApi.RangeRegister(range, svmm.Mm, 0, 0x1000, HmmApi.PageShift);

                public static int Fault(NouveauSvmm svmm, HmmRange range) => HmmApi.VmaFault(range, true);

                public static int Registered(MmStruct mm, HmmRange range)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    return HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Theory]
    // A type parameter constrained to an interface with the mm and the mirror.
    [InlineData("""
        interface IDeviceContext { MmStruct Mm { get; } HmmMirror Mirror { get; } }
        static class Driver
        {
            public static int Bind<TContext>(TContext ctx, HmmRange range) where TContext : IDeviceContext =>
                HmmApi.RangeRegister(range, ctx.Mm, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """)]
    // A static class with one static mirror beside the static mm.
    [InlineData("""
        static class GpuGlobals
        {
            private static MmStruct s_mm = null!;
            private static HmmMirror s_mirror = null!;
            public static int Bind(HmmRange range) => HmmApi.RangeRegister(range, s_mm, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """)]
    // A record struct's mirror, and a primary constructor's captured mirror.
    [InlineData("""
        readonly record struct Binding(MmStruct Mm, HmmMirror Mirror);
        sealed class GpuDevice(MmStruct mm, HmmMirror mirror)
        {
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
            public static int Bind(Binding binding, HmmRange range) => HmmApi.RangeRegister(range, binding.Mm, 0x1000, 0x2000, HmmApi.PageShift);
            public void Release() => mirror.Ops.Release(mirror);
        }
        """)]
    // Two mirrors of the owner: ambiguous, but a mirror is there (HMM001 offers both).
    [InlineData("""
        sealed class DualDevice { public MmStruct Mm = null!; public HmmMirror Gpu = null!; public HmmMirror Dma = null!; }
        static class Driver
        {
            public static int Bind(DualDevice device, HmmRange range) => HmmApi.RangeRegister(range, device.Mm, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """)]
    public async Task A_mirror_beside_the_mm_in_any_owner_is_in_reach(string declarations)
    {
        await VerifyAsync("using Hmm;\n\n" + declarations);
    }

    [Theory]
    // The constraint gives an mm and no mirror.
    [InlineData("""
        interface IAddressSpace { MmStruct Mm { get; } }
        static class Driver
        {
            public static int Bind<TSpace>(TSpace space, HmmRange range) where TSpace : IAddressSpace =>
                {|#0:HmmApi.RangeRegister(range, space.Mm, 0x1000, 0x2000, HmmApi.PageShift)|};
        }
        """, "space.Mm")]
    // A static class with an mm and no mirror.
    [InlineData("""
        static class GpuGlobals
        {
            private static MmStruct s_mm = null!;
            public static int Bind(HmmRange range) => {|#0:HmmApi.RangeRegister(range, s_mm, 0x1000, 0x2000, HmmApi.PageShift)|};
        }
        """, "s_mm")]
    // A static method: the instance mirror is out of its reach.
    [InlineData("""
        sealed class GpuDevice
        {
            private static MmStruct s_mm = null!;
            private HmmMirror mirror = null!;
            public static int Bind(HmmRange range) => {|#0:HmmApi.RangeRegister(range, s_mm, 0x1000, 0x2000, HmmApi.PageShift)|};
            public void Release() => mirror.Ops.Release(mirror);
        }
        """, "s_mm")]
    // A static method: the captured mirror is out of its reach too.
    [InlineData("""
        sealed class GpuDevice(HmmMirror mirror)
        {
            public static int Bind(MmStruct mm, HmmRange range) => {|#0:HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift)|};
            public void Release() => mirror.Ops.Release(mirror);
        }
        """, "mm")]
    public async Task An_owner_without_a_mirror_in_reach_leaves_the_range_outside_a_mirror_scope(string declarations, string mm)
    {
        await VerifyAsync("using Hmm;\n\n" + declarations, Hmm002("HmmApi.RangeRegister", "range", mm));
    }

    /// <summary>
    /// <c>c1 with { Mm = other }</c>: the copy's mirror is c1's mm's, and whether a mirror of
    /// <c>other</c> is live is not known here; no "no mirror" claim, no advice.
    /// </summary>
    [Fact]
    public async Task A_record_copied_with_another_mm_is_undecided()
    {
        await VerifyAsync("""
            using Hmm;

            sealed record GpuContext(MmStruct Mm, HmmMirror Mirror);

            static class Driver
            {
                public static int Rebind(GpuContext c1, MmStruct other, HmmRange range)
                {
                    using var mirror = HmmMirror.Register(other, new DeviceOps());
                    var c2 = c1 with { Mm = other };
                    return HmmApi.RangeRegister(range, c2.Mm, 0x1000, 0x2000, HmmApi.PageShift);
                }

                public static int Remirrored(GpuContext c1, HmmMirror mirror, HmmRange range)
                {
                    var c2 = c1 with { Mirror = mirror };
                    return HmmApi.RangeRegister(range, c2.Mm, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task Undecidable_mirrors_stay_silent()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, HmmMirror? found)
                {
                    var mirror = found ?? Lookup(mm);
                    return HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
                }

                private static HmmMirror Lookup(MmStruct mm) => null!;
            }
            """);
    }

    [Fact]
    public async Task Migrated_calls_user_methods_and_generated_code_draw_nothing()
    {
        await VerifyAsync("""
            using Hmm;

            static class Mine
            {
                public static int RangeRegister(HmmRange range, MmStruct mm, ulong start, ulong end, int shift) => 0;
            }

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, HmmMirror mirror) =>
                    HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) + Mine.RangeRegister(range, mm, 0, 0x1000, 12);
            }
            """);
        await VerifyAsync("""
            // <auto-generated/>
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
            }
            """);
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static string Names()
                {
                    Func<HmmRange, bool, int> fault = HmmApi.VmaFault;
                    return nameof(HmmApi.RangeRegister) + fault.Method.Name;
                }
            }
            """);
    }

    [Theory]
    [InlineData("HmmApi.RangeRegister(range, mm, ")]
    [InlineData("HmmApi.VmaFault(range, ")]
    [InlineData("HmmApi.VmaFault(range.Vma.Mm, true);")]
    [InlineData("HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift, extra);")]
    [InlineData("HmmMirror m = HmmMirror.Register(mm, ); m.Dispose(); HmmApi.RangeRegister(range mm")]
    [InlineData("return {|#0:HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift)|} +;", true)]
    public async Task Half_typed_code_does_not_break_the_analyzer(string statement, bool reported = false)
    {
        var test = new Verify.Test
        {
            TestCode = """
                using Hmm;

                static class Driver
                {
                    public static int Bind(MmStruct mm, HmmRange range)
                    {
                        
                """ + statement + """

                    }
                }
                """ + DriverCode.Types,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        if (reported)
        {
            test.ExpectedDiagnostics.Add(Hmm002("HmmApi.RangeRegister", "range", "mm"));
        }

        await test.RunAsync();
    }
}
