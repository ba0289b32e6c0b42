using Microsoft.ML.OnnxRuntime.Tensors;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>A graph input or output the segmenter binds: its name, element type and fixed shape.</summary>
internal sealed record TensorSpec(string Name, TensorElementKind Kind, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (count, dim) => count * dim);

    public TensorElementType OrtType => Kind switch
    {
        TensorElementKind.Float32 => TensorElementType.Float,
        TensorElementKind.Float16 => TensorElementType.Float16,
        TensorElementKind.UInt8 => TensorElementType.UInt8,
        TensorElementKind.Int64 => TensorElementType.Int64,
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    /// <summary>True when <paramref name="buffer"/> has this element type and shape.</summary>
    public bool Fits(TensorBuffer? buffer)
    {
        if (buffer is null || buffer.Kind != Kind || buffer.Shape.Count != Shape.Length)
        {
            return false;
        }

        for (var i = 0; i < Shape.Length; i++)
        {
            if (buffer.Shape[i] != Shape[i])
            {
                return false;
            }
        }

        return true;
    }

    public string Describe() => $"{Kind} ({string.Join(", ", Shape)})";

    /// <summary>The buffer kind for a manifest/graph element type name (float32, float16, uint8, int64).</summary>
    public static TensorElementKind KindOf(string elementType) => elementType.ToLowerInvariant() switch
    {
        "float32" => TensorElementKind.Float32,
        "float16" => TensorElementKind.Float16,
        "uint8" => TensorElementKind.UInt8,
        "int64" => TensorElementKind.Int64,
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Unsupported tensor element type"),
    };
}
