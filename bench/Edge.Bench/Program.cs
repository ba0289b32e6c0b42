using SegMan.Edge.Bench;

// segman-bench pipeline [--model models/x.onnx] [--video samples/drive.mp4] [--frames 200] [--warmup 20] [--mqtt]
// segman-bench miou [--model models/x.onnx] [--data bench/data/val]
// segman-bench spinning [--model models/x.onnx] [--frames 60]
// segman-bench latency --model models/a.onnx --against models/b.onnx [--frames 60]
// segman-bench soak [--minutes 3] [--cameras 4] [--broker-period 40] [--broker-down 5] [--summary-seconds 2] [--model FILE] [--video FILE]
var options = BenchOptions.Parse(args);
return options.Command switch
{
    "pipeline" => await PipelineBenchmark.RunAsync(options),
    "miou" => MeanIoUBenchmark.Run(options),
    "spinning" => SpinningBenchmark.Run(options),
    "latency" => ModelLatencyBenchmark.Run(options),
    "soak" => await SoakBenchmark.RunAsync(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: segman-bench pipeline|miou|spinning|latency [--model FILE] [--against FILE] [--video FILE] [--data DIR] [--frames N] [--warmup N] [--mqtt]");
    return 2;
}
