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

    private void Update(ReadOnlySpan<float> plane, int classId)
    {
        var best = _best.AsSpan(0, plane.Length);
        var index = _index.AsSpan(0, plane.Length);
        var id = new Vector<int>(classId);
        var i = 0;
        for (; i <= plane.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var value = new Vector<float>(plane[i..]);
            var current = new Vector<float>(best[i..]);
            var greater = Vector.GreaterThan(value, current);
            if (greater == Vector<int>.Zero)
            {
                continue;
            }

            Vector.ConditionalSelect(greater, value, current).CopyTo(best[i..]);
            Vector.ConditionalSelect(greater, id, new Vector<int>(index[i..])).CopyTo(index[i..]);
        }

        for (; i < plane.Length; i++)
        {
            if (plane[i] > best[i])
            {
                best[i] = plane[i];
                index[i] = classId;
            }
        }
    }

    private void Narrow(int pixels, Span<byte> labels)
    {
        var index = _index.AsSpan(0, pixels);
        for (var i = 0; i < index.Length; i++)
        {
            labels[i] = (byte)index[i];
        }
    }
}
