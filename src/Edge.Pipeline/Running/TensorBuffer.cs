using System.Runtime.InteropServices;

namespace SegMan.Edge.Pipeline.Running;

/// <summary>Element types a model input or output may use.</summary>
public enum TensorElementKind
{
    Float32,
    Float16,
    UInt8,
    Int64,
}

/// <summary>
/// A dense tensor in one pinned buffer, allocated once per pooled frame and reused, so ONNX Runtime
/// can read and write it in place.
/// </summary>
public sealed class TensorBuffer
{
    private readonly byte[] _bytes;

    public TensorBuffer(TensorElementKind kind, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Kind = kind;
        Shape = shape;
        ElementCount = 1;
        foreach (var dim in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
            ElementCount *= dim;
        }

        _bytes = GC.AllocateUninitializedArray<byte>(checked((int)(ElementCount * ElementSize(kind))), pinned: true);
    }

    public TensorElementKind Kind { get; }

    public IReadOnlyList<long> Shape { get; }

    public long ElementCount { get; }

    /// <summary>The pinned backing array (never moves).</summary>
    public Memory<byte> Memory => _bytes;

    public Span<byte> Bytes => _bytes;

    public Span<float> AsFloat32() => MemoryMarshal.Cast<byte, float>(_bytes.AsSpan());

    public Span<Half> AsFloat16() => MemoryMarshal.Cast<byte, Half>(_bytes.AsSpan());

    public Span<long> AsInt64() => MemoryMarshal.Cast<byte, long>(_bytes.AsSpan());

    public static int ElementSize(TensorElementKind kind) => kind switch
    {
        TensorElementKind.Float32 => 4,
        TensorElementKind.Float16 => 2,
        TensorElementKind.UInt8 => 1,
        TensorElementKind.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
