using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Pipeline.Tests.Publishing;

public class TopicNamesTests
{
    [Theory]
    [InlineData("front-left", "front-left")]
    [InlineData("cam 1", "cam 1")]
    [InlineData("a/b", "a_b")]
    [InlineData("all+", "all_")]
    [InlineData("#", "_")]
    [InlineData("x\0y", "x_y")]
    [InlineData("line\nbreak\t", "line_break_")]
    [InlineData("del\u007f", "del_")]
    [InlineData("", "_")]
    [InlineData("Kamera-Süd", "Kamera-Süd")]
    public void Sanitize_replaces_what_would_change_the_topic_structure(string id, string expected)
    {
        Assert.Equal(expected, TopicNames.Sanitize(id));
    }

    [Fact]
    public void Sanitize_keeps_surrogate_pairs_and_replaces_lone_surrogates()
    {
        Assert.Equal("cam\U0001F4F7", TopicNames.Sanitize("cam\U0001F4F7"));
        Assert.Equal("a_b", TopicNames.Sanitize("a\uD800b"));
        Assert.Equal("a_", TopicNames.Sanitize("a\uDC00"));
    }

    [Fact]
    public void Sanitize_of_null_is_a_placeholder_level()
    {
        Assert.Equal("_", TopicNames.Sanitize(null));
    }

    [Fact]
    public void Sanitize_returns_the_same_instance_for_clean_ids()
    {
        const string id = "front";
        Assert.Same(id, TopicNames.Sanitize(id));
    }

    [Fact]
    public void Camera_topics_follow_the_contract()
    {
        var root = TopicNames.DeviceRoot("segman", "robot/7");
        var topics = CameraTopics.Create(root, "front#1");

        Assert.Equal("segman/robot_7", root);
        Assert.Equal("segman/robot_7/status", TopicNames.DeviceStatus(root));
        Assert.Equal("front_1", topics.CameraId);
        Assert.Equal("segman/robot_7/front_1/stats", topics.Stats);
        Assert.Equal("segman/robot_7/front_1/mask", topics.Mask);
        Assert.Equal("segman/robot_7/front_1/summary", topics.Summary);
        Assert.Equal("segman/robot_7/front_1/status", topics.Status);
    }

    [Theory]
    [InlineData("segman", true)]
    [InlineData("fleet/segman", true)]
    [InlineData("", false)]
    [InlineData("$SYS", false)]
    [InlineData("/segman", false)]
    [InlineData("segman/", false)]
    [InlineData("a//b", false)]
    [InlineData("seg+man", false)]
    [InlineData("seg#", false)]
    public void Prefix_may_have_levels_but_no_wildcards_or_empty_levels(string prefix, bool valid)
    {
        Assert.Equal(valid, TopicNames.ValidatePrefix(prefix) is null);
    }
}
