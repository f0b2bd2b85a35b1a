using System.Net;
using CylinderTrace.Tests.Infrastructure;
using CylinderTrace.WeChat.OfficialAccount;
using P = CylinderTrace.Tests.Infrastructure.OfficialAccountPusher;

namespace CylinderTrace.Tests.OfficialAccount;

/// <summary>Hostile or broken pushes: each a 4xx problem, never a 500.</summary>
[Collection(Collections.Apis)]
public sealed class The_Official_Account_endpoint_refuses(WebHostFixture fx)
{
    private P Pusher() => new(fx.Host.CreateClient());
    private static readonly string Valid = P.Text("oUser", "FZ0000000001");

    private static async Task AssertRefused(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"\"reason\":\"{reason}\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_bad_signature() =>
        await AssertRefused(await Pusher().PostRawAsync("signature=0123456789012345678901234567890123456789&timestamp=" + P.Now + "&nonce=1", Valid),
            HttpStatusCode.Unauthorized, "BadSignature");

    [Fact]
    public async Task no_signature() =>
        await AssertRefused(await Pusher().PostRawAsync("", Valid), HttpStatusCode.Unauthorized, "MissingSignature");

    [Fact]
    public async Task a_stale_timestamp() =>
        await AssertRefused(await Pusher().PushAsync(Valid, timestamp: P.Now - 3600), HttpStatusCode.Unauthorized, "StaleTimestamp");

    [Fact]
    public async Task an_oversized_body()
    {
        var big = P.Text("oUser", new string('x', 70 * 1024));
        await AssertRefused(await Pusher().PostRawAsync(Pusher().SignedQuery(null), big), HttpStatusCode.RequestEntityTooLarge, "BodyTooLarge");
    }

    [Fact]
    public async Task a_plaintext_push_to_a_safe_mode_account() =>
        await AssertRefused(await Pusher().PostRawAsync(Pusher().SignedQuery(null), Valid), HttpStatusCode.BadRequest, "MissingEncrypt");

    [Fact]
    public async Task malformed_xml() =>
        await AssertRefused(await Pusher().PostRawAsync(Pusher().SignedQuery(null), "<xml><Encrypt>"), HttpStatusCode.BadRequest, "MalformedXml");

    [Fact]
    public async Task a_dtd_with_external_entities() =>
        await AssertRefused(await Pusher().PostRawAsync(Pusher().SignedQuery(null),
            "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&xxe;</Encrypt></xml>"),
            HttpStatusCode.BadRequest, "ForbiddenDtd");

    [Fact]
    public async Task a_message_encrypted_for_another_account()
    {
        var encrypt = new MessageCrypto(CylinderTraceHost.OaAesKey, "wxsomeoneelse000").Encrypt(Valid);
        var body = $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        await AssertRefused(await Pusher().PostRawAsync(Pusher().SignedQuery(encrypt), body), HttpStatusCode.Forbidden, "WrongAppId");
    }

    [Fact]
    public async Task a_tampered_ciphertext()
    {
        var encrypt = new MessageCrypto(CylinderTraceHost.OaAesKey, CylinderTraceHost.OaAppId).Encrypt(Valid);
        var query = Pusher().SignedQuery(encrypt);
        var tampered = (encrypt[5] == 'A' ? "B" : "A") is var c ? encrypt[..5] + c + encrypt[6..] : encrypt;
        var body = $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{tampered}]]></Encrypt></xml>";
        await AssertRefused(await Pusher().PostRawAsync(query, body), HttpStatusCode.Unauthorized, "BadSignature");
    }

    [Fact]
    public async Task an_encrypted_message_that_is_not_a_message()
    {
        var encrypt = new MessageCrypto(CylinderTraceHost.OaAesKey, CylinderTraceHost.OaAppId).Encrypt("<xml><ToUserName>x</ToUserName></xml>");
        var body = $"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        await AssertRefused(await Pusher().PostRawAsync(Pusher().SignedQuery(encrypt), body), HttpStatusCode.BadRequest, "MalformedXml");
    }
}
