using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Analyzers;

/// <summary>
/// The base of every HMM rule: concurrent, never runs on generated code, and registers nothing for a
/// compilation that does not reference Hmm.Api, so such a project pays one type lookup.
/// </summary>
public abstract class HmmDiagnosticAnalyzer : DiagnosticAnalyzer
{
    protected HmmDiagnosticAnalyzer(params DiagnosticDescriptor[] descriptors)
    {
        SupportedDiagnostics = ImmutableArray.Create(descriptors);
    }

    public sealed override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; }

    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // No Analyze flag: the driver runs no action on generated code (by file name, header,
        // GeneratedCode attribute, editorconfig or #line hidden), so every diagnostic comes from
        // code the developer wrote. ReportDiagnostics then spares each report the driver's second
        // check, which walks the whole tree of the diagnostic for a GeneratedCode attribute.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.RegisterCompilationStartAction(compilationContext =>
        {
            var symbols = HmmSymbols.TryCreate(compilationContext.Compilation);
            if (symbols is not null)
            {
                AnalyzeCompilation(compilationContext, symbols);
            }
        });
    }

    /// <summary>Registers the rule's actions for a compilation that references Hmm.Api.</summary>
    protected abstract void AnalyzeCompilation(CompilationStartAnalysisContext context, HmmSymbols symbols);
}
