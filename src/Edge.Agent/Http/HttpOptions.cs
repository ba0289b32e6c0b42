namespace SegMan.Edge.Agent.Http;

/// <summary>
/// The <c>SegMan:Http</c> section: the agent's own web endpoint (live view, <c>/healthz</c>, <c>/readyz</c>,
/// <c>/metrics</c>). Off unless enabled, so a production install opens no port it was not told to.
/// </summary>
public sealed class HttpOptions
{
    public const string SectionName = "SegMan:Http";

    public bool Enabled { get; set; }

    /// <summary>Where Kestrel listens, <c>;</c>-separated (<c>http://0.0.0.0:8080</c> for every interface; port 0 picks a free one).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Most overlay frames per second each camera's live stream renders (only while someone watches).</summary>
    public double OverlayFps { get; set; } = 5;

    /// <summary>JPEG quality of the overlay frames, 1 to 100.</summary>
    public int JpegQuality { get; set; } = 80;

    /// <summary><c>/readyz</c> calls a camera not ready when its last processed frame is older than this.</summary>
    public double ReadyFrameAgeSeconds { get; set; } = 10;
}
