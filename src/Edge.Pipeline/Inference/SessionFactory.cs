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
                AppendProviders(sessionOptions, provider, manifest, options);
                var session = new InferenceSession(modelPath, sessionOptions);
                var reason = passedOver.Count == 0 ? null : string.Join("; ", passedOver);
                return new LoadedSession(session, sessionOptions, provider, reason);
            }
            catch (Exception ex) when (provider != ExecutionProviderKind.Cpu && ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
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

    private static void AppendProviders(SessionOptions sessionOptions, ExecutionProviderKind provider, ModelManifest manifest, InferenceOptions options)
    {
        if (provider == ExecutionProviderKind.TensorRt)
        {
            using var tensorRt = new OrtTensorRTProviderOptions();
            tensorRt.UpdateOptions(TensorRtProviderSettings.Build(options, manifest));
            sessionOptions.AppendExecutionProvider_Tensorrt(tensorRt);
        }

        if (provider is ExecutionProviderKind.TensorRt or ExecutionProviderKind.Cuda)
        {
            // Behind TensorRT, CUDA takes the nodes TensorRT leaves; ONNX Runtime's CPU provider is always last.
            sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
        }
    }
}
