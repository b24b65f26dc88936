using System.Globalization;
using System.Text.Json;

namespace Hmm.Benchmarks;

/// <summary>
/// `trace-share &lt;speedscope.json&gt;...`: where a real compiler's time went, from a sampled trace of
/// csc (`dotnet-trace collect -- dotnet exec csc.dll @args.rsp`, then `dotnet-trace convert
/// --format Speedscope`): the thread time inside the analyzer driver's processing of compilation
/// events (every analyzer action, and what the driver does to dispatch them), the part of it
/// inside Hmm.Analyzers' own frames, and the rest of the compile. A profiler's view of one build,
/// not a verdict: its use is to compare the same compile with and without a rule set, where a
/// build's CPU time is too noisy to resolve the difference.
/// </summary>
internal static class TraceShare
{
    private const string DriverFrame = "AnalyzerDriver+<ProcessCompilationEventsCoreAsync>";
    private const string CompileFrame = "CommonCompiler.CompileAndEmit";
    private const string HmmFrame = "Hmm.Analyzers!";

    public static int Run(IReadOnlyList<string> paths, TextWriter output)
    {
        output.WriteLine("| trace | analyzer driver, s | of it in Hmm.Analyzers, s | rest of the compile, s | driver's share |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var path in paths)
        {
            var (driver, hmm, compile) = Measure(path);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {Path.GetFileName(path)} | {driver / 1000:F2} | {hmm / 1000:F2} | {compile / 1000:F2} | {driver / (driver + compile) * 100:F1}% |"));
        }

        return 0;
    }

    // Evented profiles: one per thread, frames opened and closed at times in milliseconds. Each
    // interval between two events belongs to the stack open during it.
    private static (double Driver, double Hmm, double Compile) Measure(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var names = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString() ?? string.Empty)
            .ToArray();
        var kinds = names.Select(n =>
            n.Contains(DriverFrame, StringComparison.Ordinal) ? FrameKind.Driver
            : n.Contains(CompileFrame, StringComparison.Ordinal) ? FrameKind.Compile
            : n.StartsWith(HmmFrame, StringComparison.Ordinal) ? FrameKind.Hmm
            : FrameKind.Other).ToArray();

        double driver = 0, hmm = 0, compile = 0;
        foreach (var profile in document.RootElement.GetProperty("profiles").EnumerateArray())
        {
            if (profile.GetProperty("type").GetString() != "evented")
            {
                continue;
            }

            var stack = new Stack<FrameKind>();
            var open = new int[4];
            double? last = null;
            foreach (var item in profile.GetProperty("events").EnumerateArray())
            {
                var at = item.GetProperty("at").GetDouble();
                if (last is { } previous && stack.Count > 0)
                {
                    var interval = at - previous;
                    if (open[(int)FrameKind.Driver] > 0)
                    {
                        driver += interval;
                        hmm += open[(int)FrameKind.Hmm] > 0 ? interval : 0;
                    }
                    else if (open[(int)FrameKind.Compile] > 0)
                    {
                        compile += interval;
                    }
                }

                last = at;
                if (item.GetProperty("type").GetString() == "O")
                {
                    var kind = kinds[item.GetProperty("frame").GetInt32()];
                    stack.Push(kind);
                    open[(int)kind]++;
                }
                else if (stack.Count > 0)
                {
                    open[(int)stack.Pop()]--;
                }
            }
        }

        return (driver, hmm, compile);
    }

    private enum FrameKind
    {
        Other,
        Driver,
        Compile,
        Hmm,
    }
}
