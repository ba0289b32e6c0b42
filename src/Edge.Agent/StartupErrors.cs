using SegMan.Edge.Kernels;
using SegMan.Edge.Pipeline.Capture;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Agent;

/// <summary>Failures at start-up whose message already names the cause and the fix, so they are shown without a stack trace.</summary>
internal static class StartupErrors
{
    public static bool IsKnown(Exception exception) => exception is
        ModelLoadException or CustomOpLibraryException or FrameSourceException or IOException or UnauthorizedAccessException;
}
