using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Inference;

namespace SegMan.Edge.Agent.Hosting;

/// <summary>
/// Owns the one ONNX Runtime session every camera shares (sessions are thread-safe for Run, and one copy of the
/// weights is all an edge box can afford).
/// </summary>
/// <remarks>
/// Loading logs when it starts, every <see cref="DefaultProgressInterval"/> while it lasts, and when it ends: a TensorRT
/// engine build on a first start takes minutes, and peers' users report builds of up to ten minutes with no output.
/// </remarks>
internal sealed partial class ModelRuntime : IDisposable
{
    public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromSeconds(15);

    private readonly Lazy<ISegmenter> _segmenter;
    private long _loadStarted;

    public ModelRuntime(IOptions<InferenceOptions> options, ILoggerFactory loggerFactory)
        : this(options, loggerFactory, OnnxSegmenter.Create, DefaultProgressInterval)
    {
    }

    internal ModelRuntime(
        IOptions<InferenceOptions> options,
        ILoggerFactory loggerFactory,
        Func<InferenceOptions, ILoggerFactory, ISegmenter> load,
        TimeSpan progressInterval)
    {
        var logger = loggerFactory.CreateLogger<ModelRuntime>();
        _segmenter = new(() =>
        {
            var started = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref _loadStarted, started);
            try
            {
                return Load(options.Value, () => load(options.Value, loggerFactory), started, progressInterval, logger);
            }
            catch
            {
                Interlocked.Exchange(ref _loadStarted, 0);
                throw;
            }
        });
    }

    public ISegmenter Segmenter => _segmenter.Value;

    public bool IsLoaded => _segmenter.IsValueCreated;

    /// <summary>
    /// Loads the model off the caller's thread (or returns the loaded one), so that a stop asked for during a long load
    /// (an engine build) is not held up by it; the load itself goes on until it ends.
    /// </summary>
    public Task<ISegmenter> LoadAsync(CancellationToken cancellationToken) =>
        Task.Run(() => Segmenter, CancellationToken.None).WaitAsync(cancellationToken);

    /// <summary>How long the model has been loading; null before the load starts and once it has ended.</summary>
    public TimeSpan? LoadingFor
    {
        get
        {
            var started = Interlocked.Read(ref _loadStarted);
            return started == 0 || _segmenter.IsValueCreated ? null : Stopwatch.GetElapsedTime(started);
        }
    }

    public void Dispose()
    {
        if (_segmenter.IsValueCreated)
        {
            _segmenter.Value.Dispose();
        }
    }

    private static ISegmenter Load(InferenceOptions options, Func<ISegmenter> load, long started, TimeSpan progressInterval, ILogger logger)
    {
        LogLoading(logger, options.Path, options.ExecutionProvider.Trim().ToLowerInvariant());
        if (ExecutionProviderNames.TryParse(options.ExecutionProvider, out var provider) && provider == ExecutionProviderKind.TensorRt)
        {
            LogEngineBuild(logger, string.IsNullOrWhiteSpace(options.TensorRt.EngineCacheDir) ? "nowhere (EngineCacheDir is empty)" : options.TensorRt.EngineCacheDir);
        }

        using (new Timer(_ => LogStillLoading(logger, options.Path, Stopwatch.GetElapsedTime(started).TotalSeconds), null, progressInterval, progressInterval))
        {
            var segmenter = load();
            LogLoaded(logger, options.Path, segmenter.ExecutionProvider, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return segmenter;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model {Path} (execution provider {Provider} asked for)")]
    private static partial void LogLoading(ILogger logger, string path, string provider);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "TensorRT builds an engine on the first start with a model, precision or TensorRT version: minutes on a Jetson. Engines are cached in {EngineCacheDir}")]
    private static partial void LogEngineBuild(ILogger logger, string engineCacheDir);

    [LoggerMessage(Level = LogLevel.Information, Message = "Still loading model {Path}: {Seconds:F0} s so far")]
    private static partial void LogStillLoading(ILogger logger, string path, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Path} loaded on {Provider} in {Seconds:F1} s")]
    private static partial void LogLoaded(ILogger logger, string path, string provider, double seconds);
}
