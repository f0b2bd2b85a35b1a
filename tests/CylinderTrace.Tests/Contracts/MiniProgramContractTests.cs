using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Contracts;

/// <summary>The examples published in miniprogram-contracts/ have the shape the host really answers with.</summary>
[Collection(HostCollection.Name)]
public sealed class The_published_examples_match_the_host(HostFixture fx)
{
    private static string ContractsFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "miniprogram-contracts"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("miniprogram-contracts not found above the test binaries"), "miniprogram-contracts");
    }

    /// <summary>Every property path with its JSON kind (null counts as matching anything).</summary>
    private static SortedSet<string> Shape(JsonElement e, string path = "$")
    {
        var set = new SortedSet<string>();
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                set.Add(path + ":object");
                foreach (var p in e.EnumerateObject()) set.UnionWith(Shape(p.Value, path + "." + p.Name));
                break;
            case JsonValueKind.Null:
                set.Add(path);
                break;
            case JsonValueKind.True or JsonValueKind.False:
                set.Add(path + ":bool");
                break;
            default:
                set.Add(path + ":" + e.ValueKind);
                break;
        }
        return set;
    }

    [Fact]
    public async Task for_a_registered_cylinder_with_fill_and_delivery()
    {
        var cylinder = await fx.Data.CylinderAsync(lastInspection: DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-1));
        var worker = await fx.Data.WorkerAsync(cylinder.StationId);
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddHours(-3));
        await fx.Data.DeliveryAsync(cylinder, DateTime.UtcNow.AddHours(-1), worker);
        var live = JsonDocument.Parse(await fx.Host.CreateClient().GetStringAsync($"/api/cylinders/{cylinder.Code}/card")).RootElement;
        var example = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ContractsFolder(), "examples", "cylinder-card.200.json"))).RootElement;
        Assert.Equal(Shape(example), Shape(live));
    }

    [Fact]
    public async Task for_an_unregistered_code()
    {
        var response = await fx.Host.CreateClient().GetAsync("/api/cylinders/ZZ0000000000/card");
        var live = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var example = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ContractsFolder(), "examples", "cylinder-card.404.json"))).RootElement;
        Assert.Equal(Shape(example), Shape(live));
    }
}
