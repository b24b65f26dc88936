using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.IgnoredResultAnalyzer>;

namespace Hmm.Analyzers.Tests.Rules;

/// <summary>
/// HMM006 — Result of an HMM call that can fail is ignored. RangeRegister, MirrorRegister,
/// VmaFault, RangeSnapshot and RangeFault return a negative errno on failure; dropping that
/// result as a statement is reported on the whole call. A discard (<c>_ = ...</c>) is an
/// explicit choice and stays silent.
/// </summary>
public class HMM006Tests
{
    /// <summary>HMM006 at markup location <paramref name="location"/>, naming <paramref name="call"/>.</summary>
    private static DiagnosticResult Ignored(int location, string call) =>
        Verify.Diagnostic("HMM006").WithLocation(location).WithArguments(call);

    [Fact]
    public async Task Ignored_range_register_with_the_mirror()
    {
        const string source = """
            using Hmm;

            sealed class DevicePopulate
            {
                public int Populate(HmmMirror mirror, HmmRange range, ulong start, ulong end)
                {
                    {|#0:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|};
                    try
                    {
                        return HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout) ? 0 : -Errno.EBUSY;
                    }
                    finally
                    {
                        HmmApi.RangeUnregister(range);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)"));
    }

    [Fact]
    public async Task Ignored_legacy_range_register_with_the_mm()
    {
        const string source = """
            using Hmm;

            static class LegacyPopulate
            {
                public static void Populate(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    {|#0:HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift)|};
                    HmmApi.RangeUnregister(range);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift)"));
    }

    [Fact]
    public async Task Ignored_mirror_register()
    {
        const string source = """
            using Hmm;

            sealed class Svmm
            {
                private readonly HmmMirror mirror;

                public Svmm(IHmmMirrorOps ops, MmStruct mm)
                {
                    mirror = new HmmMirror(ops);
                    mm.MmapSem.DownWrite();
                    {|#0:HmmApi.MirrorRegister(mirror, mm)|};
                    mm.MmapSem.UpWrite();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.MirrorRegister(mirror, mm)"));
    }

    [Fact]
    public async Task Ignored_vma_fault_both_forms()
    {
        const string source = """
            using Hmm;

            sealed class FaultHandler
            {
                public void Fault(HmmMirror mirror, HmmRange range)
                {
                    {|#0:HmmApi.VmaFault(mirror, range, true)|};
                    HmmApi.VmaRangeDone(range);
                }

                public void LegacyFault(HmmRange range)
                {
                    {|#1:HmmApi.VmaFault(range, block: false)|};
                    HmmApi.VmaRangeDone(range);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.VmaFault(mirror, range, true)"),
            Ignored(1, "HmmApi.VmaFault(range, block: false)"));
    }

    [Fact]
    public async Task Ignored_snapshot_and_fault_in_the_populate_loop()
    {
        const string source = """
            using Hmm;

            sealed class Populate
            {
                public int Run(HmmMirror mirror, MmStruct mm, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    mm.MmapSem.DownRead();
                    {|#0:HmmApi.RangeSnapshot(range)|};
                    {|#1:HmmApi.RangeFault(range, true)|};
                    mm.MmapSem.UpRead();
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.RangeSnapshot(range)"),
            Ignored(1, "HmmApi.RangeFault(range, true)"));
    }

    [Fact]
    public async Task Ignored_in_an_expression_bodied_void_lambda_and_method()
    {
        const string source = """
            using System;
            using Hmm;

            sealed class Deferred
            {
                public Action Later(HmmRange range) => () => {|#0:HmmApi.RangeFault(range, true)|};

                public void Now(HmmRange range) => {|#1:HmmApi.RangeSnapshot(range)|};
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.RangeFault(range, true)"),
            Ignored(1, "HmmApi.RangeSnapshot(range)"));
    }

    [Fact]
    public async Task Ignored_in_a_for_incrementor_and_through_using_static()
    {
        const string source = """
            using Hmm;
            using static Hmm.HmmApi;

            sealed class Retry
            {
                public void Spin(HmmRange range)
                {
                    for (int i = 0; i < 3; {|#0:RangeFault(range, false)|})
                    {
                        i++;
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "RangeFault(range, false)"));
    }

    /// <summary>
    /// A call written over several lines, with comments on its arguments, is named by its code
    /// alone, on one line.
    /// </summary>
    [Fact]
    public async Task A_call_with_comments_is_named_without_them()
    {
        const string source = """
            using Hmm;

            sealed class Populate
            {
                public void Run(HmmRange range)
                {
                    {|#0:HmmApi.RangeFault(range, // the fault handler's range
                        /* block: */ true)|};
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.RangeFault(range, true)"));
    }

    [Fact]
    public async Task A_long_call_is_named_by_its_method_in_the_message()
    {
        const string source = """
            using Hmm;

            sealed class Populate
            {
                public void Run(HmmMirror deviceAddressSpaceMirror, HmmRange faultingWindowRange)
                {
                    {|#0:HmmApi.RangeRegister(
                        faultingWindowRange,
                        deviceAddressSpaceMirror,
                        faultingWindowRange.Start,
                        faultingWindowRange.End,
                        HmmApi.PageShift)|};
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.RangeRegister(...)"));
    }

    [Fact]
    public async Task Results_that_are_used_are_not_reported()
    {
        // The nouveau fault handler and the populate-range pattern: every result is checked.
        const string source = """
            using Hmm;

            sealed class NouveauSvmm
            {
                public HmmMirror Mirror { get; }
                public MmStruct Mm { get; }
                private readonly object mutex = new();

                public NouveauSvmm(HmmMirror mirror, MmStruct mm) { Mirror = mirror; Mm = mm; }

                public int Fault(HmmRange range)
                {
                again:
                    Mm.MmapSem.DownRead();
                    int ret = HmmApi.VmaFault(Mirror, range, true);
                    if (ret != 0)
                    {
                        Mm.MmapSem.UpRead();
                        return ret == -Errno.EBUSY ? Fault(range) : ret;
                    }

                    lock (mutex)
                    {
                        if (!HmmApi.VmaRangeDone(range))
                        {
                            Mm.MmapSem.UpRead();
                            goto again;
                        }
                    }

                    Mm.MmapSem.UpRead();
                    return 0;
                }

                public long Snapshot(HmmRange range) => HmmApi.RangeSnapshot(range);

                public bool Faulted(HmmRange range) => HmmApi.RangeFault(range, true) > 0;

                public int Register(HmmRange range)
                {
                    if (HmmApi.RangeRegister(range, Mirror, range.Start, range.End, HmmApi.PageShift) < 0)
                        return -Errno.EFAULT;
                    Log(HmmApi.RangeSnapshot(range));
                    var pages = new[] { HmmApi.RangeFault(range, false) };
                    HmmApi.RangeUnregister(range);
                    return (int)pages[0];
                }

                public static int Attach(HmmMirror mirror, MmStruct mm)
                {
                    int ret;
                    ret = HmmApi.MirrorRegister(mirror, mm);
                    return ret;
                }

                private static void Log(long pages) { }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_discard_is_an_explicit_choice()
    {
        const string source = """
            using Hmm;

            static class BestEffort
            {
                public static void Prefault(HmmMirror mirror, HmmRange range)
                {
                    // The device re-faults on access anyway: a failed prefault is harmless.
                    _ = HmmApi.VmaFault(mirror, range, false);
                    HmmApi.VmaRangeDone(range);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Void_and_bool_calls_are_not_reported()
    {
        const string source = """
            using Hmm;

            static class Teardown
            {
                public static void Done(HmmMirror mirror, HmmRange range)
                {
                    HmmApi.RangeValid(range);
                    HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                    HmmApi.VmaRangeDone(range);
                    HmmApi.RangeUnregister(range);
                    HmmApi.MirrorMmIsAlive(mirror);
                    HmmApi.MirrorUnregister(mirror);
                    HmmMirror.Register(mirror.Mm!, mirror.Ops).Dispose();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_users_own_method_of_the_same_name_is_not_reported()
    {
        const string source = """
            using Hmm;

            static class DeviceTable
            {
                public static int RangeRegister(HmmRange range, HmmMirror mirror, ulong start, ulong end, int shift) => 0;
                public static long RangeFault(HmmRange range, bool block) => 0;
            }

            namespace Driver
            {
                static class HmmApi
                {
                    public static int VmaFault(HmmMirror mirror, HmmRange range, bool block) => 0;
                }

                static class Use
                {
                    public static void Run(HmmMirror mirror, HmmRange range)
                    {
                        DeviceTable.RangeRegister(range, mirror, 0, 4096, 12);
                        DeviceTable.RangeFault(range, true);
                        HmmApi.VmaFault(mirror, range, true);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task A_call_still_being_typed_is_reported_once_it_binds()
    {
        // The statement is missing its semicolon: the call binds and its result goes nowhere.
        const string source = """
            using Hmm;

            static class Typing
            {
                public static void Run(HmmRange range)
                {
                    {|#0:HmmApi.RangeFault(range, true)|}{|CS1002:|}
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(
            source,
            Ignored(0, "HmmApi.RangeFault(range, true)"));
    }

    [Fact]
    public async Task A_call_that_does_not_bind_is_not_reported()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using Hmm;

                static class Typing
                {
                    public static void Run(HmmMirror mirror, HmmRange range)
                    {
                        HmmApi.RangeRegister(range, mirror,
                        HmmApi.VmaFault(range);
                        HmmApi.RangeSnapshot();
                        HmmApi.RangeFault(undefinedRange, true);
                    }
                }
                """,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };

        await test.RunAsync();
    }
}
