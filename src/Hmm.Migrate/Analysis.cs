using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Migrate;

/// <summary>An HMM diagnostic and the document it is in.</summary>
internal sealed record Finding(Diagnostic Diagnostic, DocumentId DocumentId);

/// <summary>What one analysis of a solution found: HMM diagnostics, compile errors, analyzer crashes.</summary>
internal sealed record Analysis(
    ImmutableArray<Finding> Findings,
    ImmutableDictionary<DocumentId, ImmutableArray<Diagnostic>> CompileErrors,
    ImmutableArray<Diagnostic> AnalyzerFailures)
{
    public bool IsBroken(DocumentId id) => CompileErrors.ContainsKey(id);
}

/// <summary>Runs the HMM analyzers on every project of a solution that uses Hmm.Api.</summary>
internal sealed class Analyzer(HmmRules rules, IReadOnlySet<string> ruleIds, IReadOnlySet<ProjectId> targets, Progress progress)
{
    /// <summary>
    /// The projects worth analysing: the input's C# projects that use Hmm.Api (not Hmm.Api
    /// itself: it implements the legacy calls), one per project file (multi-targeting loads one
    /// per framework).
    /// </summary>
    private IEnumerable<Project> ProjectsOf(Solution solution) => solution.Projects
        .Where(p => targets.Contains(p.Id) && p.Language == LanguageNames.CSharp && p.AssemblyName != "Hmm.Api" && UsesHmmApi(solution, p))
        .GroupBy(p => p.FilePath ?? p.Id.ToString(), StringComparer.Ordinal)
        .Select(g => g.First())
        .OrderBy(p => p.FilePath, StringComparer.Ordinal);

    public async Task<Analysis> AnalyzeAsync(Solution solution, CancellationToken cancellationToken)
    {
        if (rules.Analyzers.IsEmpty)
        {
            return new Analysis([], ImmutableDictionary<DocumentId, ImmutableArray<Diagnostic>>.Empty, []);
        }

        var findings = ImmutableArray.CreateBuilder<Finding>();
        var errors = ImmutableDictionary.CreateBuilder<DocumentId, ImmutableArray<Diagnostic>>();
        var failures = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (Project project in ProjectsOf(solution))
        {
            progress.Report($"analysing {project.Name} ({project.DocumentIds.Count} documents)");
            Compilation? compilation = await project.GetCompilationAsync(cancellationToken);
            if (compilation is null)
            {
                continue;
            }

            // One pass for the compiler's diagnostics and the analyzers': the analyzer driver
            // shares the semantic models (and their bound bodies) with the compiler's pass, where
            // GetDiagnostics and then GetAnalyzerDiagnosticsAsync would bind every body twice.
            var options = new CompilationWithAnalyzersOptions(project.AnalyzerOptions, onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers(rules.Analyzers, options).GetAllDiagnosticsAsync(cancellationToken);
            var compileErrors = new List<Diagnostic>();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                if (diagnostic.Id == "AD0001")
                {
                    failures.Add(diagnostic);
                }
                else if (rules.AnalyzerRuleIds.Contains(diagnostic.Id))
                {
                    if (ruleIds.Contains(diagnostic.Id) && diagnostic.Location.SourceTree is { } tree && project.GetDocumentId(tree) is { } id)
                    {
                        findings.Add(new Finding(diagnostic, id));
                    }
                }
                else if (diagnostic.Severity == DiagnosticSeverity.Error && diagnostic.Location.SourceTree is not null)
                {
                    compileErrors.Add(diagnostic);
                }
            }

            foreach (var group in compileErrors.GroupBy(d => d.Location.SourceTree))
            {
                if (project.GetDocumentId(group.Key) is { } id)
                {
                    errors[id] = [.. group.OrderBy(d => d.Location.SourceSpan.Start)];
                }
            }
        }

        var ordered = findings
            .OrderBy(f => f.Diagnostic.Location.SourceTree!.FilePath, StringComparer.Ordinal)
            .ThenBy(f => f.Diagnostic.Location.SourceSpan.Start)
            .ThenBy(f => f.Diagnostic.Id, StringComparer.Ordinal);
        return new Analysis([.. ordered], errors.ToImmutable(), failures.ToImmutable());
    }

    private static bool UsesHmmApi(Solution solution, Project project) =>
        project.ProjectReferences.Any(r => solution.GetProject(r.ProjectId)?.AssemblyName == "Hmm.Api")
        || project.MetadataReferences.OfType<PortableExecutableReference>()
            .Any(r => string.Equals(Path.GetFileName(r.FilePath), "Hmm.Api.dll", StringComparison.OrdinalIgnoreCase));
}
