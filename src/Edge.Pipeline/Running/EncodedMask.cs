using System.Buffers;

namespace SegMan.Edge.Pipeline.Running;

/// <summary>How a label map travels on the wire.</summary>
public enum MaskFormat
{
    /// <summary>8-bit indexed PNG with the class palette.</summary>
    Png,

    /// <summary>Row-major run-length encoding (see README, MQTT contract).</summary>
    Rle,
}

/// <summary>A label map encoded for publishing; the buffer is reused frame after frame.</summary>
public sealed class EncodedMask
{
    public ArrayBufferWriter<byte> Buffer { get; } = new(64 * 1024);

    public MaskFormat Format { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    /// <summary>True when this frame carries a freshly encoded mask (masks are sent at their own rate).</summary>
    public bool IsPresent { get; set; }

    public string ContentType => Format == MaskFormat.Png ? "image/png" : "application/x-segman-rle";

    public void Clear()
    {
        Buffer.ResetWrittenCount();
        IsPresent = false;
    }
}
