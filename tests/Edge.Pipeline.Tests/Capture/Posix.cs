using System.Runtime.InteropServices;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>POSIX calls the tests need: signals to freeze (SIGSTOP) and thaw (SIGCONT) a server, and FIFOs.</summary>
internal static partial class Posix
{
    public const int SigCont = 18;
    public const int SigStop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifoNative(string path, uint mode);

    public static void MakeFifo(string path) =>
        Assert.True(MakeFifoNative(path, Convert.ToUInt32("600", 8)) == 0, $"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
}
