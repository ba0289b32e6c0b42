using OpenCvSharp;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>What to open with OpenCV and how: a path or pipeline (or a device index), the backend and its settings.</summary>
/// <param name="Target">File path, device path or GStreamer pipeline; null to open <paramref name="Index"/>.</param>
/// <param name="Index">V4L2 device index, used when <paramref name="Target"/> is null.</param>
/// <param name="Api">The OpenCV capture backend.</param>
/// <param name="OpenParameters">Property id/value pairs given to the backend at open (only where it accepts them).</param>
/// <param name="Settings">Properties set after opening; a backend that ignores one is not an error.</param>
internal sealed record OpenCvCapturePlan(
    string? Target,
    int Index,
    VideoCaptureAPIs Api,
    int[] OpenParameters,
    IReadOnlyList<KeyValuePair<VideoCaptureProperties, double>> Settings)
{
    // Not in OpenCvSharp's enum: cv::CAP_PROP_OPEN_TIMEOUT_MSEC and cv::CAP_PROP_READ_TIMEOUT_MSEC.
    public const VideoCaptureProperties OpenTimeoutMsec = (VideoCaptureProperties)53;
    public const VideoCaptureProperties ReadTimeoutMsec = (VideoCaptureProperties)54;

    public VideoCapture Create()
    {
        VideoCapture capture = Target is null
            ? new VideoCapture(Index, Api, OpenParameters)
            : new VideoCapture(Target, Api, OpenParameters);
        if (capture.IsOpened())
        {
            foreach (KeyValuePair<VideoCaptureProperties, double> setting in Settings)
            {
                capture.Set(setting.Key, setting.Value);
            }
        }

        return capture;
    }
}
