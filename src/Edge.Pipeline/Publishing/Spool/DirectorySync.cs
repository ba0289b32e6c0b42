using System.Runtime.InteropServices;

namespace SegMan.Edge.Pipeline.Publishing.Spool;

/// <summary>
/// fsync of a directory, so a rename that published a spool file survives a power cut (POSIX only;
/// .NET has no API for it). Failures are ignored: the data itself was already flushed.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY opens a directory on Linux; O_DIRECTORY differs between x64 and arm64.

    public static void Flush(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(path, ReadOnly);
        if (fd < 0)
        {
            return;
        }

        _ = FSync(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
