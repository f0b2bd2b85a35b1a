using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Complaints;

/// <summary>A gas leak is urgent: a deadline of hours, and the fire brigade hears of it whatever the rule says.</summary>
[Collection(Collections.Complaints)]
public sealed class A_leak_complaint_is_urgent(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private async Task<(long Id, string Agency, double Hours, string[] Informed)> FileAndRouteAsync(object complaint)
    {
        var number = (await (await M.SignInAsync(fx.Host, fx.WeChat)).FileOkAsync(complaint)).GetProperty("number").GetString()!;
        var id = await fx.Data.WaitUntilRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        var agency = await conn.ExecuteScalarAsync<string>("SELECT a.code FROM complaints c JOIN agencies a ON a.id = c.agency_id WHERE c.id = @id", new { id });
        var hours = await conn.ExecuteScalarAsync<double>("SELECT TIMESTAMPDIFF(SECOND, routed_at, due_at) / 3600 FROM complaint_routing WHERE complaint_id = @id", new { id });
        var informed = (await conn.QueryAsync<string>(
            "SELECT a.code FROM complaint_informed_agencies i JOIN agencies a ON a.id = i.agency_id WHERE i.complaint_id = @id ORDER BY a.code", new { id })).ToArray();
        return (id, agency!, hours, informed);
    }

    [Fact]
    public async Task routed_to_the_districts_gas_authority_within_two_hours_with_its_fire_brigade_and_market_bureau_informed()
    {
        var routed = await FileAndRouteAsync(new { category = "valve_leak", description = "厨房里的气瓶瓶阀一直嘶嘶漏气，已关阀开窗", districtCode = "350104", address = "仓山区某小区3栋" });
        Assert.Equal("gas-350104", routed.Agency);
        Assert.Equal(2, routed.Hours, 2);
        Assert.Equal(["fire-350104", "market-350104"], routed.Informed);
        await using var conn = await fx.Database.OpenAsync();
        var note = await conn.ExecuteScalarAsync<string>("SELECT text FROM complaint_events WHERE complaint_id = @Id AND kind = 'routed'", new { routed.Id });
        Assert.StartsWith("紧急投诉；办理时限", note);

        // The fire brigade finds it among the complaints it is informed of, marked urgent.
        var number = await conn.ExecuteScalarAsync<string>("SELECT number FROM complaints WHERE id = @Id", new { routed.Id });
        var page = await (await scenario.MemberAsync("fire-350104")).Http.GetStringAsync("/console?scope=informed");
        var row = System.Text.RegularExpressions.Regex.Match(page, $"<tr[^>]*data-number=\"{number}\".*?</tr>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(row.Success, $"{number} in the fire brigade's informed queue");
        Assert.Contains("紧急", row.Value);
    }

    [Fact]
    public async Task in_the_triage_queue_too_with_the_citys_fire_brigade_informed()
    {
        // An address alone places it nowhere: triage, whose own deadline (24 h) is too long for a leak.
        var routed = await FileAndRouteAsync(new { category = "valve_leak", description = "闻到很重的液化气味", address = "某小区门口" });
        Assert.Equal("gas-350100", routed.Agency);
        Assert.Equal(2, routed.Hours, 2);
        Assert.Equal(["fire-350100"], routed.Informed);
    }

    [Fact]
    public async Task even_when_its_rule_no_longer_names_the_fire_brigade_and_no_rule_may_give_it_more_than_the_urgent_deadline()
    {
        await using var conn = await fx.Database.OpenAsync();
        // A district of its own (no fire brigade of its own: the city's is told), in a corner no other test files leaks in.
        await conn.ExecuteAsync("INSERT IGNORE INTO districts (code, name, level, parent_code, center_lat, center_lng) VALUES ('359902', '测试二区', 'district', '350100', 25.210000, 120.390000)");
        var lead = await scenario.AgencyAsync();
        var admin = await scenario.CityAdministratorAsync();

        var tooLong = await admin.Http.PutAsJsonAsync("/api/console/routing-rules", new { category = "valve_leak", district = "359902", agency = lead.Code, deadlineHours = 3 });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var problem = JsonDocument.Parse(await tooLong.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("不能超过2小时", problem.GetProperty("errors").GetProperty("deadlineHours")[0].GetString());
        // Other categories keep their longer deadlines.
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.PutAsJsonAsync("/api/console/routing-rules",
            new { category = "damaged_cylinder", district = "359902", agency = lead.Code, deadlineHours = 3 })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.Http.PutAsJsonAsync("/api/console/routing-rules",
            new { category = "valve_leak", district = "359902", agency = lead.Code, deadlineHours = 1 })).StatusCode);
        var routed = await FileAndRouteAsync(new { category = "valve_leak", description = "瓶阀一直在漏气", latitude = 25.211, longitude = 120.389 });
        Assert.Equal(lead.Code, routed.Agency);
        Assert.Equal(1, routed.Hours, 2);
        Assert.Equal(["fire-350100"], routed.Informed);
    }

    [Fact]
    public async Task and_a_routed_rule_with_a_longer_deadline_than_allowed_is_capped()
    {
        // A rule stored before Routing:UrgentDeadlineHours was lowered (written here directly, as an old row would be).
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("INSERT IGNORE INTO districts (code, name, level, parent_code, center_lat, center_lng) VALUES ('359903', '测试三区', 'district', '350100', 26.780000, 120.380000)");
        await conn.ExecuteAsync(
            """
            INSERT INTO routing_rules (category, district_code, agency_id, deadline_hours)
            SELECT 'valve_leak', '359903', id, 48 FROM agencies WHERE code = 'gas-350100'
            ON DUPLICATE KEY UPDATE deadline_hours = 48
            """);
        var routed = await FileAndRouteAsync(new { category = "valve_leak", description = "胶管老化漏气", latitude = 26.781, longitude = 120.379 });
        Assert.Equal("gas-350100", routed.Agency);
        Assert.Equal(2, routed.Hours, 2);
        Assert.Contains("fire-350100", routed.Informed);
    }
}
