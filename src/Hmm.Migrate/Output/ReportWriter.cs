using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Globalization;
using Hmm.Analyzers;
using Microsoft.CodeAnalysis;

namespace Hmm.Migrate.Output;

/// <summary>Writes a report as text (sites, then the diff), JSON, or SARIF 2.1.0.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Writes the report; <paramref name="withDiff"/>: the text report ends with the diff (not
    /// when the diff goes elsewhere, --diff-only or --output).
    /// </summary>
    public static void Write(MigrationReport report, MigrationOptions options, int exitCode, TextWriter output, bool withDiff = true)
    {
        switch (options.Format)
        {
            case OutputFormat.Json:
                output.WriteLine(ToJson(report, exitCode).ToJsonString(Json));
                break;
            case OutputFormat.Sarif:
                output.WriteLine(ToSarif(report, exitCode).ToJsonString(Json));
                break;
            default:
                WriteText(report, output, withDiff);
                break;
        }
    }

    /// <summary>The first line of the text report: what was loaded, and whether anything is written.</summary>
    public static string Heading(MigrationReport report, bool withDiff) =>
        $"hmm-migrate {report.Input}: {report.Projects.Count} project(s) loaded ({string.Join(", ", report.Projects)}); "
        + (report.Applied ? "--apply: the changes are written to the files"
            : withDiff && report.Changes.Count > 0 ? "dry run: nothing is written (--apply writes the diff below)"
            : "dry run: nothing is written");

    private static void WriteText(MigrationReport report, TextWriter output, bool withDiff)
    {
        output.WriteLine(Heading(report, withDiff));
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

        foreach (CompileError error in report.CompileErrorsOnDisk)
        {
            output.WriteLine($"compile error: {error.File}:{error.Line}:{error.Column}: {error.Id}: {error.Message}");
        }

        foreach (string problem in report.Problems)
        {
            output.WriteLine("problem: " + problem);
        }

        if (withDiff && !report.Applied && report.Changes.Count > 0)
        {
            output.WriteLine();
            output.Write(UnifiedDiff.Render(report.Changes));
        }
    }

    private static JsonObject ToJson(MigrationReport report, int exitCode) => new()
    {
        ["input"] = report.Input,
        ["projects"] = new JsonArray([.. report.Projects.Select(p => (JsonNode?)JsonValue.Create(p))]),
        ["applied"] = report.Applied,
        ["exitCode"] = exitCode,
        ["sites"] = new JsonArray([.. report.Sites.Select(SiteJson)]),
        ["remaining"] = new JsonArray([.. report.Remaining.Select(SiteJson)]),
        ["changedFiles"] = new JsonArray([.. report.Changes.Select(c => (JsonNode?)JsonValue.Create(c.File))]),
        ["diff"] = UnifiedDiff.Render(report.Changes),
        ["rounds"] = new JsonArray([.. report.Rounds.Select(r => (JsonNode?)JsonValue.Create(r))]),
        ["problems"] = new JsonArray([.. report.Problems.Select(p => (JsonNode?)JsonValue.Create(p))]),
        ["compileErrors"] = new JsonArray([.. report.CompileErrorsOnDisk.Select(CompileErrorJson)]),
        ["compileErrorsAfterMigration"] = new JsonArray([.. report.CompileErrorsAfter.Select(CompileErrorJson)]),
    };

    private static JsonNode CompileErrorJson(CompileError error) => new JsonObject
    {
        ["file"] = error.File,
        ["line"] = error.Line,
        ["column"] = error.Column,
        ["id"] = error.Id,
        ["message"] = error.Message,
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
    // for a dry run, what remains after --apply. That is what a CI upload should show. The
    // compile errors of that code, and the run's problems, are the invocation's notifications.
    private static JsonObject ToSarif(MigrationReport report, int exitCode)
    {
        var results = report.OnDisk;
        var descriptors = HmmRules.Catalogue.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var ruleIds = results.Select(s => s.Rule).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var notifications = report.CompileErrorsOnDisk.Select(CompileErrorNotification)
            .Concat(report.Problems.Select(p => (JsonNode)new JsonObject { ["level"] = "warning", ["message"] = new JsonObject { ["text"] = p } }));
        return SarifLog(
            new JsonArray([.. ruleIds.Select(id => SarifRule(id, descriptors.GetValueOrDefault(id)))]),
            notifications,
            new JsonArray([.. results.Select(r => SarifResult(r, ruleIds.IndexOf(r.Rule)))]),
            exitCode,
            Path.GetDirectoryName(report.Input));
    }

    /// <summary>
    /// A run that stopped before a report (bad input, nothing loaded): in JSON or SARIF, still a
    /// document a machine can read, with the exit code and why, so that a CI step that uploads it
    /// does not get an empty file. Text output has the message on stderr only.
    /// </summary>
    public static void WriteFailure(OutputFormat format, int exitCode, string message, TextWriter output)
    {
        switch (format)
        {
            case OutputFormat.Json:
                output.WriteLine(new JsonObject
                {
                    ["exitCode"] = exitCode,
                    ["exitCodeDescription"] = ExitCodes.Describe(exitCode),
                    ["error"] = message,
                }.ToJsonString(Json));
                break;
            case OutputFormat.Sarif:
                var error = new JsonObject { ["level"] = "error", ["message"] = new JsonObject { ["text"] = message } };
                output.WriteLine(SarifLog(new JsonArray(), [error], new JsonArray(), exitCode, srcRoot: null).ToJsonString(Json));
                break;
        }
    }

    private static JsonObject SarifLog(JsonArray rules, IEnumerable<JsonNode> notifications, JsonArray results, int exitCode, string? srcRoot)
    {
        var run = new JsonObject
        {
            ["tool"] = new JsonObject
            {
                ["driver"] = new JsonObject
                {
                    ["name"] = "hmm-migrate",
                    ["informationUri"] = "https://github.com/hmm-analyzers/hmm-analyzers",
                    ["version"] = typeof(ReportWriter).Assembly.GetName().Version?.ToString(3),
                    ["rules"] = rules,
                },
            },
            ["invocations"] = new JsonArray(new JsonObject
            {
                ["commandLine"] = Environment.CommandLine,
                ["executionSuccessful"] = exitCode == ExitCodes.Success || exitCode == ExitCodes.CheckFailed,
                ["exitCode"] = exitCode,
                ["exitCodeDescription"] = ExitCodes.Describe(exitCode),
                ["toolExecutionNotifications"] = new JsonArray([.. notifications]),
            }),
        };
        if (srcRoot is not null)
        {
            run["originalUriBaseIds"] = new JsonObject
            {
                ["SRCROOT"] = new JsonObject { ["uri"] = new Uri(srcRoot + Path.DirectorySeparatorChar).AbsoluteUri },
            };
        }

        run["results"] = results;
        return new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(run),
        };
    }

    private static JsonNode SarifRule(string id, DiagnosticDescriptor? descriptor) => descriptor is null
        ? new JsonObject { ["id"] = id, ["helpUri"] = Descriptors.HelpLink(id) }
        : new JsonObject
        {
            ["id"] = id,
            ["name"] = RuleName(descriptor.Title.ToString(CultureInfo.InvariantCulture)),
            ["shortDescription"] = new JsonObject { ["text"] = descriptor.Title.ToString(CultureInfo.InvariantCulture) },
            ["fullDescription"] = new JsonObject { ["text"] = descriptor.Description.ToString(CultureInfo.InvariantCulture) },
            ["defaultConfiguration"] = new JsonObject
            {
                ["level"] = Level(descriptor.DefaultSeverity.ToString().ToLowerInvariant()),
                ["enabled"] = descriptor.IsEnabledByDefault,
            },
            ["helpUri"] = descriptor.HelpLinkUri,
            ["help"] = new JsonObject { ["text"] = $"{descriptor.Description.ToString(CultureInfo.InvariantCulture)} See {descriptor.HelpLinkUri}" },
            ["properties"] = new JsonObject { ["category"] = descriptor.Category },
        };

    // SARIF's rule name is an identifier-like word: the title in PascalCase.
    private static string RuleName(string title) => string.Concat(
        title.Split([' ', '\'', '-', ','], StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static string Level(string severity) => severity switch { "error" => "error", "warning" => "warning", "info" => "note", _ => "none" };

    private static JsonNode CompileErrorNotification(CompileError error) => new JsonObject
    {
        ["level"] = "error",
        ["message"] = new JsonObject { ["text"] = $"{error.Id}: {error.Message}" },
        ["descriptor"] = new JsonObject { ["id"] = error.Id },
        ["locations"] = new JsonArray(Location(error.File, error.Line, error.Column)),
    };

    private static JsonObject Location(string file, int line, int column) => new()
    {
        ["physicalLocation"] = new JsonObject
        {
            ["artifactLocation"] = new JsonObject { ["uri"] = file, ["uriBaseId"] = "SRCROOT" },
            ["region"] = new JsonObject { ["startLine"] = line, ["startColumn"] = column },
        },
    };

    private static JsonNode SarifResult(Site site, int ruleIndex) => new JsonObject
    {
        ["ruleId"] = site.Rule,
        ["ruleIndex"] = ruleIndex,
        ["level"] = Level(site.Severity),
        ["message"] = new JsonObject { ["text"] = site.Message },
        ["locations"] = new JsonArray(Location(site.File, site.Line, site.Column)),
        ["properties"] = new JsonObject { ["fix"] = site.Fix, ["whyNot"] = site.WhyNot },
    };
}
