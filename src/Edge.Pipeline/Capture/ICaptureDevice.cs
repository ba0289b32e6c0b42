using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>The blocking primitives <see cref="FrameReadLoop"/> drives (an opened OpenCV capture, or a fake in tests).</summary>
internal interface ICaptureDevice
{
    /// <summary>Takes the next frame from the device or file without decoding it further; false when none came.</summary>
    bool Grab();

    /// <summary>Decodes the grabbed frame into <paramref name="frame"/>; false when that failed.</summary>
    bool Retrieve(Mat frame);

    /// <summary>Goes back to the first frame of a file; false when that is impossible.</summary>
    bool Rewind();
}
