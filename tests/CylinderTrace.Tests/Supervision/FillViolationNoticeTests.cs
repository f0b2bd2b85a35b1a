using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Supervision;

/// <summary>A filling enterprise's staff bound on the Official Account hear of its fill violations (issue 17, item 1).</summary>
[Collection(Collections.BackgroundJobs)]
public sealed class Fill_violation_notices(WorkerHostFixture fx)
{
    [Fact]
    public async Task the_enterprises_bound_staff_get_one_template_message_per_batch_naming_the_first_case()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var binding = await client.Http.SendAsync(client.Signed(HttpMethod.Post, "/api/integration/v1/wechat-binding-codes", null));
        var code = JsonDocument.Parse(await binding.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString();
        var staffOpenId = "oViol" + TestData.UniqueCode();
        var pusher = new OfficialAccountPusher(fx.Host.CreateClient());
        Assert.Contains("绑定成功", (await pusher.PushAndOpenAsync(OfficialAccountPusher.Text(staffOpenId, "企业绑定 " + code)))["Content"]);

        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var a = await fx.Data.CylinderAsync(ownerId: other, stationId: other, nextInspection: today.AddYears(1));
        var b = await fx.Data.CylinderAsync(ownerId: other, stationId: other, nextInspection: today.AddYears(1));
        var batch = await client.PostOkAsync("fills",
            new { eventId = "N1-" + a.Code, cylinderCode = a.Code, filledAt = DateTimeOffset.UtcNow },
            new { eventId = "N2-" + b.Code, cylinderCode = b.Code, filledAt = DateTimeOffset.UtcNow });
        Assert.Equal(2, batch.GetProperty("violations").GetArrayLength());

        await Eventually.HoldsAsync(() => fx.WeChat.LogEntries.Any(e => e.RequestMessage.Path == "/cgi-bin/message/template/send"
            && e.RequestMessage.Body!.Contains(staffOpenId) && e.RequestMessage.Body.Contains("tpl-violation")), "a template message about the violations to the enterprise's staff");
        var sent = fx.WeChat.LogEntries.Where(e => e.RequestMessage.Path == "/cgi-bin/message/template/send" && e.RequestMessage.Body!.Contains(staffOpenId)).ToList();
        // One message per batch: a retried job sends it again with the same client_msg_id, which WeChat drops.
        var bodies = sent.Select(e => JsonDocument.Parse(e.RequestMessage.Body!).RootElement).ToList();
        Assert.Single(bodies.Select(b => b.GetProperty("client_msg_id").GetString()).Distinct());
        var body = bodies[0];
        var data = body.GetProperty("data");
        Assert.Matches("^WG[0-9]+$", data.GetProperty("character_string1").GetProperty("value").GetString());
        Assert.Equal("2起违规充装", data.GetProperty("thing2").GetProperty("value").GetString());
    }
}
