using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>How label masks are encoded and how often (configuration section <c>SegMan:Masks</c>).</summary>
public sealed record MaskOptions
{
    public const string SectionName = "SegMan:Masks";

    /// <summary><c>png</c> (8-bit palette PNG) or <c>rle</c> (see <see cref="RleMaskEncoder"/>).</summary>
    public MaskFormat Format { get; set; } = MaskFormat.Png;

    /// <summary>Encode a mask on every Nth frame (sequence % N == 0); 0 never encodes one.</summary>
    public int EveryNFrames { get; set; } = 5;

    /// <summary>
    /// Mask width in pixels; unset = the label map width (the model input width when its manifest upsamples bilinearly,
    /// else the output width). Set with <see cref="Height"/>.
    /// </summary>
    public int? Width { get; set; }

    /// <summary>Mask height in pixels; unset = the label map height (see <see cref="Width"/>). Set with <see cref="Width"/>.</summary>
    public int? Height { get; set; }

    public OverlayOptions Overlay { get; set; } = new();
}
