using Hmm.Analyzers.FlowAnalysis;
using Hmm.Analyzers.Tests.Rules;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hmm.Analyzers.Tests.FlowAnalysis;

/// <summary>
/// The inference the HMM002 fixer calls at each caller of a method that gains a mirror
/// parameter: which live mirrors can be passed there, as expressions valid at that call.
/// <c>/*at*/</c> marks the call, <c>/*mm*/</c> the mm expression.
/// </summary>
public class MirrorInferenceTests
{
    [Fact]
    public async Task A_caller_passes_the_mirror_of_the_object_it_holds()
    {
        var found = await FindAsync("""
            static int Caller(NouveauSvmm svmm, HmmRange range) => /*at*/Helper(range, /*mm*/svmm.Mm);
            """);
        Assert.NotNull(found);
        Assert.True(found!.OfMm);
        Assert.Equal(new[] { "svmm.Mirror" }, found.Expressions);
    }

    [Fact]
    public async Task Without_an_mm_every_live_mirror_in_scope_is_a_candidate()
    {
        var found = await FindAsync("""
            static int Caller(NouveauSvmm svmm, HmmMirror spare, HmmRange range) => /*at*/Helper(range, null!);
            """);
        Assert.False(found!.OfMm);
        Assert.Equal(new[] { "spare", "svmm.Mirror" }, found.Expressions);
    }

    [Fact]
    public async Task A_local_mirror_is_a_candidate_only_while_registered()
    {
        var live = await FindAsync("""
            static int Caller(MmStruct mm, HmmRange range)
            {
                using var mirror = HmmMirror.Register(mm, new DeviceOps());
                return /*at*/Helper(range, /*mm*/mm);
            }
            """);
        Assert.Equal(new[] { "mirror" }, live!.Expressions);

        var gone = await FindAsync("""
            static int Caller(MmStruct mm, HmmRange range)
            {
                var mirror = HmmMirror.Register(mm, new DeviceOps());
                mirror.Dispose();
                return /*at*/Helper(range, /*mm*/mm);
            }
            """);
        Assert.Empty(gone!.Expressions);
    }

    [Fact]
    public async Task Inside_a_lambda_the_captured_mirror_counts()
    {
        var found = await FindAsync("""
            static System.Func<HmmRange, int> Caller(HmmMirror mirror, MmStruct mm) => range => /*at*/Helper(range, /*mm*/mm);
            """);
        Assert.Equal(new[] { "mirror" }, found!.Expressions);
    }

    [Fact]
    public async Task A_local_declared_after_the_call_is_not_in_scope()
    {
        var found = await FindAsync("""
            static int Caller(MmStruct mm, HmmRange range)
            {
                int ret = /*at*/Helper(range, /*mm*/mm);
                using var later = HmmMirror.Register(mm, new DeviceOps());
                return ret;
            }
            """);
        Assert.Empty(found!.Expressions);
    }

    [Fact]
    public async Task A_local_of_a_block_that_has_ended_is_not_in_scope()
    {
        var found = await FindAsync("""
            static int Caller(HmmMirror spare, HmmRange range, bool fast)
            {
                if (fast)
                {
                    HmmMirror inner = spare;
                    Helper(range, null!);
                }

                return /*at*/Helper(range, null!);
            }
            """);
        Assert.Equal(new[] { "spare" }, found!.Expressions);
    }

    [Fact]
    public async Task Foreach_pattern_and_catch_variables_are_in_scope_where_declared()
    {
        var found = await FindAsync("""
            static int Caller(AmdgpuMn[] notifiers, object owner, HmmRange range)
            {
                foreach (var mn in notifiers)
                {
                    if (owner is NouveauSvmm svmm)
                    {
                        try
                        {
                            return Helper(range, null!);
                        }
                        catch (System.Exception) when (range is { } r)
                        {
                            return /*at*/Helper(r, null!);
                        }
                    }
                }

                return 0;
            }
            """);
        Assert.Equal(new[] { "mn.Mirror", "svmm.Mirror" }, found!.Expressions);
    }

    [Fact]
    public async Task A_primary_constructor_mirror_is_in_scope_in_the_members()
    {
        var found = await FindAsync("""
            sealed class Binder(HmmMirror mirror, MmStruct mm)
            {
                public int Bind(HmmRange range) => /*at*/Driver.Helper(range, /*mm*/mm);
            }
            """, wrapInDriver: false);
        Assert.Equal(new[] { "mirror" }, found!.Expressions);
    }

    private static async Task<MirrorCandidates?> FindAsync(string member, bool wrapInDriver = true)
    {
        var source = wrapInDriver
            ? "using Hmm;\nstatic class Driver\n{\n    internal static int Helper(HmmRange range, MmStruct mm) => 0;\n" + member + "\n}\n" + DriverCode.Types
            : "using Hmm;\nstatic class Driver\n{\n    internal static int Helper(HmmRange range, MmStruct mm) => 0;\n}\n" + member + "\n" + DriverCode.Types;
        var compilation = await AllAnalyzers.CompileWithoutErrorsAsync(source);
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var at = Marked(tree, "/*at*/").Parent!.FirstAncestorOrSelf<InvocationExpressionSyntax>()!;
        var mm = source.Contains("/*mm*/") ? model.GetOperation(Expression(Marked(tree, "/*mm*/"))) : null;
        var symbols = HmmSymbols.TryCreate(compilation)!;
        return MirrorInference.Find(model.GetOperation(at)!, mm, symbols, CancellationToken.None);
    }

    private static SyntaxNode Expression(SyntaxToken first)
    {
        var node = first.Parent!;
        while (node.Parent is ExpressionSyntax parent and not InvocationExpressionSyntax && parent.SpanStart == node.SpanStart)
        {
            node = parent;
        }

        return node;
    }

    private static SyntaxToken Marked(SyntaxTree tree, string marker) =>
        tree.GetRoot().FindToken(tree.GetRoot().DescendantTrivia().First(trivia => trivia.ToString() == marker).Span.End);
}
