using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.CodeFixes.Tests.Verifiers.CodeFixVerifier<Hmm.CodeFixes.AddMirrorParameterFix>;

namespace Hmm.CodeFixes.Tests;

/// <summary>
/// HMM002: the method takes the mirror as a parameter, and every caller passes its own live
/// mirror, or gets a compile error that says one is needed.
/// </summary>
public class AddMirrorParameterFixTests
{
    private const string Missing = "/* HMM002: no live HmmMirror of this mm here; pass the mirror registered for it */ {|#0:HMM002_PassTheCallersLiveMirror|}";

    [Fact]
    public async Task The_method_takes_the_mirror_and_its_caller_passes_its_own()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Fault(HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Run(HmmMirror gpu, HmmRange range) => Fault(range);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Fault(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.VmaFault(mirror, range, true);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Run(HmmMirror gpu, HmmRange range) => Fault(range, gpu);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    /// <summary>
    /// A caller whose only live mirror is another mm's (the one beside this.Mm) passes no
    /// mirror for the mm it hands on: the range would land in the wrong address space.
    /// </summary>
    [Fact]
    public async Task A_caller_with_the_mirror_of_another_mm_gets_a_compile_error_not_that_mirror()
    {
        const string source = """
            using Hmm;

            static class Lib
            {
                public static int Register(HmmRange range, MmStruct mm) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
            }

            sealed class Device
            {
                public HmmMirror Mirror = null!;
                public MmStruct Mm = null!;

                int Own(HmmRange range) => Lib.Register(range, Mm);

                int Other(HmmRange range, MmStruct other) => Lib.Register(range, other);
            }
            """;
        const string fixedSource = $$"""
            using Hmm;

            static class Lib
            {
                public static int Register(HmmRange range, HmmMirror mirror) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
            }

            sealed class Device
            {
                public HmmMirror Mirror = null!;
                public MmStruct Mm = null!;

                int Own(HmmRange range) => Lib.Register(range, Mirror);

                int Other(HmmRange range, MmStruct other) => Lib.Register(range, {{Missing}});
            }
            """;
        var test = Verify.Create(source, fixedSource);
        test.FixedState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0103").WithLocation(0).WithArguments(AddMirrorParameterFix.MissingMirror));
        await test.RunAsync();
    }

    /// <summary>A constructor's caller through a target-typed <c>new</c> passes its mirror too.</summary>
    [Fact]
    public async Task A_constructors_target_typed_caller_passes_its_mirror()
    {
        const string source = """
            using Hmm;

            sealed class Pager
            {
                public Pager(HmmRange range, MmStruct mm)
                {
                    Result = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                }

                public int Result { get; }
            }

            static class Driver
            {
                static int Run(NouveauSvmm svmm, HmmRange range)
                {
                    Pager pager = new(range, svmm.Mm);
                    return pager.Result;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            sealed class Pager
            {
                public Pager(HmmRange range, HmmMirror mirror)
                {
                    Result = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                }

                public int Result { get; }
            }

            static class Driver
            {
                static int Run(NouveauSvmm svmm, HmmRange range)
                {
                    Pager pager = new(range, svmm.Mirror);
                    return pager.Result;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    /// <summary>A caller that reaches the mm through <c>?.</c> keeps its <c>?.</c> and <c>!</c>: only the name changes.</summary>
    [Fact]
    public async Task A_caller_that_reaches_the_mm_through_a_null_conditional_keeps_it()
    {
        const string source = """
            using Hmm;

            static class Lib
            {
                public static int Register(HmmRange range, MmStruct mm) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};

                public static int Bind(this MmStruct mm, HmmRange range) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};

                static int Argument(NouveauSvmm? svmm, HmmRange range) => Register(range, svmm?.Mm!);

                static int Receiver(NouveauSvmm? svmm, HmmRange range) => svmm?.Mm.Bind(range) ?? -Errno.EFAULT;
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Lib
            {
                public static int Register(HmmRange range, HmmMirror mirror) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);

                public static int Bind(this HmmMirror mirror, HmmRange range) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);

                static int Argument(NouveauSvmm? svmm, HmmRange range) => Register(range, svmm?.Mirror!);

                static int Receiver(NouveauSvmm? svmm, HmmRange range) => svmm?.Mirror.Bind(range) ?? -Errno.EFAULT;
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_caller_passes_the_mirror_of_the_mm_it_passes_or_gets_a_compile_error()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, MmStruct mm)
                {
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static int FromSvmm(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mm);

                static int FromNowhere(MmStruct mm, HmmRange range) => Register(range, mm);
            }
            """;
        const string fixedSource = $$"""
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static int FromSvmm(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mirror);

                static int FromNowhere(MmStruct mm, HmmRange range) => Register(range, {{Missing}});
            }
            """;
        var test = Verify.Create(source, fixedSource);
        test.FixedState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0103").WithLocation(0).WithArguments(AddMirrorParameterFix.MissingMirror));
        await test.RunAsync();
    }

    [Fact]
    public async Task The_name_avoids_what_the_method_uses_and_the_layout_stays()
    {
        const string source = """
            using System;
            using Hmm;

            static class Driver
            {
                static int Fault(
                    HmmRange range,   // already snapshotted
                    string mirror)    // the device's name, for the log
                {
                    Console.WriteLine(mirror);
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Run(NouveauSvmm svmm, HmmRange range) => Fault(
                    range,
                    "gpu0");
            }
            """;
        const string fixedSource = """
            using System;
            using Hmm;

            static class Driver
            {
                static int Fault(
                    HmmRange range,   // already snapshotted
                    string mirror,    // the device's name, for the log
                    HmmMirror mirror1)
                {
                    Console.WriteLine(mirror);
                    int ret = HmmApi.VmaFault(mirror1, range, true);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Run(NouveauSvmm svmm, HmmRange range) => Fault(
                    range,
                    "gpu0",
                    svmm.Mirror);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Local_functions_extension_methods_optional_parameters_and_constructors()
    {
        const string source = """
            using Hmm;

            static class RangeExtensions
            {
                public static int Fault(this HmmRange range, bool block = true)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, block)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }

            sealed class Populator
            {
                public Populator(HmmRange range, MmStruct mm)
                {
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    Result = ret;
                }

                public int Result { get; }
            }

            static class Driver
            {
                static int Run(NouveauSvmm svmm, HmmRange range)
                {
                    return range.Fault();
                }

                static int Retry(HmmRange range)
                {
                    return Again(range);

                    static int Again(HmmRange range)
                    {
                        int ret = {|HMM002:HmmApi.VmaFault(range, false)|};
                        if (ret < 0)
                            return ret;
                        HmmApi.VmaRangeDone(range);
                        return 0;
                    }
                }

                static int Populate(NouveauSvmm svmm, HmmRange range) => new Populator(range, svmm.Mm).Result;
            }
            """;
        const string fixedSource = $$"""
            using Hmm;

            static class RangeExtensions
            {
                public static int Fault(this HmmRange range, HmmMirror mirror, bool block = true)
                {
                    int ret = HmmApi.VmaFault(mirror, range, block);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }

            sealed class Populator
            {
                public Populator(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    Result = ret;
                }

                public int Result { get; }
            }

            static class Driver
            {
                static int Run(NouveauSvmm svmm, HmmRange range)
                {
                    return range.Fault(svmm.Mirror);
                }

                static int Retry(HmmRange range)
                {
                    return Again(range, {{Missing}});

                    static int Again(HmmRange range, HmmMirror mirror)
                    {
                        int ret = HmmApi.VmaFault(mirror, range, false);
                        if (ret < 0)
                            return ret;
                        HmmApi.VmaRangeDone(range);
                        return 0;
                    }
                }

                static int Populate(NouveauSvmm svmm, HmmRange range) => new Populator(range, svmm.Mirror).Result;
            }
            """;
        // Retry has no mirror to give: a local function's caller is no exception.
        var test = Verify.Create(source, fixedSource);
        test.FixedState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0103").WithLocation(0).WithArguments(AddMirrorParameterFix.MissingMirror));
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_adds_one_parameter_per_method_and_updates_callers_across_projects_once()
    {
        const string library = """
            using Hmm;

            /// <summary>Page-table snapshots for the device.</summary>
            public static class Faults
            {
                /// <summary>Snapshots the range, faulting it in when the snapshot fails.</summary>
                public static long Snapshot(HmmRange range, MmStruct mm)
                {
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    long pages = HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    if (pages >= 0)
                        return pages;

                    ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                internal static long Refresh(NouveauSvmm svmm, HmmRange range) => Snapshot(range, svmm.Mm);
            }
            """;
        const string caller = """
            using Hmm;

            static class OtherDriver
            {
                static long Refresh(HmmMirror gpu, HmmRange range, MmStruct mm) => Faults.Snapshot(range, mm);
            }
            """;
        const string libraryFixed = """
            using Hmm;

            /// <summary>Page-table snapshots for the device.</summary>
            public static class Faults
            {
                /// <summary>Snapshots the range, faulting it in when the snapshot fails.</summary>
                public static long Snapshot(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    long pages = HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    if (pages >= 0)
                        return pages;

                    ret = HmmApi.VmaFault(mirror, range, true);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                internal static long Refresh(NouveauSvmm svmm, HmmRange range) => Snapshot(range, svmm.Mirror);
            }
            """;
        var test = Verify.Create(library, libraryFixed);
        var other = Verify.DriverProject("OtherDriver", caller);
        other.AdditionalProjectReferences.Add("TestProject");
        test.TestState.AdditionalProjects.Add("OtherDriver", other);
        var otherFixed = Verify.DriverProject("OtherDriver", caller.Replace("Faults.Snapshot(range, mm)", "Faults.Snapshot(range, gpu)"));
        otherFixed.AdditionalProjectReferences.Add("TestProject");
        test.FixedState.AdditionalProjects.Add("OtherDriver", otherFixed);

        // One fix at a time: the first site adds the parameter; the VmaFault below then has a
        // live mirror in scope and is HMM004's to fix, no longer HMM002's.
        test.FixedState.Sources.Clear();
        test.FixedState.Sources.Add(libraryFixed.Replace("ret = HmmApi.VmaFault(mirror, range, true);", "ret = {|HMM004:HmmApi.VmaFault(range, true)|};"));
        test.FixedState.Sources.Add(("DriverTypes.cs", Verify.DriverTypes));
        test.BatchFixedState.Sources.Add(libraryFixed);
        test.BatchFixedState.Sources.Add(("DriverTypes.cs", Verify.DriverTypes));
        test.BatchFixedState.AdditionalProjects.Add("OtherDriver", otherFixed);
        test.NumberOfIncrementalIterations = 1;
        await test.RunAsync();
    }

    [Fact]
    public async Task A_documented_method_documents_its_new_parameter()
    {
        const string source = """
            using Hmm;

            /// <summary>Device page faults.</summary>
            public static class Faults
            {
                /// <summary>Faults <paramref name="range"/> in for the device.</summary>
                /// <param name="range">A range whose pfns the device will use.</param>
                /// <returns>0, or a negative errno.</returns>
                public static int Fault(HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            /// <summary>Device page faults.</summary>
            public static class Faults
            {
                /// <summary>Faults <paramref name="range"/> in for the device.</summary>
                /// <param name="range">A range whose pfns the device will use.</param>
                /// <param name="mirror">The live mirror of the range's mm, from the caller.</param>
                /// <returns>0, or a negative errno.</returns>
                public static int Fault(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.VmaFault(mirror, range, true);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task The_mirror_goes_before_an_out_parameter_at_the_declaration_its_documentation_and_every_call()
    {
        // RangeResidency.Snapshot in samples/LegacyDrivers: the range comes back through out.
        const string source = """
            using Hmm;

            /// <summary>Residency of user ranges; see <see cref="Residency.Snapshot(MmStruct, ulong, ulong, out HmmRange)"/>.</summary>
            public static class Residency
            {
                /// <summary>Snapshots [start, end) of <paramref name="mm"/> into a new range.</summary>
                /// <param name="mm">The process whose pages are walked.</param>
                /// <param name="start">First address.</param>
                /// <param name="end">End address, exclusive.</param>
                /// <param name="range">The range, its pfns filled in.</param>
                /// <returns>The number of pages walked, or a negative errno.</returns>
                public static long Snapshot(MmStruct mm, ulong start, ulong end, out HmmRange range)
                {
                    range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    mm.MmapSem.DownRead();
                    long pages = HmmApi.RangeSnapshot(range);
                    mm.MmapSem.UpRead();
                    HmmApi.RangeUnregister(range);
                    return pages;
                }

                internal static long Resident(NouveauSvmm svmm, ulong start, ulong end) => Snapshot(svmm.Mm, start, end, out _);

                internal static long Window(NouveauSvmm svmm, ulong addr)
                {
                    long ret = Snapshot(svmm.Mm, addr, addr + 0x10000, out HmmRange range);
                    return ret < 0 ? ret : range.Pfns!.Length;
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            /// <summary>Residency of user ranges; see <see cref="Residency.Snapshot(MmStruct, ulong, ulong, HmmMirror, out HmmRange)"/>.</summary>
            public static class Residency
            {
                /// <summary>Snapshots [start, end) of <paramref name="mm"/> into a new range.</summary>
                /// <param name="mm">The process whose pages are walked.</param>
                /// <param name="start">First address.</param>
                /// <param name="end">End address, exclusive.</param>
                /// <param name="mirror">The live mirror of the range's mm, from the caller.</param>
                /// <param name="range">The range, its pfns filled in.</param>
                /// <returns>The number of pages walked, or a negative errno.</returns>
                public static long Snapshot(MmStruct mm, ulong start, ulong end, HmmMirror mirror, out HmmRange range)
                {
                    range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    mm.MmapSem.DownRead();
                    long pages = HmmApi.RangeSnapshot(range);
                    mm.MmapSem.UpRead();
                    HmmApi.RangeUnregister(range);
                    return pages;
                }

                internal static long Resident(NouveauSvmm svmm, ulong start, ulong end) => Snapshot(svmm.Mm, start, end, svmm.Mirror, out _);

                internal static long Window(NouveauSvmm svmm, ulong addr)
                {
                    long ret = Snapshot(svmm.Mm, addr, addr + 0x10000, svmm.Mirror, out HmmRange range);
                    return ret < 0 ? ret : range.Pfns!.Length;
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Named_arguments_stay_named_and_every_call_still_binds()
    {
        const string source = """
            using Hmm;

            static class Residency
            {
                static long Snapshot(MmStruct mm, ulong start, ulong end, out HmmRange range)
                {
                    range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    mm.MmapSem.DownRead();
                    long pages = HmmApi.RangeSnapshot(range);
                    mm.MmapSem.UpRead();
                    HmmApi.RangeUnregister(range);
                    return pages;
                }

                // Named out of order: the mirror joins them, named, at the end.
                static long AllNamed(NouveauSvmm svmm, ulong start) =>
                    Snapshot(end: start + 0x1000, start: start, mm: svmm.Mm, range: out _);

                // Positional up to the mirror's place: it goes there, positional; the named rest stays.
                static long NamedAfter(NouveauSvmm svmm, ulong start) =>
                    Snapshot(svmm.Mm, start, start + 0x1000, range: out _);

                // Named in position before positional ones (C# 7.2): the mirror is named in its own position.
                static long NamedInPosition(NouveauSvmm svmm, ulong start) =>
                    Snapshot(svmm.Mm, start: start, start + 0x1000, out _);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Residency
            {
                static long Snapshot(MmStruct mm, ulong start, ulong end, HmmMirror mirror, out HmmRange range)
                {
                    range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    mm.MmapSem.DownRead();
                    long pages = HmmApi.RangeSnapshot(range);
                    mm.MmapSem.UpRead();
                    HmmApi.RangeUnregister(range);
                    return pages;
                }

                // Named out of order: the mirror joins them, named, at the end.
                static long AllNamed(NouveauSvmm svmm, ulong start) =>
                    Snapshot(end: start + 0x1000, start: start, mm: svmm.Mm, range: out _, mirror: svmm.Mirror);

                // Positional up to the mirror's place: it goes there, positional; the named rest stays.
                static long NamedAfter(NouveauSvmm svmm, ulong start) =>
                    Snapshot(svmm.Mm, start, start + 0x1000, svmm.Mirror, range: out _);

                // Named in position before positional ones (C# 7.2): the mirror is named in its own position.
                static long NamedInPosition(NouveauSvmm svmm, ulong start) =>
                    Snapshot(svmm.Mm, start: start, start + 0x1000, mirror: svmm.Mirror, out _);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task The_mirror_goes_before_optional_parameters_which_callers_may_leave_out()
    {
        // Appended after "bool block = true", a required mirror would not compile (CS1737).
        const string source = """
            using Hmm;

            static class Faults
            {
                static int Fault(HmmRange range, bool block = true, int retries = 3)
                {
                    int ret;
                    do
                    {
                        ret = {|HMM002:HmmApi.VmaFault(range, block)|};
                    }
                    while (ret == -Errno.EBUSY && --retries > 0);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Defaults(NouveauSvmm svmm, HmmRange range) => Fault(range);

                static int Positional(NouveauSvmm svmm, HmmRange range) => Fault(range, false, 1);

                static int SkipsOne(NouveauSvmm svmm, HmmRange range) => Fault(range, retries: 1);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Faults
            {
                static int Fault(HmmRange range, HmmMirror mirror, bool block = true, int retries = 3)
                {
                    int ret;
                    do
                    {
                        ret = HmmApi.VmaFault(mirror, range, block);
                    }
                    while (ret == -Errno.EBUSY && --retries > 0);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Defaults(NouveauSvmm svmm, HmmRange range) => Fault(range, svmm.Mirror);

                static int Positional(NouveauSvmm svmm, HmmRange range) => Fault(range, svmm.Mirror, false, 1);

                static int SkipsOne(NouveauSvmm svmm, HmmRange range) => Fault(range, svmm.Mirror, retries: 1);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task The_mirror_goes_before_a_params_array_expanded_or_not()
    {
        const string source = """
            using Hmm;

            static class Prefetch
            {
                static long Resident(MmStruct mm, params HmmRange[] ranges)
                {
                    long total = 0;
                    foreach (var range in ranges)
                    {
                        int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                        mm.MmapSem.DownRead();
                        long pages = HmmApi.RangeSnapshot(range);
                        mm.MmapSem.UpRead();
                        HmmApi.RangeUnregister(range);
                        if (pages < 0)
                            return pages;
                        total += pages;
                    }

                    return total;
                }

                static long None(NouveauSvmm svmm) => Resident(svmm.Mm);

                static long Expanded(NouveauSvmm svmm, HmmRange text, HmmRange data) => Resident(svmm.Mm, text, data);

                static long Array(NouveauSvmm svmm, HmmRange[] vmas) => Resident(svmm.Mm, vmas);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Prefetch
            {
                static long Resident(MmStruct mm, HmmMirror mirror, params HmmRange[] ranges)
                {
                    long total = 0;
                    foreach (var range in ranges)
                    {
                        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                        if (ret != 0)
                            return ret;
                        mm.MmapSem.DownRead();
                        long pages = HmmApi.RangeSnapshot(range);
                        mm.MmapSem.UpRead();
                        HmmApi.RangeUnregister(range);
                        if (pages < 0)
                            return pages;
                        total += pages;
                    }

                    return total;
                }

                static long None(NouveauSvmm svmm) => Resident(svmm.Mm, svmm.Mirror);

                static long Expanded(NouveauSvmm svmm, HmmRange text, HmmRange data) => Resident(svmm.Mm, svmm.Mirror, text, data);

                static long Array(NouveauSvmm svmm, HmmRange[] vmas) => Resident(svmm.Mm, svmm.Mirror, vmas);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task Fix_all_threads_the_mirror_through_a_chain_of_helpers_across_documents()
    {
        // Prefetch.Resident faults each range in, then snapshots it with Residency.Snapshot:
        // both take the mirror, Resident hands its own on, and the driver passes svmm's.
        const string prefetch = """
            using Hmm;

            static class Prefetch
            {
                internal static long Resident(MmStruct mm, params HmmRange[] ranges)
                {
                    long total = 0;
                    foreach (var range in ranges)
                    {
                        int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                        if (ret < 0)
                            return ret;
                        HmmApi.VmaRangeDone(range);
                        long pages = Residency.Snapshot(mm, range.Start, range.End, out _);
                        if (pages < 0)
                            return pages;
                        total += pages;
                    }

                    return total;
                }

                static long Run(NouveauSvmm svmm, HmmRange text, HmmRange data) => Resident(svmm.Mm, text, data);
            }
            """;
        const string residency = """
            using Hmm;

            static class Residency
            {
                internal static long Snapshot(MmStruct mm, ulong start, ulong end, out HmmRange range, bool block = true)
                {
                    range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    long pages = block ? HmmApi.RangeSnapshot(range) : 0;
                    HmmApi.RangeUnregister(range);
                    return pages;
                }
            }
            """;
        const string prefetchFixed = """
            using Hmm;

            static class Prefetch
            {
                internal static long Resident(MmStruct mm, HmmMirror mirror, params HmmRange[] ranges)
                {
                    long total = 0;
                    foreach (var range in ranges)
                    {
                        int ret = HmmApi.VmaFault(mirror, range, true);
                        if (ret < 0)
                            return ret;
                        HmmApi.VmaRangeDone(range);
                        long pages = Residency.Snapshot(mirror, range.Start, range.End, out _);
                        if (pages < 0)
                            return pages;
                        total += pages;
                    }

                    return total;
                }

                static long Run(NouveauSvmm svmm, HmmRange text, HmmRange data) => Resident(svmm.Mm, svmm.Mirror, text, data);
            }
            """;
        const string residencyFixed = """
            using Hmm;

            static class Residency
            {
                internal static long Snapshot(HmmMirror mirror, ulong start, ulong end, out HmmRange range, bool block = true)
                {
                    range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    long pages = block ? HmmApi.RangeSnapshot(range) : 0;
                    HmmApi.RangeUnregister(range);
                    return pages;
                }
            }
            """;
        var test = Verify.Create(prefetch, prefetchFixed);
        test.TestState.Sources.Add(("Residency.cs", residency));
        test.FixedState.Sources.Add(("Residency.cs", residencyFixed));
        await test.RunAsync();
    }

    [Fact]
    public async Task Calls_in_other_documents_nameof_and_crefs_do_not_pin_the_signature()
    {
        const string driver = """
            using System;
            using Hmm;

            static class Driver
            {
                internal static int Populate(HmmRange range, MmStruct mm)
                {
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                    {
                        Console.WriteLine($"{nameof(Populate)}: {ret}");
                        return ret;
                    }

                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string svm = """
            using Hmm;

            /// <summary>Populates through <see cref="Driver.Populate"/> and <see cref="Driver.Populate(HmmRange, MmStruct)"/>.</summary>
            static class Svm
            {
                static int Fault(NouveauSvmm svmm, HmmRange range) => Driver.Populate(range, svmm.Mm);

                static int Retry(NouveauSvmm svmm, HmmRange range) => Driver.Populate(range, svmm.Mm) == 0 ? 0 : Driver.Populate(range, svmm.Mm);
            }
            """;
        const string driverFixed = """
            using System;
            using Hmm;

            static class Driver
            {
                internal static int Populate(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                    {
                        Console.WriteLine($"{nameof(Populate)}: {ret}");
                        return ret;
                    }

                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;
        const string svmFixed = """
            using Hmm;

            /// <summary>Populates through <see cref="Driver.Populate"/> and <see cref="Driver.Populate(HmmRange, HmmMirror)"/>.</summary>
            static class Svm
            {
                static int Fault(NouveauSvmm svmm, HmmRange range) => Driver.Populate(range, svmm.Mirror);

                static int Retry(NouveauSvmm svmm, HmmRange range) => Driver.Populate(range, svmm.Mirror) == 0 ? 0 : Driver.Populate(range, svmm.Mirror);
            }
            """;
        var test = Verify.Create(driver, driverFixed);
        test.TestState.Sources.Add(("Svm.cs", svm));
        test.FixedState.Sources.Add(("Svm.cs", svmFixed));
        await test.RunAsync();
    }

    /// <summary>
    /// Where the method is a delegate's target, the delegate's type fixes its parameters: the
    /// mirror has to reach it some other way (a field, a closure), which only the author can choose.
    /// </summary>
    [Theory]
    [InlineData("Action<HmmRange> fault = Fault;")]
    [InlineData("queue.Faulted += Fault;")]
    [InlineData("Array.ForEach(ranges, Fault);")]
    [InlineData("Action<HmmRange> fault = new Action<HmmRange>(Fault);")]
    public async Task No_action_for_a_method_that_is_also_a_delegate(string use)
    {
        string source = $$"""
            using System;
            using Hmm;

            sealed class FaultQueue
            {
                public event Action<HmmRange>? Faulted;

                public void Raise(HmmRange range) => Faulted?.Invoke(range);
            }

            static class Driver
            {
                static void Fault(HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return;
                    HmmApi.VmaRangeDone(range);
                }

                static void Calls(HmmRange range) => Fault(range);

                static void Uses(FaultQueue queue, HmmRange[] ranges)
                {
                    {{use}}
                    GC.KeepAlive(queue);
                }
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source);
    }

    /// <summary>
    /// Registering the action reads the document only (a lightbulb stays cheap in a large
    /// solution); the solution-wide search in the action finds the delegate in Queue.cs, and
    /// the action leaves Fault as it is, in the single fix as in fix-all.
    /// </summary>
    [Fact]
    public async Task A_method_that_is_a_delegate_in_another_document_keeps_its_shape()
    {
        const string driver = """
            using Hmm;

            static class Driver
            {
                internal static int Fault(HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Register(HmmRange range, MmStruct mm) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mm);
            }
            """;
        const string queue = """
            using System;
            using Hmm;

            static class Queue
            {
                internal static Func<HmmRange, int> Handler { get; } = Driver.Fault;
            }
            """;
        var driverFixed = driver
            .Replace("static int Register(HmmRange range, MmStruct mm)", "static int Register(HmmRange range, HmmMirror mirror)")
            .Replace("{|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|}", "HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)")
            .Replace("Register(range, svmm.Mm);", "Register(range, svmm.Mirror);");
        var test = Verify.Create(driver, driverFixed);
        test.TestState.Sources.Add(("Queue.cs", queue));
        test.FixedState.Sources.Add(("Queue.cs", queue));
        test.FixedState.MarkupHandling = MarkupMode.Allow; // Fault's HMM002 stays.
        await test.RunAsync();
    }

    /// <summary>
    /// A constructor callable without arguments is also called where no call is written: by
    /// a derived class's constructor (an implicit <c>base()</c>), so its shape is pinned too.
    /// </summary>
    [Fact]
    public async Task No_action_for_a_constructor_a_derived_class_calls_implicitly()
    {
        const string source = """
            using Hmm;

            class RangePopulator
            {
                protected static readonly MmStruct Mm = new();

                public RangePopulator(ulong start = 0, ulong end = 0x1000)
                {
                    var range = new HmmRange();
                    Result = {|HMM002:HmmApi.RangeRegister(range, Mm, start, end, HmmApi.PageShift)|};
                    if (Result == 0)
                        HmmApi.RangeUnregister(range);
                }

                public int Result { get; }
            }

            sealed class GpuPopulator : RangePopulator
            {
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source);
    }

    /// <summary>
    /// The base's own method implements the interface for a derived type
    /// (<c>class Binder : BinderBase, IBinder</c>): a new parameter would leave IBinder.Bind unimplemented.
    /// </summary>
    [Fact]
    public async Task No_action_when_a_derived_type_implements_an_interface_through_the_method()
    {
        const string source = """
            using Hmm;

            interface IBinder
            {
                int Bind(HmmRange range, MmStruct mm);
            }

            class BinderBase
            {
                public int Bind(HmmRange range, MmStruct mm) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
            }

            sealed class Binder : BinderBase, IBinder
            {
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source);
    }

    [Fact]
    public async Task No_action_when_an_overload_already_takes_the_mirror_there()
    {
        const string source = """
            using Hmm;

            static class Faults
            {
                // Legacy, kept for the callers not migrated yet.
                static int Fault(HmmRange range, bool block = true)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, block)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Fault(HmmRange range, HmmMirror mirror, bool block = true)
                {
                    int ret = HmmApi.VmaFault(mirror, range, block);
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Run(NouveauSvmm svmm, HmmRange range) => Fault(range) == 0 ? 0 : Fault(range, svmm.Mirror, false);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source);
    }

    [Fact]
    public async Task Fix_all_skips_the_methods_that_are_delegates_and_fixes_the_others()
    {
        const string source = """
            using System;
            using Hmm;

            static class Driver
            {
                static int Fault(HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Register(HmmRange range, MmStruct mm)
                {
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static Func<HmmRange, int> Handler { get; } = Fault;

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mm) == 0 ? Fault(range) : -1;
            }
            """;
        const string fixedSource = """
            using System;
            using Hmm;

            static class Driver
            {
                static int Fault(HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                static int Register(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static Func<HmmRange, int> Handler { get; } = Fault;

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mirror) == 0 ? Fault(range) : -1;
            }
            """;
        var test = Verify.Create(source, fixedSource);
        test.FixedState.MarkupHandling = MarkupMode.Allow; // Fault's HMM002 stays, with no fix.
        await test.RunAsync();
    }

    [Fact]
    public async Task No_action_where_the_signature_is_not_the_methods_own()
    {
        const string source = """
            using System;
            using Hmm;

            interface IFaulter
            {
                int Fault(HmmRange range);
            }

            sealed class Faulter : IFaulter
            {
                public int Fault(HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                }

                public static Func<HmmRange, int> Lambda { get; } = range =>
                {
                    int ret = {|HMM002:HmmApi.VmaFault(range, true)|};
                    if (ret < 0)
                        return ret;
                    HmmApi.VmaRangeDone(range);
                    return 0;
                };
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source);
    }

    /// <summary>
    /// The kernel's own change: <c>hmm_range_register(range, mm)</c> became
    /// <c>hmm_range_register(range, mirror)</c>. An extension on the mm becomes one on the
    /// mirror, called on the caller's; <c>svmmMm</c> becomes <c>svmmMirror</c>; a named mm
    /// argument becomes the named mirror; the documentation follows.
    /// </summary>
    [Fact]
    public async Task The_mirror_replaces_an_mm_used_only_by_the_legacy_calls_extension_this_included()
    {
        const string source = """
            using Hmm;

            static class MmExtensions
            {
                /// <summary>Registers <paramref name="range"/> with <paramref name="mm"/>.</summary>
                /// <param name="mm">The process whose pages the range covers.</param>
                /// <param name="range">The range to register.</param>
                public static int RegisterRange(this MmStruct mm, HmmRange range) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
            }

            static class Driver
            {
                static int Bind(HmmRange range, MmStruct svmmMm, ulong start)
                {
                    int ret = {|HMM002:HmmApi.RangeRegister(range, svmmMm, start, start + 0x1000, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static int Run(NouveauSvmm svmm, HmmRange range)
                {
                    int ret = svmm.Mm.RegisterRange(range);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    return Bind(range, svmmMm: svmm.Mm, start: 0) + MmExtensions.RegisterRange(svmm.Mm, range);
                }
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class MmExtensions
            {
                /// <summary>Registers <paramref name="range"/> with <paramref name="mirror"/>.</summary>
                /// <param name="mirror">The live mirror of the range's mm, from the caller.</param>
                /// <param name="range">The range to register.</param>
                public static int RegisterRange(this HmmMirror mirror, HmmRange range) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
            }

            static class Driver
            {
                static int Bind(HmmRange range, HmmMirror svmmMirror, ulong start)
                {
                    int ret = HmmApi.RangeRegister(range, svmmMirror, start, start + 0x1000, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static int Run(NouveauSvmm svmm, HmmRange range)
                {
                    int ret = svmm.Mirror.RegisterRange(range);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    return Bind(range, svmmMirror: svmm.Mirror, start: 0) + MmExtensions.RegisterRange(svmm.Mirror, range);
                }
            }
            """;
        var test = Verify.Create(source, fixedSource);
        test.NumberOfFixAllIterations = 1;
        await test.RunAsync();
    }

    /// <summary>
    /// Callers in another document and in another project pass their mirror in the mm's place,
    /// or a compile error that says none is live; fix-all at solution scope does it in one run,
    /// and a second run finds nothing to change.
    /// </summary>
    [Fact]
    public async Task Callers_in_other_documents_and_projects_pass_their_mirror_in_the_mms_place()
    {
        const string library = """
            using Hmm;

            /// <summary>Which pages of a range the CPU has present.</summary>
            public static class Residency
            {
                /// <summary>Snapshots the range: the number of pages walked, or a negative errno.</summary>
                public static long Snapshot(MmStruct mm, HmmRange range)
                {
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    long pages = HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    return pages;
                }
            }
            """;
        const string svm = """
            using Hmm;

            static class Svm
            {
                static long Resident(NouveauSvmm svmm, HmmRange range) => Residency.Snapshot(svmm.Mm, range);

                static long Own(MmStruct mm, HmmRange range)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    return Residency.Snapshot(mm, range);
                }
            }
            """;
        const string caller = """
            using Hmm;

            static class Gpu
            {
                static long Resident(MmStruct mm, HmmRange range) => Residency.Snapshot(mm, range);
            }
            """;
        const string missing = "/* HMM002: no live HmmMirror of this mm here; pass the mirror registered for it */ {|#0:HMM002_PassTheCallersLiveMirror|}";
        var test = Verify.Create(library, library
            .Replace("Snapshot(MmStruct mm, HmmRange range)", "Snapshot(HmmMirror mirror, HmmRange range)")
            .Replace("{|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|}", "HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)"));
        test.TestState.Sources.Add(("Svm.cs", svm));
        test.FixedState.Sources.Add(("Svm.cs", svm
            .Replace("Residency.Snapshot(svmm.Mm, range)", "Residency.Snapshot(svmm.Mirror, range)")
            .Replace("return Residency.Snapshot(mm, range);", "return Residency.Snapshot(mirror, range);")));
        var other = Verify.DriverProject("Gpu", caller);
        other.AdditionalProjectReferences.Add("TestProject");
        test.TestState.AdditionalProjects.Add("Gpu", other);
        var otherFixed = Verify.DriverProject("Gpu", caller.Replace("Residency.Snapshot(mm, range)", "Residency.Snapshot(" + missing + ", range)"));
        otherFixed.AdditionalProjectReferences.Add("TestProject");
        test.FixedState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0103").WithLocation(0).WithArguments(AddMirrorParameterFix.MissingMirror));
        test.FixedState.AdditionalProjects.Add("Gpu", otherFixed);
        test.NumberOfFixAllIterations = 1;
        await test.RunAsync();
    }

    /// <summary>
    /// A helper that registers with its range's vma's mm (<c>range.Vma!.Mm</c>): a caller that
    /// found that vma in <c>svmm.Mm</c> passes <c>svmm.Mirror</c>; one whose mirror is not known
    /// to be that mm's gets the compile error, not its mirror (the <c>!</c> changes neither).
    /// </summary>
    [Fact]
    public async Task A_helper_on_its_ranges_vma_mm_gets_the_mirror_of_the_mm_the_vma_was_found_in()
    {
        const string source = """
            using Hmm;

            static class Lib
            {
                public static int Register(HmmRange range) =>
                    {|HMM002:HmmApi.RangeRegister(range, range.Vma!.Mm, range.Start, range.End, HmmApi.PageShift)|};
            }

            static class Driver
            {
                static int Found(NouveauSvmm svmm, HmmRange range)
                {
                    range.Vma = svmm.Mm.FindVma(range.Start);
                    return Lib.Register(range);
                }

                static int Unknown(HmmMirror gpu, HmmRange range) => Lib.Register(range);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Lib
            {
                public static int Register(HmmRange range, HmmMirror mirror) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
            }

            static class Driver
            {
                static int Found(NouveauSvmm svmm, HmmRange range)
                {
                    range.Vma = svmm.Mm.FindVma(range.Start);
                    return Lib.Register(range, svmm.Mirror);
                }

                static int Unknown(HmmMirror gpu, HmmRange range) => Lib.Register(range, MISSING);
            }
            """;
        var test = Verify.Create(source, fixedSource.Replace("MISSING", Missing));
        test.FixedState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0103").WithLocation(0).WithArguments(AddMirrorParameterFix.MissingMirror));
        await test.RunAsync();
    }

    /// <summary>
    /// A caller that wrote <c>ctx.Mm!</c> passes <c>ctx.Mirror!</c>, and <c>range!</c> stays: no
    /// nullable warning the legacy code did not have. The new parameter is non-null: <c>mm!</c>
    /// inside becomes a plain <c>mirror</c>.
    /// </summary>
    [Fact]
    public async Task A_caller_keeps_its_null_forgiving_operators()
    {
        const string source = """
            using Hmm;

            sealed class Session
            {
                public MmStruct? Mm { get; set; }
                public HmmMirror Mirror { get; set; } = null!;
            }

            static class Lib
            {
                public static int Register(HmmRange? range, MmStruct? mm) =>
                    {|HMM002:HmmApi.RangeRegister(range!, mm!, 0, 0x1000, HmmApi.PageShift)|};
            }

            static class Driver
            {
                static int Bind(Session ctx, HmmRange? range) => Lib.Register(range!, ctx.Mm!);
            }
            """;
        const string fixedSource = """
            using Hmm;

            sealed class Session
            {
                public MmStruct? Mm { get; set; }
                public HmmMirror Mirror { get; set; } = null!;
            }

            static class Lib
            {
                public static int Register(HmmRange? range, HmmMirror mirror) =>
                    HmmApi.RangeRegister(range!, mirror, 0, 0x1000, HmmApi.PageShift);
            }

            static class Driver
            {
                static int Bind(Session ctx, HmmRange? range) => Lib.Register(range!, ctx.Mirror!);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    /// <summary>
    /// The mm has another use (it takes mmap_sem, it is passed on): the mirror joins it. An mm
    /// handed in as computed code keeps the call that computes it.
    /// </summary>
    [Fact]
    public async Task The_mirror_is_added_where_the_mm_has_other_uses()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, MmStruct mm)
                {
                    mm.MmapSem.DownRead();
                    int ret = {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                    mm.MmapSem.UpRead();
                    return ret;
                }

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mm);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, MmStruct mm, HmmMirror mirror)
                {
                    mm.MmapSem.DownRead();
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    mm.MmapSem.UpRead();
                    return ret;
                }

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mm, svmm.Mirror);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, fixedSource);
    }

    [Fact]
    public async Task A_computed_mm_is_not_dropped_for_the_mirror()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, MmStruct mm) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};

                static MmStruct Current(NouveauSvmm svmm) => svmm.Mm;

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, Current(svmm));
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, HmmMirror mirror) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);

                static MmStruct Current(NouveauSvmm svmm) => svmm.Mm;

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, /* HMM002: the mm passed here is computed (Current(svmm)), which the mirror would drop; pass the mirror registered for it */ {|#0:HMM002_PassTheCallersLiveMirror|});
            }
            """;
        var test = Verify.Create(source, fixedSource);
        test.FixedState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0103").WithLocation(0).WithArguments(AddMirrorParameterFix.MissingMirror));
        await test.RunAsync();
    }

    /// <summary>
    /// A hand-migrated twin already has the shape the replaced parameter would give: a second
    /// one would not compile (CS0111), so no fix, in the lightbulb or in fix-all.
    /// </summary>
    [Fact]
    public async Task No_action_when_an_overload_already_takes_the_mirror_in_the_mms_place()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, MmStruct mm) =>
                    {|HMM002:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};

                static int Register(HmmRange range, HmmMirror mirror) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);

                static int Run(NouveauSvmm svmm, HmmRange range) => Register(range, svmm.Mm) + Register(range, svmm.Mirror);
            }
            """;
        await Verify.VerifyCodeFixAsync(source, source);
    }

    /// <summary>
    /// An interface's member, a virtual method and its override, a method group: the new
    /// signature would break the interface, the other overrides, the delegate. No fix; the
    /// message says why.
    /// </summary>
    [Fact]
    public async Task No_action_for_interface_members_virtual_chains_and_method_groups_the_message_says_why()
    {
        const string source = """
            using System;
            using Hmm;

            interface IResidency
            {
                int Count(MmStruct mm, HmmRange range);
            }

            sealed class Residency : IResidency
            {
                public int Count(MmStruct mm, HmmRange range) =>
                    {|#0:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
            }

            class Binder
            {
                public virtual int Bind(MmStruct mm, HmmRange range) =>
                    {|#1:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
            }

            sealed class GpuBinder : Binder
            {
                public override int Bind(MmStruct mm, HmmRange range) =>
                    {|#2:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
            }

            static class Driver
            {
                static int Register(MmStruct mm, HmmRange range) =>
                    {|#3:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};

                static Func<MmStruct, HmmRange, int> Handler { get; } = Register;
            }
            """;
        static DiagnosticResult Hmm002(int location, string why) =>
            Verify.Diagnostic("HMM002").WithLocation(location).WithArguments(
                "HmmApi.RangeRegister", "range", "mm", $"this member cannot take a new parameter ({why}), so pass it the mirror that owns that mm");
        await Verify.VerifyCodeFixAsync(
            source,
            source,
            Hmm002(0, "it implements IResidency.Count"),
            Hmm002(1, "it is virtual: its overrides share its parameters"),
            Hmm002(2, "it overrides Binder.Bind"),
            Hmm002(3, "it is used as a delegate at line 32, whose type fixes its parameters"));
    }

    /// <summary>
    /// The method unregistered its own mirror of the mm before the legacy call: a mirror from
    /// the caller would make that use after unregister a call on some other mirror, silently.
    /// No fix (fix-all fixes the rest); the message names the line.
    /// </summary>
    [Fact]
    public async Task No_fix_over_a_use_after_unregister_and_fix_all_fixes_the_rest()
    {
        const string source = """
            using Hmm;

            static class Driver
            {
                static int Rebind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    mirror.Dispose();
                    return {|#0:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                }

                static int Register(MmStruct mm, HmmRange range) =>
                    {|#1:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};

                static int Run(NouveauSvmm svmm, HmmRange range) => Rebind(svmm.Mm, range) + Register(svmm.Mm, range);
            }
            """;
        const string fixedSource = """
            using Hmm;

            static class Driver
            {
                static int Rebind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    mirror.Dispose();
                    return {|#0:HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift)|};
                }

                static int Register(HmmMirror mirror, HmmRange range) =>
                    HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);

                static int Run(NouveauSvmm svmm, HmmRange range) => Rebind(svmm.Mm, range) + Register(svmm.Mirror, range);
            }
            """;
        var useAfterUnregister = Verify.Diagnostic("HMM002").WithLocation(0).WithArguments(
            "HmmApi.RangeRegister", "range", "mm",
            "the mirror of 'mm' was unregistered at line 8; register the range before unregistering the mirror, or register the mirror again");
        var test = Verify.Create(source, fixedSource,
            useAfterUnregister,
            Verify.Diagnostic("HMM002").WithLocation(1).WithArguments("HmmApi.RangeRegister", "range", "mm", "take the mirror as an HmmMirror parameter from the caller"));
        test.FixedState.ExpectedDiagnostics.Add(useAfterUnregister);
        test.NumberOfFixAllIterations = 1;
        await test.RunAsync();
    }
}
