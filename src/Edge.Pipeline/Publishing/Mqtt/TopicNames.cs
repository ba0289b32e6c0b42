using System.Text;

namespace SegMan.Edge.Pipeline.Publishing.Mqtt;

/// <summary>
/// The topic layout: <c>{prefix}/{deviceId}/status</c> and <c>{prefix}/{deviceId}/{cameraId}/{stats|mask|summary|status}</c>.
/// Ids are sanitised so that an id can never add a level or a wildcard to a topic.
/// </summary>
public static class TopicNames
{
    /// <summary>
    /// Makes an id safe as one topic level: '+', '#', '/', control characters, U+0000 and unpaired surrogates
    /// become '_'; an empty id becomes "_".
    /// </summary>
    public static string Sanitize(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "_";
        }

        if (IsClean(id))
        {
            return id;
        }

        var builder = new StringBuilder(id.Length);
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsHighSurrogate(c) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                builder.Append(c).Append(id[++i]);
            }
            else
            {
                builder.Append(IsForbidden(c) ? '_' : c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The device's root: <c>{prefix}/{sanitised deviceId}</c>.</summary>
    public static string DeviceRoot(string prefix, string deviceId) => prefix + "/" + Sanitize(deviceId);

    /// <summary>The retained device status topic (birth and last will).</summary>
    public static string DeviceStatus(string deviceRoot) => deviceRoot + "/status";

    /// <summary>Why <paramref name="prefix"/> cannot start topics, or null when it can.</summary>
    public static string? ValidatePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return "is empty";
        }

        if (prefix.StartsWith('$'))
        {
            return "starts with '$' (reserved for broker topics)";
        }

        if (prefix.StartsWith('/') || prefix.EndsWith('/') || prefix.Contains("//", StringComparison.Ordinal))
        {
            return "has an empty level (leading, trailing or doubled '/')";
        }

        foreach (var c in prefix)
        {
            if (c != '/' && IsForbidden(c))
            {
                return "holds a wildcard ('+', '#') or a control character";
            }
        }

        return null;
    }

    private static bool IsClean(string id)
    {
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsHighSurrogate(c) && i + 1 < id.Length && char.IsLowSurrogate(id[i + 1]))
            {
                i++;
                continue;
            }

            if (IsForbidden(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsForbidden(char c) =>
        c is '+' or '#' or '/' || char.IsControl(c) || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF';
}
