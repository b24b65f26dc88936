using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hmm.Analyzers;

namespace Hmm.Migrate.Output;

/// <summary>Writes a report as text (sites, then the diff), JSON, or SARIF 2.1.0.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(MigrationReport report, MigrationOptions options, TextWriter output)
    {
        switch (options.Format)
        {
            case OutputFormat.Json:
                output.WriteLine(ToJson(report).ToJsonString(Json));
                break;
            case OutputFormat.Sarif:
                output.WriteLine(ToSarif(report).ToJsonString(Json));
                break;
            default:
                WriteText(report, output);
                break;
        }
    }

    private static void WriteText(MigrationReport report, TextWriter output)
    {
        foreach (Site site in report.Sites)
        {
            output.WriteLine($"{site.File}:{site.Line}: {site.Rule}: {site.Message}");
            output.WriteLine(site.Fix is not null ? $"    fix: {site.Fix}" : $"    not fixed: {site.WhyNot}");
        }

        int fixable = report.Sites.Count(s => s.Fix is not null);
        output.WriteLine($"{report.Sites.Count} HMM site(s), {fixable} with a fix; {report.Changes.Count} file(s) {(report.Applied ? "changed" : "to change")}, {report.Remaining.Count} site(s) remain after migration");
        foreach (Site site in report.Remaining)
        {
            output.WriteLine($"remains after migration: {site.File}:{site.Line}: {site.Rule}: {site.Message}");
        }

        foreach (string problem in report.Problems)
        {
            output.WriteLine("problem: " + problem);
        }

        if (!report.Applied && report.Changes.Count > 0)
        {
            output.WriteLine();
            output.Write(UnifiedDiff.Render(report.Changes));
        }
    }

    private static JsonObject ToJson(MigrationReport report) => new()
    {
        ["input"] = report.Input,
        ["applied"] = report.Applied,
        ["sites"] = new JsonArray([.. report.Sites.Select(SiteJson)]),
        ["remaining"] = new JsonArray([.. report.Remaining.Select(SiteJson)]),
        ["changedFiles"] = new JsonArray([.. report.Changes.Select(c => (JsonNode?)JsonValue.Create(c.File))]),
        ["diff"] = UnifiedDiff.Render(report.Changes),
        ["rounds"] = new JsonArray([.. report.Rounds.Select(r => (JsonNode?)JsonValue.Create(r))]),
        ["problems"] = new JsonArray([.. report.Problems.Select(p => (JsonNode?)JsonValue.Create(p))]),
    };

    private static JsonNode SiteJson(Site site) => new JsonObject
    {
        ["file"] = site.File,
        ["line"] = site.Line,
        ["column"] = site.Column,
        ["rule"] = site.Rule,
        ["severity"] = site.Severity,
        ["message"] = site.Message,
        ["fix"] = site.Fix,
        ["whyNot"] = site.WhyNot,
    };

    // The results are the diagnostics of the code as it is on disk after the run: the input's
    // for a dry run, what remains after --apply. That is what a CI upload should show.
    private static JsonObject ToSarif(MigrationReport report)
    {
        var results = report.OnDisk;
        var rules = results.Select(s => s.Rule).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(id => (JsonNode)new JsonObject
        {
            ["id"] = id,
            ["helpUri"] = Descriptors.HelpLink(id),
        });
        return new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject
                {
                    ["driver"] = new JsonObject
                    {
                        ["name"] = "hmm-migrate",
                        ["informationUri"] = "https://github.com/hmm-analyzers/hmm-analyzers",
                        ["rules"] = new JsonArray([.. rules]),
                    },
                },
                ["originalUriBaseIds"] = new JsonObject
                {
                    ["SRCROOT"] = new JsonObject { ["uri"] = new Uri(Path.GetDirectoryName(report.Input)! + Path.DirectorySeparatorChar).AbsoluteUri },
                },
                ["results"] = new JsonArray([.. results.Select(SarifResult)]),
            }),
        };
    }

    private static JsonNode SarifResult(Site site) => new JsonObject
    {
        ["ruleId"] = site.Rule,
        ["level"] = site.Severity switch { "error" => "error", "warning" => "warning", "info" => "note", _ => "none" },
        ["message"] = new JsonObject { ["text"] = site.Message },
        ["locations"] = new JsonArray(new JsonObject
        {
            ["physicalLocation"] = new JsonObject
            {
                ["artifactLocation"] = new JsonObject { ["uri"] = site.File, ["uriBaseId"] = "SRCROOT" },
                ["region"] = new JsonObject { ["startLine"] = site.Line, ["startColumn"] = site.Column },
            },
        }),
        ["properties"] = new JsonObject { ["fix"] = site.Fix, ["whyNot"] = site.WhyNot },
    };
}
