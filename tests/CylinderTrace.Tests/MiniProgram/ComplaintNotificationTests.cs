using System.Text.Json.Nodes;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.MiniProgram;

/// <summary>The complainant is told, by subscribe message through a Hangfire job, that the complaint was accepted.</summary>
[Collection(HostCollection.Name)]
public sealed class The_complainant_is_notified(HostFixture fx)
{
    private async Task<(string Status, List<string> Outcomes)> WaitForNotification(string number, Func<string, bool> done)
    {
        await using var conn = await fx.Database.OpenAsync();
        for (var i = 0; i < 600; i++)
        {
            var status = await conn.ExecuteScalarAsync<string?>(
                "SELECT n.status FROM complaint_notifications n JOIN complaints c ON c.id = n.complaint_id WHERE c.number = @number AND n.kind = 'accepted'", new { number });
            if (status is not null && done(status))
            {
                var outcomes = (await conn.QueryAsync<string>(
                    "SELECT a.outcome FROM complaint_notification_attempts a JOIN complaint_notifications n ON n.id = a.notification_id JOIN complaints c ON c.id = n.complaint_id WHERE c.number = @number AND n.kind = 'accepted' ORDER BY a.id",
                    new { number })).ToList();
                return (status, outcomes);
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"the notification of {number} did not finish within 60 s");
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
        await Task.Delay(500);
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
