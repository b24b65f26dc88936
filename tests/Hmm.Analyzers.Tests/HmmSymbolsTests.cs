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
            new[] { MetadataReference.CreateFromFile(typeof(object).Assembly.Location), Verifiers.HmmTestReferences.HmmApi });
        var symbols = HmmSymbols.TryCreate(compilation);
        Assert.NotNull(symbols);
        Assert.NotNull(symbols!.HmmMirror);
        Assert.NotNull(symbols.HmmRange);
        Assert.NotNull(symbols.MmStruct);
    }
}
