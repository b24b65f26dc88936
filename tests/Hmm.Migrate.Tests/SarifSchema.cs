using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Hmm.Migrate.Tests;

/// <summary>Validates SARIF against the OASIS SARIF 2.1.0 JSON schema kept beside the tests.</summary>
internal static class SarifSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(Load);

    public static void AssertValid(string sarif)
    {
        using var document = JsonDocument.Parse(sarif);
        EvaluationResults results = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
        var errors = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"));
        Assert.True(results.IsValid, "not SARIF 2.1.0:\n" + string.Join("\n", errors));
    }

    // The schema is draft-04; it uses no keyword whose meaning later drafts changed (no boolean
    // exclusiveMinimum, no id-relative $ref), so it is evaluated as draft 7, which the validator
    // knows, with its draft-04 "id" left out.
    private static JsonSchema Load()
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "sarif-schema-2.1.0.json")))!.AsObject();
        node["$schema"] = "http://json-schema.org/draft-07/schema#";
        node.Remove("id");
        return JsonSchema.FromText(node.ToJsonString());
    }
}
