using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hmm.Analyzers.Tests;

public class HmmSymbolsTests
{
    [Fact]
    public void Nothing_is_resolved_without_a_reference_to_Hmm_Api()
    {
        var compilation = CSharpCompilation.Create("Driver", new[] { CSharpSyntaxTree.ParseText("class C { }") });
        Assert.Null(HmmSymbols.TryCreate(compilation));
    }

    [Fact]
    public void A_users_own_HmmApi_type_is_not_the_api()
    {
        var source = "namespace Hmm { public static class HmmApi { public static int RangeRegister(object r, object mm, ulong s, ulong e, int shift) => 0; } }";
        var compilation = CSharpCompilation.Create("Driver", new[] { CSharpSyntaxTree.ParseText(source) });
        Assert.Null(HmmSymbols.TryCreate(compilation));
    }

    [Fact]
    public void The_api_types_are_found_in_Hmm_Api()
    {
        var compilation = CSharpCompilation.Create(
            "Driver",
            new[] { CSharpSyntaxTree.ParseText("class C { }") },
            new[] { MetadataReference.CreateFromFile(typeof(object).Assembly.Location), HmmTestReferences.HmmApi });
        var symbols = HmmSymbols.TryCreate(compilation);
        Assert.NotNull(symbols);
        Assert.NotNull(symbols!.HmmMirror);
        Assert.NotNull(symbols.HmmRange);
        Assert.NotNull(symbols.MmStruct);
    }

    [Fact]
    public void A_look_alike_assembly_of_another_name_is_not_the_api()
    {
        // A driver's own Hmm namespace in a library of its own, beside the real Hmm.Api.
        var lookAlike = CSharpCompilation.Create(
            "Driver.Shims",
            new[] { CSharpSyntaxTree.ParseText("namespace Hmm { public static class HmmApi { } public sealed class HmmMirror { } }") },
            new[] { MetadataReference.CreateFromFile(typeof(object).Assembly.Location) },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var compilation = CSharpCompilation.Create(
            "Driver",
            new[] { CSharpSyntaxTree.ParseText("class C { }") },
            new[] { MetadataReference.CreateFromFile(typeof(object).Assembly.Location), lookAlike.ToMetadataReference(), HmmTestReferences.HmmApi });
        var symbols = HmmSymbols.TryCreate(compilation);
        Assert.NotNull(symbols);
        Assert.Equal(ApiNames.Assembly, symbols!.HmmApi.ContainingAssembly.Name);
        Assert.Equal(ApiNames.Assembly, symbols.HmmMirror!.ContainingAssembly.Name);
        Assert.Null(HmmSymbols.TryCreate(compilation.RemoveReferences(HmmTestReferences.HmmApi)));
    }

    [Fact]
    public void The_rules_of_one_compilation_share_one_lookup()
    {
        var compilation = CSharpCompilation.Create(
            "Driver",
            new[] { CSharpSyntaxTree.ParseText("class C { }") },
            new[] { MetadataReference.CreateFromFile(typeof(object).Assembly.Location), HmmTestReferences.HmmApi });
        Assert.Same(HmmSymbols.TryCreate(compilation), HmmSymbols.TryCreate(compilation));
        Assert.NotSame(HmmSymbols.TryCreate(compilation), HmmSymbols.TryCreate(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class D { }"))));
    }
}
