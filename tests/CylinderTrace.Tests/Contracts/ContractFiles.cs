using System.Text.Json.Nodes;

namespace CylinderTrace.Tests.Contracts;

/// <summary>Where miniprogram-contracts/ is, and how an example is compared with a live answer.</summary>
internal static class ContractFiles
{
    public static string Folder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "miniprogram-contracts"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("miniprogram-contracts not found above the test binaries"), "miniprogram-contracts");
    }

    /// <summary>
    /// The shape of a JSON answer, to compare an example with a live answer: each property path with
    /// the kinds seen there (array items merged). A null is a wildcard: the same property may be null
    /// in one and a value (of any shape) in the other, as a complaint's agency is before and after routing.
    /// </summary>
    public static string Shape(JsonNode? node) => string.Join("\n", Flatten(node).Select(p => $"{p.Key}:{string.Join("|", p.Value.Order())}"));

    public static Dictionary<string, SortedSet<string>> Flatten(JsonNode? node)
    {
        var paths = new Dictionary<string, SortedSet<string>>();
        void Add(string path, string kind) { if (!paths.TryGetValue(path, out var k)) paths[path] = k = []; k.Add(kind); }
        void Walk(JsonNode? n, string path)
        {
            switch (n)
            {
                case null: Add(path, "Null"); break;
                case JsonObject o:
                    Add(path, "Object");
                    foreach (var (k, v) in o) Walk(v, path + "." + k);
                    break;
                case JsonArray a:
                    Add(path, "Array");
                    foreach (var item in a) Walk(item, path + "[]");
                    break;
                default:
                    Add(path, n.GetValueKind().ToString());
                    break;
            }
        }
        Walk(node, "$");
        return paths;
    }

    /// <summary>Empty when the shapes agree; otherwise the paths that differ.</summary>
    public static string Differences(JsonNode? example, JsonNode? live)
    {
        var a = Flatten(example);
        var b = Flatten(live);
        bool UnderNull(Dictionary<string, SortedSet<string>> side, string path) =>
            side.Any(p => p.Value.Contains("Null") && (path == p.Key || path.StartsWith(p.Key + ".", StringComparison.Ordinal) || path.StartsWith(p.Key + "[]", StringComparison.Ordinal)));
        var differences = new List<string>();
        foreach (var path in a.Keys.Union(b.Keys).Order())
        {
            var ka = a.TryGetValue(path, out var x) ? x.Where(k => k != "Null").ToHashSet() : [];
            var kb = b.TryGetValue(path, out var y) ? y.Where(k => k != "Null").ToHashSet() : [];
            if (ka.SetEquals(kb)) continue;
            if (ka.Count == 0 && (a.ContainsKey(path) || UnderNull(a, path))) continue;
            if (kb.Count == 0 && (b.ContainsKey(path) || UnderNull(b, path))) continue;
            differences.Add($"{path}: example {string.Join("|", ka)} / live {string.Join("|", kb)}");
        }
        return string.Join("\n", differences);
    }
}
