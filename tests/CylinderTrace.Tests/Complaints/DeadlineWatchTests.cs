using CylinderTrace.Complaints.Routing;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Complaints;

/// <summary>Nobody forgets a complaint: a warning before its deadline, an escalation after, each once.</summary>
[Collection(Collections.Complaints)]
public sealed class Deadlines_are_watched(WorkerHostFixture fx)
{
    [Fact]
    public async Task warned_before_and_escalated_after_each_exactly_once()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(new { category = "gas_quality", description = "火焰发黄，有刺鼻气味", districtCode = "350112" }))
            .GetProperty("number").GetString()!;
        var id = await fx.Data.WaitUntilRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        var watch = fx.Host.Services.GetRequiredService<DeadlineWatch>();
        Task<int> Count(string kind) => conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_events WHERE complaint_id = @id AND kind = @kind", new { id, kind });

        await conn.ExecuteAsync("UPDATE complaint_routing SET due_at = UTC_TIMESTAMP(3) + INTERVAL 1 HOUR WHERE complaint_id = @id", new { id });
        await watch.RunAsync(CancellationToken.None);
        await watch.RunAsync(CancellationToken.None);
        Assert.Equal(1, await Count("deadline_warning"));
        Assert.Equal(0, await Count("escalated"));

        await conn.ExecuteAsync("UPDATE complaint_routing SET due_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE complaint_id = @id", new { id });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => watch.RunAsync(CancellationToken.None))));
        Assert.Equal(1, await Count("escalated"));
        Assert.Equal("emergency-350112", await conn.ExecuteScalarAsync<string>(
            "SELECT a.code FROM complaint_deadline_marks m JOIN agencies a ON a.id = m.escalated_to WHERE m.complaint_id = @id", new { id }));
    }

    [Fact]
    public async Task but_not_once_the_complaint_is_resolved()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(new { category = "service", description = "多收了上楼费用", districtCode = "350124" })).GetProperty("number").GetString()!;
        await fx.Data.WaitUntilRoutedAsync(number);
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("UPDATE complaints SET status = 'resolved' WHERE number = @number", new { number });
        await conn.ExecuteAsync("UPDATE complaint_routing r JOIN complaints c ON c.id = r.complaint_id SET r.due_at = UTC_TIMESTAMP(3) - INTERVAL 1 DAY WHERE c.number = @number", new { number });
        await fx.Host.Services.GetRequiredService<DeadlineWatch>().RunAsync(CancellationToken.None);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id WHERE c.number = @number AND e.kind IN ('escalated', 'deadline_warning')", new { number }));
    }
}
