using System.Text.RegularExpressions;

namespace Hmm.Migrate.Tests;

/// <summary>The rules' categories as README and the rule pages state them are the descriptors' own.</summary>
public sealed class CategoryDocumentationTests
{
    [Fact]
    public void Readme_and_the_rule_pages_name_each_rules_category()
    {
        var byCategory = HmmRules.Catalogue.GroupBy(d => d.Category).OrderByDescending(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"`{g.Key}` holds {string.Join(", ", g.Select(d => d.Id))}");
        string readme = File.ReadAllText(Path.Combine(RepoCopy.RepoRoot, "README.md")).ReplaceLineEndings(" ");
        Assert.Contains("Categories: " + string.Join("; ", byCategory) + ".", readme);
        Assert.Equal(["HMM001", "HMM004"], HmmRules.Catalogue.Where(d => d.Category == "HmmMigration").Select(d => d.Id));

        foreach (var descriptor in HmmRules.Catalogue)
        {
            string page = File.ReadAllText(Path.Combine(RepoCopy.RepoRoot, "docs", "rules", descriptor.Id + ".md"));
            Assert.Equal(descriptor.Category, Regex.Match(page, @"\| Category \| (\w+) \|").Groups[1].Value);
        }
    }
}
