using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers;

/// <summary>
/// The Hmm.Api symbols the rules look for, resolved once per compilation by metadata name.
/// The analyzers do not reference Hmm.Api: they bind to whatever assembly of that name the
/// user's compilation references.
/// </summary>
public sealed class HmmSymbols
{
    // Six rules start on every compilation: they share one lookup.
    private static readonly ConditionalWeakTable<Compilation, StrongBox<HmmSymbols?>> Cache = new();

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
    public static HmmSymbols? TryCreate(Compilation compilation) =>
        Cache.GetValue(compilation, static c => new StrongBox<HmmSymbols?>(Create(c))).Value;

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

    private static HmmSymbols? Create(Compilation compilation)
    {
        // Only Hmm.Api's own types count, not a user's type of the same name elsewhere: look in
        // that one assembly instead of asking every reference of the compilation.
        foreach (var assembly in ApiAssemblies(compilation))
        {
            if (assembly.GetTypeByMetadataName(ApiNames.Types.HmmApi) is { } hmmApi)
            {
                return new HmmSymbols(
                    hmmApi,
                    assembly.GetTypeByMetadataName(ApiNames.Types.HmmMirror),
                    assembly.GetTypeByMetadataName(ApiNames.Types.HmmRange),
                    assembly.GetTypeByMetadataName(ApiNames.Types.MmStruct));
            }
        }

        return null;
    }

    private static IEnumerable<IAssemblySymbol> ApiAssemblies(Compilation compilation)
    {
        if (compilation.Assembly.Name == ApiNames.Assembly)
        {
            yield return compilation.Assembly;
        }

        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            if (assembly.Name == ApiNames.Assembly)
            {
                yield return assembly;
            }
        }
    }
}
