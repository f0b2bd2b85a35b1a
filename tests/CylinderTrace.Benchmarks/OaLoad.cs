using System.Globalization;
using System.Net;
using System.Text;
using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// Load generator for the Official Account endpoint: every request is a fresh, signed, encrypted
/// scancode_waitmsg push (unique sender, so de-duplication never short-cuts it) for a random
/// existing cylinder code. Closed loop (N workers) for the peak; paced workers (each at rate/N a
/// second, as wrk's per-connection delay) for the latency at a given load.
/// Crypto settings come from the environment: OfficialAccount__Token, __EncodingAesKey, __AppId.
/// </summary>
public static class OaLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var url = Arg("url", "http://127.0.0.1:5090/wechat/oa");
        var seconds = int.Parse(Arg("seconds", "20"), CultureInfo.InvariantCulture);
        var workers = int.Parse(Arg("concurrency", "64"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Arg("rate", "0"), CultureInfo.InvariantCulture);
        var codes = File.ReadAllLines(Arg("codes", ".local/bench/warm-codes.txt")).Where(l => l.Length > 0).ToArray();
        var once = Arg("save-one-reply", "");

        var token = Environment.GetEnvironmentVariable("OfficialAccount__Token") ?? throw new InvalidOperationException("OfficialAccount__Token is not set");
        var aesKey = Environment.GetEnvironmentVariable("OfficialAccount__EncodingAesKey") ?? throw new InvalidOperationException("OfficialAccount__EncodingAesKey is not set");
        var appId = Environment.GetEnvironmentVariable("OfficialAccount__AppId") ?? throw new InvalidOperationException("OfficialAccount__AppId is not set");
        var crypto = new MessageCrypto(aesKey, appId);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(workers, 512), UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        { Timeout = TimeSpan.FromSeconds(10) };
        long sequence = 0;

        HttpRequestMessage Next()
        {
            var n = Interlocked.Increment(ref sequence);
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var code = codes[Random.Shared.Next(codes.Length)];
            var xml = $"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench{Environment.ProcessId}_{n}]]></FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[SCAN_CYLINDER]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[https://qr.example.gov.cn/c/{code}]]></ScanResult></ScanCodeInfo></xml>";
            var encrypt = crypto.Encrypt(xml);
            var nonce = n.ToString(CultureInfo.InvariantCulture);
            var query = $"?signature={Signature.Compute(token, now, nonce)}&timestamp={now}&nonce={nonce}&openid=oBench&encrypt_type=aes&msg_signature={Signature.Compute(token, now, nonce, encrypt)}";
            return new HttpRequestMessage(HttpMethod.Post, url + query)
            {
                Content = new StringContent($"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", Encoding.UTF8, "text/xml"),
            };
        }

        if (once.Length > 0)
        {
            using var response = await http.SendAsync(Next());
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode || !body.StartsWith("<xml><Encrypt>", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"unexpected reply {(int)response.StatusCode}: {body}");
                return 1;
            }
            await File.WriteAllTextAsync(once, body);
            return 0;
        }

        Console.WriteLine(await LoadLoop.RunAsync(Math.Max(workers, 1), seconds, rate, async () =>
        {
            using var response = await http.SendAsync(Next());
            var body = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode && body.StartsWith("<xml><Encrypt>", StringComparison.Ordinal);
        }));
        return 0;
    }
}
