using System.Runtime.CompilerServices;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Preprocessing;

/// <summary>
/// Turns the captured BGR frame into the model input: resize to the model's H×W (bilinear, stretched: the aspect ratio
/// is not kept, so a 16:9 camera feeding a 2:1 model is squeezed slightly, as in training on resized frames), channel
/// order per the manifest, <c>(x − mean) / std</c> per channel in 0–255 units, NCHW, float32 or float16.
/// </summary>
/// <remarks>
/// All the pixel work runs in OpenCV: one resize, one de-interleave (which also swaps BGR to RGB), then one scaled
/// conversion per channel that writes straight into the tensor's plane, through Mat headers over the pinned
/// <see cref="FrameContext.Input"/> buffer. Buffers and headers are made once per context and reused.
/// One instance per camera: <see cref="Process"/> is not meant to be called concurrently.
/// </remarks>
public sealed class Preprocessor : IPreprocessor, IDisposable
{
    private readonly int _height;
    private readonly int _width;
    private readonly TensorElementKind _kind;
    private readonly MatType _planeType;
    private readonly double[] _scale = new double[3];
    private readonly double[] _shift = new double[3];
    private readonly int[] _fromTo;
    private readonly Mat _resized = new();
    private readonly Mat[] _source = new Mat[1];
    private readonly Mat[] _channels = new Mat[3];
    private readonly ConditionalWeakTable<TensorBuffer, Mat[]> _planes = new();
    private readonly ConditionalWeakTable<TensorBuffer, Mat[]>.CreateValueCallback _createPlanes;

    public Preprocessor(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var input = manifest.Input;
        _height = input.Height;
        _width = input.Width;
        _kind = string.Equals(input.Dtype, "float16", StringComparison.OrdinalIgnoreCase) ? TensorElementKind.Float16 : TensorElementKind.Float32;
        _planeType = _kind == TensorElementKind.Float16 ? MatType.CV_16FC1 : MatType.CV_32FC1;
        for (var c = 0; c < 3; c++)
        {
            _scale[c] = 1.0 / input.Std[c];
            _shift[c] = -input.Mean[c] / input.Std[c];
            _channels[c] = new Mat(_height, _width, MatType.CV_8UC1);
        }

        // mixChannels pairs (source channel, destination channel); the destination is plane c of the tensor.
        _fromTo = string.Equals(input.ColorOrder, "RGB", StringComparison.OrdinalIgnoreCase)
            ? [2, 0, 1, 1, 0, 2]
            : [0, 0, 1, 1, 2, 2];
        _createPlanes = CreatePlanes;
    }

    /// <summary>The input tensor shape this preprocessor writes: (1, 3, H, W).</summary>
    public IReadOnlyList<long> InputShape => [1, 3, _height, _width];

    public void Process(FrameContext frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var image = frame.Image;
        if (image.Empty())
        {
            throw new InvalidOperationException($"Camera {frame.CameraId}: frame {frame.Sequence} has no image to preprocess.");
        }

        if (image.Type() != MatType.CV_8UC3)
        {
            throw new InvalidOperationException(
                $"Camera {frame.CameraId}: frames must be 8-bit BGR (CV_8UC3), this one is {image.Type()}.");
        }

        var input = frame.Input;
        if (input is null || input.Kind != _kind || input.ElementCount != 3L * _height * _width)
        {
            input = new TensorBuffer(_kind, 1, 3, _height, _width);
            frame.Input = input;
        }

        var resized = image;
        if (image.Rows != _height || image.Cols != _width)
        {
            Cv2.Resize(image, _resized, new Size(_width, _height), 0, 0, InterpolationFlags.Linear);
            resized = _resized;
        }

        _source[0] = resized;
        Cv2.MixChannels(_source, _channels, _fromTo);
        _source[0] = null!;

        var planes = _planes.GetValue(input, _createPlanes);
        for (var c = 0; c < 3; c++)
        {
            _channels[c].ConvertTo(planes[c], _planeType, _scale[c], _shift[c]);
        }
    }

    public void Dispose()
    {
        _resized.Dispose();
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var (_, planes) in _planes)
        {
            foreach (var plane in planes)
            {
                plane.Dispose();
            }
        }

        _planes.Clear();
    }

    private unsafe Mat[] CreatePlanes(TensorBuffer buffer)
    {
        var planeBytes = (long)_height * _width * TensorBuffer.ElementSize(_kind);
        var planes = new Mat[3];
        fixed (byte* data = buffer.Bytes)
        {
            // The buffer lives on the pinned object heap, so these headers stay valid; the table keeps the buffer alive with them.
            for (var c = 0; c < 3; c++)
            {
                planes[c] = Mat.FromPixelData(_height, _width, _planeType, (IntPtr)(data + (c * planeBytes)));
            }
        }

        return planes;
    }
}
