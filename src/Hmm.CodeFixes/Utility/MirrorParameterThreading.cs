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
/// All decisions are taken on the original solution, then applied in one solution edit.
/// </summary>
internal static class MirrorParameterThreading
{
    /// <summary>The name a caller without a live mirror passes: it does not compile, on purpose.</summary>
    public const string MissingMirror = "HMM002_PassTheCallersLiveMirror";

    private const string MirrorTypeName = "Hmm.HmmMirror";
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
            AddParameter(documentEditor, target);
            var mirror = SyntaxFactory.IdentifierName(target.ParameterName);
            foreach (var site in target.Sites)
            {
                documentEditor.ReplaceNode(site, (current, _) => LegacyCalls.Rewrite((InvocationExpressionSyntax)current, mirror) ?? current);
            }
        }

        foreach (var target in targets.Values)
        {
            await UpdateCallersAsync(editor, target, targets, cancellationToken).ConfigureAwait(false);
        }

        return editor.GetChangedSolution();
    }

    private static async Task<Dictionary<ISymbol, Target>> FindTargetsAsync(Solution solution, IEnumerable<(DocumentId Document, TextSpan Span)> sites, CancellationToken cancellationToken)
    {
        var targets = new Dictionary<ISymbol, Target>(SymbolEqualityComparer.Default);
        foreach (var group in sites.GroupBy(s => s.Document))
        {
            var document = solution.GetDocument(group.Key);
            if (document is null
                || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root
                || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model)
            {
                continue;
            }

            foreach (var (_, span) in group.OrderBy(s => s.Span.Start))
            {
                var call = root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>(c => c.Span == span);
                if (call is null || EnclosingFunction(call) is not { } function
                    || model.GetDeclaredSymbol(function, cancellationToken) is not IMethodSymbol method || !CanTakeParameter(method))
                {
                    continue;
                }

                if (!targets.TryGetValue(method, out var target))
                {
                    target = new Target(document.Id, function, method, FreeName(function), ParameterIndex(method));
                    targets.Add(method, target);
                }

                target.Sites.Add(call);
                target.Mm ??= LegacyCalls.FindMmArgument(call.ArgumentList)?.Expression;
            }
        }

        return targets;
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

    /// <summary>mirror, mirror1, ...: no name the function declares or mentions, so nothing is shadowed.</summary>
    private static string FreeName(SyntaxNode function)
    {
        var taken = new HashSet<string>(
            function.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText),
            StringComparer.Ordinal);
        var name = ParameterName;
        for (var i = 1; taken.Contains(name); i++)
        {
            name = ParameterName + i;
        }

        return name;
    }

    /// <summary>After the required parameters: before the first optional or params one.</summary>
    private static int ParameterIndex(IMethodSymbol method)
    {
        var index = method.Parameters.IndexOf(method.Parameters.FirstOrDefault(p => p.IsOptional || p.IsParams)!);
        return index < 0 ? method.Parameters.Length : index;
    }

    private static void AddParameter(DocumentEditor editor, Target target)
    {
        var parameterList = target.Function switch
        {
            BaseMethodDeclarationSyntax method => method.ParameterList,
            LocalFunctionStatementSyntax local => local.ParameterList,
            _ => throw new InvalidOperationException("not a method, a constructor or a local function"),
        };
        var mirrorType = editor.SemanticModel.Compilation.GetTypeByMetadataName(MirrorTypeName);
        var type = mirrorType is null
            ? SyntaxFactory.ParseTypeName("global::" + MirrorTypeName)
            : (TypeSyntax)editor.Generator.TypeExpression(mirrorType, addImport: true);
        var parameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier(target.ParameterName))
            .WithType(type.WithTrailingTrivia(SyntaxFactory.Space));
        editor.ReplaceNode(parameterList, (current, _) =>
        {
            return SeparatedListInsertion.Insert((ParameterListSyntax)current, target.ParameterIndex, parameter);
        });

        if (DocumentedParameters(target.Function) is { } lastParam)
        {
            editor.InsertAfter(lastParam, ParamDocumentation(lastParam, target.ParameterName));
        }
    }

    /// <summary>
    /// The last <c>&lt;param&gt;</c> of a documented function: the new parameter gets its own, or
    /// the compiler warns (CS1573) where the author documented every parameter so far.
    /// </summary>
    private static XmlElementSyntax? DocumentedParameters(SyntaxNode function) =>
        function.GetLeadingTrivia()
            .Select(t => t.GetStructure())
            .OfType<DocumentationCommentTriviaSyntax>()
            .SelectMany(d => d.Content.OfType<XmlElementSyntax>())
            .LastOrDefault(e => e.StartTag.Name.LocalName.ValueText == "param");

    private static SyntaxNode[] ParamDocumentation(XmlElementSyntax lastParam, string name)
    {
        // The line break and "///" before the last <param>, repeated before the new one.
        var content = ((DocumentationCommentTriviaSyntax)lastParam.Parent!).Content;
        var lineStart = content.IndexOf(lastParam) > 0 ? content[content.IndexOf(lastParam) - 1] as XmlTextSyntax : null;
        var element = SyntaxFactory.XmlParamElement(name, SyntaxFactory.XmlText("The live mirror of the range's mm, from the caller."));
        return lineStart is not null && lineStart.TextTokens.Any(t => t.IsKind(SyntaxKind.XmlTextLiteralNewLineToken))
            ? new SyntaxNode[] { lineStart, element }
            : new SyntaxNode[] { element };
    }

    private static async Task UpdateCallersAsync(SolutionEditor editor, Target target, Dictionary<ISymbol, Target> targets, CancellationToken cancellationToken)
    {
        var solution = editor.OriginalSolution;
        var references = await SymbolFinder.FindReferencesAsync(target.Method, solution, cancellationToken).ConfigureAwait(false);
        foreach (var location in references.SelectMany(r => r.Locations))
        {
            if (location.IsImplicit || location.IsCandidateLocation || !location.Location.IsInSource)
            {
                continue;
            }

            var document = location.Document;
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || model is null || CallOf(root.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true), target.Method.MethodKind == MethodKind.Constructor) is not { } call
                || ArgumentsOf(call) is null)
            {
                // A method group (a delegate, an event handler) keeps its shape: the compiler
                // reports the mismatch there, where only the author can decide.
                continue;
            }

            var argument = SyntaxFactory.Argument(MirrorAt(model, call, target, targets, cancellationToken));
            var index = target.ParameterIndex;
            if (model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol { MethodKind: MethodKind.ReducedExtension })
            {
                index--;
            }

            var documentEditor = await editor.GetDocumentEditorAsync(document.Id, cancellationToken).ConfigureAwait(false);
            documentEditor.ReplaceNode(call, (current, _) =>
            {
                var argumentList = ArgumentsOf(current)!;
                var arguments = argumentList.Arguments;
                var positional = arguments.TakeWhile(a => a.NameColon is null).Count();
                var inserted = positional == arguments.Count && index <= arguments.Count
                    ? SeparatedListInsertion.Insert(argumentList, index, argument)
                    : SeparatedListInsertion.Insert(argumentList, arguments.Count, argument.WithNameColon(
                        SyntaxFactory.NameColon(target.ParameterName).WithTrailingTrivia(SyntaxFactory.Space)));
                return current.ReplaceNode(argumentList, inserted);
            });
        }
    }

    /// <summary>The call a reference names: an invocation, a <c>new</c>, a <c>: this(...)</c>; null for a method group.</summary>
    private static SyntaxNode? CallOf(SyntaxNode reference, bool constructor)
    {
        // A constructor's reference is its type name in "new T(...)", or "new"/"this"/"base" itself.
        if (constructor)
        {
            return reference.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseObjectCreationExpressionSyntax or ConstructorInitializerSyntax) is { } construction
                && ArgumentsOf(construction) is { } constructorArguments && !constructorArguments.Span.Contains(reference.Span)
                ? construction
                : null;
        }

        var name = reference.FirstAncestorOrSelf<SimpleNameSyntax>();
        SyntaxNode? callee = name?.Parent switch
        {
            MemberAccessExpressionSyntax access when access.Name == name => access,
            MemberBindingExpressionSyntax binding when binding.Name == name => binding,
            _ => name,
        };
        return callee?.Parent is InvocationExpressionSyntax call && call.Expression == callee ? call : null;
    }

    private static ArgumentListSyntax? ArgumentsOf(SyntaxNode call) => call switch
    {
        InvocationExpressionSyntax invocation => invocation.ArgumentList,
        BaseObjectCreationExpressionSyntax creation => creation.ArgumentList,
        ConstructorInitializerSyntax initializer => initializer.ArgumentList,
        _ => null,
    };

    /// <summary>
    /// The caller's live mirror; else, when the caller is itself getting a mirror parameter in
    /// this same edit, that one; else a name that does not compile and says what is missing.
    /// </summary>
    private static ExpressionSyntax MirrorAt(SemanticModel model, SyntaxNode call, Target target, Dictionary<ISymbol, Target> targets, CancellationToken cancellationToken)
    {
        var candidates = CallerMirrors.Find(model, call, CallerMm(model, call, target, cancellationToken), cancellationToken);
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
        return SyntaxFactory.IdentifierName(MissingMirror)
            .WithLeadingTrivia(SyntaxFactory.Comment("/* " + why + " */"), SyntaxFactory.Space)
            .WithAdditionalAnnotations(Microsoft.CodeAnalysis.CodeActions.WarningAnnotation.Create(why));
    }

    /// <summary>
    /// The callee's mm seen from the caller: when the callee took it from its own parameter
    /// (<c>mm</c>, or <c>svmm.Mm</c> with <c>svmm</c> a parameter), the caller's argument for
    /// that parameter and the member path. Null when the mm does not come from a parameter.
    /// </summary>
    private static (ExpressionSyntax Argument, IReadOnlyList<string> Path)? CallerMm(SemanticModel model, SyntaxNode call, Target target, CancellationToken cancellationToken)
    {
        var path = new List<string>();
        var expression = target.Mm;
        while (expression is MemberAccessExpressionSyntax access)
        {
            path.Insert(0, access.Name.Identifier.ValueText);
            expression = access.Expression;
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
        var arguments = ArgumentsOf(call)!.Arguments;
        var argument = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameter.Name)
            ?? (ordinal >= 0 && ordinal < arguments.Count && arguments[ordinal].NameColon is null ? arguments[ordinal] : null);
        return argument is null ? null : (argument.Expression, path);
    }

    private sealed class Target
    {
        public Target(DocumentId document, SyntaxNode function, IMethodSymbol method, string parameterName, int parameterIndex)
        {
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

        public int ParameterIndex { get; }

        /// <summary>The mm of the first legacy RangeRegister, to find the caller's mirror of it.</summary>
        public ExpressionSyntax? Mm { get; set; }

        public List<InvocationExpressionSyntax> Sites { get; } = new();
    }
}
