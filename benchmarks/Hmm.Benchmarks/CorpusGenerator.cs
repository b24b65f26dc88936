using System.Text;

namespace Hmm.Benchmarks;

/// <summary>
/// Writes a large driver code base: files of ordinary C# in which a share of the methods use
/// HMM the way the migrated drivers do (populate range, nouveau's fault retry, amdgpu's userptr,
/// scoped mirrors), and a few still use the legacy signatures. Deterministic for a seed.
/// </summary>
public static class CorpusGenerator
{
    public const int MethodsPerFile = 10;

    /// <summary>
    /// <paramref name="fileCount"/> files; <paramref name="hmmShare"/> of their methods call HMM.
    /// With <paramref name="withHmmApi"/> false the same code compiles against a look-alike Hmm
    /// namespace of its own (not the Hmm.Api assembly), so the analyzers' gate turns them away.
    /// <paramref name="mix"/> says which HMM code the methods hold.
    /// </summary>
    public static IReadOnlyList<(string Path, string Text)> Generate(int fileCount, double hmmShare, bool withHmmApi, int seed = 42, CorpusMix mix = CorpusMix.Driver)
    {
        var random = new Random(seed);
        var files = new List<(string, string)> { ("Common.cs", CommonSource) };
        if (!withHmmApi)
        {
            files.Add(("HmmLookAlike.cs", HmmLookAlike));
        }

        for (int file = 0; file < fileCount; file++)
        {
            files.Add(($"Driver{file}.cs", mix == CorpusMix.Shapes ? ShapesFile(random, file, hmmShare) : DriverFile(random, file, hmmShare)));
        }

        return files;
    }

    private static string DriverFile(Random random, int file, double hmmShare)
    {
        var text = new StringBuilder();
        AppendDriverStart(text, $"Generated.Area{file % 40}", $"Driver{file}");
        for (int method = 0; method < MethodsPerFile; method++)
        {
            var name = $"M{method}";
            if (random.NextDouble() < hmmShare)
            {
                int template = random.Next(HmmTemplates.Length + 1);
                text.Append(template < HmmTemplates.Length ? HmmMethod(template, name) : LegacyRangeRegisterMethod(0, name));
            }
            else
            {
                text.Append(PlainMethod(random, name));
            }

            text.Append('\n');
        }

        text.Append("}\n");
        return text.ToString();
    }

    // The file's type cycles through the containers; most HMM methods are shapes, the rest the
    // driver templates and one legacy call (HMM001 through the container's sibling mirror).
    private static string ShapesFile(Random random, int file, double hmmShare)
    {
        var container = (ShapeTemplates.Container)(file % Enum.GetValues<ShapeTemplates.Container>().Length);
        var text = new StringBuilder();
        ShapeTemplates.AppendDriverStart(text, $"Generated.Area{file % 40}", $"Driver{file}", container);
        for (int method = 0; method < MethodsPerFile; method++)
        {
            var name = $"M{method}";
            string member;
            if (random.NextDouble() < hmmShare)
            {
                int template = random.Next(ShapeTemplates.Count + 2);
                member = template < ShapeTemplates.Count ? ShapeTemplates.Method(template, name, container, random.Next(1, 100))
                    : template == ShapeTemplates.Count ? HmmMethod(random.Next(HmmTemplates.Length), name)
                    : LegacyRangeRegisterMethod(0, name);
            }
            else
            {
                member = PlainMethod(random, name);
            }

            text.Append(container == ShapeTemplates.Container.Static ? ShapeTemplates.MakeStatic(member) : member).Append('\n');
        }

        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>
    /// The usings and the start of a driver class (its mirror, mm, lock and tables, and a
    /// <c>Bo</c> property) in <paramref name="namespace"/>; the caller appends methods and the
    /// closing brace.
    /// </summary>
    public static void AppendDriverStart(StringBuilder text, string @namespace, string className)
    {
        text.Append("using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Linq;\nusing System.Text;\nusing Hmm;\n\n");
        text.Append($"namespace {@namespace};\n\n");
        text.Append($"public sealed class {className}\n{{\n");
        text.Append("    private readonly HmmMirror mirror;\n    private readonly MmStruct mm;\n    private readonly object update = new();\n");
        text.Append("    private readonly Dictionary<int, string> names = new();\n    private readonly List<ulong> table = new();\n    private HmmRange? pending;\n\n");
        text.Append($"    public {className}(HmmMirror mirror, MmStruct mm)\n    {{\n        this.mirror = mirror;\n        this.mm = mm;\n    }}\n\n");
        text.Append("    public Bo? Bo { get; set; }\n\n");
    }

    /// <summary>
    /// One method of about 10 lines per HMM call: <paramref name="blocks"/> blocks, each a nested
    /// retry loop around register, wait, fault, check and unregister of its own range, then one
    /// range that an early return leaks.
    /// </summary>
    public static (string Path, string Text) LongMethod(int blocks) =>
        OneMethod("LongDriver", blocks, (b, start) => $$"""
                        var range{{b}} = new HmmRange { Flags = flags, Values = values, Pfns = new ulong[16] };
                        for (int attempt{{b}} = 0; attempt{{b}} < 3; attempt{{b}}++)
                        {
                            int ret{{b}} = HmmApi.RangeRegister(range{{b}}, mirror, {{start}}UL, {{start + 65536}}UL, HmmApi.PageShift);
                            if (ret{{b}} != 0)
                            {
                                failures++;
                                break;
                            }

                            bool done{{b}} = false;
                            while (!done{{b}})
                            {
                                if (!HmmApi.RangeWaitUntilValid(range{{b}}, HmmApi.DefaultTimeout))
                                {
                                    break;
                                }

                                mm.MmapSem.DownRead();
                                long pages{{b}} = HmmApi.RangeFault(range{{b}}, true);
                                mm.MmapSem.UpRead();
                                if (pages{{b}} == -Errno.EBUSY)
                                {
                                    continue;
                                }

                                lock (update)
                                {
                                    done{{b}} = pages{{b}} >= 0 && HmmApi.RangeValid(range{{b}});
                                }

                                if (pages{{b}} < 0)
                                {
                                    failures++;
                                    break;
                                }
                            }

                            HmmApi.RangeUnregister(range{{b}});
                            if (done{{b}})
                            {
                                break;
                            }
                        }


                """);

    /// <summary>
    /// One method in the kernel's style, straight through: <paramref name="blocks"/> blocks, each
    /// a range of its own registered, faulted and unregistered, its failures leaving by `goto` to
    /// the labels of an error ladder; a result variable per block. Then one range an early return leaks.
    /// </summary>
    public static (string Path, string Text) LongLadder(int blocks) =>
        OneMethod("LadderDriver", blocks, (b, start) => $$"""
                        var range{{b}} = new HmmRange { Flags = flags, Values = values, Pfns = new ulong[16] };
                        int ret{{b}} = HmmApi.RangeRegister(range{{b}}, mirror, {{start}}UL, {{start + 65536}}UL, HmmApi.PageShift);
                        if (ret{{b}} != 0)
                        {
                            failures++;
                            goto out_{{b}};
                        }

                        if (!HmmApi.RangeWaitUntilValid(range{{b}}, HmmApi.DefaultTimeout))
                        {
                            goto out_unregister_{{b}};
                        }

                        mm.MmapSem.DownRead();
                        long pages{{b}} = HmmApi.RangeFault(range{{b}}, true);
                        mm.MmapSem.UpRead();
                        if (pages{{b}} < 0)
                        {
                            failures++;
                            goto out_unregister_{{b}};
                        }

                        lock (update)
                        {
                            if (!HmmApi.RangeValid(range{{b}}))
                            {
                                failures++;
                            }
                        }

                    out_unregister_{{b}}:
                        HmmApi.RangeUnregister(range{{b}});
                    out_{{b}}:
                        ;

                """);

    // One static method PopulateAll of the blocks, then one leak after all of them: the method was
    // analysed to its end (1 HMM005), not given up past the analysis's bound (none).
    private static (string Path, string Text) OneMethod(string className, int blocks, Func<int, ulong, string> block)
    {
        var text = new StringBuilder();
        text.Append($"using System;\nusing Hmm;\n\nnamespace Generated.Long;\n\npublic static class {className}\n{{\n");
        text.Append("    public static int PopulateAll(HmmMirror mirror, MmStruct mm, object update, ulong[] flags, ulong[] values)\n    {\n");
        text.Append("        int failures = 0;\n");
        for (int b = 0; b < blocks; b++)
        {
            text.Append(block(b, (ulong)b << 20));
        }

        text.Append($$"""
                    var last = new HmmRange { Flags = flags, Values = values, Pfns = new ulong[16] };
                    if (HmmApi.RangeRegister(last, mirror, {{(ulong)blocks << 20}}UL, {{((ulong)blocks << 20) + 65536}}UL, HmmApi.PageShift) != 0)
                    {
                        return failures;
                    }

                    if (failures > 0)
                    {
                        return -failures;
                    }

                    HmmApi.RangeUnregister(last);
                    return failures;
                }
            }

            """);
        return ($"{className}.cs", text.ToString());
    }

    private static readonly string[] HmmTemplates =
    {
        // Documentation/vm/hmm.rst: driver_populate_range.
        """
            public long @NAME@(ulong start, ulong end)
            {
                var range = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
            again:
                mm.MmapSem.DownRead();
                long snapshot = HmmApi.RangeSnapshot(range);
                if (snapshot < 0)
                {
                    mm.MmapSem.UpRead();
                    if (snapshot == -Errno.EAGAIN)
                    {
                        HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                        goto again;
                    }
                    HmmApi.RangeUnregister(range);
                    return snapshot;
                }
                lock (update)
                {
                    if (!HmmApi.RangeValid(range))
                    {
                        mm.MmapSem.UpRead();
                        goto again;
                    }
                    table.AddRange(range.Pfns!);
                }
                HmmApi.RangeUnregister(range);
                mm.MmapSem.UpRead();
                return snapshot;
            }

        """,
        // nouveau: the fault handler's retry through the svmm's mirror.
        """
            public int @NAME@(HmmRange range)
            {
                int retries = 0;
            again:
                mm.MmapSem.DownRead();
                int ret = HmmApi.VmaFault(mirror, range, true);
                if (ret == -Errno.EBUSY || ret == -Errno.EAGAIN)
                {
                    HmmApi.RangeUnregister(range);
                    if (++retries < 8)
                        goto again;
                    return ret;
                }
                if (ret != 0)
                {
                    mm.MmapSem.UpRead();
                    return ret;
                }
                lock (update)
                {
                    if (!HmmApi.VmaRangeDone(range))
                    {
                        mm.MmapSem.UpRead();
                        goto again;
                    }
                    table.Add(range.Start);
                }
                mm.MmapSem.UpRead();
                return 0;
            }

        """,
        // amdgpu: the bo's notifier may be absent; the registered range is kept for later.
        """
            public int @NAME@(ulong start, ulong pages)
            {
                var mn = Bo?.Mn;
                if (mn is null)
                    return -Errno.EFAULT;
                var range = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[pages] };
                int r = HmmApi.RangeRegister(range, mn.Mirror, start, start + (pages << HmmApi.PageShift), HmmApi.PageShift);
                if (r != 0)
                    return r;
                mm.MmapSem.DownRead();
                long faulted = HmmApi.RangeFault(range, true);
                mm.MmapSem.UpRead();
                if (faulted < 0)
                {
                    HmmApi.RangeUnregister(range);
                    return (int)faulted;
                }
                pending = range;
                return 0;
            }

        """,
        // A mirror for one operation, in a using declaration, the range released in finally.
        """
            public int @NAME@(IHmmMirrorOps ops, ulong start, ulong end)
            {
                using var scoped = HmmMirror.Register(mm, ops);
                var range = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                int ret = HmmApi.RangeRegister(range, scoped, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
                try
                {
                    mm.MmapSem.DownRead();
                    long pages = HmmApi.RangeFault(range, false);
                    mm.MmapSem.UpRead();
                    return pages < 0 ? (int)pages : 0;
                }
                finally
                {
                    HmmApi.RangeUnregister(range);
                }
            }

        """,
        // An explicit mirror registration, its failure handled, unregistered in finally.
        """
            public int @NAME@(IHmmMirrorOps ops, HmmRange range)
            {
                var local = new HmmMirror(ops);
                int ret = HmmApi.MirrorRegister(local, mm);
                if (ret != 0)
                    return ret;
                try
                {
                    mm.MmapSem.DownRead();
                    ret = HmmApi.VmaFault(local, range, true);
                    if (ret == 0)
                    {
                        HmmApi.VmaRangeDone(range);
                        mm.MmapSem.UpRead();
                    }
                    return ret;
                }
                finally
                {
                    HmmApi.MirrorUnregister(local);
                }
            }

        """,
    };

    /// <summary>The migrated HMM methods (<see cref="HmmMethod"/>).</summary>
    public static int HmmTemplateCount => HmmTemplates.Length;

    /// <summary>The not yet migrated methods with one HMM001 site each (<see cref="LegacyRangeRegisterMethod"/>).</summary>
    public static int LegacyRangeRegisterCount => LegacyRangeRegisterTemplates.Length;

    /// <summary>The not yet migrated methods with one HMM004 site each (<see cref="LegacyVmaFaultMethod"/>).</summary>
    public static int LegacyVmaFaultCount => LegacyVmaFaultTemplates.Length;

    // Not yet migrated, each with one legacy RangeRegister(range, mm, ...) whose mm has exactly one
    // live mirror in scope: HMM001, and its fix applies.
    private static readonly string[] LegacyRangeRegisterTemplates =
    {
        // The corpus's legacy method: the driver's own mm, its mirror a field of the same object.
        """
            public int @NAME@(HmmRange range, ulong start, ulong end)
            {
                int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
                bool valid = HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                HmmApi.RangeUnregister(range);
                return valid ? 0 : -Errno.EBUSY;
            }

        """,
        // driver_populate_range before the change: the again: retry around the snapshot.
        """
            public long @NAME@(ulong start, ulong end)
            {
                var range = new HmmRange { Flags = Common.Flags, Values = Common.Values, Pfns = new ulong[(end - start) >> HmmApi.PageShift] };
                int ret = HmmApi.RangeRegister(range, this.mm, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
            again:
                mm.MmapSem.DownRead();
                long snapshot = HmmApi.RangeSnapshot(range);
                if (snapshot == -Errno.EAGAIN)
                {
                    mm.MmapSem.UpRead();
                    HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                    goto again;
                }
                lock (update)
                {
                    if (snapshot >= 0 && HmmApi.RangeValid(range))
                        table.AddRange(range.Pfns!);
                }
                HmmApi.RangeUnregister(range);
                mm.MmapSem.UpRead();
                return snapshot;
            }

        """,
    };

    // Not yet migrated, each with one legacy VmaFault(range, block) and the driver's mirror the
    // single live one in scope: HMM004, and its fix applies.
    private static readonly string[] LegacyVmaFaultTemplates =
    {
        // nouveau's fault handler before the change: retry on -EBUSY.
        """
            public int @NAME@(HmmRange range)
            {
                int retries = 0;
            again:
                mm.MmapSem.DownRead();
                int ret = HmmApi.VmaFault(range, true);
                if (ret == -Errno.EBUSY && ++retries < 8)
                {
                    mm.MmapSem.UpRead();
                    goto again;
                }
                if (ret != 0)
                {
                    mm.MmapSem.UpRead();
                    return ret;
                }
                lock (update)
                {
                    if (HmmApi.VmaRangeDone(range))
                        table.Add(range.Start);
                }
                mm.MmapSem.UpRead();
                return 0;
            }

        """,
        // A non-blocking fault of a range handed in by the caller.
        """
            public bool @NAME@(HmmRange range, int budget)
            {
                mm.MmapSem.DownRead();
                try
                {
                    int ret = HmmApi.VmaFault(range, false);
                    if (ret != 0)
                        return false;
                    names[budget] = range.Start.ToString("x");
                    return HmmApi.VmaRangeDone(range);
                }
                finally
                {
                    mm.MmapSem.UpRead();
                }
            }

        """,
    };

    private static readonly string[] PlainTemplates =
    {
        """
            public int @NAME@(IReadOnlyList<int> values)
            {
                int sum = 0;
                for (int i = 0; i < values.Count; i++)
                {
                    if (values[i] % @K@ == 0)
                        continue;
                    sum += values[i] * @K@;
                }
                return sum;
            }

        """,
        """
            public string @NAME@(int code)
            {
                var builder = new StringBuilder();
                switch (code % 4)
                {
                    case 0: builder.Append("idle"); break;
                    case 1: builder.Append("busy ").Append(code); break;
                    case 2: builder.AppendFormat("fault at {0:x}", code * @K@); break;
                    default: builder.Append(names.TryGetValue(code, out var name) ? name : "unknown"); break;
                }
                return builder.ToString();
            }

        """,
        """
            public IEnumerable<string> @NAME@(int threshold)
            {
                return names
                    .Where(pair => pair.Key > threshold + @K@)
                    .OrderBy(pair => pair.Key)
                    .Select(pair => $"{pair.Key}={pair.Value}")
                    .ToList();
            }

        """,
        """
            public bool @NAME@(string text, out int value)
            {
                try
                {
                    value = int.Parse(text) + @K@;
                    names[value] = text;
                    return true;
                }
                catch (FormatException)
                {
                    value = 0;
                    return false;
                }
            }

        """,
        """
            public byte[] @NAME@(ulong[] entries)
            {
                using var stream = new MemoryStream();
                using var writer = new BinaryWriter(stream);
                foreach (var entry in entries)
                {
                    writer.Write(entry ^ @K@UL);
                }
                writer.Flush();
                return stream.ToArray();
            }

        """,
        """
            public int @NAME@(object? item)
            {
                return item switch
                {
                    null => 0,
                    int number when number > @K@ => number - @K@,
                    string text => Depth(text.Length),
                    ulong[] array => array.Length,
                    _ => -1,
                };

                static int Depth(int n) => n <= 1 ? n : 1 + Depth(n / 2);
            }

        """,
    };

    /// <summary>Migrated HMM method number <paramref name="template"/> (of <see cref="HmmTemplateCount"/>).</summary>
    public static string HmmMethod(int template, string name) => HmmTemplates[template].Replace("@NAME@", name);

    /// <summary>Legacy method number <paramref name="template"/> with one HMM001 site.</summary>
    public static string LegacyRangeRegisterMethod(int template, string name) => LegacyRangeRegisterTemplates[template].Replace("@NAME@", name);

    /// <summary>Legacy method number <paramref name="template"/> with one HMM004 site.</summary>
    public static string LegacyVmaFaultMethod(int template, string name) => LegacyVmaFaultTemplates[template].Replace("@NAME@", name);

    /// <summary>A plain C# method (no HMM), drawn from <paramref name="random"/>.</summary>
    public static string PlainMethod(Random random, string name)
    {
        int template = random.Next(PlainTemplates.Length);
        int constant = random.Next(1, 100);
        return PlainTemplates[template].Replace("@NAME@", name).Replace("@K@", constant.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The <c>Generated</c> namespace's helpers every driver file uses (Common, Mn, Bo).</summary>
    public const string CommonSource = Common;

    private const string Common = """
        using Hmm;

        namespace Generated;

        public static class Common
        {
            public static readonly ulong[] Flags = { 1UL << 0, 1UL << 1, 1UL << 2 };
            public static readonly ulong[] Values = { 0xfffUL, 0UL, 0xffeUL };
        }

        public sealed class Mn
        {
            public Mn(HmmMirror mirror) => Mirror = mirror;

            public HmmMirror Mirror { get; }
        }

        public sealed class Bo
        {
            public Mn? Mn { get; set; }
        }

        public interface IDriverContext
        {
            MmStruct Mm { get; }

            HmmMirror Mirror { get; }
        }
        """;

    // The same surface in the user's own assembly: compiles the corpus without Hmm.Api.
    private const string HmmLookAlike = """
        using System;

        namespace Hmm;

        public interface IHmmMirrorOps { }
        public sealed class RwSemaphore { public void DownRead() { } public void UpRead() { } }
        public sealed class MmStruct { public RwSemaphore MmapSem { get; } = new(); }
        public sealed class HmmMirror : IDisposable
        {
            public HmmMirror(IHmmMirrorOps ops) { }
            public static HmmMirror Register(MmStruct mm, IHmmMirrorOps ops) => new(ops);
            public void Dispose() { }
        }
        public sealed class HmmRange
        {
            public ulong Start { get; set; }
            public ulong End { get; set; }
            public ulong[]? Pfns { get; set; }
            public ulong[] Flags { get; set; } = Array.Empty<ulong>();
            public ulong[] Values { get; set; } = Array.Empty<ulong>();
        }
        public static class Errno { public const int EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EBUSY = 16; }
        public sealed class HmmException(int errno, string message) : Exception(message) { public int Errno { get; } = errno; }
        public static class HmmApi
        {
            public const int PageShift = 12;
            public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);
            public static int MirrorRegister(HmmMirror mirror, MmStruct mm) => 0;
            public static void MirrorUnregister(HmmMirror mirror) { }
            public static int RangeRegister(HmmRange range, HmmMirror mirror, ulong start, ulong end, int pageShift) => 0;
            public static int RangeRegister(HmmRange range, MmStruct mm, ulong start, ulong end, int pageShift) => 0;
            public static void RangeUnregister(HmmRange range) { }
            public static long RangeSnapshot(HmmRange range) => 0;
            public static long RangeFault(HmmRange range, bool block) => 0;
            public static bool RangeWaitUntilValid(HmmRange range, TimeSpan timeout) => true;
            public static bool RangeValid(HmmRange range) => true;
            public static bool VmaRangeDone(HmmRange range) => true;
            public static int VmaFault(HmmMirror mirror, HmmRange range, bool block) => 0;
        }
        """;
}

/// <summary>Which HMM code a generated corpus holds.</summary>
public enum CorpusMix
{
    /// <summary>The migrated drivers' own shapes (<see cref="CorpusGenerator"/>'s templates) in plain classes.</summary>
    Driver,

    /// <summary>Mostly <see cref="ShapeTemplates"/>: switch, foreach, try, lock, using, lambdas, async, patterns, error ladders, in every kind of type.</summary>
    Shapes,
}
