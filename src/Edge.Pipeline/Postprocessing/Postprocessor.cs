using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Turns the model output into the label map, the fraction of pixels per class, and, every
/// <see cref="MaskOptions.EveryNFrames"/> frames, the encoded mask (and the overlay PNG when enabled). The label map is
/// the argmax of the logits at the output size, or at the model's input size when the manifest's <c>output.upsample</c>
/// is <c>bilinear</c> (logits first resized as PyTorch's <c>align_corners=False</c> does), or the model's own labels.
/// Ids a labels model emits outside 0..255 become 255; ids without a class count towards no fraction.
/// One instance per camera: its scratch buffers are reused frame after frame, so the steady state allocates nothing
/// beyond the mask encoder's compressor.
/// </summary>
public sealed partial class Postprocessor : IPostprocessor, IDisposable
{
    private readonly ModelManifest _manifest;
    private readonly MaskOptions _options;
    private readonly ILogger _logger;
    private readonly int _classCount;
    private readonly IMaskEncoder _encoder;
    private readonly ArgMax _argMax = new();
    private readonly BilinearArgMax _bilinearArgMax = new();
    private readonly LabelResizer _resizer = new();
    private readonly OverlayRenderer? _overlay;
    private byte[] _resized = [];

    public Postprocessor(ModelManifest manifest, MaskOptions options, ILogger<Postprocessor>? logger = null)
        : this(manifest, options, CreateEncoder(manifest, options), logger)
    {
    }

    /// <summary>With a given mask encoder (tests, or formats beyond PNG and RLE).</summary>
    internal Postprocessor(ModelManifest manifest, MaskOptions options, IMaskEncoder encoder, ILogger<Postprocessor>? logger)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(encoder);
        _manifest = manifest;
        _options = options;
        _encoder = encoder;
        _logger = logger ?? NullLogger<Postprocessor>.Instance;
        _classCount = manifest.Classes.Count;
        if (options.Overlay.Enabled)
        {
            _overlay = new OverlayRenderer(manifest.Classes, options.Overlay.Alpha);
        }
    }

    public void Process(FrameContext frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var output = frame.Output ?? throw new InvalidOperationException(
            $"Camera {frame.CameraId}: frame {frame.Sequence} has no model output to postprocess.");

        WriteLabels(output, frame.Labels);
        WriteFractions(frame);

        frame.Mask.Clear();
        if (IsDue(frame.Sequence, _options.EveryNFrames))
        {
            EncodeMask(frame);
        }

        if (_overlay is not null && IsDue(frame.Sequence, _options.Overlay.EveryNFrames))
        {
            WriteOverlay(frame);
        }
    }

    public void Dispose() => _overlay?.Dispose();

    private static IMaskEncoder CreateEncoder(ModelManifest manifest, MaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        return options.Format == MaskFormat.Rle ? new RleMaskEncoder() : new PngMaskEncoder(manifest.Classes);
    }

    private static bool IsDue(long sequence, int everyN) => everyN > 0 && sequence % everyN == 0;

    private void WriteLabels(TensorBuffer output, LabelMap labels)
    {
        if (_manifest.Output.IsBilinear && !_manifest.Output.IsLabels && output.Kind is TensorElementKind.Float32 or TensorElementKind.Float16)
        {
            WriteUpsampledLabels(output, labels);
            return;
        }

        var shape = output.Shape;
        var height = (int)shape[^2];
        var width = (int)shape[^1];
        var pixels = height * width;
        labels.Resize(width, height);
        var target = labels.Data;

        switch (output.Kind)
        {
            case TensorElementKind.Float32 when !_manifest.Output.IsLabels:
                _argMax.Run(output.AsFloat32(), ClassesIn(output), pixels, target);
                break;
            case TensorElementKind.Float16 when !_manifest.Output.IsLabels:
                _argMax.Run(output.AsFloat16(), ClassesIn(output), pixels, target);
                break;
            case TensorElementKind.UInt8:
                output.Bytes[..pixels].CopyTo(target);
                break;
            case TensorElementKind.Int64:
                var ids = output.AsInt64()[..pixels];
                for (var i = 0; i < ids.Length; i++)
                {
                    target[i] = (ulong)ids[i] <= byte.MaxValue ? (byte)ids[i] : byte.MaxValue;
                }

                break;
            default:
                throw new InvalidOperationException(
                    $"Model output {output.Kind} ({string.Join(", ", output.Shape)}) does not fit output kind '{_manifest.Output.Kind}'.");
        }
    }

    // The label map takes the model's input size (a sliding model's frame size): logits resized bilinearly, then the argmax.
    private void WriteUpsampledLabels(TensorBuffer logits, LabelMap labels)
    {
        var classes = ClassesIn(logits);
        var height = (int)logits.Shape[2];
        var width = (int)logits.Shape[3];
        var (outputHeight, outputWidth) = (_manifest.FrameHeight, _manifest.FrameWidth);
        labels.Resize(outputWidth, outputHeight);
        if (logits.Kind == TensorElementKind.Float32)
        {
            _bilinearArgMax.Run(logits.AsFloat32(), classes, height, width, labels.Data, outputHeight, outputWidth);
        }
        else
        {
            _bilinearArgMax.Run(logits.AsFloat16(), classes, height, width, labels.Data, outputHeight, outputWidth);
        }
    }

    private int ClassesIn(TensorBuffer logits)
    {
        if (logits.Shape.Count != 4 || logits.Shape[1] != _classCount)
        {
            throw new InvalidOperationException(
                $"Logits ({string.Join(", ", logits.Shape)}) do not have the manifest's {_classCount} classes as (1, C, h, w).");
        }

        return _classCount;
    }

    private void WriteFractions(FrameContext frame)
    {
        if (frame.ClassFractions.Length != _classCount)
        {
            frame.ClassFractions = new float[_classCount];
        }

        Span<int> counts = stackalloc int[256];
        counts.Clear();
        foreach (var label in frame.Labels.Data)
        {
            counts[label]++;
        }

        var total = (float)Math.Max(1, frame.Labels.Data.Length);
        var fractions = frame.ClassFractions;
        for (var c = 0; c < fractions.Length; c++)
        {
            fractions[c] = counts[c] / total;
        }
    }

    private void EncodeMask(FrameContext frame)
    {
        var labels = frame.Labels;
        var width = _options.Width ?? labels.Width;
        var height = _options.Height ?? labels.Height;
        ReadOnlySpan<byte> source = labels.Data;
        if (width != labels.Width || height != labels.Height)
        {
            if (_resized.Length < width * height)
            {
                _resized = new byte[width * height];
            }

            _resizer.Resize(labels.Data, labels.Width, labels.Height, _resized, width, height);
            source = _resized.AsSpan(0, width * height);
        }

        var mask = frame.Mask;
        _encoder.Encode(source, width, height, mask.Buffer);
        mask.Format = _encoder.Format;
        mask.Width = width;
        mask.Height = height;
        mask.IsPresent = true;
    }

    private void WriteOverlay(FrameContext frame)
    {
        if (frame.Image.Empty())
        {
            return;
        }

        var path = Path.Combine(_options.Overlay.Path, FileNameFor(frame.CameraId) + ".png");
        try
        {
            _overlay!.WritePng(frame.Image, frame.Labels, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OpenCvSharp.OpenCVException)
        {
            // An overlay is a convenience for people; a full disk must not stop the pipeline.
            LogOverlayFailed(frame.CameraId, path, ex.Message);
        }
    }

    private static string FileNameFor(string cameraId)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return string.Create(cameraId.Length, cameraId, (span, id) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Array.IndexOf(invalid, id[i]) >= 0 ? '_' : id[i];
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {CameraId}: could not write the overlay {Path}: {Reason}")]
    private partial void LogOverlayFailed(string cameraId, string path, string reason);
}
