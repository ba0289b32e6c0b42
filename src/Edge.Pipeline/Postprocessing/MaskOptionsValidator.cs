using Microsoft.Extensions.Options;
using SegMan.Edge.Pipeline.Running;

namespace SegMan.Edge.Pipeline.Postprocessing;

/// <summary>Checks <see cref="MaskOptions"/>; every message names the <c>SegMan:Masks</c> key and the fix.</summary>
public sealed class MaskOptionsValidator : IValidateOptions<MaskOptions>
{
    /// <summary>Larger masks make no sense on the wire (and would not fit an MQTT packet comfortably).</summary>
    public const int MaxSide = 8192;

    private const string Section = MaskOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, MaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (!Enum.IsDefined(options.Format))
        {
            failures.Add($"{Section}:Format '{options.Format}' is not known: use png or rle.");
        }

        if (options.EveryNFrames < 0)
        {
            failures.Add($"{Section}:EveryNFrames is {options.EveryNFrames}: use 0 (no masks) or N ≥ 1 (a mask every Nth frame).");
        }

        if (options.Width.HasValue != options.Height.HasValue)
        {
            failures.Add($"{Section}:Width and {Section}:Height go together: set both, or neither for the model's label map size.");
        }

        CheckSide("Width", options.Width, failures);
        CheckSide("Height", options.Height, failures);

        var overlay = options.Overlay;
        if (overlay is null)
        {
            failures.Add($"{Section}:Overlay must be an object (or left out: overlays are then off).");
        }
        else if (overlay.Enabled)
        {
            if (string.IsNullOrWhiteSpace(overlay.Path))
            {
                failures.Add($"{Section}:Overlay:Path is empty: set the folder overlays are written to, or set {Section}:Overlay:Enabled to false.");
            }

            if (overlay.EveryNFrames < 1)
            {
                failures.Add($"{Section}:Overlay:EveryNFrames is {overlay.EveryNFrames}: use N ≥ 1 (an overlay every Nth frame).");
            }

            if (!(overlay.Alpha is >= 0 and <= 1))
            {
                failures.Add($"{Section}:Overlay:Alpha is {overlay.Alpha}: use a weight from 0 (frame only) to 1 (mask only).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckSide(string key, int? value, List<string> failures)
    {
        if (value is { } side && side is < 1 or > MaxSide)
        {
            failures.Add($"{Section}:{key} is {side}: use 1 to {MaxSide} pixels, or leave it out for the model's label map size.");
        }
    }
}
