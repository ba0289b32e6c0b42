using System.Text.RegularExpressions;

namespace SegMan.Edge.Pipeline.Capture;

/// <summary>Removes credentials from source text before it reaches names, logs or messages.</summary>
public static partial class CredentialMask
{
    public const string Mask = "***";

    /// <summary>
    /// Replaces URL user info (<c>rtsp://user:pass@host</c> → <c>rtsp://***@host</c>) and the values of
    /// secret-looking parameters (<c>?token=…</c>, <c>password=…</c>, GStreamer's <c>user-pw=…</c>) with <see cref="Mask"/>.
    /// </summary>
    public static string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        string masked = UserInfo().Replace(text, "${scheme}" + Mask + "@");
        return SecretParameter().Replace(masked, "${key}" + Mask);
    }

    // Greedy up to the last '@' of the authority, so "p@ss" in an unencoded password is masked too.
    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/?#\s]*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    [GeneratedRegex(
        @"(?<key>(?<=^|[?&;\s""'])(?:password|passwd|pwd|pass|user-pw|user_pw|token|access_token|api_key|apikey|key|secret|auth|signature|sig)\s*=\s*)[^&\s""']+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretParameter();
}
