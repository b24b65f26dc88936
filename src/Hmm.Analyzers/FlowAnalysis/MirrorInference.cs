using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
/// the mirrors of <c>mm</c> (registered with that same mm path; the HmmMirror members of the
/// mm's owner, <c>svmm.Mm</c> → <c>svmm.Mirror</c>, whatever the owner's shape: see
/// <see cref="Siblings"/>; <c>M</c> for <c>M.Mm</c>), and when none fits (or <c>mm</c> is null),
/// every live mirror in scope (locals, parameters, members of <c>this</c> and static members of
/// its type, and the HmmMirror members of those), sorted, but those known to be another mm's
/// (registered with another mm, or held beside an mm by their owner); none for the mm of an
/// owner that holds no mirror. Empty: no live mirror of that mm.</para>
/// </summary>
internal static class MirrorInference
{
    /// <summary>
    /// Takes the flow analysis of the body around <paramref name="at"/> the way the rules do (the
    /// same choice of walk, the same cache), keeping the state before every call.
    /// </summary>
    public static MirrorCandidates? Find(IOperation at, IOperation? mm, HmmSymbols symbols, CancellationToken cancellationToken)
    {
        if (at.SemanticModel is not { } model)
        {
            return null;
        }

        var result = HmmFlowAnalysis.ForOperation(at, model.Compilation, symbols, everyCall: true, cancellationToken);
        return result is null ? null : FromResult(result, at, mm, symbols);
    }

    /// <summary>The candidates for <c>range.Vma.Mm</c> at <paramref name="at"/>, as <see cref="ForRangeMm"/> finds them.</summary>
    public static MirrorCandidates? FindForRangeMm(IOperation at, IOperation range, HmmSymbols symbols, CancellationToken cancellationToken)
    {
        if (at.SemanticModel is not { } model)
        {
            return null;
        }

        var result = HmmFlowAnalysis.ForOperation(at, model.Compilation, symbols, everyCall: true, cancellationToken);
        return result is null ? null : ForRangeMm(result, at, range, symbols);
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
        var rangePath = AccessPath.TryCreate(range);
        var vma = symbols.HmmRange?.GetMembers(ApiNames.Members.Vma).FirstOrDefault() as IPropertySymbol;
        var mmPath = rangePath is not null && vma?.Type is INamedTypeSymbol vmaType && vmaType.GetMembers(ApiNames.Members.Mm).FirstOrDefault() is IPropertySymbol vmaMm
            ? rangePath.Append(vma)?.Append(vmaMm)
            : null;
        var vmaOwner = rangePath is not null && vma is not null ? VmaFoundIn(at, rangePath, vma, symbols) : null;
        return FromResult(result, at, null, mmPath, symbols, vmaOwner, anyInScope: true);
    }

    /// <summary>
    /// The mm whose <c>FindVma</c> gave the range its vma in this body (<c>range.Vma = mm.FindVma(addr)</c>,
    /// <c>new HmmRange { Vma = mm.FindVma(addr) }</c>, or either through a local), when every vma
    /// the body gives the range comes from the same mm; null otherwise.
    /// </summary>
    private static IOperation? VmaFoundIn(IOperation at, AccessPath range, IPropertySymbol vma, HmmSymbols symbols)
    {
        var root = at;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        IOperation? owner = null;
        AccessPath? ownerPath = null;
        var vmaLocals = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        var given = new List<IOperation>();
        foreach (var operation in root.Descendants())
        {
            if (operation is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment
                && SymbolEqualityComparer.Default.Equals(target.Property.OriginalDefinition, vma)
                && (target.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver }
                    ? assignment.Parent is IObjectOrCollectionInitializerOperation { Parent: IObjectCreationOperation creation } && range.Equals(AssignedTo(creation))
                    : range.Equals(AccessPath.TryCreate(target.Instance))))
            {
                given.Add(assignment.Value);
            }
        }

        foreach (var value in given)
        {
            if (AccessPath.Unwrap(value) is ILocalReferenceOperation local)
            {
                vmaLocals.Add(local.Local);
            }
        }

        if (vmaLocals.Count > 0)
        {
            foreach (var operation in root.Descendants())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when vmaLocals.Contains(declarator.Symbol):
                        if (declarator.GetVariableInitializer()?.Value is { } initial)
                        {
                            given.Add(initial);
                        }

                        break;
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when vmaLocals.Contains(target.Local):
                        given.Add(assignment.Value);
                        break;
                    case ILocalReferenceOperation reference when vmaLocals.Contains(reference.Local)
                        && reference.Parent is IArgumentOperation { Parameter.RefKind: not RefKind.None } or ICompoundAssignmentOperation
                            or ICoalesceAssignmentOperation or ITupleOperation or IDeclarationExpressionOperation:
                        // Written some other way (out, ref, ??=, a deconstruction): where from is not known.
                        return null;
                }
            }
        }

        foreach (var value in given)
        {
            var source = AccessPath.Unwrap(value);
            if (source is ILocalReferenceOperation local && vmaLocals.Contains(local.Local))
            {
                continue;
            }

            if (source is not IInvocationOperation { TargetMethod.Name: ApiNames.Members.FindVma, Instance: { } mm } find
                || !SymbolEqualityComparer.Default.Equals(find.TargetMethod.ContainingType, symbols.MmStruct)
                || AccessPath.TryCreate(mm) is not { } mmPath
                || (ownerPath is not null && !ownerPath.Equals(mmPath)))
            {
                return null;
            }

            owner = mm;
            ownerPath = mmPath;
        }

        return owner;
    }

    /// <summary>
    /// For an mm that is a vma's (<c>range.Vma.Mm</c>, <c>vma.Mm</c> with <c>vma</c> a local),
    /// the mm whose <c>FindVma</c> gave that vma on every write in this body; null otherwise.
    /// </summary>
    private static IOperation? VmaOrigin(IOperation at, AccessPath? mmPath, HmmSymbols symbols)
    {
        if (mmPath is not { Members.Length: > 0 } || mmPath.Members[mmPath.Members.Length - 1] is not IPropertySymbol { Name: ApiNames.Members.Mm } mmMember
            || mmMember.ContainingType?.Name != ApiNames.Members.Vma || !IsApiType(mmMember.ContainingType) || mmPath.Parent is not { } vmaPath)
        {
            return null;
        }

        if (vmaPath.Parent is { } rangePath && vmaPath.Members[vmaPath.Members.Length - 1] is IPropertySymbol vma
            && SymbolEqualityComparer.Default.Equals(vma.ContainingType, symbols.HmmRange))
        {
            return VmaFoundIn(at, rangePath, vma, symbols);
        }

        return vmaPath.IsLocal ? VmaLocalFoundIn(at, (ILocalSymbol)vmaPath.Root, symbols) : null;
    }

    // `var vma = svmm.Mm.FindVma(addr);`, written nowhere else but by FindVma of that same mm.
    private static IOperation? VmaLocalFoundIn(IOperation at, ILocalSymbol local, HmmSymbols symbols)
    {
        var root = at;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        var given = new List<IOperation>();
        foreach (var operation in root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    if (declarator.GetVariableInitializer()?.Value is not { } initial)
                    {
                        return null;
                    }

                    given.Add(initial);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    given.Add(assignment.Value);
                    break;
                case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, local)
                    && reference.Parent is IArgumentOperation { Parameter.RefKind: not RefKind.None } or ICompoundAssignmentOperation
                        or ICoalesceAssignmentOperation or ITupleOperation or IDeclarationExpressionOperation:
                    return null;
            }
        }

        IOperation? owner = null;
        AccessPath? ownerPath = null;
        foreach (var value in given)
        {
            if (AccessPath.Unwrap(value) is not IInvocationOperation { TargetMethod.Name: ApiNames.Members.FindVma, Instance: { } mm } find
                || !SymbolEqualityComparer.Default.Equals(find.TargetMethod.ContainingType, symbols.MmStruct)
                || AccessPath.TryCreate(mm) is not { } mmPath
                || (ownerPath is not null && !ownerPath.Equals(mmPath)))
            {
                return null;
            }

            owner = mm;
            ownerPath = mmPath;
        }

        return owner;
    }

    // `var mm = svmm.Mm;` (the kernel's `struct mm_struct *mm = svmm->mm;`): where no mirror was
    // registered with the local, the mirrors of svmm.Mm are its. The path it was copied from, or null.
    private static AccessPath? AddMirrorsOfOrigin(List<AccessPath> found, HmmFlowState state, IOperation at, AccessPath? mmPath, HmmSymbols symbols, SemanticModel model, int position)
    {
        if (mmPath is not { IsLocal: true } || CopiedFrom(at, (ILocalSymbol)mmPath.Root) is not { } origin)
        {
            return null;
        }

        var originPath = AccessPath.TryCreate(origin);
        if (found.Count == 0)
        {
            AddMirrorsOfMm(found, state, origin, originPath, symbols, model, position);
        }

        return originPath;
    }

    /// <summary>
    /// The member path an mm local was initialized from (<c>var mm = svmm.Mm;</c>) when the body
    /// writes it nowhere else; null otherwise.
    /// </summary>
    private static IOperation? CopiedFrom(IOperation at, ILocalSymbol local)
    {
        var root = at;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        IOperation? origin = null;
        foreach (var operation in root.Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    origin = AccessPath.Unwrap(declarator.GetVariableInitializer()?.Value) is { } value && AccessPath.TryCreate(value) is { Parent: not null } ? value : null;
                    if (origin is null)
                    {
                        return null;
                    }

                    break;
                case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, local)
                    && reference.Parent is ISimpleAssignmentOperation or ICompoundAssignmentOperation or ICoalesceAssignmentOperation
                        or ITupleOperation or IDeclarationExpressionOperation or IArgumentOperation { Parameter.RefKind: not RefKind.None }
                    && (reference.Parent is not ISimpleAssignmentOperation assignment || assignment.Target == reference):
                    // Written again (or some other way): which mm it holds at the call is not known here.
                    return null;
            }
        }

        return origin;
    }

    /// <summary>
    /// Whether the mm's owner is a local the body sets from a <c>with</c> expression that changes
    /// an mm or a mirror of it, or a member on the way to the mm: its mm and its mirrors then
    /// need not belong together.
    /// </summary>
    private static bool RebuiltWith(IOperation at, AccessPath? mmPath, HmmSymbols symbols)
    {
        if (mmPath is not { Kind: AccessPath.RootKind.Local, Members.IsEmpty: false } || mmPath.Root is not ILocalSymbol owner)
        {
            return false;
        }

        var root = at;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (var operation in root.Descendants())
        {
            if (operation is not IWithOperation with)
            {
                continue;
            }

            IOperation node = with;
            while (node.Parent is IConversionOperation or IParenthesizedOperation)
            {
                node = node.Parent;
            }

            var target = node.Parent switch
            {
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when assignment.Value == node => local.Local,
                _ => null,
            };
            // One whose result goes elsewhere (a ?:, a tuple) may reach the owner, if of its type.
            if (target is not null ? !SymbolEqualityComparer.Default.Equals(target, owner) : !SymbolEqualityComparer.Default.Equals(with.Type, owner.Type))
            {
                continue;
            }

            foreach (var initializer in with.Initializer.Initializers)
            {
                if (initializer is ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Member: var member } }
                    && (symbols.IsMm(AccessPath.MemberType(member)) || symbols.IsMirror(AccessPath.MemberType(member))
                        || mmPath.Members.Contains(member, SymbolEqualityComparer.Default)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // The path the object created by `new HmmRange { ... }` is stored to.
    private static AccessPath? AssignedTo(IObjectCreationOperation creation)
    {
        IOperation node = creation;
        while (node.Parent is IConversionOperation or IParenthesizedOperation)
        {
            node = node.Parent;
        }

        return node.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => AccessPath.ForVariable(declarator.Symbol),
            ISimpleAssignmentOperation assignment when assignment.Value == node => AccessPath.TryCreate(assignment.Target),
            _ => null,
        };
    }

    // anyInScope: when no mirror is of the mm, every live mirror in scope is a candidate (the
    // range's mm of VmaFault). Otherwise only a mirror of the mm is: one registered with another
    // mm, or the sibling of another owner, would take the range into the wrong address space.
    private static MirrorCandidates? FromResult(HmmFlowResult result, IOperation at, IOperation? mm, AccessPath? mmPath, HmmSymbols symbols, IOperation? vmaOwner = null, bool anyInScope = false)
    {
        var state = StateAt(result, at);
        var model = at.SemanticModel;
        if (state is null || model is null)
        {
            return null;
        }

        var position = at.Syntax.SpanStart;
        if (AccessPath.Unwrap(mm) is IMemberReferenceOperation { Instance: { } instance } && AccessPath.Unwrap(instance) is IWithOperation
            || RebuiltWith(at, mmPath, symbols) || (mmPath is { IsLocal: true } && CopiedFrom(at, (ILocalSymbol)mmPath.Root) is { } copied && RebuiltWith(at, AccessPath.TryCreate(copied), symbols)))
        {
            // `c2 = c1 with { Mm = other }`: c2.Mirror is c1.Mm's, and which mirror is other's is not known here.
            return null;
        }

        var ofMm = new List<AccessPath>();
        AddMirrorsOfMm(ofMm, state, mm, mmPath, symbols, model, position);
        AddMirrorsOfOrigin(ofMm, state, at, mmPath, symbols, model, position);
        if (ofMm.Count == 0 && !anyInScope && VmaOrigin(at, mmPath, symbols) is { } vmaOrigin)
        {
            // range.Vma.Mm, vma.Mm: the mm whose FindVma gave that vma, as VmaFault's range mm.
            var originPath = AccessPath.TryCreate(vmaOrigin);
            AddMirrorsOfMm(ofMm, state, vmaOrigin, originPath, symbols, model, position);
            AddMirrorsOfOrigin(ofMm, state, at, originPath, symbols, model, position);
        }

        var vmaMm = AccessPath.TryCreate(vmaOwner);
        if (vmaOwner is not null)
        {
            AddMirrorsOfMm(ofMm, state, vmaOwner, vmaMm, symbols, model, position);
            vmaMm = AddMirrorsOfOrigin(ofMm, state, at, vmaMm, symbols, model, position) ?? vmaMm;
        }

        // The mm of an owner with no mirror beside it has none (svmm.Mm without svmm.Mirror).
        if (ofMm.Count > 0 || (!anyInScope && mmPath?.Parent is not null))
        {
            return new MirrorCandidates(Render(ofMm, model, position, sort: false), ofMm: true);
        }

        if (!anyInScope && mmPath is null && OwnerSiblings(mm, symbols, model, position) is { } siblings)
        {
            // Such a mirror is no path the flow follows: a body that unregisters one it cannot
            // name (devs[i].Mirror.Dispose()) may have unregistered this one. No answer then.
            return UnregistersUnfollowedMirror(at, symbols) ? null : new MirrorCandidates(siblings, ofMm: true);
        }

        var inScope = MirrorsInScope(state, symbols, model, position);
        if (!anyInScope && mm is not null)
        {
            inScope.RemoveAll(candidate => IsTiedToAnotherMm(candidate, state, mmPath, symbols, model, position));
        }
        else if (vmaMm is not null)
        {
            // The range's vma came from that mm: a mirror known to be another mm's would fault one
            // address space through another's mirror.
            inScope.RemoveAll(candidate => IsTiedToAnotherMm(candidate, state, vmaMm, symbols, model, position));
        }

        return new MirrorCandidates(Render(inScope, model, position, sort: true), ofMm: false);
    }

    /// <summary>
    /// The mm of an owner that is no path (<c>devs[i].Mm</c>, <c>Current().Mm</c>): the HmmMirror
    /// members of that owner, written on the same owner expression (<c>devs[i].Mirror</c>), live
    /// by its contract. Null when the mm is no member of such an owner.
    /// </summary>
    private static ImmutableArray<string>? OwnerSiblings(IOperation? mm, HmmSymbols symbols, SemanticModel model, int position)
    {
        if (AccessPath.Unwrap(mm) is not IMemberReferenceOperation { Member.IsStatic: false, Instance: { Type: { } ownerType } instance } member
            || member.Syntax is not MemberAccessExpressionSyntax { Expression: { } ownerSyntax }
            || instance.DescendantsAndSelf().Any(o => o is IConditionalAccessInstanceOperation or IWithOperation)
            || !MayHoldMirror(ownerType, symbols))
        {
            return null;
        }

        var owner = ownerSyntax.WithoutTrivia().ToString();
        return MirrorMembers(ownerType, statics: false, symbols, model, position)
            .Select(sibling => owner + "." + sibling.Name)
            .ToImmutableArray();
    }

    private static bool UnregistersUnfollowedMirror(IOperation at, HmmSymbols symbols)
    {
        var root = at;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        foreach (var operation in root.Descendants())
        {
            var mirror = operation switch
            {
                IInvocationOperation invocation when HmmCall.Classify(invocation, symbols) is { Kind: HmmCallKind.MirrorUnregister } call => call.Mirror,
                IUsingOperation { Resources: var resource } when symbols.IsMirror(AccessPath.Unwrap(resource)?.Type) => resource,
                _ => null,
            };
            if (mirror is not null && AccessPath.TryCreate(mirror) is null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The first unregistering call, before <paramref name="position"/>, of a mirror that would
    /// stand for <paramref name="mm"/> were it live: one registered with it, its owner's sibling
    /// (<c>svmm.Mirror.Dispose()</c> before <c>svmm.Mm</c>), or, for an mm that is no owner's
    /// member, a mirror in scope not known to be another mm's; and whether every path unregistered it.
    /// </summary>
    internal static (SyntaxNode At, bool OnEveryPath)? FirstUnregistration(HmmFlowState state, AccessPath mm, HmmSymbols symbols, SemanticModel model, int position)
    {
        (SyntaxNode At, bool OnEveryPath)? first = null;
        List<AccessPath>? siblings = null;
        foreach (var pair in state.Mirrors)
        {
            var value = pair.Value;
            if ((value.Facts & MirrorFacts.Unregistered) == 0 || value.Unregistration is not { } at
                || (first is not null && at.SpanStart >= first.Value.At.SpanStart))
            {
                continue;
            }

            var standsFor = value.Mm is { } registeredWith
                ? registeredWith.Equals(mm)
                : mm.Parent is not null
                    ? (siblings ??= Siblings(mm, symbols, model, position).ToList()).Contains(pair.Key)
                    : !IsTiedToAnotherMm(pair.Key, state, mm, symbols, model, position) && InScope(pair.Key, model, position);
            if (standsFor)
            {
                first = (at, (value.Facts & MirrorFacts.Live) == 0);
            }
        }

        return first;
    }

    // A mirror known to be another mm's: registered here with another mm, or the member of an
    // owner that holds an mm beside it (svmm.Mirror is svmm.Mm's, s_mirror is s_mm's).
    private static bool IsTiedToAnotherMm(AccessPath candidate, HmmFlowState state, AccessPath? mmPath, HmmSymbols symbols, SemanticModel model, int position)
    {
        if (state.Mirror(candidate).Mm is { } registeredWith)
        {
            return !registeredWith.Equals(mmPath);
        }

        // class Device(MmStruct mm, HmmMirror mirror): the captured mirror is the captured mm's.
        if (candidate.Members.IsEmpty && candidate.Root is IParameterSymbol parameter && PrimaryConstructorType(parameter) is { } device)
        {
            return HoldsMm(device, statics: false, symbols, model, position);
        }

        if (candidate.Parent is not { } owner)
        {
            return false;
        }

        var statics = owner.Kind == AccessPath.RootKind.StaticType && owner.Members.IsEmpty;
        var ownerType = statics ? owner.Root as ITypeSymbol : owner.Type;
        return ownerType is not null && HoldsMm(ownerType, statics, symbols, model, position);
    }

    // An mm member, or (for `this` of a type with a primary constructor) an mm parameter of it.
    private static bool HoldsMm(ITypeSymbol type, bool statics, HmmSymbols symbols, SemanticModel model, int position) =>
        Members(type, model, position).Any(member => member.IsStatic == statics && symbols.IsMm(AccessPath.MemberType(member)))
        || (!statics && type is INamedTypeSymbol named && named.InstanceConstructors.Any(constructor =>
            constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is TypeDeclarationSyntax
            && constructor.Parameters.Any(p => symbols.IsMm(p.Type))));

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

            // svmm.Mm next to svmm.Mirror: one is the mirror of the mm, several are each a candidate.
            foreach (var sibling in Siblings(mmPath, symbols, model, position))
            {
                if (state.Mirror(sibling).IsLive && InScope(sibling, model, position) && !found.Contains(sibling))
                {
                    found.Add(sibling);
                }
            }
        }

        // M.Mm is M's own mm.
        if (mm is not null && AccessPath.Unwrap(mm) is IPropertyReferenceOperation { Property.Name: ApiNames.Members.Mm, Instance: { } instance }
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
            if ((symbols.IsMirror(VariableType(symbol)) || MayHoldMirror(VariableType(symbol), symbols)) && InScope(symbol, model, position)
                && AccessPath.ForVariable(symbol) is { } root)
            {
                roots.Add(root);
            }
        }

        while (enclosing is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } function)
        {
            enclosing = function.ContainingSymbol;
        }

        if (enclosing?.ContainingType is { } containingType)
        {
            var thisReachable = ThisReachable(model, position);
            foreach (var member in Members(containingType, model, position))
            {
                if (ReturnsStorage(member, containingType, symbols))
                {
                    // Its field or captured parameter is a root too: one mirror.
                    continue;
                }

                if (member.IsStatic)
                {
                    roots.Add(AccessPath.ForStaticMember(member));
                }
                else if (thisReachable)
                {
                    roots.Add(AccessPath.ForThisMember(containingType, member));
                }
            }
        }

        foreach (var root in roots)
        {
            var type = root.Type;
            if (symbols.IsMirror(type))
            {
                Add(root);
            }
            else if (MayHoldMirror(type, symbols))
            {
                foreach (var member in MirrorMembers(type!, statics: false, symbols, model, position))
                {
                    Add(root.Append(member));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// The HmmMirror members of the object that holds the mm, each as the path that reaches it:
    /// <c>svmm.Mirror</c> beside <c>svmm.Mm</c> (the owner's type a class, struct, record,
    /// interface or type parameter, its members inherited ones too), the static mirrors of a type
    /// beside its static mm, and beside a member of <c>this</c> or a primary constructor's
    /// captured parameter, the mirror members and captured mirror parameters of the type.
    /// </summary>
    private static IEnumerable<AccessPath> Siblings(AccessPath mm, HmmSymbols symbols, SemanticModel model, int position)
    {
        if (mm.Parent is { } owner)
        {
            if (owner.Kind == AccessPath.RootKind.StaticType && owner.Members.IsEmpty)
            {
                foreach (var member in MirrorMembers((ITypeSymbol)owner.Root, statics: true, symbols, model, position))
                {
                    yield return AccessPath.ForStaticMember(member, (ITypeSymbol)owner.Root);
                }

                yield break;
            }

            if (MayHoldMirror(owner.Type, symbols))
            {
                var thisType = owner.Kind == AccessPath.RootKind.This && owner.Members.IsEmpty ? owner.Root as INamedTypeSymbol : null;
                foreach (var member in MirrorMembers(owner.Type!, statics: false, symbols, model, position))
                {
                    if (mm.Sibling(member) is { } sibling && (thisType is null || !ReturnsCaptured(member, thisType, symbols)))
                    {
                        yield return sibling;
                    }
                }
            }

            if (owner.Kind == AccessPath.RootKind.This && owner.Members.IsEmpty && owner.Root is INamedTypeSymbol self)
            {
                foreach (var parameter in CapturedMirrors(self, symbols))
                {
                    yield return AccessPath.ForVariable(parameter)!;
                }
            }
        }
        else if (mm.Kind == AccessPath.RootKind.Parameter && PrimaryConstructorType((IParameterSymbol)mm.Root) is { } self)
        {
            // A captured parameter is a member of `this` like a field.
            foreach (var member in MirrorMembers(self, statics: false, symbols, model, position))
            {
                if (!ReturnsCaptured(member, self, symbols))
                {
                    yield return AccessPath.ForThisMember(self, member);
                }
            }

            foreach (var parameter in CapturedMirrors(self, symbols))
            {
                yield return AccessPath.ForVariable(parameter)!;
            }
        }
    }

    // The type whose primary constructor declares the parameter; null for any other parameter.
    private static INamedTypeSymbol? PrimaryConstructorType(IParameterSymbol parameter) =>
        parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
        && constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is TypeDeclarationSyntax
            ? constructor.ContainingType
            : null;

    // The HmmMirror parameters of the type's primary constructor that a member can use. Not one
    // that also initializes a member or goes to the base constructor: using it in a member would
    // store it twice (CS9124, CS9107). Whether a member of the same name hides it is the name
    // lookup's to say (InScope).
    private static IEnumerable<IParameterSymbol> CapturedMirrors(INamedTypeSymbol type, HmmSymbols symbols)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            foreach (var parameter in constructor.Parameters)
            {
                // A half-typed `HmmMirror` without a name is no mirror to pass.
                if (symbols.IsMirror(parameter.Type) && parameter.Name.Length > 0 && !InitializesWith(declaration, parameter.Name))
                {
                    yield return parameter;
                }
            }
        }
    }

    private static bool InitializesWith(TypeDeclarationSyntax declaration, string name)
    {
        foreach (var node in declaration.DescendantNodes(n => n is not (BaseMethodDeclarationSyntax or AccessorListSyntax or ArrowExpressionClauseSyntax or TypeDeclarationSyntax) || n == declaration))
        {
            if (node is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == name
                && identifier.FirstAncestorOrSelf<SyntaxNode>(n => n is EqualsValueClauseSyntax or PrimaryConstructorBaseTypeSyntax) is not null)
            {
                return true;
            }
        }

        return false;
    }

    // `this` can be written here: in an instance method, accessor or constructor, not cut off by
    // a static lambda or local function, nor by any lambda or local function in a struct (CS1673).
    private static bool ThisReachable(SemanticModel model, int position)
    {
        var member = model.GetEnclosingSymbol(position);
        var nested = false;
        while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } function)
        {
            member = function.ContainingSymbol;
            nested = true;
        }

        return member is IMethodSymbol { IsStatic: false } method
            && !(nested && method.ContainingType?.IsValueType == true)
            && Reachable(null, model, position);
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
            return ThisReachable(model, position);
        }

        return InScope(path.Root, model, position);
    }

    // A local or parameter that a name at the position binds to: declared before it, not
    // shadowed, and not cut off by a static lambda or local function.
    private static bool InScope(ISymbol variable, SemanticModel model, int position)
    {
        if (!DeclaredBefore(variable, position) || !Reachable(variable, model, position)
            || (variable is IParameterSymbol parameter && PrimaryConstructorType(parameter) is not null && !ThisReachable(model, position) && !InInitializer(model, position)))
        {
            return false;
        }

        return SymbolEqualityComparer.Default.Equals(AccessPath.NameAt(model, position, variable.Name), variable);
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

        // A primary constructor's parameters are in scope in every member of its type; one that
        // initializes a member is used only in initializers (CapturedMirrors says why).
        if (member?.ContainingType is { } type)
        {
            var inInitializer = InInitializer(model, position);
            foreach (var constructor in type.InstanceConstructors)
            {
                if (constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is TypeDeclarationSyntax declaration)
                {
                    foreach (var parameter in constructor.Parameters)
                    {
                        if (inInitializer || !InitializesWith(declaration, parameter.Name))
                        {
                            yield return parameter;
                        }
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

    // A type of the driver's own that may have HmmMirror members: a class, struct, record,
    // interface or type parameter, not an API type, not a primitive.
    private static bool MayHoldMirror(ITypeSymbol? type, HmmSymbols symbols) =>
        type is { SpecialType: SpecialType.None, TypeKind: TypeKind.Class or TypeKind.Struct or TypeKind.Interface or TypeKind.TypeParameter }
        && !IsApiType(type);

    // A primary constructor's parameters are in scope in member initializers, without `this`.
    private static bool InInitializer(SemanticModel model, int position) =>
        model.GetEnclosingSymbol(position) is IFieldSymbol or IPropertySymbol;

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
    private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<(ITypeSymbol Type, INamedTypeSymbol? Within, bool Statics), ImmutableArray<ISymbol>>> MirrorMembersCache = new();

    private static ImmutableArray<ISymbol> MirrorMembers(ITypeSymbol type, bool statics, HmmSymbols symbols, SemanticModel model, int position)
    {
        var within = model.GetEnclosingSymbol(position) switch
        {
            INamedTypeSymbol named => named,
            { } other => other.ContainingType,
            null => null,
        };
        var perCompilation = MirrorMembersCache.GetValue(model.Compilation, _ => new ConcurrentDictionary<(ITypeSymbol, INamedTypeSymbol?, bool), ImmutableArray<ISymbol>>());
        return perCompilation.GetOrAdd(
            (type, within, statics),
            _ => WithoutAliases(Members(type, model, position).Where(m => m.IsStatic == statics && symbols.IsMirror(AccessPath.MemberType(m))).ToImmutableArray()));
    }

    // `HmmMirror Mirror => mirror;` beside the field `mirror` is one mirror, not two to choose
    // from: the field stays, the property that only returns it goes.
    private static ImmutableArray<ISymbol> WithoutAliases(ImmutableArray<ISymbol> members)
    {
        if (members.Length < 2)
        {
            return members;
        }

        return members.RemoveAll(member => member is IPropertySymbol property && ReturnedName(property) is { } name
            && members.Any(other => other is IFieldSymbol && other.Name == name && SymbolEqualityComparer.Default.Equals(other.ContainingType, property.ContainingType)));
    }

    // A captured primary constructor parameter and a property of the type that only returns it
    // (`class Device(HmmMirror mirror) { public HmmMirror Mirror => mirror; }`): one mirror.
    private static bool ReturnsCaptured(ISymbol member, INamedTypeSymbol type, HmmSymbols symbols) =>
        member is IPropertySymbol property && ReturnedName(property) is { } name
        && SymbolEqualityComparer.Default.Equals(property.ContainingType, type)
        && CapturedMirrors(type, symbols).Any(parameter => parameter.Name == name);

    // A property of the type that only returns one of its fields or captured parameters.
    private static bool ReturnsStorage(ISymbol member, INamedTypeSymbol type, HmmSymbols symbols) =>
        member is IPropertySymbol property && ReturnedName(property) is { } name
        && SymbolEqualityComparer.Default.Equals(property.ContainingType, type)
        && (type.GetMembers(name).Any(m => m is IFieldSymbol && m.IsStatic == property.IsStatic) || ReturnsCaptured(member, type, symbols));

    /// <summary>
    /// The name a property's getter returns and nothing else (<c>=> mirror</c>, <c>get =>
    /// this.mirror;</c>, <c>get { return mirror; }</c>); null for any other getter, or one the
    /// source does not have.
    /// </summary>
    private static string? ReturnedName(IPropertySymbol property)
    {
        if (property.DeclaringSyntaxReferences.Length != 1
            || property.DeclaringSyntaxReferences[0].GetSyntax() is not PropertyDeclarationSyntax declaration)
        {
            return null;
        }

        var returned = declaration.ExpressionBody?.Expression;
        if (returned is null && declaration.AccessorList?.Accessors is { Count: 1 } accessors
            && accessors[0] is { RawKind: (int)SyntaxKind.GetAccessorDeclaration } getter)
        {
            returned = getter.ExpressionBody?.Expression
                ?? (getter.Body?.Statements is { Count: 1 } statements && statements[0] is ReturnStatementSyntax { Expression: { } value } ? value : null);
        }

        while (returned is ParenthesizedExpressionSyntax or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression })
        {
            returned = returned is ParenthesizedExpressionSyntax parenthesized ? parenthesized.Expression : ((PostfixUnaryExpressionSyntax)returned).Operand;
        }

        return returned switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax name } => name.Identifier.ValueText,
            _ => null,
        };
    }

    /// <summary>
    /// The fields and properties a member access on <paramref name="type"/> can name, accessible
    /// at the position: those of the type and its base classes (a derived member hides a base
    /// one), then those of its interfaces (an interface's own and inherited ones; a type
    /// parameter's through its constraints). A name that two interfaces declare is ambiguous in
    /// C# (CS0229) and left out.
    /// </summary>
    private static IEnumerable<ISymbol> Members(ITypeSymbol type, SemanticModel model, int position)
    {
        var classes = new List<ITypeSymbol>();
        var interfaces = new List<INamedTypeSymbol>();
        CollectDeclaringTypes(type, classes, interfaces, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default));

        var found = new List<ISymbol>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var fromClasses = new HashSet<string>(StringComparer.Ordinal);
        var ambiguous = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declaring in classes.Concat(interfaces))
        {
            var isInterface = declaring.TypeKind == TypeKind.Interface;
            foreach (var member in declaring.GetMembers())
            {
                if (member is not (IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol { IsIndexer: false, GetMethod: not null })
                    || !model.IsAccessible(position, member))
                {
                    continue;
                }

                if (!byName.TryGetValue(member.Name, out var index))
                {
                    byName.Add(member.Name, found.Count);
                    found.Add(member);
                    if (!isInterface)
                    {
                        fromClasses.Add(member.Name);
                    }
                }
                else if (isInterface && !fromClasses.Contains(member.Name) && !SymbolEqualityComparer.Default.Equals(found[index], member))
                {
                    ambiguous.Add(member.Name);
                }
            }
        }

        return ambiguous.Count == 0 ? found : found.Where(m => !ambiguous.Contains(m.Name));
    }

    private static void CollectDeclaringTypes(ITypeSymbol type, List<ITypeSymbol> classes, List<INamedTypeSymbol> interfaces, HashSet<ITypeSymbol> seen)
    {
        if (!seen.Add(type))
        {
            return;
        }

        switch (type)
        {
            case ITypeParameterSymbol parameter:
                foreach (var constraint in parameter.ConstraintTypes)
                {
                    CollectDeclaringTypes(constraint, classes, interfaces, seen);
                }

                break;
            case INamedTypeSymbol { TypeKind: TypeKind.Interface } @interface:
                if (!interfaces.Contains(@interface, SymbolEqualityComparer.Default))
                {
                    interfaces.Add(@interface);
                }

                foreach (var inherited in @interface.AllInterfaces)
                {
                    if (!interfaces.Contains(inherited, SymbolEqualityComparer.Default))
                    {
                        interfaces.Add(inherited);
                    }
                }

                break;
            default:
                for (var current = type; current is not null && current.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); current = current.BaseType)
                {
                    classes.Add(current);
                }

                break;
        }
    }

    private static bool IsApiType(ITypeSymbol type) =>
        type.ContainingAssembly?.Name == ApiNames.Assembly;

    private static ImmutableArray<string> Render(List<AccessPath> paths, SemanticModel model, int position, bool sort)
    {
        if (paths.Count == 0)
        {
            return ImmutableArray<string>.Empty;
        }

        var names = NamesDeclaredAround(model, position);
        var expressions = paths.Select(p => p.ToExpression(model, position, names) + (DeclaredNullable(p) ? "!" : "")).Distinct(StringComparer.Ordinal);
        return (sort ? expressions.OrderBy(e => e, StringComparer.Ordinal) : expressions).ToImmutableArray();
    }

    // A mirror member or parameter declared `HmmMirror?` is written `x!`: live by its owner's
    // contract, and passed as the non-null mirror without a new nullable warning. Not a local:
    // `var` declares every local nullable, and its flow state is what counts.
    private static bool DeclaredNullable(AccessPath path)
    {
        var declared = path.Members.IsEmpty ? (path.Root as IParameterSymbol)?.Type : AccessPath.MemberType(path.Members[path.Members.Length - 1]);
        return declared is { NullableAnnotation: NullableAnnotation.Annotated, IsReferenceType: true };
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

        // In a member's body a member of the type hides a primary constructor parameter of its
        // name; only in an initializer does the parameter take it.
        if (member.Parent is TypeDeclarationSyntax { ParameterList: { } primary } && InInitializer(model, position))
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
