using Microsoft.ML.OnnxRuntime;
using SegMan.Edge.Kernels;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Inference;

/// <summary>
/// Creates the ONNX Runtime session for a model, walking the provider chain tensorrt → cuda → cpu from the one asked
/// for: a provider this ONNX Runtime build lacks, or one that fails to take the model, hands over to the next.
/// </summary>
internal static class SessionFactory
{
    private static readonly Dictionary<ExecutionProviderKind, string> RuntimeNames = new()
    {
        [ExecutionProviderKind.TensorRt] = "TensorrtExecutionProvider",
        [ExecutionProviderKind.Cuda] = "CUDAExecutionProvider",
        [ExecutionProviderKind.Cpu] = "CPUExecutionProvider",
    };

    public static LoadedSession Create(string modelPath, ModelManifest manifest, InferenceOptions options)
    {
        if (!ExecutionProviderNames.TryParse(options.ExecutionProvider, out var requested))
        {
            throw new ArgumentException(
                $"{InferenceOptions.SectionName}:ExecutionProvider '{options.ExecutionProvider}' is not known: use cpu, cuda or tensorrt.",
                nameof(options));
        }

        var available = OrtEnv.Instance().GetAvailableProviders();
        var passedOver = new List<string>();
        for (var provider = requested; provider <= ExecutionProviderKind.Cpu; provider++)
        {
            if (!available.Contains(RuntimeNames[provider]))
            {
                passedOver.Add($"{ExecutionProviderNames.NameOf(provider)} is not in this ONNX Runtime build (it has {string.Join(", ", available)})");
                continue;
            }

            var sessionOptions = CreateSessionOptions(modelPath, manifest, options);
            try
            {
                var limitation = AppendProviders(sessionOptions, provider, modelPath, manifest, options);
                var session = new InferenceSession(modelPath, sessionOptions);
                var reason = passedOver.Count == 0 ? null : string.Join("; ", passedOver);
                return new LoadedSession(session, sessionOptions, provider, reason, limitation);
            }
            catch (Exception ex) when (provider != ExecutionProviderKind.Cpu && IsProviderFailure(ex))
            {
                sessionOptions.Dispose();
                passedOver.Add($"{ExecutionProviderNames.NameOf(provider)} failed: {ex.Message}");
            }
            catch (OnnxRuntimeException ex)
            {
                sessionOptions.Dispose();
                throw ModelLoadErrors.FromRuntime(ex, modelPath, manifest);
            }
            catch
            {
                sessionOptions.Dispose();
                throw;
            }
        }

        throw new ModelLoadException($"No execution provider could load {modelPath}: {string.Join("; ", passedOver)}");
    }

    private static string? ResolvePlugins(TensorRtExecutionOptions settings, string modelPath)
    {
        try
        {
            return TensorRtExecutionProvider.ResolvePlugins(settings);
        }
        catch (CustomOpLibraryException ex)
        {
            throw new ModelLoadException($"Model {modelPath} is to run on TensorRT: {ex.Message}", ex);
        }
    }

    /// <summary>A provider that cannot take the model here: ONNX Runtime refused it, or its native library is missing.</summary>
    private static bool IsProviderFailure(Exception ex) =>
        ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException;

    private static SessionOptions CreateSessionOptions(string modelPath, ModelManifest manifest, InferenceOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        try
        {
            if (options.IntraOpThreads > 0)
            {
                sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            }

            if (manifest.CustomOps.Ops.Count > 0)
            {
                CustomOpLibrary.Register(sessionOptions, options.CustomOpLibrary);
            }

            return sessionOptions;
        }
        catch (CustomOpLibraryException ex)
        {
            sessionOptions.Dispose();
            throw new ModelLoadException(
                $"Model {modelPath} uses custom ops {string.Join(", ", manifest.CustomOps.Ops)} (domain {manifest.CustomOps.Domain}): {ex.Message}", ex);
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    /// <summary>Appends the providers ahead of ONNX Runtime's CPU one; returns what runs less well than it could, or null.</summary>
    private static string? AppendProviders(
        SessionOptions sessionOptions, ExecutionProviderKind provider, string modelPath, ModelManifest manifest, InferenceOptions options)
    {
        string? limitation = null;
        if (provider == ExecutionProviderKind.TensorRt)
        {
            var settings = TensorRtProviderSettings.For(options, manifest, modelPath);
            var hasCustomOps = manifest.CustomOps.Ops.Count > 0;
            var plugins = hasCustomOps ? ResolvePlugins(settings, modelPath) : null;
            if (hasCustomOps && plugins is null)
            {
                limitation =
                    $"{TensorRtExecutionProvider.PluginFileName} was not found (looked in: " +
                    $"{string.Join(", ", TensorRtExecutionProvider.PluginCandidates())}), so TensorRT builds engines around " +
                    $"the custom-op nodes and CUDA runs those; set {InferenceOptions.SectionName}:TensorRt:PluginLibrary to " +
                    "its path to have TensorRT run them";
            }

            TensorRtExecutionProvider.Append(sessionOptions, settings, plugins);
        }

        if (provider is ExecutionProviderKind.TensorRt or ExecutionProviderKind.Cuda)
        {
            // Behind TensorRT, CUDA takes the nodes TensorRT leaves; ONNX Runtime's CPU provider is always last.
            sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
        }

        return limitation;
    }
}
