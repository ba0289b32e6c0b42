using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Tests.Models;

public sealed class ModelManifestLoaderTests : IDisposable
{
    private const string Valid = """
        {
          "name": "baseline-palette",
          "variant": "T",
          "input": { "name": "image", "height": 512, "width": 1024, "layout": "NCHW", "dtype": "float32",
                     "colorOrder": "RGB", "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375] },
          "output": { "kind": "logits", "stride": 8, "name": "logits" },
          "classes": [
            { "id": 0, "name": "road", "color": [128, 64, 128] },
            { "id": 1, "name": "sky", "color": [70, 130, 180] }
          ],
          "precision": "fp16",
          "customOps": { "domain": "com.segman.edge", "ops": ["SelectiveScan2D", "NeighborhoodAttention2D"] },
          "training": { "data": "synthetic drive", "mIoU": 0.61 }
        }
        """;

    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void Loads_every_field_of_a_valid_manifest()
    {
        var manifest = ModelManifestLoader.LoadForModel(Write("model", Valid));

        Assert.Equal("baseline-palette", manifest.Name);
        Assert.Equal("T", manifest.Variant);
        Assert.Equal(512, manifest.Input.Height);
        Assert.Equal(1024, manifest.Input.Width);
        Assert.Equal("RGB", manifest.Input.ColorOrder);
        Assert.Equal([123.675f, 116.28f, 103.53f], manifest.Input.Mean);
        Assert.Equal([58.395f, 57.12f, 57.375f], manifest.Input.Std);
        Assert.Equal("logits", manifest.Output.Kind);
        Assert.False(manifest.Output.IsLabels);
        Assert.Equal(8, manifest.Output.Stride);
        Assert.Equal(2, manifest.Classes.Count);
        Assert.Equal("sky", manifest.Classes[1].Name);
        Assert.Equal([70, 130, 180], manifest.Classes[1].Color);
        Assert.Equal("fp16", manifest.Precision);
        Assert.Equal(["SelectiveScan2D", "NeighborhoodAttention2D"], manifest.CustomOps.Ops);
        Assert.Equal(0.61, manifest.Training!.MeanIoU);
    }

    [Fact]
    public void Optional_fields_take_their_defaults()
    {
        var json = """
            { "name": "m", "variant": "v",
              "input": { "height": 8, "width": 8, "mean": [0, 0, 0], "std": [1, 1, 1] },
              "output": { "kind": "labels" },
              "classes": [ { "id": 0, "name": "a", "color": [1, 2, 3] } ] }
            """;

        var manifest = ModelManifestLoader.Parse(json, "m.json");

        Assert.Equal("image", manifest.Input.Name);
        Assert.Equal("float32", manifest.Input.Dtype);
        Assert.Equal("NCHW", manifest.Input.Layout);
        Assert.Equal(1, manifest.Output.Stride);
        Assert.True(manifest.Output.IsLabels);
        Assert.Equal("none", manifest.Output.Upsample);
        Assert.False(manifest.Output.IsBilinear);
        Assert.Equal("fp32", manifest.Precision);
        Assert.Empty(manifest.CustomOps.Ops);
        Assert.Null(manifest.Training);
    }

    [Theory]
    [InlineData("bilinear", true)]
    [InlineData("Bilinear", true)]
    [InlineData("none", false)]
    public void Output_upsample_is_read(string upsample, bool bilinear)
    {
        var json = Valid.Replace("\"stride\": 8,", $"\"stride\": 8, \"upsample\": \"{upsample}\",", StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var manifest = ModelManifestLoader.Parse(json, "m.json");

        Assert.Equal(upsample, manifest.Output.Upsample);
        Assert.Equal(bilinear, manifest.Output.IsBilinear);
    }

    [Fact]
    public void Bilinear_upsampling_of_labels_is_refused_with_the_fix()
    {
        var json = Valid.Replace("\"kind\": \"logits\", \"stride\": 8,", "\"kind\": \"labels\", \"stride\": 8, \"upsample\": \"bilinear\",", StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json, "models/x.json"));

        Assert.Contains("models/x.json", ex.Message);
        Assert.Contains("output.upsample is bilinear but output.kind is 'labels'", ex.Message);
        Assert.Contains("use output.kind logits, or set output.upsample to none", ex.Message);
    }

    [Fact]
    public void An_unknown_upsampling_is_refused()
    {
        var json = Valid.Replace("\"stride\": 8,", "\"stride\": 8, \"upsample\": \"bicubic\",", StringComparison.Ordinal);

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json, "m.json"));

        Assert.Contains("output.upsample is 'bicubic', expected none or bilinear", ex.Message);
    }

    [Fact]
    public void A_missing_manifest_names_the_file_it_looked_for()
    {
        var modelPath = Path.Combine(_folder.Path, "lonely.onnx");

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.LoadForModel(modelPath));

        Assert.Contains(Path.Combine(_folder.Path, "lonely.json"), ex.Message);
        Assert.Contains("beside", ex.Message);
    }

    [Fact]
    public void Bad_json_is_reported_with_its_line()
    {
        var broken = Valid.Replace("\"variant\": \"T\",", "\"variant\": \"T\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.LoadForModel(Write("broken", broken)));

        Assert.Contains("not valid JSON", ex.Message);
        Assert.Contains("line 4", ex.Message);
        Assert.Contains("broken.json", ex.Message);
    }

    [Fact]
    public void Missing_fields_are_named_with_their_path()
    {
        var json = """
            { "name": "m",
              "input": { "width": 8, "mean": [0, 0, 0], "std": [1, 1, 1] },
              "output": { "stride": 2 },
              "classes": [ { "id": 0, "color": [1, 2, 3] } ] }
            """;

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json, "m.json"));

        Assert.Contains("variant", ex.Message);
        Assert.Contains("input.height", ex.Message);
        Assert.Contains("output.kind", ex.Message);
        Assert.Contains("classes[0].name", ex.Message);
        Assert.DoesNotContain("input.width", ex.Message);
    }

    [Fact]
    public void A_wrongly_typed_value_names_the_field_and_line()
    {
        var json = Valid.Replace("\"height\": 512", "\"height\": \"tall\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json, "m.json"));

        Assert.Contains("input.height", ex.Message);
        Assert.Contains("line 4", ex.Message);
    }

    [Theory]
    [InlineData("\"mean\": [123.675, 116.28, 103.53]", "\"mean\": [123.675]", "input.mean must have 3 values")]
    [InlineData("\"std\": [58.395, 57.12, 57.375]", "\"std\": [58.395, 57.12, 57.375, 1]", "input.std must have 3 values")]
    [InlineData("\"std\": [58.395, 57.12, 57.375]", "\"std\": [0.229, 0.224, 0.225]", "0–255 pixel units")]
    [InlineData("\"std\": [58.395, 57.12, 57.375]", "\"std\": [58.395, 0, 57.375]", "positive")]
    [InlineData("{ \"id\": 1, \"name\": \"sky\"", "{ \"id\": 5, \"name\": \"sky\"", "classes[1] has id 5; ids must be 0..1")]
    [InlineData("\"kind\": \"logits\"", "\"kind\": \"boxes\"", "output.kind is 'boxes'")]
    [InlineData("\"stride\": 8", "\"stride\": 7", "not a multiple of output.stride 7")]
    [InlineData("\"dtype\": \"float32\"", "\"dtype\": \"int8\"", "input.dtype is 'int8'")]
    [InlineData("\"layout\": \"NCHW\"", "\"layout\": \"NHWC\"", "only NCHW")]
    [InlineData("\"colorOrder\": \"RGB\"", "\"colorOrder\": \"YUV\"", "input.colorOrder")]
    [InlineData("\"precision\": \"fp16\"", "\"precision\": \"fp8\"", "precision is 'fp8'")]
    [InlineData("\"color\": [70, 130, 180]", "\"color\": [70, 130]", "classes[1].color must have 3 values")]
    public void Impossible_values_are_refused_with_the_field_and_the_fix(string original, string replacement, string expected)
    {
        var json = Valid.Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json, "models/x.json"));

        Assert.Contains(expected, ex.Message);
        Assert.Contains("models/x.json", ex.Message);
    }

    [Fact]
    public void A_slide_block_is_read_and_sets_the_frame_size()
    {
        var manifest = ModelManifestLoader.Parse(WithSlide("\"height\": 1024, \"width\": 2048, \"rowStride\": 384, \"columnStride\": 768"), "m.json");

        Assert.Equal(new SlideSpec { Height = 1024, Width = 2048, RowStride = 384, ColumnStride = 768 }, manifest.Slide);
        Assert.Equal((1024, 2048), (manifest.FrameHeight, manifest.FrameWidth));
        Assert.Equal((512, 1024), (manifest.Input.Height, manifest.Input.Width));
    }

    [Fact]
    public void Without_a_slide_block_frames_take_the_input_size()
    {
        var manifest = ModelManifestLoader.Parse(Valid, "m.json");

        Assert.Null(manifest.Slide);
        Assert.Equal((512, 1024), (manifest.FrameHeight, manifest.FrameWidth));
    }

    [Theory]
    [InlineData("\"height\": 256, \"width\": 2048, \"rowStride\": 384, \"columnStride\": 768", "smaller than the input 512x1024")]
    [InlineData("\"height\": 1024, \"width\": 2048, \"rowStride\": 604, \"columnStride\": 768", "multiples of output.stride 8")]
    [InlineData("\"height\": 1020, \"width\": 2048, \"rowStride\": 384, \"columnStride\": 768", "multiples of output.stride 8")]
    [InlineData("\"height\": 1024, \"width\": 2048, \"rowStride\": 384, \"columnStride\": 1032", "at most the input 512x1024")]
    [InlineData("\"height\": 1024, \"width\": 2048, \"rowStride\": 0, \"columnStride\": 768", "must be positive")]
    public void An_impossible_slide_is_refused_with_the_fix(string slide, string expected)
    {
        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(WithSlide(slide), "models/x.json"));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void A_labels_model_cannot_slide()
    {
        var json = WithSlide("\"height\": 1024, \"width\": 2048, \"rowStride\": 512, \"columnStride\": 768")
            .Replace("\"kind\": \"logits\"", "\"kind\": \"labels\"", StringComparison.Ordinal);

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json, "models/x.json"));

        Assert.Contains("slide needs output.kind logits", ex.Message);
    }

    [Fact]
    public void A_colour_component_above_255_is_refused()
    {
        var json = Valid.Replace("[70, 130, 180]", "[70, 130, 300]", StringComparison.Ordinal);

        var ex = Assert.Throws<ModelManifestException>(() => ModelManifestLoader.Parse(json, "m.json"));

        Assert.Contains("classes[1].color", ex.Message);
    }

    [Fact]
    public void Every_committed_test_manifest_loads()
    {
        foreach (var json in Directory.GetFiles(TestModels.Directory, "*.json"))
        {
            var manifest = ModelManifestLoader.Load(json);
            Assert.Equal(Path.GetFileNameWithoutExtension(json), manifest.Name);
        }
    }

    public void Dispose() => _folder.Dispose();

    private static string WithSlide(string fields) =>
        Valid.Replace("\"precision\": \"fp16\",", $"\"precision\": \"fp16\", \"slide\": {{ {fields} }},", StringComparison.Ordinal);

    private string Write(string name, string json)
    {
        var modelPath = Path.Combine(_folder.Path, name + ".onnx");
        File.WriteAllText(Path.ChangeExtension(modelPath, ".json"), json);
        return modelPath;
    }
}
