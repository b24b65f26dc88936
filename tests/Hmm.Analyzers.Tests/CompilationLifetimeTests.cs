using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Hmm.Analyzers.Tests.FlowAnalysis;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Analyzers.Tests;

/// <summary>
/// An IDE makes a compilation per edit and lets the old one go: nothing the rules keep between
/// calls (the walks' per-thread buffers, the caches by compilation, tree and block) may hold an
/// analysed compilation alive, or every edit would keep its whole semantic model.
/// </summary>
public class CompilationLifetimeTests
{
    // Bodies with lambdas in try, catch and finally (the graph walk and nested graphs), a retry
    // loop under a lock (the tree walk), and legacy calls (the mirror inference).
    private static readonly string Source =
        NestedFunctionTests.DriverFile(new[]
        {
            NestedFunctionTests.Shape("try-catch", "lambda", NestedFunctionTests.Bodies["throws"]),
            NestedFunctionTests.Shape("finally", "local-function", NestedFunctionTests.Bodies["own-try"]),
        })
        + DriverCode.NouveauFault("HmmApi.VmaFault(range, true)").Replace("using Hmm;", string.Empty, StringComparison.Ordinal);

    [Fact]
    public void A_compilation_analysed_and_let_go_is_collected()
    {
        var analysed = AnalyseAndLetGo();

        for (var attempt = 0; attempt < 5 && analysed.IsAlive; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(analysed.IsAlive, "the analysed compilation is still reachable after the analysis");
    }

    // Not inlined, and not async: no local of the test keeps the compilation.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference AnalyseAndLetGo()
    {
        var witness = new CompilationWitness();
        var compilation = AllAnalyzers.CompileWithoutErrorsAsync(Source).GetAwaiter().GetResult();
        var run = AllAnalyzers.RunAsync(compilation, HmmTestReferences.Analyzers.Add(witness), concurrent: true).GetAwaiter().GetResult();
        Assert.Empty(run.Exceptions);
        Assert.Contains(run.Diagnostics, d => d.Id == "HMM004");
        return witness.Analysed!;
    }

    /// <summary>Keeps a weak reference to the compilation the driver runs the analyzers on (its own copy of the one handed in).</summary>
#pragma warning disable RS1036, RS1038, RS1041 // A test's instrument, never shipped or loaded by a compiler.
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class CompilationWitness : DiagnosticAnalyzer
#pragma warning restore RS1036, RS1038, RS1041
    {
#pragma warning disable RS2008 // A test's instrument: no release to track.
        private static readonly DiagnosticDescriptor Never = new("HMMTEST02", "Never reported", "Never reported", "Test", DiagnosticSeverity.Hidden, isEnabledByDefault: true);
#pragma warning restore RS2008

        public WeakReference? Analysed { get; private set; }

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Never);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationAction(compilation => Analysed = new WeakReference(compilation.Compilation));
        }
    }
}
