using System.Collections.Immutable;
using System.Composition;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Hmm.CodeFixes;

/// <summary>
/// HMM002: the method that registers a range with no mirror in reach takes the mirror from its
/// callers. Adds <c>HmmMirror mirror</c> to the enclosing method or local function, passes it at
/// the legacy call, and passes the caller's live mirror at every call site in the solution.
/// A caller with no live mirror (or several, none of them the mm's) gets
/// <see cref="MissingMirror"/>, which does not compile: the author decides, the fix never guesses.
/// When the legacy calls are an mm parameter's only uses, the mirror replaces it instead.
/// No action where the analyzer says no parameter can be added (an override, an interface
/// member, a lambda, a use after unregister): its message says why. A method used other than
/// by calls elsewhere in the solution (a delegate, an event handler, a method group argument)
/// keeps its shape: registering the action only reads the document, so the solution-wide
/// search runs in the action, which then changes nothing (docs/rules/HMM002.md).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddMirrorParameterFix)), Shared]
public sealed class AddMirrorParameterFix : CodeFixProvider
{
    public const string EquivalenceKey = "HMM002.AddMirrorParameter";

    /// <summary>What a caller without a live mirror passes, after a comment that says so.</summary>
    public const string MissingMirror = MirrorParameterThreading.MissingMirror;

    internal const string Title = "Take an HmmMirror parameter";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.HMM002_RangeOutsideMirrorScope.Id);

    public override FixAllProvider GetFixAllProvider() => AddMirrorParameterFixAllProvider.Instance;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!IsFixable(diagnostic)
                || !await MirrorParameterThreading.CanApplyAsync(context.Document, diagnostic.Location.SourceSpan, context.CancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var site = (context.Document.Id, diagnostic.Location.SourceSpan);
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => MirrorParameterThreading.ApplyAsync(context.Document.Project.Solution, new[] { site }, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    internal static bool IsFixable(Diagnostic diagnostic) =>
        diagnostic.Id == Descriptors.HMM002_RangeOutsideMirrorScope.Id
        && diagnostic.Location.IsInSource
        && diagnostic.Properties.TryGetValue(DiagnosticProperties.CanAddParameter, out var canAdd)
        && string.Equals(canAdd, "true", StringComparison.OrdinalIgnoreCase);
}
