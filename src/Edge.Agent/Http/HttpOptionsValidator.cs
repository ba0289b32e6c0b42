using Microsoft.Extensions.Options;

namespace SegMan.Edge.Agent.Http;

/// <summary>Checks <c>SegMan:Http</c> at start-up; every message names the key and the fix.</summary>
internal sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled)
        {
            var urls = SplitUrls(options.Urls);
            if (urls.Count == 0)
            {
                failures.Add($"{HttpOptions.SectionName}:Urls is empty: set it to e.g. http://127.0.0.1:8080, or set {HttpOptions.SectionName}:Enabled=false.");
            }

            foreach (var url in urls)
            {
                if (!Uri.TryCreate(url.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                    || uri.Scheme != Uri.UriSchemeHttp)
                {
                    failures.Add($"{HttpOptions.SectionName}:Urls has '{url}': use http://host:port (e.g. http://127.0.0.1:8080 or http://0.0.0.0:8080); HTTPS is left to a reverse proxy.");
                }
            }
        }

        if (options.OverlayFps is not (> 0 and <= 30))
        {
            failures.Add($"{HttpOptions.SectionName}:OverlayFps is {options.OverlayFps}: use a value above 0 and at most 30 (5 keeps the cost low).");
        }

        if (options.JpegQuality is < 1 or > 100)
        {
            failures.Add($"{HttpOptions.SectionName}:JpegQuality is {options.JpegQuality}: use 1 to 100 (80 is a good default).");
        }

        if (options.ReadyFrameAgeSeconds <= 0)
        {
            failures.Add($"{HttpOptions.SectionName}:ReadyFrameAgeSeconds is {options.ReadyFrameAgeSeconds}: use a positive number of seconds (10 by default).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static IReadOnlyList<string> SplitUrls(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
