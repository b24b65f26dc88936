using Hmm.Analyzers;
using Microsoft.CodeAnalysis;

namespace Hmm.Analyzers.Tests;

public class DescriptorTests
{
    public static TheoryData<string> Ids => new() { "HMM001", "HMM002", "HMM003", "HMM004", "HMM005", "HMM006" };

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_rule_has_one_descriptor_with_its_help_link(string id)
    {
        var descriptor = Assert.Single(AllDescriptors(), d => d.Id == id);
        Assert.Equal(Descriptors.HelpLink(id), descriptor.HelpLinkUri);
        Assert.EndsWith("docs/rules/" + id + ".md", descriptor.HelpLinkUri);
        Assert.Equal(DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);
        var expectedCategory = id is "HMM001" or "HMM004" ? Descriptors.MigrationCategory : Descriptors.LifetimeCategory;
        Assert.Equal(expectedCategory, descriptor.Category);
    }

    internal static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        typeof(Descriptors).GetFields()
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!);
}
