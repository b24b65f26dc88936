using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers;

/// <summary>
/// The Hmm.Api symbols the rules look for, resolved once per compilation by metadata name.
/// The analyzers do not reference Hmm.Api: they bind to whatever assembly of that name the
/// user's compilation references.
/// </summary>
public sealed class HmmSymbols
{
    public const string AssemblyName = "Hmm.Api";

    private HmmSymbols(INamedTypeSymbol hmmApi, INamedTypeSymbol? mirror, INamedTypeSymbol? range, INamedTypeSymbol? mm)
    {
        HmmApi = hmmApi;
        HmmMirror = mirror;
        HmmRange = range;
        MmStruct = mm;
    }

    public INamedTypeSymbol HmmApi { get; }
    public INamedTypeSymbol? HmmMirror { get; }
    public INamedTypeSymbol? HmmRange { get; }
    public INamedTypeSymbol? MmStruct { get; }

    /// <summary>The symbols, or null when the compilation does not reference Hmm.Api.</summary>
    public static HmmSymbols? TryCreate(Compilation compilation)
    {
        var hmmApi = GetApiType(compilation, "Hmm.HmmApi");
        if (hmmApi is null)
        {
            return null;
        }

        return new HmmSymbols(
            hmmApi,
            GetApiType(compilation, "Hmm.HmmMirror"),
            GetApiType(compilation, "Hmm.HmmRange"),
            GetApiType(compilation, "Hmm.MmStruct"));
    }

    /// <summary>True when <paramref name="method"/> is a member of HmmApi (or HmmMirror) in Hmm.Api.</summary>
    public bool IsApiMethod(IMethodSymbol method)
    {
        var containing = method.ContainingType?.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(containing, HmmApi)
            || (HmmMirror is not null && SymbolEqualityComparer.Default.Equals(containing, HmmMirror));
    }

    public bool IsMirror(ITypeSymbol? type) =>
        type is not null && HmmMirror is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, HmmMirror);

    public bool IsRange(ITypeSymbol? type) =>
        type is not null && HmmRange is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, HmmRange);

    public bool IsMm(ITypeSymbol? type) =>
        type is not null && MmStruct is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, MmStruct);

    private static INamedTypeSymbol? GetApiType(Compilation compilation, string metadataName)
    {
        // A user's own type of the same name (in another assembly) must not count.
        foreach (var type in GetTypesByMetadataName(compilation, metadataName))
        {
            if (type.ContainingAssembly?.Name == AssemblyName)
            {
                return type;
            }
        }

        return null;
    }

    private static IEnumerable<INamedTypeSymbol> GetTypesByMetadataName(Compilation compilation, string metadataName)
    {
        // Compilation.GetTypesByMetadataName is 4.2+: fine on the 4.8 floor.
        return compilation.GetTypesByMetadataName(metadataName);
    }
}
