using System.Buffers;
using OpenCvSharp;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Publishing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Publishing.Support;

/// <summary>Frames, masks, a device description and options for publisher tests.</summary>
internal static class TestFrames
{
    public static readonly ClassInfo[] Classes =
    [
        new(0, "road", [128, 64, 128]),
        new(1, "sidewalk", [244, 35, 232]),
        new(2, "car", [0, 0, 142]),
    ];

    public static DeviceDescription Device(params string[] cameras) => new()
    {
        Version = "0.1.0-test",
        ModelName = "segman-t",
        ModelVariant = "T",
        Precision = "fp16",
        ExecutionProvider = "CPU",
        Cameras = cameras,
        Classes = Classes,
    };

    public static MqttOptions Options(int port, string spoolPath, string deviceId = "robot-1") => new()
    {
        Broker = MqttBrokerMode.External,
        Host = "127.0.0.1",
        Port = port,
        DeviceId = deviceId,
        KeepAliveSeconds = 5,
        TimeoutSeconds = 5,
        SummaryIntervalSeconds = 3600, // tests close windows themselves
        ReconnectBackoff = new BackoffOptions { InitialMs = 50, MaxMs = 300 },
        Spool = new MqttSpoolOptions { Path = spoolPath, MaxBytes = 1024 * 1024 },
    };

    /// <summary>A frame with fixed timings and fractions; the image stays empty (publishers never read it).</summary>
    public static FrameContext Frame(string cameraId, long sequence, float[]? fractions = null, long dropped = 0)
    {
        var frame = new FrameContext(cameraId);
        Fill(frame, sequence, fractions, dropped);
        return frame;
    }

    public static void Fill(FrameContext frame, long sequence, float[]? fractions = null, long dropped = 0)
    {
        frame.Reset();
        frame.Sequence = sequence;
        frame.CapturedAt = new DateTimeOffset(2026, 11, 3, 10, 0, 0, TimeSpan.Zero).AddMilliseconds(sequence * 33);
        frame.DroppedFrames = dropped;
        frame.Timings.Capture = TimeSpan.FromMilliseconds(1.5);
        frame.Timings.Preprocess = TimeSpan.FromMilliseconds(2.25);
        frame.Timings.Inference = TimeSpan.FromMilliseconds(20 + sequence % 10);
        frame.Timings.Postprocess = TimeSpan.FromMilliseconds(3);
        if (fractions is not null)
        {
            frame.ClassFractions = fractions;
        }
        else if (frame.ClassFractions.Length != 3)
        {
            frame.ClassFractions = [0.5f, 0.25f, 0.25f];
        }
    }

    /// <summary>Encodes a small label map as an 8-bit PNG with OpenCV into <paramref name="frame"/>'s mask.</summary>
    public static byte[] AttachPngMask(FrameContext frame, int width = 8, int height = 4)
    {
        using var labels = new Mat(height, width, MatType.CV_8UC1);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                labels.Set(y, x, (byte)((x + y) % 3));
            }
        }

        Cv2.ImEncode(".png", labels, out var png);
        frame.Mask.Clear();
        frame.Mask.Buffer.Write(png);
        frame.Mask.Format = MaskFormat.Png;
        frame.Mask.Width = width;
        frame.Mask.Height = height;
        frame.Mask.IsPresent = true;
        return png;
    }
}
