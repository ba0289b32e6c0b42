using System.Runtime.InteropServices;

namespace SegMan.Edge.Pipeline.Tests.Capture;

/// <summary>POSIX signals, to freeze (SIGSTOP) and thaw (SIGCONT) a test server.</summary>
internal static partial class NativeSignals
{
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
