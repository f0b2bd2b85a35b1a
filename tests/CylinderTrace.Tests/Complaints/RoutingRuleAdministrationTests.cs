using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Complaints;

/// <summary>Administrators edit routing rules through the console API, validated; the router follows them.</summary>
[Collection(Collections.Complaints)]
public sealed class Routing_rule_administration(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    /// <summary>A district of its own in a corner of Fuzhou's box that no other test files complaints in.</summary>
    private async Task<string> TestDistrictAsync()
    {
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("INSERT IGNORE INTO districts (code, name, level, parent_code, center_lat, center_lng) VALUES ('359901', '测试区', 'district', '350100', 26.790000, 118.310000)");
        return "359901";
    }

    [Fact]
    public async Task a_saved_rule_routes_the_next_complaint_and_its_deletion_falls_back_to_the_city_rule()
    {
        var district = await TestDistrictAsync();
        var lead = await scenario.AgencyAsync();
        var informed = await scenario.AgencyAsync();
        var admin = await scenario.CityAdministratorAsync();

        var saved = await admin.Http.PutAsJsonAsync("/api/console/routing-rules",
            new { category = "illegal_storage", district, agency = lead.Code, deadlineHours = 6, informs = new[] { informed.Code } });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var rule = JsonDocument.Parse(await saved.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(lead.Code, rule.GetProperty("agencyCode").GetString());
        Assert.Equal([informed.Code], rule.GetProperty("informs").EnumerateArray().Select(i => i.GetString()).ToArray());
        var resolved = await admin.GetJsonAsync($"/api/console/routing-rules/resolve?category=illegal_storage&district={district}");
        Assert.Equal(rule.GetProperty("id").GetInt32(), resolved.GetProperty("id").GetInt32());

        var complainant = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var number = (await complainant.FileOkAsync(new { category = "illegal_storage", description = "山里的仓库堆了很多气瓶", latitude = 26.789, longitude = 118.311 }))
            .GetProperty("number").GetString()!;
        var id = await fx.Data.WaitUntilRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(lead.Id, await conn.ExecuteScalarAsync<int>("SELECT agency_id FROM complaints WHERE id = @id", new { id }));
        var hours = await conn.ExecuteScalarAsync<double>("SELECT TIMESTAMPDIFF(MINUTE, routed_at, due_at) / 60 FROM complaint_routing WHERE complaint_id = @id", new { id });
        Assert.Equal(6, hours, 1);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_informed_agencies WHERE complaint_id = @id AND agency_id = @a", new { id, a = informed.Id }));

        // Saving the same (category, district) again replaces the rule, not adds one.
        var replaced = await admin.Http.PutAsJsonAsync("/api/console/routing-rules", new { category = "illegal_storage", district, agency = informed.Code, deadlineHours = 12 });
        Assert.Equal(rule.GetProperty("id").GetInt32(), JsonDocument.Parse(await replaced.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32());
        Assert.Single((await admin.GetJsonAsync($"/api/console/routing-rules?category=illegal_storage&district={district}")).EnumerateArray());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.DeleteAsync($"/api/console/routing-rules/{rule.GetProperty("id").GetInt32()}")).StatusCode);
        var fallback = await admin.GetJsonAsync($"/api/console/routing-rules/resolve?category=illegal_storage&district={district}");
        Assert.Equal("350100", fallback.GetProperty("districtCode").GetString());
        Assert.Equal(3, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rule_changes WHERE category = 'illegal_storage' AND district_code = @district", new { district }));
    }

    [Fact]
    public async Task an_agency_administrator_reads_the_rules_but_only_a_city_administrator_changes_them()
    {
        var agency = await scenario.AgencyAsync();
        var admin = await scenario.MemberAsync(agency.Code, "administrator");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/console/routing-rules?category=service")).StatusCode);
        var page = await admin.GetAsync("/console/routing-rules");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("rules-read-only", html);
        Assert.DoesNotContain("id=\"rule-form\"", html);
        var put = await admin.Http.PutAsJsonAsync("/api/console/routing-rules",
            new { category = "service", district = "350102", agency = agency.Code, deadlineHours = 1, informs = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        var form = await admin.PostFormAsync("/console/routing-rules", await admin.FormTokenAsync(),
            new Dictionary<string, string> { ["category"] = "service", ["district"] = "350102", ["agency"] = agency.Code, ["deadlineHours"] = "1" });
        Assert.Equal(HttpStatusCode.Forbidden, form.StatusCode);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rules WHERE agency_id = @Id", new { agency.Id }));
    }

    [Fact]
    public async Task every_problem_of_a_rule_is_reported_at_once_and_nothing_is_saved()
    {
        var agency = await scenario.AgencyAsync();
        var admin = await scenario.CityAdministratorAsync();
        var bad = await admin.Http.PutAsJsonAsync("/api/console/routing-rules",
            new { category = "fireworks", district = "999999", agency = "no-such-agency", deadlineHours = 0, informs = new[] { "nowhere-1" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        foreach (var field in new[] { "category", "district", "agency", "deadlineHours", "informs" }) Assert.True(errors.TryGetProperty(field, out _), field);
        var self = await admin.Http.PutAsJsonAsync("/api/console/routing-rules",
            new { category = "service", district = "350102", agency = agency.Code, deadlineHours = 24, informs = new[] { agency.Code } });
        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rules WHERE agency_id = @Id", new { agency.Id }));

        var cityRule = (await admin.GetJsonAsync("/api/console/routing-rules?category=service&district=350100"))[0].GetProperty("id").GetInt32();
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Http.DeleteAsync($"/api/console/routing-rules/{cityRule}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.DeleteAsync("/api/console/routing-rules/999999")).StatusCode);

        var handler = await scenario.MemberAsync(agency.Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.GetAsync("/api/console/routing-rules")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.Http.PutAsJsonAsync("/api/console/routing-rules", new { category = "service", district = "350102", agency = agency.Code, deadlineHours = 24 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.GetAsync("/console/routing-rules")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/console/routing-rules?category=service")).StatusCode);
    }
}
