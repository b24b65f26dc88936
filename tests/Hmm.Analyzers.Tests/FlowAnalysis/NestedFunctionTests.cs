using System.Text.RegularExpressions;
using Hmm.Analyzers.Tests.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers.Tests.FlowAnalysis;

/// <summary>
/// A lambda, local function or anonymous method has a graph of its own whose root region sits
/// inside the regions of the body around it (a try, a catch, a finally, a using, a lock): its
/// walk must stay inside its own graph. Every shape, for every rule and every fix: no exception,
/// and each rule still reports what it reports without the nested function.
/// </summary>
public class NestedFunctionTests
{
    [Fact]
    public async Task A_lambda_in_a_try_with_a_catch_is_analysed_without_exception()
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                static void M(HmmRange range, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                    try { Action a = () => { Console.WriteLine(); }; }
                    catch (Exception) { }
                    HmmApi.RangeUnregister(range);
                }
            }
            """;

        await AssertReportsAsync(source);
    }

    [Fact]
    public async Task A_lambda_returned_from_a_try_with_a_finally_is_analysed_without_exception()
    {
        var source = """
            using System;
            using Hmm;

            static class Driver
            {
                static Func<int> N(HmmRange range, MmStruct mm, HmmMirror mirror)
                {
                    int ret = HmmApi.RangeRegister(range, mirror, 0x1000UL, 0x3000UL, HmmApi.PageShift);
                    try { return () => { throw new InvalidOperationException(); }; }
                    finally { HmmApi.RangeUnregister(range); }
                }
            }
            """;

        await AssertReportsAsync(source);
    }

    /// <summary>Where the nested function stands: {0} is the statement that declares (and calls) it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Containers = new Dictionary<string, string>
    {
        ["try-catch"] = "try { {0} } catch (Exception) { Console.WriteLine(); }",
        ["try-finally"] = "try { {0} } finally { Console.WriteLine(); }",
        ["catch"] = "try { Console.WriteLine(); } catch (Exception) { {0} }",
        ["finally"] = "try { Console.WriteLine(); } finally { {0} }",
        ["when"] = "try { Console.WriteLine(); } catch (Exception e) when (new Func<bool>(() => e is InvalidOperationException)()) { {0} }",
        ["nested-try"] = "try { try { {0} } finally { Console.WriteLine(); } } catch (InvalidOperationException) { Console.WriteLine(); }",
        ["using"] = "using (var stream = new System.IO.MemoryStream()) { {0} }",
        ["using-declaration"] = "{ using var stream = new System.IO.MemoryStream(); {0} }",
        ["lock"] = "lock (Gate) { {0} }",
        ["switch"] = "switch (Environment.ProcessorCount) { case 1: {0} break; default: Console.WriteLine(); break; }",
        ["loop-try"] = "for (int i = 0; i < 2; i++) { try { {0} if (i == 0) continue; } catch (Exception) { break; } }",
    };

    /// <summary>The nested function: {0} is its body.</summary>
    public static readonly IReadOnlyDictionary<string, string> Functions = new Dictionary<string, string>
    {
        ["lambda"] = "Action a = () => { {0} }; a();",
        ["static-lambda"] = "Action a = static () => { {0} }; a();",
        ["expression-lambda"] = "Func<int> f = () => Environment.ProcessorCount > 1 ? 1 : throw new InvalidOperationException(); f();",
        ["local-function"] = "void Local() { {0} } Local();",
        ["static-local-function"] = "static void Local() { {0} } Local();",
        ["anonymous-method"] = "Action a = delegate { {0} }; a();",
        ["async-lambda"] = "Func<Task> a = async () => { await Task.Yield(); {0} }; _ = a();",
        ["nested-lambda"] = "Func<Action> a = () => () => { {0} }; a()();",
        ["lambda-in-lambda-in-try"] = "Action a = () => { try { Action b = () => { {0} }; b(); } catch (Exception) { } }; a();",
    };

    /// <summary>What the nested function does: nothing special, throw, or a try of its own.</summary>
    public static readonly IReadOnlyDictionary<string, string> Bodies = new Dictionary<string, string>
    {
        ["plain"] = "Console.WriteLine();",
        ["throws"] = "throw new InvalidOperationException();",
        ["own-try"] = "try { Console.WriteLine(); } catch (Exception) { throw; } finally { Console.WriteLine(); }",
        ["returns"] = "if (Environment.ProcessorCount > 1) return; Console.WriteLine();",
    };

    public static TheoryData<string, string> Shapes
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var container in Containers.Keys)
            {
                foreach (var function in Functions.Keys)
                {
                    data.Add(container, function);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Every_rule_reports_around_a_nested_function(string container, string function)
    {
        foreach (var body in Bodies.Values)
        {
            await AssertReportsAsync(Driver(Shape(container, function, body)));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Every_fix_applies_around_a_nested_function(string container, string function)
    {
        var source = Driver(Shape(container, function, Bodies["throws"]));

        var run = await AllFixes.RunAsync(Unmarked(source));

        Assert.True(run.Exceptions.Count == 0, string.Join("\n\n", run.Exceptions));
        Assert.Empty(run.NotIdempotent);
        var fixes = run.Fixed.Select(f => f.What).ToList();
        Assert.Contains(fixes, f => f.StartsWith("UseMirrorInRangeRegisterFix at HMM001", StringComparison.Ordinal));
        Assert.Contains(fixes, f => f.StartsWith("AddMirrorParameterFix at HMM002", StringComparison.Ordinal));
        Assert.Contains(fixes, f => f.StartsWith("PassMirrorToVmaFaultFix at HMM004", StringComparison.Ordinal));
        Assert.Contains(fixes, f => f.StartsWith("UseMirrorInRangeRegisterFix fix-all", StringComparison.Ordinal));
        Assert.Contains(fixes, f => f.StartsWith("AddMirrorParameterFix fix-all", StringComparison.Ordinal));
        Assert.Contains(fixes, f => f.StartsWith("PassMirrorToVmaFaultFix fix-all", StringComparison.Ordinal));
        foreach (var (what, text) in run.Fixed)
        {
            Assert.True(!AllAnalyzers.Parse(text).GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error), $"{what} broke the syntax:\n{text}");
        }

        var hmm001 = run.Fixed.First(f => f.What.StartsWith("UseMirrorInRangeRegisterFix at", StringComparison.Ordinal)).Text;
        Assert.Contains("RangeRegister(range, svmm.Mirror, 0x1000UL", hmm001, StringComparison.Ordinal);
        var hmm004 = run.Fixed.First(f => f.What.StartsWith("PassMirrorToVmaFaultFix at", StringComparison.Ordinal)).Text;
        Assert.Contains("VmaFault(svmm.Mirror, range, true)", hmm004, StringComparison.Ordinal);
        var hmm002 = run.Fixed.First(f => f.What.StartsWith("AddMirrorParameterFix at", StringComparison.Ordinal)).Text;
        // Orphan's mm serves only its legacy call: the mirror takes its place at the caller.
        Assert.Contains("return Orphan(svmm.Mirror, range);", hmm002, StringComparison.Ordinal);
    }

    internal static string Shape(string container, string function, string body) =>
        Containers[container].Replace("{0}", Functions[function].Replace("{0}", body, StringComparison.Ordinal), StringComparison.Ordinal);

    /// <summary>
    /// One method per rule, each with <paramref name="shape"/> among its HMM calls; a line that
    /// ends in <c>// HMM00n</c> draws that rule, and no other line draws anything.
    /// </summary>
    internal static string Driver(string shape) => Usings + DriverClass("Driver", shape) + DriverCode.Types;

    /// <summary>Several driver classes, one per shape, in one file.</summary>
    internal static string DriverFile(IEnumerable<string> shapes) =>
        Usings + string.Concat(shapes.Select((shape, i) => DriverClass($"Driver{i}", shape))) + DriverCode.Types;

    private const string Usings = """
        using System;
        using System.Threading.Tasks;
        using Hmm;
        using static Hmm.HmmApi;

        """;

    private static string DriverClass(string name, string shape) => """
        static class NAME
        {
            static readonly object Gate = new object();

            static int Legacy(NouveauSvmm svmm, HmmRange range)
            {
                int ret = RangeRegister(range, svmm.Mm, 0x1000UL, 0x3000UL, PageShift); // HMM001
                SHAPE
                if (ret == 0) RangeUnregister(range);
                return ret;
            }

            static int Orphan(MmStruct mm, HmmRange range)
            {
                int ret = RangeRegister(range, mm, 0x1000UL, 0x3000UL, PageShift); // HMM002
                SHAPE
                if (ret == 0) RangeUnregister(range);
                return ret;
            }

            // A caller of Orphan: the HMM002 fix passes it svmm.Mirror.
            static int OrphanCaller(NouveauSvmm svmm, HmmRange range)
            {
                SHAPE
                return Orphan(svmm.Mm, range);
            }

            static int AfterUnregister(HmmMirror mirror, HmmRange range)
            {
                MirrorUnregister(mirror);
                SHAPE
                int ret = RangeRegister(range, mirror, 0x1000UL, 0x3000UL, PageShift); // HMM003
                if (ret == 0) RangeUnregister(range);
                return ret;
            }

            static int Fault(NouveauSvmm svmm, HmmRange range)
            {
                SHAPE
                int ret = VmaFault(range, true); // HMM004
                if (ret == 0) VmaRangeDone(range);
                return ret;
            }

            static int Leak(HmmMirror mirror)
            {
                var range = new HmmRange { Start = 0x1000UL, End = 0x3000UL };
                int ret = RangeRegister(range, mirror, 0x1000UL, 0x3000UL, PageShift);
                if (ret != 0) return ret;
                SHAPE
                return 0; // HMM005
            }

            static void Ignored(HmmRange range)
            {
                SHAPE
                RangeSnapshot(range); // HMM006
            }

            static int Clean(HmmMirror mirror, HmmRange range)
            {
                int ret = RangeRegister(range, mirror, 0x1000UL, 0x3000UL, PageShift);
                if (ret != 0) return ret;
                try
                {
                    SHAPE
                    return (int)RangeSnapshot(range);
                }
                finally
                {
                    RangeUnregister(range);
                }
            }
        }

        """.Replace("NAME", name, StringComparison.Ordinal).Replace("SHAPE", shape, StringComparison.Ordinal);

    private static string Unmarked(string source) => Regex.Replace(source, @" // HMM00\d", string.Empty);

    /// <summary>No exception, and exactly the rules marked on their lines.</summary>
    private static async Task AssertReportsAsync(string source)
    {
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(source);

        var run = await AllAnalyzers.RunAsync(compilation);

        Assert.True(run.Exceptions.Count == 0, string.Join("\n\n", run.Exceptions));
        var lines = source.Split('\n');
        var expected = lines
            .Select((line, index) => (Match: Regex.Match(line, @"// (HMM00\d)\s*$"), Line: index))
            .Where(x => x.Match.Success)
            .Select(x => $"{x.Match.Groups[1].Value} at line {x.Line + 1}")
            .OrderBy(x => x, StringComparer.Ordinal);
        var actual = run.Diagnostics
            .Select(d => $"{d.Id} at line {d.Location.GetLineSpan().StartLinePosition.Line + 1}")
            .OrderBy(x => x, StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }
}
