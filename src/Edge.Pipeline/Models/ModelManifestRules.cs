namespace SegMan.Edge.Pipeline.Models;

/// <summary>What a well-formed manifest must satisfy beyond having its fields: each rule says what is wrong and how to fix it.</summary>
internal static class ModelManifestRules
{
    /// <summary>Labels travel as one byte per pixel.</summary>
    public const int MaxClasses = 256;

    public static IReadOnlyList<string> Check(ModelManifest manifest)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(manifest.Name))
        {
            problems.Add("name must not be empty");
        }

        if (string.IsNullOrWhiteSpace(manifest.Variant))
        {
            problems.Add("variant must not be empty");
        }

        CheckInput(manifest.Input, problems);
        CheckOutput(manifest.Output, manifest.Input, problems);
        CheckClasses(manifest.Classes, problems);
        if (manifest.Slide is { } slide)
        {
            CheckSlide(slide, manifest.Input, manifest.Output, problems);
        }

        if (!IsKnown(manifest.Precision, "fp32", "fp16", "int8"))
        {
            problems.Add($"precision is '{manifest.Precision}', expected fp32, fp16 or int8");
        }

        if (manifest.CustomOps.Ops.Count > 0 && string.IsNullOrWhiteSpace(manifest.CustomOps.Domain))
        {
            problems.Add("customOps.domain must not be empty when customOps.ops lists ops");
        }

        return problems;
    }

    private static void CheckInput(ModelInputSpec input, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(input.Name))
        {
            problems.Add("input.name must not be empty");
        }

        if (input.Height <= 0 || input.Width <= 0)
        {
            problems.Add($"input.height and input.width must be positive (found {input.Height}x{input.Width})");
        }

        if (!string.Equals(input.Layout, "NCHW", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"input.layout is '{input.Layout}'; only NCHW is supported");
        }

        if (!IsKnown(input.Dtype, "float32", "float16"))
        {
            problems.Add($"input.dtype is '{input.Dtype}', expected float32 or float16");
        }

        if (!IsKnown(input.ColorOrder, "RGB", "BGR"))
        {
            problems.Add($"input.colorOrder is '{input.ColorOrder}', expected RGB or BGR");
        }

        if (input.Mean.Count != 3)
        {
            problems.Add($"input.mean must have 3 values (one per channel), found {input.Mean.Count}");
        }

        if (input.Std.Count != 3)
        {
            problems.Add($"input.std must have 3 values (one per channel), found {input.Std.Count}");
        }
        else if (input.Std.Any(s => !(s > 0)))
        {
            problems.Add("input.std values must all be positive");
        }
        else if (input.Std.All(s => s < 1))
        {
            // A 0–1 scale (e.g. ImageNet's 0.229) would silently blow the inputs up 255-fold.
            problems.Add("input.std looks like a 0–1 scale; mean and std are in 0–255 pixel units (e.g. std [58.395, 57.12, 57.375])");
        }
    }

    private static void CheckOutput(ModelOutputSpec output, ModelInputSpec input, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(output.Name))
        {
            problems.Add("output.name must not be empty");
        }

        if (!IsKnown(output.Kind, "logits", "labels"))
        {
            problems.Add($"output.kind is '{output.Kind}', expected logits or labels");
        }

        if (output.Stride <= 0)
        {
            problems.Add($"output.stride must be positive (found {output.Stride})");
        }
        else if (input.Height % output.Stride != 0 || input.Width % output.Stride != 0)
        {
            problems.Add($"input size {input.Height}x{input.Width} is not a multiple of output.stride {output.Stride}");
        }

        if (!IsKnown(output.Upsample, "none", "bilinear"))
        {
            problems.Add($"output.upsample is '{output.Upsample}', expected none or bilinear");
        }
        else if (output.IsBilinear && !IsKnown(output.Kind, "logits"))
        {
            problems.Add($"output.upsample is bilinear but output.kind is '{output.Kind}': labels cannot be blended; " +
                "use output.kind logits, or set output.upsample to none");
        }
    }

    private static void CheckSlide(SlideSpec slide, ModelInputSpec input, ModelOutputSpec output, List<string> problems)
    {
        if (!IsKnown(output.Kind, "logits"))
        {
            problems.Add($"slide needs output.kind logits (overlapping windows' logits are averaged), not '{output.Kind}'");
        }

        if (slide.Height < input.Height || slide.Width < input.Width)
        {
            problems.Add($"slide frame {slide.Height}x{slide.Width} is smaller than the input {input.Height}x{input.Width}: " +
                "make it at least the input size, or remove slide to resize frames to the input");
        }

        if (slide.RowStride <= 0 || slide.RowStride > input.Height || slide.ColumnStride <= 0 || slide.ColumnStride > input.Width)
        {
            problems.Add($"slide strides {slide.RowStride}x{slide.ColumnStride} must be positive and at most the input " +
                $"{input.Height}x{input.Width} (larger strides would leave pixels no window covers)");
        }

        // Windows are placed on whole output cells, so that their logits add up cell by cell.
        var stride = output.Stride;
        if (stride > 0 && (slide.Height % stride != 0 || slide.Width % stride != 0 || slide.RowStride % stride != 0 || slide.ColumnStride % stride != 0))
        {
            problems.Add($"slide frame {slide.Height}x{slide.Width} and strides {slide.RowStride}x{slide.ColumnStride} " +
                $"must be multiples of output.stride {stride}");
        }
    }

    private static void CheckClasses(IReadOnlyList<ClassInfo> classes, List<string> problems)
    {
        if (classes.Count is 0 or > MaxClasses)
        {
            problems.Add($"classes must list 1 to {MaxClasses} classes, found {classes.Count}");
        }

        for (var i = 0; i < classes.Count; i++)
        {
            var entry = classes[i];
            if (entry.Id != i)
            {
                problems.Add($"classes[{i}] has id {entry.Id}; ids must be 0..{classes.Count - 1} in order");
            }

            if (string.IsNullOrWhiteSpace(entry.Name))
            {
                problems.Add($"classes[{i}].name must not be empty");
            }

            if (entry.Color.Count != 3)
            {
                problems.Add($"classes[{i}].color must have 3 values (R, G, B), found {entry.Color.Count}");
            }
        }
    }

    private static bool IsKnown(string value, params string[] known) =>
        known.Any(k => string.Equals(value, k, StringComparison.OrdinalIgnoreCase));
}
