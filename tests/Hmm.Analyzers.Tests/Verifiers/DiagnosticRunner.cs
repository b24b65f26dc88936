using System.Collections.Immutable;
using Hmm.Analyzers.Tests.Differential;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer and returns its diagnostics as objects, for what markup cannot state: the
/// properties handed to the fixer.
/// </summary>
public static class DiagnosticRunner
{
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(DiagnosticAnalyzer analyzer, string source)
    {
        var references = await HmmTestReferences.ReferenceAssemblies.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        var compilation = CSharpCompilation.Create(
            "Driver",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12)) },
            references.Add(HmmTestReferences.HmmApi),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        var analyzers = FlowAgreementAnalyzer.With(new[] { analyzer });
        var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Sort((a, b) => a.Location.SourceSpan.Start.CompareTo(b.Location.SourceSpan.Start));
    }

    /// <summary>The single diagnostic's property <paramref name="name"/>.</summary>
    public static async Task<string?> SinglePropertyAsync(DiagnosticAnalyzer analyzer, string source, string name)
    {
        var diagnostic = Assert.Single(await AnalyzeAsync(analyzer, source));
        return diagnostic.Properties.TryGetValue(name, out var value) ? value : null;
    }
}
