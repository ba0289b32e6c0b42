using System.Buffers;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>Encodes a row-major label map (one class id per byte) for the wire.</summary>
public interface IMaskEncoder
{
    MaskFormat Format { get; }

    /// <summary>Appends the encoded mask to <paramref name="output"/>.</summary>
    void Encode(ReadOnlySpan<byte> labels, int width, int height, IBufferWriter<byte> output);
}
