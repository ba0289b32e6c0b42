using System.Text.Json;

namespace SegMan.Edge.Pipeline.Models;

/// <summary>
/// Reads and checks the manifest <c>&lt;model&gt;.json</c> that lies beside <c>&lt;model&gt;.onnx</c>.
/// Every problem is reported as a <see cref="ModelManifestException"/> naming the file, the field and the fix.
/// </summary>
/// <remarks>
/// <c>input.mean</c> and <c>input.std</c> are in 8-bit pixel units (0–255), applied after the colour conversion:
/// <c>x' = (x − mean[c]) / std[c]</c>, e.g. mean [123.675, 116.28, 103.53], std [58.395, 57.12, 57.375].
/// </remarks>
public static class ModelManifestLoader
{
    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The manifest path of a model: the same name with the extension <c>.json</c>.</summary>
    public static string ManifestPathFor(string modelPath) => Path.ChangeExtension(modelPath, ".json");

    /// <summary>Loads the manifest that lies beside <paramref name="modelPath"/>.</summary>
    public static ModelManifest LoadForModel(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return Load(ManifestPathFor(modelPath));
    }

    /// <summary>Loads and checks a manifest file.</summary>
    public static ModelManifest Load(string manifestPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifestPath);
        if (!File.Exists(manifestPath))
        {
            throw new ModelManifestException(
                $"Model manifest not found: {manifestPath}. Every model needs its manifest <model>.json beside " +
                "<model>.onnx (name, variant, input, output, classes); put it there or point SegMan:Model:Path at a model that has one.");
        }

        string json;
        try
        {
            json = File.ReadAllText(manifestPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelManifestException($"Model manifest {manifestPath} cannot be read: {ex.Message}", ex);
        }

        return Parse(json, manifestPath);
    }

    /// <summary>Parses and checks manifest JSON; <paramref name="source"/> names it in error messages.</summary>
    public static ModelManifest Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        using (var document = ParseDocument(json, source))
        {
            var missing = new List<string>();
            FindMissingFields(document.RootElement, missing);
            if (missing.Count > 0)
            {
                throw new ModelManifestException(
                    $"Model manifest {source} is missing required field(s): {string.Join(", ", missing)}.");
            }
        }

        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, SerializerOptions)
                ?? throw new ModelManifestException($"Model manifest {source} is empty (null).");
        }
        catch (JsonException ex)
        {
            var field = ex.Path is null ? "a field" : ex.Path.TrimStart('$', '.');
            throw new ModelManifestException(
                $"Model manifest {source}: {field} has a wrong value{LineSuffix(ex)}: {Friendly(TrimLocation(ex.Message))}", ex);
        }

        var problems = ModelManifestRules.Check(manifest);
        if (problems.Count > 0)
        {
            throw new ModelManifestException($"Model manifest {source} is not valid: {string.Join("; ", problems)}.");
        }

        return manifest;
    }

    private static JsonDocument ParseDocument(string json, string source)
    {
        try
        {
            var document = JsonDocument.Parse(json, DocumentOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new ModelManifestException($"Model manifest {source} must be a JSON object.");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw new ModelManifestException($"Model manifest {source} is not valid JSON{LineSuffix(ex)}: {TrimLocation(ex.Message)}", ex);
        }
    }

    private static void FindMissingFields(JsonElement root, List<string> missing)
    {
        Require(root, string.Empty, missing, "name", "variant", "input", "output", "classes");
        if (TryGet(root, "input", out var input) && input.ValueKind == JsonValueKind.Object)
        {
            Require(input, "input.", missing, "height", "width", "mean", "std");
        }

        if (TryGet(root, "output", out var output) && output.ValueKind == JsonValueKind.Object)
        {
            Require(output, "output.", missing, "kind");
        }

        if (TryGet(root, "classes", out var classes) && classes.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var entry in classes.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object)
                {
                    Require(entry, $"classes[{index}].", missing, "id", "name", "color");
                }

                index++;
            }
        }
    }

    private static void Require(JsonElement element, string prefix, List<string> missing, params string[] names)
    {
        foreach (var name in names)
        {
            if (!TryGet(element, name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                missing.Add(prefix + name);
            }
        }
    }

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string LineSuffix(JsonException ex) =>
        ex.LineNumber is { } line ? $" (line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1})" : string.Empty;

    // Says "a whole number" where the serializer says "System.Int32".
    private static string Friendly(string message) => message
        .Replace("System.Int32", "a whole number", StringComparison.Ordinal)
        .Replace("System.Byte", "a whole number from 0 to 255", StringComparison.Ordinal)
        .Replace("System.Single", "a number", StringComparison.Ordinal)
        .Replace("System.Double", "a number", StringComparison.Ordinal)
        .Replace("System.String", "a string", StringComparison.Ordinal);

    // The serializer appends its own zero-based location; the message above gives a one-based one.
    private static string TrimLocation(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var lineCut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0 || (lineCut >= 0 && lineCut < cut))
        {
            cut = lineCut;
        }

        return (cut >= 0 ? message[..cut] : message).TrimEnd(' ', '.', '|');
    }
}
