using System.Net;
using System.Text.Json.Nodes;
using CylinderTrace.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using P = CylinderTrace.Tests.Infrastructure.OfficialAccountPusher;

namespace CylinderTrace.Tests.OfficialAccount;

[Collection(Collections.BackgroundJobs)]
public sealed class A_resident_uses_the_Official_Account(WorkerHostFixture fx, FakeClockInstance faked) : IClassFixture<FakeClockInstance>
{
    private P Pusher(CylinderTraceHost? host = null) => new((host ?? fx.Host).CreateClient());
    private static string User() => "oUser" + TestData.UniqueCode();

    /// <summary>Waits until the reply to a push is remembered in Redis (a fresh push's is stored without waiting for Redis).</summary>
    private async Task RememberedAsync(string dedupKey)
    {
        var redis = fx.Host.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        var key = $"{fx.RedisPrefix}oa:push:{CylinderTraceHost.OaAppId}:{dedupKey}";
        await Eventually.HoldsAsync(() => redis.KeyExistsAsync(key), $"the reply to push {dedupKey} to be remembered");
    }

    [Fact]
    public async Task WeChat_verifies_the_server_url()
    {
        var client = fx.Host.CreateClient();
        var ok = await client.GetAsync($"/wechat/oa?{Pusher().SignedQuery(null)}&echostr=5837421907");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("5837421907", await ok.Content.ReadAsStringAsync());
        var bad = await client.GetAsync("/wechat/oa?signature=0000000000000000000000000000000000000000&timestamp=1&nonce=2&echostr=5837421907");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.DoesNotContain("5837421907", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task scans_a_registered_cylinder_and_gets_its_card_encrypted()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var worker = await fx.Data.WorkerAsync(cylinder.StationId, name: "林小强");
        await fx.Data.DeliveryAsync(cylinder, DateTime.UtcNow.AddHours(-2), worker);
        var user = User();

        var reply = await Pusher().PushAndOpenAsync(P.Scan(user, $"https://qr.example.gov.cn/c/{cylinder.Code}"));

        Assert.Equal(user, reply["ToUserName"]);
        Assert.Equal("gh_test", reply["FromUserName"]);
        Assert.Equal("text", reply["MsgType"]);
        Assert.Contains("【正常在用】", reply["Content"]);
        Assert.Contains(cylinder.Code, reply["Content"]);
        Assert.Contains("林*强", reply["Content"]);
        Assert.DoesNotContain("林小强", reply["Content"]);
    }

    [Fact]
    public async Task scans_an_unregistered_or_unsafe_cylinder_and_is_warned_with_how_to_complain()
    {
        var unregistered = await Pusher().PushAndOpenAsync(P.Scan(User(), "FZ9999999990"));
        Assert.Contains("未登记", unregistered["Content"]);
        Assert.Contains("投诉", unregistered["Content"]);

        var overdue = await fx.Data.CylinderAsync(lastInspection: DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-5));
        var reply = await Pusher().PushAndOpenAsync(P.Scan(User(), overdue.Code));
        Assert.Contains("【超期未检】", reply["Content"]);
        Assert.Contains("投诉", reply["Content"]);
    }

    [Fact]
    public async Task scans_a_cylinder_filled_by_another_enterprise_and_reads_the_words_of_its_card()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var other = await fx.Data.EnterpriseAsync("filling");
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddHours(-3), stationId: other);

        var reply = (await Pusher().PushAndOpenAsync(P.Scan(User(), cylinder.Code)))["Content"]!;
        var status = System.Text.Json.JsonDocument.Parse(await fx.Host.CreateClient().GetStringAsync($"/api/cylinders/{cylinder.Code}/card"))
            .RootElement.GetProperty("status");

        Assert.Contains("【非产权单位充装（体外循环）】", reply);
        // One source of words: the reply says what the card JSON says, and how to complain.
        Assert.Contains(status.GetProperty("warning").GetString()!, reply);
        Assert.Contains(status.GetProperty("action").GetString()!, reply);
        Assert.Contains("“非产权单位充装”投诉", reply);
        Assert.EndsWith(CylinderTrace.Cylinders.GasLeakAdvice.Line, reply);
    }

    [Fact]
    public async Task scans_an_overdue_cylinder_filled_before_its_due_date_and_may_use_it_up_without_complaining()
    {
        var due = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddDays(-10);
        var inTime = await fx.Data.CylinderAsync(nextInspection: due);
        await fx.Data.FillAsync(inTime, due.AddDays(-2).ToDateTime(new TimeOnly(3, 0), DateTimeKind.Utc));
        var late = await fx.Data.CylinderAsync(nextInspection: due);
        await fx.Data.FillAsync(late, due.AddDays(3).ToDateTime(new TimeOnly(3, 0), DateTimeKind.Utc));

        var useUp = (await Pusher().PushAndOpenAsync(P.Scan(User(), inTime.Code)))["Content"]!;
        Assert.Contains("【超期未检（到期前充装）】", useUp);
        Assert.Contains("可以继续用完，无需投诉", useUp);

        var illegal = (await Pusher().PushAndOpenAsync(P.Scan(User(), late.Code)))["Content"]!;
        Assert.Contains("【超期未检】", illegal);
        Assert.Contains("违法充装", illegal);
        Assert.Contains("请停止使用", illegal);
        Assert.Contains("“气瓶超期未检或超过报废年限”投诉", illegal);
    }

    [Fact]
    public async Task every_answer_about_a_cylinder_says_what_to_do_on_smelling_gas()
    {
        Assert.Contains(CylinderTrace.Cylinders.GasLeakAdvice.Line, (await Pusher().PushAndOpenAsync(P.Scan(User(), (await fx.Data.CylinderAsync()).Code)))["Content"]);
        Assert.Contains(CylinderTrace.Cylinders.GasLeakAdvice.Line, (await Pusher().PushAndOpenAsync(P.Scan(User(), "FZ9999999991")))["Content"]);
        Assert.Contains(CylinderTrace.Cylinders.GasLeakAdvice.Line, (await Pusher().PushAndOpenAsync(P.Event(User(), "CLICK", "HOW_TO_CHECK")))["Content"]);
    }

    [Fact]
    public async Task scans_something_that_is_not_a_cylinder_code() =>
        Assert.Contains("没有识别出气瓶码", (await Pusher().PushAndOpenAsync(P.Scan(User(), "EAN_13,6901234567892")))["Content"]);

    [Fact]
    public async Task sends_a_code_as_text_or_just_says_hello()
    {
        var cylinder = await fx.Data.CylinderAsync();
        Assert.Contains(cylinder.Code, (await Pusher().PushAndOpenAsync(P.Text(User(), " " + cylinder.Code.ToLowerInvariant() + " ")))["Content"]);
        Assert.Contains("扫码查瓶", (await Pusher().PushAndOpenAsync(P.Text(User(), "你好")))["Content"]);
        Assert.Contains("扫码查瓶", (await Pusher().PushAndOpenAsync(P.Text(User(), "helloworld")))["Content"]);
    }

    [Fact]
    public async Task follows_the_account_by_scanning_a_cylinder_qr_or_scans_one_later()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var welcomeCard = (await Pusher().PushAndOpenAsync(P.Event(User(), "subscribe", "qrscene_" + cylinder.Code)))["Content"];
        Assert.StartsWith("欢迎关注", welcomeCard);
        Assert.Contains(cylinder.Code, welcomeCard);
        var welcome = (await Pusher().PushAndOpenAsync(P.Event(User(), "subscribe")))["Content"];
        Assert.StartsWith("欢迎关注", welcome);
        Assert.Contains("扫码查瓶", welcome);
        Assert.Contains(cylinder.Code, (await Pusher().PushAndOpenAsync(P.Event(User(), "SCAN", cylinder.Code)))["Content"]);
    }

    [Fact]
    public async Task uses_the_menu()
    {
        Assert.Contains("我的投诉", (await Pusher().PushAndOpenAsync(P.Event(User(), "CLICK", "MY_COMPLAINTS")))["Content"]);
        Assert.Contains("收气时请这样查验", (await Pusher().PushAndOpenAsync(P.Event(User(), "CLICK", "HOW_TO_CHECK")))["Content"]);
        Assert.Contains("扫码查瓶", (await Pusher().PushAndOpenAsync(P.Event(User(), "CLICK", "SOMETHING_ELSE")))["Content"]);
    }

    [Fact]
    public async Task unfollows_and_is_acknowledged_without_a_reply()
    {
        var response = await Pusher().PushAsync(P.Event(User(), "unsubscribe"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("success", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_retried_push_takes_effect_once_and_gets_the_same_reply_on_any_instance()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var (scanUser, textUser) = (User(), User());
        var createTime = P.Now;
        var msgId = P.NextMsgId();
        var scan = P.Scan(scanUser, cylinder.Code, createTime: createTime);
        var text = P.Text(textUser, cylinder.Code, msgId: msgId);
        // The scan reaches this collection's host, the text the instance on the fake clock (both fresh:
        // each reply is stored without waiting for Redis).
        faked.Now();
        var firstScan = await Pusher().PushAndOpenAsync(scan);
        var firstText = await Pusher(faked.For(fx)).PushAndOpenAsync(text);
        await RememberedAsync($"e:{scanUser}:{createTime}:scancode_waitmsg");
        await RememberedAsync($"m:{msgId}");

        // WeChat retries after 5 s without an answer; by then the push is no longer fresh
        // (OfficialAccount:FreshPushSeconds = 2), and a fresh reply would carry a later CreateTime.
        faked.Clock.Advance(TimeSpan.FromSeconds(3.2));
        var retryScan = await Pusher(faked.For(fx)).PushAndOpenAsync(scan);
        Assert.Equal(firstScan["CreateTime"], retryScan["CreateTime"]);
        Assert.Equal(firstScan["Content"], retryScan["Content"]);
        Assert.Equal(firstText["CreateTime"], (await Pusher(faked.For(fx)).PushAndOpenAsync(text))["CreateTime"]);
    }

    [Fact]
    public async Task an_old_push_seen_for_the_first_time_is_answered_and_remembered()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var scan = P.Scan(User(), cylinder.Code, createTime: P.Now - 30);
        faked.Now();
        var first = await Pusher(faked.For(fx)).PushAndOpenAsync(scan);
        Assert.Contains(cylinder.Code, first["Content"]);
        // A second later a reply worked out again would carry another CreateTime.
        faked.Clock.Advance(TimeSpan.FromSeconds(1.1));
        Assert.Equal(first["CreateTime"], (await Pusher(faked.For(fx)).PushAndOpenAsync(scan))["CreateTime"]);
    }

    [Fact]
    public async Task whose_answer_misses_the_reply_budget_gets_success_now_and_the_card_as_a_customer_service_message()
    {
        fx.WeChat.Given(Request.Create().WithPath("/cgi-bin/stable_token").UsingPost())
            .RespondWith(Response.Create().WithBodyAsJson(new { access_token = "oa-token", expires_in = 7200 }));
        fx.WeChat.Given(Request.Create().WithPath("/cgi-bin/message/custom/send").UsingPost())
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok" }));
        var cylinder = await fx.Data.CylinderAsync();
        var user = User();
        await using var slow = fx.AnotherInstance(new Dictionary<string, string?> { ["OfficialAccount:ReplyBudgetMilliseconds"] = "0" });

        var response = await Pusher(slow).PushAsync(P.Scan(user, cylinder.Code));
        Assert.Equal("success", await response.Content.ReadAsStringAsync());

        var entry = await Eventually.ReturnsAsync(
            () => Task.FromResult(fx.WeChat.LogEntries.FirstOrDefault(e => e.RequestMessage.Path == "/cgi-bin/message/custom/send" && e.RequestMessage.Body!.Contains(user))),
            e => e is not null, "the card as a customer service message");
        var sent = JsonNode.Parse(entry!.RequestMessage.Body!)!;
        Assert.Equal("text", sent["msgtype"]!.ToString());
        Assert.Contains(cylinder.Code, sent["text"]!["content"]!.ToString());
    }

    [Fact]
    public async Task with_a_card_page_configured_gets_a_news_article_linking_to_it()
    {
        var cylinder = await fx.Data.CylinderAsync();
        await using var host = fx.AnotherInstance(new Dictionary<string, string?> { ["OfficialAccount:CardPageUrl"] = "https://ct.example.gov.cn/cylinders/{code}" });
        var pusher = Pusher(host);
        var response = await pusher.PushAsync(P.Scan(User(), cylinder.Code));
        var xml = System.Xml.Linq.XDocument.Parse(pusher.OpenReplyXml(await response.Content.ReadAsStringAsync())).Root!;
        Assert.Equal("news", xml.Element("MsgType")!.Value);
        var item = xml.Element("Articles")!.Element("item")!;
        Assert.Equal($"https://ct.example.gov.cn/cylinders/{cylinder.Code}", item.Element("Url")!.Value);
        Assert.Contains("正常在用", item.Element("Title")!.Value);
        // The article is all the resident sees: it carries the leak advice too.
        Assert.Contains(CylinderTrace.Cylinders.GasLeakAdvice.Line, item.Element("Description")!.Value);
    }
}
