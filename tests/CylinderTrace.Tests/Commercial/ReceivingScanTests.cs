using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Commercial;

/// <summary>Restaurants scan every cylinder they receive; each scan gets its outcome at once (DESIGN.md §5).</summary>
[Collection(Collections.BackgroundJobs)]
public sealed class Receiving_scans(WorkerHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private sealed record Restaurant(long CustomerId, MiniProgramClient Staff, IntegrationClient Owner, IntegrationClient Station, string StationLicence);

    private async Task<Restaurant> RestaurantAsync()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner);
        var ownerClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var stationLicence = await fx.Data.LicenceOfAsync(station);
        var stationClient = await IntegrationClient.ForAsync(fx.Host, stationLicence);
        await stationClient.PostOkAsync("workers", new { employeeNumber = "W1", name = "赵送气" });
        await stationClient.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = "350102", businessName = "好味餐馆" });
        var invite = await stationClient.Http.SendAsync(stationClient.Signed(HttpMethod.Post, "/api/integration/v1/commercial-invites",
            JsonSerializer.SerializeToUtf8Bytes(new { customerId = "R1", role = "owner" })));
        Assert.Equal(HttpStatusCode.OK, invite.StatusCode);
        var code = JsonDocument.Parse(await invite.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()!;
        var staff = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var bound = await staff.Http.PostAsJsonAsync("/api/mp/commercial/bind", new { code });
        Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
        var customerId = JsonDocument.Parse(await bound.Content.ReadAsStringAsync()).RootElement.GetProperty("customerId").GetInt64();
        // The code works once.
        var other = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        Assert.Equal(HttpStatusCode.BadRequest, (await other.Http.PostAsJsonAsync("/api/mp/commercial/bind", new { code })).StatusCode);
        return new Restaurant(customerId, staff, ownerClient, stationClient, stationLicence);
    }

    private static async Task<JsonElement> ScanAsync(Restaurant r, params string[] codes) => (await ScanSessionAsync(r, codes)).GetProperty("results");

    private static async Task<JsonElement> ScanSessionAsync(Restaurant r, params string[] codes)
    {
        var response = await r.Staff.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static async Task RegisterAsync(IntegrationClient owner, string code, string nextInspection = "2028-01-01") =>
        await owner.PostOkAsync("cylinders", new { code, serial = "S" + code, spec = "YSP-50", manufactureDate = "2022-01-01", nextInspectionDate = nextInspection });

    [Fact]
    public async Task a_cylinder_delivered_to_the_restaurant_is_matched_once()
    {
        var r = await RestaurantAsync();
        var code = NewCode();
        await RegisterAsync(r.Owner, code);
        await r.Station.PostOkAsync("deliveries", new { eventId = "D-" + code, cylinderCode = code, deliveredAt = DateTimeOffset.UtcNow.AddHours(-3), customerId = "R1", workerEmployeeNumber = "W1" });

        var first = (await ScanAsync(r, code))[0];
        Assert.Equal("matched", first.GetProperty("outcome").GetString());
        Assert.False(first.GetProperty("repeated").GetBoolean());
        Assert.Equal("赵*气 工号W1", first.GetProperty("delivery").GetProperty("worker").GetString());
        var again = (await ScanAsync(r, code))[0];
        Assert.True(again.GetProperty("repeated").GetBoolean());
        Assert.Equal(first.GetProperty("scanId").GetInt64(), again.GetProperty("scanId").GetInt64());
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM receiving_scans WHERE customer_id = @CustomerId AND cylinder_code = @code", new { r.CustomerId, code }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaints WHERE (idempotency_key LIKE 'scan-alert-%' OR idempotency_key LIKE 'delivery-alert-%') AND cylinder_code = @code", new { code }));
        // The scan is part of the cylinder's trace that the console shows.
        var cylinderId = await conn.ExecuteScalarAsync<long>("SELECT id FROM cylinders WHERE code = @code", new { code });
        var trace = await fx.Host.Services.GetRequiredService<CylinderTrace.Cylinders.CylinderHistory>().RecentAsync(cylinderId, 10, CancellationToken.None);
        Assert.Equal(["receiving_scan", "delivery"], trace.Select(t => t.Kind).ToArray());
        Assert.Equal("好味餐馆", trace[0].Where);
    }

    [Fact]
    public async Task names_every_other_outcome_with_its_warning()
    {
        var r = await RestaurantAsync();
        var stranger = await RestaurantAsync();
        string undelivered = NewCode(), elsewhere = NewCode(), overdue = NewCode();
        await RegisterAsync(r.Owner, undelivered);
        await RegisterAsync(stranger.Owner, elsewhere);
        await stranger.Station.PostOkAsync("deliveries", new { eventId = "D-" + elsewhere, cylinderCode = elsewhere, deliveredAt = DateTimeOffset.UtcNow.AddHours(-1), customerId = "R1" });
        await RegisterAsync(r.Owner, overdue, nextInspection: "2025-01-01");
        await r.Station.PostOkAsync("deliveries", new { eventId = "D-" + overdue, cylinderCode = overdue, deliveredAt = DateTimeOffset.UtcNow.AddHours(-1), customerId = "R1" });

        var session = await ScanSessionAsync(r, undelivered, elsewhere, overdue, "FZ9999999996");
        var results = session.GetProperty("results").EnumerateArray().ToDictionary(x => x.GetProperty("cylinderCode").GetString()!);
        Assert.Equal("no_matching_delivery", results[undelivered].GetProperty("outcome").GetString());
        Assert.Contains("黑气", results[undelivered].GetProperty("warning").GetString());
        Assert.Equal("not_contracted", results[elsewhere].GetProperty("outcome").GetString());
        Assert.Equal("unsafe", results[overdue].GetProperty("outcome").GetString());
        Assert.Equal("inspection_overdue", results[overdue].GetProperty("statusCode").GetString());
        Assert.Equal("unsafe", results["FZ9999999996"].GetProperty("outcome").GetString());
        Assert.Equal("unregistered", results["FZ9999999996"].GetProperty("statusCode").GetString());
        await using var conn = await fx.Database.OpenAsync();
        // The unsafe cylinder was properly delivered: its scan still answers the delivery.
        Assert.NotNull(await conn.ExecuteScalarAsync<long?>("SELECT delivery_id FROM receiving_scans WHERE customer_id = @CustomerId AND cylinder_code = @overdue", new { r.CustomerId, overdue }));

        // The unsafe and unmatched scans of the session raised ONE alert for the delivery, filed as a complaint of the scanning user
        // (the most telling category: black gas), listing every code, routed to the restaurant's district (black gas: its gas authority).
        var alertId = session.GetProperty("alert").GetProperty("id").GetInt64();
        Assert.Equal(4, session.GetProperty("alert").GetProperty("codes").GetArrayLength());
        var alert = await conn.QuerySingleAsync<(string Category, string Number, string Description)>(
            "SELECT category, number, description FROM complaints WHERE idempotency_key = CONCAT('delivery-alert-', @alertId)", new { alertId });
        Assert.Equal("black_gas", alert.Category);
        foreach (var code in new[] { undelivered, elsewhere, overdue, "FZ9999999996" }) Assert.Contains(code, alert.Description);
        Assert.Contains("超期未检", alert.Description);
        Assert.Contains("非签约供气站配送", alert.Description);
        await fx.Data.WaitUntilRoutedAsync(alert.Number);
        Assert.Equal("gas-350102", await conn.ExecuteScalarAsync<string>(
            "SELECT a.code FROM complaints c JOIN agencies a ON a.id = c.agency_id WHERE c.number = @Number", new { alert.Number }));
        // Scanning again raises nothing new.
        Assert.Equal(JsonValueKind.Null, (await ScanSessionAsync(r, undelivered)).GetProperty("alert").ValueKind);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM delivery_alert_codes WHERE cylinder_code = @undelivered", new { undelivered }));
    }

    [Fact]
    public async Task a_delivery_of_only_overdue_or_foreign_cylinders_is_one_alert_in_the_category_that_fits()
    {
        var r = await RestaurantAsync();
        var stranger = await RestaurantAsync();
        string elsewhere = NewCode(), overdue = NewCode();
        await RegisterAsync(stranger.Owner, elsewhere);
        await stranger.Station.PostOkAsync("deliveries", new { eventId = "D-" + elsewhere, cylinderCode = elsewhere, deliveredAt = DateTimeOffset.UtcNow.AddHours(-1), customerId = "R1" });
        await RegisterAsync(r.Owner, overdue, nextInspection: "2025-01-01");
        await r.Station.PostOkAsync("deliveries", new { eventId = "D-" + overdue, cylinderCode = overdue, deliveredAt = DateTimeOffset.UtcNow.AddHours(-1), customerId = "R1" });
        Assert.Equal("seller_mismatch", (await ScanSessionAsync(r, elsewhere, overdue)).GetProperty("alert").GetProperty("category").GetString());
        var other = await RestaurantAsync();
        var overdue2 = NewCode();
        await RegisterAsync(other.Owner, overdue2, nextInspection: "2025-01-01");
        Assert.Equal("cylinder_overdue", (await ScanSessionAsync(other, overdue2)).GetProperty("alert").GetProperty("category").GetString());
    }

    [Fact]
    public async Task only_members_scan_for_a_restaurant()
    {
        var r = await RestaurantAsync();
        var outsider = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var response = await outsider.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = new[] { NewCode() } });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await r.Staff.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = Array.Empty<string>() })).StatusCode);
        var memberships = JsonDocument.Parse(await r.Staff.Http.GetStringAsync("/api/mp/commercial/memberships")).RootElement;
        Assert.Equal("好味餐馆", memberships[0].GetProperty("businessName").GetString());
        Assert.Equal("owner", memberships[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task a_scan_made_before_its_delivery_record_is_matched_when_the_record_arrives()
    {
        var r = await RestaurantAsync();
        var code = NewCode();
        await RegisterAsync(r.Owner, code);
        var earlySession = await ScanSessionAsync(r, code);
        var early = earlySession.GetProperty("results")[0];
        var alertId = earlySession.GetProperty("alert").GetProperty("id").GetInt64();
        Assert.Equal("no_matching_delivery", early.GetProperty("outcome").GetString());

        // The station's system sends the delivery an hour later, dated just after the scan.
        await r.Station.PostOkAsync("deliveries", new { eventId = "D-" + code, cylinderCode = code, deliveredAt = DateTimeOffset.UtcNow.AddMinutes(5), customerId = "R1" });
        await using var conn = await fx.Database.OpenAsync();
        var scan = await conn.QuerySingleAsync<(string Outcome, long? DeliveryId)>(
            "SELECT outcome, delivery_id AS DeliveryId FROM receiving_scans WHERE id = @id", new { id = early.GetProperty("scanId").GetInt64() });
        Assert.Equal("matched", scan.Outcome);
        Assert.NotNull(scan.DeliveryId);
        Assert.Equal(early.GetProperty("scanId").GetInt64(),
            await conn.ExecuteScalarAsync<long>("SELECT scan_id FROM receiving_scan_deliveries WHERE delivery_id = @DeliveryId", new { scan.DeliveryId }));
        var again = (await ScanAsync(r, code))[0];
        Assert.Equal("matched", again.GetProperty("outcome").GetString());
        Assert.True(again.GetProperty("repeated").GetBoolean());
        // The alert the early scan raised stays open, with a note for its handler that the record came later.
        var note = await conn.QuerySingleAsync<(string Status, string Text)>(
            """
            SELECT c.status, e.text FROM complaints c JOIN complaint_events e ON e.complaint_id = c.id AND e.kind = 'scan_matched'
            WHERE c.idempotency_key = CONCAT('delivery-alert-', @alertId)
            """, new { alertId });
        Assert.NotEqual("resolved", note.Status);
        Assert.Contains("补报", note.Text);
    }

    [Fact]
    public async Task the_restaurant_sees_its_scan_rate_and_what_it_has_not_scanned()
    {
        var r = await RestaurantAsync();
        var codes = Enumerable.Range(0, 4).Select(_ => NewCode()).ToList();
        foreach (var code in codes)
        {
            await RegisterAsync(r.Owner, code);
            await r.Station.PostOkAsync("deliveries", new { eventId = "D-" + code, cylinderCode = code, deliveredAt = DateTimeOffset.UtcNow.AddMinutes(-30), customerId = "R1", workerEmployeeNumber = "W1" });
        }
        await ScanAsync(r, codes[0], codes[1], codes[2]);
        var rate = JsonDocument.Parse(await r.Staff.Http.GetStringAsync($"/api/mp/commercial/{r.CustomerId}/rate")).RootElement;
        // Half an hour ago is always inside the last 7 days (today alone could have begun since).
        Assert.Equal(4, rate.GetProperty("week").GetProperty("deliveries").GetInt32());
        Assert.Equal(3, rate.GetProperty("week").GetProperty("scanned").GetInt32());
        Assert.Equal(0.75, rate.GetProperty("week").GetProperty("rate").GetDouble());
        Assert.Equal(0.75, rate.GetProperty("month").GetProperty("rate").GetDouble());
        var unscanned = Assert.Single(rate.GetProperty("unscanned").EnumerateArray());
        Assert.Equal(codes[3], unscanned.GetProperty("cylinderCode").GetString());
        var outsider = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.GetAsync($"/api/mp/commercial/{r.CustomerId}/rate")).StatusCode);
    }

    [Fact]
    public async Task the_owner_removes_staff_who_then_cannot_scan()
    {
        var r = await RestaurantAsync();
        var invite = await r.Station.Http.SendAsync(r.Station.Signed(HttpMethod.Post, "/api/integration/v1/commercial-invites",
            JsonSerializer.SerializeToUtf8Bytes(new { customerId = "R1", role = "staff" })));
        var code = JsonDocument.Parse(await invite.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()!;
        var cook = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        // Before binding, not a member (and that answer is cached); binding makes it one at once.
        Assert.Equal(HttpStatusCode.NotFound, (await cook.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = new[] { NewCode() } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await cook.Http.PostAsJsonAsync("/api/mp/commercial/bind", new { code })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cook.Http.GetAsync($"/api/mp/commercial/{r.CustomerId}/members")).StatusCode);
        // The cook scans on this instance and on another one (each now holds the membership in memory).
        var cookElsewhere = fx.SecondInstance.CreateClient();
        cookElsewhere.DefaultRequestHeaders.Authorization = cook.Http.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.OK, (await cook.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = new[] { NewCode() } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await cookElsewhere.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = new[] { NewCode() } })).StatusCode);

        var members = JsonDocument.Parse(await r.Staff.Http.GetStringAsync($"/api/mp/commercial/{r.CustomerId}/members")).RootElement;
        Assert.Equal(2, members.GetArrayLength());
        var staffId = members.EnumerateArray().Single(m => m.GetProperty("role").GetString() == "staff").GetProperty("userId").GetInt64();
        var ownerId = members.EnumerateArray().Single(m => m.GetProperty("you").GetBoolean()).GetProperty("userId").GetInt64();
        Assert.Equal(HttpStatusCode.NotFound, (await r.Staff.Http.DeleteAsync($"/api/mp/commercial/{r.CustomerId}/members/{ownerId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await r.Staff.Http.DeleteAsync($"/api/mp/commercial/{r.CustomerId}/members/{staffId}")).StatusCode);
        var scan = await cook.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = new[] { NewCode() } });
        Assert.Equal(HttpStatusCode.NotFound, scan.StatusCode);
        // The removal reached the other instance's memory too.
        await Eventually.HoldsAsync(async () => (await cookElsewhere.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId = r.CustomerId, codes = new[] { NewCode() } })).StatusCode == HttpStatusCode.NotFound,
            "the other instance to forget the removed member");
    }
}
