using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.WeChat.Tests.OfficialAccount;

public sealed class PushProtocolTests
{
    private const string Token = "ct-token";
    private const string AppId = "wx1234567890abcdef";
    private const string AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static PushProtocol Protocol(PushMode mode) =>
        new(new PushSettings(Token, AppId, AesKey, mode, TimeSpan.FromMinutes(5), 64 * 1024), new FixedClock(Now));

    private static PushQuery Signed(string? encrypt = null, long? timestamp = null, string nonce = "12345")
    {
        var ts = (timestamp ?? Now.ToUnixTimeSeconds()).ToString();
        return new PushQuery(Signature.Compute(Token, ts, nonce), ts, nonce, encrypt is null ? null : "aes",
            encrypt is null ? null : Signature.Compute(Token, ts, nonce, encrypt));
    }

    private const string ScanPush =
        "<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1790000000</CreateTime>" +
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[SCAN_CYLINDER]]></EventKey>" +
        "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[https://qr.example.gov.cn/c/FZ0000000001]]></ScanResult></ScanCodeInfo></xml>";

    [Fact]
    public void Verifies_the_url_check()
    {
        Assert.True(Protocol(PushMode.Plaintext).VerifyUrl(Signed(), out _));
        var bad = Signed() with { Signature = new string('0', 40) };
        Assert.False(Protocol(PushMode.Plaintext).VerifyUrl(bad, out var r));
        Assert.Equal(PushRejection.BadSignature, r);
    }

    [Fact]
    public void Opens_a_plaintext_push()
    {
        var push = Protocol(PushMode.Plaintext).Open(Signed(), ScanPush, out var r);
        Assert.Equal(PushRejection.None, r);
        var scan = Assert.IsType<ScanCodeEvent>(push!.Message);
        Assert.True(scan.WaitsForReply);
        Assert.Equal("SCAN_CYLINDER", scan.Key);
        Assert.Equal("https://qr.example.gov.cn/c/FZ0000000001", scan.ScanResult);
        Assert.Equal("e:oUser1:1790000000:scancode_waitmsg", scan.DedupKey);
        Assert.False(push.Encrypted);
    }

    [Fact]
    public void Opens_a_safe_mode_push_and_seals_the_reply_so_it_decrypts_and_verifies()
    {
        var protocol = Protocol(PushMode.Safe);
        var encrypt = new MessageCrypto(AesKey, AppId).Encrypt(ScanPush);
        var body = $"<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        var push = protocol.Open(Signed(encrypt), body, out var r);
        Assert.Equal(PushRejection.None, r);
        Assert.True(push!.Encrypted);
        Assert.IsType<ScanCodeEvent>(push.Message);

        var reply = Reply.Text("oUser1", "gh_abc", 1790000001, "你好");
        var sealedReply = protocol.Seal(reply, encrypted: true);
        var fields = PushXml.ReadFields(sealedReply, 65536, out _)!;
        Assert.True(Signature.Verify(fields["MsgSignature"], Token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]));
        Assert.Equal(reply, new MessageCrypto(AesKey, AppId).Decrypt(fields["Encrypt"], out _));
        Assert.Equal(Reply.Success, protocol.Seal(Reply.Success, encrypted: true));
    }

    [Fact]
    public void Compatible_mode_takes_either()
    {
        var protocol = Protocol(PushMode.Compatible);
        Assert.False(protocol.Open(Signed(), ScanPush, out _)!.Encrypted);
        var encrypt = new MessageCrypto(AesKey, AppId).Encrypt(ScanPush);
        var body = ScanPush.Replace("</xml>", $"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
        Assert.True(protocol.Open(Signed(encrypt), body, out _)!.Encrypted);
    }

    [Fact]
    public void Refuses_each_kind_of_bad_push()
    {
        var safe = Protocol(PushMode.Safe);
        var plain = Protocol(PushMode.Plaintext);
        var encrypt = new MessageCrypto(AesKey, AppId).Encrypt(ScanPush);
        var body = $"<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";

        void Refused(PushProtocol p, PushQuery q, string b, PushRejection expected)
        {
            Assert.Null(p.Open(q, b, out var r));
            Assert.Equal(expected, r);
        }

        Refused(plain, Signed() with { Signature = null }, ScanPush, PushRejection.MissingSignature);
        Refused(plain, Signed() with { Nonce = "other" }, ScanPush, PushRejection.BadSignature);
        Refused(plain, Signed(timestamp: Now.ToUnixTimeSeconds() - 301), ScanPush, PushRejection.StaleTimestamp);
        Refused(plain, Signed(timestamp: Now.ToUnixTimeSeconds() + 301), ScanPush, PushRejection.StaleTimestamp);
        Assert.NotNull(plain.Open(Signed(timestamp: Now.ToUnixTimeSeconds() - 299), ScanPush, out _));
        Refused(plain, Signed(), ScanPush + new string(' ', 64 * 1024), PushRejection.BodyTooLarge);
        Refused(plain, Signed(), "<xml><ToUserName>", PushRejection.MalformedXml);
        Refused(plain, Signed(), "not xml at all", PushRejection.MalformedXml);
        Refused(plain, Signed(), "<root><a>1</a></root>", PushRejection.MalformedXml);
        Refused(plain, Signed(), "<xml><ToUserName>a</ToUserName></xml>", PushRejection.MalformedXml);
        Refused(plain, Signed(), "<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><Content>&x;</Content></xml>", PushRejection.ForbiddenDtd);
        Refused(plain, Signed(), "<?xml version=\"1.0\"?><!doctype lol [<!entity a \"aaaa\">]><xml/>", PushRejection.ForbiddenDtd);

        Refused(safe, Signed(), body, PushRejection.MissingEncrypt);                            // no encrypt_type=aes
        Refused(safe, Signed(encrypt) with { MsgSignature = new string('1', 40) }, body, PushRejection.BadSignature);
        Refused(safe, Signed(encrypt) with { MsgSignature = null }, body, PushRejection.MissingSignature);
        var other = new MessageCrypto(AesKey, "wx_other_account").Encrypt(ScanPush);
        Refused(safe, Signed(other), body.Replace(encrypt, other), PushRejection.WrongAppId);
        var tampered = encrypt[..^8] + (encrypt[^8] == 'A' ? 'B' : 'A') + encrypt[^7..];
        Refused(safe, Signed(encrypt), body.Replace(encrypt, tampered), PushRejection.BadSignature);
    }
}

public sealed class SafeModeEnvelopeTests
{
    [Theory]
    [InlineData("<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><Encrypt><![CDATA[QUJD+/=]]></Encrypt></xml>", "QUJD+/=")]
    [InlineData("<xml>\n    <ToUserName><![CDATA[gh_abc]]></ToUserName>\n    <Encrypt><![CDATA[QUJD]]></Encrypt>\n</xml>\n", "QUJD")]
    [InlineData("<xml><Encrypt><![CDATA[QUJD]]></Encrypt></xml>", "QUJD")]
    public void The_usual_envelope_is_read_without_an_xml_reader(string body, string expected) =>
        Assert.Equal(expected, PushProtocol.SafeModeEncrypt(body));

    [Theory]
    [InlineData("<xml><Encrypt>QUJD</Encrypt></xml>")]                                             // no CDATA
    [InlineData("<xml><Encrypt><![CDATA[QU<JD]]></Encrypt></xml>")]
    [InlineData("<xml><Encrypt><![CDATA[]]></Encrypt></xml>")]
    [InlineData("<xml><ToUserName><![CDATA[a&b]]></ToUserName><Encrypt><![CDATA[QUJD]]></Encrypt></xml>")]
    [InlineData("<xml><Encrypt><![CDATA[QUJD]]></Encrypt><Extra/></xml>")]
    [InlineData("<!DOCTYPE x><xml><Encrypt><![CDATA[QUJD]]></Encrypt></xml>")]
    [InlineData("<xml><Encrypt><![CDATA[QUJD]]></Encrypt><Encrypt><![CDATA[QUJD]]></Encrypt></xml>")]
    public void Anything_else_goes_to_the_xml_reader(string body) => Assert.Null(PushProtocol.SafeModeEncrypt(body));
}
