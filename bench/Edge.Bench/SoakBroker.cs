using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SegMan.Edge.Bench;

/// <summary>
/// A real mosquitto on a free loopback port with persistence in a temporary folder, stopped and started again on the
/// same port. Stopped with SIGTERM: mosquitto then saves its sessions, so a fleet subscriber's persistent session (and
/// the summaries queued for it) survives; the agent sees its connection drop exactly as with a crash.
/// </summary>
internal sealed partial class SoakBroker : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly string _configPath;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private SoakBroker(string folder, int port)
    {
        Port = port;
        _configPath = Path.Combine(folder, "mosquitto.conf");
        File.WriteAllText(_configPath, $"""
            persistence true
            persistence_location {folder}/
            log_dest stderr
            log_type error
            log_type warning
            user {Environment.UserName}
            listener {port} 127.0.0.1
            allow_anonymous true
            """);
    }

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<SoakBroker> StartAsync(string folder)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var broker = new SoakBroker(folder, port);
        await broker.StartAgainAsync();
        return broker;
    }

    public async Task StartAgainAsync()
    {
        var executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed: apt-get install mosquitto");
        var process = new Process { StartInfo = new ProcessStartInfo(executable, ["-c", _configPath]) { RedirectStandardError = true, RedirectStandardOutput = true } };
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port).WaitAsync(TimeSpan.FromSeconds(1));
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException($"mosquitto did not start on port {Port}:\n{_log}", exception);
            }
        }
    }

    /// <summary>SIGTERM, then waits (bounded) for the process to end; killed if it does not.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null || process.HasExited)
        {
            process?.Dispose();
            return;
        }

        _ = Kill(process.Id, SigTerm);
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
