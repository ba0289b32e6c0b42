using System.Net;
using System.Text.Json;

namespace SegMan.Edge.Agent.Tests.Http;

[Collection(LiveAgentCollection.Name)]
public sealed class HealthEndpointTests(LiveAgentFixture agent)
{
    [Fact]
    public async Task Healthz_answers_alive()
    {
        using var response = await agent.Client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("alive", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_becomes_ready_with_model_cameras_and_mqtt()
    {
        string last = "";
        await LiveAgentFixture.WaitForAsync(async () =>
        {
            using var response = await agent.Client.GetAsync(new Uri("/readyz", UriKind.Relative));
            last = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/readyz answered {response.StatusCode}");
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30), "/readyz to answer 200");

        using var body = JsonDocument.Parse(last);
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        var checks = body.RootElement.GetProperty("checks");
        foreach (var part in new[] { "model", "cameras", "mqtt" })
        {
            Assert.True(checks.GetProperty(part).GetProperty("ready").GetBoolean(), last);
        }

        var cameras = checks.GetProperty("cameras").GetProperty("data");
        Assert.All(LiveAgentFixture.CameraIds, id => Assert.Contains("streaming", cameras.GetProperty(id).GetString(), StringComparison.Ordinal));
        Assert.Contains("baseline-palette", checks.GetProperty("model").GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}
