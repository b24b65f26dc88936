using Hmm.Analyzers.Tests.Differential;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Hmm.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs one analyzer on driver code that references the real Hmm.Api assembly.
/// Use markup: <c>{|HMM001:svmm.Mm|}</c>, or <c>{|#0:...|}</c> with <see cref="Diagnostic(string)"/>.
/// </summary>
public static class AnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = HmmTestReferences.ReferenceAssemblies;
            TestState.AdditionalReferences.Add(HmmTestReferences.HmmApi);
            SolutionTransforms.Add(HmmTestReferences.UseCSharp12WithNullable);
        }

        // The two walks are checked against each other on every input.
        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => FlowAgreementAnalyzer.With(base.GetDiagnosticAnalyzers());
    }
}
