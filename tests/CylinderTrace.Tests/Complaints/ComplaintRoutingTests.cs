using System.Text.Json;
using CylinderTrace.Complaints.Routing;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Complaints;

/// <summary>Every complaint reaches the right agency, once (DESIGN.md §4).</summary>
[Collection(Collections.Complaints)]
public sealed class A_complaint_is_routed(WorkerHostFixture fx)
{
    private sealed record Routed(long Id, string Status, string AgencyCode, string AgencyName, DateTime? DueAt, string? District);

    private async Task<Routed> WaitRoutedAsync(string number)
    {
        var id = await fx.Data.WaitUntilRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        return await conn.QuerySingleAsync<Routed>(
            """
            SELECT c.id AS Id, c.status AS Status, a.code AS AgencyCode, a.name AS AgencyName, r.due_at AS DueAt, r.district_code AS District
            FROM complaints c JOIN complaint_routing r ON r.complaint_id = c.id JOIN agencies a ON a.id = c.agency_id
            WHERE c.id = @id
            """, new { id });
    }

    private async Task<string> FileAsync(object complaint) =>
        (await (await M.SignInAsync(fx.Host, fx.WeChat)).FileOkAsync(complaint)).GetProperty("number").GetString()!;

    [Fact]
    public async Task to_the_districts_lead_agency_for_its_category_with_a_deadline_and_agencies_informed()
    {
        var before = DateTime.UtcNow;
        var number = await FileAsync(new { category = "black_gas", description = "小区门口有面包车在卖气", districtCode = "350104", address = "仓山区某小区" });
        var routed = await WaitRoutedAsync(number);
        Assert.Equal("gas-350104", routed.AgencyCode);
        Assert.Equal("routed", routed.Status);
        Assert.InRange(routed.DueAt!.Value, before.AddHours(24).AddMinutes(-1), DateTime.UtcNow.AddHours(24).AddMinutes(1));
        await using var conn = await fx.Database.OpenAsync();
        var informed = await conn.QueryAsync<string>(
            "SELECT a.code FROM complaint_events e JOIN agencies a ON a.id = e.agency_id WHERE e.complaint_id = @Id AND e.kind = 'informed' AND e.is_public = 0", new { routed.Id });
        Assert.Equal(["police-350104"], informed);
    }

    [Fact]
    public async Task every_category_in_several_districts_to_the_lead_agency_of_its_kind()
    {
        var prefix = new Dictionary<string, string> { ["gas_authority"] = "gas", ["market_supervision"] = "market", ["police"] = "police", ["transport"] = "transport" };
        var filed = new List<(string Number, string Expected)>();
        foreach (var category in CylinderTrace.Complaints.ComplaintCategories.All)
            foreach (var district in new[] { "350103", "350111", "350181" })
            {
                var complaint = new
                {
                    category = category.Code, description = $"{category.Label}：测试各类别的分派", districtCode = district, address = "测试地址",
                    cylinderCode = category.RequiresCylinder ? "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999) : null,
                };
                filed.Add((await FileAsync(complaint), $"{prefix[category.LeadAgencyKind]}-{district}"));
            }
        foreach (var (number, expected) in filed)
            Assert.True((await WaitRoutedAsync(number)).AgencyCode == expected, $"{number} should go to {expected}");
    }

    [Fact]
    public async Task by_its_location_when_no_district_is_given()
    {
        // Close to the centre of 晋安区.
        var number = await FileAsync(new { category = "illegal_storage", description = "地下室堆放了几十个气瓶", latitude = 26.0790, longitude = 119.3290 });
        Assert.Equal("police-350111", (await WaitRoutedAsync(number)).AgencyCode);
    }

    [Fact]
    public async Task by_its_cylinders_supply_station_when_nothing_else_places_it()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", district: "350181");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner, district: "350181");
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner, stationId: station);
        var number = await FileAsync(new { category = "short_weight", description = "这瓶气明显分量不足", cylinderCode = cylinder.Code });
        var routed = await WaitRoutedAsync(number);
        Assert.Equal("market-350181", routed.AgencyCode);
        Assert.Equal("350181", routed.District);
    }

    [Fact]
    public async Task and_the_district_it_derived_is_kept_on_the_complaint_for_the_complainant_and_the_queue()
    {
        // Issue 17, item 5: the district from the cylinder's station (or the location) stayed on the routing row only.
        var owner = await fx.Data.EnterpriseAsync("filling", district: "350124");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner, district: "350124");
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner, stationId: station);
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var byStation = (await user.FileOkAsync(new { category = "short_weight", description = "这瓶气明显分量不足", cylinderCode = cylinder.Code })).GetProperty("number").GetString()!;
        var byLocation = (await user.FileOkAsync(new { category = "short_weight", description = "送来的气分量不足", cylinderCode = cylinder.Code, latitude = 26.0790, longitude = 119.3290 }))
            .GetProperty("number").GetString()!;
        Assert.Equal("market-350124", (await WaitRoutedAsync(byStation)).AgencyCode);
        Assert.Equal("market-350111", (await WaitRoutedAsync(byLocation)).AgencyCode);

        var detail = JsonDocument.Parse(await user.Http.GetStringAsync($"/api/mp/complaints/{byStation}")).RootElement;
        Assert.Equal("350124", detail.GetProperty("districtCode").GetString());
        detail = JsonDocument.Parse(await user.Http.GetStringAsync($"/api/mp/complaints/{byLocation}")).RootElement;
        Assert.Equal("350111", detail.GetProperty("districtCode").GetString());

        var handler = await new ConsoleScenario(fx).MemberAsync("market-350124");
        var queue = await handler.GetJsonAsync("/api/console/complaints?district=350124");
        var item = queue.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("number").GetString() == byStation);
        Assert.Equal("350124", item.GetProperty("districtCode").GetString());
        Assert.Equal("闽清县", item.GetProperty("districtName").GetString());
    }

    [Fact]
    public async Task to_the_triage_queue_when_no_rule_can_apply()
    {
        var number = await FileAsync(new { category = "service", description = "打电话订气一直没人接" });
        var routed = await WaitRoutedAsync(number);
        Assert.Equal("gas-350100", routed.AgencyCode);
        Assert.Null(routed.District);
    }

    [Fact]
    public async Task and_the_complainant_sees_it_on_the_timeline_and_is_told()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(new { category = "cylinder_overdue", description = "气瓶超期未检还在用", cylinderCode = "FZ0000000003", districtCode = "350102" }))
            .GetProperty("number").GetString()!;
        await WaitRoutedAsync(number);
        var detail = JsonDocument.Parse(await user.Http.GetStringAsync($"/api/mp/complaints/{number}")).RootElement;
        Assert.Equal("routed", detail.GetProperty("status").GetString());
        Assert.Equal("鼓楼区市场监督管理局", detail.GetProperty("agency").GetString());
        var routedEntry = detail.GetProperty("timeline").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "routed");
        Assert.Equal("已分派至鼓楼区市场监督管理局", routedEntry.GetProperty("label").GetString());
        Assert.DoesNotContain(detail.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("kind").GetString() == "informed");
        await using var conn = await fx.Database.OpenAsync();
        await Eventually.HoldsAsync(async () => await conn.ExecuteScalarAsync<string?>(
                "SELECT n.status FROM complaint_notifications n JOIN complaints c ON c.id = n.complaint_id WHERE c.number = @number AND n.kind = 'routed'", new { number }) == "sent",
            $"the routed notification of {number} to be sent", TimeSpan.FromSeconds(60));
        Assert.Contains(fx.WeChat.LogEntries, e => e.RequestMessage.Path == "/cgi-bin/message/subscribe/send" && e.RequestMessage.Body!.Contains(number) && e.RequestMessage.Body.Contains("tpl-routed"));
    }

    [Fact]
    public async Task exactly_once_under_concurrent_workers_and_again_only_when_the_record_says_so()
    {
        var number = await FileAsync(new { category = "service", description = "送气太慢了", districtCode = "350103" });
        var routed = await WaitRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        // As if the job had been lost before it ran: pending again, submitted again, and old.
        await conn.ExecuteAsync("UPDATE complaints SET status = 'submitted' WHERE id = @Id", new { routed.Id });
        await conn.ExecuteAsync("UPDATE complaint_routing SET status = 'pending', updated_at = UTC_TIMESTAMP(3) - INTERVAL 2 MINUTE WHERE complaint_id = @Id", new { routed.Id });

        var router = fx.Host.Services.GetRequiredService<ComplaintRouter>();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => router.RouteAsync(routed.Id, CancellationToken.None))));
        // Done again: the reconciler does not queue it a third time.
        var mark = fx.Host.Jobs.Count;
        await router.ReconcileAsync(CancellationToken.None);
        Assert.DoesNotContain(fx.Host.Jobs.Since(mark), j => j.Is<ComplaintRouter>(nameof(ComplaintRouter.RouteAsync), routed.Id));

        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_events WHERE complaint_id = @Id AND kind = 'routed'", new { routed.Id }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT attempts FROM complaint_routing WHERE complaint_id = @Id", new { routed.Id }));
        Assert.Equal("done", await conn.ExecuteScalarAsync<string>("SELECT status FROM complaint_routing WHERE complaint_id = @Id", new { routed.Id }));
    }

    [Fact]
    public async Task by_the_reconciler_when_its_job_was_lost()
    {
        var number = await FileAsync(new { category = "service", description = "配送员态度很差", districtCode = "350105" });
        var routed = await WaitRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("UPDATE complaints SET status = 'submitted' WHERE id = @Id", new { routed.Id });
        await conn.ExecuteAsync("UPDATE complaint_routing SET status = 'pending', updated_at = UTC_TIMESTAMP(3) - INTERVAL 2 MINUTE WHERE complaint_id = @Id", new { routed.Id });
        await fx.Host.Services.GetRequiredService<ComplaintRouter>().ReconcileAsync(CancellationToken.None);
        Assert.Equal("gas-350105", (await WaitRoutedAsync(number)).AgencyCode);
    }
}

/// <summary>Two worker instances racing over the same complaints route each exactly once.</summary>
[Collection(Collections.Stress)]
[Trait(Stage.Name, Stage.Stress)]
public sealed class Routing_under_two_racing_workers(WorkerHostFixture fx)
{
    [Fact]
    public async Task routes_each_of_500_complaints_exactly_once()
    {
        await using var second = new CylinderTraceHost(fx.Database.ConnectionString, fx.RedisPrefix,
            new Dictionary<string, string?> { ["MiniProgram:ComplaintsPerUserPerHour"] = "1000" })
        { WeChatBaseAddress = fx.WeChat.Url + "/", Worker = true };
        _ = second.Server;
        var user = await M.SignInAsync(second, fx.WeChat);
        var ids = new List<long>();
        await using var conn = await fx.Database.OpenAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await user.FileOkAsync(new { category = "service", description = $"第{i}件：送气不及时", districtCode = "350111" }));
        ids.AddRange(await conn.QueryAsync<long>(
            "SELECT c.id FROM complaints c JOIN mp_users u ON u.id = c.user_id WHERE u.openid = @OpenId", new { user.OpenId }));
        Assert.Equal(500, ids.Count);

        // Both workers' queues route them; then both routers race over every one of them again.
        var routers = new[] { fx.Host.Services.GetRequiredService<ComplaintRouter>(), second.Services.GetRequiredService<ComplaintRouter>() };
        // Eight concurrent runs per instance, as eight Hangfire workers would, over the same ids.
        await Task.WhenAll(routers.Select(r => Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (id, ct) => await r.RouteAsync(id, ct))));
        await Eventually.HoldsAsync(async () => await conn.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM complaint_routing WHERE complaint_id IN @ids AND status <> 'done'", new { ids }) == 0,
            "every complaint's routing to be done", TimeSpan.FromSeconds(60));

        var perComplaint = (await conn.QueryAsync<int>(
            "SELECT COUNT(e.id) FROM complaints c LEFT JOIN complaint_events e ON e.complaint_id = c.id AND e.kind = 'routed' WHERE c.id IN @ids GROUP BY c.id",
            new { ids })).ToList();
        Assert.Equal(500, perComplaint.Count);
        Assert.All(perComplaint, n => Assert.Equal(1, n));

        // One "routed" notification each, however many runs raced, and none of them sent twice (so far: the
        // sending goes on after the test, at WeChat's pace).
        Assert.Equal(500, await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM complaint_notifications WHERE complaint_id IN @ids AND kind = 'routed'", new { ids }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            """
            SELECT COUNT(*) FROM (SELECT a.notification_id FROM complaint_notification_attempts a JOIN complaint_notifications n ON n.id = a.notification_id
                                  WHERE n.complaint_id IN @ids AND a.outcome = 'sent' GROUP BY a.notification_id HAVING COUNT(*) > 1) twice
            """, new { ids }));
    }
}

/// <summary>A routing run that throws leaves nothing half-done; a later run routes the complaint once.</summary>
[Collection(Collections.Complaints)]
public sealed class A_failing_routing_run(WorkerHostFixture fx)
{
    [Fact]
    public async Task leaves_the_complaint_pending_and_it_is_routed_once_later()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(new { category = "service", description = "订气电话一直占线" })).GetProperty("number").GetString()!;
        var id = await fx.Data.WaitUntilRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("UPDATE complaints SET status = 'submitted', agency_id = NULL WHERE id = @id", new { id });
        await conn.ExecuteAsync("DELETE FROM complaint_events WHERE complaint_id = @id AND kind IN ('routed', 'informed')", new { id });
        await conn.ExecuteAsync("UPDATE complaint_routing SET status = 'pending' WHERE complaint_id = @id", new { id });

        // An instance whose triage agency does not exist fails this complaint (no district, no rule).
        await using var broken = fx.AnotherInstance(new Dictionary<string, string?> { ["Routing:TriageAgencyCode"] = "no-such-agency" });
        await Assert.ThrowsAsync<InvalidOperationException>(() => broken.Services.GetRequiredService<ComplaintRouter>().RouteAsync(id, CancellationToken.None));
        Assert.Equal("pending", await conn.ExecuteScalarAsync<string>("SELECT status FROM complaint_routing WHERE complaint_id = @id", new { id }));
        Assert.Equal("submitted", await conn.ExecuteScalarAsync<string>("SELECT status FROM complaints WHERE id = @id", new { id }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_events WHERE complaint_id = @id AND kind = 'routed'", new { id }));

        // The retry (here run by a healthy instance) routes it, once.
        var healthy = fx.Host.Services.GetRequiredService<ComplaintRouter>();
        await healthy.RouteAsync(id, CancellationToken.None);
        await healthy.RouteAsync(id, CancellationToken.None);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_events WHERE complaint_id = @id AND kind = 'routed'", new { id }));
        Assert.Equal("routed", await conn.ExecuteScalarAsync<string>("SELECT status FROM complaints WHERE id = @id", new { id }));
    }
}
