using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>A child process for tests (media generator, RTSP or HTTP server), killed with its tree on dispose.</summary>
internal sealed class ExternalProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Seen)> _waiters = [];

    private ExternalProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ExternalProcess Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var external = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) => external.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => external.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return external;
    }

    /// <summary>Runs a command to completion within <paramref name="timeout"/> and fails the test on a non-zero exit.</summary>
    public static async Task RunAsync(TimeSpan timeout, string fileName, params string[] arguments)
    {
        using ExternalProcess process = Start(fileName, arguments);
        using var cts = new CancellationTokenSource(timeout);
        await process._process.WaitForExitAsync(cts.Token);
        process._process.WaitForExit();
        Assert.True(process._process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} failed:\n{process.Output}");
    }

    /// <summary>Waits until a line of output matches <paramref name="pattern"/>; fails with the output after <paramref name="timeout"/>.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var waiter = (new Regex(pattern), new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_output)
        {
            foreach (string line in _output.ToString().Split('\n'))
            {
                Match match = waiter.Item1.Match(line);
                if (match.Success)
                {
                    return match;
                }
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Item2.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No line matching '{pattern}' within {timeout}; output:\n{Output}");
        }
    }

    public void Signal(int signal) => Assert.Equal(0, Posix.Kill(_process.Id, signal));

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Posix.Kill(_process.Id, Posix.SigCont);
            Kill();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append(line).Append('\n');
            foreach (var (pattern, seen) in _waiters)
            {
                Match match = pattern.Match(line);
                if (match.Success)
                {
                    seen.TrySetResult(match);
                }
            }
        }
    }
}
