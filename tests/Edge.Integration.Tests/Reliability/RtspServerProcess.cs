using System.Diagnostics;
using System.Globalization;
using System.Text;
using SegMan.Edge.Pipeline.Tests.Publishing.Support;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// The capture tests' GStreamer RTSP server (tests/Edge.Pipeline.Tests/TestData/capture/rtsp_server.py) serving a
/// moving test pattern on 127.0.0.1: killed like a camera losing power, and started again on the same port.
/// </summary>
internal sealed class RtspServerProcess : IDisposable
{
    private const string Mount = "/cam";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RtspServerProcess(int port) => Port = port;

    public int Port { get; }

    public string Url => $"rtsp://127.0.0.1:{Port}{Mount}";

    /// <summary>Debian's interpreter, which has python3-gi; another python3 on the PATH may not.</summary>
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static async Task<RtspServerProcess> StartAsync()
    {
        var server = new RtspServerProcess(TestPorts.Free());
        await server.RestartAsync();
        return server;
    }

    /// <summary>(Re)starts the server on the same port and waits until it says it accepts connections.</summary>
    public async Task RestartAsync()
    {
        Kill();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { RepositoryPaths.Combine("tests", "Edge.Pipeline.Tests", "TestData", "capture", "rtsp_server.py"), Port.ToString(CultureInfo.InvariantCulture), Mount, "320", "240", "15" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, ready);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, ready);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            await ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The RTSP server did not get ready within {StartTimeout}; output:\n{Output}");
        }
    }

    /// <summary>Kills the server at once (SIGKILL): its clients see the connection drop with no RTSP teardown.</summary>
    public void Kill()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }

    public void Dispose() => Kill();

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void OnLine(string? line, TaskCompletionSource ready)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("READY ", StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }
}
