using System.Net;
using System.Text.Json;
using CylinderTrace.Cylinders;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using P = CylinderTrace.Tests.Infrastructure.OfficialAccountPusher;

namespace CylinderTrace.Tests.CardPages;

/// <summary>A cylinder in each state the public sees, built as the card tests build them.</summary>
internal static class CardStates
{
    public static DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "Asia/Shanghai"));

    public static async Task<IReadOnlyList<(string State, TestCylinder Cylinder)>> AllAsync(TestData data)
    {
        var today = Today;
        var list = new List<(string, TestCylinder)>();
        var ok = await data.CylinderAsync(manufactured: today.AddYears(-3));
        var worker = await data.WorkerAsync(ok.StationId, name: "张三明");
        await data.FillAsync(ok, DateTime.UtcNow.AddHours(-30));
        await data.DeliveryAsync(ok, DateTime.UtcNow.AddHours(-5), worker);
        list.Add(("in_service", ok));

        list.Add(("inspection_due_soon", await data.CylinderAsync(nextInspection: today.AddDays(10))));

        var due = today.AddDays(-5);
        var inTime = await data.CylinderAsync(nextInspection: due);
        await data.FillAsync(inTime, due.AddDays(-3).ToDateTime(new TimeOnly(4, 0), DateTimeKind.Utc));
        list.Add(("inspection_overdue_filled_in_time", inTime));

        var late = await data.CylinderAsync(nextInspection: due);
        await data.FillAsync(late, due.AddDays(2).ToDateTime(new TimeOnly(4, 0), DateTimeKind.Utc));
        list.Add(("inspection_overdue", late));

        var foreign = await data.CylinderAsync();
        await data.FillAsync(foreign, DateTime.UtcNow.AddHours(-2), stationId: await data.EnterpriseAsync("filling"));
        list.Add(("foreign_filled", foreign));

        list.Add(("past_scrap_date", await data.CylinderAsync(manufactured: today.AddYears(-12).AddDays(-3))));
        list.Add(("detained", await data.CylinderAsync(detained: true)));
        list.Add(("scrapped", await data.CylinderAsync(status: "scrapped")));
        return list;
    }
}

[Collection(Collections.Apis)]
public sealed class A_resident_opens_the_QR_url_with_a_phone_camera(WebHostFixture fx)
{
    private HttpClient NoRedirects(CylinderTraceHost? host = null) =>
        (host ?? fx.Host).CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static string Text(string html) => WebUtility.HtmlDecode(html);

    [Fact]
    public async Task and_every_state_is_one_small_page_in_the_same_words_as_the_json_card_the_official_account_and_the_mini_program()
    {
        var http = NoRedirects();
        var pusher = new P(fx.Host.CreateClient());
        foreach (var (state, cylinder) in await CardStates.AllAsync(fx.Data))
        {
            var response = await http.GetAsync($"/c/{cylinder.Code}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.True(bytes.Length < 20 * 1024, $"{state}: {bytes.Length} bytes");
            var html = System.Text.Encoding.UTF8.GetString(bytes);
            Assert.Contains("<html lang=\"zh-CN\">", html);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("public, no-cache", response.Headers.CacheControl!.ToString());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());

            // The JSON card's status, word for word, first on the page; the leak line too.
            var card = JsonDocument.Parse(await (await http.GetAsync($"/api/cylinders/{cylinder.Code}/card")).Content.ReadAsStringAsync()).RootElement;
            var status = card.GetProperty("status");
            Assert.Equal(state, status.GetProperty("code").GetString());
            var page = Text(html);
            var label = status.GetProperty("label").GetString()!;
            var warning = status.GetProperty("warning").GetString()!;
            var action = status.GetProperty("action").GetString()!;
            Assert.Contains($"<h1 id=\"state\">{label}</h1>", page);
            Assert.Contains(warning, page);
            Assert.Contains(action, page);
            Assert.Contains(GasLeakAdvice.Line, page);
            Assert.Contains(status.GetProperty("safeToUse").GetBoolean() ? "</span>可以使用" : "</span>不要使用", page);
            Assert.True(page.IndexOf(warning, StringComparison.Ordinal) < page.IndexOf("id=\"h-who\"", StringComparison.Ordinal), $"{state}: the warning comes before the details");
            if (!status.GetProperty("safeToUse").GetBoolean())
                Assert.True(page.IndexOf(GasLeakAdvice.Line, StringComparison.Ordinal) < page.IndexOf("id=\"h-who\"", StringComparison.Ordinal), $"{state}: leak advice on top");
            Assert.Contains(card.GetProperty("owner").GetProperty("name").GetString()!, page);
            Assert.Contains(card.GetProperty("owner").GetProperty("licenceNumber").GetString()!, page);
            Assert.Contains("数据来源：福州市气瓶安全追溯系统，更新于", page);
            Assert.Contains($"href=\"/c/{cylinder.Code}/complain\"", html);
            Assert.Contains("查询其他气瓶", page);

            // The Mini Program's card is the same card.
            var mp = JsonDocument.Parse(await (await http.GetAsync($"/api/mp/cylinders/card?qr={Uri.EscapeDataString("https://ct.example.gov.cn/c/" + cylinder.Code)}")).Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(status.GetRawText(), mp.GetProperty("status").GetRawText());
            // The Official Account's answer to the code says the same words.
            var reply = pusher.OpenReply(await (await pusher.PushAsync(P.Text("oUser" + TestData.UniqueCode(), cylinder.Code))).Content.ReadAsStringAsync());
            Assert.Contains($"【{label}】", reply["Content"]);
            Assert.Contains(warning, reply["Content"]);
            Assert.Contains(action, reply["Content"]);
            Assert.Contains(GasLeakAdvice.Line, reply["Content"]);
        }
    }

    [Fact]
    public async Task of_an_unregistered_code_and_every_channel_says_the_same_words()
    {
        var http = NoRedirects();
        var pusher = new P(fx.Host.CreateClient());
        var code = TestData.UniqueCode("U");
        var page = Text(await (await http.GetAsync($"/c/{code}")).Content.ReadAsStringAsync());
        var status = JsonDocument.Parse(await (await http.GetAsync($"/api/cylinders/{code}/card")).Content.ReadAsStringAsync()).RootElement.GetProperty("cylinderStatus");
        var mp = JsonDocument.Parse(await (await http.GetAsync($"/api/mp/cylinders/card?qr={Uri.EscapeDataString("https://ct.example.gov.cn/c/" + code)}")).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(status.GetRawText(), mp.GetProperty("cylinderStatus").GetRawText());
        var reply = pusher.OpenReply(await (await pusher.PushAsync(P.Text("oUser" + TestData.UniqueCode(), code))).Content.ReadAsStringAsync())["Content"];
        Assert.Equal("unregistered", status.GetProperty("code").GetString());
        var label = status.GetProperty("label").GetString()!;
        Assert.Contains($"<h1 id=\"state\">{label}</h1>", page);
        Assert.Contains($"【{label}】", reply);
        foreach (var words in new[] { status.GetProperty("warning").GetString()!, status.GetProperty("action").GetString()!, status.GetProperty("gasLeakAdvice").GetString()! })
        {
            Assert.Contains(words, page);
            Assert.Contains(words, reply);
        }
    }

    [Fact]
    public async Task and_sees_the_masked_delivery_worker_with_employee_and_permit_number_but_no_buyer()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var worker = await fx.Data.WorkerAsync(cylinder.StationId, name: "欧阳小明");
        await fx.Data.DeliveryAsync(cylinder, DateTime.UtcNow.AddHours(-1), worker);
        var html = Text(await (await NoRedirects().GetAsync($"/c/{cylinder.Code}")).Content.ReadAsStringAsync());
        var card = JsonDocument.Parse(await (await NoRedirects().GetAsync($"/api/cylinders/{cylinder.Code}/card")).Content.ReadAsStringAsync()).RootElement;
        var w = card.GetProperty("lastDelivery").GetProperty("worker");
        Assert.Contains("欧**明", html);
        Assert.Contains(w.GetProperty("employeeNumber").GetString()!, html);
        Assert.Contains(w.GetProperty("permitNumber").GetString()!, html);
        Assert.DoesNotContain("欧阳小明", html);
        Assert.DoesNotContain("测试用户", html);
    }

    [Fact]
    public async Task of_an_unregistered_code_and_gets_the_black_gas_page_with_404_on_both_addresses()
    {
        var code = TestData.UniqueCode("U");
        foreach (var path in new[] { $"/c/{code}", $"/qr/{code.ToLowerInvariant()}" })
        {
            var response = await NoRedirects().GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
            var html = Text(await response.Content.ReadAsStringAsync());
            var u = CylinderStatusRules.Unregistered;
            Assert.Contains($"<h1 id=\"state\">{u.Label}</h1>", html);
            Assert.Contains("不要使用", html);
            Assert.Contains(u.Warning, html);
            Assert.Contains(u.Action, html);
            Assert.Contains(GasLeakAdvice.Line, html);
            Assert.Contains($"/c/{code}/complain", html);
            Assert.Contains("我要举报", html);
            Assert.Contains("href=\"tel:12345\"", html);
        }
        // Each scan is evidence of black gas, recorded with its channel.
        await fx.Host.Services.GetRequiredService<UnregisteredScans>().FlushedAsync();
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(2, await Dapper.SqlMapper.ExecuteScalarAsync<int>(conn,
            "SELECT COUNT(*) FROM unregistered_scans WHERE cylinder_code = @code AND channel = 'card_page'", new { code }));
    }

    [Fact]
    public async Task with_something_that_is_not_a_code_and_gets_a_friendly_400_page_with_the_form()
    {
        var response = await NoRedirects().GetAsync("/c/" + Uri.EscapeDataString("<b>x</b>"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<b>x</b>", raw);
        Assert.Contains("无法识别这个气瓶码", Text(raw));
        Assert.Contains("<form id=\"check\"", raw);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());

        var blank = await NoRedirects().GetAsync("/c?code=");
        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        Assert.Contains("无法识别", Text(await blank.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task and_checks_another_cylinder_with_the_form()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var response = await NoRedirects().GetAsync("/c?code=" + Uri.EscapeDataString(" " + cylinder.Code.ToLowerInvariant() + " "));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/c/{cylinder.Code}", response.Headers.Location!.ToString());
        // A pasted QR text works as well.
        var pasted = await NoRedirects().GetAsync("/c?code=" + Uri.EscapeDataString($"https://old.example.cn/qr/{cylinder.Code}"));
        Assert.Equal($"/c/{cylinder.Code}", pasted.Headers.Location!.ToString());
        // Typed on a phone: in a Chinese input method's full-width mode, or with spaces to read it off the cylinder in groups.
        var fullWidth = string.Concat(cylinder.Code.Select(ch => (char)(ch + 0xFEE0)));
        var spaced = cylinder.Code[..2] + " " + cylinder.Code[2..6] + "\u3000" + cylinder.Code[6..];
        foreach (var typed in new[] { fullWidth, spaced, fullWidth.ToLowerInvariant() })
        {
            var response2 = await NoRedirects().GetAsync("/c?code=" + Uri.EscapeDataString(typed));
            Assert.Equal(HttpStatusCode.Redirect, response2.StatusCode);
            Assert.Equal($"/c/{cylinder.Code}", response2.Headers.Location!.ToString());
        }
        // The older labels' prefix has the form too.
        Assert.Equal($"/c/{cylinder.Code}", (await NoRedirects().GetAsync("/qr?code=" + cylinder.Code)).Headers.Location!.ToString());
        var empty = await NoRedirects().GetAsync("/qr");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("<form id=\"check\"", await empty.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task and_a_link_checker_asks_head_first_and_gets_the_status_without_a_scan_kept_as_evidence()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var page = await NoRedirects().SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/c/{cylinder.Code}"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Equal("public, no-cache", page.Headers.CacheControl!.ToString());

        var code = TestData.UniqueCode("U");
        var missing = await NoRedirects().SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/qr/{code}"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // A scan by a person is kept; the HEAD before it was not.
        Assert.Equal(HttpStatusCode.NotFound, (await NoRedirects().GetAsync($"/c/{code}")).StatusCode);
        await fx.Host.Services.GetRequiredService<UnregisteredScans>().FlushedAsync();
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(1, await Dapper.SqlMapper.ExecuteScalarAsync<int>(conn,
            "SELECT COUNT(*) FROM unregistered_scans WHERE cylinder_code = @code AND channel = 'card_page'", new { code }));
    }

    [Fact]
    public async Task and_the_complain_button_opens_the_mini_program_through_one_url_link_kept_in_redis()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var link = "https://wxaurl.cn/" + TestData.UniqueCode("L");
        fx.WeChat.Given(Request.Create().WithPath("/wxa/generate_urllink").UsingPost()
                .WithBody(new WireMock.Matchers.JsonPartialMatcher($"{{\"path\":\"pages/complaint/new\",\"query\":\"code={cylinder.Code}\",\"expire_type\":1,\"expire_interval\":30}}")))
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok", url_link = link }));
        for (var i = 0; i < 3; i++)
        {
            var response = await NoRedirects().GetAsync($"/c/{cylinder.Code}/complain");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal(link, response.Headers.Location!.ToString());
            Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        }
        Assert.Equal(1, fx.WeChat.LogEntries.Count(e => e.RequestMessage.Path == "/wxa/generate_urllink" && e.RequestMessage.Body!.Contains(cylinder.Code)));
    }

    [Fact]
    public async Task and_when_wechat_does_not_answer_the_complain_button_names_the_official_account_and_the_hotline()
    {
        var cylinder = await fx.Data.CylinderAsync();
        fx.WeChat.Given(Request.Create().WithPath("/wxa/generate_urllink").UsingPost().WithBody(new WireMock.Matchers.WildcardMatcher($"*{cylinder.Code}*")))
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 40097, errmsg = "invalid args" }));
        var response = await NoRedirects().GetAsync($"/c/{cylinder.Code}/complain");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = Text(await response.Content.ReadAsStringAsync());
        Assert.Contains("福州瓶装液化气安全追溯", html);
        Assert.Contains("href=\"tel:12345\"", html);
        Assert.Contains(cylinder.Code, html);
    }

    [Fact]
    public async Task and_without_the_mini_program_the_complain_button_points_to_the_official_account()
    {
        var cylinder = await fx.Data.CylinderAsync();
        await using var host = fx.AnotherInstance(new Dictionary<string, string?>
        {
            ["CardPage:MiniProgramComplaintPage"] = "",
            ["CardPage:OfficialAccountUrl"] = "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=TEST#wechat_redirect",
        });
        var before = fx.WeChat.LogEntries.Count(e => e.RequestMessage.Path == "/wxa/generate_urllink");
        var response = await NoRedirects(host).GetAsync($"/c/{cylinder.Code}/complain");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("打开公众号", html);
        Assert.Contains("mp.weixin.qq.com/mp/profile_ext", html);
        Assert.Equal(before, fx.WeChat.LogEntries.Count(e => e.RequestMessage.Path == "/wxa/generate_urllink"));
    }

    [Fact]
    public async Task sent_by_the_official_account_whose_news_reply_links_to_this_page_by_default()
    {
        var cylinder = await fx.Data.CylinderAsync();
        await using var host = fx.AnotherInstance(new Dictionary<string, string?> { ["CardPage:PublicBaseUrl"] = "https://ct.example.gov.cn" });
        var pusher = new P(host.CreateClient());
        foreach (var (code, title) in new[] { (cylinder.Code, "正常在用"), (TestData.UniqueCode("U"), "未登记气瓶") })
        {
            var response = await pusher.PushAsync(P.Scan("oUser" + TestData.UniqueCode(), code));
            var xml = System.Xml.Linq.XDocument.Parse(pusher.OpenReplyXml(await response.Content.ReadAsStringAsync())).Root!;
            Assert.Equal("news", xml.Element("MsgType")!.Value);
            var item = xml.Element("Articles")!.Element("item")!;
            Assert.Equal($"https://ct.example.gov.cn/c/{code}", item.Element("Url")!.Value);
            Assert.Contains(title, item.Element("Title")!.Value);
            Assert.Contains(GasLeakAdvice.Line, item.Element("Description")!.Value);
        }
    }
}
