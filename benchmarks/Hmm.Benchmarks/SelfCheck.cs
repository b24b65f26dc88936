using Microsoft.CodeAnalysis;

namespace Hmm.Benchmarks;

/// <summary>
/// Every corpus mix, small, compiled without errors and analyzed without an analyzer exception;
/// on the shapes mix (correct code by construction) every HMM diagnostic but the legacy
/// methods' HMM001 is listed as a suspected false positive. A corpus that does not compile
/// measures nothing, so the build and IDE modes run this first.
/// </summary>
public static class SelfCheck
{
    /// <summary>The corpora the build benchmark writes, by name.</summary>
    public static readonly (string Name, CorpusMix Mix, bool WithHmmApi)[] Corpora =
    {
        ("driver", CorpusMix.Driver, true),
        ("shapes", CorpusMix.Shapes, true),
        ("no-hmm-api", CorpusMix.Shapes, false),
    };

    /// <summary>Exit code 0 when every mix compiles and no analyzer threw; suspected false positives are printed, not failed on.</summary>
    public static async Task<int> RunAsync(int files, TextWriter output)
    {
        int failures = 0;
        foreach (var (name, mix, withHmmApi) in Corpora)
        {
            // Every method an HMM one: each template appears in each container.
            var sources = CorpusGenerator.Generate(files, hmmShare: 1.0, withHmmApi, mix: mix);
            var workload = Workload.Create(name, sources, withHmmApi);
            try
            {
                workload.Compile();
                var diagnostics = await workload.DiagnosticsAsync(Workload.HmmAnalyzers);
                var legacy = sources.Sum(s => CountOf(s.Text, "RangeRegister(range, mm,"));
                var byId = diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}");
                output.WriteLine($"{name}: {files} files, {workload.Lines:N0} lines, compiles; {legacy} legacy RangeRegister(range, mm, ...) calls; HMM diagnostics: {(diagnostics.IsEmpty ? "none" : string.Join(", ", byId))}");
                var expected = withHmmApi ? "HMM001" : null;
                foreach (var unexpected in diagnostics.Where(d => d.Id != expected).GroupBy(d => (d.Id, Template(d))).Take(12))
                {
                    var first = unexpected.First();
                    output.WriteLine($"  suspected false positive: {unexpected.Count()} x {first.Id} in {unexpected.Key.Item2}, e.g. {first.Location.GetLineSpan().Path}:{first.Location.GetLineSpan().StartLinePosition.Line + 1}: {first.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
                }

                if (!withHmmApi && !diagnostics.IsEmpty)
                {
                    output.WriteLine("  FAILED: the analyzers reported on a compilation without Hmm.Api");
                    failures++;
                }
            }
            catch (InvalidOperationException e)
            {
                output.WriteLine($"{name}: FAILED: {e.Message}{(e.InnerException is { } inner ? "\n  " + inner : string.Empty)}");
                failures++;
            }
        }

        return failures == 0 ? 0 : 1;
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    // The enclosing type's kind and the method's first line: which template and container drew it.
    private static string Template(Diagnostic diagnostic)
    {
        var tree = diagnostic.Location.SourceTree!;
        var node = tree.GetRoot().FindNode(diagnostic.Location.SourceSpan);
        var member = node.AncestorsAndSelf().FirstOrDefault(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.MemberDeclarationSyntax && n.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax);
        var type = member?.Parent as Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax;
        var container = type switch
        {
            null => "?",
            Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax => "record",
            _ when type.Modifiers.Any(m => m.Text == "static") => "static class",
            _ when type.TypeParameterList is not null => "generic class",
            _ when type.ParameterList is not null => "primary-constructor class",
            _ => "class",
        };
        var signature = member?.ToString().Split('\n')[0].Trim() ?? "?";
        return $"{container} `{System.Text.RegularExpressions.Regex.Replace(signature, @"\bM\d\b", "M")}`";
    }
}
