using System.Runtime.CompilerServices;
using Hmm.Analyzers.FlowAnalysis;

namespace Hmm.Analyzers.Tests;

internal static class CheckFlowAgainstGraph
{
    // Every body the rules analyse over its operation tree is analysed over its control flow
    // graph too: a difference throws, and the test fails with AD0001.
    [ModuleInitializer]
    internal static void Enable() => HmmFlowAnalysis.CheckAgainstGraph = true;
}
