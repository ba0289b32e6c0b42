namespace SegMan.Edge.Pipeline.Inference;

/// <summary>Config names of <see cref="ExecutionProviderKind"/>: <c>tensorrt</c>, <c>cuda</c>, <c>cpu</c>.</summary>
public static class ExecutionProviderNames
{
    public const string TensorRt = "tensorrt";
    public const string Cuda = "cuda";
    public const string Cpu = "cpu";

    public static bool TryParse(string? name, out ExecutionProviderKind kind)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case TensorRt:
                kind = ExecutionProviderKind.TensorRt;
                return true;
            case Cuda:
                kind = ExecutionProviderKind.Cuda;
                return true;
            case Cpu:
                kind = ExecutionProviderKind.Cpu;
                return true;
            default:
                kind = ExecutionProviderKind.Cpu;
                return false;
        }
    }

    public static string NameOf(ExecutionProviderKind kind) => kind switch
    {
        ExecutionProviderKind.TensorRt => TensorRt,
        ExecutionProviderKind.Cuda => Cuda,
        _ => Cpu,
    };
}
