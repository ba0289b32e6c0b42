using System.ComponentModel;
using System.Diagnostics;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>
/// One running ffmpeg/ffprobe child: stdout as a stream, the tail of stderr for messages, and a kill of the
/// whole process tree. The arguments are passed as a list, so URLs need no quoting.
/// </summary>
internal sealed class FfmpegProcess : IAsyncDisposable
{
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(2);
    private readonly Process _process;

    private FfmpegProcess(Process process)
    {
        _process = process;
    }

    public Stream Output => _process.StandardOutput.BaseStream;

    public StderrTail Errors { get; } = new();

    public int Id => _process.Id;

    /// <summary>Starts <paramref name="fileName"/>; a missing binary becomes a <see cref="FrameSourceException"/> saying to install it.</summary>
    public static FfmpegProcess Start(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new FrameSourceException(
                $"Could not run '{fileName}' ({e.Message}): install ffmpeg (Debian, Ubuntu and JetPack: apt-get install ffmpeg) " +
                "or put the ffmpeg and ffprobe binaries on the PATH.", e);
        }

        var running = new FfmpegProcess(process);
        process.ErrorDataReceived += (_, e) => running.Errors.Add(e.Data);
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>The exit code once the process ended within <paramref name="wait"/>; null while it still runs.</summary>
    public async ValueTask<int?> WaitForExitAsync(TimeSpan wait)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(wait).ConfigureAwait(false);
            _process.WaitForExit(); // Flushes the stderr reader.
            return _process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Kills the process tree (if still running) and waits briefly for it; returns the exit code when known.</summary>
    public async ValueTask<int?> StopAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        return await WaitForExitAsync(ExitWait).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }
}
