using Microsoft.CodeAnalysis.Testing;
using Verify = Hmm.Analyzers.Tests.Verifiers.AnalyzerVerifier<Hmm.Analyzers.Rules.MirrorNotLiveAnalyzer>;

namespace Hmm.Analyzers.Tests.Rules;

/// <summary>
/// HMM003 — Mirror may not be registered here. <c>RangeRegister(range, M, ...)</c> and
/// <c>VmaFault(M, ...)</c> are reported on the mirror argument when M is not registered on some
/// path: a local before its registration, after <c>MirrorUnregister</c>, <c>Dispose</c> or the
/// end of its <c>using</c>, or after a registration whose failure was not handled; a parameter,
/// field or property only when this method unregistered it first.
/// </summary>
public class HMM003Tests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify.VerifyAnalyzerAsync(source + DriverCode.Types, expected);

    private static DiagnosticResult Hmm003(string mirror, string call, string why) =>
        Verify.Diagnostic("HMM003").WithLocation(0).WithArguments(mirror, call, why);

    /// <summary>
    /// The driver most tests here vary: a new mirror, then <paramref name="before"/> (its
    /// registration, its checks, whatever hands it on), then a range registered through it (#0,
    /// line 11 when <paramref name="before"/> is one line, its first line 10) and both released.
    /// </summary>
    private static string NewMirrorThenRange(string before, string parameters = "MmStruct mm, HmmRange range", string declarations = "", string helpers = "") => $$"""
        using System;
        using System.Collections.Generic;
        using Hmm;
        {{declarations}}
        static class Driver
        {{{helpers}}
            public static int Bind({{parameters}})
            {
                var mirror = new HmmMirror(new DeviceOps());
                {{before}}
                int bound = HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                if (bound == 0)
                    HmmApi.RangeUnregister(range);
                HmmApi.MirrorUnregister(mirror);
                return bound;
            }
        }
        """;

    // Reported with `why`, or (null) the same code without its marker and nothing reported.
    private static Task VerifyMirrorAsync(string source, string? why) =>
        why is null
            ? VerifyAsync(source.Replace("{|#0:", "").Replace("|}", ""))
            : VerifyAsync(source, Hmm003("mirror", "HmmApi.RangeRegister", why));

    [Fact]
    public async Task A_new_mirror_that_was_never_registered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    return HmmApi.RangeRegister(range, {|#0:mirror|}, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 8"));
    }

    /// <summary>
    /// <c>mirror.IsRegistered</c>, the runtime's own liveness check, tells the paths apart: past
    /// <c>if (!mirror.IsRegistered) return</c> the mirror is registered; where it said false, it is not.
    /// </summary>
    [Theory]
    [InlineData("if (!mirror.IsRegistered)\n            return ret;", false)]
    [InlineData("if (mirror.IsRegistered == false)\n            return ret;", false)]
    [InlineData("if (mirror.IsRegistered)\n            return ret;", true)]
    public async Task Its_IsRegistered_property_tells_whether_the_mirror_is_registered(string check, bool reported)
    {
        var source = $$"""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, bool eager)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    {{check}}
                    ret = HmmApi.RangeRegister(range, {|#0:mirror|}, 0x1000, 0x2000, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """;
        if (reported)
        {
            await VerifyAsync(source, Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 11"));
        }
        else
        {
            await VerifyAsync(source.Replace("{|#0:", "").Replace("|}", ""));
        }
    }

    /// <summary>
    /// A pattern that matches errnos only (<c>is -Errno.ENOMEM or -Errno.EFAULT</c>) is the
    /// failed registration's side: the mirror is not registered there, on the other side it may be.
    /// </summary>
    [Fact]
    public async Task Used_where_an_or_pattern_matched_the_registration_failures()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (ret is -Errno.ENOMEM or -Errno.EFAULT)
                    {
                        Console.WriteLine("no mirror, trying anyway");
                        return HmmApi.RangeRegister(range, {|#0:mirror|}, 0x1000, 0x2000, HmmApi.PageShift);
                    }

                    if (ret is not 0)
                        return ret;
                    ret = HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 13"));
    }

    [Fact]
    public async Task Registered_on_one_branch_only()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, bool attach)
                {
                    HmmMirror? mirror = null;
                    if (attach)
                        mirror = HmmMirror.Register(mm, new DeviceOps());
                    return HmmApi.RangeRegister(range, {|#0:mirror!|}, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror!", "HmmApi.RangeRegister", "it is not registered before line 10"));
    }

    /// <summary>
    /// A flag set where the mirror was registered, or a bool parameter tested twice, is followed:
    /// the second test takes only the paths that set it so, in a catch too.
    /// </summary>
    [Fact]
    public async Task A_mirror_registered_where_a_flag_or_parameter_says_so()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int OnDemand(MmStruct mm, HmmRange range, bool device)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    bool mirrored = false;
                    if (device)
                    {
                        int ret = HmmApi.MirrorRegister(mirror, mm);
                        if (ret != 0)
                            return ret;
                        mirrored = true;
                    }

                    int result = 0;
                    if (mirrored)
                    {
                        result = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                        if (result == 0)
                            HmmApi.RangeUnregister(range);
                        HmmApi.MirrorUnregister(mirror);
                    }

                    return result;
                }

                public static int Caught(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    bool mirrored = false;
                    try
                    {
                        if (HmmApi.MirrorRegister(mirror, mm) != 0)
                            return -1;
                        mirrored = true;
                        Console.WriteLine("mirrored");
                        return 0;
                    }
                    catch (InvalidOperationException)
                    {
                        if (mirrored)
                            return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                        return -1;
                    }
                }

                public static int Twice(MmStruct mm, HmmRange range, bool device)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (device && HmmApi.MirrorRegister(mirror, mm) != 0)
                        return -1;
                    Console.WriteLine("probed");
                    return device ? HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift) : 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_bool_parameter_tested_the_wrong_way_round()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, bool device)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (device)
                    {
                        if (HmmApi.MirrorRegister(mirror, mm) != 0)
                            return -1;
                    }

                    Console.WriteLine("probed");
                    if (!device)
                        return HmmApi.RangeRegister(range, {|#0:mirror|}, 0, 0x1000, HmmApi.PageShift);
                    return 0;
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 17"));
    }

    [Fact]
    public async Task A_registration_whose_failure_is_not_handled()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    ret = HmmApi.RangeRegister(range, {|#0:mirror|}, 0x1000, 0x2000, HmmApi.PageShift);
                    return ret;
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "its registration at line 8 may have failed"));
    }

    /// <summary>
    /// The registration's outcome kept in a bool (<c>bool ok = HmmApi.MirrorRegister(mirror, mm) == 0;</c>)
    /// is tested as the result: after <c>if (!ok) return ...;</c> the mirror is registered; without
    /// the test, the path where it failed reaches the call with the mirror not registered.
    /// </summary>
    [Theory]
    [InlineData("bool ok = HmmApi.MirrorRegister(mirror, mm) == 0;", "if (!ok)\n    return -Errno.ENOMEM;", false)]
    [InlineData("int err = HmmApi.MirrorRegister(mirror, mm);\nbool failed = err != 0;", "if (failed)\n    return err;", false)]
    [InlineData("bool ok = HmmApi.MirrorRegister(mirror, mm) == 0;", "", true)]
    public async Task A_registration_whose_outcome_is_kept_in_a_bool(string registration, string check, bool reported)
    {
        var source = $$"""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    {{registration.Replace("\n", "\n        ")}}
                    {{check.Replace("\n", "\n        ")}}
                    int ret = HmmApi.RangeRegister(range, {|#0:mirror|}, 0x1000, 0x2000, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """;
        await (reported
            ? VerifyAsync(source, Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 10"))
            : VerifyAsync(source.Replace("{|#0:", "").Replace("|}", "")));
    }

    /// <summary>
    /// A mirror made on first use: <c>??=</c> or a test against null. A local set to null takes
    /// the branch where it is null only, so the mirror is registered on every path after it.
    /// </summary>
    [Fact]
    public async Task A_mirror_registered_on_first_use_is_live_after_it()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Lazy(MmStruct mm, HmmRange range)
                {
                    HmmMirror? mirror = null;
                    mirror ??= HmmMirror.Register(mm, new DeviceOps());
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    mirror.Dispose();
                    return ret;
                }

                public static int Tested(MmStruct mm, HmmRange range)
                {
                    HmmMirror? mirror = null;
                    if (mirror is null)
                        mirror = HmmMirror.Register(mm, new DeviceOps());
                    using (mirror)
                    {
                        return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task A_mirror_made_on_one_branch_only_is_still_null_on_the_other()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range, bool fast)
                {
                    HmmMirror? mirror = null;
                    if (fast)
                        mirror ??= HmmMirror.Register(mm, new DeviceOps());
                    return HmmApi.RangeRegister(range, {|#0:mirror!|}, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror!", "HmmApi.RangeRegister", "it is not registered before line 10"));
    }

    [Fact]
    public async Task A_failure_checked_through_a_pattern_on_the_assignment_is_handled()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret;
                    if ((ret = HmmApi.MirrorRegister(mirror, mm)) is var error && error != 0)
                        return error;
                    ret = HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }

                public static int Positive(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (ret > 0)
                        return HmmApi.RangeRegister(range, mirror, 0x1000, 0x2000, HmmApi.PageShift);
                    return ret;
                }
            }
            """);
    }

    /// <summary>
    /// <c>is int err</c> on a result matches every value, as <c>is var err</c> does: there is no
    /// path where it fails and the registration's failure went on unchecked.
    /// </summary>
    [Theory]
    [InlineData("is int err")]
    [InlineData("is var err")]
    [InlineData("is int and var err")]
    public async Task A_result_named_by_a_type_pattern_then_checked(string pattern)
    {
        await VerifyMirrorAsync(NewMirrorThenRange($"if (HmmApi.MirrorRegister(mirror, mm) {pattern} && err != 0)\n            return err;"), why: null);
    }

    /// <summary>
    /// The analysis does not keep which errnos a path has. A first test that lets one errno on
    /// and a second that tells errnos apart may leave no failure at the call, or some: silent.
    /// A failure that no test let on is still reported where a test of one errno leaves the others.
    /// </summary>
    [Theory]
    [InlineData("if (ret != 0 && ret != -Errno.EBUSY)\n            return ret;\n        if (ret == -Errno.EBUSY)\n            return -Errno.EAGAIN;", false)]
    [InlineData("if (ret != 0)\n            Console.WriteLine(ret);\n        if (ret is -Errno.EBUSY or -Errno.ENOMEM)\n            return ret;", false)]
    [InlineData("if (ret == -Errno.EBUSY)\n            return -Errno.EAGAIN;", true)]
    [InlineData("if (ret != 0 && ret != -Errno.EBUSY)\n            return ret;", true)]
    public async Task Errnos_told_apart_by_two_tests(string checks, bool reported)
    {
        var line = 12 + checks.Count(c => c == '\n');
        var why = checks.Contains("&&") ? $"it is not registered before line {line}" : "its registration at line 10 may have failed";
        await VerifyMirrorAsync(NewMirrorThenRange("int ret = HmmApi.MirrorRegister(mirror, mm);\n        " + checks), reported ? why : null);
    }

    /// <summary>
    /// A result variable set to 0 or an errno before the registration that may not run (behind an
    /// `if`, in a retry loop whose first test the constant passes): a test of the variable takes
    /// the constant's path its own way. An errno there returns before the range; a 0 goes on
    /// with the mirror never registered.
    /// </summary>
    [Theory]
    [InlineData("int ret = -Errno.EINVAL;\n        if (range.Start < range.End)\n            ret = HmmApi.MirrorRegister(mirror, mm);\n        if (ret != 0)\n            return ret;", null)]
    [InlineData("int ret = -Errno.EBUSY;\n        for (int tries = 0; tries < 3 && ret == -Errno.EBUSY; tries++)\n            ret = HmmApi.MirrorRegister(mirror, mm);\n        if (ret != 0)\n            return ret;", null)]
    [InlineData("int ret = -Errno.EBUSY;\n        while (ret == -Errno.EBUSY)\n            ret = HmmApi.MirrorRegister(mirror, mm);\n        if (ret < 0)\n            return ret;", null)]
    [InlineData("int ret = 0;\n        if (range.Start < range.End)\n            ret = HmmApi.MirrorRegister(mirror, mm);\n        if (ret != 0)\n            return ret;", "it is not registered before line 15")]
    public async Task A_result_variable_set_to_a_constant_before_a_registration_that_may_not_run(string before, string? why)
    {
        await VerifyMirrorAsync(NewMirrorThenRange(before), why);
    }

    [Fact]
    public async Task A_failure_check_that_does_not_leave_still_leaves_the_failed_path()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (ret != 0)
                        Console.WriteLine("mirror registration failed: " + ret);
                    return HmmApi.RangeRegister(range, {|#0:mirror|}, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 12"));
    }

    [Fact]
    public async Task After_MirrorUnregister()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Rebind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    HmmApi.MirrorUnregister(mirror);
                    return HmmApi.RangeRegister(range, {|#0:mirror|}, 0x1000, 0x2000, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it may be unregistered at line 8"));
    }

    [Fact]
    public async Task After_a_conditional_Dispose()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(MmStruct mm, HmmRange range, bool shutdown)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    if (shutdown)
                    {
                        mirror.Dispose();
                    }

                    return HmmApi.VmaFault({|#0:mirror|}, range, true);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.VmaFault", "it may be unregistered at line 10"));
    }

    [Fact]
    public async Task After_the_end_of_its_using_block()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(MmStruct mm, HmmRange range)
                {
                    HmmMirror mirror;
                    using (mirror = HmmMirror.Register(mm, new DeviceOps()))
                    {
                        if (HmmApi.VmaFault(mirror, range, true) == 0)
                            HmmApi.VmaRangeDone(range);
                    }

                    return HmmApi.VmaFault({|#0:mirror|}, range, true);
                }
            }
            """,
            Verify.Diagnostic("HMM003").WithLocation(0).WithArguments("mirror", "HmmApi.VmaFault", "it may be unregistered at line 8"));
    }

    [Fact]
    public async Task A_parameter_this_method_unregistered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Svm
            {
                public static int Teardown(NouveauSvmm svmm, HmmRange range)
                {
                    HmmApi.MirrorUnregister(svmm.Mirror);
                    return HmmApi.RangeRegister(range, {|#0:svmm.Mirror|}, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("svmm.Mirror", "HmmApi.RangeRegister", "it may be unregistered at line 7"));
    }

    [Fact]
    public async Task Unregistered_in_the_previous_loop_iteration()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static void FaultAll(HmmMirror mirror, HmmRange[] ranges)
                {
                    foreach (var range in ranges)
                    {
                        if (HmmApi.VmaFault({|#0:mirror|}, range, true) == 0)
                            HmmApi.VmaRangeDone(range);
                        HmmApi.MirrorUnregister(mirror);
                    }
                }
            }
            """,
            Hmm003("mirror", "HmmApi.VmaFault", "it may be unregistered at line 11"));
    }

    [Fact]
    public async Task Inside_a_local_function_that_disposes_its_own_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Run(MmStruct mm, HmmRange range)
                {
                    return Once();

                    int Once()
                    {
                        var mirror = HmmMirror.Register(mm, new DeviceOps());
                        mirror.Dispose();
                        return HmmApi.VmaFault({|#0:mirror|}, range, false);
                    }
                }
            }
            """,
            Hmm003("mirror", "HmmApi.VmaFault", "it may be unregistered at line 12"));
    }

    [Fact]
    public async Task A_handled_registration_in_every_spelling()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int NotZero(MmStruct mm, HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (ret != 0)
                        return ret;
                    return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                }

                public static int Negative(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (ret < 0)
                        return ret;
                    return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                }

                public static int Inline(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (HmmApi.MirrorRegister(mirror, mm) != 0)
                        return -Errno.EFAULT;
                    return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                }

                public static int Pattern(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (HmmApi.MirrorRegister(mirror, mm) is not 0)
                        throw new System.InvalidOperationException();
                    return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                }

                public static int SuccessBranch(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (0 == ret)
                    {
                        ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                        HmmApi.MirrorUnregister(mirror);
                    }

                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task Re_registered_after_unregistration()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Rebind(MmStruct mm, HmmRange range, HmmMirror mirror)
                {
                    HmmApi.MirrorUnregister(mirror);
                    if (HmmApi.MirrorRegister(mirror, mm) != 0)
                        return -Errno.EFAULT;
                    return HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task The_nouveau_retry_loop_with_the_embedded_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            static class NouveauSvm
            {
                public static int Fault(NouveauSvmm svmm, HmmRange range)
                {
                    svmm.Mm.MmapSem.DownRead();
                again:
                    int ret = HmmApi.VmaFault(svmm.Mirror, range, true);
                    if (ret == 0)
                    {
                        lock (svmm.Mutex)
                        {
                            if (!HmmApi.VmaRangeDone(range))
                                goto again;
                        }
                    }

                    svmm.Mm.MmapSem.UpRead();
                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task Parameters_fields_and_properties_are_their_owners_to_keep_registered()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class Device
            {
                private HmmMirror mirror = null!;
                private HmmMirror Current { get; } = null!;

                public int Fault(HmmRange range, HmmMirror given, AmdgpuBo bo)
                {
                    HmmApi.VmaFault(mirror, range, true);
                    HmmApi.VmaFault(this.Current, range, true);
                    HmmApi.VmaFault(given, range, true);
                    var alias = bo.Mn.Mirror;
                    return HmmApi.RangeRegister(range, alias, 0, 0x1000, HmmApi.PageShift);
                }
            }
            """);
    }

    [Fact]
    public async Task A_using_declaration_is_live_to_the_end_of_its_block()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(MmStruct mm, HmmRange[] ranges)
                {
                    using var mirror = HmmMirror.Register(mm, new DeviceOps());
                    foreach (var range in ranges)
                    {
                        int ret = HmmApi.VmaFault(mirror, range, true);
                        if (ret != 0)
                            return ret;
                        HmmApi.VmaRangeDone(range);
                    }

                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_mirror_registered_and_unregistered_per_loop_iteration()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int FaultEach(MmStruct[] mms, HmmRange range)
                {
                    foreach (var mm in mms)
                    {
                        var mirror = new HmmMirror(new DeviceOps());
                        if (HmmApi.MirrorRegister(mirror, mm) != 0)
                            continue;
                        try
                        {
                            if (HmmApi.VmaFault(mirror, range, true) == 0)
                                HmmApi.VmaRangeDone(range);
                        }
                        finally
                        {
                            HmmApi.MirrorUnregister(mirror);
                        }
                    }

                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_lambda_is_its_own_body_and_captured_mirrors_are_assumed_live()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static Func<HmmRange, int> Faulter(MmStruct mm)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    Func<HmmRange, int> fault = range => HmmApi.VmaFault(mirror, range, true);
                    return fault;
                }
            }
            """);
    }

    /// <summary>
    /// A mirror handed to code this method does not see (a helper, a constructor, a field, a
    /// collection, a <c>ref</c>) or used by a lambda or local function may be registered there:
    /// from there on it is that code's to keep registered, as a parameter is its caller's.
    /// </summary>
    [Theory]
    [InlineData("if (Setup(mirror, mm) != 0)\n            return -Errno.EFAULT;")]
    [InlineData("Setup(mirror, mm);")]
    [InlineData("SetupRef(ref mirror, mm);")]
    [InlineData("mirror.Attach(mm);")]
    [InlineData("var binding = new Binding(mirror);\n        binding.Start(mm);")]
    [InlineData("device.Mirror = mirror;\n        device.Start(mm);")]
    [InlineData("mirrors.Add(mirror);\n        RegisterAll(mirrors, mm);")]
    [InlineData("Action register = () => HmmApi.MirrorRegister(mirror, mm);\n        register();")]
    [InlineData("Register();\n        void Register() => HmmApi.MirrorRegister(mirror, mm);")]
    public async Task A_mirror_handed_to_code_that_may_register_it(string handOver)
    {
        const string declarations = """

            sealed class Device
            {
                public HmmMirror? Mirror;
                public void Start(MmStruct mm) => HmmApi.MirrorRegister(Mirror!, mm);
            }

            sealed class Binding(HmmMirror mirror)
            {
                public void Start(MmStruct mm) => HmmApi.MirrorRegister(mirror, mm);
            }

            static class MirrorSetup
            {
                public static void Attach(this HmmMirror mirror, MmStruct mm) => HmmApi.MirrorRegister(mirror, mm);
            }

            """;
        const string helpers = """

                static int Setup(HmmMirror mirror, MmStruct mm) => HmmApi.MirrorRegister(mirror, mm);
                static int SetupRef(ref HmmMirror mirror, MmStruct mm) => HmmApi.MirrorRegister(mirror, mm);
                static void RegisterAll(List<HmmMirror> mirrors, MmStruct mm)
                {
                    foreach (var mirror in mirrors)
                        HmmApi.MirrorRegister(mirror, mm);
                }

            """;
        await VerifyMirrorAsync(
            NewMirrorThenRange(handOver, "MmStruct mm, HmmRange range, Device device, List<HmmMirror> mirrors", declarations, helpers),
            why: null);
    }

    /// <summary>
    /// Reading a mirror hands it to no one: its properties, a null test, a copy into a local and
    /// the calls of Hmm.Api keep it followed; so does a lambda or local function that only reads it
    /// or registers ranges with it (neither changes whether it is registered).
    /// </summary>
    [Theory]
    [InlineData("Console.WriteLine(mirror.IsRegistered);")]
    [InlineData("if (mirror is null)\n            return -Errno.EINVAL;")]
    [InlineData("var again = mirror;")]
    [InlineData("Console.WriteLine(HmmApi.PageShift);")]
    [InlineData("int Refault(HmmRange other) => HmmApi.RangeRegister(other, mirror, other.Start, other.End, HmmApi.PageShift);")]
    [InlineData("Func<bool> live = () => mirror.IsRegistered;")]
    public async Task A_mirror_only_read_is_still_followed(string read)
    {
        await VerifyMirrorAsync(NewMirrorThenRange(read), $"it is not registered before line {11 + read.Count(c => c == '\n')}");
    }

    [Fact]
    public async Task Unregistration_after_the_call_is_fine()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 0x1000, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    mirror.Dispose();
                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task Legacy_calls_generated_code_and_user_methods_are_not_this_rules()
    {
        await VerifyAsync("""
            using Hmm;

            static class Mine
            {
                public static int VmaFault(HmmMirror mirror, HmmRange range, bool block) => 0;
            }

            static class Driver
            {
                public static int Fault(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    HmmApi.RangeRegister(range, mm, 0, 0x1000, HmmApi.PageShift);
                    return Mine.VmaFault(mirror, range, true);
                }
            }
            """);
        await VerifyAsync("""
            // <auto-generated/>
            using Hmm;

            static class Driver
            {
                public static int Bind(HmmRange range) =>
                    HmmApi.RangeRegister(range, new HmmMirror(new DeviceOps()), 0, 0x1000, HmmApi.PageShift);
            }
            """);
    }

    /// <summary>The failure is told apart by a pattern that names the errno and tests it in one go.</summary>
    [Fact]
    public async Task A_registration_checked_by_a_declaration_pattern_with_and()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int RegisterOrThrow(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (HmmApi.MirrorRegister(mirror, mm) is int error and not 0)
                        throw new InvalidOperationException($"mirror registration failed: {error}");

                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """);
    }

    /// <summary>A check the analysis cannot read (a helper): it cannot tell, so it says nothing.</summary>
    [Fact]
    public async Task A_registration_checked_by_a_helper()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                static bool Failed(int ret) => ret < 0;

                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (Failed(ret))
                        return ret;

                    ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task A_pattern_whose_and_lets_the_failure_through_is_still_reported()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int RegisterOrThrow(MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (HmmApi.MirrorRegister(mirror, mm) is int error and > 0)
                        throw new InvalidOperationException($"odd result: {error}");

                    return HmmApi.RangeRegister(range, {|#0:mirror|}, start, end, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "its registration at line 9 may have failed"));
    }

    /// <summary>A switch expression reads the result, a test after it leaves on failure: registered below.</summary>
    [Fact]
    public async Task A_registration_read_by_a_switch_expression_and_then_checked()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    Console.WriteLine(ret switch
                    {
                        0 => "mirror registered",
                        -Errno.ENOMEM => "out of memory",
                        _ => "mirror registration failed",
                    });
                    if (ret is not 0 and var err)
                        return err;

                    ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task A_registration_read_by_a_switch_expression_and_never_checked()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    Console.WriteLine(ret switch { 0 => "mirror registered", _ => "mirror registration failed" });
                    return HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 11"));
    }

    /// <summary>A switch statement whose cases rejoin, then a second test: only the success path goes on.</summary>
    [Fact]
    public async Task A_switch_statement_whose_cases_rejoin_then_a_second_test()
    {
        await VerifyAsync("""
            using System;
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    switch (ret)
                    {
                        case 0:
                            Console.WriteLine("mirror registered");
                            break;
                        case < 0:
                            Console.WriteLine("mirror registration failed");
                            break;
                    }

                    if (ret != 0)
                        return ret;
                    ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """);
    }

    /// <summary>One variable holds the result of either of two registrations: a test of it cannot say which, so it is silent.</summary>
    [Fact]
    public async Task Two_registrations_on_two_branches_checked_by_one_test()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, MmStruct fallback, HmmRange range, bool primary)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret;
                    if (primary)
                        ret = HmmApi.MirrorRegister(mirror, mm);
                    else
                        ret = HmmApi.MirrorRegister(mirror, fallback);
                    if (ret != 0)
                        return ret;
                    ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """);
    }

    /// <summary>A retry that can only leave by its break, after a registration that succeeded.</summary>
    [Fact]
    public async Task A_while_true_retry_that_leaves_only_registered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    while (true)
                    {
                        int ret = HmmApi.MirrorRegister(mirror, mm);
                        if (ret == -Errno.EAGAIN)
                            continue;
                        if (ret != 0)
                            return ret;
                        break;
                    }

                    int err = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (err == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return err;
                }
            }
            """);
    }

    [Fact]
    public async Task A_bounded_retry_that_runs_out_unregistered()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    for (int tries = 0; tries < 3; tries++)
                    {
                        int ret = HmmApi.MirrorRegister(mirror, mm);
                        if (ret == -Errno.EAGAIN)
                            continue;
                        if (ret != 0)
                            return ret;
                        break;
                    }

                    return HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it is not registered before line 18"));
    }

    /// <summary>The continue out of the lock takes the unregistered mirror back to the top, not past the lock.</summary>
    [Fact]
    public async Task A_continue_out_of_a_lock_keeps_its_own_state()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, NouveauSvmm svmm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    while (true)
                    {
                        if (HmmApi.MirrorRegister(mirror, mm) != 0)
                            return -Errno.ENOMEM;
                        lock (svmm.Mutex)
                        {
                            if (!HmmApi.MirrorMmIsAlive(mirror))
                            {
                                HmmApi.MirrorUnregister(mirror);
                                continue;
                            }
                        }

                        int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                        if (ret == 0)
                            HmmApi.RangeUnregister(range);
                        HmmApi.MirrorUnregister(mirror);
                        return ret;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task An_unregistration_inside_a_lock_that_falls_through()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, NouveauSvmm svmm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    while (true)
                    {
                        if (HmmApi.MirrorRegister(mirror, mm) != 0)
                            return -Errno.ENOMEM;
                        lock (svmm.Mutex)
                        {
                            if (!HmmApi.MirrorMmIsAlive(mirror))
                                HmmApi.MirrorUnregister(mirror);
                        }

                        return HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                    }
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it may be unregistered at line 15"));
    }

    /// <summary>The kernel's error ladder: the range is registered only past the mirror's check.</summary>
    [Fact]
    public async Task The_kernels_goto_error_ladder()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    int ret = HmmApi.MirrorRegister(mirror, mm);
                    if (ret != 0)
                        goto out_free;
                    ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        goto out_unregister;
                    HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                out_unregister:
                    HmmApi.MirrorUnregister(mirror);
                out_free:
                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task An_error_ladder_that_retries_after_unregistering()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    bool retried = false;
                again:
                    int ret = HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        goto out_unregister;
                    HmmApi.RangeUnregister(range);
                out_unregister:
                    HmmApi.MirrorUnregister(mirror);
                    if (ret == -Errno.EBUSY && !retried)
                    {
                        retried = true;
                        goto again;
                    }
                    return ret;
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it may be unregistered at line 15"));
    }

    /// <summary>foreach and try/catch/finally around ranges of one mirror that a finally unregisters.</summary>
    [Fact]
    public async Task A_foreach_in_a_try_whose_finally_unregisters_the_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int SnapshotAll(MmStruct mm, HmmRange[] ranges)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (HmmApi.MirrorRegister(mirror, mm) is not 0 and var err)
                        return err;
                    try
                    {
                        foreach (var range in ranges)
                        {
                            if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0)
                                continue;
                            HmmApi.RangeSnapshot(range);
                            HmmApi.RangeUnregister(range);
                        }
                    }
                    catch (HmmException)
                    {
                        return -Errno.EFAULT;
                    }
                    finally
                    {
                        HmmApi.MirrorUnregister(mirror);
                    }

                    return 0;
                }
            }
            """);
    }

    [Fact]
    public async Task A_catch_that_unregisters_and_falls_through()
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Bind(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    try
                    {
                        HmmApi.RangeSnapshot(range);
                    }
                    catch (HmmException)
                    {
                        HmmApi.MirrorUnregister(mirror);
                    }

                    return HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it may be unregistered at line 14"));
    }

    /// <summary>
    /// An exception from a try inside a try/finally reaches the outer catch only after that
    /// finally has run: a mirror the finally unregistered is not live in the catch, unless the
    /// catch registers it again.
    /// </summary>
    [Theory]
    [InlineData("", true)]
    [InlineData("if (HmmApi.MirrorRegister(mirror, mm) != 0)\n                return -Errno.EFAULT;", false)]
    public async Task A_mirror_an_inner_finally_unregistered_is_not_live_in_the_outer_catch(string registerAgain, bool reported)
    {
        var source = $$"""
            using Hmm;

            static class Driver
            {
                public static int Fault(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    try
                    {
                        try
                        {
                            HmmApi.RangeSnapshot(range);
                        }
                        finally
                        {
                            HmmApi.MirrorUnregister(mirror);
                        }
                    }
                    catch (HmmException)
                    {
                        {{registerAgain}}
                        return HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                    }

                    return 0;
                }
            }
            """;
        if (reported)
        {
            await VerifyAsync(source, Hmm003("mirror", "HmmApi.RangeRegister", "it may be unregistered at line 16"));
        }
        else
        {
            await VerifyAsync(source.Replace("{|#0:", "").Replace("|}", ""));
        }
    }

    /// <summary>
    /// The catch of an inner try/catch/finally that rethrows: the outer catch is reached through the
    /// inner finally, from the inner try and from the rethrow, whatever the rethrow follows.
    /// </summary>
    [Theory]
    [InlineData("", "HmmApi.MirrorUnregister(mirror);", 21)]
    [InlineData("HmmApi.MirrorUnregister(mirror);", "", 16)]
    public async Task A_rethrow_from_an_inner_catch_reaches_the_outer_catch_with_the_mirror_unregistered(string inCatch, string inFinally, int line)
    {
        await VerifyAsync("""
            using Hmm;

            static class Driver
            {
                public static int Fault(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    try
                    {
                        try
                        {
                            HmmApi.RangeSnapshot(range);
                        }
                        catch (HmmException)
                        {
                            IN_CATCH
                            throw;
                        }
                        finally
                        {
                            IN_FINALLY
                        }
                    }
                    catch (HmmException)
                    {
                        return HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                    }

                    HmmApi.MirrorUnregister(mirror);
                    return 0;
                }
            }
            """.Replace("IN_CATCH", inCatch).Replace("IN_FINALLY", inFinally),
            Hmm003("mirror", "HmmApi.RangeRegister", $"it may be unregistered at line {line}"));
    }

    /// <summary>An async method: the mirror stays registered across an await.</summary>
    [Fact]
    public async Task An_async_method_registers_across_an_await()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Hmm;

            static class Driver
            {
                public static async Task<int> BindAsync(MmStruct mm, HmmRange range)
                {
                    var mirror = new HmmMirror(new DeviceOps());
                    if (HmmApi.MirrorRegister(mirror, mm) != 0)
                        return -Errno.ENOMEM;
                    await Task.Yield();
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret == 0)
                        HmmApi.RangeUnregister(range);
                    HmmApi.MirrorUnregister(mirror);
                    return ret;
                }
            }
            """);
    }

    [Fact]
    public async Task An_async_method_that_unregisters_before_an_await()
    {
        await VerifyAsync("""
            using System.Threading.Tasks;
            using Hmm;

            static class Driver
            {
                public static async Task<int> RebindAsync(MmStruct mm, HmmRange range)
                {
                    var mirror = HmmMirror.Register(mm, new DeviceOps());
                    HmmApi.MirrorUnregister(mirror);
                    await Task.Yield();
                    return HmmApi.RangeRegister(range, {|#0:mirror|}, range.Start, range.End, HmmApi.PageShift);
                }
            }
            """,
            Hmm003("mirror", "HmmApi.RangeRegister", "it may be unregistered at line 9"));
    }

    /// <summary>Expression-bodied members: a mirror field is its owner's to keep registered.</summary>
    [Fact]
    public async Task Expression_bodied_members_use_the_owners_mirror()
    {
        await VerifyAsync("""
            using Hmm;

            sealed class Binder
            {
                private readonly HmmMirror mirror;

                public Binder(MmStruct mm) => mirror = HmmMirror.Register(mm, new DeviceOps());

                public int Bind(HmmRange range) => HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);

                public int Fault(HmmRange range) => HmmApi.VmaFault(mirror, range, true);
            }
            """);
    }

    [Theory]
    [InlineData("var mirror = new HmmMirror(); HmmApi.VmaFault(mirror, range, ")]
    [InlineData("HmmMirror mirror; HmmApi.VmaFault(mirror, range, true);")]
    [InlineData("var mirror = HmmMirror.Register(svmm.Mm, null!); mirror.Dispose(; HmmApi.VmaFault(mirror, range")]
    [InlineData("HmmApi.MirrorUnregister(); HmmApi.VmaFault(svmm.Mirror, range, true);")]
    [InlineData("using var m = HmmMirror.Register(svmm.Mm, null!); goto end; HmmApi.VmaFault(m, range, true); end2:")]
    [InlineData("var mirror = new HmmMirror(null!); HmmApi.VmaFault({|#0:mirror|}, range, true); int x = ", true)]
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
            test.ExpectedDiagnostics.Add(Hmm003("mirror", "HmmApi.VmaFault", "it is not registered before line 7"));
        }

        await test.RunAsync();
    }
}
