using SegMan.Edge.Pipeline.Capture;

namespace SegMan.Edge.Pipeline.Tests.Capture;

public sealed class CredentialMaskTests
{
    [Theory]
    [InlineData("rtsp://admin:12345@10.0.0.5:554/Streaming/101", "rtsp://***@10.0.0.5:554/Streaming/101")]
    [InlineData("rtsp://admin@cam/x", "rtsp://***@cam/x")]
    [InlineData("rtsp://admin:p@ss@cam/x", "rtsp://***@cam/x")]
    [InlineData("http://cam/video.mjpg?user=op&password=hunter2&res=hd", "http://cam/video.mjpg?user=op&password=***&res=hd")]
    [InlineData("https://cam/live?token=abc.def", "https://cam/live?token=***")]
    [InlineData("gst:rtspsrc location=rtsp://u:pw@cam/x user-pw=pw2 ! appsink", "gst:rtspsrc location=rtsp://***@cam/x user-pw=*** ! appsink")]
    [InlineData("rtsp://u:pw@a/x: Connection refused", "rtsp://***@a/x: Connection refused")]
    public void Masks_credentials(string text, string expected) => Assert.Equal(expected, CredentialMask.Apply(text));

    [Theory]
    [InlineData("rtsp://10.0.0.5/stream?channel=1")]
    [InlineData("http://cam/path@v2/feed")]
    [InlineData("/videos/demo.mp4")]
    [InlineData("http://cam/x?keyframe=1")]
    public void Leaves_everything_else_alone(string text) => Assert.Equal(text, CredentialMask.Apply(text));
}
