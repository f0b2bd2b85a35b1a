using System.Net;
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
[Collection(HostCollection.Name)]
public sealed class When_Redis_stops_and_returns(HostFixture fx)
{
    [Fact]
    public async Task complaints_are_accepted_meanwhile_and_routed_once_when_it_is_back()
    {
        await using var redis = new RedisProcess();
        await redis.StartAsync();
        await using var db = await TestEnvironment.CreateDatabaseAsync();
        await using var host = new CylinderTraceHost(db.ConnectionString, CylinderTraceHost.NewRedisPrefix(),
            new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration, ["Routing:ReconcileAfterSeconds"] = "1" })
        { WeChatBaseAddress = fx.WeChat.Url + "/", Worker = true };
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

        await redis.StartAsync();
        // The reconciler runs every minute; trigger it now, as an operator can from /hangfire.
        var jobs = host.Services.GetRequiredService<IRecurringJobManager>();
        for (var i = 0; ; i++)
        {
            try { jobs.Trigger(ComplaintRouter.RecurringJobId); break; }
            catch (Exception) when (i < 100) { await Task.Delay(200); }
        }
        await data.WaitUntilRoutedAsync(during);
        await data.WaitUntilRoutedAsync(duringToo);
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
        for (var i = 0; i < 50 && (await client.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK; i++) await Task.Delay(200);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }
}
