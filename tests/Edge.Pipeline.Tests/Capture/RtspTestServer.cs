using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>
/// A real RTSP server on 127.0.0.1 (GStreamer's rtsp-server through TestData/capture/rtsp_server.py) serving a
/// moving test pattern as RTP/JPEG. It can be killed, frozen and started again on the same port.
/// </summary>
internal sealed class RtspTestServer : IDisposable
{
    public const string Mount = "/cam";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private ExternalProcess? _process;

    private RtspTestServer(int port, int width, int height, int fps)
    {
        Port = port;
        Width = width;
        Height = height;
        Fps = fps;
    }

    public int Port { get; }

    public int Width { get; }

    public int Height { get; }

    public int Fps { get; }

    public string Url => $"rtsp://127.0.0.1:{Port}{Mount}";

    public ExternalProcess Process => _process ?? throw new InvalidOperationException("The server is not running.");

    public static async Task<RtspTestServer> StartAsync(int width = 320, int height = 240, int fps = 15)
    {
        var server = new RtspTestServer(FreePort(), width, height, fps);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server again (on the same port) after <see cref="Kill"/>.</summary>
    public async Task RestartAsync()
    {
        Kill();
        _process = ExternalProcess.Start(
            TestData.Python,
            TestData.CapturePath("rtsp_server.py"),
            Port.ToString(CultureInfo.InvariantCulture),
            Mount,
            Width.ToString(CultureInfo.InvariantCulture),
            Height.ToString(CultureInfo.InvariantCulture),
            Fps.ToString(CultureInfo.InvariantCulture));
        await _process.WaitForLineAsync("^READY ", StartTimeout);
    }

    public void Kill()
    {
        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
