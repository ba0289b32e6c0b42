using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SegMan.Edge.Agent.Http;

/// <summary>
/// The live-view page: static HTML, script and style compiled into the assembly (Http/Page), so the agent serves it
/// without files on disk or anything from the internet.
/// </summary>
internal static class PageEndpoints
{
    private static readonly (string Path, string Resource, string ContentType)[] Assets =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/live.js", "live.js", "text/javascript; charset=utf-8"),
        ("/live.css", "live.css", "text/css; charset=utf-8"),
    ];

    public static void MapPage(this IEndpointRouteBuilder endpoints)
    {
        foreach (var (path, resource, contentType) in Assets)
        {
            var bytes = Read(resource);
            endpoints.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(bytes, contentType);
            });
        }
    }

    private static byte[] Read(string resource)
    {
        var name = $"{typeof(PageEndpoints).Namespace}.Page.{resource}";
        using var stream = typeof(PageEndpoints).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The page resource {name} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
