using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// The live mirrors that can stand in for an mm at a point of a body: the spec's "mirror of an mm".
/// <code>
/// MirrorCandidates? MirrorInference.Find(IOperation at, IOperation? mm, HmmSymbols symbols, CancellationToken ct)
/// </code>
/// <para><c>at</c>: an operation in a method, accessor, lambda or local function body (a call, or
/// one of its arguments); <c>mm</c>: the mm expression whose mirror is wanted, or null for any.
/// Returns null when the analysis cannot decide there (no body, graph too large, iteration cap):
/// do nothing then. Otherwise <see cref="MirrorCandidates.Expressions"/> are C# expressions valid
/// at <c>at</c> (<c>svmm.Mirror</c>, <c>mirror</c>, <c>this.mirror</c>), in a stable order: first
/// the mirrors of <c>mm</c> (registered with that same mm path; the one HmmMirror sibling of the
/// object holding the mm, <c>svmm.Mm</c> → <c>svmm.Mirror</c>; <c>M</c> for <c>M.Mm</c>), and when
/// none fits (or <c>mm</c> is null), every live mirror in scope (locals, parameters, members of
/// <c>this</c>, and the HmmMirror members of those), sorted. Empty: no live mirror at all.</para>
/// </summary>
internal static class MirrorInference
{
    /// <summary>Builds (or takes from the cache) the flow analysis of the body around <paramref name="at"/>.</summary>
    public static MirrorCandidates? Find(IOperation at, IOperation? mm, HmmSymbols symbols, CancellationToken cancellationToken)
    {
        var root = at;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var model = at.SemanticModel;
        if (model is null)
        {
            return null;
        }

        ControlFlowGraph cfg;
        try
        {
            cfg = root switch
            {
                IMethodBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IConstructorBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IBlockOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IFieldInitializerOperation body => ControlFlowGraph.Create(body, cancellationToken),
                IPropertyInitializerOperation body => ControlFlowGraph.Create(body, cancellationToken),
                _ => throw new ArgumentException("Not an executable body.", nameof(at)),
            };
        }
        catch (ArgumentException)
        {
            return null;
        }

        var result = HmmFlowAnalysis.GetOrAnalyze(model.Compilation, cfg, symbols, cancellationToken, everyCall: true);
        return result is null ? null : FromResult(result, at, mm, symbols);
    }

    /// <summary>The candidates at <paramref name="at"/>, from an analysis already made.</summary>
    public static MirrorCandidates? FromResult(HmmFlowResult result, IOperation at, IOperation? mm, HmmSymbols symbols) =>
        result.Candidates(at.Syntax, mm?.Syntax, rangeMm: false, () => FromResult(result, at, mm, AccessPath.TryCreate(mm), symbols));

    /// <summary>
    /// The candidates for the mm of a range: <c>range.Vma.Mm</c>, which the legacy
    /// <c>VmaFault(range, block)</c> registers with.
    /// </summary>
    public static MirrorCandidates? ForRangeMm(HmmFlowResult result, IOperation at, IOperation? range, HmmSymbols symbols) =>
        result.Candidates(at.Syntax, range?.Syntax, rangeMm: true, () => InferForRangeMm(result, at, range, symbols));

    private static MirrorCandidates? InferForRangeMm(HmmFlowResult result, IOperation at, IOperation? range, HmmSymbols symbols)
    {
        var mmPath = AccessPath.TryCreate(range) is { } rangePath
            && symbols.HmmRange?.GetMembers("Vma").FirstOrDefault() is IPropertySymbol vma
            && vma.Type is INamedTypeSymbol vmaType && vmaType.GetMembers("Mm").FirstOrDefault() is IPropertySymbol vmaMm
            ? rangePath.Append(vma)?.Append(vmaMm)
            : null;
        return FromResult(result, at, null, mmPath, symbols);
    }

    private static MirrorCandidates? FromResult(HmmFlowResult result, IOperation at, IOperation? mm, AccessPath? mmPath, HmmSymbols symbols)
    {
        var state = StateAt(result, at);
        var model = at.SemanticModel;
        if (state is null || model is null)
        {
            return null;
        }

        var position = at.Syntax.SpanStart;
        var ofMm = new List<AccessPath>();
        AddMirrorsOfMm(ofMm, state, mm, mmPath, symbols, model, position);

        if (ofMm.Count > 0)
        {
            return new MirrorCandidates(Render(ofMm, model, position, sort: false), ofMm: true);
        }

        var inScope = MirrorsInScope(state, symbols, model, position);
        return new MirrorCandidates(Render(inScope, model, position, sort: true), ofMm: false);
    }

    private static HmmFlowState? StateAt(HmmFlowResult result, IOperation at)
    {
        for (IOperation? operation = at; operation is not null; operation = operation.Parent)
        {
            if (result.StateBefore(operation.Syntax) is { } state)
            {
                return state;
            }
        }

        return null;
    }

    private static void AddMirrorsOfMm(List<AccessPath> found, HmmFlowState state, IOperation? mm, AccessPath? mmPath, HmmSymbols symbols, SemanticModel model, int position)
    {
        if (mmPath is not null)
        {
            // Registered with that same mm, in source order of registration.
            foreach (var pair in state.Mirrors.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
            {
                if (pair.Value.IsLive && mmPath.Equals(pair.Value.Mm) && InScope(pair.Key, model, position))
                {
                    found.Add(pair.Key);
                }
            }

            // svmm.Mm next to svmm.Mirror.
            if (mmPath.Parent is { } owner && owner.Type is INamedTypeSymbol ownerType && !IsApiType(ownerType, symbols))
            {
                var mirrors = MirrorMembers(ownerType, symbols, model, position).Take(2).ToList();
                if (mirrors.Count == 1 && mmPath.Sibling(mirrors[0]) is { } sibling && state.Mirror(sibling).IsLive && !found.Contains(sibling))
                {
                    found.Add(sibling);
                }
            }
        }

        // M.Mm is M's own mm.
        if (mm is not null && AccessPath.Unwrap(mm) is IPropertyReferenceOperation { Property.Name: "Mm", Instance: { } instance }
            && symbols.IsMirror(instance.Type) && AccessPath.TryCreate(instance) is { } mirror
            && state.Mirror(mirror).IsLive && !found.Contains(mirror))
        {
            found.Add(mirror);
        }
    }

    private static List<AccessPath> MirrorsInScope(HmmFlowState state, HmmSymbols symbols, SemanticModel model, int position)
    {
        var found = new List<AccessPath>();
        void Add(AccessPath? path)
        {
            if (path is not null && state.Mirror(path).IsLive && !found.Contains(path))
            {
                found.Add(path);
            }
        }

        foreach (var pair in state.Mirrors)
        {
            if (pair.Value.IsLive && InScope(pair.Key, model, position))
            {
                Add(pair.Key);
            }
        }

        var roots = new List<AccessPath>();
        var enclosing = model.GetEnclosingSymbol(position);
        foreach (var symbol in VariablesDeclaredBefore(enclosing, model, position))
        {
            if (MayHoldMirror(VariableType(symbol), symbols) && InScope(symbol, model, position)
                && AccessPath.ForVariable(symbol) is { } root)
            {
                roots.Add(root);
            }
        }

        while (enclosing is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } function)
        {
            enclosing = function.ContainingSymbol;
        }

        if (enclosing?.ContainingType is { } containingType && Reachable(null, model, position))
        {
            foreach (var member in Members(containingType, model, position))
            {
                if (member.IsStatic || enclosing.IsStatic)
                {
                    continue;
                }

                roots.Add(AccessPath.ForThisMember(containingType, member));
            }
        }

        foreach (var root in roots)
        {
            var type = root.Type;
            if (symbols.IsMirror(type))
            {
                Add(root);
            }
            else if (type is INamedTypeSymbol named && named.SpecialType == SpecialType.None && !IsApiType(named, symbols) && named.TypeKind == TypeKind.Class)
            {
                foreach (var member in MirrorMembers(named, symbols, model, position))
                {
                    Add(root.Append(member));
                }
            }
        }

        return found;
    }

    private static bool DeclaredBefore(ISymbol symbol, int position)
    {
        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.Span.Start >= position)
            {
                return false;
            }
        }

        return true;
    }

    private static bool InScope(AccessPath path, SemanticModel model, int position)
    {
        if (path.Kind == AccessPath.RootKind.StaticType)
        {
            return true;
        }

        if (path.Kind == AccessPath.RootKind.This)
        {
            return Reachable(null, model, position);
        }

        return InScope(path.Root, model, position);
    }

    // A local or parameter that a name at the position binds to: declared before it, not
    // shadowed, and not cut off by a static lambda or local function.
    private static bool InScope(ISymbol variable, SemanticModel model, int position)
    {
        if (!DeclaredBefore(variable, position) || !Reachable(variable, model, position))
        {
            return false;
        }

        foreach (var symbol in model.LookupSymbols(position, name: variable.Name))
        {
            return SymbolEqualityComparer.Default.Equals(symbol, variable);
        }

        return false;
    }

    // The locals and parameters a name at the position could mean. Not LookupSymbols(position):
    // that lists every namespace and type of the compilation too, and costs more than the flow
    // analysis of the body; each variable found here is checked by a lookup of its own name.
    private static IEnumerable<ISymbol> VariablesDeclaredBefore(ISymbol? enclosing, SemanticModel model, int position)
    {
        ISymbol? member = enclosing;
        for (var function = enclosing as IMethodSymbol; function is not null; function = function.ContainingSymbol as IMethodSymbol)
        {
            foreach (var parameter in function.Parameters)
            {
                yield return parameter;
            }

            member = function;
        }

        // A primary constructor's parameters are in scope in every member of its type.
        if (member?.ContainingType is { } type)
        {
            foreach (var constructor in type.InstanceConstructors)
            {
                if (constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is TypeDeclarationSyntax)
                {
                    foreach (var parameter in constructor.Parameters)
                    {
                        yield return parameter;
                    }
                }
            }
        }

        var scope = member?.DeclaringSyntaxReferences
            .FirstOrDefault(r => r.SyntaxTree == model.SyntaxTree && r.Span.Contains(position))?.GetSyntax();
        if (scope is null)
        {
            yield break;
        }

        foreach (var node in scope.DescendantNodes(n => n.SpanStart < position))
        {
            if (node.SpanStart < position && DeclaredName(node).Length > 0 && model.GetDeclaredSymbol(node) is ILocalSymbol local)
            {
                yield return local;
            }
        }
    }

    private static ITypeSymbol? VariableType(ISymbol variable) => variable switch
    {
        ILocalSymbol local => local.Type,
        IParameterSymbol parameter => parameter.Type,
        _ => null,
    };

    private static bool MayHoldMirror(ITypeSymbol? type, HmmSymbols symbols) =>
        symbols.IsMirror(type)
        || type is INamedTypeSymbol { SpecialType: SpecialType.None, TypeKind: TypeKind.Class } named && !IsApiType(named, symbols);

    // A static local function or lambda sees none of the locals, parameters or `this` of the
    // code around it (null: `this`), though name lookup still finds them.
    private static bool Reachable(ISymbol? variable, SemanticModel model, int position)
    {
        for (var function = model.GetEnclosingSymbol(position) as IMethodSymbol;
             function is { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction };
             function = function.ContainingSymbol as IMethodSymbol)
        {
            if (variable is not null && SymbolEqualityComparer.Default.Equals(variable.ContainingSymbol, function))
            {
                return true;
            }

            if (function.IsStatic)
            {
                return false;
            }
        }

        return true;
    }

    // The same few driver types come up at every legacy call of a project: their mirror members,
    // as seen from the type the call is in, are listed once per compilation.
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(INamedTypeSymbol Type, INamedTypeSymbol? Within), ImmutableArray<ISymbol>>> MirrorMembersCache = new();

    private static ImmutableArray<ISymbol> MirrorMembers(INamedTypeSymbol type, HmmSymbols symbols, SemanticModel model, int position)
    {
        var within = model.GetEnclosingSymbol(position) switch
        {
            INamedTypeSymbol named => named,
            { } other => other.ContainingType,
            null => null,
        };
        var perCompilation = MirrorMembersCache.GetValue(model.Compilation, _ => new ConcurrentDictionary<(INamedTypeSymbol, INamedTypeSymbol?), ImmutableArray<ISymbol>>());
        return perCompilation.GetOrAdd(
            (type, within),
            _ => Members(type, model, position).Where(m => !m.IsStatic && symbols.IsMirror(AccessPath.MemberType(m))).ToImmutableArray());
    }

    private static IEnumerable<ISymbol> Members(INamedTypeSymbol type, SemanticModel model, int position)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member is IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol { IsIndexer: false, GetMethod: not null }
                    && model.IsAccessible(position, member) && seen.Add(member.Name))
                {
                    yield return member;
                }
            }
        }
    }

    private static bool IsApiType(INamedTypeSymbol type, HmmSymbols symbols) =>
        type.ContainingAssembly?.Name == HmmSymbols.AssemblyName;

    private static ImmutableArray<string> Render(List<AccessPath> paths, SemanticModel model, int position, bool sort)
    {
        if (paths.Count == 0)
        {
            return ImmutableArray<string>.Empty;
        }

        var names = NamesDeclaredAround(model, position);
        var expressions = paths.Select(p => p.ToExpression(model, position, names)).Distinct(StringComparer.Ordinal);
        return (sort ? expressions.OrderBy(e => e, StringComparer.Ordinal) : expressions).ToImmutableArray();
    }

    // Every name the member around the position declares for a variable, a parameter, a local
    // function, a type parameter or a range variable, wherever in the member: where one of them
    // matches a field, `this.` is written, which is always right, without a lookup per member
    // (a name lookup costs about as much as the flow analysis of a short body).
    private static HashSet<string> NamesDeclaredAround(SemanticModel model, int position)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "value" };
        var token = model.SyntaxTree.GetRoot().FindToken(position);
        SyntaxNode? member = token.Parent?.FirstAncestorOrSelf<MemberDeclarationSyntax>(m => m is not BaseTypeDeclarationSyntax);
        if (member is GlobalStatementSyntax || member is null)
        {
            member = model.SyntaxTree.GetRoot();
        }

        if (member.Parent is TypeDeclarationSyntax { ParameterList: { } primary })
        {
            foreach (var parameter in primary.Parameters)
            {
                names.Add(parameter.Identifier.ValueText);
            }
        }

        foreach (var node in member.DescendantNodesAndSelf())
        {
            if (DeclaredName(node) is { Length: > 0 } name)
            {
                names.Add(name);
            }
        }

        return names;
    }

    // The name a node declares inside a member: a local (declarator, pattern designation,
    // foreach or catch variable), a parameter, a local function, a type parameter or a range
    // variable. Empty for anything else.
    private static string DeclaredName(SyntaxNode node)
    {
        var identifier = node switch
        {
            VariableDeclaratorSyntax declarator => declarator.Identifier,
            SingleVariableDesignationSyntax designation => designation.Identifier,
            ForEachStatementSyntax forEach => forEach.Identifier,
            CatchDeclarationSyntax @catch => @catch.Identifier,
            ParameterSyntax parameter => parameter.Identifier,
            LocalFunctionStatementSyntax function => function.Identifier,
            TypeParameterSyntax typeParameter => typeParameter.Identifier,
            FromClauseSyntax from => from.Identifier,
            LetClauseSyntax let => let.Identifier,
            JoinClauseSyntax join => join.Identifier,
            JoinIntoClauseSyntax into => into.Identifier,
            QueryContinuationSyntax continuation => continuation.Identifier,
            _ => default,
        };
        return identifier.ValueText;
    }
}

/// <summary>The answer of <see cref="MirrorInference.Find"/>.</summary>
internal sealed class MirrorCandidates
{
    public MirrorCandidates(ImmutableArray<string> expressions, bool ofMm)
    {
        Expressions = expressions;
        OfMm = ofMm;
    }

    /// <summary>C# expressions valid at the point, in a stable order; empty when no mirror is live there.</summary>
    public ImmutableArray<string> Expressions { get; }

    /// <summary>True when found through the mm; false when they are the live mirrors in scope.</summary>
    public bool OfMm { get; }

    /// <summary>The form <see cref="DiagnosticProperties.MirrorCandidates"/> carries.</summary>
    public string Joined => string.Join(DiagnosticProperties.CandidateSeparator.ToString(), Expressions);
}
