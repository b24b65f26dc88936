using System.Text.RegularExpressions;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers.Tests;

/// <summary>
/// Correct, migrated driver code (Corpus/Valid) draws nothing from any analyzer; legacy driver
/// code (Corpus/Legacy) draws the rules each file was written for.
/// </summary>
public class AllAnalyzersValidTests
{
    [Fact]
    public async Task The_valid_corpus_compiles_without_errors_or_warnings()
    {
        var compilation = AllAnalyzers.Compile(Corpus.Read(Corpus.Valid), await AllAnalyzers.ReferencesAsync());
        Assert.Empty(CompilerWarningsAndErrors(compilation));
    }

    [Fact]
    public async Task No_analyzer_reports_anything_on_the_valid_corpus()
    {
        var trees = Corpus.Read(Corpus.Valid);
        Assert.True(trees.Count >= 5, "the valid corpus is missing");
        var compilation = AllAnalyzers.Compile(trees, await AllAnalyzers.ReferencesAsync());

        var run = await AllAnalyzers.RunAsync(compilation);

        Assert.Empty(run.Exceptions);
        Assert.True(run.Diagnostics.IsEmpty, "unexpected on valid code:\n" + string.Join("\n", run.Diagnostics));
    }

    public static TheoryData<string> LegacyFiles
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var tree in Corpus.Read(Corpus.Legacy))
            {
                data.Add(tree.FilePath);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(LegacyFiles))]
    public async Task A_legacy_file_draws_the_rules_it_was_written_for(string file)
    {
        var tree = Corpus.Read(Corpus.Legacy).Single(t => t.FilePath == file);
        var compilation = AllAnalyzers.Compile(new[] { tree }, await AllAnalyzers.ReferencesAsync());
        Assert.Empty(CompilerWarningsAndErrors(compilation));

        var run = await AllAnalyzers.RunAsync(compilation);

        // Only the rules whose analyzers exist in this build are checked.
        var expected = ExpectedIds(tree).Where(AllAnalyzers.SupportedIds.Contains).OrderBy(id => id).ToList();
        var actual = run.Diagnostics.Select(d => d.Id).Distinct().OrderBy(id => id).ToList();
        Assert.Empty(run.Exceptions);
        Assert.Equal(expected, actual);
    }

    private static IEnumerable<Diagnostic> CompilerWarningsAndErrors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning);

    /// <summary>The first line of a legacy file says what it must draw: <c>// expect: HMM001, HMM004</c>.</summary>
    private static IEnumerable<string> ExpectedIds(SyntaxTree tree)
    {
        var firstLine = tree.GetText().Lines[0].ToString();
        var match = Regex.Match(firstLine, @"^// expect: (?<ids>.+)$");
        Assert.True(match.Success, $"{tree.FilePath} does not start with '// expect: ...'");
        return match.Groups["ids"].Value.Split(',').Select(id => id.Trim());
    }
}
