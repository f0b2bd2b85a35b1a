using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Supervision;

/// <summary>The filling interlock enforced (issue 17): every fill that breaks a rule is stored, named, and becomes a case the district's market supervision bureau handles.</summary>
[Collection(Collections.Integration)]
public sealed class Fill_violations(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));

    private static async Task<JsonElement> CheckAsync(IntegrationClient client, string code)
    {
        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks",
            JsonSerializer.SerializeToUtf8Bytes(new { cylinderCode = code }, JsonSerializerOptions.Web)));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static string[] Reasons(JsonElement check) => check.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    private static Dictionary<int, string[]> Violations(JsonElement batch) => batch.GetProperty("violations").EnumerateArray()
        .ToDictionary(v => v.GetProperty("index").GetInt32(), v => v.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()!).ToArray());

    private async Task<ConsoleClient> StaffAsync(string agencyCode, string role) =>
        await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agencyCode, role)).Username, TestData.StaffPassword);

    [Fact]
    public async Task a_batch_mixing_lawful_and_unlawful_fills_stores_all_and_names_every_rule_each_broke()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var good = await fx.Data.CylinderAsync(ownerId: owner, nextInspection: Today.AddYears(2));
        var foreign = await fx.Data.CylinderAsync(ownerId: other, stationId: other, nextInspection: Today.AddYears(2));
        var overdue = await fx.Data.CylinderAsync(ownerId: owner, nextInspection: Today.AddDays(-30));
        var pastScrap = await fx.Data.CylinderAsync(ownerId: owner, manufactured: Today.AddYears(-13), nextInspection: Today.AddYears(1));
        var scrapped = await fx.Data.CylinderAsync(ownerId: owner, status: "scrapped", nextInspection: Today.AddYears(1));
        var detained = await fx.Data.CylinderAsync(ownerId: owner, detained: true, nextInspection: Today.AddYears(1));
        var unregistered = NewCode();
        string Check(JsonElement c) => c.GetProperty("checkId").GetString()!;
        var goodCheck = Check(await CheckAsync(client, good.Code));
        var refused = await CheckAsync(client, overdue.Code);
        Assert.False(refused.GetProperty("allowed").GetBoolean());
        var now = DateTimeOffset.UtcNow;

        var batch = await client.PostOkAsync("fills",
            new { eventId = "L-" + good.Code, cylinderCode = good.Code, filledAt = now, checkId = goodCheck },
            new { eventId = "V1-" + foreign.Code, cylinderCode = foreign.Code, filledAt = now, checkId = goodCheck },
            new { eventId = "V2-" + overdue.Code, cylinderCode = overdue.Code, filledAt = now, checkId = Check(refused) },
            new { eventId = "V3-" + pastScrap.Code, cylinderCode = pastScrap.Code, filledAt = now },
            new { eventId = "V4-" + scrapped.Code, cylinderCode = scrapped.Code, filledAt = now },
            new { eventId = "V5-" + detained.Code, cylinderCode = detained.Code, filledAt = now },
            new { eventId = "V6-" + unregistered, cylinderCode = unregistered, filledAt = now },
            // Filled before its due date passed: lawful then, whatever the cylinder's state today.
            new { eventId = "L2-" + overdue.Code, cylinderCode = overdue.Code, filledAt = now.AddDays(-40), checkId = "fc1.forged.x" });
        Assert.Equal(8, batch.GetProperty("stored").GetInt32());
        Assert.Equal(0, batch.GetProperty("rejected").GetArrayLength());
        var v = Violations(batch);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], v.Keys.Order().ToArray());
        // The good check id belongs to another cylinder, so it contradicts this fill.
        Assert.Equal(["owned_by_another_enterprise", "check_contradicted"], v[1]);
        Assert.Equal(["inspection_overdue", "check_contradicted"], v[2]);
        Assert.Equal(["past_scrap_date", "no_check"], v[3]);
        Assert.Equal(["scrapped", "no_check"], v[4]);
        Assert.Equal(["detained", "no_check"], v[5]);
        Assert.Equal(["unregistered", "no_check"], v[6]);
        Assert.Equal(["check_contradicted"], v[7]);

        await using var conn = await fx.Database.OpenAsync();
        var cases = (await conn.QueryAsync<(string Number, string Kinds, string Agency, string Status)>(
            """
            SELECT v.number, v.kinds, a.code, v.status FROM fill_violations v JOIN agencies a ON a.id = v.agency_id
            WHERE v.enterprise_id = @owner ORDER BY v.external_event_id
            """, new { owner })).ToList();
        Assert.Equal(7, cases.Count);
        Assert.All(cases, c => Assert.Matches("^WG[0-9]{8}[0-9]{5,}$", c.Number));
        Assert.All(cases, c => Assert.Equal(("market-350102", "open"), (c.Agency, c.Status)));
        Assert.Equal(7, cases.Select(c => c.Number).Distinct().Count());
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM orphan_fills WHERE cylinder_code = @unregistered", new { unregistered }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fills f JOIN cylinders c ON c.id = f.cylinder_id WHERE c.code = @code", new { code = overdue.Code }));

        // The enterprise hears of them on its channel, with every number.
        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/notifications", null));
        var notices = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var notice = Assert.Single(notices.EnumerateArray(), n => n.GetProperty("kind").GetString() == "fill_violations");
        Assert.Equal(7, notice.GetProperty("payload").GetProperty("violations").GetArrayLength());

        // The same batch again: duplicates, and no second case.
        var again = await client.PostOkAsync("fills", new { eventId = "V6-" + unregistered, cylinderCode = unregistered, filledAt = now },
            new { eventId = "V3-" + pastScrap.Code, cylinderCode = pastScrap.Code, filledAt = now });
        Assert.Equal((0, 2), (again.GetProperty("stored").GetInt32(), again.GetProperty("duplicates").GetInt32()));
        Assert.Equal(0, again.GetProperty("violations").GetArrayLength());
        Assert.Equal(7, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fill_violations WHERE enterprise_id = @owner", new { owner }));
    }

    [Fact]
    public async Task a_filler_without_a_licence_in_force_is_refused_by_the_check_and_its_fills_are_violations()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", fillingLicence: false);
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner, nextInspection: Today.AddYears(2));
        Assert.Equal(["unlicensed_filler"], Reasons(await CheckAsync(client, cylinder.Code)));

        // The market supervision bureau records the licence: the check allows the fill (the tenant is read again).
        var bureau = await StaffAsync("market-350102", "supervisor");
        var set = await bureau.Http.PutAsJsonAsync($"/api/console/enterprises/{owner}/licences/cylinder_filling",
            new { licenceNumber = "TS4235001-2029", issuer = "福建省市场监督管理局", validFrom = "2025-01-01", validUntil = "2029-01-01" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var allowed = await CheckAsync(client, cylinder.Code);
        Assert.True(allowed.GetProperty("allowed").GetBoolean(), allowed.ToString());

        // A fill dated after the licence ended is a violation even with a genuine check.
        var expiredFill = await client.PostOkAsync("fills",
            new { eventId = "E1-" + cylinder.Code, cylinderCode = cylinder.Code, filledAt = DateTimeOffset.UtcNow, checkId = allowed.GetProperty("checkId").GetString() });
        Assert.Empty(Violations(expiredFill));
        await fx.Data.FillingLicenceAsync(owner, new DateOnly(2020, 1, 1), Today.AddDays(-1));
        fx.Host.Services.GetRequiredService<CylinderTrace.Integration.IntegrationScope>().Forget(owner);
        Assert.Equal(["unlicensed_filler"], Reasons(await CheckAsync(client, cylinder.Code)));
        var unlicensed = await client.PostOkAsync("fills", new { eventId = "E2-" + cylinder.Code, cylinderCode = cylinder.Code, filledAt = DateTimeOffset.UtcNow });
        Assert.Equal(["unlicensed_filler", "no_check"], Violations(unlicensed)[0]);

        // Another district's bureau neither records this enterprise's licence nor lists it; the city's lists it.
        await fx.Data.FillingLicenceAsync(owner, new DateOnly(2020, 1, 1), Today.AddDays(20));
        var elsewhere = await StaffAsync("market-350103", "supervisor");
        var foreignDistrict = await elsewhere.Http.PutAsJsonAsync($"/api/console/enterprises/{owner}/licences/cylinder_filling",
            new { licenceNumber = "X", issuer = "Y", validFrom = "2025-01-01", validUntil = "2029-01-01" });
        Assert.Equal(HttpStatusCode.NotFound, foreignDistrict.StatusCode);
        Assert.DoesNotContain((await elsewhere.GetJsonAsync("/api/console/licences")).EnumerateArray(), l => l.GetProperty("enterpriseId").GetInt32() == owner);
        var city = await StaffAsync("market-350100", "handler");
        Assert.Contains((await city.GetJsonAsync("/api/console/licences")).EnumerateArray(), l => l.GetProperty("enterpriseId").GetInt32() == owner);

        // Only the issuing kind of agency records a licence, and only for a filler.
        var gas = await StaffAsync("gas-350102", "supervisor");
        var wrongAgency = await gas.Http.PutAsJsonAsync($"/api/console/enterprises/{owner}/licences/cylinder_filling",
            new { licenceNumber = "X", issuer = "Y", validFrom = "2025-01-01", validUntil = "2029-01-01" });
        Assert.Equal(HttpStatusCode.Forbidden, wrongAgency.StatusCode);
        var bad = await bureau.Http.PutAsJsonAsync($"/api/console/enterprises/{owner}/licences/cylinder_filling",
            new { licenceNumber = "", issuer = "Y", validFrom = "2025-01-01", validUntil = "2024-01-01", status = "lost" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(["licenceNumber", "status", "validUntil"], errors.EnumerateObject().Select(e => e.Name).Order().ToArray());
    }

    [Fact]
    public async Task the_districts_bureau_claims_notes_and_resolves_a_violation_and_the_enterprise_hears_the_outcome()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var foreign = await fx.Data.CylinderAsync(ownerId: other, stationId: other, nextInspection: Today.AddYears(2));
        await client.PostOkAsync("fills", new { eventId = "C1-" + foreign.Code, cylinderCode = foreign.Code, filledAt = DateTimeOffset.UtcNow });

        var handler = await StaffAsync("market-350102", "handler");
        var queue = await handler.GetJsonAsync($"/api/console/violations?status=open&enterprise={owner}");
        Assert.Equal(1, queue.GetProperty("total").GetInt32());
        var item = queue.GetProperty("items")[0];
        var number = item.GetProperty("number").GetString()!;
        Assert.Equal(["owned_by_another_enterprise", "no_check"], item.GetProperty("kinds").EnumerateArray().Select(k => k.GetProperty("code").GetString()).ToArray());
        Assert.Equal("鼓楼区", item.GetProperty("district").GetString());

        // Another district's bureau does not see it; the city's bureau reads it but does not handle it.
        var elsewhere = await StaffAsync("market-350103", "handler");
        Assert.Equal(HttpStatusCode.NotFound, (await elsewhere.GetAsync($"/api/console/violations/{number}")).StatusCode);
        Assert.Equal(0, (await elsewhere.GetJsonAsync($"/api/console/violations?enterprise={owner}")).GetProperty("total").GetInt32());
        var city = await StaffAsync("market-350100", "handler");
        Assert.Equal(1, (await city.GetJsonAsync($"/api/console/violations?enterprise={owner}")).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, (await city.PostAsync($"/api/console/violations/{number}/claim")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await elsewhere.PostAsync($"/api/console/violations/{number}/claim")).StatusCode);

        var claimed = await handler.PostOkAsync($"/api/console/violations/{number}/claim");
        Assert.Equal("in_progress", claimed.GetProperty("status").GetString());
        await handler.PostOkAsync($"/api/console/violations/{number}/notes", new { text = "已电话通知企业负责人到局说明情况。" });
        var refused = await handler.PostAsync($"/api/console/violations/{number}/resolve", new { outcome = "jailed", note = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var resolved = await handler.PostOkAsync($"/api/console/violations/{number}/resolve", new { outcome = "fined", note = "榕市监罚〔2026〕101号，罚款二万元。" });
        Assert.Equal(("resolved", "罚款"), (resolved.GetProperty("status").GetString(), resolved.GetProperty("outcomeLabel").GetString()));
        Assert.Equal(["claimed", "note", "resolved"], resolved.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToArray());
        Assert.Equal(HttpStatusCode.Conflict, (await handler.PostAsync($"/api/console/violations/{number}/resolve", new { outcome = "warned", note = "再次" })).StatusCode);

        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/notifications", null));
        var notices = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var outcome = Assert.Single(notices.EnumerateArray(), n => n.GetProperty("kind").GetString() == "fill_violation_resolved");
        Assert.Equal(("fined", number), (outcome.GetProperty("payload").GetProperty("outcome").GetString(), outcome.GetProperty("payload").GetProperty("number").GetString()));
        // The internal note is not sent to the enterprise.
        Assert.DoesNotContain("榕市监罚", outcome.GetProperty("payload").ToString());

        // The filler reads its own cases; its supply station's key sees none of them.
        var own = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/violations", null));
        Assert.Equal(1, JsonDocument.Parse(await own.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt32());
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner);
        var stationClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        var theirs = await stationClient.Http.SendAsync(stationClient.Signed(HttpMethod.Get, "/api/integration/v1/violations", null));
        Assert.Equal(0, JsonDocument.Parse(await theirs.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt32());

        // Unknown filter values are a visible error, not ignored.
        foreach (var query in new[] { "status=closed", "kind=speeding", "district=999999", "page=0" })
            Assert.Equal(HttpStatusCode.BadRequest, (await handler.GetAsync("/api/console/violations?" + query)).StatusCode);
    }

    [Fact]
    public async Task the_console_pages_list_a_case_and_keep_the_typed_text_when_an_action_is_refused()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var overdue = await fx.Data.CylinderAsync(ownerId: owner, nextInspection: Today.AddDays(-3));
        await client.PostOkAsync("fills", new { eventId = "P1-" + overdue.Code, cylinderCode = overdue.Code, filledAt = DateTimeOffset.UtcNow });
        await using var conn = await fx.Database.OpenAsync();
        var number = await conn.ExecuteScalarAsync<string>("SELECT number FROM fill_violations WHERE enterprise_id = @owner", new { owner });

        var handler = await StaffAsync("market-350102", "handler");
        var list = await (await handler.GetAsync($"/console/violations?enterprise={owner}")).Content.ReadAsStringAsync();
        Assert.Contains(number!, list);
        Assert.Contains("超期未检、未经充装前检查", list);
        var page = $"/console/violations/{number}";
        var token = await handler.FormTokenAsync(page);
        var refused = await handler.PostFormAsync(page + "/resolve", token, new Dictionary<string, string> { ["outcome"] = "warned", ["note"] = new string('长', 1001) });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(new string('长', 1001), await refused.Content.ReadAsStringAsync());
        var done = await handler.PostFormAsync(page + "/resolve", token, new Dictionary<string, string> { ["outcome"] = "warned", ["note"] = "已责令改正。" });
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Contains("责令改正并警告", await (await handler.GetAsync(page)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.GetAsync("/console/violations?kind=nonsense")).StatusCode);
    }

    /// <summary>Every console route that names a violation, from the host's own route table: another district's bureau (any role) gets 404 and changes nothing.</summary>
    [Fact]
    public async Task every_violation_route_answers_404_to_another_districts_bureau()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner, nextInspection: Today.AddYears(1));
        await client.PostOkAsync("fills", new { eventId = "R1-" + cylinder.Code, cylinderCode = cylinder.Code, filledAt = DateTimeOffset.UtcNow });
        await using var conn = await fx.Database.OpenAsync();
        var number = await conn.ExecuteScalarAsync<string>("SELECT number FROM fill_violations WHERE enterprise_id = @owner", new { owner });
        var routes = fx.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.Contains("{violation}"))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count >= 8, $"expected the violation routes (API and pages), found {routes.Count}");
        foreach (var role in new[] { "handler", "supervisor", "inspector", "administrator" })
        {
            var stranger = await StaffAsync("market-350104", role);
            var token = await stranger.FormTokenAsync();
            foreach (var (method, pattern) in routes)
            {
                var path = pattern.Replace("{violation}", number);
                var fields = new Dictionary<string, string> { ["text"] = "x", ["outcome"] = "warned", ["note"] = "x" };
                var response = method == "GET" ? await stranger.GetAsync(path)
                    : path.StartsWith("/api/") ? await stranger.PostAsync(path, fields) : await stranger.PostFormAsync(path, token, fields);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{role} of another district: {method} {path} → {(int)response.StatusCode}");
            }
        }
        Assert.Equal(("open", 0), (await conn.ExecuteScalarAsync<string>("SELECT status FROM fill_violations WHERE number = @number", new { number }),
            await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fill_violation_events e JOIN fill_violations v ON v.id = e.violation_id WHERE v.number = @number", new { number })));
    }

    [Fact]
    public async Task the_city_bureaus_digest_counts_its_districts_violations_and_the_filling_licences_about_to_end()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", district: "350104");
        await fx.Data.FillingLicenceAsync(owner, new DateOnly(2022, 1, 1), Today.AddDays(30));
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner, nextInspection: Today.AddYears(1));
        await client.PostOkAsync("fills", new { eventId = "G1-" + cylinder.Code, cylinderCode = cylinder.Code, filledAt = DateTimeOffset.UtcNow });
        await using var conn = await fx.Database.OpenAsync();
        var (city, district, gas) = (await conn.ExecuteScalarAsync<int>("SELECT id FROM agencies WHERE code = 'market-350100'"),
            await conn.ExecuteScalarAsync<int>("SELECT id FROM agencies WHERE code = 'market-350104'"), await conn.ExecuteScalarAsync<int>("SELECT id FROM agencies WHERE code = 'gas-350100'"));
        var content = fx.Host.Services.GetRequiredService<CylinderTrace.Supervision.DigestContent>();
        var today = Today;
        var cityDigest = await content.GatherAsync(city, "350100", "daily", today, today, CancellationToken.None);
        var row = Assert.Single(cityDigest.ByDistrict, d => d.Kind == "violations" && d.District == "350104");
        Assert.True(row.New >= 1 && row.Open >= 1, row.ToString());
        Assert.Contains(cityDigest.ExpiringLicences!, l => l.EnterpriseId == owner && l.Kind == "cylinder_filling");
        var districtDigest = await content.GatherAsync(district, "350104", "daily", today, today, CancellationToken.None);
        Assert.Contains(districtDigest.ByDistrict, d => d.Kind == "violations" && d.District == "350104");
        // The gas authority issues no filling licences, and handles no fill violations.
        var gasDigest = await content.GatherAsync(gas, "350100", "daily", today, today, CancellationToken.None);
        Assert.DoesNotContain(gasDigest.ExpiringLicences!, l => l.Kind == "cylinder_filling");
        Assert.DoesNotContain(gasDigest.ByDistrict, d => d.Kind == "violations");
        var csv = CylinderTrace.Supervision.DigestContent.Csv("测试", cityDigest);
        Assert.Contains(csv.Split('\n'), line => line.Contains("按区县：违规充装") && line.Contains("仓山区"));
        Assert.Contains("许可证到期", csv);
    }

    [Fact]
    public async Task a_bureaus_supervisor_records_a_filling_licence_on_the_page_and_a_typo_keeps_what_was_typed()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", fillingLicence: false);
        var holder = await fx.Data.LicenceOfAsync(owner);
        var supervisor = await StaffAsync("market-350102", "supervisor");
        var page = await (await supervisor.GetAsync("/console/licences")).Content.ReadAsStringAsync();
        Assert.Contains("登记气瓶充装许可证", page);
        var token = await supervisor.FormTokenAsync("/console/licences");
        var fields = new Dictionary<string, string>
        {
            ["kind"] = "cylinder_filling", ["enterprise"] = holder, ["licenceNumber"] = "TS4235099-2030", ["issuer"] = "福建省市场监督管理局",
            ["validFrom"] = "2026-01-01", ["validUntil"] = "2026-13-01", ["status"] = "valid",
        };
        var typo = await supervisor.PostFormAsync("/console/licences", token, fields);
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        var again = await typo.Content.ReadAsStringAsync();
        Assert.Contains("有效期截止日期", again);
        Assert.Contains("TS4235099-2030", again);
        fields["validUntil"] = "2030-01-01";
        var done = await supervisor.PostFormAsync("/console/licences", token, fields);
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal("TS4235099-2030", await conn.ExecuteScalarAsync<string>(
            "SELECT licence_number FROM enterprise_licences WHERE enterprise_id = @owner AND kind = 'cylinder_filling'", new { owner }));
        // A handler sees the list but no form; a gas authority's supervisor records 燃气经营许可证, not this.
        Assert.DoesNotContain("licence-form", await (await (await StaffAsync("market-350102", "handler")).GetAsync("/console/licences")).Content.ReadAsStringAsync());
        Assert.Contains("登记燃气经营许可证", await (await (await StaffAsync("gas-350102", "supervisor")).GetAsync("/console/licences")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task during_the_rollouts_grace_a_filler_with_no_licence_recorded_may_fill_but_an_expired_licence_never()
    {
        var unrecorded = await fx.Data.EnterpriseAsync("filling", fillingLicence: false);
        var expired = await fx.Data.EnterpriseAsync("filling", fillingLicence: false);
        await fx.Data.FillingLicenceAsync(expired, new DateOnly(2020, 1, 1), Today.AddDays(-1));
        await using var host = fx.AnotherInstance(new Dictionary<string, string?> { ["Integration:MissingFillingLicenceAllowedUntil"] = Today.ToString("yyyy-MM-dd") });
        foreach (var (enterprise, allowed) in new[] { (unrecorded, true), (expired, false) })
        {
            var client = await IntegrationClient.ForAsync(host, await fx.Data.LicenceOfAsync(enterprise));
            var cylinder = await fx.Data.CylinderAsync(ownerId: enterprise, nextInspection: Today.AddYears(1));
            var check = await CheckAsync(client, cylinder.Code);
            Assert.Equal(allowed, check.GetProperty("allowed").GetBoolean());
            Assert.Equal(allowed ? [] : ["unlicensed_filler"], Reasons(check));
        }
        // Without the setting (this collection's host), the same unrecorded filler is refused.
        var strict = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(unrecorded));
        Assert.Equal(["unlicensed_filler"], Reasons(await CheckAsync(strict, (await fx.Data.CylinderAsync(ownerId: unrecorded, nextInspection: Today.AddYears(1))).Code)));
    }
}
