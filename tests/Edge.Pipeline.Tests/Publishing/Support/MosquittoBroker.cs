using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace SegMan.Edge.Pipeline.Tests.Publishing.Support;

/// <summary>
/// A real mosquitto (Debian package "mosquitto") started by a test from a generated config on a free
/// loopback port, stopped with SIGTERM (so it saves its persistence file) and killed at dispose.
/// </summary>
internal sealed partial class MosquittoBroker : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private MosquittoBroker(string directory, int port, string configPath)
    {
        Directory = directory;
        Port = port;
        ConfigPath = configPath;
    }

    public string Directory { get; }

    public int Port { get; }

    public string ConfigPath { get; }

    /// <summary>What mosquitto printed, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static string Executable =>
        new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mosquitto is not installed: apt-get install mosquitto");

    public static string PasswdExecutable =>
        new[] { "/usr/bin/mosquitto_passwd", "/usr/local/bin/mosquitto_passwd" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mosquitto_passwd is not installed: apt-get install mosquitto");

    /// <summary>
    /// Writes a config (a loopback listener on a free port, persistence in <paramref name="directory"/>, plus
    /// <paramref name="listenerSettings"/>) and starts mosquitto with it.
    /// </summary>
    public static async Task<MosquittoBroker> StartAsync(string directory, string listenerSettings = "allow_anonymous true")
    {
        var port = TestPorts.Free();
        var configPath = Path.Combine(directory, "mosquitto.conf");
        var config = $"""
            per_listener_settings false
            persistence true
            persistence_location {directory}/
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            user {Environment.UserName}
            listener {port} 127.0.0.1
            {listenerSettings}
            """;
        await File.WriteAllTextAsync(configPath, config);
        var broker = new MosquittoBroker(directory, port, configPath);
        await broker.StartAgainAsync();
        return broker;
    }

    /// <summary>Creates a mosquitto password file with one user.</summary>
    public static async Task CreatePasswordFileAsync(string path, string user, string password)
    {
        using var process = Process.Start(new ProcessStartInfo(PasswdExecutable, ["-c", "-b", path, user, password])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_passwd failed: {await process.StandardError.ReadToEndAsync()}");
        }
    }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>(Re)starts mosquitto with the same config and port; waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(Executable, ["-c", ConfigPath])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            },
        };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        try
        {
            await TestPorts.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(10));
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException($"mosquitto did not start on port {Port}: {Log}", exception);
        }
    }

    /// <summary>Stops mosquitto with SIGTERM (it saves sessions and queued messages) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, SigTerm);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }

        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        var process = _process;
        if (process is not null && !process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }

        process?.Dispose();
        _process = null;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
