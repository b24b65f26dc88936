using Hmm.Analyzers.FlowAnalysis;
using Hmm.Analyzers.Tests.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Tests.FlowAnalysis;

/// <summary>
/// The walk over the operation tree that spares the common driver shapes Roslyn's control flow
/// graph: which bodies it takes, which it leaves to the graph, and that where it takes one it
/// finds what the graph finds. (Every rule test also runs <see cref="Differential.FlowAgreementAnalyzer"/>.)
/// </summary>
public class StructuredBodyAnalysisTests
{
    public static TheoryData<string, string> DriverShapes => new()
    {
        {
            "a known flag bound to a check in a loop whose rounds differ in what the flag was bound to",
            """
            static int Probe(HmmMirror mirror, HmmRange range, long n)
            {
                var local = new HmmRange { Start = 0x1000UL, End = 0x3000UL };
                bool registered = true;
                int ret = HmmApi.VmaFault(range, true);
                while (ret != 0)
                {
                    if (HmmApi.RangeRegister(local, mirror, 0x1000UL, 0x3000UL, HmmApi.PageShift) != 0)
                        return ret;
                    HmmApi.RangeRegister(range, mirror, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                }
                HmmApi.RangeUnregister(range);
                return registered ? ret : 0;
            }
            """
        },
        {
            "a flag a lambda also sets, made of a registration's comparison: followed by neither walk",
            """
            static int Probe(HmmMirror mirror, HmmRange range)
            {
                bool registered = false;
                System.Func<int> reset = () => { registered = false; return 0; };
                registered = HmmApi.RangeRegister(range, mirror, 0x1000UL, 0x3000UL, HmmApi.PageShift) is 0;
                HmmApi.RangeSnapshot(range);
                return reset();
            }
            """
        },
        {
            "a flag made of a registration's comparison, then tested",
            """
            static int Probe(HmmMirror mirror, HmmRange range)
            {
                int ret = HmmApi.RangeRegister(range, mirror, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                bool ok = ret == 0;
                if (!ok)
                    return ret;
                HmmApi.RangeSnapshot(range);
                return 0;
            }
            """
        },
        {
            "a goto retry whose failed registration loops back before a later round drops the result's link",
            """
            static int Probe(HmmMirror mirror, HmmRange local, MmStruct mm, long n, int p)
            {
                int ret = 0;
            again:
                if (p > ret)
                {
                    ret = HmmApi.RangeRegister(local, mm, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                    ret = HmmApi.MirrorRegister(mirror, mm);
                }
                if (n < 0 || ret == -Errno.EAGAIN)
                    goto again;
                return ret;
            }
            """
        },
        {
            "a mirror's registration whose errnos two tests tell apart, then a result named by is int",
            """
            static int Probe(HmmRange range, MmStruct mm)
            {
                var mirror = new HmmMirror(new DeviceOps());
                int ret = HmmApi.MirrorRegister(mirror, mm);
                if (ret != 0 && ret != -Errno.EBUSY)
                    return ret;
                if (ret == -Errno.EBUSY)
                    Console.WriteLine(ret);
                if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) is int err && err != 0)
                    return err;
                HmmApi.RangeUnregister(range);
                HmmApi.MirrorUnregister(mirror);
                return 0;
            }
            """
        },
        {
            "the legacy fault retried until its result is success or -EBUSY (an or pattern)",
            """
            static int Probe(HmmMirror mirror, HmmRange range)
            {
                int ret = HmmApi.VmaFault(range, true);
                while (!(ret is 0 or -Errno.EBUSY))
                {
                    ret = HmmApi.VmaFault(mirror, range, true);
                    HmmApi.VmaRangeDone(range);
                }
                return ret;
            }
            """
        },
        {
            "a result that a flag's ?: gives, translated by a switch expression",
            """
            static int Probe(NouveauSvmm svmm, HmmMirror mirror, HmmRange range, MmStruct mm, int code, int[] items, bool populate)
            {
                var local = new HmmRange { Start = 0x1000UL, End = 0x3000UL };
                int ret = !populate ? HmmApi.RangeRegister(local, mirror, 0x1000UL, 0x3000UL, HmmApi.PageShift) : -Errno.EINVAL;
                int error1 = ret switch { 0 => 0, -Errno.EAGAIN => -Errno.EBUSY, var e1 when e1 < -100 => -Errno.EINVAL, var e1 => e1 };
                if (error1 != 0)
                {
                    ret = HmmApi.RangeRegister(local, svmm.Mm, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                }
                return ret;
            }
            """
        },
        {
            "the populate-range retry: goto again, out of a lock",
            """
            static long Probe(NouveauSvmm svmm, HmmRange range, object update)
            {
                int ret = HmmApi.RangeRegister(range, svmm.Mirror, 0, 4096, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
            again:
                long snapshot = HmmApi.RangeSnapshot(range);
                if (snapshot == -Errno.EAGAIN)
                {
                    HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                    goto again;
                }
                lock (update)
                {
                    if (!HmmApi.RangeValid(range))
                        goto again;
                }
                HmmApi.RangeUnregister(range);
                return snapshot;
            }
            """
        },
        {
            "a using mirror, the range released in finally, a conditional return value",
            """
            static int Probe(MmStruct mm, ulong start, ulong end)
            {
                using var mirror = HmmMirror.Register(mm, new DeviceOps());
                var range = new HmmRange { Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
                try
                {
                    long pages = HmmApi.RangeFault(range, false);
                    return pages < 0 ? (int)pages : 0;
                }
                finally
                {
                    HmmApi.RangeUnregister(range);
                }
            }
            """
        },
        {
            "loops with break and continue, a bo's notifier looked up with ?.",
            """
            static int Probe(AmdgpuBo? bo, HmmRange range)
            {
                var mn = bo?.Mn;
                if (mn is null)
                    return -Errno.EFAULT;
                for (int tries = 0; tries < 4; tries++)
                {
                    int r = HmmApi.RangeRegister(range, mn.Mirror, 0, 4096, HmmApi.PageShift);
                    if (r == -Errno.EBUSY)
                        continue;
                    if (r != 0)
                        return r;
                    do
                    {
                        if (HmmApi.RangeValid(range))
                            break;
                    }
                    while (HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout));
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
                return -Errno.EBUSY;
            }
            """
        },
        {
            "a lock in a retry loop inside a finally, one result variable three registrations write in turn",
            """
            static int Probe(NouveauSvmm svmm, HmmMirror mirror, HmmRange range, MmStruct mm)
            {
                var local = new HmmRange { Start = 0x1000UL, End = 0x3000UL };
                int ret = HmmApi.MirrorRegister(mirror, mm);
                try
                {
                    HmmApi.VmaRangeDone(local);
                }
                finally
                {
                    while (!(ret is 0 or -Errno.EBUSY))
                    {
                        lock (svmm.Mutex)
                        {
                            ret = HmmApi.RangeRegister(range, svmm.Mm, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                        }
                        ret = HmmApi.RangeRegister(local, svmm.Mm, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                    }
                }
                return ret;
            }
            """
        },
        {
            "a loop inside a finally that both a return and the normal way out of the try walk: each way keeps its own loop states",
            """
            static int Probe(HmmMirror mirror, HmmRange range, int ret)
            {
                try
                {
                    if (ret == 0)
                        return ret;
                    HmmApi.MirrorUnregister(mirror);
                }
                finally
                {
                    do
                    {
                        ret = HmmApi.VmaFault(mirror, range, true);
                    }
                    while (ret == -Errno.EBUSY);
                }
                return HmmApi.VmaFault(mirror, range, true);
            }
            """
        },
        {
            "a switch on the registration's result: sections that return, break, and default in the middle",
            """
            static int Probe(HmmMirror mirror, HmmRange range, Dictionary<int, string> names, MmStruct mm)
            {
                int ret = HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift);
                switch (ret)
                {
                    case 0:
                        break;
                    default:
                        return ret;
                    case -Errno.ENOMEM:
                    case -Errno.EBUSY:
                        names[ret] = "busy or out of memory";
                        return ret;
                }
                mm.MmapSem.DownRead();
                long pages = HmmApi.RangeFault(range, true);
                mm.MmapSem.UpRead();
                HmmApi.RangeUnregister(range);
                return pages < 0 ? (int)pages : 0;
            }
            """
        },
        {
            "a switch on the call itself, patterns with a variable and a guard, inside a retry loop",
            """
            static int Probe(HmmMirror mirror, HmmRange range, int budget)
            {
                for (int attempt = 0; attempt < budget; attempt++)
                {
                    switch (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift))
                    {
                        case -Errno.EBUSY:
                            continue;
                        case < 0 and var error when attempt + 1 < budget:
                            HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                            budget += error;
                            continue;
                        case var error when error != 0:
                            return error;
                    }
                    long pages = HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    return (int)Math.Min(pages, 0);
                }
                return -Errno.EBUSY;
            }
            """
        },
        {
            "foreach over the ranges: a failed registration skipped, a return from inside, break",
            """
            static int Probe(HmmMirror mirror, IReadOnlyList<HmmRange> ranges, HmmRange[] more)
            {
                int faulted = 0;
                foreach (var range in ranges)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        continue;
                    if (HmmApi.RangeSnapshot(range) < 0)
                    {
                        HmmApi.RangeUnregister(range);
                        return -Errno.EFAULT;
                    }
                    faulted++;
                    HmmApi.RangeUnregister(range);
                }
                foreach (var range in more)
                {
                    if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0)
                        break;
                    HmmApi.RangeUnregister(range);
                }
                return faulted;
            }
            """
        },
        {
            "foreach over mirrors under a lock, a switch inside it",
            """
            static int Probe(List<HmmMirror> mirrors, HmmRange range, object update)
            {
                lock (update)
                {
                    foreach (var mirror in mirrors)
                    {
                        switch (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift))
                        {
                            case 0:
                                HmmApi.RangeUnregister(range);
                                return 0;
                            default:
                                break;
                        }
                    }
                }
                return -Errno.EFAULT;
            }
            """
        },
        {
            "a switch expression on the result, the range released only where it was registered",
            """
            static string Probe(HmmMirror mirror, HmmRange range)
            {
                int ret = HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift);
                string text = ret switch
                {
                    0 => "registered",
                    -Errno.EBUSY => "busy",
                    var error when error < -100 => "odd " + error,
                    _ => "failed " + ret,
                };
                if (ret == 0)
                    HmmApi.RangeUnregister(range);
                return text;
            }
            """
        },
        {
            "a switch expression that keeps the result, and one no arm may match",
            """
            static int Probe(HmmMirror mirror, HmmRange range, int mode)
            {
                int ret = HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift);
                int err = ret switch { 0 => 0, -Errno.EBUSY => -Errno.EAGAIN, var other => other };
                if (err != 0)
                    return err;
                long pages = mode switch { 0 => HmmApi.RangeSnapshot(range), 1 => HmmApi.RangeFault(range, true) };
                HmmApi.RangeUnregister(range);
                return (int)Math.Min(pages, 0);
            }
            """
        },
        {
            "?: as a value: the registration in one arm, the result returned through another",
            """
            static int Probe(HmmMirror mirror, HmmRange range, bool populate)
            {
                int ret = populate ? HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) : -Errno.EINVAL;
                if (ret != 0)
                    return ret;
                bool valid = HmmApi.RangeValid(range);
                HmmApi.RangeUnregister(range);
                return valid && populate ? 0 : -Errno.EFAULT;
            }
            """
        },
        {
            "an expression-bodied registration handed to a keeper",
            """
            static int Probe(HmmMirror mirror, HmmRange range, List<HmmRange> pending) =>
                HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) is 0 ? Keep(pending, range) : -Errno.EBUSY;

            static int Keep(List<HmmRange> pending, HmmRange range)
            {
                pending.Add(range);
                return 0;
            }
            """
        },
        {
            "a static local function faulting under the mmap lock, a lambda registering and releasing each range",
            """
            static int Probe(HmmMirror mirror, MmStruct mm, IReadOnlyList<HmmRange> ranges)
            {
                static long Fault(MmStruct mm, HmmRange range)
                {
                    mm.MmapSem.DownRead();
                    try
                    {
                        return HmmApi.RangeFault(range, true);
                    }
                    finally
                    {
                        mm.MmapSem.UpRead();
                    }
                }

                Predicate<HmmRange> populated = range =>
                {
                    if (HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift) != 0)
                        return false;
                    long pages = Fault(mm, range);
                    HmmApi.RangeUnregister(range);
                    return pages >= 0;
                };
                int done = 0;
                foreach (var range in ranges)
                    if (populated(range))
                        done++;
                return done;
            }
            """
        },
        {
            "a flag set where one branch registered, tested after the paths met",
            """
            static int Probe(HmmMirror mirror, HmmRange range, bool need)
            {
                bool registered = false;
                if (need)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    registered = true;
                }
                HmmApi.RangeValid(range);
                if (registered)
                    HmmApi.RangeUnregister(range);
                return 0;
            }
            """
        },
        {
            "a retry that breaks out registered and a flag that says so, a bool parameter tested twice",
            """
            static long Probe(HmmMirror mirror, HmmRange range, int tries, bool populate)
            {
                bool registered = false;
                for (int i = 0; i < tries; i++)
                {
                    if (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) != 0)
                        continue;
                    registered = true;
                    break;
                }
                long pages = 0;
                if (registered && populate)
                    pages = HmmApi.RangeFault(range, true);
                if (!registered)
                    return -Errno.EBUSY;
                if (populate)
                    HmmApi.RangeValid(range);
                HmmApi.RangeUnregister(range);
                return pages;
            }
            """
        },
        {
            "more ways of three flags than are kept apart, in a loop",
            """
            static int Probe(HmmMirror mirror, HmmRange range, bool a, bool b, int n)
            {
                bool c = false;
                for (int i = 0; i < n; i++)
                {
                    if (a)
                        c = !c;
                    if (b)
                    {
                        if (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) != 0)
                            return -1;
                        c = true;
                    }
                    if (c && a)
                        HmmApi.RangeUnregister(range);
                    else if (b)
                        HmmApi.RangeUnregister(range);
                }
                return c ? 1 : 0;
            }
            """
        },
        {
            "a range the body registers and a lambda releases later (captured: shared, not leaked here)",
            """
            static Action Probe(HmmMirror mirror, HmmRange range, List<Action> later)
            {
                if (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) != 0)
                    return () => { };
                Action release = () => HmmApi.RangeUnregister(range);
                later.Add(release);
                Func<int, bool> failed = code => code < 0;
                int code = HmmApi.RangeSnapshot(range) < 0 ? -1 : 0;
                return failed(code) ? release : () => HmmApi.RangeValid(range);
            }
            """
        },
        {
            "a flag and a bool parameter switched on, a guard and a default",
            """
            static int Probe(HmmMirror mirror, HmmRange range, bool populate)
            {
                bool registered = false;
                if (populate)
                {
                    if (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) != 0)
                        return -1;
                    registered = true;
                }
                switch (populate)
                {
                    case true when range.Pfns is null:
                        HmmApi.RangeValid(range);
                        break;
                    case false:
                        return 0;
                }
                switch (registered)
                {
                    case false:
                        break;
                    default:
                        HmmApi.RangeUnregister(range);
                        break;
                }
                return 1;
            }
            """
        },
        {
            "a mirror registered with an mm variable the loops assign again",
            """
            static int Probe(MmStruct[] mms, HmmRange range)
            {
                var mm = mms[0];
                using var mirror = HmmMirror.Register(mm, new DeviceOps());
                for (int i = 1; i < mms.Length; i++)
                {
                    if (HmmApi.RangeRegister(range, mm, 0, 4096, HmmApi.PageShift) == 0)
                        HmmApi.RangeUnregister(range);
                    mm = mms[i];
                }
                foreach (var each in mms)
                {
                    mm = each;
                    HmmApi.VmaFault(range, true);
                }
                return HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift);
            }
            """
        },
        {
            "a throw in an inner try runs the inner finally, then the outer one",
            """
            static long Probe(MmStruct mm, HmmRange range)
            {
                var mirror = HmmMirror.Register(mm, new DeviceOps());
                try
                {
                    if (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) != 0)
                        return -Errno.EFAULT;
                    try
                    {
                        long pages = HmmApi.RangeSnapshot(range);
                        if (pages < 0)
                            throw new InvalidOperationException("snapshot failed");
                        return pages;
                    }
                    finally
                    {
                        HmmApi.RangeUnregister(range);
                    }
                }
                finally
                {
                    HmmApi.MirrorUnregister(mirror);
                }
            }
            """
        },
        {
            "try/finally twice around a lock, the release in the outer finally, a throw innermost",
            """
            static long Probe(HmmMirror mirror, HmmRange range, object update)
            {
                if (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) != 0)
                    return -Errno.EFAULT;
                try
                {
                    try
                    {
                        lock (update)
                        {
                            if (!HmmApi.RangeValid(range))
                                throw new InvalidOperationException("invalidated");
                            return HmmApi.RangeSnapshot(range);
                        }
                    }
                    finally
                    {
                        Console.WriteLine("snapshot done");
                    }
                }
                finally
                {
                    HmmApi.RangeUnregister(range);
                }
            }
            """
        },
        {
            "a throw that leaks through two finally regions that release nothing",
            """
            static long Probe(HmmMirror mirror, HmmRange range)
            {
                if (HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) != 0)
                    return -Errno.EFAULT;
                long pages;
                try
                {
                    try
                    {
                        pages = HmmApi.RangeFault(range, true);
                        if (pages < 0)
                            throw new InvalidOperationException("fault failed");
                    }
                    finally
                    {
                        Console.WriteLine("fault done");
                    }
                }
                finally
                {
                    Console.WriteLine(range.Start);
                }
                HmmApi.RangeUnregister(range);
                return pages;
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(DriverShapes))]
    public async Task A_driver_shape_is_walked_without_a_graph_and_agrees_with_it(string shape, string probe)
    {
        var (body, symbols) = await CompileAsync(probe);

        Assert.True(StructuredBodyAnalysis.TryAnalyze(body, symbols, everyCall: false, CancellationToken.None, out var walked), shape);
        var graph = HmmFlowAnalysis.Analyze(ControlFlowGraph.Create((IMethodBodyOperation)body), symbols, CancellationToken.None);
        Assert.NotNull(walked);
        var disagreement = Differential.FlowAgreement.Disagreement(walked, graph);
        Assert.True(disagreement is null, disagreement);
        foreach (var call in body.Descendants().OfType<IInvocationOperation>().Where(i => HmmCall.Classify(i, symbols).Kind != HmmCallKind.None))
        {
            Assert.NotNull(walked!.StateBefore(call.Syntax));
        }
    }

    // Two blocks, each done with its own range before the next begins; the second registers `second`.
    public static TheoryData<string, string> BlocksDoneWith => new()
    {
        {
            "the kernel's error ladder, a result variable per block",
            """
            static int Probe(HmmMirror mirror, HmmRange first, HmmRange second)
            {
                int ret0 = HmmApi.RangeRegister(first, mirror, 0, 4096, HmmApi.PageShift);
                if (ret0 != 0)
                    goto out_first;
                if (HmmApi.RangeFault(first, true) < 0)
                    goto out_unregister_first;
                HmmApi.RangeValid(first);
            out_unregister_first:
                HmmApi.RangeUnregister(first);
            out_first:
                int ret1 = HmmApi.RangeRegister(second, mirror, 4096, 8192, HmmApi.PageShift);
                if (ret1 != 0)
                    return ret1;
                HmmApi.RangeUnregister(second);
                return 0;
            }
            """
        },
        {
            "registered under an if, unregistered inside it",
            """
            static void Probe(HmmMirror mirror, HmmRange first, HmmRange second)
            {
                if (HmmApi.RangeRegister(first, mirror, 0, 4096, HmmApi.PageShift) == 0)
                {
                    HmmApi.RangeFault(first, true);
                    HmmApi.RangeUnregister(first);
                }
                if (HmmApi.RangeRegister(second, mirror, 4096, 8192, HmmApi.PageShift) == 0)
                    HmmApi.RangeUnregister(second);
            }
            """
        },
        {
            "a retry loop that breaks on failure",
            """
            static void Probe(HmmMirror mirror, HmmRange first, HmmRange second)
            {
                for (int attempt = 0; attempt < 3; attempt++)
                {
                    int ret = HmmApi.RangeRegister(first, mirror, 0, 4096, HmmApi.PageShift);
                    if (ret != 0)
                        break;
                    long pages = HmmApi.RangeFault(first, true);
                    HmmApi.RangeUnregister(first);
                    if (pages != -Errno.EBUSY)
                        break;
                }
                if (HmmApi.RangeRegister(second, mirror, 4096, 8192, HmmApi.PageShift) == 0)
                    HmmApi.RangeUnregister(second);
            }
            """
        },
    };

    // A range its only registration left unregistered on every path, and the variable of that
    // call's result, leave the state: a long method's state does not grow with its blocks.
    [Theory]
    [MemberData(nameof(BlocksDoneWith))]
    public async Task A_block_done_with_leaves_nothing_in_the_state(string shape, string probe)
    {
        var (body, symbols) = await CompileAsync(probe);
        var second = body.Descendants().OfType<IInvocationOperation>()
            .Last(i => i.TargetMethod.Name == "RangeRegister")
            .Syntax;

        Assert.True(StructuredBodyAnalysis.TryAnalyze(body, symbols, everyCall: false, CancellationToken.None, out var walked), shape);
        var graph = HmmFlowAnalysis.Analyze(ControlFlowGraph.Create((IMethodBodyOperation)body), symbols, CancellationToken.None);
        foreach (var result in new[] { walked!, graph! })
        {
            var state = result.StateBefore(second);
            Assert.NotNull(state);
            Assert.True(state!.Ranges.IsEmpty, shape);
            Assert.True(state.Results.IsEmpty, shape);
        }
    }

    public static TheoryData<string, string> ShapesLeftToTheGraph => new()
    {
        { "goto case", "static int Probe(HmmRange range, HmmMirror mirror, int code) { switch (code) { case 0: return HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift); case 1: goto case 0; default: return 0; } }" },
        { "?: inside ?:, with a call", "static int Probe(HmmRange range, HmmMirror mirror, bool a, bool b) => a ? 0 : b ? HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) : -Errno.EINVAL;" },
        { "a variable takes ?: in a loop", "static void Probe(HmmRange range, HmmMirror mirror, bool a) { for (int i = 0; i < 2; i++) { int ret = a ? HmmApi.RangeRegister(range, mirror, 0, 4096, HmmApi.PageShift) : -Errno.EINVAL; if (ret == 0) HmmApi.RangeUnregister(range); } }" },
        { "foreach with a deconstruction", "static void Probe(List<(HmmRange Range, int Code)> pending) { foreach (var (range, code) in pending) HmmApi.RangeUnregister(range); }" },
        { "catch", "static void Probe(HmmRange range) { try { HmmApi.RangeUnregister(range); } catch (InvalidOperationException) { } }" },
        { "a catch around a try/finally", "static void Probe(HmmRange range) { try { try { HmmApi.RangeSnapshot(range); } finally { HmmApi.RangeUnregister(range); } } catch (HmmException) { throw; } }" },
        { "an iterator local function", "static IEnumerable<int> Probe(HmmRange range) { return Pages(); IEnumerable<int> Pages() { yield return HmmApi.RangeSnapshot(range) < 0 ? 0 : 1; } }" },
        { "?. in an HMM call", "static int Probe(HmmRange range, AmdgpuBo? bo) => HmmApi.RangeRegister(range, bo?.Mn.Mirror!, 0, 4096, HmmApi.PageShift);" },
        { "?? beside a range handed over", "static void Probe(HmmRange range, List<HmmRange> pending, string? name) => Keep(pending, range, name ?? \"none\");\nstatic void Keep(List<HmmRange> pending, HmmRange range, string name) => pending.Add(range);" },
    };

    [Theory]
    [MemberData(nameof(ShapesLeftToTheGraph))]
    public async Task Other_shapes_are_left_to_the_graph(string shape, string probe)
    {
        var (body, symbols) = await CompileAsync(probe);

        Assert.False(StructuredBodyAnalysis.TryAnalyze(body, symbols, everyCall: false, CancellationToken.None, out _), shape);
    }

    private static async Task<(IOperation Body, HmmSymbols Symbols)> CompileAsync(string member)
    {
        var source = "using System;\nusing System.Collections.Generic;\nusing Hmm;\nstatic class Driver\n{\n" + member + "\n}\n" + DriverCode.Types;
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(source);
        var tree = compilation.SyntaxTrees.Single();
        var method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().First(m => m.Identifier.Text == "Probe");
        return (compilation.GetSemanticModel(tree).GetOperation(method)!, HmmSymbols.TryCreate(compilation)!);
    }
}
