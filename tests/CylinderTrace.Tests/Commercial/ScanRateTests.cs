using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CylinderTrace.Commercial;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using StackExchange.Redis;

namespace CylinderTrace.Tests.Commercial;

/// <summary>Scan rates (issue 8): live counters for today, roll-ups per day, week and month, and the console's view of them.</summary>
[Collection(Collections.Console)]
public sealed partial class Scan_rates(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private sealed record Restaurant(long CustomerId, int StationId, int EnterpriseId, string StationName, MiniProgramClient Staff, IntegrationClient Owner,
        IntegrationClient Station);

    private LiveScanRates Live => fx.Host.Services.GetRequiredService<LiveScanRates>();
    private ScanRateRollups Rollups => fx.Host.Services.GetRequiredService<ScanRateRollups>();

    private async Task<Restaurant> RestaurantAsync(string district = "350102", string? stationName = null)
    {
        var owner = await fx.Data.EnterpriseAsync("filling", district: district);
        var station = await fx.Data.EnterpriseAsync("supply", name: stationName, parentId: owner, district: district);
        var ownerClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var stationClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        await stationClient.PostOkAsync("workers", new { employeeNumber = "W1", name = "钱送气" });
        await stationClient.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = district, businessName = "扫码率测试餐馆" });
        var invite = await stationClient.Http.SendAsync(stationClient.Signed(HttpMethod.Post, "/api/integration/v1/commercial-invites",
            JsonSerializer.SerializeToUtf8Bytes(new { customerId = "R1", role = "owner" })));
        var code = JsonDocument.Parse(await invite.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()!;
        var staff = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var bound = await staff.Http.PostAsJsonAsync("/api/mp/commercial/bind", new { code });
        var customerId = JsonDocument.Parse(await bound.Content.ReadAsStringAsync()).RootElement.GetProperty("customerId").GetInt64();
        await using var conn = await fx.Database.OpenAsync();
        var name = await conn.ExecuteScalarAsync<string>("SELECT name FROM enterprises WHERE id = @station", new { station }) ?? "";
        return new Restaurant(customerId, station, owner, name, staff, ownerClient, stationClient);
    }

    private static async Task<string> DeliverAsync(Restaurant r, DateTimeOffset at, string? code = null)
    {
        code ??= NewCode();
        await r.Owner.PostOkAsync("cylinders", new { code, serial = "S" + code, spec = "YSP-50", manufactureDate = "2022-01-01", nextInspectionDate = "2028-01-01" });
        await r.Station.PostOkAsync("deliveries", new { eventId = "D-" + code, cylinderCode = code, deliveredAt = at, customerId = "R1", workerEmployeeNumber = "W1" });
        return code;
    }

    private static async Task<string> ScanAsync(Restaurant r, string code, DateTimeOffset? at = null)
    {
        var response = await r.Staff.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = new[] { code }, scannedAt = at });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("results")[0].GetProperty("outcome").GetString()!;
    }

    private async Task<int> WorkerIdAsync(int stationId)
    {
        await using var conn = await fx.Database.OpenAsync();
        return await conn.ExecuteScalarAsync<int>("SELECT id FROM delivery_workers WHERE enterprise_id = @stationId", new { stationId });
    }

    private static Dictionary<string, string> Fields(HashEntry[] entries) =>
        entries.Where(e => e.Name != "_built").ToDictionary(e => (string)e.Name!, e => (string)e.Value!);

    [Fact]
    public async Task live_counters_follow_deliveries_and_scans_and_are_rebuilt_equal_to_the_database_when_lost()
    {
        await Live.BuildAsync(Live.Today, CancellationToken.None);
        var r = await RestaurantAsync();
        var now = DateTimeOffset.UtcNow;
        var delivered = new List<string>();
        for (var i = 0; i < 3; i++) delivered.Add(await DeliverAsync(r, now.AddMinutes(-2)));
        Assert.Equal("matched", await ScanAsync(r, delivered[0]));
        Assert.Equal("matched", await ScanAsync(r, delivered[1]));
        Assert.Equal("matched", await ScanAsync(r, delivered[1])); // again: counts once
        // Scanned before its delivery record arrives, then matched late.
        var early = NewCode();
        await r.Owner.PostOkAsync("cylinders", new { code = early, serial = "S" + early, spec = "YSP-50", manufactureDate = "2022-01-01", nextInspectionDate = "2028-01-01" });
        Assert.Equal("no_matching_delivery", await ScanAsync(r, early));
        await DeliverAsync(r, now.AddSeconds(30), early);

        var worker = await WorkerIdAsync(r.StationId);
        var subjects = new RateSubject[]
        {
            new(RateDimensions.Customer, r.CustomerId), new(RateDimensions.Worker, worker), new(RateDimensions.Station, r.StationId), new(RateDimensions.Enterprise, r.EnterpriseId),
        };
        foreach (var rate in await Live.ReadAsync(subjects, CancellationToken.None))
        {
            Assert.Equal(4, rate.Deliveries);
            Assert.Equal(3, rate.Scanned);
            Assert.Equal(0.75, rate.Rate);
        }
        // The restaurant, the station and the filling enterprise read the same live figures.
        var mine = JsonDocument.Parse(await r.Staff.Http.GetStringAsync($"/api/mp/commercial/{r.CustomerId}/rate")).RootElement.GetProperty("today");
        Assert.Equal((4, 3), (mine.GetProperty("deliveries").GetInt32(), mine.GetProperty("scanned").GetInt32()));
        var stationView = await GetSignedAsync(r.Station, "/api/integration/v1/scan-rates/today");
        Assert.Equal(3, stationView.GetProperty("stations")[0].GetProperty("scanned").GetInt32());
        Assert.Equal(JsonValueKind.Null, stationView.GetProperty("enterprise").ValueKind);
        var ownerView = await GetSignedAsync(r.Owner, "/api/integration/v1/scan-rates/today");
        Assert.Equal(0.75, ownerView.GetProperty("enterprise").GetProperty("rate").GetDouble());

        // Lose the counters: the next read rebuilds them from MariaDB, equal (for every subject) to what the increments had made.
        var redis = fx.Host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var key = Live.Key(Live.Today);
        var counted = Fields(await redis.HashGetAllAsync(key));
        Assert.Contains($"c{r.CustomerId}:s", counted.Keys);
        await redis.KeyDeleteAsync(key);
        var rebuilt = await Live.ReadAsync(new RateSubject(RateDimensions.Station, r.StationId), CancellationToken.None);
        Assert.Equal((4, 3), (rebuilt.Deliveries, rebuilt.Scanned));
        var fromDatabase = Fields(await redis.HashGetAllAsync(key));
        Assert.Equal(counted.OrderBy(k => k.Key), fromDatabase.OrderBy(k => k.Key));
    }

    private static async Task<JsonElement> GetSignedAsync(IntegrationClient client, string path)
    {
        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Get, path));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static DateOnly ShanghaiDay(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime.AddHours(8));

    private static DateOnly Monday(DateOnly d) => d.AddDays(-(((int)d.DayOfWeek + 6) % 7));

    [Fact]
    public async Task roll_ups_count_days_weeks_and_months_and_a_rebuild_from_scratch_gives_the_same_rows()
    {
        var r = await RestaurantAsync();
        var now = DateTimeOffset.UtcNow;
        // (delivered at, scanned?) — today, two days ago and twelve days ago.
        var plan = new List<(DateTimeOffset At, bool Scan)>
        {
            (now.AddMinutes(-5), true), (now.AddMinutes(-4), true),
            (now.AddDays(-2), true), (now.AddDays(-2).AddMinutes(1), false),
            (now.AddDays(-12), false),
        };
        foreach (var (at, scan) in plan)
        {
            var code = await DeliverAsync(r, at);
            if (scan) Assert.Equal("matched", await ScanAsync(r, code, at.AddMinutes(30) < now ? at.AddMinutes(30) : now));
        }
        await Rollups.RefreshAsync(CancellationToken.None);

        async Task<Dictionary<(string, DateOnly), (int, int)>> RowsAsync(string dimension, long subject)
        {
            await using var conn = await fx.Database.OpenAsync();
            return (await conn.QueryAsync<(string Period, DateTime Start, int Deliveries, int Scanned)>(
                    "SELECT period, period_start, deliveries, scanned FROM scan_rate_rollups WHERE dimension = @dimension AND subject_id = @subject",
                    new { dimension, subject }))
                .ToDictionary(x => (x.Period, DateOnly.FromDateTime(x.Start)), x => (x.Deliveries, x.Scanned));
        }
        Dictionary<(string, DateOnly), (int, int)> Expected()
        {
            var expected = new Dictionary<(string, DateOnly), (int, int)>();
            foreach (var (at, scan) in plan)
            {
                var day = ShanghaiDay(at);
                foreach (var key in new[] { ("d", day), ("w", Monday(day)), ("m", new DateOnly(day.Year, day.Month, 1)) })
                {
                    var (d, s) = expected.GetValueOrDefault(key);
                    expected[key] = (d + 1, s + (scan ? 1 : 0));
                }
            }
            return expected;
        }
        var station = await RowsAsync(RateDimensions.Station, r.StationId);
        Assert.Equal(Expected().OrderBy(k => k.Key), station.OrderBy(k => k.Key));
        Assert.Equal(station.OrderBy(k => k.Key), (await RowsAsync(RateDimensions.Customer, r.CustomerId)).OrderBy(k => k.Key));
        Assert.Equal(station.OrderBy(k => k.Key), (await RowsAsync(RateDimensions.Enterprise, r.EnterpriseId)).OrderBy(k => k.Key));

        // From scratch: empty the table and reconcile; every row comes back the same.
        await using (var conn = await fx.Database.OpenAsync())
        {
            var before = (await conn.QueryAsync<string>(
                "SELECT CONCAT_WS('|', period, period_start, dimension, subject_id, district_code, deliveries, scanned) FROM scan_rate_rollups WHERE period_start >= @since ORDER BY 1",
                new { since = DateTime.UtcNow.Date.AddDays(-25) })).ToList();
            await conn.ExecuteAsync("DELETE FROM scan_rate_rollups");
            await Rollups.ReconcileAsync(CancellationToken.None);
            var after = (await conn.QueryAsync<string>(
                "SELECT CONCAT_WS('|', period, period_start, dimension, subject_id, district_code, deliveries, scanned) FROM scan_rate_rollups WHERE period_start >= @since ORDER BY 1",
                new { since = DateTime.UtcNow.Date.AddDays(-25) })).ToList();
            Assert.NotEmpty(before);
            Assert.Equal(before, after);
        }
    }

    [GeneratedRegex("data-subject=\"(\\d+)\"")]
    private static partial Regex SubjectRow();

    [Fact]
    public async Task the_console_lists_its_jurisdiction_lowest_first_with_a_trend_and_csv()
    {
        var diligent = await RestaurantAsync("350121", "勤快供应站" + TestData.UniqueCode()[..4]);
        var careless = await RestaurantAsync("350121", "=HYPERLINK(\"x\")站" + TestData.UniqueCode()[..4]);
        var elsewhere = await RestaurantAsync("350103");
        var now = DateTimeOffset.UtcNow.AddMinutes(-3);
        foreach (var code in new[] { await DeliverAsync(diligent, now), await DeliverAsync(diligent, now) }) await ScanAsync(diligent, code);
        await DeliverAsync(careless, now);
        await DeliverAsync(careless, now);
        await DeliverAsync(elsewhere, now);
        await Rollups.RefreshAsync(CancellationToken.None);

        var agency = await fx.Data.AgencyAsync("gas_authority", "350121");
        var (_, inspector) = await fx.Data.StaffAsync(agency.Code, "inspector");
        var console = await ConsoleClient.SignInAsync(fx.Host, inspector, TestData.StaffPassword);
        var html = await console.Http.GetStringAsync("/console/scan-rates?dimension=station&period=d");
        var order = SubjectRow().Matches(html).Select(m => long.Parse(m.Groups[1].Value)).ToList();
        Assert.Contains(careless.StationId, order);
        Assert.True(order.IndexOf(careless.StationId) < order.IndexOf(diligent.StationId), "lowest rate first");
        Assert.DoesNotContain(elsewhere.StationId, order);
        Assert.Contains("<svg class=\"trend wide\"", html);
        Assert.Contains("进货扫码率", html);

        // One station's own trend.
        var one = await console.Http.GetStringAsync($"/console/scan-rates?dimension=station&period=d&subject={careless.StationId}");
        Assert.Contains("近30天趋势：" + System.Net.WebUtility.HtmlEncode(careless.StationName), one);

        // CSV of the whole list, safe to open in a spreadsheet.
        var csv = await console.Http.GetAsync("/console/scan-rates.csv?dimension=station&period=d");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("\"维度\"", lines[0]);
        var carelessLine = Assert.Single(lines, l => l.Contains($",\"{careless.StationId}\","));
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")站", carelessLine);
        Assert.EndsWith(",\"2\",\"0\",\"0.0000\"", carelessLine);
        Assert.DoesNotContain(lines, l => l.Contains($",\"{elsewhere.StationId}\","));

        // The JSON API: restaurants, this month.
        var api = await console.GetJsonAsync("/api/console/scan-rates?dimension=customer&period=m");
        var rows = api.GetProperty("rows").EnumerateArray().ToList();
        Assert.Contains(rows, x => x.GetProperty("subjectId").GetInt64() == careless.CustomerId && x.GetProperty("rate").GetDouble() == 0);
        Assert.DoesNotContain(rows, x => x.GetProperty("subjectId").GetInt64() == elsewhere.CustomerId);
        Assert.True(api.GetProperty("liveToday").GetProperty("deliveries").GetInt32() >= 4);
        var bad = await console.Http.GetAsync("/api/console/scan-rates?dimension=planets");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("统计对象应为供气站、送气工、商户、充装企业或区县之一", await bad.Content.ReadAsStringAsync());

        // Administrators issue invites for restaurants in their jurisdiction (supply stations do it through the integration API).
        var (_, admin) = await fx.Data.StaffAsync(agency.Code, "administrator");
        var adminConsole = await ConsoleClient.SignInAsync(fx.Host, admin, TestData.StaffPassword);
        var invite = await adminConsole.PostOkAsync("/api/console/commercial-invites", new { customerId = careless.CustomerId, role = "staff" });
        var cook = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var bound = await cook.Http.PostAsJsonAsync("/api/mp/commercial/bind", new { code = invite.GetProperty("code").GetString() });
        Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
        Assert.Equal("staff", JsonDocument.Parse(await bound.Content.ReadAsStringAsync()).RootElement.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await console.PostAsync("/api/console/commercial-invites", new { customerId = careless.CustomerId, role = "owner" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminConsole.PostAsync("/api/console/commercial-invites", new { customerId = elsewhere.CustomerId, role = "owner" })).StatusCode);
        Assert.Contains("生成负责人邀请码", await adminConsole.Http.GetStringAsync("/console/scan-rates?dimension=customer&period=d"));
        Assert.DoesNotContain("生成负责人邀请码", await console.Http.GetStringAsync("/console/scan-rates?dimension=customer&period=d"));
        var token = await adminConsole.FormTokenAsync("/console/scan-rates?dimension=customer&period=d");
        var fromPage = await adminConsole.PostFormAsync("/console/commercial-invites", token,
            new Dictionary<string, string> { ["customerId"] = careless.CustomerId.ToString(System.Globalization.CultureInfo.InvariantCulture), ["role"] = "owner" });
        Assert.Equal(HttpStatusCode.OK, fromPage.StatusCode);
        Assert.Matches("邀请码：[A-Z2-9]{10}", await fromPage.Content.ReadAsStringAsync());

        // An agency of the city sees every district.
        var city = await fx.Data.AgencyAsync("gas_authority", "350100");
        var (_, cityStaff) = await fx.Data.StaffAsync(city.Code, "supervisor");
        var cityConsole = await ConsoleClient.SignInAsync(fx.Host, cityStaff, TestData.StaffPassword);
        var all = SubjectRow().Matches(await cityConsole.Http.GetStringAsync("/console/scan-rates?dimension=station&period=d")).Select(m => long.Parse(m.Groups[1].Value)).ToList();
        Assert.Contains(elsewhere.StationId, all);
        Assert.Contains(careless.StationId, all);
    }
}
