using System.Net;
using System.Text;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Integration;

/// <summary>Batches from an enterprise's system: stored once, every bad record named, other enterprises' data refused.</summary>
[Collection(Collections.Integration)]
public sealed class Batches_from_an_enterprise(WebHostFixture fx)
{
    private sealed record Company(int OwnerId, string OwnerLicence, int StationId, string StationLicence, IntegrationClient Owner, IntegrationClient Station);

    private async Task<Company> CompanyAsync()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner);
        string ownerLicence = await fx.Data.LicenceOfAsync(owner), stationLicence = await fx.Data.LicenceOfAsync(station);
        return new Company(owner, ownerLicence, station, stationLicence, await IntegrationClient.ForAsync(fx.Host, ownerLicence),
            await IntegrationClient.ForAsync(fx.Host, stationLicence));
    }

    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private static object Cylinder(string code, string? station = null) => new
    {
        code, serial = "S" + code[^6..], spec = "YSP-15", manufacturer = "测试钢瓶厂", manufactureDate = "2022-03-01", nextInspectionDate = "2026-03-01",
        scrapDate = "2030-03-01", supplyStation = station,
    };

    private static string[] Fields(JsonElement result) => result.GetProperty("rejected").EnumerateArray().Select(r => $"{r.GetProperty("index").GetInt32()}:{r.GetProperty("field").GetString()}").ToArray();

    [Fact]
    public async Task a_misspelt_field_rejects_its_record_by_name_instead_of_being_dropped()
    {
        var c = await CompanyAsync();
        string typo = NewCode(), upper = NewCode();
        var body = System.Text.Encoding.UTF8.GetBytes($$"""
            {"source": "ERP 3.2", "records": [
              {"code": "{{typo}}", "serial": "S1", "spec": "YSP-15", "manufactureDate": "2024-01-01", "nextInspectonDate": "2028-01-01"},
              {"CODE": "{{upper}}", "Serial": "S2", "spec": "YSP-15", "manufactureDate": "2024-01-01", "nextInspectionDate": "2028-01-01"}
            ]}
            """);
        var response = await c.Owner.PostAsync("cylinders", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, text);
        var result = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["0:nextInspectonDate"], Fields(result));
        Assert.Contains("nextInspectionDate", result.GetProperty("rejected")[0].GetProperty("reason").GetString());
        Assert.Equal(1, result.GetProperty("stored").GetInt32());
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cylinders WHERE code = @typo", new { typo }));
        Assert.Equal(new DateTime(2028, 1, 1), await conn.ExecuteScalarAsync<DateTime>("SELECT next_inspection_date FROM cylinders WHERE code = @upper", new { upper }));
    }

    [Fact]
    public async Task registers_cylinders_then_fills_and_deliveries_show_on_the_public_card_across_instances()
    {
        var co = await CompanyAsync();
        var code = NewCode();
        var registered = await co.Owner.PostOkAsync("cylinders", Cylinder(code, co.StationLicence));
        Assert.Equal(1, registered.GetProperty("stored").GetInt32());

        var other = fx.SecondInstance;
        var otherClient = other.CreateClient();
        var card = JsonDocument.Parse(await otherClient.GetStringAsync($"/api/cylinders/{code}/card")).RootElement;
        Assert.Equal(JsonValueKind.Null, card.GetProperty("lastFill").ValueKind);

        var filledAt = DateTimeOffset.UtcNow.AddMinutes(-30);
        var fills = await co.Owner.PostOkAsync("fills", new { eventId = "F-" + code, cylinderCode = code, filledAt, netWeightKg = 14.5 });
        Assert.Equal(1, fills.GetProperty("stored").GetInt32());
        await co.Station.PostOkAsync("workers", new { employeeNumber = "W001", name = "王送气", permitNumber = "P-001", permitValidUntil = "2028-01-01" });
        await co.Station.PostOkAsync("customers", new { customerId = "C001", kind = "household", districtCode = "350102", name = "李居民", phone = "13800000000", address = "鼓楼区某路1号" });
        var deliveries = await co.Station.PostOkAsync("deliveries",
            new { eventId = "D-" + code, cylinderCode = code, deliveredAt = DateTimeOffset.UtcNow.AddMinutes(-5), workerEmployeeNumber = "W001", customerId = "C001" });
        Assert.Equal(1, deliveries.GetProperty("stored").GetInt32());

        // Written through one instance, visible on another's public card (its cached copy was invalidated).
        card = JsonDocument.Parse(await otherClient.GetStringAsync($"/api/cylinders/{code}/card")).RootElement;
        Assert.Equal(filledAt.ToUnixTimeSeconds(), card.GetProperty("lastFill").GetProperty("time").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal("王*气", card.GetProperty("lastDelivery").GetProperty("worker").GetProperty("maskedName").GetString());
        await using var conn = await fx.Database.OpenAsync();
        var nameEnc = await conn.ExecuteScalarAsync<byte[]>("SELECT name_enc FROM customers WHERE supply_station_id = @StationId AND external_id = 'C001'", new { co.StationId });
        Assert.DoesNotContain("李居民", Encoding.UTF8.GetString(nameEnc!));
    }

    [Fact]
    public async Task a_repeated_batch_stores_nothing_twice()
    {
        var co = await CompanyAsync();
        var codes = Enumerable.Range(0, 30).Select(_ => NewCode()).ToList();
        await co.Owner.PostOkAsync("cylinders", codes.Select(c => Cylinder(c)).ToArray());
        var fills = codes.Select((c, i) => (object)new { eventId = $"F{i}-{c}", cylinderCode = c, filledAt = DateTimeOffset.UtcNow.AddHours(-1 - i) }).ToArray();
        var first = await co.Owner.PostOkAsync("fills", fills);
        var again = await co.Owner.PostOkAsync("fills", fills);
        Assert.Equal(30, first.GetProperty("stored").GetInt32());
        Assert.Equal(0, again.GetProperty("stored").GetInt32());
        Assert.Equal(30, again.GetProperty("duplicates").GetInt32());
        // Two identical batches at once: still once.
        var more = codes.Select((c, i) => (object)new { eventId = $"G{i}-{c}", cylinderCode = c, filledAt = DateTimeOffset.UtcNow.AddMinutes(-i) }).ToArray();
        var racing = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => co.Owner.PostOkAsync("fills", more)));
        Assert.Equal(30, racing.Sum(r => r.GetProperty("stored").GetInt32()));
        await using var conn = await fx.Database.OpenAsync();
        var ids = (await conn.QueryAsync<long>("SELECT id FROM cylinders WHERE code IN @codes", new { codes })).ToList();
        Assert.Equal(60, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fills WHERE cylinder_id IN @ids", new { ids }));
    }

    [Fact]
    public async Task event_ids_are_exact_so_ids_differing_only_in_case_are_two_events()
    {
        // An enterprise's system may well use case-sensitive ids; "f-1" and "F-1" are two events, each stored once.
        var co = await CompanyAsync();
        var code = NewCode();
        await co.Owner.PostOkAsync("cylinders", Cylinder(code));
        var fills = new object[]
        {
            new { eventId = "case-f-1", cylinderCode = code, filledAt = DateTimeOffset.UtcNow.AddHours(-2) },
            new { eventId = "CASE-F-1", cylinderCode = code, filledAt = DateTimeOffset.UtcNow.AddHours(-1) },
        };
        var first = await co.Owner.PostOkAsync("fills", fills);
        Assert.Equal(2, first.GetProperty("stored").GetInt32());
        var again = await co.Owner.PostOkAsync("fills", new object[] { fills[1], new { eventId = "Case-F-1", cylinderCode = code, filledAt = DateTimeOffset.UtcNow.AddMinutes(-30) } });
        Assert.Equal(1, again.GetProperty("stored").GetInt32());
        Assert.Equal(1, again.GetProperty("duplicates").GetInt32());
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(3, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fills f JOIN cylinders c ON c.id = f.cylinder_id WHERE c.code = @code", new { code }));
    }

    [Fact]
    public async Task keeps_the_good_records_and_names_every_bad_one()
    {
        var co = await CompanyAsync();
        var code = NewCode();
        await co.Owner.PostOkAsync("cylinders", Cylinder(code));
        var result = await co.Owner.PostOkAsync("fills",
            new { eventId = "ok-1", cylinderCode = code, filledAt = DateTimeOffset.UtcNow.AddHours(-2) },
            new { eventId = "", cylinderCode = code, filledAt = DateTimeOffset.UtcNow },
            new { eventId = "bad-2", cylinderCode = "not a code", filledAt = DateTimeOffset.UtcNow },
            new { eventId = "bad-3", cylinderCode = "FZ9999999998", filledAt = DateTimeOffset.UtcNow },
            new { eventId = "bad-4", cylinderCode = code, filledAt = "yesterday" },
            new { eventId = "bad-5", cylinderCode = code, filledAt = DateTimeOffset.UtcNow.AddDays(1) },
            new { eventId = "bad-6", cylinderCode = code, filledAt = DateTimeOffset.UtcNow, station = co.StationLicence },
            new { eventId = "ok-7", cylinderCode = code, filledAt = DateTimeOffset.UtcNow.AddHours(-1) });
        Assert.Equal(8, result.GetProperty("received").GetInt32());
        // The fill of an unregistered code is kept (as an orphan) and is a violation, like the two fills without a check
        // (of a cylinder whose inspection was due on 2026-03-01).
        Assert.Equal(3, result.GetProperty("stored").GetInt32());
        Assert.Equal(["1:eventId", "2:cylinderCode", "4:filledAt", "5:time", "6:station"], Fields(result));
        var violations = result.GetProperty("violations").EnumerateArray()
            .Select(v => $"{v.GetProperty("index").GetInt32()}:{string.Join("+", v.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()))}").ToArray();
        Assert.Equal(["0:inspection_overdue+no_check", "3:unregistered+no_check", "7:inspection_overdue+no_check"], violations);
    }

    [Fact]
    public async Task refuses_the_whole_batch_when_it_touches_another_enterprises_data()
    {
        var mine = await CompanyAsync();
        var theirs = await CompanyAsync();
        var theirCode = NewCode();
        await theirs.Owner.PostOkAsync("cylinders", Cylinder(theirCode));
        var myCode = NewCode();

        var takeover = await mine.Owner.PostAsync("cylinders", IntegrationClient.Records(Cylinder(myCode), Cylinder(theirCode)));
        Assert.Equal(HttpStatusCode.Forbidden, takeover.StatusCode);
        var problem = JsonDocument.Parse(await takeover.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("integration-not-yours", problem.GetProperty("code").GetString());
        Assert.Equal(1, problem.GetProperty("records")[0].GetProperty("index").GetInt32());
        Assert.Contains(theirCode, problem.GetProperty("detail").GetString());

        var foreignStation = await mine.Owner.PostAsync("fills", IntegrationClient.Records(new { eventId = "x1", cylinderCode = theirCode, filledAt = DateTimeOffset.UtcNow, station = theirs.OwnerLicence }));
        Assert.Equal(HttpStatusCode.Forbidden, foreignStation.StatusCode);
        var foreignInspection = await mine.Owner.PostAsync("inspections", IntegrationClient.Records(new { eventId = "i1", cylinderCode = theirCode, inspectedOn = "2026-11-01", inspectionBody = "检验所", result = "pass" }));
        Assert.Equal(HttpStatusCode.Forbidden, foreignInspection.StatusCode);
        var stationRegisters = await mine.Station.PostAsync("cylinders", IntegrationClient.Records(Cylinder(NewCode())));
        Assert.Equal(HttpStatusCode.Forbidden, stationRegisters.StatusCode);
        var stationForSibling = await mine.Station.PostAsync("workers", IntegrationClient.Records(new { employeeNumber = "W9", name = "张三", station = theirs.StationLicence }));
        Assert.Equal(HttpStatusCode.Forbidden, stationForSibling.StatusCode);

        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM cylinders WHERE code = @myCode", new { myCode }));
        Assert.Equal(theirs.OwnerId, await conn.ExecuteScalarAsync<int>("SELECT owner_id FROM cylinders WHERE code = @theirCode", new { theirCode }));
    }

    [Fact]
    public async Task malformed_or_oversized_batches_are_refused_with_a_reason()
    {
        var co = await CompanyAsync();
        var notJson = await co.Owner.PostAsync("fills", Encoding.UTF8.GetBytes("{\"records\": [ {"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await co.Owner.PostAsync("fills", Encoding.UTF8.GetBytes("[1,2,3]"))).StatusCode);
        var tooMany = IntegrationClient.Records(Enumerable.Range(0, 5001).Select(i => (object)new { eventId = "e" + i }).ToArray());
        var oversized = await co.Owner.PostAsync("fills", tooMany);
        Assert.Equal(HttpStatusCode.BadRequest, oversized.StatusCode);
        Assert.Contains("5000", await oversized.Content.ReadAsStringAsync());

        // A body over Integration:MaxBodyBytes is refused before it is read in full.
        await using var small = fx.AnotherInstance(new Dictionary<string, string?> { ["Integration:MaxBodyBytes"] = "2048" });
        var request = co.Owner.Signed(HttpMethod.Post, "/api/integration/v1/fills", Encoding.UTF8.GetBytes(new string(' ', 4096)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await small.CreateClient().SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task inspections_and_returns_update_the_record()
    {
        var co = await CompanyAsync();
        var code = NewCode();
        await co.Owner.PostOkAsync("cylinders", Cylinder(code));
        var inspected = await co.Owner.PostOkAsync("inspections",
            new { eventId = "I-" + code, cylinderCode = code, inspectedOn = "2026-11-20", inspectionBody = "福州市特种设备检验研究院", result = "pass", nextInspectionDate = "2030-11-20", reportNumber = "R-1" },
            new { eventId = "I2-" + code, cylinderCode = code, inspectedOn = "2026-11-21", inspectionBody = "检验所", result = "maybe" });
        Assert.Equal(1, inspected.GetProperty("stored").GetInt32());
        Assert.Equal(["1:result"], Fields(inspected));
        var card = JsonDocument.Parse(await fx.Host.CreateClient().GetStringAsync($"/api/cylinders/{code}/card")).RootElement;
        Assert.Equal("2030-11-20", card.GetProperty("cylinder").GetProperty("nextInspectionDate").GetString());

        await co.Station.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = "350103", businessName = "好味餐馆" });
        var returned = await co.Station.PostOkAsync("returns", new { eventId = "R-" + code, cylinderCode = code, returnedAt = DateTimeOffset.UtcNow.AddMinutes(-3), customerId = "R1" });
        Assert.Equal(1, returned.GetProperty("stored").GetInt32());
        var unknownCustomer = await co.Station.PostOkAsync("returns", new { eventId = "R2-" + code, cylinderCode = code, returnedAt = DateTimeOffset.UtcNow, customerId = "nobody" });
        Assert.Equal(["0:customerId"], Fields(unknownCustomer));
    }
}
