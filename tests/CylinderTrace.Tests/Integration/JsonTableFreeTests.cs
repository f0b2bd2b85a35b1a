using CylinderTrace.Platform.Database;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Integration;

/// <summary>
/// Ingestion without JSON_TABLE (TiDB has none; Database:JsonTable=never, or detected from the server's version): the
/// newest-event summaries come from a derived table of UNION ALL selects and end up as the JSON_TABLE path leaves them.
/// </summary>
[Collection(Collections.Integration)]
public sealed class Batches_without_JSON_TABLE(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    [Theory]
    [InlineData("10.11.19-MariaDB-0+deb12u1", true)]
    [InlineData("10.5.23-MariaDB", false)]
    [InlineData("8.0.36", true)]
    [InlineData("8.0.3-rc", false)]
    [InlineData("5.7.44-log", false)]
    [InlineData("8.0.11-TiDB-v7.5.1", false)]
    public void are_chosen_by_the_servers_version(string version, bool jsonTable) => Assert.Equal(jsonTable, MultiRow.ServerHasJsonTable(version));

    [Fact]
    public async Task store_fills_deliveries_and_inspections_with_the_same_summaries()
    {
        var ownerId = await fx.Data.EnterpriseAsync("filling");
        var stationId = await fx.Data.EnterpriseAsync("supply", parentId: ownerId);
        var owner = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(ownerId));
        var station = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(stationId));
        var codes = Enumerable.Range(0, 7).Select(_ => NewCode()).ToList();
        await owner.PostOkAsync("cylinders", codes.Select(c => (object)new
        {
            code = c, serial = "S" + c[^6..], spec = "YSP-15", manufacturer = "测试钢瓶厂", manufactureDate = "2022-03-01", nextInspectionDate = "2027-03-01",
        }).ToArray());
        await station.PostOkAsync("workers", new { employeeNumber = "W001", name = "王送气", permitNumber = "P-001", permitValidUntil = "2028-01-01" });
        await station.PostOkAsync("customers", new { customerId = "C001", kind = "household", districtCode = "350102", name = "李居民", phone = "13800000000", address = "鼓楼区某路1号" });
        var newest = DateTimeOffset.UtcNow.AddMinutes(-10);
        var previous = MultiRow.JsonTable;
        MultiRow.JsonTable = JsonTableUse.Never;
        try
        {
            // Two fills per cylinder in one batch (the newer first), so the summary must pick the newest, not the last.
            await owner.PostOkAsync("fills", codes.SelectMany(c => new object[]
            {
                new { eventId = "F2-" + c, cylinderCode = c, filledAt = newest },
                new { eventId = "F1-" + c, cylinderCode = c, filledAt = newest.AddHours(-3) },
            }).ToArray());
            await station.PostOkAsync("deliveries", codes.Select(c => (object)new
            {
                eventId = "D-" + c, cylinderCode = c, deliveredAt = newest.AddMinutes(5), workerEmployeeNumber = "W001", customerId = "C001",
            }).ToArray());
            await owner.PostOkAsync("inspections", new object[]
            {
                new { eventId = "I1-" + codes[0], cylinderCode = codes[0], inspectedOn = "2026-11-20", inspectionBody = "福州市特种设备检验研究院", result = "pass", nextInspectionDate = "2030-11-20" },
                new { eventId = "I2-" + codes[1], cylinderCode = codes[1], inspectedOn = "2026-11-20", inspectionBody = "福州市特种设备检验研究院", result = "fail", reportNumber = "JY-1" },
            });
        }
        finally { MultiRow.JsonTable = previous; }

        await using var conn = await fx.Database.OpenAsync();
        var rows = (await conn.QueryAsync<(string Code, DateTime? Fill, int? FillStation, DateTime? Delivery, int? DeliveryStation, long? Customer, DateTime? Next, string Status)>(
            """
            SELECT code, last_fill_at, last_fill_station_id, last_delivery_at, last_delivery_station_id, last_delivery_customer_id, next_inspection_date, status
            FROM cylinders WHERE code IN @codes
            """, new { codes })).ToDictionary(r => r.Code);
        Assert.Equal(7, rows.Count);
        foreach (var c in codes)
        {
            Assert.Equal(newest.UtcDateTime, rows[c].Fill!.Value, TimeSpan.FromMilliseconds(1));
            Assert.Equal(ownerId, rows[c].FillStation);
            Assert.Equal(newest.AddMinutes(5).UtcDateTime, rows[c].Delivery!.Value, TimeSpan.FromMilliseconds(1));
            Assert.Equal(stationId, rows[c].DeliveryStation);
            Assert.NotNull(rows[c].Customer);
        }
        Assert.Equal(new DateTime(2030, 11, 20), rows[codes[0]].Next);
        Assert.Equal("scrapped", rows[codes[1]].Status);
        Assert.Equal("in_service", rows[codes[2]].Status);
    }
}
