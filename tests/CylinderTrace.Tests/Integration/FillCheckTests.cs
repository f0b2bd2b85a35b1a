using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Tests.Integration;

/// <summary>Interlocked filling: every fill is checked first, with every reason it may not go ahead.</summary>
[Collection(Collections.Integration)]
public sealed class The_fill_check(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private static async Task<JsonElement> CheckAsync(IntegrationClient client, string code, string? station = null)
    {
        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks",
            JsonSerializer.SerializeToUtf8Bytes(new { cylinderCode = code, station }, JsonSerializerOptions.Web)));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static string[] Reasons(JsonElement result) => result.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    [Fact]
    public async Task allows_a_good_cylinder_and_the_fill_can_name_the_check()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var code = NewCode();
        await client.PostOkAsync("cylinders", new { code, serial = "S1", spec = "YSP-15", manufactureDate = "2023-01-01", nextInspectionDate = "2027-01-01" });
        var check = await CheckAsync(client, code);
        Assert.True(check.GetProperty("allowed").GetBoolean());
        Assert.Empty(Reasons(check));
        var checkId = check.GetProperty("checkId").GetString()!;

        var fill = await client.PostOkAsync("fills",
            new { eventId = "F1-" + code, cylinderCode = code, filledAt = DateTimeOffset.UtcNow, checkId },
            new { eventId = "F2-" + code, cylinderCode = code, filledAt = DateTimeOffset.UtcNow, checkId = checkId[..^2] + "xx" });
        // Both fills are stored (history must be true); the one naming a forged check is a violation, the other is not.
        Assert.Equal(2, fill.GetProperty("stored").GetInt32());
        Assert.Equal(0, fill.GetProperty("rejected").GetArrayLength());
        var violation = Assert.Single(fill.GetProperty("violations").EnumerateArray());
        Assert.Equal(1, violation.GetProperty("index").GetInt32());
        Assert.Equal(["check_contradicted"], violation.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()).ToArray());
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(checkId, await conn.ExecuteScalarAsync<string>("SELECT check_id FROM ingested_events WHERE external_event_id = @id", new { id = "F1-" + code }));
    }

    [Fact]
    public async Task a_misspelt_station_is_refused_rather_than_checked_at_the_default_station()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks",
            System.Text.Encoding.UTF8.GetBytes("""{"cylinderCode": "FZ9999999997", "stationLicence": "闽燃经（充）0000"}""")));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid-fill-check", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task refuses_with_every_reason_that_applies()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var bad = await fx.Data.CylinderAsync(ownerId: other, stationId: other, status: "scrapped",
            manufactured: new DateOnly(2005, 1, 1), nextInspection: new DateOnly(2020, 1, 1), scrapDate: new DateOnly(2021, 1, 1), detained: true);
        var check = await CheckAsync(client, bad.Code);
        Assert.False(check.GetProperty("allowed").GetBoolean());
        Assert.Equal(["scrapped", "detained", "past_scrap_date", "inspection_overdue", "owned_by_another_enterprise"], Reasons(check));
        Assert.Equal(["unregistered"], Reasons(await CheckAsync(client, "FZ9999999997")));

        var foreignStation = await client.Http.SendAsync(client.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks",
            JsonSerializer.SerializeToUtf8Bytes(new { cylinderCode = bad.Code, station = await fx.Data.LicenceOfAsync(other) }, JsonSerializerOptions.Web)));
        Assert.Equal(HttpStatusCode.Forbidden, foreignStation.StatusCode);
        var badCode = await client.Http.SendAsync(client.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks",
            JsonSerializer.SerializeToUtf8Bytes(new { cylinderCode = "hello" }, JsonSerializerOptions.Web)));
        Assert.Equal(HttpStatusCode.BadRequest, badCode.StatusCode);
    }

    [Fact]
    public async Task answers_from_cache_while_MariaDB_is_cut_off_and_refuses_what_it_cannot_verify()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var seen = await fx.Data.CylinderAsync(ownerId: owner, stationId: owner);
        var unseen = await fx.Data.CylinderAsync(ownerId: owner, stationId: owner);
        var port = new MySqlConnectionStringBuilder(fx.Database.ConnectionString).Port;
        await using var proxy = new TcpProxy((int)port);
        var viaProxy = new MySqlConnectionStringBuilder(fx.Database.ConnectionString) { Port = (uint)proxy.Port, ConnectionTimeout = 2, Pooling = true }.ConnectionString;
        await using var host = new CylinderTraceHost(viaProxy, fx.RedisPrefix) { WeChatBaseAddress = fx.WeChat.Url + "/" };
        var client = await IntegrationClient.ForAsync(host, licence);
        Assert.True((await CheckAsync(client, seen.Code)).GetProperty("allowed").GetBoolean());

        proxy.Cut();
        var cached = await CheckAsync(client, seen.Code);
        Assert.True(cached.GetProperty("allowed").GetBoolean());
        var unverifiable = await CheckAsync(client, unseen.Code);
        Assert.False(unverifiable.GetProperty("allowed").GetBoolean());
        Assert.Equal(["unverifiable"], Reasons(unverifiable));
        Assert.True(unverifiable.GetProperty("fromCacheOnly").GetBoolean());

        proxy.Restore();
        await Eventually.HoldsAsync(async () => (await CheckAsync(client, unseen.Code)).GetProperty("allowed").GetBoolean(),
            "the fill check to recover after MariaDB came back");
    }
}
