using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SegMan.Edge.Agent.Tests.Http;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket and JSON messages; events are ignored).
/// Every call is bounded by <see cref="CallTimeout"/>.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Starts Chromium with an empty profile and opens <paramref name="url"/> in a page of the given size.</summary>
    public static async Task<HeadlessChromium> OpenAsync(Uri url, int width, int height)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install Debian's chromium package (scripts/setup.sh does).");
        }

        var profile = Directory.CreateTempSubdirectory("segman-chromium-").FullName;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
            $"--user-data-dir={profile}", "--remote-debugging-port=0", $"--window-size={width},{height}", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start.");
        var browser = new HeadlessChromium(process, profile);
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            var browserSocket = await ReadDevToolsAddressAsync(process, timeout.Token);
            process.BeginOutputReadLine();

            // The browser endpoint makes the page; the page's own endpoint drives it.
            using (var control = new ClientWebSocket())
            {
                await control.ConnectAsync(browserSocket, timeout.Token);
                var target = await CallAsync(control, 1, "Target.createTarget", new JsonObject { ["url"] = url.ToString() }, timeout.Token);
                var page = new Uri(browserSocket, $"/devtools/page/{target["targetId"]!.GetValue<string>()}");
                await browser._socket.ConnectAsync(page, timeout.Token);
                await control.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }

            // The window size includes the browser's own frame; fix the page's viewport itself.
            await CallAsync(browser._socket, Interlocked.Increment(ref browser._nextId), "Emulation.setDeviceMetricsOverride", new JsonObject
            {
                ["width"] = width,
                ["height"] = height,
                ["deviceScaleFactor"] = 1,
                ["mobile"] = false,
            }, timeout.Token);

            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page (awaiting a promise) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        var result = await CallAsync(_socket, Interlocked.Increment(ref _nextId), "Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        }, timeout.Token);
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"The page threw: {exception.ToJsonString()}");
        }

        return result["result"]?["value"];
    }

    /// <summary>A PNG of the page as it is drawn now.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        var result = await CallAsync(_socket, Interlocked.Increment(ref _nextId), "Page.captureScreenshot", new JsonObject { ["format"] = "png" }, timeout.Token);
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the temp folder is cleaned up eventually.
        }
    }

    // Chromium prints "DevTools listening on ws://127.0.0.1:<port>/devtools/browser/<id>" on stderr when ready.
    private static async Task<Uri> ReadDevToolsAddressAsync(Process process, CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        while (await process.StandardError.ReadLineAsync(cancellationToken) is { } line)
        {
            seen.AppendLine(line);
            if (DevToolsListening().Match(line) is { Success: true } match)
            {
                // Keep draining stderr so Chromium never blocks on a full pipe.
                _ = Task.Run(async () =>
                {
                    while (await process.StandardError.ReadLineAsync(CancellationToken.None) is not null)
                    {
                    }
                }, CancellationToken.None);
                return new Uri(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException($"Chromium exited before opening DevTools:\n{seen}");
    }

    private static async Task<JsonNode> CallAsync(ClientWebSocket socket, int id, string method, JsonObject parameters, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        while (true)
        {
            var message = JsonNode.Parse(await ReceiveAsync(socket, cancellationToken))!;
            if (message["id"]?.GetValue<int>() != id)
            {
                continue;
            }

            if (message["error"] is { } error)
            {
                throw new InvalidOperationException($"DevTools {method} failed: {error.ToJsonString()}");
            }

            return message["result"]!;
        }
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var part = await socket.ReceiveAsync(buffer, cancellationToken);
            if (part.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("Chromium closed the DevTools connection.");
            }

            message.Write(buffer, 0, part.Count);
            if (part.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            }
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsListening();
}
