using Microsoft.ML.OnnxRuntime;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>
/// One frame context's input and output buffers bound to the session, made once and reused every frame, so a run
/// allocates nothing managed. The OrtValues point straight at the <see cref="TensorBuffer"/> arrays, which live on the
/// pinned object heap and never move; the binding keeps those buffers referenced for as long as it uses them.
/// </summary>
internal sealed class FrameBinding : IDisposable
{
    private readonly OrtIoBinding _binding;
    private OrtValue? _inputValue;
    private TensorBuffer? _input;
    private OrtValue? _outputValue;
    private TensorBuffer? _output;

    public FrameBinding(InferenceSession session)
    {
        _binding = session.CreateIoBinding();
    }

    /// <summary>Binds the frame's buffers when they are not the ones bound already (first use, or replaced).</summary>
    public OrtIoBinding Bind(TensorSpec inputSpec, TensorBuffer input, TensorSpec outputSpec, TensorBuffer output)
    {
        if (!ReferenceEquals(input, _input))
        {
            _inputValue?.Dispose();
            _inputValue = Wrap(inputSpec, input);
            _input = input;
            _binding.BindInput(inputSpec.Name, _inputValue);
        }

        if (!ReferenceEquals(output, _output))
        {
            _outputValue?.Dispose();
            _outputValue = Wrap(outputSpec, output);
            _output = output;
            _binding.BindOutput(outputSpec.Name, _outputValue);
        }

        return _binding;
    }

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue?.Dispose();
        _outputValue?.Dispose();
    }

    private static unsafe OrtValue Wrap(TensorSpec spec, TensorBuffer buffer)
    {
        var bytes = buffer.Bytes;
        fixed (byte* data = bytes)
        {
            // The array is on the pinned object heap: the pointer stays valid after this block.
            return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, spec.OrtType, spec.Shape, (IntPtr)data, bytes.Length);
        }
    }
}
