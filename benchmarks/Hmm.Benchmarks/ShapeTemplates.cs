using System.Text;
using System.Text.RegularExpressions;

namespace Hmm.Benchmarks;

/// <summary>
/// The <see cref="CorpusMix.Shapes"/> mix: correct HMM code (every registered range is
/// unregistered on every path, every mirror live where it is used) in the shapes the driver
/// corpus has few of, inside classes, records, primary-constructor and generic classes and static
/// classes. Any HMM003 or HMM005 on it is a false positive.
/// </summary>
public static partial class ShapeTemplates
{
    /// <summary>The kinds of type a shapes file declares its driver as.</summary>
    public enum Container
    {
        Class,
        Record,
        PrimaryConstructor,
        Generic,
        Static,
    }

    public static int Count => Hmm.Length;

    /// <summary>Shape method number <paramref name="template"/>, named <paramref name="name"/>, static members in a static container.</summary>
    public static string Method(int template, string name, Container container, int constant)
    {
        var text = Hmm[template].Replace("@NAME@", name).Replace("@K@", constant.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return container == Container.Static ? MakeStatic(text) : text;
    }

    /// <summary>Makes the members of a template static (the static container) unless they already are.</summary>
    public static string MakeStatic(string member) => InstanceMember().Replace(member, "$1static ");

    /// <summary>The usings and the start of a driver type of the given kind; the caller appends members and the closing brace.</summary>
    public static void AppendDriverStart(StringBuilder text, string @namespace, string name, Container container)
    {
        text.Append("using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Linq;\nusing System.Text;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing Hmm;\n\n");
        text.Append($"namespace {@namespace};\n\n");
        const string Tables = "    private readonly object update = new();\n    private readonly Dictionary<int, string> names = new();\n    private readonly List<ulong> table = new();\n    private HmmRange? pending;\n\n    public Bo? Bo { get; set; }\n\n";
        switch (container)
        {
            case Container.Class:
                text.Append($"public sealed class {name}\n{{\n");
                text.Append("    private readonly HmmMirror mirror;\n    private readonly MmStruct mm;\n\n");
                text.Append($"    public {name}(HmmMirror mirror, MmStruct mm)\n    {{\n        this.mirror = mirror;\n        this.mm = mm;\n    }}\n\n");
                text.Append(Tables);
                break;
            case Container.Record:
                // The positional parameters are the record's properties `mirror` and `mm`.
                text.Append($"public sealed record {name}(HmmMirror mirror, MmStruct mm)\n{{\n");
                text.Append(Tables);
                break;
            case Container.PrimaryConstructor:
                // Captured primary constructor parameters.
                text.Append($"public sealed class {name}(HmmMirror mirror, MmStruct mm)\n{{\n");
                text.Append(Tables);
                break;
            case Container.Generic:
                text.Append($"public sealed class {name}<TTag>(HmmMirror mirror, MmStruct mm) where TTag : struct\n{{\n");
                text.Append(Tables);
                break;
            case Container.Static:
                text.Append($"public static class {name}\n{{\n");
                text.Append("    private static HmmMirror mirror = null!;\n    private static MmStruct mm = null!;\n\n");
                text.Append("    public static void Attach(HmmMirror driverMirror, MmStruct driverMm)\n    {\n        mirror = driverMirror;\n        mm = driverMm;\n    }\n\n");
                text.Append(MakeStatic(Tables));
                break;
        }
    }

    // Four-space-indented member declarations that are not static yet.
    [GeneratedRegex(@"(?m)^(    (?:public|private) )(?!static |const )")]
    private static partial Regex InstanceMember();

    private static readonly string[] Hmm =
    {
        // A switch statement on the registration's result.
        """
            public int @NAME@(HmmRange range, ulong start, ulong end)
            {
                int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                switch (ret)
                {
                    case 0:
                        break;
                    case -Errno.ENOMEM:
                        names[@K@] = "out of memory";
                        return ret;
                    default:
                        return ret;
                }

                mm.MmapSem.DownRead();
                long pages = HmmApi.RangeFault(range, true);
                mm.MmapSem.UpRead();
                HmmApi.RangeUnregister(range);
                return pages < 0 ? (int)pages : 0;
            }

        """,
        // A switch expression on the result, then the range released only where it was registered.
        """
            public string @NAME@(HmmRange range, ulong start, ulong end)
            {
                int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                string text = ret switch
                {
                    0 => "registered",
                    -Errno.EBUSY => "busy",
                    _ => "failed " + ret,
                };
                if (ret == 0)
                    HmmApi.RangeUnregister(range);
                return text;
            }

        """,
        // foreach over the ranges, a failed registration skipped with continue.
        """
            public int @NAME@(IReadOnlyList<HmmRange> ranges)
            {
                int faulted = 0;
                foreach (var range in ranges)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, range.Start, range.End, HmmApi.PageShift);
                    if (ret != 0)
                        continue;
                    if (HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout) && HmmApi.RangeSnapshot(range) >= 0)
                        faulted++;
                    HmmApi.RangeUnregister(range);
                }

                return faulted;
            }

        """,
        // try/catch/finally around a nested try/finally that returns.
        """
            public long @NAME@(ulong start, ulong end)
            {
                var range = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
                try
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
                catch (HmmException e) when (e.Errno != @K@)
                {
                    names[@K@] = e.Message;
                    return -Errno.EFAULT;
                }
                finally
                {
                    HmmApi.RangeUnregister(range);
                }
            }

        """,
        // A retry loop whose lock block continues or returns, each after releasing the range.
        """
            public int @NAME@(HmmRange range, ulong start, ulong end)
            {
                for (int attempt = 0; attempt < 4; attempt++)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    long n = HmmApi.RangeSnapshot(range);
                    lock (update)
                    {
                        if (n < 0 || !HmmApi.RangeValid(range))
                        {
                            HmmApi.RangeUnregister(range);
                            continue;
                        }

                        table.Add(range.Start);
                        HmmApi.RangeUnregister(range);
                        return (int)n;
                    }
                }

                return -Errno.EBUSY;
            }

        """,
        // A scoped mirror in a using declaration, ranges registered in a loop under it.
        """
            public int @NAME@(IHmmMirrorOps ops, ulong start, int count)
            {
                using var scoped = HmmMirror.Register(mm, ops);
                int done = 0;
                for (int i = 0; i < count; i++)
                {
                    var range = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[16] };
                    ulong at = start + ((ulong)i << 16);
                    if (HmmApi.RangeRegister(range, scoped, at, at + 65536, HmmApi.PageShift) != 0)
                        break;
                    while (!HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout))
                    {
                        if (++done > @K@)
                        {
                            HmmApi.RangeUnregister(range);
                            return -Errno.EBUSY;
                        }
                    }

                    HmmApi.RangeUnregister(range);
                    done++;
                }

                return done;
            }

        """,
        // A local function and a lambda, each registering and releasing its own range.
        """
            public int @NAME@(IReadOnlyList<ulong> starts)
            {
                int Populate(ulong start)
                {
                    var range = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[16] };
                    int ret = HmmApi.RangeRegister(range, mirror, start, start + 65536, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    long pages = HmmApi.RangeSnapshot(range);
                    HmmApi.RangeUnregister(range);
                    return pages < 0 ? (int)pages : 0;
                }

                Func<ulong, bool> valid = start =>
                {
                    var probe = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[1] };
                    if (HmmApi.RangeRegister(probe, mirror, start, start + 4096, HmmApi.PageShift) != 0)
                        return false;
                    bool ok = HmmApi.RangeValid(probe);
                    HmmApi.RangeUnregister(probe);
                    return ok;
                };
                return starts.Where(valid).Select(Populate).Count(r => r == 0);
            }

        """,
        // An async method: the range released in finally across an await.
        """
            public async Task<int> @NAME@(HmmRange range, ulong start, ulong end)
            {
                int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
                try
                {
                    await Task.Yield();
                    mm.MmapSem.DownRead();
                    long pages = HmmApi.RangeFault(range, true);
                    mm.MmapSem.UpRead();
                    return pages < 0 ? (int)pages : 0;
                }
                finally
                {
                    HmmApi.RangeUnregister(range);
                }
            }

        """,
        // Patterns on the results: `is not 0 and var err`, `is < 0 and var failed`.
        """
            public int @NAME@(HmmRange range, ulong start, ulong end)
            {
                if (HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift) is not 0 and var err)
                    return err;
                long snapshot = HmmApi.RangeSnapshot(range);
                if (snapshot is < 0 and var failed)
                {
                    HmmApi.RangeUnregister(range);
                    return (int)failed;
                }

                HmmApi.RangeUnregister(range);
                return 0;
            }

        """,
        // The kernel's error ladder: each failure jumps to the label that undoes what was done.
        """
            public int @NAME@(IHmmMirrorOps ops, HmmRange range, ulong start, ulong end)
            {
                var local = new HmmMirror(ops);
                int ret = HmmApi.MirrorRegister(local, mm);
                if (ret != 0)
                    goto out_free;
                ret = HmmApi.RangeRegister(range, local, start, end, HmmApi.PageShift);
                if (ret != 0)
                    goto out_mirror;
                mm.MmapSem.DownRead();
                long pages = HmmApi.RangeFault(range, true);
                mm.MmapSem.UpRead();
                if (pages < 0)
                {
                    ret = (int)pages;
                    goto out_unregister;
                }

                lock (update)
                    table.Add(range.Start);
                ret = 0;
            out_unregister:
                HmmApi.RangeUnregister(range);
            out_mirror:
                HmmApi.MirrorUnregister(local);
            out_free:
                local.Dispose();
                return ret;
            }

        """,
        // Expression-bodied members: the registered range handed to a keeper (it escapes).
        """
            public int @NAME@(HmmRange range, ulong start) =>
                HmmApi.RangeRegister(range, mirror, start, start + 4096, HmmApi.PageShift) is 0 ? Keep@NAME@(range) : -Errno.EBUSY;

            private int Keep@NAME@(HmmRange range)
            {
                pending = range;
                return 0;
            }

            public bool @NAME@Valid => pending is { } held && HmmApi.RangeValid(held);

        """,
        // A generic method: the mirror and the mm through an interface constraint.
        """
            public int @NAME@<TContext>(TContext context, HmmRange range, ulong start) where TContext : IDriverContext
            {
                int ret = HmmApi.RangeRegister(range, context.Mirror, start, start + 65536, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
                context.Mm.MmapSem.DownRead();
                long pages = HmmApi.RangeFault(range, true);
                context.Mm.MmapSem.UpRead();
                HmmApi.RangeUnregister(range);
                return (int)Math.Min(pages, 0);
            }

        """,
        // Static state: a shared mirror and a failure counter.
        """
            private static int s_@NAME@Faults;

            public static int @NAME@(HmmMirror shared, HmmRange range, ulong start)
            {
                if (HmmApi.RangeRegister(range, shared, start, start + 4096, HmmApi.PageShift) != 0)
                {
                    Interlocked.Increment(ref s_@NAME@Faults);
                    return -Errno.EFAULT;
                }

                bool valid = HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                HmmApi.RangeUnregister(range);
                return valid ? 0 : Volatile.Read(ref s_@NAME@Faults);
            }

        """,
    };
}
