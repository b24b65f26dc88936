using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.RangeLeakAnalyzer>;

namespace Hmm.Analyzers.Tests.Rules;

/// <summary>
/// HMM005 — Registered range is not unregistered on every path. A range this method registered
/// (RangeRegister, or VmaFault that succeeded) that reaches a return, a throw or the end of the
/// body without RangeUnregister, VmaRangeDone or a failing VmaFault is reported on that exit,
/// with the registering call as additional location. A range that is stored, returned, captured
/// or handed to other code has a new owner: no diagnostic.
/// </summary>
public class HMM005Tests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify.VerifyAnalyzerAsync(source + DriverCode.Types, expected);

    private static DiagnosticResult Hmm005(int exit, int registration, string range, int line) =>
        Verify.Diagnostic("HMM005").WithLocation(exit).WithLocation(registration).WithArguments(range, line);

    // The exit #0 reported for the range registered at #1 (line), or, where the code is right, the
    // same source without its markers and nothing reported.
    private static Task VerifyLeakAsync(string source, bool reported, int line) =>
        reported
            ? VerifyAsync(source, Hmm005(0, 1, "range", line))
            : VerifyAsync(source.Replace("{|#0:", "").Replace("{|#1:", "").Replace("|}", ""));

    // A driver's populate step around the body given (its first line is line 7).
    private static string PopulateDriver(string body) => $$"""
        using Hmm;

        static class Driver
        {
            public static int Populate(HmmMirror mirror, HmmRange range, bool populate)
            {
                {{body.Replace("\n", "\n        ")}}
            }
        }
        """;

    /// <summary>Documentation/vm/hmm.rst, driver_populate_range(), done right.</summary>
    [Fact]
    public async Task The_kernel_docs_populate_range_unregisters_on_every_path()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int PopulateRange(HmmMirror mirror, MmStruct mm, ulong start, ulong end, ulong[] pfns, object update)
                {
                    var range = new HmmRange { Start = start, End = end, Pfns = pfns };
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;

                    mm.MmapSem.DownRead();
                again:
                    if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
                    {
                        mm.MmapSem.UpRead();
                        HmmApi.RangeUnregister(range);
                        return -Errno.EBUSY;
                    }

                    long snapshot = HmmApi.RangeSnapshot(range);
                    if (snapshot < 0)
                    {
                        if (snapshot == -Errno.EAGAIN)
                            goto again;
                        mm.MmapSem.UpRead();
                        HmmApi.RangeUnregister(range);
                        return (int)snapshot;
                    }

                    lock (update)
                    {
                        if (!HmmApi.RangeValid(range))
                            goto again;

                        // program the device page table from range.Pfns here
                        HmmApi.RangeUnregister(range);
                    }

                    mm.MmapSem.UpRead();
                    return 0;
                }
            }
            """);
    }

    /// <summary>
    /// RangeRegister returns 0 or a negative errno: a branch on a positive result is no path the
    /// code takes, and a result bound by <c>is var</c> on an assignment is the call's result.
    /// </summary>
    [Fact]
    public async Task Branches_no_result_takes_and_results_bound_through_an_assignment_are_followed()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Positive(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    if (ret > 0)
                        return ret;
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    return ret;
                }

                public static int Bound(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    int ret;
                    if ((ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)) is var error && error != 0)
                        return error;
                    HmmApi.RangeUnregister(range);
                    return ret;
                }

                public static int BoundAndLeaked(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    int ret;
                    if ((ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|}) is var error && error == 0)
                        {|#0:return 1;|}
                    return ret;
                }
            }
            """,
            Hmm005(0, 1, "range", 30));
    }

    /// <summary>
    /// The registered flag: a bool set where the registration is known to have succeeded, and
    /// tested where the range is released. Its value is followed on each path, so the path where
    /// it is false and the range registered, which the code cannot take, is none.
    /// </summary>
    [Fact]
    public async Task A_registered_flag_tested_in_the_finally_releases_on_every_path()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror mirror, MmStruct mm)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    try
                    {
                        int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                        if (ret != 0)
                            return ret;
                        registered = true;
                        mm.MmapSem.DownRead();
                        long n = HmmApi.RangeFault(range, true);
                        mm.MmapSem.UpRead();
                        return n < 0 ? (int)n : 0;
                    }
                    finally
                    {
                        if (registered)
                            HmmApi.RangeUnregister(range);
                    }
                }

                public static int Populate(HmmMirror mirror)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    if (ret == 0)
                        registered = true;
                    range.Pfns![0] = 1;
                    if (!registered)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_registered_flag_that_is_never_set_leaves_the_range_registered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror mirror)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    try
                    {
                        int ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                        long n = HmmApi.RangeFault(range, true);
                        {|#0:return n < 0 ? (int)n : 0;|}
                    }
                    finally
                    {
                        if (registered)
                            HmmApi.RangeUnregister(range);
                    }
                }
            }
            """,
            Hmm005(0, 1, "range", 11));
    }

    /// <summary>
    /// A flag set only where a registration ran (under an <c>if</c>, before a <c>break</c> out of a
    /// retry), or a bool parameter tested twice: the paths that disagree on it are kept apart
    /// where they meet, so the second test takes only the paths that set it so.
    /// </summary>
    [Fact]
    public async Task A_flag_set_on_some_paths_only_is_followed_to_its_second_test()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int OnDemand(HmmMirror mirror, bool need)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    if (need)
                    {
                        int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                        if (ret != 0)
                            return ret;
                        registered = true;
                    }

                    range.Pfns![0] = 1;
                    if (registered)
                        HmmApi.RangeUnregister(range);
                    return 0;
                }

                public static int Retry(HmmMirror mirror, int tries)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    for (int i = 0; i < tries; i++)
                    {
                        if (HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) != 0)
                            continue;
                        registered = true;
                        break;
                    }

                    if (!registered)
                        return -Errno.EBUSY;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                public static long Populate(HmmMirror mirror, bool populate)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    long pages = 0;
                    if (populate)
                    {
                        int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                        if (ret != 0)
                            return ret;
                        pages = HmmApi.RangeFault(range, true);
                    }

                    range.Pfns![0] = 0;
                    if (populate)
                        HmmApi.RangeUnregister(range);
                    return pages;
                }

                public static int Compared(HmmMirror mirror)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    if (ret == 0)
                        registered = true;
                    if (registered is false)
                        return ret;
                    if (registered == true)
                        HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    /// <summary>The second test of the parameter the wrong way round: the path that registered returns registered.</summary>
    [Fact]
    public async Task A_bool_parameter_tested_the_wrong_way_round_leaves_the_range_registered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Populate(HmmMirror mirror, bool populate)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    if (populate)
                    {
                        int ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                    }

                    range.Pfns![0] = 1;
                    if (!populate)
                        HmmApi.RangeUnregister(range);
                    {|#0:return 0;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 10));
    }

    /// <summary>
    /// A bool that a <c>?:</c> or a switch expression makes of the result (<c>false</c> where it
    /// succeeded, <c>true</c> where it failed, or the other way round) tells the outcome as the result does.
    /// </summary>
    [Theory]
    [InlineData("bool failed = ret == 0 ? false : true;", "failed")]
    [InlineData("bool failed = ret switch { 0 => false, _ => true };", "failed")]
    [InlineData("bool registered = ret switch { 0 => true, _ => false };", "!registered")]
    public async Task A_bool_chosen_by_the_result_is_tested_as_the_result(string chosen, string failedTest)
    {
        await VerifyAsync($$"""
            using Hmm;

            static class Driver
            {
                public static int Populate(HmmMirror mirror, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, 0x1000, 0x3000, HmmApi.PageShift);
                    {{chosen}}
                    if ({{failedTest}})
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    /// <summary>
    /// A bool that is the result compared (<c>bool ok = ret == 0;</c>, or the call itself
    /// compared) is tested as the result: <c>if (!ok) return ...;</c> leaves the registered path
    /// only, and a later exit without a release is a leak.
    /// </summary>
    [Theory]
    [InlineData("int ret = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|};\nbool ok = ret == 0;", "!ok", true, false)]
    [InlineData("int ret = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|};\nbool ok = ret == 0;", "!ok", false, true)]
    [InlineData("bool ok = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|} == 0;", "!ok", false, true)]
    [InlineData("bool failed = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|} is not 0;", "failed", true, false)]
    [InlineData("bool failed;\nfailed = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|} < 0;", "failed", false, true)]
    public async Task A_bool_made_of_a_comparison_is_tested_as_the_result(string made, string failedTest, bool released, bool reported)
    {
        var source = $$"""
            using Hmm;

            static class Driver
            {
                public static int Populate(HmmMirror mirror, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end };
                    {{made.Replace("\n", "\n        ")}}
                    if ({{failedTest}})
                        return -Errno.EFAULT;
                    {{(released ? "HmmApi.RangeUnregister(range);" : "")}}
                    {|#0:return 0;|}
                }
            }
            """;
        await VerifyLeakAsync(source, reported, line: 8 + made[..made.IndexOf("{|#1:", StringComparison.Ordinal)].Count(c => c == '\n'));
    }

    /// <summary>
    /// A catch is not entered from a release: RangeUnregister and VmaRangeDone throw only for a
    /// programming error, so the range is not registered on any path into the handler.
    /// </summary>
    [Theory]
    [InlineData("if (ret == 0)\n            HmmApi.RangeUnregister(range);\n        return ret;")]
    [InlineData("if (ret != 0)\n            return ret;\n        return HmmApi.VmaRangeDone(range) ? 0 : -Errno.EAGAIN;")]
    public async Task A_release_inside_a_try_is_no_point_its_catch_is_entered_from(string release)
    {
        await VerifyAsync($$"""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Populate(HmmMirror mirror, HmmRange range)
                {
                    try
                    {
                        int ret = HmmApi.RangeRegister(range, mirror, 0x1000, 0x3000, HmmApi.PageShift);
                        {{release}}
                    }
                    catch (InvalidOperationException)
                    {
                        return -Errno.EINVAL;
                    }
                }
            }
            """);
    }

    /// <summary>
    /// Bool parameters read once (a debug switch) are not kept apart: they would crowd out the
    /// flag that a later test reads.
    /// </summary>
    [Fact]
    public async Task Debug_switches_read_once_leave_the_flag_followed()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Populate(HmmMirror mirror, HmmRange range, bool populate, bool verbose, bool trace)
                {
                    bool registered = false;
                    if (populate)
                    {
                        if (HmmApi.RangeRegister(range, mirror, 0x1000, 0x3000, HmmApi.PageShift) != 0)
                            return -Errno.EFAULT;
                        registered = true;
                    }

                    if (verbose)
                        Console.WriteLine("populated");
                    if (trace)
                        Console.WriteLine("traced");
                    if (registered)
                        HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    /// <summary>
    /// A result that one arm of a flag's <c>?:</c> registers and the other gives as an errno,
    /// translated by a value and tested: each way of the flag keeps what the value stands for.
    /// </summary>
    [Theory]
    [InlineData("ret switch { 0 => 0, var e => e }")]
    [InlineData("ret == 0 ? 0 : ret")]
    [InlineData("ret")]
    public async Task A_result_a_flag_chose_translated_and_tested_releases_the_registered_path(string translated)
    {
        await VerifyAsync($$"""
            using Hmm;

            static class Driver
            {
                public static int Populate(HmmMirror mirror, HmmRange range, bool prefaulted)
                {
                    int ret = !prefaulted ? HmmApi.RangeRegister(range, mirror, 0x1000, 0x3000, HmmApi.PageShift) : -Errno.EINVAL;
                    int error = {{translated}};
                    if (error != 0)
                        return error;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    /// <summary>
    /// A flag or a bool parameter switched on (<c>case true:</c>, with a guard, <c>case false:</c>
    /// before a <c>default:</c>) is tested as an <c>if</c> would test it; the wrong case leaves the
    /// registered path registered.
    /// </summary>
    [Theory]
    [InlineData("switch (registered)\n{\n    case true:\n        HmmApi.RangeUnregister(range);\n        break;\n}", false)]
    [InlineData("switch (registered)\n{\n    case false:\n        break;\n    default:\n        HmmApi.RangeUnregister(range);\n        break;\n}", false)]
    [InlineData("switch (registered)\n{\n    case true when range.Pfns is not null:\n    case true:\n        HmmApi.RangeUnregister(range);\n        break;\n}", false)]
    [InlineData("switch (populate)\n{\n    case true:\n        HmmApi.RangeUnregister(range);\n        break;\n}", false)]
    [InlineData("switch (registered)\n{\n    case false:\n        HmmApi.RangeUnregister(range);\n        break;\n}", true)]
    public async Task A_flag_tested_by_a_switch_releases_the_paths_that_registered(string release, bool reported)
    {
        var body = $$"""
            bool registered = false;
            if (populate)
            {
                int ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};
                if (ret != 0)
                    return ret;
                registered = true;
            }

            {{release}}
            {|#0:return 0;|}
            """;
        await VerifyLeakAsync(PopulateDriver(body), reported, line: 10);
    }

    /// <summary>
    /// A result variable set to a constant before a registration that may not run: on the path
    /// that still holds the constant a test of the variable goes the constant's way, on the others
    /// the call's. The registered path that skips its release is reported; the path that never
    /// registered is none.
    /// </summary>
    [Theory]
    [InlineData("int ret = -Errno.EBUSY;\nwhile (ret == -Errno.EBUSY)\n    ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};\nif (ret == 0 && populate)\n    {|#0:return 1;|}", true)]
    [InlineData("int ret = 0;\nfor (int i = 0; i < 3; i++)\n{\n    ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};\n    if (ret != -Errno.EBUSY)\n        break;\n}\nif (ret == 0)\n    {|#0:return 1;|}", true)]
    [InlineData("int ret = -Errno.EINVAL;\nif (populate)\n    ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};\nif (ret == -Errno.EINVAL)\n    {|#0:return 1;|}", false)]
    [InlineData("int ret = -Errno.EINVAL;\nif (populate)\n    ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};\nif (ret != -Errno.EINVAL)\n    {|#0:return 1;|}", true)]
    public async Task A_result_set_to_a_constant_before_the_registration_is_tested_path_by_path(string body, bool reported)
    {
        var line = 7 + body.Substring(0, body.IndexOf("{|#1:", StringComparison.Ordinal)).Count(c => c == '\n');
        await VerifyLeakAsync(PopulateDriver(body + "\nif (ret == 0)\n    HmmApi.RangeUnregister(range);\nreturn ret;"), reported, line);
    }

    /// <summary>
    /// A catch starts from the points of its try where something may throw: not between the
    /// registration's check and <c>registered = true</c>, where nothing can. A call that may
    /// throw before the flag is set (the lock taken first) reaches the catch registered.
    /// </summary>
    [Theory]
    [InlineData("registered = true;\nmm.MmapSem.DownRead();", false)]
    [InlineData("mm.MmapSem.DownRead();\nregistered = true;", true)]
    public async Task A_flag_tested_in_a_catch_releases_what_the_try_registered_before_anything_threw(string afterTheCheck, bool reported)
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror mirror, MmStruct mm)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    try
                    {
                        int ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                        AFTER_THE_CHECK
                        long n = HmmApi.RangeFault(range, true);
                        mm.MmapSem.UpRead();
                        HmmApi.RangeUnregister(range);
                        return n < 0 ? (int)n : 0;
                    }
                    catch (InvalidOperationException)
                    {
                        if (registered)
                            HmmApi.RangeUnregister(range);
                        {|#0:throw;|}
                    }
                }
            }
            """.Replace("AFTER_THE_CHECK", afterTheCheck.Replace("\n", "\n            "));
        await VerifyLeakAsync(source, reported, line: 12);
    }

    /// <summary>
    /// A flag a lambda also sets, or one set through <c>|=</c>, is not followed: its value is
    /// unknown, and a path where it stays false (here when <c>again</c>) still leaks.
    /// </summary>
    [Fact]
    public async Task A_flag_set_where_the_walk_does_not_see_it_is_not_followed()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Captured(HmmMirror mirror, Action<Action> run)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool released = false;
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    run(() => { HmmApi.RangeUnregister(range); released = true; });
                    if (!released)
                        HmmApi.RangeUnregister(range);
                    return 0;
                }

                public static int Compound(HmmMirror mirror, bool again)
                {
                    var range = new HmmRange { Pfns = new ulong[1] };
                    bool registered = false;
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    registered |= !again;
                    if (!again)
                    {
                        HmmApi.RangeUnregister(range);
                        registered = false;
                    }

                    if (registered)
                        HmmApi.RangeUnregister(range);
                    {|#0:return 0;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 23));
    }

    [Fact]
    public async Task An_error_path_that_forgets_to_unregister()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int PopulateRange(HmmMirror mirror, MmStruct mm, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end, Pfns = new ulong[(end - start) >> 12] };
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;

                    mm.MmapSem.DownRead();
                    if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
                    {
                        mm.MmapSem.UpRead();
                        {|#0:return -Errno.EBUSY;|}
                    }

                    HmmApi.RangeUnregister(range);
                    mm.MmapSem.UpRead();
                    return 0;
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    [Fact]
    public async Task A_result_passed_along_through_several_variables_and_then_checked()
    {
        // The failure path returns the copy: not a leak. The later early return is.
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int PopulateRange(HmmMirror mirror, MmStruct mm, HmmRange range, bool busy)
                {
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift)|};
                    int err = ret;
                    long code;
                    code = err;
                    if (code < 0)
                        return (int)code;

                    if (busy)
                        {|#0:return -Errno.EBUSY;|}

                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
            Hmm005(0, 1, "range", 7));
    }

    [Fact]
    public async Task A_throw_while_registered()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static void Snapshot(HmmMirror mirror, HmmRange range)
                {
                    var local = new HmmRange { Start = range.Start, End = range.End };
                    if ({|#1:HmmApi.RangeRegister(local, mirror, local.Start, local.End, HmmApi.PageShift)|} < 0)
                        return;
                    if (HmmApi.RangeSnapshot(local) < 0)
                        {|#0:throw new InvalidOperationException("snapshot failed");|}
                    HmmApi.RangeUnregister(local);
                }
            }
            """,
            Hmm005(0, 1, "local", 9));
    }

    [Fact]
    public async Task Falling_off_the_end_of_a_void_method()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static void Touch(HmmMirror mirror)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    if ({|#1:HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift)|} != 0)
                        return;
                    HmmApi.RangeSnapshot(range);
                {|#0:}|}
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    [Fact]
    public async Task An_early_return_in_a_void_method()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static void Touch(HmmMirror mirror, bool quick)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    if ({|#1:HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift)|} != 0)
                        return;
                    if (quick)
                        {|#0:return;|}
                    HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    [Fact]
    public async Task An_unchecked_registration_leaks_on_its_success_path()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    {|#1:HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift)|};
                    {|#0:return HmmApi.RangeSnapshot(range);|}
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    [Fact]
    public async Task A_successful_VmaFault_registers_the_range()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror mirror, Vma vma)
                {
                    var range = new HmmRange { Vma = vma, Start = vma.Start, End = vma.End };
                    int ret = {|#1:HmmApi.VmaFault(mirror, range, true)|};
                    if (ret != 0)
                        return ret;
                    // program the device from range.Pfns, and forget VmaRangeDone
                    {|#0:return 0;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    [Fact]
    public async Task Unregistered_on_one_branch_only()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, bool done)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift)|};
                    if (ret < 0)
                        return ret;
                    if (done)
                        HmmApi.RangeUnregister(range);
                    {|#0:return 0;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    [Fact]
    public async Task A_range_parameter_this_method_unregisters_on_some_path_is_its_own()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Prepare(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EINVAL;
                    if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
                    {
                        HmmApi.RangeUnregister(range);
                        return -Errno.EBUSY;
                    }

                    if (HmmApi.RangeSnapshot(range) < 0)
                        {|#0:return -Errno.EFAULT;|}
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
            Hmm005(0, 1, "range", 7));
    }

    [Fact]
    public async Task Inside_a_lambda()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static Func<ulong, int> Prober(HmmMirror mirror) => start =>
                {
                    var range = new HmmRange { Start = start, End = start + 0x1000 };
                    if ({|#1:HmmApi.RangeRegister(range, mirror, start, start + 0x1000, HmmApi.PageShift)|} != 0)
                        return -1;
                    {|#0:return (int)HmmApi.RangeSnapshot(range);|}
                };
            }
            """,
            Hmm005(0, 1, "range", 9));
    }

    /// <summary>nouveau_svm.c after the change: VmaRangeDone on success, VmaFault's own cleanup on failure.</summary>
    [Fact]
    public async Task The_nouveau_fault_handler()
    {
        await VerifyAsync(DriverCode.NouveauFault("HmmApi.VmaFault(svmm.Mirror, range, true)"));
    }

    [Fact]
    public async Task Unregistration_in_finally()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, MmStruct mm)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    int ret = HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    try
                    {
                        mm.MmapSem.DownRead();
                        long pages = HmmApi.RangeSnapshot(range);
                        if (pages < 0)
                            throw new InvalidOperationException("snapshot");
                        return pages;
                    }
                    finally
                    {
                        mm.MmapSem.UpRead();
                        HmmApi.RangeUnregister(range);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task A_range_per_loop_iteration()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int SnapshotAll(HmmMirror mirror, ulong[] starts)
                {
                    foreach (var start in starts)
                    {
                        var range = new HmmRange { Start = start, End = start + 0x1000 };
                        int ret = HmmApi.RangeRegister(range, mirror, start, start + 0x1000, HmmApi.PageShift);
                        if (ret != 0)
                            return ret;
                        HmmApi.RangeSnapshot(range);
                        HmmApi.RangeUnregister(range);
                    }

                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task Every_spelling_of_the_failure_check()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Switch(HmmMirror mirror, HmmRange range)
                {
                    var local = new HmmRange();
                    int ret = HmmApi.RangeRegister(local, mirror, 0, 0x1000, HmmApi.PageShift);
                    if (ret is < 0)
                        return ret;
                    HmmApi.RangeUnregister(local);
                    return 0;
                }

                public static int Assigned(HmmMirror mirror)
                {
                    var local = new HmmRange();
                    int ret;
                    if ((ret = HmmApi.RangeRegister(local, mirror, 0, 0x1000, HmmApi.PageShift)) != 0)
                        return ret;
                    HmmApi.RangeUnregister(local);
                    return 0;
                }

                public static int Errno(HmmMirror mirror)
                {
                    var local = new HmmRange();
                again:
                    int ret = HmmApi.VmaFault(mirror, local, false);
                    if (ret == -Hmm.Errno.EAGAIN)
                        goto again;
                    if (ret != 0)
                        return ret;
                    return HmmApi.VmaRangeDone(local) ? 0 : -Hmm.Errno.EBUSY;
                }
            }
            """);
    }

    [Fact]
    public async Task A_switch_on_the_result()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    switch (ret)
                    {
                        case 0:
                            break;
                        case -Errno.EINVAL:
                            return -Errno.EINVAL;
                        default:
                            return ret;
                    }

                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                public static int Pattern(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    switch (HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift))
                    {
                        case < 0:
                            return -1;
                    }

                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_finally_that_does_not_unregister_does_not_help()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, MmStruct mm)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    if ({|#1:HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift)|} != 0)
                        return -1;
                    mm.MmapSem.DownRead();
                    try
                    {
                        long pages = HmmApi.RangeSnapshot(range);
                        if (pages < 0)
                            {|#0:throw new InvalidOperationException("snapshot");|}
                        HmmApi.RangeUnregister(range);
                        return pages;
                    }
                    finally
                    {
                        mm.MmapSem.UpRead();
                    }
                }
            }
            """,
            Hmm005(0, 1, "range", 9));
    }

    /// <summary>A lock inside a finally is a try/finally inside a finally: the path goes on after both.</summary>
    [Fact]
    public async Task The_path_goes_on_after_a_finally_that_takes_a_lock()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(NouveauSvmm svmm, bool release)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    if ({|#1:HmmApi.RangeRegister(range, svmm.Mirror, 0x1000, 0x2000, HmmApi.PageShift)|} != 0)
                        return -1;
                    long pages = 0;
                    try
                    {
                        pages = HmmApi.RangeSnapshot(range);
                    }
                    catch (InvalidOperationException)
                    {
                        pages = -Errno.EFAULT;
                    }
                    finally
                    {
                        lock (svmm.Mutex)
                        {
                            Console.WriteLine(pages);
                        }
                    }

                    if (release)
                    {
                        HmmApi.RangeUnregister(range);
                        return pages;
                    }

                    {|#0:return -Errno.EBUSY;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 9));
    }

    [Fact]
    public async Task A_caught_exception_is_not_an_exit_but_a_rethrow_is()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror)
                {
                    var range = new HmmRange { Start = 0x1000, End = 0x2000 };
                    if ({|#1:HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift)|} != 0)
                        return -1;
                    try
                    {
                        if (HmmApi.RangeSnapshot(range) < 0)
                            throw new InvalidOperationException("snapshot");
                    }
                    catch (InvalidOperationException)
                    {
                        {|#0:throw;|}
                    }

                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
            Hmm005(0, 1, "range", 9));
    }

    [Fact]
    public async Task Ownership_that_moves_is_not_a_leak()
    {
        await VerifyAsync("""
            using System;
            using System.Collections.Generic;
            using Hmm;

            sealed class Device
            {
                private HmmRange? pending;
                private readonly List<HmmRange> ranges = new();

                public int Stored(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    if (HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) != 0)
                        return -1;
                    pending = range;
                    return 0;
                }

                public HmmRange? Returned(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    if (HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) != 0)
                        return null;
                    return range;
                }

                public int PassedOn(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    if (HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) != 0)
                        return -1;
                    ranges.Add(range);
                    return 0;
                }

                public Action Captured(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    HmmApi.VmaFault(mirror, range, true);
                    return () => HmmApi.VmaRangeDone(range);
                }

                public int CallersRange(HmmMirror mirror, HmmRange range) =>
                    HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);

                public int RetryForTheCaller(HmmMirror mirror, HmmRange range)
                {
                    if (HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) == 0)
                        HmmApi.RangeUnregister(range);
                    return HmmApi.RangeRegister(range, mirror, 0, 0x2000, HmmApi.PageShift);
                }

                public int FieldRange(HmmMirror mirror)
                {
                    pending = new HmmRange();
                    return HmmApi.RangeRegister(pending, mirror, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task User_methods_and_generated_code_draw_nothing()
    {
        await VerifyAsync("""
            using Hmm;

            static class Mine
            {
                public static int RangeRegister(HmmRange range, HmmMirror mirror, ulong start, ulong end, int shift) => 0;
            }

            static class Driver
            {
                public static int Bind(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    return Mine.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """);
        await VerifyAsync("""
            // <auto-generated/>
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror)
                {
                    var range = new HmmRange();
                    return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """);
    }

    /// <summary>A factory that hands the errno back through an out parameter and the range to its caller.</summary>
    [Fact]
    public async Task A_result_checked_through_an_out_parameter()
    {
        await VerifyAsync("""
            using Hmm;

            static class RangeFactory
            {
                public static HmmRange? Register(HmmMirror mirror, ulong start, ulong end, out int error)
                {
                    var range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    error = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (error != 0)
                        return null;

                    return range;
                }
            }
            """);
    }

    [Fact]
    public async Task A_result_in_an_out_parameter_that_is_never_checked_still_leaks()
    {
        await VerifyAsync("""
            using Hmm;

            static class RangeFactory
            {
                public static long Snapshot(HmmMirror mirror, ulong start, ulong end, out int error)
                {
                    var range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    error = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|};
                    {|#0:return HmmApi.RangeSnapshot(range);|}
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    /// <summary>nouveau's fault handler: the result bound by `is var` and tested in the same condition.</summary>
    [Fact]
    public async Task A_result_bound_by_is_var_and_then_checked()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror mirror, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end, Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                    return HmmApi.VmaFault(mirror, range, true) is var ret && ret < 0
                        ? ret
                        : (HmmApi.VmaRangeDone(range) ? 0 : -Errno.EBUSY);
                }
            }
            """);
    }

    /// <summary>The result kept in a property the analysis does not follow: it cannot tell, so it says nothing.</summary>
    [Fact]
    public async Task A_result_stored_in_a_property_and_then_checked()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class RangeSession
            {
                public int Result { get; private set; }

                public void Probe(HmmMirror mirror, HmmRange range, ulong start, ulong end)
                {
                    Result = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (Result == 0)
                        HmmApi.RangeUnregister(range);
                }

                public void ProbeLocal(HmmMirror mirror, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end };
                    Result = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (Result == 0)
                        HmmApi.RangeUnregister(range);
                }
            }
            """);
    }

    [Fact]
    public async Task A_result_copied_into_a_bool_and_then_checked()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static void Probe(HmmMirror mirror, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end };
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    bool registered = ret == 0;
                    if (registered)
                        HmmApi.RangeUnregister(range);
                }
            }
            """);
    }

    /// <summary>Tests the analysis cannot read: it cannot tell the success path, so it says nothing.</summary>
    [Fact]
    public async Task A_result_tested_by_a_helper_or_an_or_pattern()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                static bool Failed(int ret) => ret < 0;

                public static int ByHelper(HmmMirror mirror, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (Failed(ret))
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                public static int ByOrPattern(HmmMirror mirror, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret is < 0 or > 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    /// <summary>
    /// Patterns combined with <c>or</c> and <c>not</c> are read as the values they match: the side
    /// no success reaches has nothing registered.
    /// </summary>
    [Fact]
    public async Task A_return_where_an_or_pattern_matched_errnos_only()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Busy(HmmMirror mirror, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret is -Errno.EBUSY or -Errno.EAGAIN)
                    {
                        Console.WriteLine("mirror busy");
                        return -Errno.EAGAIN;
                    }

                    if (ret is not 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

            }
            """);
    }

    /// <summary>
    /// A retry loop whose lock block retries with the range still registered and returns after
    /// unregistering it: the continue and the return leave the lock's finally each with its own
    /// state.
    /// </summary>
    [Fact]
    public async Task A_continue_and_a_return_inside_a_lock_leave_it_with_their_own_states()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, NouveauSvmm svmm, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;

                    while (true)
                    {
                        long n = HmmApi.RangeSnapshot(range);
                        if (n == -Errno.EAGAIN)
                            continue;
                        lock (svmm.Mutex)
                        {
                            if (!HmmApi.RangeValid(range))
                                continue;
                            HmmApi.RangeUnregister(range);
                            return n;
                        }
                    }
                }
            }
            """);
    }

    /// <summary>A switch expression reads the result: the test after it still knows the registration.</summary>
    [Fact]
    public async Task A_result_read_by_a_switch_expression_and_then_checked()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static string Describe(HmmMirror mirror, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    string text = ret switch
                    {
                        0 => "registered",
                        -Errno.EBUSY => "busy",
                        _ => "failed",
                    };
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    return text;
                }
            }
            """);
    }

    /// <summary>The same retry, bounded: the retries that run out leave the loop still registered.</summary>
    [Fact]
    public async Task A_bounded_retry_that_runs_out_inside_a_lock_leaks_after_the_loop()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, NouveauSvmm svmm, HmmRange range)
                {
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;

                    for (int tries = 0; tries < 8; tries++)
                    {
                        long n = HmmApi.RangeSnapshot(range);
                        lock (svmm.Mutex)
                        {
                            if (!HmmApi.RangeValid(range))
                                continue;
                            HmmApi.RangeUnregister(range);
                            return n;
                        }
                    }

                    {|#0:return -Errno.EBUSY;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 7));
    }

    /// <summary>A return inside the lock that forgets the range is reported, the continue beside it is not an exit.</summary>
    [Fact]
    public async Task A_return_inside_a_lock_that_forgets_the_range()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, NouveauSvmm svmm, HmmRange range)
                {
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;

                    while (true)
                    {
                        long n = HmmApi.RangeSnapshot(range);
                        lock (svmm.Mutex)
                        {
                            if (!HmmApi.RangeValid(range))
                                continue;
                            if (n < 0)
                                {|#0:return n;|}
                            HmmApi.RangeUnregister(range);
                            return 0;
                        }
                    }
                }
            }
            """,
            Hmm005(0, 1, "range", 7));
    }

    /// <summary>A try/finally in a retry loop: a continue, a break and a return each leave the finally with their own state.</summary>
    [Fact]
    public async Task Jumps_out_of_a_try_finally_in_a_loop_keep_their_own_states()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, MmStruct mm, HmmRange range)
                {
                    long n = -Errno.EBUSY;
                    while (true)
                    {
                        if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0)
                            return -Errno.EFAULT;
                        mm.MmapSem.DownRead();
                        try
                        {
                            n = HmmApi.RangeSnapshot(range);
                            if (n == -Errno.EAGAIN)
                            {
                                HmmApi.RangeUnregister(range);
                                continue;
                            }
                            if (n < 0)
                            {
                                HmmApi.RangeUnregister(range);
                                break;
                            }
                            HmmApi.RangeUnregister(range);
                            return n;
                        }
                        finally
                        {
                            mm.MmapSem.UpRead();
                        }
                    }

                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task A_break_out_of_a_try_finally_that_keeps_the_range()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, MmStruct mm, HmmRange range)
                {
                    long n = -Errno.EBUSY;
                    while (true)
                    {
                        if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                            return -Errno.EFAULT;
                        mm.MmapSem.DownRead();
                        try
                        {
                            n = HmmApi.RangeSnapshot(range);
                            if (n < 0)
                                break;
                            HmmApi.RangeUnregister(range);
                            return n;
                        }
                        finally
                        {
                            mm.MmapSem.UpRead();
                        }
                    }

                    {|#0:return n;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 10));
    }

    /// <summary>A switch expression that forgets the success path: the range is registered when it returns.</summary>
    [Fact]
    public async Task A_result_read_by_a_switch_expression_and_never_unregistered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static string Describe(HmmMirror mirror, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end };
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|};
                    string text = ret switch
                    {
                        0 => "registered",
                        < 0 => "failed",
                        _ => "unexpected",
                    };
                    {|#0:return text;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    /// <summary>A switch statement whose cases rejoin, then a second test of the result: each path is told apart.</summary>
    [Fact]
    public async Task A_switch_statement_whose_cases_rejoin_then_a_second_test()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    switch (ret)
                    {
                        case 0:
                            Console.WriteLine("registered");
                            break;
                        case -Errno.EBUSY:
                            Console.WriteLine("busy");
                            break;
                        default:
                            Console.WriteLine("failed");
                            break;
                    }

                    if (ret != 0)
                        return ret;
                    HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                public static int ByPattern(HmmMirror mirror, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    var verdict = ret switch { < 0 => "failed", _ => "registered" };
                    Console.WriteLine(verdict);
                    if (ret is not 0 and var err)
                        return err;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_switch_statement_whose_cases_rejoin_then_a_second_test_that_forgets_one_path()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, HmmRange range, bool quick)
                {
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|};
                    switch (ret)
                    {
                        case 0:
                            Console.WriteLine("registered");
                            break;
                        default:
                            Console.WriteLine("failed");
                            break;
                    }

                    if (ret is not 0 and var err)
                        return err;
                    if (quick)
                        {|#0:return 1;|}
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    /// <summary>A switch expression that turns the result into the errno to return: the errno tells the outcome as the result does.</summary>
    [Fact]
    public async Task A_result_translated_by_a_switch_expression_and_then_checked()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end };
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    int err = ret switch { 0 => 0, -Errno.EBUSY => -Errno.EAGAIN, not 0 and var e => e };
                    if (err != 0)
                        return err;
                    HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                public static int ByConditional(HmmMirror mirror, ulong start, ulong end)
                {
                    var range = new HmmRange { Start = start, End = end };
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    int err = ret < 0 ? -Errno.EFAULT : 0;
                    if (err < 0)
                        return err;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_result_translated_by_a_switch_expression_whose_success_path_leaks()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, ulong start, ulong end, bool quick)
                {
                    var range = new HmmRange { Start = start, End = end };
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift)|};
                    int err = ret switch { 0 => 0, var e => e };
                    if (err != 0)
                        return err;
                    if (quick)
                        {|#0:return 1;|}
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    /// <summary>Two registrations whose results one variable holds: a later test cannot say which, so it is silent.</summary>
    [Fact]
    public async Task Two_registrations_on_two_branches_checked_by_one_test()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmMirror mirror, HmmRange range, bool low)
                {
                    int ret;
                    if (low)
                        ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    else
                        ret = HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """);
    }

    /// <summary>The kernel's error ladder: each failure jumps to the label that undoes what was done.</summary>
    [Fact]
    public async Task The_kernels_goto_error_ladder()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror mirror, MmStruct mm, HmmRange range)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        goto out_put;
                    mm.MmapSem.DownRead();
                    long n = HmmApi.RangeFault(range, true);
                    if (n < 0)
                    {
                        ret = (int)n;
                        goto out_unregister;
                    }
                    if (!HmmApi.RangeValid(range))
                    {
                        ret = -Errno.EAGAIN;
                        goto out_unregister;
                    }
                    ret = 0;
                out_unregister:
                    HmmApi.RangeUnregister(range);
                    mm.MmapSem.UpRead();
                out_put:
                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task An_error_ladder_that_jumps_past_its_unregister()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(HmmMirror mirror, MmStruct mm, HmmRange range)
                {
                    int ret = {|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|};
                    if (ret != 0)
                        goto out_put;
                    mm.MmapSem.DownRead();
                    long n = HmmApi.RangeFault(range, true);
                    if (n < 0)
                    {
                        ret = (int)n;
                        goto out_unlock;
                    }
                    ret = 0;
                    HmmApi.RangeUnregister(range);
                out_unlock:
                    mm.MmapSem.UpRead();
                out_put:
                    {|#0:return ret;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 7));
    }

    /// <summary>foreach over the pages, a break on a bad one: the range is unregistered after the loop either way.</summary>
    [Fact]
    public async Task A_foreach_with_a_break_inside_a_registration()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Count(HmmMirror mirror, HmmRange range)
                {
                    if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0)
                        return -Errno.EFAULT;
                    int valid = 0;
                    foreach (var pfn in range.Pfns)
                    {
                        if (pfn == 0)
                            break;
                        valid++;
                    }

                    HmmApi.RangeUnregister(range);
                    return valid;
                }
            }
            """);
    }

    [Fact]
    public async Task A_return_from_inside_a_foreach_while_registered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Count(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    int valid = 0;
                    foreach (var pfn in range.Pfns)
                    {
                        if (pfn == 0)
                            {|#0:return -Errno.EFAULT;|}
                        valid++;
                    }

                    HmmApi.RangeUnregister(range);
                    return valid;
                }
            }
            """,
            Hmm005(0, 1, "range", 7));
    }

    /// <summary>
    /// Ranges of a list registered one by one in a foreach: each round's element stays in the
    /// list, for a second loop (or another method) to release, the last as much as the others. A
    /// return inside the loop leaves the range in hand registered.
    /// </summary>
    [Theory]
    [InlineData("foreach (var range in ranges)\n    HmmApi.RangeUnregister(range);\nreturn 0;", false)]
    [InlineData("pending.AddRange(ranges);\nreturn 0;", false)]
    [InlineData("return 0;", false)]
    [InlineData("return 0;", true, "if (HmmApi.RangeFault(range, true) < 0)\n    {|#0:return -Errno.EFAULT;|}")]
    public async Task Every_range_of_a_list_registered_in_a_foreach(string after, bool reported, string inTheLoop = "")
    {
        var source = $$"""
            using System.Collections.Generic;
            using Hmm;

            static class Driver
            {
                public static int RegisterAll(HmmMirror mirror, List<HmmRange> ranges, List<HmmRange> pending)
                {
                    foreach (var range in ranges)
                    {
                        int ret = {|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                        {{inTheLoop.Replace("\n", "\n            ")}}
                    }

                    {{after.Replace("\n", "\n        ")}}
                }
            }
            """;
        await VerifyLeakAsync(source, reported, line: 10);
    }

    /// <summary>
    /// The same over an array by index: a local of the loop set once to an element is the
    /// array's. A new range made in the loop is this body's, and the last one still registered is
    /// reported where it leaves.
    /// </summary>
    [Theory]
    [InlineData("var range = ranges[i];", "for (int j = 0; j < ranges.Length; j++)\n    HmmApi.RangeUnregister(ranges[j]);\nreturn 0;", false)]
    [InlineData("var range = ranges[i];", "return 0;", false)]
    [InlineData("var range = ranges.ElementAt(i);", "return 0;", false)]
    [InlineData("var range = Array.Find(ranges, r => r.Start == (ulong)i)!;", "return 0;", false)]
    [InlineData("var range = ranges[i];\nif (range.Pfns is null)\n    range = new HmmRange { Start = range.Start, End = range.End };", "{|#0:return 0;|}", true)]
    [InlineData("var range = new HmmRange { Start = ranges[i].Start, End = ranges[i].End };", "{|#0:return 0;|}", true)]
    public async Task Every_range_of_an_array_registered_in_a_for_loop(string element, string after, bool reported)
    {
        var line = 12 + element.Count(c => c == '\n');
        var source = $$"""
            using System;
            using System.Linq;
            using Hmm;

            static class Driver
            {
                public static int RegisterAll(HmmMirror mirror, HmmRange[] ranges)
                {
                    for (int i = 0; i < ranges.Length; i++)
                    {
                        {{element.Replace("\n", "\n            ")}}
                        int ret = {|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                    }

                    {{after.Replace("\n", "\n        ")}}
                }
            }
            """;
        await VerifyLeakAsync(source, reported, line);
    }

    /// <summary>
    /// A local set to a member's range (amdgpu's <c>bo->range</c>, a device's range in a list) or
    /// to a parameter holds that range: as for the member itself, the body owns its lifetime only
    /// where it releases it on some path; then every exit that leaves it registered is reported.
    /// A range the body makes is its own.
    /// </summary>
    [Theory]
    [InlineData("var range = dev.Range;", false, false)]
    [InlineData("var range = dev.Range ?? new HmmRange { Start = start, End = end };", false, false)]
    [InlineData("var range = (HmmRange)(dev.Range!);", false, false)]
    [InlineData("var range = fallback;", false, false)]
    [InlineData("HmmRange range;\nrange = dev.Range;", false, false)]
    [InlineData("var range = dev.Range;", true, true)]
    [InlineData("var range = new HmmRange { Start = start, End = end };", true, true)]
    public async Task A_local_set_to_a_members_range_is_that_members(string local, bool releasedOnTimeout, bool reported)
    {
        var source = $$"""
            using Hmm;

            sealed class Device
            {
                public HmmRange Range { get; set; } = null!;
                public HmmMirror Mirror { get; } = null!;
            }

            static class Driver
            {
                public static int Bind(Device dev, HmmRange fallback, ulong start, ulong end)
                {
                    {{local.Replace("\n", "\n        ")}}
                    int ret = {|#1:HmmApi.RangeRegister(range, dev.Mirror, start, end, HmmApi.PageShift)|};
                    if (ret != 0)
                        return ret;
                    if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
                    {
                        {{(releasedOnTimeout ? "HmmApi.RangeUnregister(range);" : "")}}
                        return -Errno.EBUSY;
                    }

                    {|#0:return 0;|}
                }
            }
            """;
        await VerifyLeakAsync(source, reported, line: 14 + local.Count(c => c == '\n'));
    }

    /// <summary>
    /// The same for a device's range read in a loop over the devices.
    /// </summary>
    [Fact]
    public async Task The_range_of_each_device_of_a_list_is_the_devices()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Hmm;

            sealed class Device
            {
                public HmmRange Range = null!;
                public HmmMirror Mirror = null!;
            }

            static class Driver
            {
                public static int BindAll(List<Device> devs)
                {
                    foreach (var dev in devs)
                    {
                        var range = dev.Range;
                        int ret = HmmApi.RangeRegister(range, dev.Mirror, range.Start, range.End, HmmApi.PageShift);
                        if (ret != 0)
                            return ret;
                    }

                    return 0;
                }
            }
            """);
    }

    /// <summary>
    /// A try-register helper returns whether the registration succeeded, the errno in an out
    /// parameter: the caller learns the outcome and owns the range. With a catch too (the body
    /// goes to the control flow graph).
    /// </summary>
    [Theory]
    [InlineData("return err == 0;")]
    [InlineData("return err is 0;")]
    [InlineData("return !(err != 0);")]
    [InlineData("return HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) == 0;")]
    public async Task A_try_register_helper_hands_the_outcome_to_its_caller(string returned)
    {
        var register = "err = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);";
        if (returned.Contains("RangeRegister", StringComparison.Ordinal))
        {
            register = "err = 0;";
        }

        foreach (var body in new[]
        {
            $"{register}\n{returned}",
            $"try\n{{\n    {register}\n}}\ncatch (HmmException)\n{{\n    err = -Errno.EINVAL;\n    return false;\n}}\n{returned}",
        })
        {
            await VerifyAsync($$"""
                using Hmm;

                static class Driver
                {
                    public static bool TryRegister(HmmMirror mirror, HmmRange range, out int err)
                    {
                        {{body.Replace("\n", "\n            ")}}
                    }
                }
                """);
        }
    }

    /// <summary>try/catch/finally: the catch returns, the finally unregisters on every way out.</summary>
    [Fact]
    public async Task Try_catch_finally_that_unregisters_in_finally()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, HmmRange range)
                {
                    if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0)
                        return -Errno.EFAULT;
                    try
                    {
                        return HmmApi.RangeSnapshot(range);
                    }
                    catch (HmmException)
                    {
                        return -Errno.EBUSY;
                    }
                    finally
                    {
                        HmmApi.RangeUnregister(range);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task A_catch_that_returns_without_unregistering()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    try
                    {
                        long n = HmmApi.RangeSnapshot(range);
                        HmmApi.RangeUnregister(range);
                        return n;
                    }
                    catch (HmmException)
                    {
                        {|#0:return -Errno.EBUSY;|}
                    }
                    finally
                    {
                        Console.WriteLine("snapshot done");
                    }
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    /// <summary>
    /// An exception from a try inside a try/finally reaches the outer catch only after that
    /// finally has run: a finally that released the range leaves nothing to leak at a rethrow.
    /// A filter runs before the inner finally at run time; its handler after it.
    /// </summary>
    [Theory]
    [InlineData("HmmApi.RangeUnregister(range);", "", false)]
    [InlineData("HmmApi.RangeUnregister(range);", " when (e.Errno == Errno.EBUSY)", false)]
    [InlineData("Console.WriteLine(\"snapshot done\");", "", true)]
    [InlineData("Console.WriteLine(\"snapshot done\");", " when (e.Errno == Errno.EBUSY)", true)]
    public async Task A_rethrow_in_an_outer_catch_follows_the_inner_finally(string inner, string filter, bool reported)
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    long pages;
                    try
                    {
                        try
                        {
                            pages = HmmApi.RangeSnapshot(range);
                        }
                        finally
                        {
                            INNER
                        }
                    }
                    catch (HmmException e)FILTER
                    {
                        Console.WriteLine(e.Message);
                        {|#0:throw;|}
                    }

                    AFTER
                    return pages;
                }
            }
            """.Replace("AFTER", reported ? "HmmApi.RangeUnregister(range);" : "").Replace("INNER", inner).Replace("FILTER", filter);
        await VerifyLeakAsync(source, reported, line: 8);
    }

    /// <summary>
    /// A try/catch inside a finally: the path its catch takes goes on past the finally, the way
    /// the finally was entered, with the range the catch left registered.
    /// </summary>
    [Theory]
    [InlineData("HmmApi.RangeUnregister(range);", false)]
    [InlineData("Console.WriteLine(e.Errno);", true)]
    public async Task A_catch_inside_a_finally_goes_on_past_the_finally(string inCatch, bool reported)
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, HmmRange range, ulong[] device)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    long pages = 0;
                    try
                    {
                        pages = HmmApi.RangeFault(range, true);
                    }
                    finally
                    {
                        try
                        {
                            HmmApi.RangeSnapshot(range);
                            range.Pfns?.CopyTo(device, 0);
                            HmmApi.RangeUnregister(range);
                        }
                        catch (HmmException e)
                        {
                            IN_CATCH
                        }
                    }

                    {|#0:return pages;|}
                }
            }
            """.Replace("IN_CATCH", inCatch);
        await VerifyLeakAsync(source, reported, line: 8);
    }

    /// <summary>Two finally regions between the throw and the catch: both run, in turn, before it.</summary>
    [Theory]
    [InlineData("Console.WriteLine(\"snapshot done\");", "HmmApi.RangeUnregister(range);", false)]
    [InlineData("HmmApi.RangeUnregister(range);", "Console.WriteLine(\"snapshot done\");", false)]
    [InlineData("Console.WriteLine(\"snapshot done\");", "Console.WriteLine(\"fault done\");", true)]
    public async Task A_rethrow_in_an_outer_catch_follows_two_nested_finally_regions(string innermost, string middle, bool reported)
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                public static long Fault(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    long pages;
                    try
                    {
                        try
                        {
                            try
                            {
                                pages = HmmApi.RangeFault(range, true);
                            }
                            finally
                            {
                                INNERMOST
                            }
                        }
                        finally
                        {
                            MIDDLE
                        }
                    }
                    catch (HmmException)
                    {
                        {|#0:throw;|}
                    }

                    AFTER
                    return pages;
                }
            }
            """.Replace("AFTER", reported ? "HmmApi.RangeUnregister(range);" : "").Replace("INNERMOST", innermost).Replace("MIDDLE", middle);
        await VerifyLeakAsync(source, reported, line: 8);
    }

    /// <summary>
    /// The rethrow in the catch of an inner try/catch/finally reaches the outer catch through that
    /// finally, as the exceptions its catch does not take do.
    /// </summary>
    [Theory]
    [InlineData("HmmApi.RangeUnregister(range);", false)]
    [InlineData("Console.WriteLine(\"snapshot done\");", true)]
    public async Task A_rethrow_from_an_inner_catch_reaches_the_outer_catch_through_its_finally(string inner, bool reported)
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    long pages;
                    try
                    {
                        try
                        {
                            pages = HmmApi.RangeSnapshot(range);
                        }
                        catch (HmmException e)
                        {
                            Console.WriteLine(e.Errno);
                            throw;
                        }
                        finally
                        {
                            INNER
                        }
                    }
                    catch (Exception)
                    {
                        {|#0:throw;|}
                    }

                    AFTER
                    return pages;
                }
            }
            """.Replace("AFTER", reported ? "HmmApi.RangeUnregister(range);" : "").Replace("INNER", inner);
        await VerifyLeakAsync(source, reported, line: 8);
    }

    /// <summary>
    /// No catch: a throw in an inner try runs the inner finally, then the outer one, then leaves.
    /// </summary>
    [Theory]
    [InlineData("Console.WriteLine(\"snapshot done\");", "HmmApi.RangeUnregister(range);", false)]
    [InlineData("HmmApi.RangeUnregister(range);", "Console.WriteLine(\"fault done\");", false)]
    [InlineData("Console.WriteLine(\"snapshot done\");", "Console.WriteLine(\"fault done\");", true)]
    public async Task A_throw_in_an_inner_try_runs_both_finally_regions_on_its_way_out(string inner, string outer, bool reported)
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                public static long Snapshot(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    long pages;
                    try
                    {
                        try
                        {
                            pages = HmmApi.RangeSnapshot(range);
                            if (pages < 0)
                                {|#0:throw new InvalidOperationException("snapshot failed");|}
                        }
                        finally
                        {
                            INNER
                        }
                    }
                    finally
                    {
                        OUTER
                    }

                    AFTER
                    return pages;
                }
            }
            """.Replace("AFTER", reported ? "HmmApi.RangeUnregister(range);" : "").Replace("INNER", inner).Replace("OUTER", outer);
        await VerifyLeakAsync(source, reported, line: 8);
    }

    /// <summary>A using declaration for the mirror, a range per iteration of a loop below it.</summary>
    [Fact]
    public async Task A_using_declaration_with_a_loop_of_ranges()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int SnapshotAll(MmStruct mm, ulong[] starts)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    for (int i = 0; i < starts.Length; i++)
                    {
                        var range = new HmmRange { Start = starts[i], End = starts[i] + 0x1000 };
                        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                        if (ret == -Errno.EBUSY)
                            continue;
                        if (ret != 0)
                            return ret;
                        HmmApi.RangeSnapshot(range);
                        HmmApi.RangeUnregister(range);
                    }

                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_using_declaration_with_a_loop_that_breaks_while_registered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int SnapshotAll(MmStruct mm, ulong[] starts)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    for (int i = 0; i < starts.Length; i++)
                    {
                        var range = new HmmRange { Start = starts[i], End = starts[i] + 0x1000 };
                        int ret = {|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|};
                        if (ret != 0)
                            return ret;
                        if (HmmApi.RangeSnapshot(range) < 0)
                            break;
                        HmmApi.RangeUnregister(range);
                    }

                    {|#0:return 0;|}
                }
            }
            """,
            Hmm005(0, 1, "range", 11));
    }

    /// <summary>An async method: an await between registering and unregistering changes nothing.</summary>
    [Fact]
    public async Task An_async_method_that_unregisters_after_an_await()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Hmm;

            static class Driver
            {
                public static async Task<long> SnapshotAsync(HmmMirror mirror, HmmRange range)
                {
                    if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0)
                        return -Errno.EFAULT;
                    await Task.Yield();
                    long n = HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    return n;
                }
            }
            """);
    }

    [Fact]
    public async Task An_async_method_that_returns_registered_after_an_await()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Hmm;

            static class Driver
            {
                public static async Task<long> SnapshotAsync(HmmMirror mirror, HmmRange range)
                {
                    if ({|#1:HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)|} != 0)
                        return -Errno.EFAULT;
                    await Task.Yield();
                    long n = HmmApi.RangeSnapshot(range);
                    if (n < 0)
                        {|#0:return n;|}
                    HmmApi.RangeUnregister(range);
                    return n;
                }
            }
            """,
            Hmm005(0, 1, "range", 8));
    }

    /// <summary>Expression-bodied members hand the outcome to their caller, with the range.</summary>
    [Fact]
    public async Task Expression_bodied_members_hand_the_range_to_the_caller()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class Fault
            {
                private readonly HmmMirror mirror;
                private readonly HmmRange range = new HmmRange();

                public Fault(HmmMirror mirror) => this.mirror = mirror;

                public int Register(ulong start, ulong end) => HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);

                public static int RegisterFor(HmmRange range, HmmMirror mirror) => HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);

                public void Unregister() => HmmApi.RangeUnregister(range);
            }
            """);
    }

    [Theory]
    [InlineData("var range = new HmmRange(); HmmApi.RangeRegister(range, mirror, 0, ")]
    [InlineData("var range = new HmmRange(); HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift); return range")]
    [InlineData("var range = new HmmRange(); if (HmmApi.RangeRegister(range, mirror) != 0) return; throw")]
    [InlineData("var range = new HmmRange(); again: if (HmmApi.VmaFault(mirror, range, true) != 0) goto again2; HmmApi.VmaRangeDone(range);")]
    [InlineData("HmmApi.RangeRegister(null, mirror, 0, 0, 0); return;")]
    public async Task Half_typed_code_does_not_break_the_analyzer(string statement)
    {
        var test = new Verify.Test
        {
            TestCode = """
                using Hmm;

                static class Driver
                {
                    public static void Bind(HmmMirror mirror)
                    {
                        
                """ + statement + """

                    }
                }
                """ + DriverCode.Types,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        await test.RunAsync();
    }

    /// <summary>
    /// Correct code in the shapes drivers write: retries (do/while, goto, a lock with continue),
    /// translated and reused results, switch statements and expressions (a throwing arm), tuples,
    /// a local function or a disposable scope that releases the range, an error ladder. Every
    /// path that registered the range releases it: nothing is reported.
    /// </summary>
    [Theory]
    // a result set to a constant before a retry that may not run, or that the constant enters
    [InlineData("int ret = 0; for (int i = 0; i < 3; i++) { ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != -Errno.EBUSY) break; } if (ret != 0) return ret; HmmApi.RangeUnregister(range); return 0;")]
    [InlineData("int ret = -Errno.EBUSY; while (ret == -Errno.EBUSY) ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != 0) return ret; HmmApi.RangeUnregister(range); return 0;")]
    [InlineData("int ret = -Errno.EBUSY; for (int i = 0; i < 5 && ret == -Errno.EBUSY; i++) ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != 0) return ret; HmmApi.RangeUnregister(range); return 0;")]
    [InlineData("int ret = 0; foreach (var attempt in new[] { 1, 2 }) { ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret == 0) break; } if (ret != 0) return ret; HmmApi.RangeUnregister(range); return 0;")]
    [InlineData("int ret = -Errno.EINVAL; if (range.Start < range.End) ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != 0) return ret; HmmApi.RangeUnregister(range); return 0;")]
    [InlineData("int ret = 0; while (ret == 0) { ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret == 0) HmmApi.RangeUnregister(range); } return ret;")]
    // a flag and a result's constants: the constants give way first where too many ways meet
    [InlineData("bool registered = false; int ret = 0; if (range.Start < range.End) { ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret == 0) registered = true; } if (range.Start == 0) ret = -Errno.EAGAIN; else if (range.End == 0x1000) ret = -Errno.EINVAL; else if (range.End == 0x2000) ret = -Errno.ENOMEM; if (registered) HmmApi.RangeUnregister(range); return ret;")]
    // a do/while retry on EBUSY
    [InlineData("int ret; do { ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); } while (ret == -Errno.EBUSY); if (ret != 0) return ret; long n = HmmApi.RangeFault(range, true); HmmApi.RangeUnregister(range); return (int)n;")]
    // the result variable reused for the fault's count
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret < 0) return ret; ret = (int)HmmApi.RangeFault(range, true); if (ret < 0) { HmmApi.RangeUnregister(range); return ret; } HmmApi.RangeUnregister(range); return ret;")]
    // released by a local function
    [InlineData("if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0) return -1; Done(); return 0; void Done() => HmmApi.RangeUnregister(range);")]
    // a ?: whose success arm releases in a helper
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); return ret == 0 ? Finish(range) : ret;")]
    // a switch expression with a throwing arm
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); var n = ret switch { 0 => HmmApi.RangeFault(range, true), _ => throw new HmmException(ret, \"register\") }; HmmApi.RangeUnregister(range); return (int)n;")]
    // a catch that releases and rethrows
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != 0) return ret; try { HmmApi.RangeFault(range, true); } catch (HmmException) { HmmApi.RangeUnregister(range); throw; } HmmApi.RangeUnregister(range); return 0;")]
    // a registered flag from the result, released in a finally
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); bool registered = ret == 0; try { if (!registered) return ret; HmmApi.RangeFault(range, true); return 0; } finally { if (registered) HmmApi.RangeUnregister(range); }")]
    // a goto retry after RangeWaitUntilValid timed out
    [InlineData("again: int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != 0) return ret; if (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout)) { HmmApi.RangeUnregister(range); goto again; } HmmApi.RangeSnapshot(range); HmmApi.RangeUnregister(range); return 0;")]
    // a switch statement on the result
    [InlineData("switch (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift)) { case 0: break; case -Errno.EBUSY: return -Errno.EAGAIN; default: return -Errno.EFAULT; } HmmApi.RangeUnregister(range); return 0;")]
    // the result deconstructed from a tuple
    [InlineData("var (ret, tag) = (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift), 1); if (ret != 0) return ret; HmmApi.RangeUnregister(range); return tag;")]
    // a disposable scope that releases
    [InlineData("if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0) return -1; using var scope = new RangeScope(range); HmmApi.RangeFault(range, true); return 0;")]
    // a failure that returns, a finally that releases
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret < 0) { Console.WriteLine(ret); return ret; } try { HmmApi.RangeFault(range, true); } finally { HmmApi.RangeUnregister(range); } return ret;")]
    // a nullable range with !
    [InlineData("HmmRange? r = range; if (HmmApi.RangeRegister(r, mirror, r.Start, r.End, HmmApi.PageShift) != 0) return -1; HmmApi.RangeUnregister(r!); return 0;")]
    // released only where it succeeded
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret == 0) { HmmApi.RangeFault(range, true); HmmApi.RangeUnregister(range); } return ret;")]
    // the kernel's goto ladder
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != 0) goto out_free; if (HmmApi.RangeFault(range, true) < 0) { ret = -Errno.EFAULT; goto out_unregister; } ret = 0; out_unregister: HmmApi.RangeUnregister(range); out_free: return ret;")]
    // is not 0 and var err
    [InlineData("if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) is not 0 and var err) return err; HmmApi.RangeUnregister(range); return 0;")]
    // a retry whose lock releases, then continues or returns
    [InlineData("object gate = new(); while (true) { int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != 0) return ret; HmmApi.RangeFault(range, true); lock (gate) { if (!HmmApi.RangeValid(range)) { HmmApi.RangeUnregister(range); continue; } HmmApi.RangeUnregister(range); return 0; } }")]
    // VmaFault and VmaRangeDone
    [InlineData("int ret = HmmApi.VmaFault(mirror, range, true); if (ret != 0) return ret; bool valid = HmmApi.VmaRangeDone(range); return valid ? 0 : -Errno.EAGAIN;")]
    // compared with a named constant
    [InlineData("const int Ok = 0; int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret != Ok) return ret; HmmApi.RangeUnregister(range); return Ok;")]
    // a nullable local holding the registered range
    [InlineData("HmmRange? held = null; if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) == 0) held = range; if (held is not null) HmmApi.RangeUnregister(held); return 0;")]
    // the result in a field, tested
    [InlineData("lastError = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (lastError != 0) return lastError; HmmApi.RangeUnregister(range); return 0;")]
    // a relational pattern
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); if (ret is < 0) return ret; HmmApi.RangeUnregister(range); return 0;")]
    // a bool that says the registration failed
    [InlineData("int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift); bool failed = ret != 0; if (failed) { Console.WriteLine(\"fail\"); return ret; } HmmApi.RangeUnregister(range); return 0;")]
    // foreach with continue
    [InlineData("foreach (var r in new[] { range }) { if (HmmApi.RangeRegister(r, mirror, r.Start, r.End, HmmApi.PageShift) != 0) continue; HmmApi.RangeUnregister(r); } return 0;")]
    public async Task Released_on_every_path_in_the_shapes_drivers_write(string body)
    {
        var source = $$"""
            using System;
            using Hmm;

            sealed class RangeScope(HmmRange range) : IDisposable { public void Dispose() => HmmApi.RangeUnregister(range); }

            static class Driver
            {
                static int lastError;
                static int Finish(HmmRange range) { HmmApi.RangeUnregister(range); return 0; }

                public static int Bind(HmmMirror mirror, HmmRange range)
                {
                    {{body}}
                }
            }
            """;
        await VerifyAsync(source);
    }
}
