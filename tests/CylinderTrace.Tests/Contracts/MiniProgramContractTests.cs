using System.Text.Json;
using System.Text.Json.Nodes;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Contracts;

/// <summary>The examples published in miniprogram-contracts/ have the shape the host really answers with.</summary>
[Collection(Collections.Apis)]
public sealed class The_published_examples_match_the_host(WebHostFixture fx)
{
    [Fact]
    public async Task for_a_registered_cylinder_with_fill_and_delivery()
    {
        var cylinder = await fx.Data.CylinderAsync(lastInspection: DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-1));
        var worker = await fx.Data.WorkerAsync(cylinder.StationId);
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddHours(-3));
        await fx.Data.DeliveryAsync(cylinder, DateTime.UtcNow.AddHours(-1), worker);
        var live = JsonDocument.Parse(await fx.Host.CreateClient().GetStringAsync($"/api/cylinders/{cylinder.Code}/card")).RootElement;
        var example = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ContractFiles.Folder(), "examples", "cylinder-card.200.json"))).RootElement;
        Assert.Equal("", ContractFiles.Differences(JsonNode.Parse(example.GetRawText()), JsonNode.Parse(live.GetRawText())));
    }

    [Fact]
    public async Task for_an_unregistered_code()
    {
        var response = await fx.Host.CreateClient().GetAsync("/api/cylinders/ZZ0000000000/card");
        var live = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var example = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ContractFiles.Folder(), "examples", "cylinder-card.404.json"))).RootElement;
        Assert.Equal("", ContractFiles.Differences(JsonNode.Parse(example.GetRawText()), JsonNode.Parse(live.GetRawText())));
    }
}
