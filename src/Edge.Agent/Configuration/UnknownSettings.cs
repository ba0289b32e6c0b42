using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace SegMan.Edge.Agent.Configuration;

/// <summary>
/// Finds keys under <c>SegMan</c> that no setting reads. The configuration binder skips them silently, so a misspelled
/// key (<c>OpenTimeout</c> for <c>OpenTimeoutMs</c>) would leave the default in force with nothing said.
/// </summary>
internal static class UnknownSettings
{
    /// <summary>One failure per unknown key, naming it and the keys that exist at its level.</summary>
    public static IEnumerable<string> Find(IConfiguration configuration, IReadOnlyDictionary<string, Type> sections)
    {
        foreach (var (path, type) in sections)
        {
            var section = configuration.GetSection(path);
            foreach (var failure in Walk(section, type, sections.Keys.Where(k => IsChildOf(k, path)).ToHashSet(StringComparer.OrdinalIgnoreCase)))
            {
                yield return failure;
            }
        }
    }

    private static IEnumerable<string> Walk(IConfigurationSection section, Type type, IReadOnlySet<string> ownedElsewhere)
    {
        if (IsLeaf(type) || typeof(IDictionary).IsAssignableFrom(type) || IsGenericDictionary(type))
        {
            yield break;
        }

        if (ElementType(type) is { } element)
        {
            foreach (var failure in section.GetChildren().SelectMany(item => Walk(item, element, ownedElsewhere)))
            {
                yield return failure;
            }

            yield break;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.SetMethod?.IsPublic == true || !IsLeaf(p.PropertyType)))
            .ToDictionary(KeyOf, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (ownedElsewhere.Contains(child.Path))
            {
                continue;
            }

            if (properties.TryGetValue(child.Key, out var property))
            {
                foreach (var failure in Walk(child, property.PropertyType, ownedElsewhere))
                {
                    yield return failure;
                }

                continue;
            }

            var known = properties.Keys.Concat(ownedElsewhere.Where(k => IsChildOf(k, section.Path)).Select(k => k[(section.Path.Length + 1)..]));
            yield return $"{child.Path} is not a setting; it would be ignored. Check its spelling: {section.Path} has " +
                $"{string.Join(", ", known.Order(StringComparer.Ordinal))} (README, Configuration).";
        }
    }

    private static string KeyOf(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    private static bool IsChildOf(string path, string parent) =>
        path.Length > parent.Length + 1 && path.StartsWith(parent + ":", StringComparison.OrdinalIgnoreCase) &&
        !path[(parent.Length + 1)..].Contains(':', StringComparison.Ordinal);

    private static bool IsLeaf(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(decimal) ||
            underlying == typeof(TimeSpan) || underlying == typeof(DateTimeOffset) || underlying == typeof(Uri) ||
            underlying == typeof(DateTime) || underlying == typeof(Guid);
    }

    private static bool IsGenericDictionary(Type type) =>
        type.GetInterfaces().Append(type).Any(i => i.IsGenericType &&
            (i.GetGenericTypeDefinition() == typeof(IDictionary<,>) || i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)));

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }
}
