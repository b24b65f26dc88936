using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace Hmm.Analyzers.FlowAnalysis;

/// <summary>
/// A storage location the flow analysis can name: a local, a parameter, <c>this</c> or a static
/// type, followed by a chain of fields and properties (<c>svmm.Mirror</c>, <c>this.mirror</c>,
/// <c>bo.Mn.Mirror</c>). Two expressions with the same path denote the same object for as long
/// as nothing on the chain is reassigned, which is what the analysis assumes, like the kernel does.
/// A member reached through <c>?.</c> (<c>bo.Mn?.Mm</c>) is the same location as through <c>.</c>;
/// the path only remembers it to write the expression the way the user did.
/// </summary>
internal sealed class AccessPath : IEquatable<AccessPath>
{
    private const int MaxMembers = 8;

    private readonly int hashCode;

    // Bit i: Members[i] is reached through `?.`. Not part of the identity.
    private readonly int conditional;

    private AccessPath(ISymbol root, RootKind kind, ImmutableArray<ISymbol> members, int conditional = 0)
    {
        Root = root;
        Kind = kind;
        Members = members;
        this.conditional = conditional;
        var hash = SymbolEqualityComparer.Default.GetHashCode(root) * 31 + (int)kind;
        foreach (var member in members)
        {
            hash = hash * 31 + SymbolEqualityComparer.Default.GetHashCode(member);
        }

        hashCode = hash;
    }

    internal enum RootKind
    {
        Local,
        Parameter,
        This,
        StaticType,
        /// <summary>
        /// What a variable held before it was assigned again: the same root and members, but no
        /// expression's path from here on (a mirror registered with <c>mm</c> before <c>mm = next;</c>).
        /// </summary>
        Reassigned,
    }

    /// <summary>The local, the parameter, or the type (of <c>this</c>, or of a static member).</summary>
    public ISymbol Root { get; }

    public RootKind Kind { get; }

    public ImmutableArray<ISymbol> Members { get; }

    /// <summary>A plain local: its registration state is what this method did to it.</summary>
    public bool IsLocal => Kind == RootKind.Local && Members.IsEmpty;

    /// <summary>A plain local or parameter: nothing but this method writes it while the method runs.</summary>
    public bool IsVariable => Kind is RootKind.Local or RootKind.Parameter && Members.IsEmpty;

    /// <summary>The type of the value the path denotes.</summary>
    // Asked of most paths twice or more (is it a mirror, a range?): found once, by a cast per ask.
    public ITypeSymbol? Type => typeFound ? type : FindType();

    private ITypeSymbol? type;
    private bool typeFound;

    private ITypeSymbol? FindType()
    {
        type = Members.IsEmpty
            ? Root switch
            {
                ILocalSymbol local => local.Type,
                IParameterSymbol parameter => parameter.Type,
                ITypeSymbol root => root,
                _ => null,
            }
            : MemberType(Members[Members.Length - 1]);
        typeFound = true;
        return type;
    }

    /// <summary>The path of <paramref name="operation"/>, or null when it is not a plain location.</summary>
    public static AccessPath? TryCreate(IOperation? operation)
    {
        operation = Unwrap(operation);
        switch (operation)
        {
            // Most paths are a bare variable, and most operations are none: neither needs the walk.
            case ILocalReferenceOperation local:
                return new AccessPath(local.Local, RootKind.Local, ImmutableArray<ISymbol>.Empty, 0);
            case IParameterReferenceOperation parameter:
                return new AccessPath(parameter.Parameter, RootKind.Parameter, ImmutableArray<ISymbol>.Empty, 0);
            case IFieldReferenceOperation or IPropertyReferenceOperation or IConditionalAccessOperation:
                break;
            default:
                return null;
        }

        return TryCreatePlainChain(operation) ?? TryCreateChain(operation);
    }

    // `svmm.Mirror`, `this.mirror`, `GpuGlobals.Mm`: members reached by `.` only, the most common
    // chain, made without the lists the general walk needs for `?.`. Null for any other shape.
    private static AccessPath? TryCreatePlainChain(IOperation operation)
    {
        var length = 0;
        for (var current = operation; ; length++)
        {
            if (length > MaxMembers)
            {
                return null;
            }

            ISymbol? member;
            IOperation? instance;
            switch (current)
            {
                case IFieldReferenceOperation field:
                    (member, instance) = (field.Field, field.Instance);
                    break;
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                    (member, instance) = (property.Property, property.Instance);
                    break;
                case ILocalReferenceOperation or IParameterReferenceOperation or IInstanceReferenceOperation when length > 0:
                    return PlainChain(operation, length, current);
                default:
                    return null;
            }

            if (member.IsStatic)
            {
                return member.ContainingType is null || length + 1 > MaxMembers ? null : PlainChain(operation, length + 1, root: null, StaticRoot(current, member));
            }

            current = Unwrap(instance)!;
        }
    }

    // The chain's `length` members, from the outside in, laid out inside out; `root` is where it
    // starts, or null for a static member's type (`staticRoot`).
    private static AccessPath? PlainChain(IOperation outermost, int length, IOperation? root, ITypeSymbol? staticRoot = null)
    {
        var members = ImmutableArray.CreateBuilder<ISymbol>(length);
        members.Count = length;
        var current = outermost;
        for (var i = length - 1; i >= 0; i--)
        {
            (members[i], current) = current switch
            {
                IFieldReferenceOperation field => ((ISymbol)field.Field, Unwrap(field.Instance)!),
                _ => (((IPropertyReferenceOperation)current).Property, Unwrap(((IPropertyReferenceOperation)current).Instance)!),
            };
        }

        var chain = members.MoveToImmutable();
        return root switch
        {
            null => new AccessPath(staticRoot ?? chain[0].ContainingType, RootKind.StaticType, chain),
            ILocalReferenceOperation local => new AccessPath(local.Local, RootKind.Local, chain),
            IParameterReferenceOperation parameter => new AccessPath(parameter.Parameter, RootKind.Parameter, chain),
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance, Type: { } type } => new AccessPath(type, RootKind.This, chain),
            _ => null,
        };
    }

    private static AccessPath? TryCreateChain(IOperation? operation)
    {
        // Walks the member chain from the outside in, without recursion: a chain longer than
        // MaxMembers is not a path the analysis follows.
        var members = new List<ISymbol>();
        var conditional = new List<bool>();
        var pendingReceivers = new Stack<IOperation>();
        while (members.Count <= MaxMembers)
        {
            if (pendingReceivers.Count > 0 && operation is ILocalReferenceOperation or IParameterReferenceOperation or IInstanceReferenceOperation)
            {
                // A root inside the WhenNotNull part of `a?.b`: not a chain off `a`.
                return null;
            }

            switch (operation)
            {
                case ILocalReferenceOperation local:
                    return new AccessPath(local.Local, RootKind.Local, Reversed(members), Mask(conditional));
                case IParameterReferenceOperation parameter:
                    return new AccessPath(parameter.Parameter, RootKind.Parameter, Reversed(members), Mask(conditional));
                case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } instance when instance.Type is not null:
                    return new AccessPath(instance.Type, RootKind.This, Reversed(members), Mask(conditional));
                case IConditionalAccessOperation access:
                    // bo.Mn?.Mm: the members of `.Mm`, then those of `bo.Mn`.
                    pendingReceivers.Push(access.Operation);
                    operation = Unwrap(access.WhenNotNull);
                    break;
                case IConditionalAccessInstanceOperation when pendingReceivers.Count > 0 && members.Count > 0:
                    conditional[conditional.Count - 1] = true;
                    operation = Unwrap(pendingReceivers.Pop());
                    break;
                case IFieldReferenceOperation field:
                    conditional.Add(false);
                    (operation, var done) = Step(field, field.Field, field.Instance, members, conditional);
                    if (done is not null)
                    {
                        return pendingReceivers.Count > 0 ? null : done;
                    }

                    break;
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                    conditional.Add(false);
                    (operation, done) = Step(property, property.Property, property.Instance, members, conditional);
                    if (done is not null)
                    {
                        return pendingReceivers.Count > 0 ? null : done;
                    }

                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    private static (IOperation? Instance, AccessPath? Done) Step(IOperation reference, ISymbol member, IOperation? instance, List<ISymbol> members, List<bool> conditional)
    {
        members.Add(member);
        if (member.IsStatic)
        {
            return (null, member.ContainingType is not null && members.Count <= MaxMembers
                ? new AccessPath(StaticRoot(reference, member), RootKind.StaticType, Reversed(members), Mask(conditional))
                : null);
        }

        return (Unwrap(instance), null);
    }

    // A static abstract or virtual member reached through a type parameter (`T.Mm`) is rooted at
    // the type parameter: the interface itself cannot name it (CS8926), and T.Mirror is T's.
    private static ITypeSymbol StaticRoot(IOperation reference, ISymbol member) =>
        reference is IMemberReferenceOperation { ConstrainedToType: ITypeParameterSymbol typeParameter } ? typeParameter : member.ContainingType;

    private static ImmutableArray<ISymbol> Reversed(List<ISymbol> members)
    {
        var builder = ImmutableArray.CreateBuilder<ISymbol>(members.Count);
        for (var i = members.Count - 1; i >= 0; i--)
        {
            builder.Add(members[i]);
        }

        return builder.MoveToImmutable();
    }

    // The flags were collected outside in, like the members.
    private static int Mask(List<bool> conditional)
    {
        var mask = 0;
        for (var i = 0; i < conditional.Count; i++)
        {
            if (conditional[i])
            {
                mask |= 1 << (conditional.Count - 1 - i);
            }
        }

        return mask;
    }

    /// <summary>The path of a local or parameter.</summary>
    public static AccessPath? ForVariable(ISymbol symbol) => symbol switch
    {
        ILocalSymbol local => new AccessPath(local, RootKind.Local, ImmutableArray<ISymbol>.Empty),
        IParameterSymbol parameter => new AccessPath(parameter, RootKind.Parameter, ImmutableArray<ISymbol>.Empty),
        _ => null,
    };

    /// <summary>What this path denoted before it was assigned again: equal to no path an expression has.</summary>
    public AccessPath AsReassigned() => new(Root, RootKind.Reassigned, Members, conditional);

    /// <summary>The path <c>this.member</c>.</summary>
    public static AccessPath ForThisMember(INamedTypeSymbol type, ISymbol member) =>
        new(type, RootKind.This, ImmutableArray.Create(member));

    /// <summary>
    /// The path of a static member, rooted at the type that declares it, as a reference to it is,
    /// or at the type parameter it is reached through (<paramref name="via"/>).
    /// </summary>
    public static AccessPath ForStaticMember(ISymbol member, ITypeSymbol? via = null) =>
        new(via as ITypeParameterSymbol ?? (ITypeSymbol)member.ContainingType, RootKind.StaticType, ImmutableArray.Create(member));

    /// <summary>Strips the conversions and parentheses that do not change which object is meant.</summary>
    public static IOperation? Unwrap(IOperation? operation)
    {
        while (operation is IConversionOperation { Conversion.IsUserDefined: false } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>This path followed by <paramref name="member"/>.</summary>
    public AccessPath? Append(ISymbol member) =>
        Members.Length >= MaxMembers ? null : new AccessPath(Root, Kind, Members.Add(member), conditional);

    /// <summary>The path without its last member (<c>svmm</c> for <c>svmm.Mm</c>), or null for a root.</summary>
    public AccessPath? Parent => Members.IsEmpty ? null : new AccessPath(Root, Kind, Members.RemoveAt(Members.Length - 1), conditional & ~(1 << (Members.Length - 1)));

    /// <summary>
    /// The path with its last member replaced by <paramref name="member"/>, reached the same way:
    /// <c>bo.Mn?.Mirror</c> beside <c>bo.Mn?.Mm</c>. Null for a root.
    /// </summary>
    public AccessPath? Sibling(ISymbol member) =>
        Members.IsEmpty ? null : new AccessPath(Root, Kind, Members.SetItem(Members.Length - 1, member), conditional);

    /// <summary>
    /// The path as a C# expression valid at <paramref name="position"/>: <c>this.</c> or the type
    /// name is written only where the member's simple name would bind to something else. With
    /// <paramref name="localNames"/> (the names the enclosing member declares for anything but
    /// members), a member of <c>this</c> is written plainly unless one of them takes its name.
    /// </summary>
    public string ToExpression(SemanticModel? model, int position, ISet<string>? localNames = null)
    {
        var parts = new List<string>(Members.Length + 1);
        switch (Kind)
        {
            case RootKind.Local:
            case RootKind.Parameter:
            case RootKind.Reassigned:
                parts.Add(Escape(Root.Name));
                break;
            case RootKind.This:
                if (Members.IsEmpty || (localNames is null ? !BindsTo(model, position, Members[0]) : localNames.Contains(Members[0].Name)))
                {
                    parts.Add("this");
                }

                break;
            case RootKind.StaticType:
                if (Members.IsEmpty || Root is ITypeParameterSymbol || !BindsTo(model, position, Members[0]))
                {
                    parts.Add(model is null ? Root.ToDisplayString() : ((ITypeSymbol)Root).ToMinimalDisplayString(model, position));
                }

                break;
        }

        var expression = new System.Text.StringBuilder(string.Join(".", parts));
        for (var i = 0; i < Members.Length; i++)
        {
            if (expression.Length > 0)
            {
                expression.Append((conditional & (1 << i)) != 0 ? "?." : ".");
            }

            expression.Append(Escape(Members[i].Name));
        }

        return expression.ToString();
    }

    public bool Equals(AccessPath? other)
    {
        if (other is null || other.hashCode != hashCode || other.Kind != Kind || other.Members.Length != Members.Length
            || !SymbolEqualityComparer.Default.Equals(other.Root, Root))
        {
            return false;
        }

        for (var i = 0; i < Members.Length; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(Members[i], other.Members[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as AccessPath);

    public override int GetHashCode() => hashCode;

    public override string ToString() => ToExpression(null, 0);

    internal static ITypeSymbol? MemberType(ISymbol member) => member switch
    {
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => null,
    };

    private static bool BindsTo(SemanticModel? model, int position, ISymbol member) =>
        model is null || SymbolEqualityComparer.Default.Equals(NameAt(model, position, member.Name)?.OriginalDefinition, member.OriginalDefinition);

    /// <summary>
    /// What the simple name <paramref name="name"/> would bind to at <paramref name="position"/>
    /// (an instance member from a static context too). Bound speculatively: a name lookup with
    /// <c>LookupSymbols</c> lists every name the usings import before it filters them.
    /// </summary>
    internal static ISymbol? NameAt(SemanticModel model, int position, string name)
    {
        var info = model.GetSpeculativeSymbolInfo(position, SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(name)), SpeculativeBindingOption.BindAsExpression);
        return info.Symbol ?? (info.CandidateSymbols.IsEmpty ? null : info.CandidateSymbols[0]);
    }

    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
