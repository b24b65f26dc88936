using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hmm.Package.Tests.Infrastructure;

/// <summary>
/// A minimal LSP client over a server's stdio (JSON-RPC with Content-Length framing), as an
/// editor drives a language server: requests with a bounded wait, notifications, and answers
/// to the server's own requests (workspace/configuration from <see cref="Settings"/>).
/// </summary>
public sealed class LanguageServerClient : IAsyncDisposable
{
    private readonly Process process;
    private readonly Stream input;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    private readonly ConcurrentQueue<JsonElement> notifications = new();
    private readonly StringBuilder log = new();
    private readonly Task reader;
    private int nextId;

    private LanguageServerClient(Process process, JsonObject settings)
    {
        this.process = process;
        Settings = settings;
        input = process.StandardInput.BaseStream;
        process.ErrorDataReceived += (_, e) => Log("stderr: " + e.Data);
        process.BeginErrorReadLine();
        reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>The client's settings, by section (e.g. <c>csharp</c>), as workspace/configuration returns them.</summary>
    public JsonObject Settings { get; }

    /// <summary>What the exchange looked like, for a failing test's message.</summary>
    public string Transcript
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static LanguageServerClient Start(string executable, string workingDirectory, JsonObject settings, params string[] arguments)
    {
        var info = Cli.StartInfo(executable, arguments, workingDirectory);
        return new LanguageServerClient(Process.Start(info)!, settings);
    }

    public async Task<JsonElement> RequestAsync(string method, object? parameters, TimeSpan timeout)
    {
        var id = Interlocked.Increment(ref nextId);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = response;
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = ToNode(parameters) });
        try
        {
            var message = await response.Task.WaitAsync(timeout);
            if (message.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"{method} failed: {error}\n{Transcript}");
            }

            return message.GetProperty("result");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No answer to {method} within {timeout}\n{Transcript}");
        }
        finally
        {
            pending.TryRemove(id, out _);
        }
    }

    public Task NotifyAsync(string method, object? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = ToNode(parameters) });

    /// <summary>Notifications received so far with that method, oldest first.</summary>
    public IEnumerable<JsonElement> Notifications(string method) =>
        notifications.Where(n => n.GetProperty("method").GetString() == method).Select(n => n.GetProperty("params"));

    /// <summary>Asks for shutdown, then ends the server whatever it does.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                await RequestAsync("shutdown", null, TimeSpan.FromSeconds(5));
                await NotifyAsync("exit", null);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            // The server is ended below either way.
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await reader.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            process.Dispose();
            writeLock.Dispose();
        }
    }

    private async Task SendAsync(JsonObject message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        Log("--> " + Shorten(message.ToJsonString()));
        await writeLock.WaitAsync();
        try
        {
            await input.WriteAsync(header);
            await input.WriteAsync(body);
            await input.FlushAsync();
        }
        finally
        {
            writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var output = process.StandardOutput.BaseStream;
        try
        {
            while (await ReadMessageAsync(output) is { } body)
            {
                using var document = JsonDocument.Parse(body);
                var message = document.RootElement.Clone();
                Log("<-- " + Shorten(body));
                var hasId = message.TryGetProperty("id", out var id);
                var hasMethod = message.TryGetProperty("method", out var method);
                if (hasId && hasMethod)
                {
                    await AnswerServerRequestAsync(id, method.GetString()!, message);
                }
                else if (hasId && id.ValueKind == JsonValueKind.Number && pending.TryGetValue(id.GetInt32(), out var response))
                {
                    response.TrySetResult(message);
                }
                else if (hasMethod)
                {
                    notifications.Enqueue(message);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Log("reader ended: " + e.Message);
        }
    }

    private async Task AnswerServerRequestAsync(JsonElement id, string method, JsonElement message)
    {
        JsonNode? result = null;
        if (method == "workspace/configuration")
        {
            var items = new JsonArray();
            foreach (var item in message.GetProperty("params").GetProperty("items").EnumerateArray())
            {
                var section = item.TryGetProperty("section", out var s) ? s.GetString() : null;
                items.Add(section is not null && Settings[section] is { } value ? value.DeepClone() : null);
            }

            result = items;
        }

        // Everything else (client/registerCapability, window/workDoneProgress/create, ...) is acknowledged.
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = JsonNode.Parse(id.GetRawText()), ["result"] = result });
    }

    private static async Task<string?> ReadMessageAsync(Stream stream)
    {
        var contentLength = -1;
        while (true)
        {
            var line = await ReadHeaderLineAsync(stream);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                break;
            }

            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(line["Content-Length:".Length..].Trim());
            }
        }

        var body = new byte[contentLength];
        await stream.ReadExactlyAsync(body);
        return Encoding.UTF8.GetString(body);
    }

    private static async Task<string?> ReadHeaderLineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            if (one[0] == '\n')
            {
                return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            }

            bytes.Add(one[0]);
        }
    }

    private static JsonNode? ToNode(object? value) => value is null ? null : JsonSerializer.SerializeToNode(value);

    private static string Shorten(string text) => text.Length <= 2000 ? text : text[..2000] + "...";

    private void Log(string line)
    {
        lock (log)
        {
            log.AppendLine(line);
        }
    }
}
