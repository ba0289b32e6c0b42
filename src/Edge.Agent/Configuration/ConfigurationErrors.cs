using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SegMan.Edge.Agent.Http;
using SegMan.Edge.Pipeline.Inference;
using SegMan.Edge.Pipeline.Postprocessing;
using SegMan.Edge.Pipeline.Publishing.Mqtt;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>Collects every options-validation failure from what the host throws at start-up (one per options type, possibly aggregated).</summary>
internal static class ConfigurationErrors
{
    /// <summary>Every configuration section the agent reads, and the options type it binds to.</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [AgentOptions.SectionName] = typeof(AgentOptions),
        [InferenceOptions.SectionName] = typeof(InferenceOptions),
        [MaskOptions.SectionName] = typeof(MaskOptions),
        [MqttOptions.SectionName] = typeof(MqttOptions),
        [HttpOptions.SectionName] = typeof(HttpOptions),
    };

    /// <summary>
    /// Validates every options section and throws one <see cref="OptionsValidationException"/> listing all failures,
    /// so a user fixes the whole file in one go instead of one key per start.
    /// </summary>
    public static void ThrowIfAnyInvalid(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<AgentOptions>(services, failures);
        Check<InferenceOptions>(services, failures);
        Check<MaskOptions>(services, failures);
        Check<MqttOptions>(services, failures);
        Check<HttpOptions>(services, failures);
        failures.AddRange(UnknownSettings.Find(services.GetRequiredService<IConfiguration>(), Sections));
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(AgentOptions.SectionName, typeof(AgentOptions), failures);
        }
    }

    public static IReadOnlyList<string>? Collect(Exception exception) => exception switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OptionsValidationException) =>
            [.. aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures)],
        _ => null,
    };

    private static void Check<TOptions>(IServiceProvider services, List<string> failures)
        where TOptions : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The binder names the key and the value; add what the type accepts.
            failures.Add($"{ex.Message} Check the spelling of the value (see README, Configuration).");
        }
    }
}
