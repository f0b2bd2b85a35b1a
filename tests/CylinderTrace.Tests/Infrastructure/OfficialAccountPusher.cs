using System.Globalization;
using System.Text;
using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>Plays WeChat's side of the Official Account push protocol against a host: signed and, in safe mode, encrypted.</summary>
public sealed class OfficialAccountPusher(HttpClient client)
{
    private readonly MessageCrypto _crypto = new(CylinderTraceHost.OaAesKey, CylinderTraceHost.OaAppId);
    private static long _sequence = 1_790_000_000_000;

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    public static long NextMsgId() => Interlocked.Increment(ref _sequence);

    public static string Message(string from, string inner, long? createTime = null) =>
        $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName><CreateTime>{createTime ?? Now}</CreateTime>{inner}</xml>";

    public static string Scan(string from, string scanned, long? createTime = null) => Message(from,
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[SCAN_CYLINDER]]></EventKey>" +
        $"<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[{scanned}]]></ScanResult></ScanCodeInfo>", createTime);

    public static string Text(string from, string content, long? msgId = null) =>
        Message(from, $"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msgId ?? NextMsgId()}</MsgId>");

    public static string Event(string from, string ev, string? key = null, long? createTime = null) =>
        Message(from, $"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{ev}]]></Event>" + (key is null ? "" : $"<EventKey><![CDATA[{key}]]></EventKey>"), createTime);

    /// <summary>The query string WeChat would send for this body.</summary>
    public string SignedQuery(string? encrypt, long? timestamp = null, string nonce = "472913")
    {
        var ts = (timestamp ?? Now).ToString(CultureInfo.InvariantCulture);
        var q = $"signature={Signature.Compute(CylinderTraceHost.OaToken, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid=oUser";
        if (encrypt is not null) q += $"&encrypt_type=aes&msg_signature={Signature.Compute(CylinderTraceHost.OaToken, ts, nonce, encrypt)}";
        return q;
    }

    /// <summary>Posts the message encrypted, as a safe-mode account receives it.</summary>
    public Task<HttpResponseMessage> PushAsync(string messageXml, long? timestamp = null)
    {
        var encrypt = _crypto.Encrypt(messageXml);
        var body = $"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        return client.PostAsync("/wechat/oa?" + SignedQuery(encrypt, timestamp), new StringContent(body, Encoding.UTF8, "text/xml"));
    }

    public Task<HttpResponseMessage> PostRawAsync(string query, string body) =>
        client.PostAsync("/wechat/oa?" + query, new StringContent(body, Encoding.UTF8, "text/xml"));

    /// <summary>Opens an encrypted reply the way WeChat would: checks its signature, decrypts, reads the fields.</summary>
    public Dictionary<string, string> OpenReply(string body) => PushXml.ReadFields(OpenReplyXml(body), 1 << 20, out _)!;

    /// <summary>The decrypted reply XML, after checking the reply's signature.</summary>
    public string OpenReplyXml(string body)
    {
        var envelope = PushXml.ReadFields(body, 1 << 20, out var r) ?? throw new InvalidOperationException("reply is not XML: " + r);
        if (!Signature.Verify(envelope["MsgSignature"], CylinderTraceHost.OaToken, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"]))
            throw new InvalidOperationException("reply signature does not verify");
        return _crypto.Decrypt(envelope["Encrypt"], out r) ?? throw new InvalidOperationException("reply does not decrypt: " + r);
    }

    public async Task<Dictionary<string, string>> PushAndOpenAsync(string messageXml)
    {
        var response = await PushAsync(messageXml);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
        return OpenReply(body);
    }
}
