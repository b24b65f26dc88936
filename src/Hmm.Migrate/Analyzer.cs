using Hmm.Analyzers;
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
        .Where(p => targets.Contains(p.Id) && p.Language == LanguageNames.CSharp && p.AssemblyName != ApiNames.Assembly && UsesHmmApi(solution, p))
        .GroupBy(p => p.FilePath ?? p.Id.ToString(), StringComparer.Ordinal)
        .Select(g => g.First())
        .OrderBy(p => p.FilePath, StringComparer.Ordinal);

    /// <summary>
    /// Throws (exit 3) unless every project to migrate can be analysed: a project that is not
    /// restored, whose Hmm.Api reference did not resolve, or that has no compilation would
    /// otherwise pass with no site found. A project that does not use Hmm.Api at all is left out,
    /// but at least one must use it.
    /// </summary>
    public async Task EnsureAnalysableAsync(Solution solution, string input, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        bool any = false;
        foreach (Project project in solution.Projects
            .Where(p => targets.Contains(p.Id) && p.Language == LanguageNames.CSharp && p.AssemblyName != ApiNames.Assembly)
            .GroupBy(p => p.FilePath ?? p.Id.ToString(), StringComparer.Ordinal).Select(g => g.First()))
        {
            Compilation? compilation = await project.GetCompilationAsync(cancellationToken);
            if (compilation is null)
            {
                problems.Add($"{project.Name}: the workspace gives it no compilation");
            }
            else if (compilation.GetSpecialType(SpecialType.System_Object).TypeKind == TypeKind.Error)
            {
                problems.Add($"{project.Name}: its references did not resolve (not even System.Object): the project is not restored; run 'dotnet restore', or drop --no-restore");
            }
            else if (UsesHmmApi(solution, project))
            {
                any = true;
            }
            else if (MentionsHmmApi(project))
            {
                problems.Add(IsRestored(project)
                    ? $"{project.Name}: its project file references Hmm.Api but the reference did not resolve (build the referenced project, or check its path)"
                    : $"{project.Name}: its Hmm.Api reference did not resolve: the project is not restored; run 'dotnet restore', or drop --no-restore");
            }
        }

        if (problems.Count > 0)
        {
            throw new MigrationException(ExitCodes.LoadFailed, $"'{input}' cannot be analysed, a pass would mean nothing:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}");
        }

        if (!any)
        {
            throw new MigrationException(ExitCodes.LoadFailed, $"'{input}' has nothing to analyse: none of its projects references Hmm.Api");
        }
    }

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
            Compilation? compilation = await project.GetCompilationAsync(cancellationToken);
            if (compilation is null)
            {
                throw new MigrationException(ExitCodes.LoadFailed, $"{project.Name}: the workspace gives it no compilation");
            }

            // One pass for the compiler's diagnostics and the analyzers': the analyzer driver
            // shares the semantic models (and their bound bodies) with the compiler's pass, where
            // GetDiagnostics and then GetAnalyzerDiagnosticsAsync would bind every body twice.
            // The progress analyzer rides along in the same pass and counts the documents.
            var diagnostics = await progress.TrackAsync(project.Name, compilation.SyntaxTrees.Count(), tick =>
            {
                var options = new CompilationWithAnalyzersOptions(project.AnalyzerOptions, onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);
                return compilation.WithAnalyzers(rules.Analyzers.Add(new DocumentProgressAnalyzer(tick)), options).GetAllDiagnosticsAsync(cancellationToken);
            });
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

    // A PackageReference or ProjectReference to Hmm.Api in the project file itself.
    private static bool MentionsHmmApi(Project project) =>
        project.FilePath is { } path && File.Exists(path) && File.ReadAllText(path).Contains(ApiNames.Assembly, StringComparison.OrdinalIgnoreCase);

    // NuGet's assets file, in the default obj/ folder: without it no package reference resolves.
    private static bool IsRestored(Project project) =>
        project.FilePath is { } path && File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "obj", "project.assets.json"));

    private static bool UsesHmmApi(Solution solution, Project project) =>
        project.ProjectReferences.Any(r => solution.GetProject(r.ProjectId)?.AssemblyName == ApiNames.Assembly)
        || project.MetadataReferences.OfType<PortableExecutableReference>()
            .Any(r => string.Equals(Path.GetFileName(r.FilePath), "Hmm.Api.dll", StringComparison.OrdinalIgnoreCase));
}
