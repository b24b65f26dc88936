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

    /// <summary>
    /// The owner may be any expression: an element of an array, a list or an indexer, a call's
    /// result. Its mirror is written on the same owner expression.
    /// </summary>
    [Fact]
    public async Task The_mm_of_an_element_gives_the_mirror_of_that_element()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Hmm;

            sealed class Devices
            {
                readonly NouveauSvmm[] svmms = new NouveauSvmm[4];
                readonly List<AmdgpuMn> notifiers = new();

                public int Bind(int i, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|#0:svmms[i].Mm|}, 0x1000, 0x2000, HmmApi.PageShift);

                public int Userptr(int i, HmmRange range) =>
                    HmmApi.RangeRegister(range, {|#1:notifiers[i].Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
            }
            """,
            Hmm001("range", "svmms[i].Mm", "'svmms[i].Mirror'"),
            Verify.Diagnostic("HMM001").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "notifiers[i].Mm", "'notifiers[i].Mirror'"));
    }

    /// <summary>Half-typed: a primary constructor's <c>HmmMirror</c> without a name yet is no mirror to pass.</summary>
    [Fact]
    public async Task A_primary_constructor_mirror_without_a_name_is_no_candidate()
    {
        await new Verify.Test
        {
            TestCode = """
                using Hmm;

                sealed class Device(MmStruct mm, HmmMirror
                {
                    public int Bind(HmmRange range) => HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
                }
                """ + DriverCode.Types,
            CompilerDiagnostics = CompilerDiagnostics.None,
        }.RunAsync();
    }

    /// <summary>A body that unregisters an element's mirror may have unregistered this one: silent.</summary>
    [Fact]
    public async Task The_mm_of_an_element_after_an_elements_mirror_is_disposed_draws_nothing()
    {
        await VerifyAsync("""
            using Hmm;

            static class Devices
            {
                public static int Rebind(NouveauSvmm[] svmms, int i, HmmRange range)
                {
                    svmms[0].Mirror.Dispose();
                    return HmmApi.RangeRegister(range, svmms[i].Mm, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """);
    }

    /// <summary>Of the mirrors in scope, those known to be another mm's are no candidates.</summary>
    [Fact]
    public async Task A_mirror_tied_to_another_mm_is_no_candidate()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(NouveauSvmm svmm, HmmMirror mirror, MmStruct first, MmStruct mm, HmmRange range)
                {
                    using var other = HmmMirror.Register(first, new DeviceOps());
                    return HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "mm", "'mirror'"));
    }

    /// <summary>
    /// The kernel's <c>struct mm_struct *mm = svmm->mm;</c>: a local copied from the owner's mm
    /// (and written nowhere else) has the owner's mirror.
    /// </summary>
    [Fact]
    public async Task A_local_copy_of_the_owners_mm_gives_the_owners_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Populate(NouveauSvmm svmm, HmmRange range)
                {
                    MmStruct mm = svmm.Mm;
                    mm.MmapSem.DownRead();
                    int ret = HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x3000, HmmApi.PageShift);
                    mm.MmapSem.UpRead();
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    return ret;
                }

                public static int Rebound(NouveauSvmm svmm, MmStruct other, HmmRange range)
                {
                    var mm = svmm.Mm;
                    if (range.Start == 0)
                        mm = other;
                    return HmmApi.RangeRegister(range, mm, 0x1000, 0x3000, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "mm", "'svmm.Mirror'"));
    }

    /// <summary>
    /// A record copied <c>with { Mm = other }</c> keeps the mirror of the original's mm: that
    /// mirror is no answer for <c>other</c>, whose mirror is not known here. A <c>with</c> that
    /// leaves the mm and mirror alone keeps them together.
    /// </summary>
    [Fact]
    public async Task A_record_copied_with_another_mm_does_not_give_the_originals_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            sealed record GpuContext(MmStruct Mm, HmmMirror Mirror, ulong Base);

            static class Driver
            {
                public static int Rebind(GpuContext c1, MmStruct other, HmmRange range)
                {
                    var c2 = c1 with { Mm = other };
                    return HmmApi.RangeRegister(range, c2.Mm, 0x1000, 0x2000, HmmApi.PageShift);
                }

                public static int Copied(GpuContext c1, MmStruct other, HmmRange range)
                {
                    var c2 = c1 with { Mm = other };
                    var mm = c2.Mm;
                    return HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
                }

                public static int Inline(GpuContext c1, MmStruct other, HmmRange range) =>
                    HmmApi.RangeRegister(range, (c1 with { Mm = other }).Mm, 0x1000, 0x2000, HmmApi.PageShift);

                public static int Moved(GpuContext c1, HmmRange range)
                {
                    var c3 = c1 with { Base = 0x1000 };
                    return HmmApi.RangeRegister(range, {|#0:c3.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "c3.Mm", "'c3.Mirror'"));
    }

    /// <summary>
    /// A vma's mm (<c>range.Vma.Mm</c>, <c>vma.Mm</c>) is the mm whose FindVma gave the vma:
    /// its mirror is the one beside that mm, not "no mirror in scope".
    /// </summary>
    [Fact]
    public async Task The_mm_of_a_vma_found_in_an_mm_gives_that_mms_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Populate(NouveauSvmm svmm, HmmRange range)
                {
                    range.Vma = svmm.Mm.FindVma(range.Start);
                    if (range.Vma == null)
                        return -Errno.EFAULT;
                    return HmmApi.RangeRegister(range, {|#0:range.Vma!.Mm|}, range.Start, range.End, HmmApi.PageShift);
                }

                public static int Local(NouveauSvmm svmm, HmmRange range)
                {
                    var vma = svmm.Mm.FindVma(range.Start);
                    if (vma is null)
                        return -Errno.EFAULT;
                    return HmmApi.RangeRegister(range, {|#1:vma.Mm|}, range.Start, range.End, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "range.Vma!.Mm", "'svmm.Mirror'"),
            Verify.Diagnostic("HMM001").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "vma.Mm", "'svmm.Mirror'"));
    }

    /// <summary>
    /// Once its mm variable is assigned again, a mirror registered with it is another mm's; a
    /// mirror registered with the new value is the one.
    /// </summary>
    [Fact]
    public async Task A_mirror_registered_before_its_mm_variable_was_assigned_again_is_no_candidate()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Rebind(MmStruct mm, MmStruct next, HmmRange range)
                {
                    using var first = HmmMirror.Register(mm, new DeviceOps());
                    mm = next;
                    int ret = HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    using var second = HmmMirror.Register(mm, new DeviceOps());
                    return HmmApi.RangeRegister(range, {|#0:mm|}, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """,
            Hmm001("range", "mm", "'second'"));
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

    /// <summary>The sibling rule: whatever the owner of the mm is, its one mirror member is the mirror of that mm.</summary>
    [Theory]
    // A struct passed by value.
    [InlineData("""
        struct DeviceState { public MmStruct Mm; public HmmMirror Mirror; }
        static class Driver
        {
            public static int Bind(DeviceState state, HmmRange range) =>
                HmmApi.RangeRegister(range, {|#0:state.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "state.Mm", "state.Mirror")]
    // A record's positional properties, through implicit `this`.
    [InlineData("""
        sealed record GpuDevice(MmStruct Mm, HmmMirror Mirror)
        {
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "Mm", "Mirror")]
    // A record struct held by a caller.
    [InlineData("""
        readonly record struct Binding(MmStruct Mm, HmmMirror Mirror);
        static class Driver
        {
            public static int Bind(Binding binding, HmmRange range) =>
                HmmApi.RangeRegister(range, {|#0:binding.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "binding.Mm", "binding.Mirror")]
    // An interface, the mirror declared by the interface it extends.
    [InlineData("""
        interface IMirrored { HmmMirror Mirror { get; } }
        interface IDeviceContext : IMirrored { MmStruct Mm { get; } }
        static class Driver
        {
            public static int Bind(IDeviceContext ctx, HmmRange range) =>
                HmmApi.RangeRegister(range, {|#0:ctx.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "ctx.Mm", "ctx.Mirror")]
    // A type parameter, through its interface constraint.
    [InlineData("""
        interface IDeviceContext { MmStruct Mm { get; } HmmMirror Mirror { get; } }
        static class Driver
        {
            public static int Bind<TContext>(TContext ctx, HmmRange range) where TContext : IDeviceContext =>
                HmmApi.RangeRegister(range, {|#0:ctx.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "ctx.Mm", "ctx.Mirror")]
    // A type parameter's static abstract members: written on the type parameter, as the interface cannot (CS8926).
    [InlineData("""
        interface IDevice { static abstract MmStruct Mm { get; } static abstract HmmMirror Mirror { get; } }
        static class Driver
        {
            public static int Bind<TDevice>(HmmRange range) where TDevice : IDevice =>
                HmmApi.RangeRegister(range, {|#0:TDevice.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "TDevice.Mm", "TDevice.Mirror")]
    // A type parameter, through its base class constraint.
    [InlineData("""
        abstract class DeviceBase { public MmStruct Mm = null!; public HmmMirror Mirror = null!; }
        static class Driver
        {
            public static int Bind<TDevice>(TDevice device, HmmRange range) where TDevice : DeviceBase =>
                HmmApi.RangeRegister(range, {|#0:device.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "device.Mm", "device.Mirror")]
    // A static class: the static mm beside its one static mirror.
    [InlineData("""
        static class GpuGlobals
        {
            private static MmStruct s_mm = null!;
            private static HmmMirror s_mirror = null!;
            public static int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:s_mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "s_mm", "s_mirror")]
    // A static mm of another type, qualified, beside that type's static mirror.
    [InlineData("""
        static class GpuGlobals
        {
            internal static MmStruct Mm = null!;
            internal static HmmMirror Mirror = null!;
        }
        static class Driver
        {
            public static int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:GpuGlobals.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "GpuGlobals.Mm", "GpuGlobals.Mirror")]
    // The type's own static mirror, qualified where a local takes its name.
    [InlineData("""
        static class GpuGlobals
        {
            private static MmStruct Mm = null!;
            private static HmmMirror Mirror = null!;
            public static int Bind(HmmRange range, string Mirror) => HmmApi.RangeRegister(range, {|#0:Mm|}, 0x1000, 0x2000, Mirror.Length);
        }
        """, "Mm", "GpuGlobals.Mirror")]
    // A mirror inherited from a base class, beside a field of `this` named implicitly.
    [InlineData("""
        abstract class DeviceBase { protected HmmMirror mirror = null!; }
        sealed class GpuDevice : DeviceBase
        {
            private MmStruct mm = null!;
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "mm", "mirror")]
    // A mirror inherited by the owner's type.
    [InlineData("""
        abstract class DeviceBase { public HmmMirror Mirror = null!; }
        sealed class GpuDevice : DeviceBase { public MmStruct Mm = null!; }
        static class Driver
        {
            public static int Bind(GpuDevice gpu, HmmRange range) => HmmApi.RangeRegister(range, {|#0:gpu.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "gpu.Mm", "gpu.Mirror")]
    // A primary constructor's captured parameters, both of them.
    [InlineData("""
        sealed class GpuDevice(MmStruct mm, HmmMirror mirror)
        {
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
            public void Release() => mirror.Ops.Release(mirror);
        }
        """, "mm", "mirror")]
    // A captured mm beside a mirror field.
    [InlineData("""
        sealed class GpuDevice(MmStruct mm, IHmmMirrorOps ops)
        {
            private readonly HmmMirror mirror = new HmmMirror(ops);
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "mm", "mirror")]
    // An mm field beside a captured mirror, through explicit `this`.
    [InlineData("""
        sealed class GpuDevice(HmmMirror mirror)
        {
            private MmStruct mm = null!;
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:this.mm|}, 0x1000, 0x2000, HmmApi.PageShift);
            public void Attach(MmStruct to) { mm = to; mirror.Ops.Release(mirror); }
        }
        """, "this.mm", "mirror")]
    // A field and the property that only returns it are one mirror: the field, inside the type.
    [InlineData("""
        sealed class GpuDevice
        {
            private readonly HmmMirror mirror;
            private readonly MmStruct mm;
            public GpuDevice(HmmMirror mirror, MmStruct mm) { this.mirror = mirror; this.mm = mm; }
            public HmmMirror Mirror { get { return this.mirror; } }
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "mm", "mirror")]
    // A captured mirror parameter and the property that exposes it, beside a captured mm.
    [InlineData("""
        sealed class GpuDevice(MmStruct mm, HmmMirror mirror)
        {
            public HmmMirror Mirror => mirror;
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "mm", "mirror")]
    // Outside the type, the private field is out of reach: the property.
    [InlineData("""
        sealed class GpuDevice
        {
            private HmmMirror _mirror = null!;
            public MmStruct Mm = null!;
            public HmmMirror Mirror => _mirror!;
        }
        static class Driver
        {
            public static int Bind(GpuDevice gpu, HmmRange range) => HmmApi.RangeRegister(range, {|#0:gpu.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "gpu.Mm", "gpu.Mirror")]
    public async Task The_one_mirror_of_the_mms_owner_whatever_its_shape(string declarations, string mm, string mirror)
    {
        await VerifyAsync("using Hmm;\n\n" + declarations, Hmm001("range", mm, $"'{mirror}'"));
        Assert.Equal(mirror, await DiagnosticRunner.SinglePropertyAsync(
            new LegacyRangeRegisterAnalyzer(), "using Hmm;\n\n" + declarations.Replace("{|#0:", "").Replace("|}", "") + DriverCode.Types, DiagnosticProperties.MirrorCandidates));
    }

    [Theory]
    // Two mirror members of the owner, and another mirror in scope that is not the owner's.
    [InlineData("""
        sealed class DualDevice { public MmStruct Mm = null!; public HmmMirror Gpu = null!; public HmmMirror Dma = null!; }
        static class Driver
        {
            public static int Bind(DualDevice device, HmmMirror spare, HmmRange range) =>
                HmmApi.RangeRegister(range, {|#0:device.Mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "device.Mm", "device.Gpu\ndevice.Dma")]
    // Two static mirrors beside a static mm.
    [InlineData("""
        static class GpuGlobals
        {
            private static MmStruct s_mm = null!;
            private static HmmMirror s_gpu = null!;
            private static HmmMirror s_dma = null!;
            public static int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:s_mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "s_mm", "s_gpu\ns_dma")]
    // A mirror field and a captured mirror parameter beside a captured mm.
    [InlineData("""
        sealed class GpuDevice(MmStruct mm, HmmMirror primary, IHmmMirrorOps ops)
        {
            private readonly HmmMirror shadow = new HmmMirror(ops);
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
            public void Release() => primary.Ops.Release(primary);
        }
        """, "mm", "shadow\nprimary")]
    // A property that does more than return the field is a mirror of its own to choose.
    [InlineData("""
        sealed class GpuDevice(MmStruct mm, HmmMirror primary, HmmMirror fallback)
        {
            public HmmMirror Mirror => primary.IsRegistered ? primary : fallback;
            public int Bind(HmmRange range) => HmmApi.RangeRegister(range, {|#0:mm|}, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """, "mm", "Mirror\nprimary\nfallback")]
    public async Task Several_mirrors_of_the_owner_are_each_a_candidate(string declarations, string mm, string mirrors)
    {
        var expected = string.Join(" or ", mirrors.Split('\n').Select(m => $"'{m}'"));
        await VerifyAsync("using Hmm;\n\n" + declarations, Hmm001("range", mm, expected));
        Assert.Equal(mirrors, await DiagnosticRunner.SinglePropertyAsync(
            new LegacyRangeRegisterAnalyzer(), "using Hmm;\n\n" + declarations.Replace("{|#0:", "").Replace("|}", "") + DriverCode.Types, DiagnosticProperties.MirrorCandidates));
    }

    [Theory]
    // An instance mirror is not the sibling of a static mm, and a static method has no `this`.
    [InlineData("""
        sealed class GpuDevice
        {
            private static MmStruct s_mm = null!;
            private HmmMirror mirror = null!;
            public static int Bind(HmmRange range) => HmmApi.RangeRegister(range, s_mm, 0x1000, 0x2000, HmmApi.PageShift);
            public void Release() => mirror.Ops.Release(mirror);
        }
        """)]
    // A captured mirror parameter is not reachable from a static method.
    [InlineData("""
        sealed class GpuDevice(HmmMirror mirror)
        {
            public static int Bind(MmStruct mm, HmmRange range) => HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
            public void Release() => mirror.Ops.Release(mirror);
        }
        """)]
    // A type parameter whose constraint has an mm and no mirror.
    [InlineData("""
        interface IAddressSpace { MmStruct Mm { get; } }
        static class Driver
        {
            public static int Bind<TSpace>(TSpace space, HmmRange range) where TSpace : IAddressSpace =>
                HmmApi.RangeRegister(range, space.Mm, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """)]
    // Two interfaces that each declare `Mirror`: `ctx.Mirror` would not compile (CS0229).
    [InlineData("""
        interface IGpu { HmmMirror Mirror { get; } }
        interface IDma { HmmMirror Mirror { get; } }
        interface IDeviceContext : IGpu, IDma { MmStruct Mm { get; } }
        static class Driver
        {
            public static int Bind(IDeviceContext ctx, HmmRange range) =>
                HmmApi.RangeRegister(range, ctx.Mm, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """)]
    // The owner's mirror, unregistered by this method.
    [InlineData("""
        static class GpuGlobals
        {
            private static MmStruct s_mm = null!;
            private static HmmMirror s_mirror = null!;
            public static int Bind(HmmRange range)
            {
                HmmApi.MirrorUnregister(s_mirror);
                return HmmApi.RangeRegister(range, s_mm, 0x1000, 0x2000, HmmApi.PageShift);
            }
        }
        """)]
    // A lambda in a struct cannot use `this` (CS1673): the struct's mirror is out of its reach.
    [InlineData("""
        struct DeviceState
        {
            private MmStruct mm;
            private HmmMirror mirror;
            public DeviceState(MmStruct mm, HmmMirror mirror) { this.mm = mm; this.mirror = mirror; }
            public System.Func<HmmRange, MmStruct, int> Binder() => (range, mm) => HmmApi.RangeRegister(range, mm, 0x1000, 0x2000, HmmApi.PageShift);
        }
        """)]
    public async Task An_owner_with_no_mirror_that_can_be_used_here_is_not_this_rules(string declarations)
    {
        await VerifyAsync("using Hmm;\n\n" + declarations);
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

    [Theory]
    [InlineData("using static Hmm.HmmApi;", "RangeRegister")]
    [InlineData("using Api = Hmm.HmmApi;", "Api.RangeRegister")]
    [InlineData("", "global::Hmm.HmmApi.RangeRegister")]
    [InlineData("", "Hmm.HmmApi.RangeRegister")]
    public async Task Every_spelling_of_the_call(string usingDirective, string callee)
    {
        await VerifyAsync($$"""
            using Hmm;
            {{usingDirective}}

            static class Svm
            {
                public static int Populate(NouveauSvmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = {{callee}}(range, {|#0:svmm.Mm|}, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
            Verify.Diagnostic("HMM001").WithLocation(0).WithArguments(callee, "range", "svmm.Mm", "'svmm.Mirror'"));
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
