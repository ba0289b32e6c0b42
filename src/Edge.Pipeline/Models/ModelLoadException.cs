namespace SegMan.Edge.Pipeline.Models;

/// <summary>
/// A model cannot be used: its file is missing or unreadable, its manifest is wrong, or the manifest and the graph
/// disagree. The message names the file and says how to fix it.
/// </summary>
public class ModelLoadException : Exception
{
    public ModelLoadException()
    {
    }

    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
