using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Hmm.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Hmm.Analyzers.Tests;

/// <summary>
/// Each rule's help link leads to a page in docs/rules that states the rule as its descriptor
/// does, and the release tracking file agrees with both.
/// </summary>
public class DocumentationTests
{
    private const string HelpLinkRepositoryPrefix = "/blob/main/";

    public static TheoryData<string> DescriptorIds
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var descriptor in AllDescriptors())
            {
                data.Add(descriptor.Id);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void The_help_link_leads_to_the_rule_page(string id)
    {
        var descriptor = Descriptor(id);
        var marker = descriptor.HelpLinkUri.IndexOf(HelpLinkRepositoryPrefix, StringComparison.Ordinal);
        Assert.True(marker > 0, $"{id}: help link '{descriptor.HelpLinkUri}' is not a link into the repository");
        var relativePath = descriptor.HelpLinkUri.Substring(marker + HelpLinkRepositoryPrefix.Length);
        Assert.Equal("docs/rules/" + id + ".md", relativePath);
        Assert.True(File.Exists(Path.Combine(RepositoryRoot.FullName, relativePath)), $"{id}: {relativePath} does not exist");
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void The_page_heading_is_the_id_and_the_exact_title(string id)
    {
        var descriptor = Descriptor(id);
        var firstLine = RulePage.Read(id).Lines[0];
        Assert.Equal($"# {descriptor.Id}: {descriptor.Title}", firstLine);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void The_page_table_states_the_descriptor(string id)
    {
        var descriptor = Descriptor(id);
        var table = RulePage.Read(id).Table;
        Assert.Equal(descriptor.Id, table["ID"]);
        Assert.Equal(descriptor.Category, table["Category"]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), table["Default severity"]);
        Assert.Equal(descriptor.IsEnabledByDefault ? "Yes" : "No", table["Enabled by default"]);
        Assert.Matches("^(Yes: .+|No)$", table["Fix available"]);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void The_page_says_what_why_how_and_how_to_configure(string id)
    {
        var descriptor = Descriptor(id);
        var page = RulePage.Read(id);
        foreach (var section in new[] { "## What it reports", "## Why", "## How to fix", "## When it stays silent", "## Configure severity" })
        {
            Assert.Contains(section, page.Lines);
        }

        Assert.Contains("```csharp", page.Text);
        Assert.Contains($"dotnet_diagnostic.{id}.severity = error", page.Text);
        Assert.Contains($"#pragma warning disable {id} // {descriptor.Title}", page.Text);
        Assert.Contains($"SuppressMessage(\"{descriptor.Category}\", \"{id}:{descriptor.Title}\"", page.Text);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void Links_between_rule_pages_resolve(string id)
    {
        foreach (Match link in Regex.Matches(RulePage.Read(id).Text, @"\]\((?<target>[^)#:]+\.md)\)"))
        {
            var target = link.Groups["target"].Value;
            Assert.True(File.Exists(Path.Combine(RulesDirectory.FullName, target)), $"{id}.md links to missing {target}");
        }
    }

    [Fact]
    public void Every_page_belongs_to_a_descriptor()
    {
        var ids = AllDescriptors().Select(d => d.Id).ToHashSet();
        var pages = RulesDirectory.GetFiles("*.md")
            .Select(f => Path.GetFileNameWithoutExtension(f.Name))
            .Where(name => name != "README")
            .ToList();
        Assert.NotEmpty(pages);
        Assert.All(pages, page => Assert.Contains(page, ids));
    }

    [Fact]
    public void The_index_lists_every_rule_with_its_title_category_and_severity()
    {
        var index = File.ReadAllLines(Path.Combine(RulesDirectory.FullName, "README.md"));
        foreach (var descriptor in AllDescriptors())
        {
            var row = $"| [{descriptor.Id}]({descriptor.Id}.md) | {descriptor.Title} | {descriptor.Category} | {descriptor.DefaultSeverity} |";
            Assert.Single(index, line => line.StartsWith(row, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_repository_readme_lists_every_rule_with_its_title()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryRoot.FullName, "README.md"));
        var rows = readme.Where(line => line.StartsWith("| [HMM", StringComparison.Ordinal)).ToList();
        var descriptors = AllDescriptors().ToList();
        Assert.Equal(descriptors.Count, rows.Count);
        foreach (var descriptor in descriptors)
        {
            var row = $"| [{descriptor.Id}](docs/rules/{descriptor.Id}.md) | {descriptor.Title} |";
            Assert.Single(rows, line => line.StartsWith(row, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_repository_stands_alone()
    {
        // A user who clones the repository has only the repository: no file may lean on one beside it.
        var outside = new Regex(@"\.\./shared\b|\bshared[/]spec\b");
        var offenders = new List<string>();
        foreach (var file in SourceAndDocumentFiles(RepositoryRoot))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (outside.IsMatch(lines[i]))
                {
                    offenders.Add($"{Path.GetRelativePath(RepositoryRoot.FullName, file)}:{i + 1}");
                }
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void Every_path_the_design_names_exists()
    {
        var design = File.ReadAllText(Path.Combine(RepositoryRoot.FullName, "docs", "design.md"));
        var paths = Regex.Matches(design, @"`(?<path>(src|tests|samples|benchmarks|docs)/[^`<>*]+)`")
            .Select(m => m.Groups["path"].Value.TrimEnd('/'))
            .ToList();
        Assert.NotEmpty(paths);
        Assert.All(paths, path => Assert.True(
            File.Exists(Path.Combine(RepositoryRoot.FullName, path)) || Directory.Exists(Path.Combine(RepositoryRoot.FullName, path)),
            $"docs/design.md names {path}, which does not exist"));

        // Each rule's row names its analyzer and its tests' folder, so a newcomer finds them by id.
        foreach (var descriptor in AllDescriptors())
        {
            Assert.Contains($"| {descriptor.Id} | `src/Hmm.Analyzers/{descriptor.Id}/", design);
        }
    }

    private static IEnumerable<string> SourceAndDocumentFiles(DirectoryInfo root)
    {
        var extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".cs", ".md", ".csproj", ".props", ".targets", ".json", ".globalconfig", ".editorconfig", ".sln", "" };
        var pending = new Stack<DirectoryInfo>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var sub in directory.EnumerateDirectories())
            {
                if (sub.Name is not (".git" or "bin" or "obj" or "artifacts" or "TestResults" or "node_modules"))
                {
                    pending.Push(sub);
                }
            }

            foreach (var file in directory.EnumerateFiles())
            {
                if (extensions.Contains(file.Extension) && file.Length < 1_000_000)
                {
                    yield return file.FullName;
                }
            }
        }
    }

    [Fact]
    public void Unshipped_release_notes_list_every_rule_with_its_category_and_severity()
    {
        var rows = ReleaseRows(Path.Combine(RepositoryRoot.FullName, "src", "Hmm.Analyzers", "AnalyzerReleases.Unshipped.md"));
        var descriptors = AllDescriptors().ToDictionary(d => d.Id);
        Assert.Equal(descriptors.Keys.OrderBy(k => k), rows.Select(r => r.Id).OrderBy(k => k));
        foreach (var row in rows)
        {
            Assert.Equal(descriptors[row.Id].Category, row.Category);
            Assert.Equal(descriptors[row.Id].DefaultSeverity.ToString(), row.Severity);
        }

        // The notes name the analyzer that reports the rule, for those that exist.
        foreach (var analyzer in Analyzers)
        {
            foreach (var descriptor in analyzer.SupportedDiagnostics)
            {
                Assert.Equal(analyzer.GetType().Name, rows.Single(r => r.Id == descriptor.Id).Notes);
            }
        }
    }

    [Fact]
    public void Analyzers_report_only_catalogued_descriptors()
    {
        var catalogue = CataloguedDescriptors();
        Assert.NotEmpty(Analyzers);
        Assert.All(
            Analyzers.SelectMany(a => a.SupportedDiagnostics),
            descriptor => Assert.Contains(catalogue, d => ReferenceEquals(d, descriptor)));
    }

    private static IReadOnlyList<DiagnosticAnalyzer> Analyzers => HmmTestReferences.Analyzers;

    internal static DirectoryInfo RepositoryRoot { get; } = FindRepositoryRoot();

    private static DirectoryInfo RulesDirectory => new(Path.Combine(RepositoryRoot.FullName, "docs", "rules"));

    /// <summary>
    /// What the analyzers report, plus the catalogue in Descriptors: a rule documented before
    /// its analyzer lands is still checked.
    /// </summary>
    private static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        Analyzers.SelectMany(a => a.SupportedDiagnostics)
            .Concat(CataloguedDescriptors())
            .GroupBy(d => d.Id)
            .Select(g => g.First())
            .OrderBy(d => d.Id, StringComparer.Ordinal);

    private static IReadOnlyList<DiagnosticDescriptor> CataloguedDescriptors() => DescriptorTests.AllDescriptors().ToList();

    private static DiagnosticDescriptor Descriptor(string id) => AllDescriptors().Single(d => d.Id == id);

    private static DirectoryInfo FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HmmAnalyzers.sln")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("HmmAnalyzers.sln not found above " + AppContext.BaseDirectory);
    }

    private static List<(string Id, string Category, string Severity, string Notes)> ReleaseRows(string path)
    {
        var rows = new List<(string, string, string, string)>();
        foreach (var line in File.ReadAllLines(path))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length == 4 && cells[0].StartsWith("HMM", StringComparison.Ordinal))
            {
                rows.Add((cells[0], cells[1], cells[2], cells[3]));
            }
        }

        return rows;
    }

    internal sealed class RulePage
    {
        private RulePage(string text)
        {
            Text = text;
            Lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            Table = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in Lines.SkipWhile(l => !l.StartsWith("| Property | Value |", StringComparison.Ordinal)).Skip(2))
            {
                if (!line.StartsWith("|", StringComparison.Ordinal))
                {
                    break;
                }

                var cells = line.Trim('|').Split('|');
                Table[cells[0].Trim()] = cells[1].Trim();
            }
        }

        public string Text { get; }

        public string[] Lines { get; }

        public Dictionary<string, string> Table { get; }

        /// <summary>The contents of the page's fenced blocks of <paramref name="language"/>, in order.</summary>
        public IReadOnlyList<string> FencedBlocks(string language)
        {
            var blocks = new List<string>();
            List<string>? current = null;
            foreach (var line in Lines)
            {
                if (current is null && line == "```" + language)
                {
                    current = new List<string>();
                }
                else if (current is not null && line.StartsWith("```", StringComparison.Ordinal))
                {
                    blocks.Add(string.Join("\n", current));
                    current = null;
                }
                else
                {
                    current?.Add(line);
                }
            }

            return blocks;
        }

        public static RulePage Read(string id) => new(File.ReadAllText(Path.Combine(RulesDirectory.FullName, id + ".md")));
    }
}
