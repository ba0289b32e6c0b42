using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using SegMan.Edge.Pipeline.Models;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>
/// Runs a segmentation model with ONNX Runtime. One instance (one session, one copy of the weights) serves every
/// camera: <see cref="Run"/> is thread-safe for different <see cref="FrameContext"/>s. Each context gets its own I/O
/// binding over its pinned input and output buffers on first use, so the steady state allocates nothing. A model whose
/// manifest slides (<see cref="ModelManifest.Slide"/>) takes the whole resized frame as its input and gives the whole
/// frame's logits, averaged over its windows, as float32; each context then also gets its window buffers.
/// </summary>
public sealed partial class OnnxSegmenter : ISegmenter
{
    private readonly LoadedSession _loaded;
    private readonly RunOptions _runOptions = new();
    private readonly TensorSpec _input;
    private readonly TensorSpec _output;
    private readonly TensorSpec _frameInput;
    private readonly TensorSpec _frameOutput;
    private readonly SlidingWindows? _windows;
    private readonly ConditionalWeakTable<FrameContext, FrameBinding> _bindings = new();
    private readonly ConditionalWeakTable<FrameContext, FrameBinding>.CreateValueCallback _createBinding;
    private readonly ConditionalWeakTable<FrameContext, WindowBuffers> _windowBuffers = new();
    private readonly ConditionalWeakTable<FrameContext, WindowBuffers>.CreateValueCallback _createWindowBuffers;
    private bool _disposed;

    /// <summary>
    /// Loads the model at <see cref="InferenceOptions.Path"/> and its manifest, creates the session on the best
    /// available provider and checks manifest against graph. Throws <see cref="ModelLoadException"/> (or a subclass)
    /// with the file and the fix when any of that fails.
    /// </summary>
    public OnnxSegmenter(InferenceOptions options, ILogger<OnnxSegmenter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            throw new ModelLoadException($"{InferenceOptions.SectionName}:Path is not set: point it at the .onnx model file.");
        }

        ModelPath = Path.GetFullPath(options.Path);
        if (!File.Exists(ModelPath))
        {
            throw ModelLoadErrors.NotFound(ModelPath);
        }

        Manifest = ModelManifestLoader.LoadForModel(ModelPath);
        _loaded = SessionFactory.Create(ModelPath, Manifest, options);
        try
        {
            var graph = ModelGraph.FromSession(_loaded.Session);
            ModelGraphValidator.Validate(Manifest, graph, ModelPath);
            var output = graph.Outputs.First(o => o.Name == Manifest.Output.Name);
            _input = new TensorSpec(
                Manifest.Input.Name,
                TensorSpec.KindOf(Manifest.Input.Dtype),
                [1, 3, Manifest.Input.Height, Manifest.Input.Width]);
            _output = new TensorSpec(output.Name, TensorSpec.KindOf(output.ElementType), ModelGraphValidator.ResolveOutputShape(Manifest, output));
            _frameInput = _input with { Shape = [1, 3, Manifest.FrameHeight, Manifest.FrameWidth] };
            _frameOutput = _output;
            if (Manifest.Slide is not null)
            {
                _windows = new SlidingWindows(Manifest);
                var (height, width) = _windows.OutputSize;
                _frameOutput = _output with { Kind = TensorElementKind.Float32, Shape = [1, _output.Shape[1], height, width] };
            }
        }
        catch
        {
            _runOptions.Dispose();
            _loaded.Dispose();
            throw;
        }

        _createBinding = _ => new FrameBinding(_loaded.Session);
        _createWindowBuffers = _ => new WindowBuffers(
            new TensorBuffer(_input.Kind, _input.Shape), new TensorBuffer(_output.Kind, _output.Shape), new float[_output.Shape[^1]]);
        if (_loaded.FallbackReason is { } reason)
        {
            LogFallback(logger ?? NullLogger<OnnxSegmenter>.Instance, options.ExecutionProvider.Trim().ToLowerInvariant(), ExecutionProvider, reason);
        }

        if (_loaded.Limitation is { } limitation)
        {
            LogLimitation(logger ?? NullLogger<OnnxSegmenter>.Instance, ExecutionProvider, limitation);
        }
    }

    public ModelManifest Manifest { get; }

    public string ExecutionProvider => ExecutionProviderNames.NameOf(_loaded.Provider);

    /// <summary>The absolute path of the loaded model.</summary>
    public string ModelPath { get; }

    /// <summary>The shape of <see cref="FrameContext.Output"/>, e.g. (1, 19, 64, 128) for logits.</summary>
    public IReadOnlyList<long> OutputShape => _frameOutput.Shape;

    /// <summary>How many windows a frame is run as: 1 unless the manifest slides.</summary>
    public int WindowsPerFrame => _windows?.Windows.Count ?? 1;

    /// <summary>Creates a segmenter with a logger from <paramref name="loggerFactory"/>.</summary>
    public static OnnxSegmenter Create(InferenceOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new OnnxSegmenter(options, loggerFactory.CreateLogger<OnnxSegmenter>());
    }

    public void Run(FrameContext frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var input = frame.Input;
        if (!_frameInput.Fits(input))
        {
            throw new InvalidOperationException(
                $"Frame input is {(input is null ? "missing" : $"{input.Kind} ({string.Join(", ", input.Shape)})")}, " +
                $"model {Manifest.Name} needs {_frameInput.Describe()}: preprocess the frame for this model first.");
        }

        var output = frame.Output;
        if (!_frameOutput.Fits(output))
        {
            output = new TensorBuffer(_frameOutput.Kind, _frameOutput.Shape);
            frame.Output = output;
        }

        var binding = _bindings.GetValue(frame, _createBinding);
        if (_windows is null)
        {
            RunOnce(binding.Bind(_input, input!, _output, output!));
            return;
        }

        var buffers = _windowBuffers.GetValue(frame, _createWindowBuffers);
        var sums = output!.AsFloat32();
        sums.Clear();
        foreach (var window in _windows.Windows)
        {
            _windows.CopyInput(input!, window, buffers.Input);
            RunOnce(binding.Bind(_input, buffers.Input, _output, buffers.Output));
            _windows.AddLogits(buffers.Output, window, sums, buffers.Row);
        }

        _windows.Average(sums);
    }

    private void RunOnce(OrtIoBinding binding)
    {
        _loaded.Session.RunWithBinding(_runOptions, binding);
        if (_loaded.Provider != ExecutionProviderKind.Cpu)
        {
            binding.SynchronizeBoundOutputs();
        }
    }

    /// <summary>Releases the session and every binding; no <see cref="Run"/> may be in progress.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var (_, binding) in _bindings)
        {
            binding.Dispose();
        }

        _bindings.Clear();
        _windowBuffers.Clear();
        _runOptions.Dispose();
        _loaded.Dispose();
    }

    /// <summary>One frame context's window input and output, and a row of float32 for widening float16 logits.</summary>
    private sealed record WindowBuffers(TensorBuffer Input, TensorBuffer Output, float[] Row);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Execution provider {Requested} was asked for; running on {Actual} instead: {Reason}")]
    private static partial void LogFallback(ILogger logger, string requested, string actual, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Execution provider {Provider} runs, not at its best: {Limitation}")]
    private static partial void LogLimitation(ILogger logger, string provider, string limitation);
}
