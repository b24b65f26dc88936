using System.Collections.Immutable;
using System.Reflection;
using Hmm.Analyzers;
using Hmm.Analyzers.Rules;
using Hmm.Analyzers.Tests.Differential;
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
/// warning.
/// </summary>
public static class CodeFixVerifier<TCodeFix>
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) => new(id, DiagnosticSeverity.Warning);

    /// <summary>Checks the diagnostics in <paramref name="source"/>, the fix, and fix-all in every scope.</summary>
    public static Task VerifyCodeFixAsync(string source, string fixedSource, params DiagnosticResult[] expected) =>
        Create(source, fixedSource, expected).RunAsync();

    /// <summary>A test of <paramref name="source"/> beside <see cref="DriverTypes"/>, to adjust before running.</summary>
    public static Test Create(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new Test();
        test.TestState.Sources.Add(source);
        test.TestState.Sources.Add(("DriverTypes.cs", DriverTypes));
        test.TestState.ExpectedDiagnostics.AddRange(expected);
        test.FixedState.Sources.Add(fixedSource);
        test.FixedState.Sources.Add(("DriverTypes.cs", DriverTypes));
        return test;
    }

    /// <summary>
    /// A test whose fix-all at solution scope must give <paramref name="documents"/> fixed in this
    /// project (the first one as Test0.cs) and <paramref name="other"/> fixed in a second project;
    /// fix-all in a document and in a project take one iteration per document and per project.
    /// </summary>
    public static Test CreateSolution((string Source, string Fixed)[] documents, (string Source, string Fixed) other)
    {
        var test = Create(documents[0].Source, documents[0].Fixed);
        for (var i = 1; i < documents.Length; i++)
        {
            test.TestState.Sources.Add(($"Driver{i}.cs", documents[i].Source));
            test.FixedState.Sources.Add(($"Driver{i}.cs", documents[i].Fixed));
        }

        test.TestState.AdditionalProjects.Add("OtherDriver", DriverProject("OtherDriver", other.Source));
        test.FixedState.AdditionalProjects.Add("OtherDriver", DriverProject("OtherDriver", other.Fixed));
        test.NumberOfFixAllInDocumentIterations = documents.Length + 1;
        test.NumberOfFixAllInProjectIterations = 2;
        test.NumberOfFixAllIterations = 1;
        return test;
    }

    /// <summary>Another project of driver code, with its own <see cref="DriverTypes"/>.</summary>
    public static ProjectState DriverProject(string name, params string[] sources)
    {
        var project = new ProjectState(name, LanguageNames.CSharp, "/0/" + name, "cs");
        for (var i = 0; i < sources.Length; i++)
        {
            project.Sources.Add(($"/0/{name}/{name}{i}.cs", sources[i]));
        }

        project.Sources.Add(($"/0/{name}/DriverTypes.cs", DriverTypes));
        project.AdditionalReferences.Add(HmmTestReferences.HmmApi);
        return project;
    }

    /// <summary>The driver's own structures (<see cref="DriverCode.Types"/>), as a file of their own.</summary>
    public const string DriverTypes = "using Hmm;\n" + DriverCode.Types;

    public sealed class Test : CSharpCodeFixTest<LegacyRangeRegisterAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = HmmTestReferences.ReferenceAssemblies;
            TestState.AdditionalReferences.Add(HmmTestReferences.HmmApi);
            CompilerDiagnostics = CompilerDiagnostics.Warnings;
            SolutionTransforms.Add(HmmTestReferences.UseCSharp12WithNullable);
        }

        // The two walks of the flow analysis are checked against each other on every input.
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => FlowAgreementAnalyzer.With(HmmTestReferences.Analyzers);
    }
}
