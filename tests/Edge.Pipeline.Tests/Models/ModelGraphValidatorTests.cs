using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Tests.Models;

public sealed class ModelGraphValidatorTests
{
    private const string ModelPath = "models/x.onnx";

    [Fact]
    public void A_matching_graph_passes()
    {
        var manifest = Manifest();
        var graph = Graph(Input([1, 3, 512, 1024]), Output("logits", "float32", [1, 19, 64, 128]));

        Assert.Empty(ModelGraphValidator.FindMismatches(manifest, graph, ModelPath));
        ModelGraphValidator.Validate(manifest, graph, ModelPath);
    }

    [Fact]
    public void Symbolic_dimensions_match_and_take_the_manifest_values()
    {
        var manifest = Manifest();
        var output = Output("logits", "float32", [-1, 19, -1, -1], ["batch", "", "h", "w"]);
        var graph = Graph(Input([-1, 3, -1, -1], symbols: ["batch", "", "height", "width"]), output);

        Assert.Empty(ModelGraphValidator.FindMismatches(manifest, graph, ModelPath));
        Assert.Equal([1, 19, 64, 128], ModelGraphValidator.ResolveOutputShape(manifest, output));
    }

    [Fact]
    public void A_different_input_height_names_both_values_and_the_file()
    {
        var graph = Graph(Input([1, 3, 256, 1024]), Output("logits", "float32", [1, 19, 32, 128]));

        var ex = Assert.Throws<ModelGraphMismatchException>(() => ModelGraphValidator.Validate(Manifest(), graph, ModelPath));

        Assert.Contains("Model input height: manifest says 512, graph says 256 (models/x.onnx)", ex.Message);
        Assert.Contains("Model output height: manifest says 64", ex.Message);
        Assert.Contains("graph says 32", ex.Message);
        Assert.Contains("models/x.json", ex.Message);
    }

    [Fact]
    public void Every_kind_of_input_difference_is_reported()
    {
        var graph = Graph(Input([2, 1, 512, 1000], name: "pixels", type: "float16"), Output("logits", "float32", [1, 19, 64, 128]));
        var renamed = Manifest() with { Input = Manifest().Input with { Name = "pixels" } };

        var problems = ModelGraphValidator.FindMismatches(renamed, graph, ModelPath);

        Assert.Contains(problems, p => p.StartsWith("Model input dtype: manifest says float32, graph says float16", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Model input batch: manifest says 1, graph says 2", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Model input channels: manifest says 3, graph says 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Model input width: manifest says 1024, graph says 1000", StringComparison.Ordinal));
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void Wrong_names_list_what_the_graph_has()
    {
        var graph = Graph(Input([1, 3, 512, 1024], name: "input.1"), Output("out", "float32", [1, 19, 64, 128]));

        var problems = ModelGraphValidator.FindMismatches(Manifest(), graph, ModelPath);

        Assert.Contains("Model input name: manifest says 'image', graph says 'input.1' (models/x.onnx)", problems);
        Assert.Contains("Model output name: manifest says 'logits', graph says 'out' (models/x.onnx)", problems);
    }

    [Fact]
    public void The_class_count_must_match_the_logits_channels()
    {
        var graph = Graph(Input([1, 3, 512, 1024]), Output("logits", "float32", [1, 21, 64, 128]));

        var problems = ModelGraphValidator.FindMismatches(Manifest(), graph, ModelPath);

        Assert.Equal(["Model output classes: manifest lists 19 classes, graph says 21 (models/x.onnx)"], problems);
    }

    [Theory]
    [InlineData(new long[] { 1, 64, 128 }, "int64")]
    [InlineData(new long[] { 1, 1, 64, 128 }, "uint8")]
    [InlineData(new long[] { -1, 64, 128 }, "int64")]
    public void Labels_may_be_three_or_four_dimensional(long[] shape, string type)
    {
        var manifest = Manifest(kind: "labels");
        var output = Output("logits", type, shape);

        Assert.Empty(ModelGraphValidator.FindMismatches(manifest, Graph(Input([1, 3, 512, 1024]), output), ModelPath));
        Assert.Equal(shape.Length, ModelGraphValidator.ResolveOutputShape(manifest, output).Length);
    }

    [Fact]
    public void Labels_with_class_planes_or_float_values_are_refused()
    {
        var graph = Graph(Input([1, 3, 512, 1024]), Output("logits", "float32", [1, 19, 64, 128]));

        var problems = ModelGraphValidator.FindMismatches(Manifest(kind: "labels"), graph, ModelPath);

        Assert.Contains(problems, p => p.StartsWith("Model output dtype: manifest says labels (int64 or uint8), graph says float32", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Model output channels (labels): manifest says 1, graph says 19", StringComparison.Ordinal));
    }

    [Fact]
    public void Logits_of_the_wrong_rank_show_the_expected_shape()
    {
        var graph = Graph(Input([1, 3, 512, 1024]), Output("logits", "int64", [1, 64, 128]));

        var problems = ModelGraphValidator.FindMismatches(Manifest(), graph, ModelPath);

        Assert.Contains("Model output dtype: manifest says logits (float32 or float16), graph says int64 (models/x.onnx)", problems);
        Assert.Contains("Model output shape: manifest says logits (1, 19, 64, 128), graph says (1, 64, 128) (models/x.onnx)", problems);
    }

    [Fact]
    public void A_second_graph_input_is_refused()
    {
        var graph = new ModelGraph([Input([1, 3, 512, 1024]), Input([1], name: "scale")], [Output("logits", "float32", [1, 19, 64, 128])]);

        var problems = ModelGraphValidator.FindMismatches(Manifest(), graph, ModelPath);

        Assert.Equal(["Model inputs: the agent feeds exactly one image input, graph has 2 ('image', 'scale') (models/x.onnx)"], problems);
    }

    private static ModelManifest Manifest(string kind = "logits") => new()
    {
        Name = "x",
        Variant = "T",
        Input = new ModelInputSpec { Height = 512, Width = 1024, Mean = [0, 0, 0], Std = [1, 1, 1] },
        Output = new ModelOutputSpec { Kind = kind, Stride = 8 },
        Classes = Enumerable.Range(0, 19).Select(i => new ClassInfo(i, $"c{i}", [1, 2, 3])).ToList(),
    };

    private static ModelGraph Graph(GraphTensor input, GraphTensor output) => new([input], [output]);

    private static GraphTensor Input(long[] shape, string name = "image", string type = "float32", string[]? symbols = null) =>
        new(name, type, shape, symbols ?? shape.Select(_ => string.Empty).ToArray());

    private static GraphTensor Output(string name, string type, long[] shape, string[]? symbols = null) =>
        new(name, type, shape, symbols ?? shape.Select(_ => string.Empty).ToArray());
}
