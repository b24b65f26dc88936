using System.Text.Json;
using System.Text.Json.Nodes;
using Hmm.Package.Tests.Infrastructure;

namespace Hmm.Package.Tests;

/// <summary>
/// The editor path, squiggles: csharp-ls (a Roslyn language server) opens a consumer and reports
/// the package's diagnostics, as an editor shows them.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class LanguageServerTests(PackagedConsumers consumers)
{
    private const string ServerVersion = "0.28.0";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DiagnosticsDeadline = TimeSpan.FromMinutes(4);
    private const int Warning = 2; // LSP DiagnosticSeverity

    [Fact]
    public async Task Squiggle_shows_HMM001_on_the_mm_argument_with_message_and_help_link_unless_editorconfig_turns_it_off()
    {
        await using var session = await OpenSessionAsync();

        var legacy = await DiagnosticsAsync(session, PackagedConsumers.Legacy, items => items.Any(i => Code(i) == "HMM001"));
        var hmm001 = Assert.Single(legacy, i => Code(i) == "HMM001");
        var line = BuildTests.LineOf(DriverSources.SvmFile, DriverSources.LegacyRangeRegisterLine) - 1;
        var sourceLine = DriverSources.LegacySvm.Split('\n')[line];
        var mm = sourceLine.IndexOf("svmm.Mm", StringComparison.Ordinal);
        var range = hmm001.GetProperty("range");
        // The squiggle is exactly the mm argument: what the fix replaces.
        Assert.Equal(line, range.GetProperty("start").GetProperty("line").GetInt32());
        Assert.Equal(mm, range.GetProperty("start").GetProperty("character").GetInt32());
        Assert.Equal(line, range.GetProperty("end").GetProperty("line").GetInt32());
        Assert.Equal(mm + "svmm.Mm".Length, range.GetProperty("end").GetProperty("character").GetInt32());
        Assert.Equal(Warning, hmm001.GetProperty("severity").GetInt32());
        var message = hmm001.GetProperty("message").GetString()!;
        Assert.Contains("'svmm.Mm'", message, StringComparison.Ordinal);
        Assert.Contains("'svmm.Mirror'", message, StringComparison.Ordinal);
        Assert.Equal(
            "https://github.com/hmm-analyzers/hmm-analyzers/blob/main/docs/rules/HMM001.md",
            hmm001.GetProperty("codeDescription").GetProperty("href").GetString());

        // The same code where .editorconfig sets HMM001 to none: HMM004 shows that the
        // analyzers ran there, and HMM001 is not among their results.
        var silenced = await DiagnosticsAsync(session, PackagedConsumers.Silenced, items => items.Any(i => Code(i) == "HMM004"));
        Assert.DoesNotContain(silenced, i => Code(i) == "HMM001");
    }

    /// <summary>csharp-ls on the editor solution (<see cref="PackagedConsumers.OpenInEditor"/>), analyzers enabled.</summary>
    private async Task<LanguageServerClient> OpenSessionAsync()
    {
        var server = await InstallServerAsync();
        var settings = new JsonObject { ["csharp"] = new JsonObject { ["analyzersEnabled"] = true } };
        var rootUri = new Uri(consumers.Root).AbsoluteUri;

        var client = LanguageServerClient.Start(server, consumers.Root, settings, "--solution", "Editor.slnx", "--loglevel", "info");
        try
        {
            await client.RequestAsync("initialize", new
            {
                processId = Environment.ProcessId,
                rootUri,
                workspaceFolders = new[] { new { uri = rootUri, name = "consumers" } },
                initializationOptions = settings,
                capabilities = new
                {
                    workspace = new { configuration = true, didChangeConfiguration = new { dynamicRegistration = false } },
                    textDocument = new
                    {
                        publishDiagnostics = new { relatedInformation = true, codeDescriptionSupport = true },
                        diagnostic = new { dynamicRegistration = false, relatedDocumentSupport = false },
                    },
                },
            }, RequestTimeout);
            await client.NotifyAsync("initialized", new { });
            await client.NotifyAsync("workspace/didChangeConfiguration", new { settings });
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the project's <see cref="DriverSources.SvmFile"/> and asks for its diagnostics until <paramref name="done"/>.</summary>
    private async Task<List<JsonElement>> DiagnosticsAsync(LanguageServerClient client, string project, Func<List<JsonElement>, bool> done)
    {
        var file = consumers.SourceFile(project, DriverSources.SvmFile);
        var uri = new Uri(file).AbsoluteUri;
        await client.NotifyAsync("textDocument/didOpen", new
        {
            textDocument = new { uri, languageId = "csharp", version = 1, text = File.ReadAllText(file) },
        });

        // The server loads the solution in the background: ask until the analyzers have spoken.
        var deadline = DateTime.UtcNow + DiagnosticsDeadline;
        var items = new List<JsonElement>();
        while (DateTime.UtcNow < deadline)
        {
            var report = await client.RequestAsync("textDocument/diagnostic", new { textDocument = new { uri } }, RequestTimeout);
            items = report.TryGetProperty("items", out var array) ? array.EnumerateArray().ToList() : [];
            if (done(items))
            {
                return items;
            }

            var pushed = client.Notifications("textDocument/publishDiagnostics")
                .LastOrDefault(p => p.GetProperty("uri").GetString() == uri);
            if (pushed.ValueKind == JsonValueKind.Object && done(pushed.GetProperty("diagnostics").EnumerateArray().ToList()))
            {
                return pushed.GetProperty("diagnostics").EnumerateArray().ToList();
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException(
            $"csharp-ls gave no expected diagnostics for {file} within {DiagnosticsDeadline}; last: {JsonSerializer.Serialize(items)}\n{client.Transcript}");
    }

    private static string? Code(JsonElement diagnostic) =>
        diagnostic.TryGetProperty("code", out var code) ? code.ToString() : null;

    private async Task<string> InstallServerAsync()
    {
        var toolPath = Path.Combine(consumers.Root, "tools");
        var server = Path.Combine(toolPath, "csharp-ls");
        if (!File.Exists(server))
        {
            // From the repository root: the machine's NuGet sources and cache, not the test feed.
            var install = await Cli.DotnetAsync(Repository.Root, InstallTimeout,
                "tool", "install", "csharp-ls", "--version", ServerVersion, "--tool-path", toolPath);
            Assert.True(install.ExitCode == 0, install.ToString());
        }

        return server;
    }
}
