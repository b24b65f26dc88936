using System.Diagnostics;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.Migrate;

/// <summary>One run: load, analyse, fix in rounds, report, and write when asked.</summary>
internal sealed class Migration(MigrationOptions options, Progress progress)
{
    public async Task<MigrationReport> RunAsync(CancellationToken cancellationToken)
    {
        string input = WorkspaceLoader.ResolveInput(options.InputPath, Directory.GetCurrentDirectory(), progress);
        HmmRules rules = HmmRules.Load();
        var loaded = await WorkspaceLoader.LoadAsync(input, options.Restore, progress, cancellationToken);
        using var workspace = loaded.Workspace;
        var problems = loaded.Failures.Select(f => "load: " + f).ToList();

        var analyzer = new Analyzer(rules, options.RuleIds, loaded.Targets, progress);
        var fixer = new Fixer(rules, options.PreferredMirror);
        Solution original = loaded.Solution;
        long start = Stopwatch.GetTimestamp();
        await analyzer.EnsureAnalysableAsync(original, input, cancellationToken);
        Analysis before = await analyzer.AnalyzeAsync(original, cancellationToken);
        progress.Timing($"analysis ({before.Findings.Length} site(s))", start);
        start = Stopwatch.GetTimestamp();
        var sites = await DescribeAsync(original, before, fixer, loaded.BaseDirectory, cancellationToken);
        progress.Timing("describe the sites", start);
        foreach (var group in before.Findings.Where(f => before.IsBroken(f.DocumentId)).GroupBy(f => f.DocumentId))
        {
            var first = before.CompileErrors[group.Key][0];
            int fixable = group.Count(f => rules.FixersFor(f.Diagnostic.Id).Any());
            string what = fixable > 0 ? $"{fixable} fixable HMM site(s) not migrated" : "not migrated";
            problems.Add($"skipped {Relative(loaded.BaseDirectory, first.Location.SourceTree!.FilePath)}: {what}, the file has compile errors (first: {Fixer.Describe(first)})");
        }

        foreach (var failure in before.AnalyzerFailures)
        {
            problems.Add("analyzer failure: " + failure.GetMessage());
        }

        Solution current = original;
        Analysis analysis = before;
        var rounds = new List<string>();
        var exhausted = new HashSet<string>(StringComparer.Ordinal);
        for (int round = 0; round < options.MaxRounds; round++)
        {
            start = Stopwatch.GetTimestamp();
            var next = await fixer.FixRoundAsync(current, analysis, exhausted, cancellationToken);
            if (next is null)
            {
                progress.Timing($"round {round + 1}: nothing left to fix", start);
                break;
            }

            progress.Timing($"round {round + 1}: {next.Value.Summary}", start);
            rounds.Add(next.Value.Summary);
            current = await KeepSkippedAsync(original, next.Value.Solution, before, cancellationToken);
            start = Stopwatch.GetTimestamp();
            analysis = await analyzer.AnalyzeAsync(current, cancellationToken);
            progress.Timing($"round {round + 1}: analysis ({analysis.Findings.Length} site(s) left)", start);
        }

        start = Stopwatch.GetTimestamp();
        var remaining = ReferenceEquals(current, original) ? sites : await DescribeAsync(current, analysis, fixer, loaded.BaseDirectory, cancellationToken);
        progress.Timing("describe what remains", start);
        start = Stopwatch.GetTimestamp();
        var changes = await ChangesAsync(original, current, loaded.BaseDirectory, cancellationToken);
        progress.Timing($"diff ({changes.Count} file(s))", start);
        foreach (var (id, errors) in analysis.CompileErrors.Where(e => !before.CompileErrors.ContainsKey(e.Key)).OrderBy(e => e.Value[0].Location.SourceTree!.FilePath, StringComparer.Ordinal))
        {
            string file = Relative(loaded.BaseDirectory, errors[0].Location.SourceTree!.FilePath);
            problems.Add($"the migrated {file} has {errors.Length} compile error(s), first {Fixer.Describe(errors[0])}");
        }

        // A file an earlier round left with a compile error is fixed no further: each fixable
        // site left in it is a site the run did not migrate, not one it passes over.
        foreach (var finding in analysis.Findings.Where(f => analysis.IsBroken(f.DocumentId) && !before.IsBroken(f.DocumentId) && rules.FixersFor(f.Diagnostic.Id).Any()))
        {
            var span = finding.Diagnostic.Location.GetLineSpan();
            problems.Add($"not migrated: {Relative(loaded.BaseDirectory, span.Path)}:{span.StartLinePosition.Line + 1}: {finding.Diagnostic.Id}: its fix was not applied, "
                + $"an earlier fix left the file with compile errors (first: {Fixer.Describe(analysis.CompileErrors[finding.DocumentId][0])}); fix them and run again");
        }

        problems.AddRange(UnloadedTargets(loaded));
        problems.AddRange(await UncompiledCodeAsync(original, current, changes, cancellationToken));

        if (options.Apply)
        {
            start = Stopwatch.GetTimestamp();
            foreach (var change in changes)
            {
                await WriteAsync(original, change, cancellationToken);
            }

            progress.Report($"wrote {changes.Count} file(s)");
            progress.Timing("write", start);
        }

        return new MigrationReport(
            input, options.Apply, sites, remaining, changes, rounds, problems,
            CompileErrorsOf(before, loaded.BaseDirectory), CompileErrorsOf(analysis, loaded.BaseDirectory),
            [.. loaded.Solution.Projects.Where(p => loaded.Targets.Contains(p.Id)).Select(p => p.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The other target frameworks of a multi-targeted project that the input named: the
    /// workspace loads one, and code under #if for the others is neither analysed nor checked.
    /// </summary>
    private static IEnumerable<string> UnloadedTargets(LoadedInput loaded)
    {
        var targets = loaded.Solution.Projects.Where(p => loaded.Targets.Contains(p.Id)).ToList();
        foreach (var project in loaded.Solution.Projects.Where(p => !loaded.Targets.Contains(p.Id) && p.Language == LanguageNames.CSharp))
        {
            if (targets.Find(t => t.FilePath == project.FilePath) is { } target)
            {
                yield return $"not analysed: {project.Name}, a target framework of {target.Name}'s project; code under #if for it is not checked";
            }
        }
    }

    /// <summary>
    /// Code under #if that this configuration does not compile, in a file the migration changes,
    /// that names what the migration changed (a parameter it renamed or replaced, a method whose
    /// signature it changed, a legacy call): the migration cannot check it, so the run cannot pass.
    /// </summary>
    private static async Task<List<string>> UncompiledCodeAsync(Solution original, Solution current, IReadOnlyList<FileChange> changes, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        foreach (var change in changes)
        {
            if (current.GetDocumentIdsWithFilePath(change.FullPath).FirstOrDefault() is not { } id
                || await current.GetDocument(id)!.GetSyntaxRootAsync(cancellationToken) is not { } after
                || original.GetDocument(id) is not { } source
                || await source.GetSyntaxRootAsync(cancellationToken) is not { } before)
            {
                continue;
            }

            var disabled = after.DescendantTrivia().Where(t => t.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.DisabledTextTrivia)).ToList();
            if (disabled.Count == 0)
            {
                continue;
            }

            var afterNames = Identifiers(after).ToHashSet(StringComparer.Ordinal);
            var changed = Identifiers(before).Where(name => !afterNames.Contains(name)).ToHashSet(StringComparer.Ordinal);
            var beforeSignatures = Signatures(before).ToHashSet(StringComparer.Ordinal);
            foreach (var signature in Signatures(after).Where(s => !beforeSignatures.Contains(s)))
            {
                changed.Add(signature[..signature.IndexOf('(')]);
            }

            changed.UnionWith(["RangeRegister", "VmaFault"]);
            foreach (var trivia in disabled)
            {
                var named = System.Text.RegularExpressions.Regex.Matches(trivia.ToString(), @"[A-Za-z_][A-Za-z0-9_]*")
                    .Select(m => m.Value).Where(changed.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                if (named.Count > 0)
                {
                    int line = trivia.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    found.Add($"not checked: {change.File}:{line}, code under #if that this configuration does not compile, names {string.Join(", ", named.Select(n => "'" + n + "'"))}, which the migration changed; build every configuration");
                }
            }
        }

        return found;

        static IEnumerable<string> Identifiers(SyntaxNode root) =>
            root.DescendantTokens().Where(t => t.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.IdentifierToken)).Select(t => t.ValueText);

        static IEnumerable<string> Signatures(SyntaxNode root) =>
            root.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax>()
                .Select(m => (m is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax method ? method.Identifier.ValueText : "") + m.ParameterList.WithoutTrivia().ToString());
    }

    /// <summary>
    /// <paramref name="changed"/> with every file that had compile errors before the run back as
    /// it was: a skipped file is not touched, also not by a fix of another file's site (HMM002's
    /// callers).
    /// </summary>
    private static async Task<Solution> KeepSkippedAsync(Solution original, Solution changed, Analysis before, CancellationToken cancellationToken)
    {
        foreach (DocumentId id in before.CompileErrors.Keys)
        {
            if (changed.GetDocument(id) is { } document && original.GetDocument(id) is { } source
                && !(await document.GetTextAsync(cancellationToken)).ContentEquals(await source.GetTextAsync(cancellationToken)))
            {
                changed = changed.WithDocumentText(id, await source.GetTextAsync(cancellationToken));
            }
        }

        return changed;
    }

    private static List<CompileError> CompileErrorsOf(Analysis analysis, string baseDirectory) =>
        [.. analysis.CompileErrors.Values.SelectMany(e => e).Select(d => (Diagnostic: d, Span: d.Location.GetLineSpan()))
            .OrderBy(e => e.Span.Path, StringComparer.Ordinal).ThenBy(e => e.Span.StartLinePosition)
            .Select(e => new CompileError(
                Relative(baseDirectory, e.Span.Path), e.Span.StartLinePosition.Line + 1, e.Span.StartLinePosition.Character + 1,
                e.Diagnostic.Id, e.Diagnostic.GetMessage()))];

    private static async Task<List<Site>> DescribeAsync(Solution solution, Analysis analysis, Fixer fixer, string baseDirectory, CancellationToken cancellationToken)
    {
        var sites = new List<Site>();
        foreach (Finding finding in analysis.Findings)
        {
            Diagnostic diagnostic = finding.Diagnostic;
            var span = diagnostic.Location.GetLineSpan();
            var verdict = await fixer.DescribeAsync(solution, analysis, finding, cancellationToken);
            sites.Add(new Site(
                Relative(baseDirectory, span.Path),
                span.StartLinePosition.Line + 1,
                span.StartLinePosition.Character + 1,
                diagnostic.Id,
                diagnostic.Severity.ToString().ToLowerInvariant(),
                diagnostic.GetMessage(),
                verdict.Fix,
                verdict.WhyNot));
        }

        return sites;
    }

    private static async Task<List<FileChange>> ChangesAsync(Solution original, Solution current, string baseDirectory, CancellationToken cancellationToken)
    {
        var changes = new SortedDictionary<string, FileChange>(StringComparer.Ordinal);
        foreach (var project in current.GetChanges(original).GetProjectChanges())
        {
            foreach (DocumentId id in project.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true))
            {
                Document before = original.GetDocument(id)!;
                Document after = current.GetDocument(id)!;
                if (before.FilePath is not { } path || changes.ContainsKey(path))
                {
                    continue;
                }

                SourceText source = await before.GetTextAsync(cancellationToken);
                string oldText = source.ToString();
                string newText = (await after.GetTextAsync(cancellationToken)).ToString();
                if (oldText != newText)
                {
                    bool bom = source.Encoding?.GetPreamble().Length > 0;
                    changes[path] = new FileChange(path, Relative(baseDirectory, path), oldText, newText, bom);
                }
            }
        }

        return [.. changes.Values];
    }

    private static async Task WriteAsync(Solution original, FileChange change, CancellationToken cancellationToken)
    {
        // Keep the file's own encoding (and BOM or not).
        Encoding encoding = original.GetDocumentIdsWithFilePath(change.FullPath)
            .Select(id => original.GetDocument(id))
            .Select(d => d is not null && d.TryGetText(out SourceText? text) ? text.Encoding : null)
            .FirstOrDefault(e => e is not null) ?? new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        await File.WriteAllTextAsync(change.FullPath, change.NewText, encoding, cancellationToken);
    }

    /// <summary>A path as reports show it: relative to the input's folder, with forward slashes.</summary>
    public static string Relative(string baseDirectory, string path) =>
        Path.GetRelativePath(baseDirectory, path).Replace('\\', '/');
}
