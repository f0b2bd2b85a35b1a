using CylinderTrace.Platform.WeChat;
using CylinderTrace.Tests.Infrastructure;
using CylinderTrace.WeChat.Api;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace CylinderTrace.Tests.Platform;

/// <summary>The Redis token store makes every instance share one access token and one refresher.</summary>
[Collection(Collections.Apis)]
public sealed class WeChat_access_tokens_across_instances(WebHostFixture fx)
{
    private AccessTokenProvider ProviderOn(CylinderTraceHost host, string appId) => new(
        host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WeChatExtensions.HttpClientName),
        new WeChatApp(appId, "secret"), host.Services.GetRequiredService<IAccessTokenStore>(), TimeProvider.System);

    private int TokenCalls(string appId) =>
        fx.WeChat.LogEntries.Count(e => e.RequestMessage.Path == "/cgi-bin/stable_token" && e.RequestMessage.Body!.Contains(appId));

    [Fact]
    public async Task a_hundred_callers_on_two_instances_cause_one_token_request()
    {
        var appId = "wx" + TestData.UniqueCode().ToLowerInvariant();
        fx.WeChat.Given(Request.Create().WithPath("/cgi-bin/stable_token").UsingPost().WithBody(new JsonPartialMatcher($"{{\"appid\":\"{appId}\"}}")))
            .RespondWith(Response.Create().WithBodyAsJson(new { access_token = "shared-" + appId, expires_in = 7200 }).WithDelay(300));
        var other = fx.SecondInstance;
        var a = ProviderOn(fx.Host, appId);
        var b = ProviderOn(other, appId);

        var tokens = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).GetAsync())));

        Assert.All(tokens, t => Assert.Equal("shared-" + appId, t));
        Assert.Equal(1, TokenCalls(appId));
    }

    [Fact]
    public async Task a_rejected_token_is_replaced_once_for_everyone()
    {
        var appId = "wx" + TestData.UniqueCode().ToLowerInvariant();
        fx.WeChat.Given(Request.Create().WithPath("/cgi-bin/stable_token").UsingPost()
                .WithBody(new JsonPartialMatcher($"{{\"appid\":\"{appId}\",\"force_refresh\":false}}")))
            .RespondWith(Response.Create().WithBodyAsJson(new { access_token = "old-" + appId, expires_in = 7200 }));
        fx.WeChat.Given(Request.Create().WithPath("/cgi-bin/stable_token").UsingPost()
                .WithBody(new JsonPartialMatcher($"{{\"appid\":\"{appId}\",\"force_refresh\":true}}")))
            .RespondWith(Response.Create().WithBodyAsJson(new { access_token = "new-" + appId, expires_in = 7200 }).WithDelay(200));
        var other = fx.SecondInstance;
        var a = ProviderOn(fx.Host, appId);
        var b = ProviderOn(other, appId);
        var old = await a.GetAsync();

        var renewed = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).RefreshAfterRejectionAsync(old))));

        Assert.All(renewed, t => Assert.Equal("new-" + appId, t));
        Assert.Equal(2, TokenCalls(appId));
    }
}
