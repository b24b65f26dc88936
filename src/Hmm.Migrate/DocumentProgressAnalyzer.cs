using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Migrate;

/// <summary>
/// Reports nothing: calls <paramref name="analysed"/> as the analyzer driver finishes each
/// document's semantic analysis, so that progress counts documents in the one pass that finds
/// the diagnostics. hmm-migrate's own, handed to the driver directly: no attribute, so that no
/// build or IDE loads it as an extension.
/// </summary>
#pragma warning disable RS1001 // Deliberately without [DiagnosticAnalyzer]: only hmm-migrate's driver runs it.
internal sealed class DocumentProgressAnalyzer(Action analysed) : DiagnosticAnalyzer
#pragma warning restore RS1001
{
    // Never reported; enabled, so that the driver does not leave the analyzer out as suppressed.
#pragma warning disable RS2008 // Release tracking is for shipped rules; this id is never reported.
    private static readonly DiagnosticDescriptor Progress = new(
        "HMMPROGRESS", "Documents analysed", "Documents analysed", "HmmMigrate", DiagnosticSeverity.Hidden, isEnabledByDefault: true);
#pragma warning restore RS2008

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Progress];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.EnableConcurrentExecution();
        context.RegisterSemanticModelAction(_ => analysed());
    }
}
