using System.Collections.Immutable;
using System.Reflection;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Hmm.CodeFixes.Tests.Verifiers;

/// <summary>
/// Runs a fix on driver code that references the real Hmm.Api, with every analyzer that
/// Hmm.Analyzers ships: the fixed code must draw none of their diagnostics and no new compiler
/// warning. A rule the analyzers do not ship yet is reported by <see cref="StandInAnalyzer"/>.
/// </summary>
public static class CodeFixVerifier<TCodeFix>
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Warning);

    public static Task VerifyCodeFixAsync(string source, string fixedSource)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource };
        return test.RunAsync();
    }

    public sealed class Test : CSharpCodeFixTest<StandInAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = HmmTestReferences.ReferenceAssemblies;
            TestState.AdditionalReferences.Add(HmmTestReferences.HmmApi);
            CompilerDiagnostics = CompilerDiagnostics.Warnings;
            SolutionTransforms.Add(HmmTestReferences.UseCSharp12WithNullable);
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => HmmTestReferences.Analyzers;
    }
}

/// <summary>What every test compilation references and runs.</summary>
public static class HmmTestReferences
{
    private static readonly ImmutableHashSet<string> FixedRules = ImmutableHashSet.Create("HMM001", "HMM002", "HMM004");

    public static ReferenceAssemblies ReferenceAssemblies { get; } = ReferenceAssemblies.Net.Net80;

    public static MetadataReference HmmApi { get; } = MetadataReference.CreateFromFile(typeof(global::Hmm.HmmApi).Assembly.Location);

    /// <summary>Every analyzer of Hmm.Analyzers, and the stand-in for the fixed rules they lack.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = CreateAnalyzers();

    /// <summary>True when the real analyzers report <paramref name="id"/> (the stand-in does not).</summary>
    public static bool IsReal(string id) => !Analyzers.OfType<StandInAnalyzer>().Any(a => a.SupportedDiagnostics.Any(d => d.Id == id));

    public static Solution UseCSharp12WithNullable(Solution solution, ProjectId projectId)
    {
        var project = solution.GetProject(projectId)!;
        var parseOptions = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.CSharp12);
        var compilationOptions = ((CSharpCompilationOptions)project.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable);
        return solution.WithProjectParseOptions(projectId, parseOptions).WithProjectCompilationOptions(projectId, compilationOptions);
    }

    private static ImmutableArray<DiagnosticAnalyzer> CreateAnalyzers()
    {
        var real = typeof(Descriptors).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var missing = FixedRules.Except(real.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id));
        return missing.IsEmpty ? real : real.Add(new StandInAnalyzer(missing));
    }
}
