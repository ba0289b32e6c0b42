namespace SegMan.Edge.Pipeline.Models;

/// <summary>The manifest and the ONNX graph disagree; the message names both values for every difference.</summary>
public sealed class ModelGraphMismatchException : ModelLoadException
{
    public ModelGraphMismatchException()
    {
    }

    public ModelGraphMismatchException(string message)
        : base(message)
    {
    }

    public ModelGraphMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
