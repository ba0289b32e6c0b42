using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Preprocessing;

/// <summary>
/// Writes an interleaved 8-bit BGR image into the three normalised planes of an NCHW tensor in one pass: one table of
/// 256 values per tensor channel, read at the byte of the pixel that feeds that channel (which also puts BGR in RGB
/// order when the model wants it). The tables are filled by OpenCV's own scaled conversion (<c>convertTo</c> with
/// 1/std and −mean/std), so every value is bit for bit what converting a whole plane with OpenCV gives.
/// </summary>
/// <typeparam name="T">The tensor element: <see cref="float"/> or <see cref="Half"/>.</typeparam>
internal sealed class NormalisationTables<T>
    where T : unmanaged
{
    private const int Channels = 3;
    private const int Values = 256;

    private readonly T[] _first;
    private readonly T[] _second;
    private readonly T[] _third;
    private readonly int _firstSource;
    private readonly int _secondSource;
    private readonly int _thirdSource;

    public NormalisationTables(ModelInputSpec input, MatType elementType)
    {
        ArgumentNullException.ThrowIfNull(input);
        var rgb = string.Equals(input.ColorOrder, "RGB", StringComparison.OrdinalIgnoreCase);
        _first = Table(input, 0, elementType);
        _second = Table(input, 1, elementType);
        _third = Table(input, 2, elementType);
        (_firstSource, _secondSource, _thirdSource) = rgb ? (2, 1, 0) : (0, 1, 2);
    }

    /// <summary>Normalises <paramref name="bgr"/> (continuous, 3 bytes per pixel) into <paramref name="tensor"/>'s three planes.</summary>
    public void Write(ReadOnlySpan<byte> bgr, Span<T> tensor)
    {
        var pixels = bgr.Length / Channels;
        if (tensor.Length < Channels * pixels)
        {
            throw new ArgumentException($"A tensor of {tensor.Length} elements cannot hold 3 planes of {pixels} pixels.", nameof(tensor));
        }

        var first = tensor[..pixels];
        var second = tensor.Slice(pixels, pixels);
        var third = tensor.Slice(2 * pixels, pixels);

        // A byte always indexes a 256-entry table, so the lookups need no bounds checks.
        ref var firstTable = ref MemoryMarshal.GetArrayDataReference(_first);
        ref var secondTable = ref MemoryMarshal.GetArrayDataReference(_second);
        ref var thirdTable = ref MemoryMarshal.GetArrayDataReference(_third);
        for (int i = 0, p = 0; i < pixels; i++, p += Channels)
        {
            first[i] = Unsafe.Add(ref firstTable, bgr[p + _firstSource]);
            second[i] = Unsafe.Add(ref secondTable, bgr[p + _secondSource]);
            third[i] = Unsafe.Add(ref thirdTable, bgr[p + _thirdSource]);
        }
    }

    private static unsafe T[] Table(ModelInputSpec input, int channel, MatType elementType)
    {
        var scale = 1.0 / input.Std[channel];
        var shift = -input.Mean[channel] / input.Std[channel];
        var levels = new byte[Values];
        for (var v = 0; v < Values; v++)
        {
            levels[v] = (byte)v;
        }

        var table = new T[Values];
        fixed (byte* levelData = levels)
        fixed (T* tableData = table)
        {
            using var source = Mat.FromPixelData(1, Values, MatType.CV_8UC1, (IntPtr)levelData);
            using var target = Mat.FromPixelData(1, Values, elementType, (IntPtr)tableData);
            source.ConvertTo(target, elementType, scale, shift);
            if (target.DataPointer != (byte*)tableData)
            {
                throw new InvalidOperationException("OpenCV reallocated the normalisation table instead of filling it.");
            }
        }

        return table;
    }
}
