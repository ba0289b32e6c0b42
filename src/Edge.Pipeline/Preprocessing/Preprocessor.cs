using System.Runtime.CompilerServices;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Preprocessing;

/// <summary>
/// Turns the captured BGR frame into the model input: resize to the model's H×W, or to the slide's frame size for a model
/// that slides windows (bilinear, stretched: the aspect ratio is not kept, so a 16:9 camera feeding a 2:1 model is
/// squeezed slightly, as in training on resized frames), channel
/// order per the manifest, <c>(x − mean) / std</c> per channel in 0–255 units, NCHW, float32 or float16.
/// </summary>
/// <remarks>
/// OpenCV resizes; one managed pass then de-interleaves, orders the channels and normalises straight into the tensor
/// through <see cref="NormalisationTables{T}"/>, whose values are OpenCV's own conversion, so the tensor is bit for bit
/// what OpenCV's split-and-convert gives. OpenCvSharp wraps a Mat in a new InputArray/OutputArray on every call, so the
/// resize's input wrappers are made once (the frame images are the pool's fixed set) and kept; its output wrapper,
/// which OpenCvSharp disposes after each call, is the one allocation left per resized frame.
/// One instance per camera: <see cref="Process"/> is not meant to be called concurrently.
/// </remarks>
public sealed class Preprocessor : IPreprocessor, IDisposable
{
    private readonly int _height;
    private readonly int _width;
    private readonly TensorElementKind _kind;
    private readonly NormalisationTables<float>? _float32;
    private readonly NormalisationTables<Half>? _float16;
    private readonly Mat _resized = new();
    private readonly ConditionalWeakTable<Mat, InputArray> _inputs = new();
    private readonly ConditionalWeakTable<Mat, InputArray>.CreateValueCallback _createInput = InputArray.Create;

    public Preprocessor(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var input = manifest.Input;
        _height = manifest.FrameHeight;
        _width = manifest.FrameWidth;
        _kind = string.Equals(input.Dtype, "float16", StringComparison.OrdinalIgnoreCase) ? TensorElementKind.Float16 : TensorElementKind.Float32;
        if (_kind == TensorElementKind.Float16)
        {
            _float16 = new NormalisationTables<Half>(input, MatType.CV_16FC1);
        }
        else
        {
            _float32 = new NormalisationTables<float>(input, MatType.CV_32FC1);
        }
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

        var pixels = AtModelSize(image).AsSpan<byte>();
        if (_float16 is not null)
        {
            _float16.Write(pixels, input.AsFloat16());
        }
        else
        {
            _float32!.Write(pixels, input.AsFloat32());
        }
    }

    public void Dispose()
    {
        foreach (var (_, wrapper) in _inputs)
        {
            wrapper.Dispose();
        }

        _inputs.Clear();
        _resized.Dispose();
    }

    /// <summary>The image at the model's size with continuous rows: itself, or resized (bilinear) into a scratch image.</summary>
    private Mat AtModelSize(Mat image)
    {
        if (image.Rows == _height && image.Cols == _width)
        {
            if (image.IsContinuous())
            {
                return image;
            }

            image.CopyTo(_resized);
            return _resized;
        }

        Cv2.Resize(_inputs.GetValue(image, _createInput), _resized, new Size(_width, _height), 0, 0, InterpolationFlags.Linear);
        return _resized;
    }
}
