using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace SegMan.Edge.Integration.Tests.Reliability;

/// <summary>
/// The built agent (segman-edge.dll) as a child process run by <c>dotnet</c> from the repository root, as an operator
/// would run it: killable with SIGKILL like a power cut, and always killed at dispose.
/// </summary>
internal sealed partial class AgentProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private AgentProcess(Process process) => _process = process;

    /// <summary>segman-edge.dll copied next to the test assembly, else the agent project's own build output.</summary>
    public static string AgentDll
    {
        get
        {
            var besideTests = Path.Combine(AppContext.BaseDirectory, "segman-edge.dll");
            if (File.Exists(besideTests))
            {
                return besideTests;
            }

            var configuration = typeof(AgentProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var built = RepositoryPaths.Combine("src", "Edge.Agent", "bin", configuration, "net10.0", "segman-edge.dll");
            return File.Exists(built)
                ? built
                : throw new FileNotFoundException($"segman-edge.dll was found neither in {AppContext.BaseDirectory} nor at {built}: build src/Edge.Agent first.");
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string StandardOutput => Read(_stdout);

    public string StandardError => Read(_stderr);

    /// <summary>Everything the agent printed, for failure messages.</summary>
    public string Output => $"--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";

    public static AgentProcess Start(params string[] overrides)
    {
        // The SDK tells test hosts which dotnet runs them; fall back to the one on the PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(AgentDll);
        foreach (var argument in overrides)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) => Append(agent._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(agent._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Waits (bounded) for the agent to exit on its own and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The agent did not exit within {timeout}.\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed, like a power cut or the OOM killer.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGTERM: the agent stops cleanly (as systemd stops it); killed if it takes longer than <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, SigTerm);
        try
        {
            await WaitForExitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await KillHardAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
