namespace SegMan.Edge.Kernels;

/// <summary>The custom-op library is missing or does not load. The message says where it looked and what to do.</summary>
public sealed class CustomOpLibraryException : Exception
{
    public CustomOpLibraryException()
    {
    }

    public CustomOpLibraryException(string message)
        : base(message)
    {
    }

    public CustomOpLibraryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
