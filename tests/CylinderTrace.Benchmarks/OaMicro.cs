using System.Diagnostics;
using System.Globalization;
using CylinderTrace.WeChat.OfficialAccount;

namespace CylinderTrace.Benchmarks;

/// <summary>CPU cost of the push protocol alone (no HTTP, no Redis, no card): open an encrypted push, seal a reply.</summary>
public static class OaMicro
{
    public static int Run()
    {
        const string token = "bench-token";
        var aesKey = Convert.ToBase64String(new byte[32]).TrimEnd('=');
        const string appId = "wxbench000000000";
        var protocol = new PushProtocol(new PushSettings(token, appId, aesKey, PushMode.Safe, TimeSpan.FromMinutes(5), 65536), TimeProvider.System);
        var crypto = new MessageCrypto(aesKey, appId);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var xml = $"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench_1]]></FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[SCAN_CYLINDER]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[https://qr.example.gov.cn/c/FZ0000000001]]></ScanResult></ScanCodeInfo></xml>";
        var encrypt = crypto.Encrypt(xml);
        var body = $"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        var q = new PushQuery(Signature.Compute(token, now, "1"), now, "1", "aes", Signature.Compute(token, now, "1", encrypt));
        var reply = Reply.Text("oBench_1", "gh_bench", 1, new string('气', 300));

        void Measure(string name, Action a)
        {
            for (var i = 0; i < 20_000; i++) a();
            var n = 200_000;
            var alloc = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) a();
            Console.WriteLine($"{name,-28} {sw.Elapsed.TotalMicroseconds / n,8:F2} µs/op {(GC.GetAllocatedBytesForCurrentThread() - alloc) / n,8} B/op");
        }
        Measure("signature verify", () => Signature.Verify(q.Signature, token, now, "1"));
        Measure("read outer xml", () => PushXml.ReadFields(body, 65536, out _));
        Measure("decrypt", () => crypto.Decrypt(encrypt, out _));
        Measure("read inner xml", () => PushXml.ReadFields(xml, 65536, out _));
        Measure("open (all of the above)", () => protocol.Open(q, body, out _));
        Measure("seal reply (encrypt+sign)", () => protocol.Seal(reply, true));
        return 0;
    }
}
