using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Routing;

namespace CylinderTrace.Tests.Integration;

/// <summary>Inspection records keep the registry true (issue 17, item 3): renewal by spec, newest wins, a fail scraps, inspection bodies report for every owner.</summary>
[Collection(Collections.Integration)]
public sealed class Inspection_records(WebHostFixture fx)
{
    private sealed record Owner(int Id, string Licence, IntegrationClient Client);

    private async Task<Owner> OwnerAsync()
    {
        var id = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(id);
        return new Owner(id, licence, await IntegrationClient.ForAsync(fx.Host, licence));
    }

    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private static async Task<string> RegisteredAsync(Owner owner, string spec = "YSP35.5")
    {
        var code = NewCode();
        await owner.Client.PostOkAsync("cylinders", new { code, serial = "S" + code[^6..], spec, manufactureDate = "2022-03-01", nextInspectionDate = "2027-03-01" });
        return code;
    }

    private static object Inspection(string eventId, string code, string on, string result = "pass", string? next = null, string? report = null, string body = "福州市特种设备检验研究院") =>
        new { eventId, cylinderCode = code, inspectedOn = on, inspectionBody = body, result, nextInspectionDate = next, reportNumber = report };

    private async Task<JsonElement> CardAsync(string code, CylinderTraceHost? host = null) =>
        JsonDocument.Parse(await (host ?? fx.Host).CreateClient().GetStringAsync($"/api/cylinders/{code}/card")).RootElement;

    private static string? Next(JsonElement card) => card.GetProperty("cylinder").GetProperty("nextInspectionDate").GetString();
    private static string? Last(JsonElement card) => card.GetProperty("cylinder").GetProperty("lastInspectionDate").GetString();

    [Fact]
    public async Task a_pass_without_a_next_date_renews_it_by_the_period_of_the_cylinders_spec()
    {
        var owner = await OwnerAsync();
        string household = await RegisteredAsync(owner, "YSP35.5"), commercial = await RegisteredAsync(owner, "YSP-118-Ⅱ"), other = await RegisteredAsync(owner, "YSP-15");
        var result = await owner.Client.PostOkAsync("inspections",
            Inspection("P1-" + household, household, "2026-11-20"), Inspection("P1-" + commercial, commercial, "2026-11-20"), Inspection("P1-" + other, other, "2026-11-20"));
        Assert.Equal(3, result.GetProperty("stored").GetInt32());
        // GB/T 8334 household specs: 4 years; YSP118: 3 (CylinderRules:InspectionPeriods); a spec not listed: InspectionIntervalYears (4).
        Assert.Equal("2030-11-20", Next(await CardAsync(household)));
        Assert.Equal("2029-11-20", Next(await CardAsync(commercial)));
        Assert.Equal("2030-11-20", Next(await CardAsync(other)));
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(new DateTime(2030, 11, 20), await conn.ExecuteScalarAsync<DateTime>("SELECT next_inspection_date FROM cylinders WHERE code = @household", new { household }));

        // Periods are configuration, per spec, whatever its spelling there.
        await using var configured = fx.AnotherInstance(new Dictionary<string, string?> { ["CylinderRules:InspectionPeriods:ysp 35.5"] = "2" });
        var client = owner.Client.On(configured);
        await client.PostOkAsync("inspections", Inspection("P2-" + household, household, "2026-11-25"));
        Assert.Equal("2028-11-25", Next(await CardAsync(household, configured)));
    }

    [Fact]
    public async Task an_explicit_next_date_wins_over_the_period()
    {
        var owner = await OwnerAsync();
        var code = await RegisteredAsync(owner);
        await owner.Client.PostOkAsync("inspections", Inspection("E-" + code, code, "2026-11-20", next: "2028-05-01"));
        Assert.Equal("2028-05-01", Next(await CardAsync(code)));
    }

    [Fact]
    public async Task an_older_record_does_not_overwrite_a_newer_one_and_a_later_record_of_the_same_day_corrects_it()
    {
        var owner = await OwnerAsync();
        var code = await RegisteredAsync(owner);
        await owner.Client.PostOkAsync("inspections", Inspection("N-" + code, code, "2026-11-20", next: "2030-11-20"));
        var older = await owner.Client.PostOkAsync("inspections", Inspection("O-" + code, code, "2025-06-01", next: "2029-06-01"));
        Assert.Equal(1, older.GetProperty("stored").GetInt32());
        var card = await CardAsync(code);
        Assert.Equal(("2026-11-20", "2030-11-20"), (Last(card), Next(card)));

        // The same day, received later: the correction wins.
        await owner.Client.PostOkAsync("inspections", Inspection("C-" + code, code, "2026-11-20", next: "2029-11-20"));
        Assert.Equal("2029-11-20", Next(await CardAsync(code)));
        // Within one batch the later record of the day is the later receipt.
        await owner.Client.PostOkAsync("inspections",
            Inspection("B1-" + code, code, "2026-11-21", next: "2028-01-01"), Inspection("B2-" + code, code, "2026-11-21", next: "2030-01-01"),
            Inspection("B3-" + code, code, "2026-11-02", next: "2031-01-01"));
        card = await CardAsync(code);
        Assert.Equal(("2026-11-21", "2030-01-01"), (Last(card), Next(card)));
    }

    [Fact]
    public async Task a_fail_scraps_the_cylinder_for_the_card_and_the_fill_check_and_records_the_body_and_report()
    {
        var owner = await OwnerAsync();
        var code = await RegisteredAsync(owner);
        Assert.Equal("in_service", (await CardAsync(code)).GetProperty("status").GetProperty("code").GetString());
        var (inspector, body) = await IntegrationClient.ForInspectionBodyAsync(fx.Host, "闽侯县气瓶检验站");

        var noReport = await inspector.PostOkAsync("inspections", Inspection("F0-" + code, code, "2026-11-20", "fail"));
        Assert.Equal("reportNumber", noReport.GetProperty("rejected")[0].GetProperty("field").GetString());
        var failed = await inspector.PostOkAsync("inspections", Inspection("F1-" + code, code, "2026-11-20", "fail", report: "JY-2026-0042", body: "别的名称"));
        Assert.Equal(1, failed.GetProperty("stored").GetInt32());

        Assert.Equal("scrapped", (await CardAsync(code)).GetProperty("status").GetProperty("code").GetString());
        Assert.Equal("scrapped", (await CardAsync(code, fx.SecondInstance)).GetProperty("status").GetProperty("code").GetString());
        var check = await owner.Client.Http.SendAsync(owner.Client.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks",
            JsonSerializer.SerializeToUtf8Bytes(new { cylinderCode = code }, JsonSerializerOptions.Web)));
        var answer = JsonDocument.Parse(await check.Content.ReadAsStringAsync()).RootElement;
        Assert.False(answer.GetProperty("allowed").GetBoolean());
        Assert.Contains("scrapped", answer.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()));
        await using var conn = await fx.Database.OpenAsync();
        var row = await conn.QuerySingleAsync<(string Body, string Report, string Result)>(
            "SELECT i.inspection_body, i.report_number, i.result FROM inspections i JOIN cylinders c ON c.id = i.cylinder_id WHERE c.code = @code", new { code });
        Assert.Equal((body.Name, "JY-2026-0042", "fail"), row);

        // Neither a later pass nor re-registering the cylinder puts it back in service.
        await owner.Client.PostOkAsync("inspections", Inspection("P-" + code, code, "2026-11-21"));
        await owner.Client.PostOkAsync("cylinders", new { code, serial = "S" + code[^6..], spec = "YSP35.5", manufactureDate = "2022-03-01", status = "in_service" });
        Assert.Equal("scrapped", (await CardAsync(code)).GetProperty("status").GetProperty("code").GetString());
    }

    [Fact]
    public async Task an_inspection_bodys_key_reports_inspections_of_any_owners_cylinders_and_nothing_else()
    {
        Owner a = await OwnerAsync(), b = await OwnerAsync();
        string ofA = await RegisteredAsync(a), ofB = await RegisteredAsync(b);
        var (inspector, _) = await IntegrationClient.ForInspectionBodyAsync(fx.Host);
        var result = await inspector.PostOkAsync("inspections", Inspection("X1", ofA, "2026-11-20"), Inspection("X2", ofB, "2026-11-20", next: "2029-01-01"));
        Assert.Equal(2, result.GetProperty("stored").GetInt32());
        Assert.Equal("2030-11-20", Next(await CardAsync(ofA)));
        Assert.Equal("2029-01-01", Next(await CardAsync(ofB)));
        // Its event ids are its own: an enterprise may use the same ones.
        var sameIds = await a.Client.PostOkAsync("inspections", Inspection("X1", ofA, "2026-11-21"));
        Assert.Equal(1, sameIds.GetProperty("stored").GetInt32());
        Assert.Equal(1, (await inspector.PostOkAsync("inspections", Inspection("X1", ofA, "2026-11-20"))).GetProperty("duplicates").GetInt32());
        // A code nobody registered: the body is told to have the owner register it (it cannot register cylinders itself).
        var unknown = await inspector.PostOkAsync("inspections", Inspection("X9", "FZ9999999991", "2026-11-20"));
        Assert.Contains("请气瓶的产权单位先登记", unknown.GetProperty("rejected")[0].GetProperty("reason").GetString());

        // Every other route of the integration API refuses it, before the endpoint runs.
        var routes = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.StartsWith("/api/integration") && !p.EndsWith("/inspections"))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count > 15, $"found only {routes.Count} routes");
        foreach (var (method, pattern) in routes)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", "1");
            var body = method is "GET" or "DELETE" ? [] : IntegrationClient.Records(new { code = ofA });
            var response = await inspector.Http.SendAsync(inspector.Signed(new HttpMethod(method), path, body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {pattern}: {(int)response.StatusCode} {text}");
            Assert.Contains("integration-inspection-body-only", text);
            Assert.Contains("检验机构的密钥只能上报检验记录", text);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.PostAsync("no-such-route", IntegrationClient.Records())).StatusCode);
    }

    [Fact]
    public async Task an_enterprise_key_is_still_refused_for_another_owners_cylinder_and_a_supply_station_for_any()
    {
        Owner mine = await OwnerAsync(), theirs = await OwnerAsync();
        string own = await RegisteredAsync(mine), foreign = await RegisteredAsync(theirs);
        var refused = await mine.Client.PostAsync("inspections", IntegrationClient.Records(
            Inspection("M1-" + own, own, "2026-11-20"), Inspection("M2-" + foreign, foreign, "2026-11-20", "fail", report: "R-9")));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("integration-not-yours", await refused.Content.ReadAsStringAsync());
        // Nothing of the batch was stored: the foreign cylinder is not scrapped, the own one not renewed.
        Assert.Equal("in_service", (await CardAsync(foreign)).GetProperty("status").GetProperty("code").GetString());
        Assert.Equal("2027-03-01", Next(await CardAsync(own)));

        var station = await fx.Data.EnterpriseAsync("supply", parentId: mine.Id);
        var stationClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        Assert.Equal(HttpStatusCode.Forbidden, (await stationClient.PostAsync("inspections", IntegrationClient.Records(Inspection("S1-" + own, own, "2026-11-20")))).StatusCode);
    }

    [Fact]
    public async Task an_inspection_bodys_key_is_rotated_and_revoked_like_an_enterprises()
    {
        var owner = await OwnerAsync();
        var code = await RegisteredAsync(owner);
        var (inspector, body) = await IntegrationClient.ForInspectionBodyAsync(fx.Host);
        Assert.StartsWith("ib_", inspector.KeyId);
        var keys = fx.Host.Services.GetRequiredService<CylinderTrace.Integration.IntegrationKeys>();
        var listed = (await keys.ListAsync(CancellationToken.None)).Single(k => k.KeyId == inspector.KeyId);
        Assert.Equal((body.ApprovalNumber, body.Name, (int?)body.Id), (listed.Licence, listed.Enterprise, listed.InspectionBodyId));
        var rotated = await keys.RotateAsync(inspector.KeyId, CancellationToken.None);
        Assert.NotNull(rotated);
        var renewed = new IntegrationClient(fx.Host.CreateClient(), rotated.Value.KeyId, Convert.FromBase64String(rotated.Value.Secret));
        Assert.Equal(1, (await renewed.PostOkAsync("inspections", Inspection("K1-" + code, code, "2026-11-20"))).GetProperty("stored").GetInt32());
        Assert.True(await keys.RevokeAsync(rotated.Value.KeyId, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, (await renewed.PostAsync("inspections", IntegrationClient.Records(Inspection("K2-" + code, code, "2026-11-20")))).StatusCode);
    }
}
