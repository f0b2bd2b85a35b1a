using System.Text.Json.Nodes;
using CylinderTrace.WeChat.Api;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace CylinderTrace.WeChat.Tests.Api;

/// <summary>The API client against WireMock standing in for api.weixin.qq.com.</summary>
public sealed class WeChatApiClientTests : IDisposable
{
    private readonly WireMockServer _wechat = WireMockServer.Start();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryTokenStore _store = new();
    private static readonly WeChatApp App = new("wxtestapp", "secret");

    public void Dispose() => _wechat.Stop();

    private (WeChatApiClient Client, AccessTokenProvider Tokens) NewClient()
    {
        var http = new HttpClient { BaseAddress = new Uri(_wechat.Url! + "/") };
        var tokens = new AccessTokenProvider(http, App, _store, _clock);
        return (new WeChatApiClient(http, tokens), tokens);
    }

    private int Calls(string path) => _wechat.LogEntries.Count(e => e.RequestMessage.Path == path);

    private void TokenAnswers(string token, bool? force = null, int delayMs = 0)
    {
        var request = Request.Create().WithPath("/cgi-bin/stable_token").UsingPost();
        if (force is bool f) request = request.WithBody(new JsonPartialMatcher($"{{\"force_refresh\":{(f ? "true" : "false")}}}"));
        var response = Response.Create().WithBodyAsJson(new { access_token = token, expires_in = 7200 });
        _wechat.Given(request).RespondWith(delayMs > 0 ? response.WithDelay(delayMs) : response);
    }

    private void Answers(string path, object body, string? token = null)
    {
        var request = Request.Create().WithPath(path).UsingAnyMethod();
        if (token is not null) request = request.WithParam("access_token", token);
        _wechat.Given(request).RespondWith(Response.Create().WithBodyAsJson(body));
    }

    private static TemplateMessage Template => new("oUser", "tpl", new Dictionary<string, string> { ["thing1"] = "气瓶投诉" }, ClientMsgId: "c-1");

    [Fact]
    public async Task A_hundred_concurrent_callers_cause_one_token_request()
    {
        TokenAnswers("T1", delayMs: 300);
        var (_, tokens) = NewClient();
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => tokens.GetAsync())));
        Assert.All(results, t => Assert.Equal("T1", t));
        Assert.Equal(1, Calls("/cgi-bin/stable_token"));
    }

    [Fact]
    public async Task The_token_is_refreshed_five_minutes_before_it_expires()
    {
        TokenAnswers("T1");
        var (_, tokens) = NewClient();
        await tokens.GetAsync();
        _clock.Advance(TimeSpan.FromSeconds(7200 - 301));
        await tokens.GetAsync();
        Assert.Equal(1, Calls("/cgi-bin/stable_token"));
        _clock.Advance(TimeSpan.FromSeconds(2));
        await tokens.GetAsync();
        Assert.Equal(2, Calls("/cgi-bin/stable_token"));
    }

    [Theory]
    [InlineData(40001)]
    [InlineData(40014)]
    [InlineData(42001)]
    public async Task A_rejected_token_is_refreshed_once_and_the_call_retried_once(int errcode)
    {
        TokenAnswers("T1", force: false);
        TokenAnswers("T2", force: true);
        Answers("/cgi-bin/message/template/send", new { errcode, errmsg = "invalid credential" }, token: "T1");
        Answers("/cgi-bin/message/template/send", new { errcode = 0, errmsg = "ok", msgid = 200228332 }, token: "T2");
        var (client, _) = NewClient();
        Assert.Equal(200228332, await client.SendTemplateMessageAsync(Template));
        Assert.Equal(2, Calls("/cgi-bin/stable_token"));
        Assert.Equal(2, Calls("/cgi-bin/message/template/send"));
        var body = JsonNode.Parse(_wechat.LogEntries.First(e => e.RequestMessage.Path == "/cgi-bin/message/template/send").RequestMessage.Body!)!;
        Assert.Equal("c-1", body["client_msg_id"]!.ToString());
        Assert.Equal("气瓶投诉", body["data"]!["thing1"]!["value"]!.ToString());
    }

    [Fact]
    public async Task A_token_rejected_twice_is_not_retried_again()
    {
        TokenAnswers("T1", force: false);
        TokenAnswers("T2", force: true);
        Answers("/cgi-bin/message/template/send", new { errcode = 40001, errmsg = "invalid credential" });
        var (client, _) = NewClient();
        var ex = await Assert.ThrowsAsync<WeChatApiException>(() => client.SendTemplateMessageAsync(Template));
        Assert.Equal(WeChatErrorKind.InvalidToken, ex.Kind);
        Assert.Equal(2, Calls("/cgi-bin/message/template/send"));
    }

    [Theory]
    [InlineData(40013)]
    [InlineData(40125)]
    [InlineData(40164)]
    public async Task Configuration_errors_are_surfaced_and_never_retried(int errcode)
    {
        Answers("/cgi-bin/stable_token", new { errcode, errmsg = "invalid appid/secret/ip" });
        var (client, _) = NewClient();
        var ex = await Assert.ThrowsAsync<WeChatApiException>(() => client.SendTemplateMessageAsync(Template));
        Assert.Equal(WeChatErrorKind.Configuration, ex.Kind);
        Assert.Equal(errcode, client.ConfigurationProblem?.ErrCode);
        Assert.Equal(1, Calls("/cgi-bin/stable_token"));
        Assert.Equal(0, Calls("/cgi-bin/message/template/send"));
    }

    [Fact]
    public async Task The_daily_limit_is_not_retried()
    {
        TokenAnswers("T1");
        Answers("/cgi-bin/message/template/send", new { errcode = 45009, errmsg = "reach max api daily quota limit" });
        var (client, _) = NewClient();
        var ex = await Assert.ThrowsAsync<WeChatApiException>(() => client.SendTemplateMessageAsync(Template));
        Assert.Equal(WeChatErrorKind.DailyLimit, ex.Kind);
        Assert.Equal(1, Calls("/cgi-bin/message/template/send"));
    }

    [Fact]
    public async Task Busy_is_retried_with_back_off_then_given_up()
    {
        TokenAnswers("T1");
        _wechat.Given(Request.Create().WithPath("/cgi-bin/message/custom/send").UsingPost()).InScenario("busy").WillSetStateTo("1")
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = -1, errmsg = "system error" }));
        _wechat.Given(Request.Create().WithPath("/cgi-bin/message/custom/send").UsingPost()).InScenario("busy").WhenStateIs("1")
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok" }));
        var (client, _) = NewClient();
        await client.SendCustomerServiceTextAsync("oUser", "你的气瓶状态正常");
        Assert.Equal(2, Calls("/cgi-bin/message/custom/send"));

        Answers("/cgi-bin/menu/create", new { errcode = -1, errmsg = "system error" });
        var ex = await Assert.ThrowsAsync<WeChatApiException>(() => client.CreateMenuAsync(new JsonObject { ["button"] = new JsonArray() }));
        Assert.Equal(WeChatErrorKind.Busy, ex.Kind);
        Assert.Equal(3, Calls("/cgi-bin/menu/create"));
    }

    [Theory]
    [InlineData(43101, WeChatErrorKind.NotConsented)]
    [InlineData(47003, WeChatErrorKind.TemplateDataMismatch)]
    [InlineData(40003, WeChatErrorKind.InvalidOpenId)]
    public async Task Subscribe_message_refusals_are_typed_and_not_retried(int errcode, WeChatErrorKind kind)
    {
        TokenAnswers("T1");
        Answers("/cgi-bin/message/subscribe/send", new { errcode, errmsg = "refused" });
        var (client, _) = NewClient();
        var ex = await Assert.ThrowsAsync<WeChatApiException>(() => client.SendSubscribeMessageAsync(
            new SubscribeMessage("oUser", "tpl", "pages/complaint/detail?id=1", new Dictionary<string, string> { ["thing1"] = "已受理" })));
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(1, Calls("/cgi-bin/message/subscribe/send"));
    }

    [Theory]
    [InlineData(43004, WeChatErrorKind.NotFollowing)]
    [InlineData(40037, WeChatErrorKind.InvalidTemplate)]
    public async Task Template_message_refusals_are_typed(int errcode, WeChatErrorKind kind)
    {
        TokenAnswers("T1");
        Answers("/cgi-bin/message/template/send", new { errcode, errmsg = "refused" });
        var (client, _) = NewClient();
        Assert.Equal(kind, (await Assert.ThrowsAsync<WeChatApiException>(() => client.SendTemplateMessageAsync(Template))).Kind);
    }

    [Fact]
    public async Task Code_to_session_gives_the_openid_and_keeps_the_session_key_server_side()
    {
        _wechat.Given(Request.Create().WithPath("/sns/jscode2session").WithParam("js_code", "good").WithParam("grant_type", "authorization_code").UsingGet())
            .RespondWith(Response.Create().WithBodyAsJson(new { openid = "oMini", session_key = "sk==", unionid = "u1" }));
        var (client, _) = NewClient();
        Assert.Equal(new CodeSession("oMini", "sk==", "u1"), await client.Code2SessionAsync("good"));
        Assert.Equal(0, Calls("/cgi-bin/stable_token"));
    }

    [Theory]
    [InlineData(40029, WeChatErrorKind.InvalidCode)]
    [InlineData(45011, WeChatErrorKind.RateLimited)]
    [InlineData(40226, WeChatErrorKind.HighRiskUser)]
    public async Task Code_to_session_errors_are_typed(int errcode, WeChatErrorKind kind)
    {
        Answers("/sns/jscode2session", new { errcode, errmsg = "no" });
        var (client, _) = NewClient();
        Assert.Equal(kind, (await Assert.ThrowsAsync<WeChatApiException>(() => client.Code2SessionAsync("bad"))).Kind);
        Assert.Equal(1, Calls("/sns/jscode2session"));
    }

    [Fact]
    public async Task Mini_program_codes_come_back_as_image_bytes_or_a_typed_error()
    {
        TokenAnswers("T1");
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 };
        _wechat.Given(Request.Create().WithPath("/wxa/getwxacodeunlimit").WithBody(new JsonPartialMatcher("{\"scene\":\"c=FZ0000000001\"}")).UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "image/png").WithBody(png));
        _wechat.Given(Request.Create().WithPath("/wxa/getwxacodeunlimit").WithBody(new JsonPartialMatcher("{\"scene\":\"bad\"}")).UsingPost())
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 41030, errmsg = "invalid page" }));
        var (client, _) = NewClient();
        Assert.Equal(png, await client.GetUnlimitedWxaCodeAsync("c=FZ0000000001", "pages/cylinder/card"));
        Assert.Equal(41030, (await Assert.ThrowsAsync<WeChatApiException>(() => client.GetUnlimitedWxaCodeAsync("bad", "pages/x"))).ErrCode);
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetUnlimitedWxaCodeAsync(new string('a', 33), "pages/x"));
    }

    [Fact]
    public async Task A_url_link_is_asked_for_a_page_and_query_expiring_within_thirty_days()
    {
        TokenAnswers("T1");
        _wechat.Given(Request.Create().WithPath("/wxa/generate_urllink").WithParam("access_token", "T1").UsingPost()
                .WithBody(new JsonPartialMatcher("{\"path\":\"pages/complaint/new\",\"query\":\"code=FZ0000000001\",\"expire_type\":1,\"expire_interval\":30,\"env_version\":\"release\"}")))
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok", url_link = "https://wxaurl.cn/AbCdEf" }));
        var (client, _) = NewClient();
        Assert.Equal("https://wxaurl.cn/AbCdEf", await client.GenerateUrlLinkAsync("pages/complaint/new", "code=FZ0000000001", 30));
        Assert.Equal(1, Calls("/wxa/generate_urllink"));
    }

    [Fact]
    public async Task A_url_link_refusal_is_a_typed_error_and_bad_arguments_never_reach_wechat()
    {
        TokenAnswers("T1");
        Answers("/wxa/generate_urllink", new { errcode = 85400, errmsg = "long-term link exceed limit" });
        var (client, _) = NewClient();
        Assert.Equal(85400, (await Assert.ThrowsAsync<WeChatApiException>(() => client.GenerateUrlLinkAsync("pages/complaint/new", "code=X1", 30))).ErrCode);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GenerateUrlLinkAsync("pages/complaint/new", "code=X1", 31));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GenerateUrlLinkAsync("pages/complaint/new?code=X1", "", 30));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GenerateUrlLinkAsync("pages/complaint/new", "code=<X1>", 30));
        Assert.Equal(1, Calls("/wxa/generate_urllink"));
    }

    [Fact]
    public async Task A_url_scheme_is_asked_with_jump_wxa_and_comes_back_as_the_openlink()
    {
        TokenAnswers("T1");
        _wechat.Given(Request.Create().WithPath("/wxa/generatescheme").UsingPost()
                .WithBody(new JsonPartialMatcher("{\"jump_wxa\":{\"path\":\"pages/complaint/new\",\"query\":\"code=FZ0000000001\"},\"expire_type\":1,\"expire_interval\":7}")))
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok", openlink = "weixin://dl/business/?t=XTSkBZlzqmn" }));
        var (client, _) = NewClient();
        Assert.Equal("weixin://dl/business/?t=XTSkBZlzqmn", await client.GenerateSchemeAsync("pages/complaint/new", "code=FZ0000000001", 7));
    }

    [Fact]
    public async Task Content_screening_returns_the_verdict()
    {
        TokenAnswers("T1");
        Answers("/wxa/msg_sec_check", new { errcode = 0, errmsg = "ok", result = new { suggest = "risky", label = 20001 }, trace_id = "t-1" });
        var (client, _) = NewClient();
        Assert.Equal(new ContentCheck("risky", 20001, "t-1"), await client.CheckTextAsync("oUser", "……"));
    }

    [Fact]
    public async Task Anything_that_is_not_WeChat_json_is_a_transport_error()
    {
        TokenAnswers("T1");
        _wechat.Given(Request.Create().WithPath("/cgi-bin/menu/create")).RespondWith(Response.Create().WithStatusCode(502).WithBody("<html>bad gateway</html>"));
        _wechat.Given(Request.Create().WithPath("/cgi-bin/message/custom/send")).RespondWith(Response.Create().WithBody("<html>not json</html>"));
        var (client, _) = NewClient();
        Assert.Equal(WeChatErrorKind.Transport, (await Assert.ThrowsAsync<WeChatApiException>(() => client.CreateMenuAsync(new JsonObject()))).Kind);
        Assert.Equal(WeChatErrorKind.Transport, (await Assert.ThrowsAsync<WeChatApiException>(() => client.SendCustomerServiceTextAsync("o", "x"))).Kind);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_transport_error()
    {
        var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1/") };
        var client = new WeChatApiClient(http, new AccessTokenProvider(http, App, _store, _clock));
        Assert.Equal(WeChatErrorKind.Transport, (await Assert.ThrowsAsync<WeChatApiException>(() => client.SendCustomerServiceTextAsync("o", "x"))).Kind);
    }
}
