using System.Collections.Immutable;
using System.Reflection;
using Hmm.Analyzers;
using Hmm.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Hmm.Tests.Shared;

/// <summary>
/// What every analyzer and fix test compiles against and runs, defined once for the test
/// projects that link this folder: .NET 8 and the real Hmm.Api, C# 12 with nullable on (a driver
/// project of today), and every analyzer and fix the two assemblies ship.
/// </summary>
public static class HmmTestReferences
{
    public static ReferenceAssemblies ReferenceAssemblies { get; } = ReferenceAssemblies.Net.Net80;

    public static MetadataReference HmmApi { get; } = MetadataReference.CreateFromFile(typeof(global::Hmm.HmmApi).Assembly.Location);

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp12);

    public static CSharpCompilationOptions CompilationOptions { get; } =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

    /// <summary>One instance of each exported analyzer, by name: a new rule is covered as it lands.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
        Exported<DiagnosticAnalyzer, DiagnosticAnalyzerAttribute>(typeof(HmmDiagnosticAnalyzer).Assembly);

    /// <summary>One instance of each exported code fix, by name.</summary>
    public static ImmutableArray<CodeFixProvider> Fixes { get; } =
        Exported<CodeFixProvider, ExportCodeFixProviderAttribute>(typeof(MirrorCandidateFix).Assembly);

    /// <summary>Every C# project of a test solution: <see cref="ParseOptions"/> and nullable on.</summary>
    public static Solution UseCSharp12WithNullable(Solution solution, ProjectId projectId)
    {
        foreach (var project in solution.Projects.Where(p => p.Language == LanguageNames.CSharp))
        {
            var parseOptions = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(ParseOptions.LanguageVersion);
            var compilationOptions = ((CSharpCompilationOptions)project.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable);
            solution = solution.WithProjectParseOptions(project.Id, parseOptions).WithProjectCompilationOptions(project.Id, compilationOptions);
        }

        return solution;
    }

    private static ImmutableArray<T> Exported<T, TAttribute>(Assembly assembly)
        where TAttribute : Attribute =>
        assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(T).IsAssignableFrom(t) && t.GetCustomAttribute<TAttribute>() is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToImmutableArray();
}
