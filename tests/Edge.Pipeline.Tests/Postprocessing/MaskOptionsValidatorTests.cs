using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Tests.Postprocessing;

public sealed class MaskOptionsValidatorTests
{
    private readonly MaskOptionsValidator _validator = new();

    [Fact]
    public void The_defaults_are_valid()
    {
        var result = _validator.Validate(null, new MaskOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_full_valid_setting_passes()
    {
        var options = new MaskOptions
        {
            Format = MaskFormat.Rle,
            EveryNFrames = 0,
            Width = 256,
            Height = 128,
            Overlay = new OverlayOptions { Enabled = true, Path = "out", EveryNFrames = 1, Alpha = 1 },
        };

        Assert.True(_validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Every_bad_value_names_its_key_and_the_fix()
    {
        var options = new MaskOptions
        {
            Format = (MaskFormat)7,
            EveryNFrames = -1,
            Width = 0,
            Overlay = new OverlayOptions { Enabled = true, Path = " ", EveryNFrames = 0, Alpha = 1.5 },
        };

        var failures = _validator.Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("SegMan:Masks:Format '7' is not known: use png or rle", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Masks:EveryNFrames is -1", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Masks:Width and SegMan:Masks:Height go together", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Masks:Width is 0: use 1 to 8192", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Masks:Overlay:Path is empty", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Masks:Overlay:EveryNFrames is 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("SegMan:Masks:Overlay:Alpha is 1.5", StringComparison.Ordinal));
        Assert.Equal(7, failures.Count);
    }

    [Fact]
    public void A_disabled_overlay_is_not_checked()
    {
        var options = new MaskOptions { Overlay = new OverlayOptions { Enabled = false, Path = "", EveryNFrames = 0, Alpha = 9 } };

        Assert.True(_validator.Validate(null, options).Succeeded);
    }
}
