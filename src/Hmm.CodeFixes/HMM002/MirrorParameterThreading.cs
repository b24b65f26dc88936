using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Text;

namespace Hmm.CodeFixes;

/// <summary>
/// HMM002's edit, for one site or for all of them at once: each enclosing method or local
/// function gets one <c>HmmMirror</c> parameter, its legacy calls use it, and every call of it in
/// the solution passes the caller's live mirror, or a compile error saying one is needed.
/// When the legacy calls are the only uses of an <c>MmStruct</c> parameter, that parameter
/// becomes the mirror (the kernel's <c>hmm_range_register(range, mm)</c> →
/// <c>hmm_range_register(range, mirror)</c>) and callers pass their mirror in the mm's place;
/// otherwise the mirror is a new parameter beside it.
/// All decisions are taken on the original solution, then applied in one solution edit.
/// </summary>
internal static class MirrorParameterThreading
{
    /// <summary>The name a caller without a live mirror passes: it does not compile, on purpose.</summary>
    public const string MissingMirror = "HMM002_PassTheCallersLiveMirror";

    private const string MirrorTypeName = ApiNames.Types.HmmMirror;
    private const string MmTypeName = ApiNames.Types.MmStruct;
    private const string ParameterName = "mirror";

    public static async Task<Solution> ApplyAsync(Solution solution, IEnumerable<(DocumentId Document, TextSpan Span)> sites, CancellationToken cancellationToken)
    {
        var targets = await FindTargetsAsync(solution, sites, cancellationToken).ConfigureAwait(false);
        if (targets.Count == 0)
        {
            return solution;
        }

        var editor = new SolutionEditor(solution);
        foreach (var target in targets.Values)
        {
            var documentEditor = await editor.GetDocumentEditorAsync(target.Document, cancellationToken).ConfigureAwait(false);
            if (target.Replaced is null)
            {
                AddParameter(documentEditor, target);
            }
            else
            {
                ReplaceParameter(documentEditor, target, target.Replaced);
            }

            var mirror = SyntaxFactory.IdentifierName(target.ParameterName);
            foreach (var site in target.Sites)
            {
                // The new parameter is a non-null HmmMirror: an `mm!` needs no `mirror!`.
                documentEditor.ReplaceNode(site, (current, _) => LegacyCalls.Rewrite((InvocationExpressionSyntax)current, mirror, keepSuppression: false) ?? current);
            }
        }

        foreach (var target in targets.Values)
        {
            await UpdateCallersAsync(editor, target, targets, cancellationToken).ConfigureAwait(false);
        }

        return editor.GetChangedSolution();
    }

    /// <summary>
    /// Whether the fix can thread a mirror into the function around the legacy call at
    /// <paramref name="span"/>, from what the document alone says (cheap enough for a
    /// lightbulb). The solution-wide reference search, which finds delegates elsewhere that
    /// pin the signature, runs when the action is applied: then it changes nothing.
    /// </summary>
    public static async Task<bool> CanApplyAsync(Document document, TextSpan span, CancellationToken cancellationToken)
    {
        var site = await ResolveAsync(document, span, cancellationToken).ConfigureAwait(false);
        return site is { } found
            && await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is { } model
            && Plan(found.Function, found.Method, new[] { found.Call }, model, cancellationToken) is not null;
    }

    private static async Task<Dictionary<ISymbol, Target>> FindTargetsAsync(Solution solution, IEnumerable<(DocumentId Document, TextSpan Span)> sites, CancellationToken cancellationToken)
    {
        // Every site of a method first: whether its mm parameter can become the mirror depends on all of them.
        var found = new Dictionary<ISymbol, (Document Document, SyntaxNode Function, IMethodSymbol Method, List<InvocationExpressionSyntax> Calls)>(SymbolEqualityComparer.Default);
        foreach (var group in sites.GroupBy(s => s.Document))
        {
            var document = solution.GetDocument(group.Key);
            if (document is null)
            {
                continue;
            }

            foreach (var (_, span) in group.OrderBy(s => s.Span.Start))
            {
                if (await ResolveAsync(document, span, cancellationToken).ConfigureAwait(false) is not { } site)
                {
                    continue;
                }

                if (!found.TryGetValue(site.Method, out var entry))
                {
                    entry = (document, site.Function, site.Method, new List<InvocationExpressionSyntax>());
                    found.Add(site.Method, entry);
                }

                entry.Calls.Add(site.Call);
            }
        }

        var targets = new Dictionary<ISymbol, Target>(SymbolEqualityComparer.Default);
        foreach (var (document, function, method, calls) in found.Values)
        {
            if (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model
                || Plan(function, method, calls, model, cancellationToken) is not { } plan)
            {
                continue;
            }

            // A method also used as a delegate (or called implicitly) keeps its shape: nothing
            // changes for it, in the single fix or in fix-all.
            if (await MethodReferences.FindRewritableAsync(method, solution, cancellationToken).ConfigureAwait(false) is not { } references)
            {
                continue;
            }

            var target = new Target(document.Id, function, method, plan.Name, plan.Replaced?.Ordinal ?? ParameterIndex(method), plan.Replaced, references);
            target.Sites.AddRange(calls);
            target.Mm = calls.Where(LegacyCalls.IsRangeRegister).Select(c => LegacyCalls.FindMmArgument(c.ArgumentList)?.Expression).FirstOrDefault(e => e is not null);
            targets.Add(method, target);
        }

        return targets;
    }

    /// <summary>
    /// The mm parameter the mirror replaces (null: the mirror is added) and the mirror's name;
    /// null when the new signature would clash with an overload.
    /// </summary>
    private static (IParameterSymbol? Replaced, string Name)? Plan(SyntaxNode function, IMethodSymbol method, IReadOnlyCollection<InvocationExpressionSyntax> calls, SemanticModel model, CancellationToken cancellationToken)
    {
        if (MethodReferences.IsCalledImplicitly(method))
        {
            return null;
        }

        var replaced = ReplaceableMm(function, method, calls, model, cancellationToken);
        if (HasOverloadOfTheNewShape(method, replaced, model.Compilation))
        {
            return null;
        }

        return (replaced, FreeName(function, replaced is null ? ParameterName : MirrorNameFor(replaced.Name)));
    }

    /// <summary>
    /// The <c>MmStruct</c> parameter whose every use in the function is as the mm argument of
    /// one of <paramref name="calls"/> (a legacy RangeRegister this edit rewrites): it then has
    /// nothing left to do and the mirror takes its place. Null when there is none, or two.
    /// </summary>
    private static IParameterSymbol? ReplaceableMm(SyntaxNode function, IMethodSymbol method, IReadOnlyCollection<InvocationExpressionSyntax> calls, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.Compilation.GetTypeByMetadataName(MmTypeName) is not { } mmType)
        {
            return null;
        }

        var mmArguments = new HashSet<SyntaxNode>(calls
            .Where(LegacyCalls.IsRangeRegister)
            .Select(c => LegacyCalls.FindMmArgument(c.ArgumentList)?.Expression)
            .Where(e => e is not null)
            .Select(e => Unwrapped(e!)));
        IParameterSymbol? replaced = null;
        foreach (var parameter in method.Parameters)
        {
            if (!SymbolEqualityComparer.Default.Equals(parameter.Type, mmType) || parameter.RefKind != RefKind.None || parameter.IsOptional || parameter.IsParams)
            {
                continue;
            }

            var uses = function.DescendantNodes()
                .OfType<IdentifierNameSyntax>()
                .Where(n => n.Identifier.ValueText == parameter.Name
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, cancellationToken).Symbol, parameter))
                .ToList();
            if (uses.Count > 0 && uses.All(mmArguments.Contains))
            {
                if (replaced is not null)
                {
                    return null;
                }

                replaced = parameter;
            }
        }

        return replaced;
    }

    /// <summary>The expression inside parentheses and <c>!</c>.</summary>
    private static ExpressionSyntax Unwrapped(ExpressionSyntax expression)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    break;
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed:
                    expression = suppressed.Operand;
                    break;
                default:
                    return expression;
            }
        }
    }

    /// <summary><c>mm</c> → <c>mirror</c>, <c>svmmMm</c> → <c>svmmMirror</c>; any other name → <c>mirror</c>.</summary>
    private static string MirrorNameFor(string mmName) =>
        mmName.Length > 2 && mmName.EndsWith("Mm", StringComparison.Ordinal) ? mmName.Substring(0, mmName.Length - 2) + "Mirror"
        : mmName.Length > 3 && mmName.EndsWith("_mm", StringComparison.Ordinal) ? mmName.Substring(0, mmName.Length - 3) + "_mirror"
        : ParameterName;

    /// <summary>The legacy call at <paramref name="span"/> and the function that can take a parameter around it.</summary>
    private static async Task<(InvocationExpressionSyntax Call, SyntaxNode Function, IMethodSymbol Method)?> ResolveAsync(Document document, TextSpan span, CancellationToken cancellationToken)
    {
        if (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root
            || root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>(c => c.Span == span) is not { } call
            || EnclosingFunction(call) is not { } function
            || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model
            || model.GetDeclaredSymbol(function, cancellationToken) is not IMethodSymbol method
            || !CanTakeParameter(method)
            || await ImplementsForDerivedTypeAsync(method, document.Project.Solution, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (call, function, method);
    }

    /// <summary>
    /// An overload that already takes the mirror where the fix would put it (migrated by hand
    /// beside its legacy twin): a second one would not compile (CS0111), and which one the
    /// callers mean is the author's call.
    /// </summary>
    private static bool HasOverloadOfTheNewShape(IMethodSymbol method, IParameterSymbol? replaced, Compilation compilation)
    {
        if (method.MethodKind == MethodKind.LocalFunction || compilation.GetTypeByMetadataName(MirrorTypeName) is not { } mirrorType)
        {
            return false;
        }

        // C# overloads on types and on by-reference or not, never on ref versus out.
        var shape = method.Parameters.Select(p => (p.Type, ByRef: p.RefKind != RefKind.None)).ToList();
        if (replaced is null)
        {
            shape.Insert(ParameterIndex(method), (mirrorType, false));
        }
        else
        {
            shape[replaced.Ordinal] = (mirrorType, false);
        }

        var overloads = method.MethodKind == MethodKind.Constructor
            ? method.ContainingType.InstanceConstructors
            : method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>();
        return overloads.Any(overload => !SymbolEqualityComparer.Default.Equals(overload, method)
            && overload.Arity == method.Arity
            && overload.Parameters.Length == shape.Count
            && overload.Parameters.Select((p, i) => SymbolEqualityComparer.Default.Equals(p.Type, shape[i].Type) && (p.RefKind != RefKind.None) == shape[i].ByRef).All(same => same));
    }

    /// <summary>The method, constructor or local function around <paramref name="call"/>; null inside a lambda or an accessor.</summary>
    public static SyntaxNode? EnclosingFunction(SyntaxNode call)
    {
        foreach (var node in call.Ancestors())
        {
            switch (node)
            {
                case MethodDeclarationSyntax or ConstructorDeclarationSyntax or LocalFunctionStatementSyntax:
                    return node;
                case AnonymousFunctionExpressionSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or MemberDeclarationSyntax:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The analyzer says so in CanAddParameter; this only guards against a stale diagnostic.
    /// A signature fixed by a base, an interface or another partial part cannot change here.
    /// </summary>
    private static bool CanTakeParameter(IMethodSymbol method) =>
        method.MethodKind is MethodKind.Ordinary or MethodKind.Constructor or MethodKind.LocalFunction
        && !method.IsOverride && !method.IsVirtual && !method.IsAbstract && !method.IsExtern
        && method.ExplicitInterfaceImplementations.IsEmpty
        && method.PartialDefinitionPart is null && method.PartialImplementationPart is null
        && !method.ContainingType.AllInterfaces.SelectMany(i => i.GetMembers()).Any(m =>
            SymbolEqualityComparer.Default.Equals(method.ContainingType.FindImplementationForInterfaceMember(m), method));

    /// <summary>
    /// <c>class Binder : BinderBase, IBinder</c>: BinderBase's own method implements IBinder's
    /// for the derived type, and a new parameter would break that (CS0535).
    /// </summary>
    private static async Task<bool> ImplementsForDerivedTypeAsync(IMethodSymbol method, Solution solution, CancellationToken cancellationToken)
    {
        if (method.MethodKind != MethodKind.Ordinary || method.IsStatic || method.DeclaredAccessibility == Accessibility.Private
            || method.ContainingType is not { IsSealed: false, TypeKind: TypeKind.Class } type)
        {
            return false;
        }

        foreach (var derived in await SymbolFinder.FindDerivedClassesAsync(type, solution, transitive: true, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            foreach (var member in derived.AllInterfaces.SelectMany(i => i.GetMembers(method.Name)))
            {
                if (SymbolEqualityComparer.Default.Equals(derived.FindImplementationForInterfaceMember(member)?.OriginalDefinition, method.OriginalDefinition))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>mirror, mirror1, ...: no name the function declares or mentions, so nothing is shadowed.</summary>
    private static string FreeName(SyntaxNode function, string baseName)
    {
        var taken = new HashSet<string>(
            function.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText),
            StringComparer.Ordinal);
        var name = baseName;
        for (var i = 1; taken.Contains(name); i++)
        {
            name = baseName + i;
        }

        return name;
    }

    /// <summary>
    /// With the inputs, before the first <c>out</c>, optional or <c>params</c> parameter: a
    /// required parameter cannot follow an optional one or a params array, and the results a
    /// method hands back through <c>out</c> read best last.
    /// </summary>
    private static int ParameterIndex(IMethodSymbol method)
    {
        var index = method.Parameters.IndexOf(method.Parameters.FirstOrDefault(p => p.RefKind == RefKind.Out || p.IsOptional || p.IsParams)!);
        return index < 0 ? method.Parameters.Length : index;
    }

    /// <summary>
    /// <c>MmStruct mm</c> becomes <c>HmmMirror mirror</c> in place (a <c>this</c> stays), and
    /// the documentation follows: its <c>&lt;param&gt;</c> now describes the mirror, its
    /// <c>&lt;paramref&gt;</c>s name it.
    /// </summary>
    private static void ReplaceParameter(DocumentEditor editor, Target target, IParameterSymbol replaced)
    {
        var parameterList = target.Function switch
        {
            BaseMethodDeclarationSyntax method => method.ParameterList,
            LocalFunctionStatementSyntax local => local.ParameterList,
            _ => throw new InvalidOperationException("not a method, a constructor or a local function"),
        };
        var declaration = parameterList.Parameters[replaced.Ordinal];
        var type = MirrorType(editor);
        editor.ReplaceNode(declaration, (current, _) =>
        {
            var parameter = (ParameterSyntax)current;
            return parameter
                .WithType(parameter.Type is { } old ? type.WithTriviaFrom(old) : type.WithTrailingTrivia(SyntaxFactory.Space))
                .WithIdentifier(SyntaxFactory.Identifier(parameter.Identifier.LeadingTrivia, target.ParameterName, parameter.Identifier.TrailingTrivia));
        });

        foreach (var documentation in target.Function.GetLeadingTrivia().Select(t => t.GetStructure()).OfType<DocumentationCommentTriviaSyntax>())
        {
            foreach (var element in documentation.Content.OfType<XmlElementSyntax>().Where(e => e.StartTag.Name.LocalName.ValueText == "param" && ParamName(e) == replaced.Name))
            {
                editor.ReplaceNode(element, SyntaxFactory.XmlParamElement(target.ParameterName, SyntaxFactory.XmlText(MirrorDocumentation)));
            }

            foreach (var name in documentation.DescendantNodes().OfType<XmlNameAttributeSyntax>().Where(a => a.Identifier.Identifier.ValueText == replaced.Name
                && a.Parent is XmlEmptyElementSyntax { Name.LocalName.ValueText: "paramref" }))
            {
                editor.ReplaceNode(name.Identifier, SyntaxFactory.IdentifierName(target.ParameterName).WithTriviaFrom(name.Identifier));
            }
        }
    }

    private const string MirrorDocumentation = "The live mirror of the range's mm, from the caller.";

    private static void AddParameter(DocumentEditor editor, Target target)
    {
        var parameterList = target.Function switch
        {
            BaseMethodDeclarationSyntax method => method.ParameterList,
            LocalFunctionStatementSyntax local => local.ParameterList,
            _ => throw new InvalidOperationException("not a method, a constructor or a local function"),
        };
        var parameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier(target.ParameterName))
            .WithType(MirrorType(editor).WithTrailingTrivia(SyntaxFactory.Space));
        editor.ReplaceNode(parameterList, (current, _) =>
        {
            return SeparatedListInsertion.Insert((ParameterListSyntax)current, target.ParameterIndex, parameter);
        });

        var documented = DocumentedParameters(target.Function);
        if (documented.Count == 0)
        {
            return;
        }

        // In the parameters' order: before the <param> of the parameter that now follows, else last.
        var next = target.ParameterIndex < target.Method.Parameters.Length ? target.Method.Parameters[target.ParameterIndex].Name : null;
        var before = documented.FirstOrDefault(e => ParamName(e) == next);
        if (before is not null)
        {
            editor.InsertBefore(before, ParamDocumentation(before, target.ParameterName, after: false));
        }
        else
        {
            editor.InsertAfter(documented[documented.Count - 1], ParamDocumentation(documented[documented.Count - 1], target.ParameterName, after: true));
        }
    }

    /// <summary><c>HmmMirror</c>, with the <c>using Hmm;</c> it needs.</summary>
    private static TypeSyntax MirrorType(DocumentEditor editor)
    {
        var mirrorType = editor.SemanticModel.Compilation.GetTypeByMetadataName(MirrorTypeName);
        return mirrorType is null
            ? SyntaxFactory.ParseTypeName("global::" + MirrorTypeName)
            : (TypeSyntax)editor.Generator.TypeExpression(mirrorType, addImport: true);
    }

    /// <summary>
    /// The <c>&lt;param&gt;</c> elements of a documented function: the new parameter gets its
    /// own, or the compiler warns (CS1573) where the author documented every parameter so far.
    /// </summary>
    private static List<XmlElementSyntax> DocumentedParameters(SyntaxNode function) =>
        function.GetLeadingTrivia()
            .Select(t => t.GetStructure())
            .OfType<DocumentationCommentTriviaSyntax>()
            .SelectMany(d => d.Content.OfType<XmlElementSyntax>())
            .Where(e => e.StartTag.Name.LocalName.ValueText == "param")
            .ToList();

    private static string? ParamName(XmlElementSyntax param) =>
        param.StartTag.Attributes.OfType<XmlNameAttributeSyntax>().FirstOrDefault()?.Identifier.Identifier.ValueText;

    private static SyntaxNode[] ParamDocumentation(XmlElementSyntax neighbour, string name, bool after)
    {
        // The line break and "///" before the neighbouring <param>, repeated for the new one.
        var content = ((DocumentationCommentTriviaSyntax)neighbour.Parent!).Content;
        var position = content.IndexOf(neighbour);
        var lineStart = position > 0 ? content[position - 1] as XmlTextSyntax : null;
        var element = SyntaxFactory.XmlParamElement(name, SyntaxFactory.XmlText(MirrorDocumentation));
        if (lineStart is null || !lineStart.TextTokens.Any(t => t.IsKind(SyntaxKind.XmlTextLiteralNewLineToken)))
        {
            return new SyntaxNode[] { element };
        }

        return after ? new SyntaxNode[] { lineStart, element } : new SyntaxNode[] { element, lineStart };
    }

    private static async Task UpdateCallersAsync(SolutionEditor editor, Target target, Dictionary<ISymbol, Target> targets, CancellationToken cancellationToken)
    {
        foreach (var reference in target.References)
        {
            var documentEditor = await editor.GetDocumentEditorAsync(reference.Document.Id, cancellationToken).ConfigureAwait(false);
            if (reference.Node is NameMemberCrefSyntax cref)
            {
                var type = SyntaxFactory.CrefParameter(MirrorType(documentEditor));
                documentEditor.ReplaceNode(cref, (current, _) =>
                {
                    var parameters = ((NameMemberCrefSyntax)current).Parameters!;
                    var list = target.Replaced is null || target.ParameterIndex >= parameters.Parameters.Count
                        ? SeparatedListInsertion.Insert(parameters.Parameters, target.ParameterIndex, type)
                        : parameters.Parameters.Replace(parameters.Parameters[target.ParameterIndex], type.WithTriviaFrom(parameters.Parameters[target.ParameterIndex]));
                    return ((NameMemberCrefSyntax)current).WithParameters(parameters.WithParameters(list));
                });
                continue;
            }

            var model = await reference.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null)
            {
                continue;
            }

            var call = reference.Node;
            var mirror = MirrorAt(model, call, target, targets, cancellationToken);
            var index = target.ParameterIndex;
            var reduced = model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol { MethodKind: MethodKind.ReducedExtension };
            if (reduced)
            {
                // range.Fault(...): the receiver is the first parameter's argument.
                index--;
            }

            if (target.Replaced is not null)
            {
                ReplaceArgument(documentEditor, call, index, mirror, target);
                continue;
            }

            documentEditor.ReplaceNode(call, (current, _) =>
            {
                var argumentList = MethodReferences.ArgumentsOf(current)!;
                return current.ReplaceNode(argumentList, InsertArgument(argumentList, index, mirror, target.ParameterName));
            });
        }
    }

    /// <summary>
    /// The caller's mirror in the mm argument's place: <c>Register(range, mm)</c> →
    /// <c>Register(range, mirror)</c>, <c>mm.Register(range)</c> → <c>mirror.Register(range)</c>,
    /// <c>mm: svmm.Mm</c> → <c>mirror: svmm.Mirror</c>.
    /// </summary>
    private static void ReplaceArgument(DocumentEditor editor, SyntaxNode call, int index, ExpressionSyntax mirror, Target target)
    {
        if (index < 0)
        {
            if (call is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax receiver })
            {
                if (IsConditional(receiver.Expression))
                {
                    // svmm?.Mm.Register(range): only the sibling's name fits in place of `.Mm`;
                    // anything else would have to undo the `?.`. The call is left to fail to compile.
                    if (RenamedInPlace(receiver.Expression, mirror) is { } renamed)
                    {
                        editor.ReplaceNode(receiver.Expression, renamed);
                    }

                    return;
                }

                var replacement = mirror is IdentifierNameSyntax or MemberAccessExpressionSyntax ? mirror : SyntaxFactory.ParenthesizedExpression(mirror);
                editor.ReplaceNode(receiver.Expression, InPlaceOf(replacement, receiver.Expression));
            }

            return;
        }

        var arguments = MethodReferences.ArgumentsOf(call)!.Arguments;
        var argument = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == target.Replaced!.Name)
            ?? (index < arguments.Count && arguments[index].NameColon is null ? arguments[index] : null);
        if (argument is null)
        {
            return;
        }

        if (IsConditional(argument.Expression))
        {
            // svmm?.Mm! → svmm?.Mirror!: the `?.` and `!` the caller wrote stay.
            mirror = RenamedInPlace(argument.Expression, LegacyCalls.WithoutSuppression(mirror))
                ?? Missing("HMM002: the mm passed here is reached through ?., which the mirror would drop; pass the mirror registered for it");
        }
        else if (LegacyCalls.IsSuppressed(argument.Expression) && mirror is not IdentifierNameSyntax { Identifier.ValueText: MissingMirror })
        {
            // svmm.Mm! → svmm.Mirror!: no nullable warning the call did not have.
            mirror = LegacyCalls.Suppressed(mirror);
        }

        editor.ReplaceNode(argument, (current, _) =>
        {
            var updated = ((ArgumentSyntax)current).WithExpression(InPlaceOf(mirror, ((ArgumentSyntax)current).Expression));
            return updated.NameColon is { } nameColon
                ? updated.WithNameColon(nameColon.WithName(SyntaxFactory.IdentifierName(target.ParameterName).WithTriviaFrom(nameColon.Name)))
                : updated;
        });
    }

    // An mm reached through `?.`: `svmm?.Mm`, `h.S?.Mm!`, or the `.Mm` of `svmm?.Mm.Register(range)`.
    private static bool IsConditional(ExpressionSyntax mm) =>
        mm is MemberBindingExpressionSyntax || mm.DescendantNodesAndSelf().OfType<ConditionalAccessExpressionSyntax>().Any();

    /// <summary>
    /// The mm expression with its last name changed to the sibling mirror's, when the mirror is
    /// that sibling (<c>svmm.Mirror</c> for <c>svmm?.Mm!</c>): <c>svmm?.Mirror!</c>. Null otherwise.
    /// </summary>
    private static ExpressionSyntax? RenamedInPlace(ExpressionSyntax mm, ExpressionSyntax mirror)
    {
        if (mirror is not MemberAccessExpressionSyntax { Name: IdentifierNameSyntax siblingName } sibling)
        {
            return null;
        }

        var core = mm;
        while (core is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } or ParenthesizedExpressionSyntax)
        {
            core = core is PostfixUnaryExpressionSyntax postfix ? postfix.Operand : ((ParenthesizedExpressionSyntax)core).Expression;
        }

        // The owner's text in front of the last name, as the whole conditional access reads it.
        SimpleNameSyntax? name;
        string owner;
        switch (core)
        {
            case MemberBindingExpressionSyntax binding when binding.FirstAncestorOrSelf<ConditionalAccessExpressionSyntax>() is { } access:
                (name, owner) = (binding.Name, access.Expression.ToString());
                break;
            case ConditionalAccessExpressionSyntax access:
                var whenNotNull = access.WhenNotNull;
                (name, owner) = whenNotNull switch
                {
                    MemberBindingExpressionSyntax binding => (binding.Name, access.Expression.ToString()),
                    MemberAccessExpressionSyntax member => (member.Name, access.Expression.ToString() + member.Expression),
                    _ => (null, ""),
                };
                break;
            default:
                return null;
        }

        static string Plain(string text) => new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray()).Replace("?.", ".");
        return name is not null && Plain(owner) == Plain(sibling.Expression.ToString())
            ? mm.ReplaceNode(name, siblingName.WithTriviaFrom(name))
            : null;
    }

    /// <summary>The mirror with the trivia of the mm it replaces, after its own comment (a missing mirror's).</summary>
    private static ExpressionSyntax InPlaceOf(ExpressionSyntax mirror, ExpressionSyntax mm) =>
        mirror.WithLeadingTrivia(mm.GetLeadingTrivia().AddRange(mirror.GetLeadingTrivia())).WithTrailingTrivia(mm.GetTrailingTrivia());

    /// <summary>
    /// The mirror at the parameter's position when every argument before it is positional:
    /// <c>Snapshot(mm, start, end, mirror, out range)</c>. After a named argument, named:
    /// at the end when only named arguments follow (any order is fine then), else in its own
    /// position, where C# 7.2 lets a named argument precede positional ones.
    /// </summary>
    private static ArgumentListSyntax InsertArgument(ArgumentListSyntax list, int index, ExpressionSyntax mirror, string name)
    {
        var arguments = list.Arguments;
        if (index <= arguments.Count && arguments.Take(index).All(a => a.NameColon is null))
        {
            return SeparatedListInsertion.Insert(list, index, SyntaxFactory.Argument(mirror));
        }

        var named = SyntaxFactory.Argument(SyntaxFactory.NameColon(name).WithTrailingTrivia(SyntaxFactory.Space), default, mirror);
        return arguments.Skip(index).All(a => a.NameColon is not null)
            ? SeparatedListInsertion.Insert(list, arguments.Count, named)
            : SeparatedListInsertion.Insert(list, index, named);
    }

    /// <summary>
    /// The caller's live mirror; else, when the caller is itself getting a mirror parameter in
    /// this same edit, that one; else a name that does not compile and says what is missing.
    /// </summary>
    private static ExpressionSyntax MirrorAt(SemanticModel model, SyntaxNode call, Target target, Dictionary<ISymbol, Target> targets, CancellationToken cancellationToken)
    {
        var callerMm = CallerMm(model, call, target, cancellationToken);
        if (target.Replaced is not null && callerMm is { Argument: var computed } && HasEffects(computed))
        {
            // The mirror takes the mm argument's place: code that computes the mm would go with it.
            return Missing($"HMM002: the mm passed here is computed ({computed.WithoutTrivia()}), which the mirror would drop; pass the mirror registered for it");
        }

        var candidates = CallerMirrors.Find(model, call, callerMm, cancellationToken);
        if (candidates is { Expressions.Length: 1 } && SyntaxFactory.ParseExpression(candidates.Expressions[0]) is { ContainsDiagnostics: false } mirror)
        {
            return mirror;
        }

        if (EnclosingFunction(call) is { } caller
            && model.GetDeclaredSymbol(caller, cancellationToken) is { } callerSymbol
            && targets.TryGetValue(callerSymbol, out var callerTarget))
        {
            return SyntaxFactory.IdentifierName(callerTarget.ParameterName);
        }

        var why = candidates switch
        {
            null => "HMM002: the analysis cannot tell which HmmMirror is live here; pass the mirror registered for this mm",
            { Expressions.Length: 0 } => "HMM002: no live HmmMirror of this mm here; pass the mirror registered for it",
            _ => $"HMM002: several live mirrors here ({string.Join(", ", candidates.Expressions)}); pass the one registered for this mm",
        };
        return Missing(why);
    }

    private static ExpressionSyntax Missing(string why) =>
        SyntaxFactory.IdentifierName(MissingMirror)
            .WithLeadingTrivia(SyntaxFactory.Comment("/* " + why + " */"), SyntaxFactory.Space)
            .WithAdditionalAnnotations(Microsoft.CodeAnalysis.CodeActions.WarningAnnotation.Create(why));

    private static bool HasEffects(ExpressionSyntax expression) =>
        expression.DescendantNodesAndSelf().Any(n => n is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax or AssignmentExpressionSyntax
            or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }
            or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression });

    /// <summary>
    /// The callee's mm seen from the caller: when the callee took it from its own parameter
    /// (<c>mm</c>, or <c>svmm.Mm</c> with <c>svmm</c> a parameter), the caller's argument for
    /// that parameter and the member path. Null when the mm does not come from a parameter.
    /// </summary>
    private static (ExpressionSyntax Argument, IReadOnlyList<string> Path)? CallerMm(SemanticModel model, SyntaxNode call, Target target, CancellationToken cancellationToken)
    {
        var path = new List<string>();
        var expression = target.Mm is null ? null : Unwrapped(target.Mm);
        while (expression is MemberAccessExpressionSyntax access)
        {
            path.Insert(0, access.Name.Identifier.ValueText);
            // range.Vma!.Mm is range.Vma.Mm: a `!` must not make the mm's source unknown.
            expression = Unwrapped(access.Expression);
        }

        if (expression is not IdentifierNameSyntax root)
        {
            return null;
        }

        var parameter = target.Method.Parameters.FirstOrDefault(p => p.Name == root.Identifier.ValueText);
        if (parameter is null || model.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol called)
        {
            return null;
        }

        // Reduced extension calls start after the receiver.
        var ordinal = called.MethodKind == MethodKind.ReducedExtension ? parameter.Ordinal - 1 : parameter.Ordinal;
        if (ordinal < 0)
        {
            // mm.Register(range): the receiver is the mm.
            return call is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax receiver } ? (receiver.Expression, path) : null;
        }

        var arguments = MethodReferences.ArgumentsOf(call)!.Arguments;
        var argument = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter.Name)
            ?? (ordinal < arguments.Count && arguments[ordinal].NameColon is null ? arguments[ordinal] : null);
        return argument is null ? null : (argument.Expression, path);
    }

    private sealed class Target
    {
        public Target(DocumentId document, SyntaxNode function, IMethodSymbol method, string parameterName, int parameterIndex, IParameterSymbol? replaced, IReadOnlyList<MethodReference> references)
        {
            Replaced = replaced;
            References = references;
            Document = document;
            Function = function;
            Method = method;
            ParameterName = parameterName;
            ParameterIndex = parameterIndex;
        }

        public DocumentId Document { get; }

        public SyntaxNode Function { get; }

        public IMethodSymbol Method { get; }

        public string ParameterName { get; }

        /// <summary>The mirror's position: the replaced mm's, or where it is added.</summary>
        public int ParameterIndex { get; }

        /// <summary>The mm parameter the mirror takes the place of; null when the mirror is added beside the others.</summary>
        public IParameterSymbol? Replaced { get; }

        /// <summary>The calls and crefs that get the new argument or parameter type.</summary>
        public IReadOnlyList<MethodReference> References { get; }

        /// <summary>The mm of the first legacy RangeRegister, to find the caller's mirror of it.</summary>
        public ExpressionSyntax? Mm { get; set; }

        public List<InvocationExpressionSyntax> Sites { get; } = new();
    }
}
