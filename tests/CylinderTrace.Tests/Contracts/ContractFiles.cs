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

    /// <summary>Property paths and their JSON kinds, ignoring values and array lengths (a null matches anything).</summary>
    public static string Shape(JsonNode? node)
    {
        var set = new SortedSet<string>();
        void Walk(JsonNode? n, string path)
        {
            switch (n)
            {
                case null: break;
                case JsonObject o:
                    set.Add(path + ":object");
                    foreach (var (k, v) in o) Walk(v, path + "." + k);
                    break;
                case JsonArray a:
                    set.Add(path + ":array");
                    foreach (var item in a) Walk(item, path + "[]");
                    break;
                default:
                    set.Add(path + ":" + n.GetValueKind());
                    break;
            }
        }
        Walk(node, "$");
        return string.Join("\n", set);
    }
}
