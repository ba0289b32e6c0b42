using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>
/// Draws a label map over its frame for a person to look at: the labels are scaled (nearest) to the frame, coloured
/// with the class palette and blended over the frame with weight <c>alpha</c>. Scratch images are reused; one
/// instance per camera (not thread-safe).
/// </summary>
public sealed class OverlayRenderer : IDisposable
{
    // OpenCV's INTER_NEAREST_EXACT (pixel centres, like the mask resizer); OpenCvSharp has no name for it.
    private const InterpolationFlags NearestExact = (InterpolationFlags)6;

    private readonly Mat _lookup = new(1, 256, MatType.CV_8UC3, Scalar.All(0));
    private readonly Mat _scaled = new();
    private readonly Mat _scaledBgr = new();
    private readonly Mat _colours = new();
    private readonly Mat _blended = new();
    private readonly double _alpha;

    public OverlayRenderer(IReadOnlyList<ClassInfo> classes, double alpha = 0.5)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(alpha, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alpha, 1);
        _alpha = alpha;
        foreach (var entry in classes.Take(256))
        {
            // The manifest lists colours as RGB; OpenCV images are BGR.
            _lookup.Set(0, entry.Id, new Vec3b(entry.Color[2], entry.Color[1], entry.Color[0]));
        }
    }

    /// <summary>Renders the overlay; the returned image is owned by this renderer and valid until the next call.</summary>
    public unsafe Mat Render(Mat image, LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        if (image.Empty() || image.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException("The overlay needs the 8-bit BGR frame.", nameof(image));
        }

        if (labels.Width == 0 || labels.Height == 0)
        {
            throw new ArgumentException("The label map is empty.", nameof(labels));
        }

        fixed (byte* data = labels.Data)
        {
            using var labelImage = Mat.FromPixelData(labels.Height, labels.Width, MatType.CV_8UC1, (IntPtr)data);
            Cv2.Resize(labelImage, _scaled, image.Size(), 0, 0, NearestExact);
        }

        Cv2.CvtColor(_scaled, _scaledBgr, ColorConversionCodes.GRAY2BGR);
        Cv2.LUT(_scaledBgr, _lookup, _colours);
        Cv2.AddWeighted(image, 1 - _alpha, _colours, _alpha, 0, _blended);
        return _blended;
    }

    /// <summary>Renders the overlay and writes it as PNG to <paramref name="path"/>, replacing the file in one step.</summary>
    public void WritePng(Mat image, LabelMap labels, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var overlay = Render(image, labels);
        Cv2.ImEncode(".png", overlay, out var png);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.tmp");
        File.WriteAllBytes(temporary, png);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        _lookup.Dispose();
        _scaled.Dispose();
        _scaledBgr.Dispose();
        _colours.Dispose();
        _blended.Dispose();
    }
}
