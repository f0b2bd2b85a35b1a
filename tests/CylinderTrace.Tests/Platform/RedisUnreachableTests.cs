using System.Net;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Platform;

/// <summary>Redis is a cache here, not the record: without it the host starts and answers from MariaDB.</summary>
[Collection(Collections.Apis)]
public sealed class When_Redis_cannot_be_reached(WebHostFixture fx)
{
    private CylinderTraceHost HostWithoutRedis() =>
        new(fx.Database.ConnectionString, CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["Redis:Configuration"] = "127.0.0.1:1,connectTimeout=300,syncTimeout=300,asyncTimeout=300" });

    [Fact]
    public async Task the_host_starts_serves_cards_from_MariaDB_and_reports_not_ready()
    {
        var cylinder = await fx.Data.CylinderAsync();
        await using var host = HostWithoutRedis();
        var client = host.CreateClient();
        var card = await client.GetAsync($"/api/cylinders/{cylinder.Code}/card");
        Assert.Equal(HttpStatusCode.OK, card.StatusCode);
        Assert.Contains(cylinder.Code, await card.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"redis\":{\"status\":\"Unhealthy\"", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task an_invalidation_does_not_fail_the_writer()
    {
        await using var host = HostWithoutRedis();
        _ = host.Server;
        await host.Services.GetRequiredService<CylinderTrace.Cylinders.CylinderCards>().InvalidateAsync("FZ0000000001");
    }
}
