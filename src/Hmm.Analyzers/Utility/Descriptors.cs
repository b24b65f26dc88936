using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers;

/// <summary>Every rule, in one place: its id, title, message, category and help link (docs/rules/).</summary>
public static class Descriptors
{
    public const string MigrationCategory = "HmmMigration";
    public const string LifetimeCategory = "HmmLifetime";

    private const string HelpLinkBase = "https://github.com/hmm-analyzers/hmm-analyzers/blob/main/docs/rules/";

    public static readonly DiagnosticDescriptor HMM001_LegacyRangeRegister = Create(
        "HMM001",
        "Register the range with the mirror, not the mm",
        "'{0}' registers range '{1}' through the mm '{2}'; pass the live mirror {3}",
        MigrationCategory,
        "Since the kernel change 'Use hmm_mirror not mm as an argument for hmm_range_register', a range is registered through a registered mirror, which already holds a reference on the per-mm state. Pass the mirror of that mm.");

    public static readonly DiagnosticDescriptor HMM002_RangeOutsideMirrorScope = Create(
        "HMM002",
        "Range registered outside a live mirror scope",
        "'{0}' registers range '{1}' with '{2}' but no live mirror of that mm is in scope; {3}",
        LifetimeCategory,
        "A range may only be registered while a mirror of its mm is registered. The legacy call hides that no mirror is in reach; take the mirror as a parameter from the caller that owns it.");

    public static readonly DiagnosticDescriptor HMM003_MirrorMayNotBeRegistered = Create(
        "HMM003",
        "Mirror may not be registered here",
        "Mirror '{0}' may not be registered when '{1}' uses it: {2}",
        LifetimeCategory,
        "RangeRegister and VmaFault need a registered mirror. On some path to this call the mirror was not yet registered, was unregistered or disposed, or its registration's failure was not handled.");

    public static readonly DiagnosticDescriptor HMM004_LegacyVmaFault = Create(
        "HMM004",
        "Pass the mirror to VmaFault",
        "'{0}' faults range '{1}' without a mirror; pass the live mirror {2} as the first argument",
        MigrationCategory,
        "The kernel change gave hmm_vma_fault a mirror parameter: the range is registered through that mirror. Pass the live mirror of the range's mm.");

    public static readonly DiagnosticDescriptor HMM005_RangeNotUnregistered = Create(
        "HMM005",
        "Registered range is not unregistered on every path",
        "Range '{0}' registered at line {1} may still be registered when it leaves here; call HmmApi.RangeUnregister({0}) or HmmApi.VmaRangeDone({0}) first",
        LifetimeCategory,
        "Each registered range holds a reference on the per-mm state and sits on its range list until it is unregistered. A range that leaves the method still registered leaks both.");

    public static readonly DiagnosticDescriptor HMM006_IgnoredResult = Create(
        "HMM006",
        "Result of an HMM call that can fail is ignored",
        "The result of '{0}' is ignored; it returns a negative errno on failure",
        LifetimeCategory,
        "The kernel marks these functions must-check: they fail with a negative errno (-EINVAL, -EFAULT, -EAGAIN, -EBUSY, ...) that the caller has to handle.");

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, string description) =>
        new(id, title, message, category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
            description: description, helpLinkUri: HelpLink(id));
}
