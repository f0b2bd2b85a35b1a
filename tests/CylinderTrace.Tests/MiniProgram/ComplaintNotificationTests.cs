using System.Text.Json.Nodes;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.MiniProgram;

/// <summary>The complainant is told, by subscribe message through a Hangfire job, that the complaint was accepted.</summary>
[Collection(Collections.Complaints)]
public sealed class The_complainant_is_notified(WorkerHostFixture fx)
{
    private async Task<(string Status, List<string> Outcomes)> WaitForNotification(string number, Func<string, bool> done)
    {
        await using var conn = await fx.Database.OpenAsync();
        var status = await Eventually.ReturnsAsync(() => conn.ExecuteScalarAsync<string?>(
                "SELECT n.status FROM complaint_notifications n JOIN complaints c ON c.id = n.complaint_id WHERE c.number = @number AND n.kind = 'accepted'", new { number }),
            s => s is not null && done(s), $"the notification of {number} to finish", TimeSpan.FromSeconds(60));
        return (status!, await OutcomesAsync(number));
    }

    private async Task<List<string>> OutcomesAsync(string number)
    {
        await using var conn = await fx.Database.OpenAsync();
        return (await conn.QueryAsync<string>(
            "SELECT a.outcome FROM complaint_notification_attempts a JOIN complaint_notifications n ON n.id = a.notification_id JOIN complaints c ON c.id = n.complaint_id WHERE c.number = @number AND n.kind = 'accepted' ORDER BY a.id",
            new { number })).ToList();
    }

    [Fact]
    public async Task when_the_complaint_is_accepted()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(M.Complaint())).GetProperty("number").GetString()!;

        var (status, outcomes) = await WaitForNotification(number, s => s is not ("pending" or "sending"));

        Assert.Equal("sent", status);
        Assert.Equal(["sent"], outcomes);
        var sent = fx.WeChat.LogEntries.Where(e => e.RequestMessage.Path == "/cgi-bin/message/subscribe/send"
            && e.RequestMessage.Body!.Contains(number) && e.RequestMessage.Body.Contains("tpl-accepted")).ToList();
        Assert.Single(sent);
        var body = JsonNode.Parse(sent[0].RequestMessage.Body!)!;
        Assert.Equal(user.OpenId, body["touser"]!.ToString());
        Assert.Equal("tpl-accepted", body["template_id"]!.ToString());
        Assert.Equal(number, body["data"]!["character_string1"]!["value"]!.ToString());
        Assert.True(body["data"]!["thing2"]!["value"]!.ToString().Length <= 20);
        Assert.Equal($"pages/complaint/detail?number={number}", body["page"]!.ToString());
    }

    [Fact]
    public async Task unless_they_declined_which_is_recorded_and_not_retried()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        fx.WeChat.Given(Request.Create().WithPath("/cgi-bin/message/subscribe/send").UsingPost().WithBody(new JsonPartialMatcher($"{{\"touser\":\"{user.OpenId}\"}}")))
            .AtPriority(1).RespondWith(Response.Create().WithBodyAsJson(new { errcode = 43101, errmsg = "user refuse to accept the msg" }));
        var number = (await user.FileOkAsync(M.Complaint())).GetProperty("number").GetString()!;

        var (status, outcomes) = await WaitForNotification(number, s => s is not ("pending" or "sending"));

        Assert.Equal("declined", status);
        Assert.Equal(["declined"], outcomes);
        Assert.Single(fx.WeChat.LogEntries, e => e.RequestMessage.Path == "/cgi-bin/message/subscribe/send"
            && e.RequestMessage.Body!.Contains(user.OpenId) && e.RequestMessage.Body.Contains("tpl-accepted"));
        // Not retried: the reconciler does not queue it again, and its job run again (as a retry would) asks nobody.
        long notification;
        await using (var conn = await fx.Database.OpenAsync())
        {
            notification = await conn.ExecuteScalarAsync<long>(
                "SELECT n.id FROM complaint_notifications n JOIN complaints c ON c.id = n.complaint_id WHERE c.number = @number AND n.kind = 'accepted'", new { number });
            Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT attempts FROM complaint_notifications WHERE id = @notification", new { notification }));
            // As old as a lost job's row, so only its state keeps the reconciler away.
            await conn.ExecuteAsync("UPDATE complaint_notifications SET updated_at = UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE WHERE id = @notification", new { notification });
        }
        var notifications = fx.Host.Services.GetRequiredService<CylinderTrace.Complaints.Notifications.ComplaintNotifications>();
        var mark = fx.Host.Jobs.Count;
        await notifications.ReconcileAsync(CancellationToken.None);
        Assert.DoesNotContain(fx.Host.Jobs.Since(mark), j => j.Is<CylinderTrace.Complaints.Notifications.ComplaintNotifications>(nameof(notifications.SendAsync), notification));
        await notifications.SendAsync(notification, CancellationToken.None);
        Assert.Equal(["declined"], await OutcomesAsync(number));
        Assert.Single(fx.WeChat.LogEntries, e => e.RequestMessage.Path == "/cgi-bin/message/subscribe/send"
            && e.RequestMessage.Body!.Contains(user.OpenId) && e.RequestMessage.Body.Contains("tpl-accepted"));
    }

    [Fact]
    public async Task even_when_the_job_was_lost_because_the_reconciler_finds_the_row()
    {
        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(M.Complaint())).GetProperty("number").GetString()!;
        await WaitForNotification(number, s => s is not ("pending" or "sending"));
        // As if the job had been lost: the row is pending again and old; the recurring job re-queues it.
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync(
                "UPDATE complaint_notifications n JOIN complaints c ON c.id = n.complaint_id SET n.status = 'pending', n.updated_at = UTC_TIMESTAMP(3) - INTERVAL 2 MINUTE WHERE c.number = @number",
                new { number });
        await fx.Host.Services.GetRequiredService<CylinderTrace.Complaints.Notifications.ComplaintNotifications>().ReconcileAsync(CancellationToken.None);
        var (status, outcomes) = await WaitForNotification(number, s => s == "sent");
        Assert.Equal(["sent", "sent"], outcomes);
    }
}
