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
    /// </summary>
    public static IReadOnlyList<(string Path, string Text)> Generate(int fileCount, double hmmShare, bool withHmmApi, int seed = 42)
    {
        var random = new Random(seed);
        var files = new List<(string, string)> { ("Common.cs", Common) };
        if (!withHmmApi)
        {
            files.Add(("HmmLookAlike.cs", HmmLookAlike));
        }

        for (int file = 0; file < fileCount; file++)
        {
            var text = new StringBuilder();
            text.Append("using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Linq;\nusing System.Text;\nusing Hmm;\n\n");
            text.Append($"namespace Generated.Area{file % 40};\n\n");
            text.Append($"public sealed class Driver{file}\n{{\n");
            text.Append("    private readonly HmmMirror mirror;\n    private readonly MmStruct mm;\n    private readonly object update = new();\n");
            text.Append("    private readonly Dictionary<int, string> names = new();\n    private readonly List<ulong> table = new();\n    private HmmRange? pending;\n\n");
            text.Append($"    public Driver{file}(HmmMirror mirror, MmStruct mm)\n    {{\n        this.mirror = mirror;\n        this.mm = mm;\n    }}\n\n");
            text.Append("    public Bo? Bo { get; set; }\n\n");
            for (int method = 0; method < MethodsPerFile; method++)
            {
                var name = $"M{method}";
                if (random.NextDouble() < hmmShare)
                {
                    text.Append(HmmMethod(random.Next(HmmTemplates.Length + 1), name));
                }
                else
                {
                    text.Append(PlainMethod(random.Next(PlainTemplates.Length), name, random.Next(1, 100)));
                }

                text.Append('\n');
            }

            text.Append("}\n");
            files.Add(($"Driver{file}.cs", text.ToString()));
        }

        return files;
    }

    /// <summary>
    /// One method of about 10 lines per HMM call: <paramref name="blocks"/> blocks, each a nested
    /// retry loop around register, wait, fault, check and unregister of its own range.
    /// </summary>
    public static (string Path, string Text) LongMethod(int blocks)
    {
        var text = new StringBuilder();
        text.Append("using System;\nusing Hmm;\n\nnamespace Generated.Long;\n\npublic static class LongDriver\n{\n");
        text.Append("    public static int PopulateAll(HmmMirror mirror, MmStruct mm, object update, ulong[] flags, ulong[] values)\n    {\n");
        text.Append("        int failures = 0;\n");
        for (int b = 0; b < blocks; b++)
        {
            ulong start = (ulong)b << 20;
            text.Append($$"""
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
        }

        text.Append("        return failures;\n    }\n}\n");
        return ("LongDriver.cs", text.ToString());
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

    // Not yet migrated: draws HMM001 (one in HmmTemplates.Length + 1 HMM methods).
    private const string LegacyTemplate = """
            public int @NAME@(HmmRange range, ulong start, ulong end)
            {
                int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                if (ret != 0)
                    return ret;
                bool valid = HmmApi.RangeWaitUntilValid(range, HmmApi.DefaultTimeout);
                HmmApi.RangeUnregister(range);
                return valid ? 0 : -Errno.EBUSY;
            }

        """;

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

    private static string HmmMethod(int template, string name) =>
        (template < HmmTemplates.Length ? HmmTemplates[template] : LegacyTemplate).Replace("@NAME@", name);

    private static string PlainMethod(int template, string name, int constant) =>
        PlainTemplates[template].Replace("@NAME@", name).Replace("@K@", constant.ToString(System.Globalization.CultureInfo.InvariantCulture));

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
            public ulong[]? Pfns { get; set; }
            public ulong[] Flags { get; set; } = Array.Empty<ulong>();
            public ulong[] Values { get; set; } = Array.Empty<ulong>();
        }
        public static class Errno { public const int EAGAIN = 11, EFAULT = 14, EBUSY = 16; }
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
