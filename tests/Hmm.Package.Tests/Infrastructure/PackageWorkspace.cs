using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Composition;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.MSBuild;

namespace Hmm.Package.Tests.Infrastructure;

/// <summary>
/// A consumer project as an IDE holds it: loaded through MSBuild into a Roslyn workspace, with
/// the analyzers and fixes taken from the project's own analyzer references, i.e. from the
/// restored package. Nothing of src/ is referenced by this test project.
/// </summary>
public sealed class PackageWorkspace
{
    private static readonly ConcurrentDictionary<string, Task<PackageWorkspace>> Loaded = new();

    private PackageWorkspace(Project project, IReadOnlyList<string> analyzerPaths, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<CodeFixProvider> fixers)
    {
        Project = project;
        AnalyzerPaths = analyzerPaths;
        Analyzers = analyzers;
        Fixers = fixers;
    }

    public Project Project { get; }

    /// <summary>The files the package's analyzers and fixes were loaded from.</summary>
    public IReadOnlyList<string> AnalyzerPaths { get; }

    public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

    public ImmutableArray<CodeFixProvider> Fixers { get; }

    /// <summary>The project, loaded once per test run.</summary>
    public static Task<PackageWorkspace> LoadAsync(string projectFile) => Loaded.GetOrAdd(projectFile, LoadCoreAsync);

    public Document Document(string fileName) => Project.Documents.Single(d => d.Name == fileName);

    public CodeFixProvider FixerFor(string id) => Assert.Single(Fixers, f => f.FixableDiagnosticIds.Contains(id));

    public async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Project project, string id)
    {
        var compilation = (await project.GetCompilationAsync())!;
        var diagnostics = await compilation
            .WithAnalyzers(Analyzers, project.AnalyzerOptions)
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics.Where(d => d.Id == id).OrderBy(d => d.Location.SourceTree?.FilePath).ThenBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    /// <summary>The actions the fixes register for <paramref name="diagnostic"/>, as a light bulb lists them.</summary>
    public async Task<List<CodeAction>> CodeActionsAsync(Diagnostic diagnostic)
    {
        var document = Project.GetDocument(diagnostic.Location.SourceTree)!;
        var actions = new List<CodeAction>();
        foreach (var fixer in Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
        {
            await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        }

        return actions;
    }

    /// <summary>What applying <paramref name="action"/> would change, without writing to disk.</summary>
    public static async Task<Solution> ApplyAsync(CodeAction action)
    {
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        return Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
    }

    public static async Task<string> TextAsync(Solution solution, Document document) =>
        (await solution.GetDocument(document.Id)!.GetTextAsync()).ToString();

    /// <summary>The diagnostics a fix-all context asks for: this workspace's analyzers, one rule.</summary>
    public FixAllContext.DiagnosticProvider DiagnosticProvider(string id) => new Provider(this, id);

    private static async Task<PackageWorkspace> LoadCoreAsync(string projectFile)
    {
        var workspace = MSBuildWorkspace.Create();
        var project = await workspace.OpenProjectAsync(projectFile);
        var failures = workspace.Diagnostics.Where(d => d.Kind == WorkspaceDiagnosticKind.Failure).Select(d => d.Message).ToList();
        Assert.True(failures.Count == 0, "MSBuildWorkspace: " + string.Join("\n", failures));

        var references = project.AnalyzerReferences
            .Where(r => Path.GetFileName(r.FullPath) is "Hmm.Analyzers.dll" or "Hmm.CodeFixes.dll")
            .ToList();
        var analyzers = references.SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp)).ToImmutableArray();
        var fixers = references
            .SelectMany(r => FileReference(r).GetAssembly().GetTypes())
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t)
                && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is { } export
                && export.Languages.Contains(LanguageNames.CSharp))
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        return new PackageWorkspace(project, references.Select(r => r.FullPath!).ToList(), analyzers, fixers);
    }

    private static AnalyzerFileReference FileReference(AnalyzerReference reference) =>
        reference as AnalyzerFileReference ?? new AnalyzerFileReference(reference.FullPath!, AssemblyLoader.Instance);

    /// <summary>Loads the package's assemblies as a host does when it finds them in a project.</summary>
    private sealed class AssemblyLoader : IAnalyzerAssemblyLoader
    {
        public static readonly AssemblyLoader Instance = new();

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    private sealed class Provider(PackageWorkspace workspace, string id) : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await workspace.DiagnosticsAsync(project, id);

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return (await workspace.DiagnosticsAsync(document.Project, id)).Where(d => d.Location.SourceTree == tree);
        }

        public override async Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            (await workspace.DiagnosticsAsync(project, id)).Where(d => !d.Location.IsInSource);
    }
}
