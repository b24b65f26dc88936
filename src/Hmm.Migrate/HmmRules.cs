using System.Collections.Immutable;
using System.Reflection;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Migrate;

/// <summary>
/// Every analyzer and code fix the Hmm.Analyzers and Hmm.CodeFixes assemblies ship, instantiated
/// here so that they run on projects that do not reference them.
/// </summary>
internal sealed class HmmRules
{
    private HmmRules(ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<CodeFixProvider> fixers)
    {
        Analyzers = analyzers;
        Fixers = fixers;
        AnalyzerRuleIds = analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToImmutableHashSet(StringComparer.Ordinal);
        RuleIds = AnalyzerRuleIds.Where(IsHmmRule).ToImmutableSortedSet(StringComparer.Ordinal);
    }

    public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

    public ImmutableArray<CodeFixProvider> Fixers { get; }

    /// <summary>Every id the loaded analyzers report: what is not one of them comes from the compiler.</summary>
    public ImmutableHashSet<string> AnalyzerRuleIds { get; }

    /// <summary>The HMM rule ids the loaded analyzers report.</summary>
    public ImmutableSortedSet<string> RuleIds { get; }

    /// <summary>Every rule of the catalogue (Descriptors), whether or not its analyzer is loaded.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> Catalogue { get; } = [.. typeof(Descriptors).GetFields()
        .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>().OrderBy(d => d.Id, StringComparer.Ordinal)];

    /// <summary>The ids of <see cref="Catalogue"/>.</summary>
    public static IReadOnlySet<string> CatalogueIds { get; } = Catalogue.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);

    public static bool IsHmmRule(string id) => id.StartsWith("HMM", StringComparison.Ordinal);

    public static HmmRules Load()
    {
        Assembly analyzers = typeof(Descriptors).Assembly;
        Assembly fixes = Assembly.Load(new AssemblyName("Hmm.CodeFixes"));
        return new HmmRules(
            Instantiate<DiagnosticAnalyzer>(analyzers, t => t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp))),
            Instantiate<CodeFixProvider>(fixes, t => true));
    }

    /// <summary>The fixers that offer fixes for <paramref name="id"/>.</summary>
    public IEnumerable<CodeFixProvider> FixersFor(string id) => Fixers.Where(f => f.FixableDiagnosticIds.Contains(id));

    private static ImmutableArray<T> Instantiate<T>(Assembly assembly, Func<Type, bool> accept)
        where T : class
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.OfType<Type>().ToArray();
        }

        return types
            .Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false } && typeof(T).IsAssignableFrom(t)
                && t.GetConstructor(Type.EmptyTypes) is not null && accept(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }
}
