using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>The delivered frame size rule shared by the sources.</summary>
internal static class FrameSizes
{
    /// <summary>
    /// The configured <paramref name="width"/> and <paramref name="height"/>; when only one is set the other follows the
    /// source's aspect ratio; when neither is, the source size.
    /// </summary>
    public static Size Target(Size source, int width, int height)
    {
        if (width > 0 && height > 0)
        {
            return new Size(width, height);
        }

        if (width > 0)
        {
            return new Size(width, Math.Max(1, (int)Math.Round((double)source.Height * width / source.Width)));
        }

        if (height > 0)
        {
            return new Size(Math.Max(1, (int)Math.Round((double)source.Width * height / source.Height)), height);
        }

        return source;
    }
}
