using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Complaints;

/// <summary>The agency's queue: filters, sorted by deadline, counts per state; the supervisors' team view.</summary>
[Collection(Collections.Complaints)]
public sealed class The_queue(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private static string[] Numbers(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()!).ToArray();

    private async Task DueAsync(long id, double hoursFromNow)
    {
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("UPDATE complaint_routing SET due_at = @due WHERE complaint_id = @id", new { id, due = DateTime.UtcNow.AddHours(hoursFromNow) });
    }

    [Fact]
    public async Task is_sorted_by_deadline_filters_and_counts_per_state()
    {
        var agency = await scenario.AgencyAsync();
        var late = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint("black_gas", "小区门口面包车卖气", districtCode: "350104"));
        var soon = await scenario.RoutedComplaintAsync(agency.Id);
        var later = await scenario.RoutedComplaintAsync(agency.Id);
        var done = await scenario.RoutedComplaintAsync(agency.Id);
        await DueAsync(late.Id, -2);
        await DueAsync(soon.Id, 5);
        await DueAsync(later.Id, 50);
        var me = await scenario.MemberAsync(agency.Code);
        var colleague = await scenario.MemberAsync(agency.Code);
        await me.PostOkAsync($"/api/console/complaints/{soon.Number}/claim");
        await colleague.PostOkAsync($"/api/console/complaints/{later.Number}/claim");
        await colleague.PostOkAsync($"/api/console/complaints/{done.Number}/claim");
        await colleague.PostOkAsync($"/api/console/complaints/{done.Number}/resolve", new { outcome = "mediated", reply = "已协调送气站退款" });

        var open = await me.GetJsonAsync("/api/console/complaints");
        Assert.Equal([late.Number, soon.Number, later.Number], Numbers(open));
        Assert.Equal(3, open.GetProperty("total").GetInt64());
        Assert.True(open.GetProperty("items")[0].GetProperty("overdue").GetBoolean());
        var counts = open.GetProperty("countsByState");
        Assert.Equal(1, counts.GetProperty("routed").GetInt32());
        Assert.Equal(2, counts.GetProperty("in_progress").GetInt32());
        Assert.Equal(1, counts.GetProperty("resolved").GetInt32());

        Assert.Equal([soon.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?claim=me")));
        Assert.Equal([late.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?claim=unclaimed")));
        Assert.Equal([late.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?due=overdue")));
        Assert.Equal([late.Number, soon.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?due=24h")));
        Assert.Equal([late.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?category=black_gas")));
        Assert.Equal([late.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?district=350104")));
        Assert.Equal([done.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?state=resolved")));
        Assert.Equal(4, (await me.GetJsonAsync("/api/console/complaints?state=all")).GetProperty("total").GetInt64());
        Assert.Equal([done.Number], Numbers(await me.GetJsonAsync($"/api/console/complaints?q={done.Number}")));
        Assert.Equal(HttpStatusCode.BadRequest, (await me.GetAsync("/api/console/complaints?page=0")).StatusCode);

        var html = await (await me.GetAsync("/console?due=overdue")).Content.ReadAsStringAsync();
        Assert.Contains(late.Number, html);
        Assert.DoesNotContain(soon.Number, html);
    }

    [Fact]
    public async Task supervisors_see_each_handlers_load_and_overdue_count()
    {
        var agency = await scenario.AgencyAsync();
        var a = await scenario.RoutedComplaintAsync(agency.Id);
        var b = await scenario.RoutedComplaintAsync(agency.Id);
        var unclaimed = await scenario.RoutedComplaintAsync(agency.Id);
        await DueAsync(a.Id, -1);
        await DueAsync(unclaimed.Id, -1);
        var (busyId, busyName) = await fx.Data.StaffAsync(agency.Code, name: "忙碌的办理员");
        var busy = await ConsoleClient.SignInAsync(fx.Host, busyName, TestData.StaffPassword);
        var (idleId, _) = await fx.Data.StaffAsync(agency.Code, name: "空闲的办理员");
        await busy.PostOkAsync($"/api/console/complaints/{a.Number}/claim");
        await busy.PostOkAsync($"/api/console/complaints/{b.Number}/claim");
        var supervisor = await scenario.MemberAsync(agency.Code, "supervisor");

        var team = await supervisor.GetJsonAsync("/api/console/team");
        Assert.Equal(3, team.GetProperty("open").GetInt32());
        Assert.Equal(2, team.GetProperty("overdue").GetInt32());
        Assert.Equal(1, team.GetProperty("unclaimedOpen").GetInt32());
        Assert.Equal(1, team.GetProperty("unclaimedOverdue").GetInt32());
        var handlers = team.GetProperty("handlers").EnumerateArray().ToDictionary(h => h.GetProperty("staffId").GetInt32());
        Assert.Equal(2, handlers[busyId].GetProperty("open").GetInt32());
        Assert.Equal(1, handlers[busyId].GetProperty("overdue").GetInt32());
        Assert.Equal(0, handlers[idleId].GetProperty("open").GetInt32());
        Assert.Equal(busyId, team.GetProperty("handlers")[0].GetProperty("staffId").GetInt32());
        Assert.Contains("忙碌的办理员", await (await supervisor.GetAsync("/console/team")).Content.ReadAsStringAsync());
        var busysQueue = await supervisor.GetJsonAsync($"/api/console/complaints?claim=staff:{busyId}");
        Assert.Equal([a.Number, b.Number], busysQueue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()).ToArray());
    }
}
