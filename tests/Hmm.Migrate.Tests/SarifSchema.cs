using System.Text.Json;
using Json.Schema;

namespace Hmm.Migrate.Tests;

/// <summary>Validates SARIF against the SARIF 2.1.0 JSON schema (from the SARIF SDK's package).</summary>
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

    // The SARIF SDK's copy of the schema is written in draft 2020-12, which the validator knows.
    private static JsonSchema Load() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "sarif-2.1.0.json")));
}
