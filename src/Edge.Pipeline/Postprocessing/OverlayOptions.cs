namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// An optional overlay PNG (frame + coloured mask) written to disk for a person to look at
/// (<c>SegMan:Masks:Overlay</c>): one file per camera, replaced as new overlays are drawn. Drawing and writing a
/// full-size PNG takes tens of milliseconds on the postprocessing stage, so keep <see cref="EveryNFrames"/> large.
/// </summary>
public sealed record OverlayOptions
{
    public bool Enabled { get; set; }

    /// <summary>The folder the overlays go to, as <c>&lt;camera&gt;.png</c>.</summary>
    public string Path { get; set; } = "artifacts/overlay";

    /// <summary>Draw an overlay on every Nth frame (sequence % N == 0).</summary>
    public int EveryNFrames { get; set; } = 30;

    /// <summary>Weight of the mask colours over the frame, 0 (frame only) to 1 (mask only).</summary>
    public double Alpha { get; set; } = 0.5;
}
