using System.Globalization;
using System.Text.Json;
using SegMan.Edge.Pipeline.Models;

namespace SegMan.Edge.Pipeline.Publishing.Payloads;

/// <summary>
/// JSON-encoded class names by class id (0..255, the range of an 8-bit label map), encoded once so
/// per-frame payloads write them without allocating. Unknown ids are "class{id}"; a repeated name gets
/// "_{id}" appended so that JSON keys stay unique.
/// </summary>
public sealed class ClassNames
{
    public const int MaxClasses = 256;

    private readonly JsonEncodedText[] _encoded = new JsonEncodedText[MaxClasses];
    private readonly string[] _names = new string[MaxClasses];

    public ClassNames(IReadOnlyList<ClassInfo> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in classes)
        {
            if (info.Id is < 0 or >= MaxClasses || _names[info.Id] is not null)
            {
                continue;
            }

            var name = string.IsNullOrEmpty(info.Name) ? Fallback(info.Id) : info.Name;
            _names[info.Id] = used.Add(name) ? name : name + "_" + info.Id.ToString(CultureInfo.InvariantCulture);
            used.Add(_names[info.Id]);
        }

        for (var id = 0; id < MaxClasses; id++)
        {
            if (_names[id] is null)
            {
                var fallback = Fallback(id);
                _names[id] = used.Add(fallback) ? fallback : fallback + "_";
            }

            _encoded[id] = JsonEncodedText.Encode(_names[id]);
        }

        DeclaredCount = classes.Count == 0 ? 0 : Math.Min(MaxClasses, classes.Max(static c => c.Id) + 1);
    }

    /// <summary>One more than the highest declared class id.</summary>
    public int DeclaredCount { get; }

    public string this[int id] => _names[id];

    public JsonEncodedText Encoded(int id) => _encoded[id];

    private static string Fallback(int id) => "class" + id.ToString(CultureInfo.InvariantCulture);
}
