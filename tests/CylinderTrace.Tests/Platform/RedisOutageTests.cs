using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Complaints.Routing;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Hangfire;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// Redis stopped and started again under a worker host (a Redis server of this test's own, with its
/// own database): residents stay signed in, complaints are still accepted, and the routing reconciler
/// routes them, each once, after Redis returns (DESIGN.md §4: the database, not the queue, is the record).
/// </summary>
[Collection(Collections.Stress)]
[Trait(Stage.Name, Stage.Stress)]
public sealed class When_Redis_stops_and_returns(WorkerHostFixture fx)
{
    [Fact]
    public async Task complaints_are_accepted_meanwhile_and_routed_once_when_it_is_back()
    {
        await using var redis = new RedisProcess();
        await redis.StartAsync();
        await using var db = await TestEnvironment.CreateDatabaseAsync();
        await using var host = new CylinderTraceHost(db.ConnectionString, CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration, ["Routing:ReconcileAfterSeconds"] = "1" })
        { WeChatBaseAddress = fx.WeChat.Url + "/", Worker = true, RecurringJobs = true };
        _ = host.Server;
        var data = new TestData(db, host.Services);

        var resident = await MiniProgramClient.SignInAsync(host, fx.WeChat);
        var first = (await resident.FileOkAsync(MiniProgramClient.Complaint())).GetProperty("number").GetString()!;
        await data.WaitUntilRoutedAsync(first);

        await redis.StopAsync();
        var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        // Signed in before the outage: the session is found in MariaDB.
        var during = (await resident.FileOkAsync(MiniProgramClient.Complaint("black_gas", "停电时有人在楼下卖气", districtCode: "350104"))).GetProperty("number").GetString()!;
        // Signing in during the outage works too.
        var newcomer = await MiniProgramClient.SignInAsync(host, fx.WeChat);
        var duringToo = (await newcomer.FileOkAsync(MiniProgramClient.Complaint())).GetProperty("number").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await newcomer.Http.GetAsync($"/api/mp/complaints/{duringToo}")).StatusCode);
        await using (var conn = await db.OpenAsync())
            Assert.Equal(2, await conn.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM complaints c JOIN complaint_routing r ON r.complaint_id = c.id WHERE c.number IN @numbers AND r.status = 'pending'",
                new { numbers = new[] { during, duringToo } }));

        // The reconciler cannot queue them while Redis is away, and leaves them as they were (before, it marked them
        // tried and its next run skipped them: a failover cost a complaint two more minutes in the cluster check).
        const string Stale = "UPDATE complaint_routing r JOIN complaints c ON c.id = r.complaint_id SET r.updated_at = '2026-01-01 00:00:00' WHERE c.number IN @numbers";
        const string Touched = "SELECT COUNT(*) FROM complaint_routing r JOIN complaints c ON c.id = r.complaint_id WHERE c.number IN @numbers AND r.updated_at <> '2026-01-01 00:00:00'";
        await using (var conn = await db.OpenAsync())
        {
            await conn.ExecuteAsync(Stale, new { numbers = new[] { during, duringToo } });
            await host.Services.GetRequiredService<ComplaintRouter>().ReconcileAsync(CancellationToken.None);
            Assert.Equal(0, await conn.ExecuteScalarAsync<int>(Touched, new { numbers = new[] { during, duringToo } }));
        }

        await redis.StartAsync();
        // The reconciler runs every minute; trigger it now, as an operator can from /hangfire, and again every
        // few seconds while they wait (just after the restart Redis may still refuse or time out the trigger or
        // the queueing, and Hangfire's server resumes after its own back-off).
        var jobs = host.Services.GetRequiredService<IRecurringJobManager>();
        var lastTrigger = DateTime.MinValue;
        await Eventually.HoldsAsync(async () =>
        {
            if (DateTime.UtcNow - lastTrigger > TimeSpan.FromSeconds(5))
            {
                try { jobs.Trigger(ComplaintRouter.RecurringJobId); lastTrigger = DateTime.UtcNow; }
                catch (Exception) { } // Redis not answering yet: the next poll triggers it
            }
            await using var conn = await db.OpenAsync();
            return await conn.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM complaints c JOIN complaint_routing r ON r.complaint_id = c.id WHERE c.number IN @numbers AND r.status = 'done'",
                new { numbers = new[] { during, duringToo } }) == 2;
        }, "both complaints filed during the outage to be routed", TimeSpan.FromMinutes(3));
        await using (var conn = await db.OpenAsync())
        {
            var routedEvents = await conn.QueryAsync<(string Number, long N)>(
                "SELECT c.number, COUNT(*) FROM complaints c JOIN complaint_events e ON e.complaint_id = c.id AND e.kind = 'routed' WHERE c.number IN @numbers GROUP BY c.number",
                new { numbers = new[] { first, during, duringToo } });
            Assert.All(routedEvents, r => Assert.Equal(1, r.N));
            Assert.Equal(3, routedEvents.Count());
            Assert.Equal("gas-350104", await conn.ExecuteScalarAsync<string>(
                "SELECT a.code FROM complaints c JOIN agencies a ON a.id = c.agency_id WHERE c.number = @during", new { during }));
        }
        await Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the host to report ready again");
    }

    [Fact]
    public async Task a_restaurant_still_scans_and_reads_its_rate_meanwhile_and_the_live_counters_are_right_after()
    {
        await using var redis = new RedisProcess();
        await redis.StartAsync();
        await using var db = await TestEnvironment.CreateDatabaseAsync();
        await using var host = new CylinderTraceHost(db.ConnectionString, CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration })
        { WeChatBaseAddress = fx.WeChat.Url + "/" };
        _ = host.Server;
        var data = new TestData(db, host.Services);
        var owner = await data.EnterpriseAsync("filling");
        var station = await data.EnterpriseAsync("supply", parentId: owner);
        var ownerClient = await IntegrationClient.ForAsync(host, await data.LicenceOfAsync(owner));
        var stationClient = await IntegrationClient.ForAsync(host, await data.LicenceOfAsync(station));
        await stationClient.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = "350102", businessName = "停电也营业的饭店" });
        var invite = await stationClient.Http.SendAsync(stationClient.Signed(HttpMethod.Post, "/api/integration/v1/commercial-invites",
            JsonSerializer.SerializeToUtf8Bytes(new { customerId = "R1", role = "owner" })));
        var code = JsonDocument.Parse(await invite.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString();
        var staff = await MiniProgramClient.SignInAsync(host, fx.WeChat);
        var customerId = JsonDocument.Parse(await (await staff.Http.PostAsJsonAsync("/api/mp/commercial/bind", new { code })).Content.ReadAsStringAsync())
            .RootElement.GetProperty("customerId").GetInt64();
        var codes = new[] { "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999), "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999) };
        foreach (var c in codes)
        {
            await ownerClient.PostOkAsync("cylinders", new { code = c, serial = "S" + c, spec = "YSP-50", manufactureDate = "2022-01-01", nextInspectionDate = "2028-01-01" });
            await stationClient.PostOkAsync("deliveries", new { eventId = "D-" + c, cylinderCode = c, deliveredAt = DateTimeOffset.UtcNow.AddMinutes(-2), customerId = "R1" });
        }
        Assert.Equal(HttpStatusCode.OK, (await staff.Http.GetAsync($"/api/mp/commercial/{customerId}/rate")).StatusCode); // builds today's live counters

        await redis.StopAsync();
        var scan = await staff.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId, codes = new[] { codes[0] } });
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        Assert.Equal("matched", JsonDocument.Parse(await scan.Content.ReadAsStringAsync()).RootElement.GetProperty("results")[0].GetProperty("outcome").GetString());
        var rate = JsonDocument.Parse(await staff.Http.GetStringAsync($"/api/mp/commercial/{customerId}/rate")).RootElement.GetProperty("today");
        Assert.Equal((2, 1), (rate.GetProperty("deliveries").GetInt32(), rate.GetProperty("scanned").GetInt32()));

        // Back: the counters missed the scan's increment, so they are dropped and rebuilt — right again.
        await redis.StartAsync();
        var rates = host.Services.GetRequiredService<CylinderTrace.Commercial.LiveScanRates>();
        var live = await Eventually.ReturnsAsync(
            () => rates.TryReadAsync([new CylinderTrace.Commercial.RateSubject(CylinderTrace.Commercial.RateDimensions.Customer, customerId)], CancellationToken.None),
            read => read is not null, "the live counters to be readable again");
        Assert.NotNull(live);
        Assert.Equal(2, live[0].Deliveries);
        Assert.Equal(1, live[0].Scanned);
    }
}
