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

                static int FromSvmm(Svmm svmm, HmmRange range) => Register(range, svmm.Mm);

                static int FromNowhere(MmStruct mm, HmmRange range) => Register(range, mm);
            }
            """;
        const string fixedSource = $$"""
            using Hmm;

            static class Driver
            {
                static int Register(HmmRange range, MmStruct mm, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static int FromSvmm(Svmm svmm, HmmRange range) => Register(range, svmm.Mm, svmm.Mirror);

                static int FromNowhere(MmStruct mm, HmmRange range) => Register(range, mm, {{Missing}});
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

                static int Run(Svmm svmm, HmmRange range) => Fault(
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

                static int Run(Svmm svmm, HmmRange range) => Fault(
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
                static int Run(Svmm svmm, HmmRange range)
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

                static int Populate(Svmm svmm, HmmRange range) => new Populator(range, svmm.Mm).Result;
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
                public Populator(HmmRange range, MmStruct mm, HmmMirror mirror)
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
                static int Run(Svmm svmm, HmmRange range)
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

                static int Populate(Svmm svmm, HmmRange range) => new Populator(range, svmm.Mm, svmm.Mirror).Result;
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

                internal static long Refresh(Svmm svmm, HmmRange range) => Snapshot(range, svmm.Mm);
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
                public static long Snapshot(HmmRange range, MmStruct mm, HmmMirror mirror)
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

                internal static long Refresh(Svmm svmm, HmmRange range) => Snapshot(range, svmm.Mm, svmm.Mirror);
            }
            """;
        var test = Verify.Create(library, libraryFixed);
        var other = Verify.DriverProject("OtherDriver", caller);
        other.AdditionalProjectReferences.Add("TestProject");
        test.TestState.AdditionalProjects.Add("OtherDriver", other);
        var otherFixed = Verify.DriverProject("OtherDriver", caller.Replace("Faults.Snapshot(range, mm)", "Faults.Snapshot(range, mm, gpu)"));
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
}
