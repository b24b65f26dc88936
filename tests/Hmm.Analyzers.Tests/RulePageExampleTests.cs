using Hmm.Analyzers.Tests.Verifiers;

namespace Hmm.Analyzers.Tests;

/// <summary>
/// Each rule page's example is real: its "before" code stands, line for line, in a whole driver
/// file below, and the message the page shows is what the rule says on that file.
/// </summary>
public class RulePageExampleTests
{
    public static TheoryData<string> Rules => new() { "HMM001", "HMM002", "HMM003", "HMM004", "HMM005", "HMM006" };

    [Theory]
    [MemberData(nameof(Rules))]
    public void The_before_code_of_the_page_is_the_driver_file_of_the_example(string id)
    {
        var file = Lines(Examples[id]);
        var position = 0;
        foreach (var line in Lines(BeforeCode(id)))
        {
            if (line.StartsWith("// ", StringComparison.Ordinal))
            {
                // "// before", "// ...": the page's own narration.
                continue;
            }

            var found = file.FindIndex(position, l => l == line);
            Assert.True(found >= 0, $"{id}.md: '{line}' is not in the example's driver file (after line {position})");
            position = found + 1;
        }
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task The_message_on_the_page_is_what_the_rule_says_on_that_code(string id)
    {
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(Examples[id]);
        var run = await AllAnalyzers.RunAsync(compilation);
        Assert.Empty(run.Exceptions);
        var messages = run.Diagnostics.Where(d => d.Id == id).Select(d => d.GetMessage()).ToList();

        var shown = DocumentationTests.RulePage.Read(id).FencedBlocks("text");
        Assert.NotEmpty(shown);
        foreach (var message in shown.SelectMany(Lines))
        {
            Assert.True(messages.Contains(message), $"{id}.md shows\n  {message}\nbut the rule says\n  {string.Join("\n  ", messages)}");
        }
    }

    private static string BeforeCode(string id) =>
        DocumentationTests.RulePage.Read(id).FencedBlocks("csharp").First(block => block.StartsWith("// before", StringComparison.Ordinal)).Split("\n// after")[0];

    private static List<string> Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    // The driver file of each page's example; the page's "before" lines appear in it in order.
    private static readonly Dictionary<string, string> Examples = new()
    {
        ["HMM001"] = """
            using Hmm;

            sealed class Svmm(MmStruct mm, HmmMirror mirror)
            {
                public MmStruct Mm { get; } = mm;
                public HmmMirror Mirror { get; } = mirror;
            }

            static class Populate
            {
                static int Range(Svmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, svmm.Mm, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
        ["HMM002"] = """
            using Hmm;

            sealed class Svmm(MmStruct mm, HmmMirror mirror)
            {
                public MmStruct Mm { get; } = mm;
                public HmmMirror Mirror { get; } = mirror;
            }

            static class Populate
            {
                static int PopulateRange(HmmRange range, MmStruct mm, ulong start, ulong end)
                {
                    int ret = HmmApi.RangeRegister(range, mm, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    HmmApi.RangeUnregister(range);
                    return 0;
                }

                static int RegisterRange(this MmStruct mm, HmmRange range) =>
                    HmmApi.RangeRegister(range, mm, range.Start, range.End, HmmApi.PageShift);

                static int Caller(Svmm svmm, HmmRange range, ulong start, ulong end)
                {
                    int ret = PopulateRange(range, svmm.Mm, start, end) + svmm.Mm.RegisterRange(range);
                    return ret;
                }
            }
            """,
        ["HMM003"] = """
            using Hmm;

            static class Prefault
            {
                static int Range(IHmmMirrorOps ops, MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    var mirror = new HmmMirror(ops);
                    HmmApi.MirrorRegister(mirror, mm);               // failure not handled
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    HmmApi.MirrorUnregister(mirror);
                    ret = HmmApi.VmaFault(mirror, range, true);      // mirror already unregistered
                    return ret;
                }
            }
            """,
        ["HMM004"] = """
            using Hmm;

            sealed class Svmm(MmStruct mm, HmmMirror mirror)
            {
                public MmStruct Mm { get; } = mm;
                public HmmMirror Mirror { get; } = mirror;
                public object Mutex { get; } = new();
            }

            static class Fault
            {
                static int Handle(Svmm svmm, HmmRange range)
                {
                again:
                    svmm.Mm.MmapSem.DownRead();
                    int ret = HmmApi.VmaFault(range, true);
                    if (ret != 0)
                    {
                        svmm.Mm.MmapSem.UpRead();
                        return ret;
                    }
                    lock (svmm.Mutex)
                    {
                        if (!HmmApi.VmaRangeDone(range))
                        {
                            svmm.Mm.MmapSem.UpRead();
                            goto again;
                        }
                        // program the GPU page table from range.Pfns
                    }
                    svmm.Mm.MmapSem.UpRead();
                    return 0;
                }
            }
            """,
        ["HMM005"] = """
            using Hmm;

            static class Device
            {
                static void ProgramDevice(HmmRange range)
                {
                }

                static int Populate(HmmMirror mirror, MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    // The registration is on line 12: the page's message names it.
                    int ret = HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    if (ret != 0)
                        return ret;
                    mm.MmapSem.DownRead();
                    long pages = HmmApi.RangeFault(range, true);
                    mm.MmapSem.UpRead();
                    if (pages < 0)
                        return (int)pages;                 // HMM005: range still registered
                    ProgramDevice(range);
                    HmmApi.RangeUnregister(range);
                    return 0;
                }
            }
            """,
        ["HMM006"] = """
            using Hmm;

            static class Device
            {
                static void ProgramDevice(HmmRange range)
                {
                }

                static void Populate(HmmMirror mirror, MmStruct mm, HmmRange range, ulong start, ulong end)
                {
                    HmmApi.RangeRegister(range, mirror, start, end, HmmApi.PageShift);
                    mm.MmapSem.DownRead();
                    HmmApi.RangeFault(range, true);
                    ProgramDevice(range);
                    mm.MmapSem.UpRead();
                    HmmApi.RangeUnregister(range);
                }
            }
            """,
    };
}
