using System.Collections.Concurrent;
using System.Collections.Immutable;
using Hmm.Analyzers.FlowAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.Tests.Differential;

/// <summary>
/// The differential check of the two walks: a body the walk over the operation tree
/// (<see cref="StructuredBodyAnalysis"/>) takes is analysed over its control flow graph
/// (<see cref="GraphBodyAnalysis"/>) too, and the rules must see the same in both: the state
/// before each call, the leaks, the unregistered ranges. Tests only; the shipped analyzer walks
/// each body once.
/// </summary>
internal static class FlowAgreement
{
    /// <summary>What the two walks see differently in the body <paramref name="root"/> (whose graph is <paramref name="cfg"/>); null when nothing, or when the tree walk does not take it.</summary>
    public static string? Check(IOperation root, ControlFlowGraph cfg, HmmSymbols symbols)
    {
        if (!StructuredBodyAnalysis.TryAnalyze(root, symbols, everyCall: false, CancellationToken.None, out var tree))
        {
            return null;
        }

        var difference = Disagreement(tree, HmmFlowAnalysis.Analyze(cfg, symbols, CancellationToken.None));
        return difference is null ? null : $"the tree walk and the graph disagree on '{root.Syntax.ToString().Split('\n')[0].Trim()}': {difference}";
    }

    /// <summary>Every body of <paramref name="compilation"/> that calls HMM, checked; the differences found.</summary>
    public static IReadOnlyList<string> CheckAll(Compilation compilation)
    {
        var differences = new List<string>();
        if (HmmSymbols.TryCreate(compilation) is not { } symbols)
        {
            return differences;
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var member in tree.GetRoot().DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
            {
                var cfg = model.GetOperation(member) switch
                {
                    IMethodBodyOperation body => ControlFlowGraph.Create(body),
                    IConstructorBodyOperation body => ControlFlowGraph.Create(body),
                    _ => null,
                };
                if (cfg is not null && CallsHmm(cfg.OriginalOperation, symbols) && Check(cfg.OriginalOperation, cfg, symbols) is { } difference)
                {
                    differences.Add(difference);
                }
            }
        }

        return differences;
    }

    /// <summary>What the rules would see differently in two results of one body; null when nothing.</summary>
    public static string? Disagreement(HmmFlowResult? tree, HmmFlowResult? graph)
    {
        if (tree is null || graph is null)
        {
            // Each has bounds of its own: past them it gives up, and the rules stay silent.
            return null;
        }

        foreach (var pair in tree.States.Concat(graph.States))
        {
            var node = pair.Key;
            if (node is not (InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax))
            {
                continue;
            }

            var treeState = tree.StateBefore(node);
            var graphState = graph.StateBefore(node);
            if (treeState is null || graphState is null || !treeState.Equals(graphState))
            {
                return $"before '{node}': tree {Describe(treeState)}, graph {Describe(graphState)}";
            }
        }

        var treeLeaks = tree.Leaks.Select(Describe).OrderBy(x => x, StringComparer.Ordinal).ToList();
        var graphLeaks = graph.Leaks.Select(Describe).OrderBy(x => x, StringComparer.Ordinal).ToList();
        if (!treeLeaks.SequenceEqual(graphLeaks))
        {
            return $"leaks: tree [{string.Join("; ", treeLeaks)}], graph [{string.Join("; ", graphLeaks)}]";
        }

        return tree.UnregisteredRanges.SetEquals(graph.UnregisteredRanges) ? null : "unregistered ranges differ";
    }

    private static bool CallsHmm(IOperation root, HmmSymbols symbols) =>
        root.Descendants().OfType<IInvocationOperation>().Any(i => HmmCall.Classify(i, symbols).Kind != HmmCallKind.None);

    private static string Describe(RangeLeak leak) => $"{leak.Range} from '{leak.Registration}' at {leak.Exit.GetLineSpan()}";

    internal static string Describe(HmmFlowState? state) => state is null
        ? "none"
        : "mirrors {" + string.Join(", ", state.Mirrors.Select(p => $"{p.Key}: {p.Value.Facts} reg {p.Value.Registration?.SpanStart} unreg {p.Value.Unregistration?.SpanStart} mm {p.Value.Mm}"))
            + "} ranges {" + string.Join(", ", state.Ranges.Select(p => $"{p.Key}: {p.Value.Facts} reg {p.Value.Registration?.SpanStart}"))
            + "} results {" + string.Join(", ", state.Results.Select(p => $"{p.Key.Name}: {p.Value.Call.SpanStart}{(p.Value.SuccessWhen is { } when ? " success when " + when : "")}"))
            + "} flags {" + string.Join(", ", state.Flags.Select(p => $"{p.Key.Name}: {p.Value.Constant?.ToString() ?? p.Value.Value.ToString()}")) + "}";
}

#pragma warning disable RS1036, RS2008 // A test-only analyzer: never shipped, no release tracking.
/// <summary>
/// <see cref="FlowAgreement"/> riding along with the rules in every analyzer and fix test: each
/// body with an HMM call, as the rules see it, is checked, and a difference throws (AD0001), so
/// the test fails.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class FlowAgreementAnalyzer : DiagnosticAnalyzer
{
    // Never reported: the driver runs only an analyzer with something it could report.
    private static readonly DiagnosticDescriptor Disagreement = new("HMMTEST01", "The two walks disagree", "{0}", "Test", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    public static FlowAgreementAnalyzer Instance { get; } = new();

    /// <summary><paramref name="analyzers"/> and the check.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> With(IEnumerable<DiagnosticAnalyzer> analyzers) =>
        analyzers.Append(Instance).ToImmutableArray();

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Disagreement);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (HmmSymbols.TryCreate(start.Compilation) is not { } symbols)
            {
                return;
            }

            var checkedBodies = new ConcurrentDictionary<SyntaxNode, bool>();
            start.RegisterOperationAction(
                operation =>
                {
                    var root = operation.Operation;
                    while (root.Parent is not null)
                    {
                        root = root.Parent;
                    }

                    if (HmmCall.Classify((IInvocationOperation)operation.Operation, symbols).Kind == HmmCallKind.None || !checkedBodies.TryAdd(root.Syntax, true))
                    {
                        return;
                    }

                    ControlFlowGraph? cfg;
                    try
                    {
                        cfg = operation.GetControlFlowGraph();
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                    {
                        // Not inside an executable body: the rules have no graph either.
                        return;
                    }

                    if (cfg is not null && FlowAgreement.Check(root, cfg, symbols) is { } difference)
                    {
                        throw new InvalidOperationException(difference);
                    }
                },
                OperationKind.Invocation);
        });
    }
}
#pragma warning restore RS1036, RS2008
