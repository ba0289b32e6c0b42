using System.Numerics;
using System.Numerics.Tensors;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Per-pixel argmax over class planes (C, h, w), plane by plane with SIMD compares. Ties go to the lower class id,
/// as numpy and PyTorch do. Scratch planes are kept between frames; one instance per camera.
/// </summary>
internal sealed class ArgMax
{
    private float[] _best = [];
    private int[] _index = [];
    private float[] _plane = [];

    public void Run(ReadOnlySpan<float> logits, int classes, int pixels, Span<byte> labels)
    {
        Prepare(pixels, needsPlane: false);
        logits[..pixels].CopyTo(_best);
        for (var c = 1; c < classes; c++)
        {
            Update(logits.Slice(c * pixels, pixels), c);
        }

        Narrow(pixels, labels);
    }

    public void Run(ReadOnlySpan<Half> logits, int classes, int pixels, Span<byte> labels)
    {
        Prepare(pixels, needsPlane: true);
        TensorPrimitives.ConvertToSingle(logits[..pixels], _best.AsSpan(0, pixels));
        for (var c = 1; c < classes; c++)
        {
            var plane = _plane.AsSpan(0, pixels);
            TensorPrimitives.ConvertToSingle(logits.Slice(c * pixels, pixels), plane);
            Update(plane, c);
        }

        Narrow(pixels, labels);
    }

    private void Prepare(int pixels, bool needsPlane)
    {
        if (_best.Length < pixels)
        {
            _best = new float[pixels];
            _index = new int[pixels];
        }

        if (needsPlane && _plane.Length < pixels)
        {
            _plane = new float[pixels];
        }

        _index.AsSpan(0, pixels).Clear();
    }

    private void Update(ReadOnlySpan<float> plane, int classId) =>
        Update(plane, classId, _best.AsSpan(0, plane.Length), _index.AsSpan(0, plane.Length));

    private void Narrow(int pixels, Span<byte> labels) => Narrow(_index.AsSpan(0, pixels), labels);

    /// <summary>Where <paramref name="values"/> beat <paramref name="best"/>, keeps them and notes the class (ties keep the lower id).</summary>
    internal static void Update(ReadOnlySpan<float> values, int classId, Span<float> best, Span<int> index)
    {
        var id = new Vector<int>(classId);
        var i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var value = new Vector<float>(values[i..]);
            var current = new Vector<float>(best[i..]);
            var greater = Vector.GreaterThan(value, current);
            if (greater == Vector<int>.Zero)
            {
                continue;
            }

            Vector.ConditionalSelect(greater, value, current).CopyTo(best[i..]);
            Vector.ConditionalSelect(greater, id, new Vector<int>(index[i..])).CopyTo(index[i..]);
        }

        for (; i < values.Length; i++)
        {
            if (values[i] > best[i])
            {
                best[i] = values[i];
                index[i] = classId;
            }
        }
    }

    /// <summary>Class ids (below 256 by the manifest rules) into the byte label map.</summary>
    internal static void Narrow(ReadOnlySpan<int> index, Span<byte> labels)
    {
        for (var i = 0; i < index.Length; i++)
        {
            labels[i] = (byte)index[i];
        }
    }
}
