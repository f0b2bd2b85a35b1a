using System.Text;
using CylinderTrace.Tests.Infrastructure;
using CylinderTrace.WeChat.OfficialAccount;
using P = CylinderTrace.Tests.Infrastructure.OfficialAccountPusher;

namespace CylinderTrace.Tests.OfficialAccount;

/// <summary>
/// 10,000 mutated and random pushes (fixed seed, so a failure reproduces): random query strings,
/// mutated outer XML under a valid signature, mutated inner XML properly encrypted and signed, and
/// mutated ciphertexts with a matching msg_signature. Nothing may answer 5xx.
/// </summary>
[Collection(Collections.Apis)]
public sealed class The_Official_Account_endpoint_under_fuzzing(WebHostFixture fx)
{
    private const int Iterations = 10_000;
    private static readonly string[] Fragments =
    [
        "<", ">", "&", "&amp;", "&#0;", "&#xD800;", "]]>", "<![CDATA[", "<!DOCTYPE x [<!ENTITY a \"b\">]>", "<!ENTITY e SYSTEM \"file:///etc/passwd\">",
        "&e;", "<?xml version=\"1.0\"?>", "</xml>", "<xml>", "\0", "\uFFFE", "\uD800", "' OR 1=1 --", "\"; DROP TABLE cylinders; --",
        "<script>alert(1)</script>", "%00", "%ZZ", "FZ0000000001", "https://qr.example.gov.cn/c/FZ0000000001", "qrscene_FZ0000000002",
        "<ScanCodeInfo><ScanResult>x</ScanResult></ScanCodeInfo>", "<MsgType>event</MsgType>", "<Event>SCAN</Event>", "<MsgId>99999999999999999999999</MsgId>",
        "<CreateTime>-1</CreateTime>", new string('A', 3000), "<a><b><c><d><e><f><g><h>", "气瓶", "\r\n",
    ];

    [Fact]
    public async Task answers_every_one_with_something_other_than_5xx()
    {
        var rng = new Random(20261128);
        var client = fx.Host.CreateClient();
        var pusher = new P(client);
        var crypto = new MessageCrypto(CylinderTraceHost.OaAesKey, CylinderTraceHost.OaAppId);
        var cylinder = await fx.Data.CylinderAsync();
        var statuses = new Dictionary<int, int>();
        var failures = new List<string>();

        for (var i = 0; i < Iterations; i++)
        {
            var (query, body) = (i % 4) switch
            {
                0 => (RandomQuery(rng), Mutate(rng, Seed(rng, cylinder.Code))),
                1 => (pusher.SignedQuery(null), Mutate(rng, Seed(rng, cylinder.Code))),
                2 => EncryptedInner(rng, pusher, crypto, Mutate(rng, Seed(rng, cylinder.Code))),
                _ => MutatedCiphertext(rng, pusher, crypto, Seed(rng, cylinder.Code)),
            };
            HttpResponseMessage response;
            using (var content = new ByteArrayContent(body))
                response = await client.PostAsync("/wechat/oa?" + query, content);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status >= 500 && failures.Count < 5)
                failures.Add($"#{i} {status} query={query} body={Encoding.UTF8.GetString(body)[..Math.Min(300, body.Length)]} → {await response.Content.ReadAsStringAsync()}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The fuzzing reached the deep end too: some inputs were accepted and answered.
        Assert.True(statuses.GetValueOrDefault(200) > 100, "accepted: " + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
        Assert.True(statuses.Keys.Count(k => k is >= 400 and < 500) >= 3, string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
    }

    private static string Seed(Random rng, string code) => (rng.Next(6)) switch
    {
        0 => P.Scan("oFuzz" + rng.Next(1000), rng.Next(2) == 0 ? code : "https://qr.example.gov.cn/c/" + code),
        1 => P.Text("oFuzz" + rng.Next(1000), rng.Next(2) == 0 ? code : "你好", P.NextMsgId()),
        2 => P.Event("oFuzz" + rng.Next(1000), "subscribe", "qrscene_" + code),
        3 => P.Event("oFuzz" + rng.Next(1000), "CLICK", "MY_COMPLAINTS"),
        4 => P.Message("oFuzz" + rng.Next(1000), "<MsgType><![CDATA[location]]></MsgType><Location_X>26.1</Location_X><Location_Y>119.3</Location_Y><Scale>15</Scale><Label>x</Label><MsgId>" + P.NextMsgId() + "</MsgId>"),
        _ => P.Event("oFuzz" + rng.Next(1000), "LOCATION"),
    };

    private static byte[] Mutate(Random rng, string xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml).ToList();
        var rounds = rng.Next(0, 4);
        for (var r = 0; r < rounds && bytes.Count > 0; r++)
        {
            var at = rng.Next(bytes.Count);
            switch (rng.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;                                   // bit flip
                case 1: bytes.RemoveRange(at, Math.Min(rng.Next(1, 20), bytes.Count - at)); break;     // delete
                case 2: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[rng.Next(Fragments.Length)])); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;                                  // truncate
                case 4: bytes.Insert(at, (byte)rng.Next(0x80, 0x100)); break;                             // invalid UTF-8
                case 5: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(50, bytes.Count - at))); break; // duplicate
                default: bytes = Encoding.UTF8.GetBytes(new string((char)rng.Next(32, 127), rng.Next(0, 200))).ToList(); break;
            }
        }
        return bytes.ToArray();
    }

    private static string RandomQuery(Random rng)
    {
        string Part() => rng.Next(5) switch
        {
            0 => "",
            1 => Convert.ToHexString(RandomBytes(rng, 20)).ToLowerInvariant(),
            2 => Uri.EscapeDataString(Fragments[rng.Next(Fragments.Length)]),
            3 => rng.NextInt64().ToString(),
            _ => new string('9', rng.Next(1, 400)),
        };
        var parts = new List<string>();
        foreach (var name in new[] { "signature", "timestamp", "nonce", "encrypt_type", "msg_signature", "openid", "echostr" })
            if (rng.Next(3) > 0) parts.Add($"{name}={Part()}");
        if (rng.Next(10) == 0) parts.Add("%%%=&&=&signature");
        return string.Join('&', parts);
    }

    private static (string, byte[]) EncryptedInner(Random rng, P pusher, MessageCrypto crypto, byte[] inner)
    {
        var encrypt = crypto.Encrypt(Encoding.UTF8.GetString(inner));
        return (pusher.SignedQuery(encrypt), Encoding.UTF8.GetBytes($"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"));
    }

    private static (string, byte[]) MutatedCiphertext(Random rng, P pusher, MessageCrypto crypto, string inner)
    {
        var cipher = Convert.FromBase64String(crypto.Encrypt(inner)).ToList();
        switch (rng.Next(4))
        {
            case 0: cipher[rng.Next(cipher.Count)] ^= (byte)(1 << rng.Next(8)); break;
            case 1: cipher.RemoveRange(cipher.Count - 16, 16); break;
            case 2: cipher.AddRange(RandomBytes(rng, 16)); break;
            default: cipher = RandomBytes(rng, 16 * rng.Next(1, 8)).ToList(); break;
        }
        var encrypt = Convert.ToBase64String(cipher.ToArray());
        if (rng.Next(10) == 0) encrypt = encrypt[..^2] + "!!";
        return (pusher.SignedQuery(encrypt), Encoding.UTF8.GetBytes($"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"));
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }
}
