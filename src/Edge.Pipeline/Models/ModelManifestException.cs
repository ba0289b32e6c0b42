namespace SegMan.Edge.Pipeline.Models;

/// <summary>The manifest <c>&lt;model&gt;.json</c> is missing, is not valid JSON, or says something impossible.</summary>
public sealed class ModelManifestException : ModelLoadException
{
    public ModelManifestException()
    {
    }

    public ModelManifestException(string message)
        : base(message)
    {
    }

    public ModelManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
