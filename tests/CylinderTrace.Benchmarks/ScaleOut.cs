using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CylinderTrace.WeChat.OfficialAccount;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// The scale-out proof (ops/scale-out.sh): two web instances and two worker instances against one
/// MariaDB and one Redis, nginx in front.
///   fake-wechat --port P   a stand-in for WeChat's servers (WeChat cannot be reached from here): access
///                          tokens (counted), jscode2session (openid from the code), messages (accepted, counted);
///                          GET /__counts gives the counts as JSON
///   scale-check --proxy URL --web URL,URL --wechat URL --oa-token T --keys KEYS.tsv [--admin USER:PASSWORD] [--late-web URL]
///                          checks each property across instances and prints PASS/FAIL per property and in all;
///                          --admin also checks the jobs dashboard as the city's administrator (initial password),
///                          --late-web a late Official Account reply through an instance whose reply budget is 0
/// </summary>
public static class ScaleOut
{
    private static string Arg(string[] args, string name, string fallback) => Bench.Arg(args, name, fallback);

    public static async Task<int> FakeWeChatAsync(string[] args)
    {
        var port = Arg(args, "port", "5109");
        var counts = new ConcurrentDictionary<string, int>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/cgi-bin/stable_token", async (HttpRequest r) =>
        {
            var body = await JsonDocument.ParseAsync(r.Body);
            counts.AddOrUpdate("stable_token:" + body.RootElement.GetProperty("appid").GetString(), 1, (_, n) => n + 1);
            return Results.Json(new { access_token = "tok-" + Guid.NewGuid().ToString("N"), expires_in = 7200 });
        });
        app.MapGet("/sns/jscode2session", (string js_code) =>
        {
            counts.AddOrUpdate("jscode2session", 1, (_, n) => n + 1);
            return Results.Json(new { openid = "oScale" + js_code, session_key = "c2Vzc2lvbi1rZXk=" });
        });
        app.MapPost("/cgi-bin/message/{kind}/send", (string kind) =>
        {
            counts.AddOrUpdate("message:" + kind, 1, (_, n) => n + 1);
            return Results.Json(new { errcode = 0, errmsg = "ok", msgid = 1 });
        });
        app.MapGet("/__counts", () => Results.Json(counts.ToDictionary(c => c.Key, c => c.Value)));
        await app.RunAsync();
        return 0;
    }

    public static async Task<int> CheckAsync(string[] args)
    {
        var proxy = Arg(args, "proxy", "http://127.0.0.1:5100");
        var webs = Arg(args, "web", "http://127.0.0.1:5101,http://127.0.0.1:5102").Split(',');
        var wechat = Arg(args, "wechat", "http://127.0.0.1:5109");
        var oaToken = Arg(args, "oa-token", "");
        var key = Bench.Keys(Arg(args, "keys", ".local/scale/keys.tsv"))[0];
        var licence = key.Licence;
        var cs = Environment.GetEnvironmentVariable("Database__ConnectionString")!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var results = new List<(string Property, bool Pass, string Detail)>();
        var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

        // 1. Sessions: a login on one web instance is good on the other and through the proxy.
        var login = await http.PostAsJsonAsync(webs[0] + "/api/mp/login", new { code = "login" + run });
        var loginBody = await login.Content.ReadAsStringAsync();
        if (!login.IsSuccessStatusCode)
        {
            // Say what the host answered (a run on the clusters once stopped here without a word).
            Console.WriteLine($"FAIL  sessions: the login on instance 1 answered {(int)login.StatusCode}: {loginBody}");
            Console.WriteLine("RESULT FAIL");
            return 1;
        }
        var token = JsonDocument.Parse(loginBody).RootElement.GetProperty("token").GetString()!;
        var sessionOk = 0;
        foreach (var target in webs.Concat(Enumerable.Repeat(proxy, 10)))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target + "/api/mp/complaints");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if ((await http.SendAsync(request)).StatusCode == HttpStatusCode.OK) sessionOk++;
        }
        results.Add(("sessions", sessionOk == webs.Length + 10, $"{sessionOk}/{webs.Length + 10} requests with a token made on instance 1 accepted (instance 2 and the proxy)"));

        // 2. Rate limits: one user's complaints per hour (MiniProgram:ComplaintsPerUserPerHour = 5 here) count across instances.
        var statuses = new List<int>();
        for (var i = 0; i < 7; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, webs[i % 2] + "/api/mp/complaints")
            {
                Content = JsonContent.Create(new { category = "service", description = $"扩容验证限流{i}：送气工多收费", districtCode = "350102", address = "鼓楼区测试路1号" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Idempotency-Key", $"scale-limit-{run}-{i}");
            statuses.Add((int)(await http.SendAsync(request)).StatusCode);
        }
        results.Add(("rate limits", statuses.Take(5).All(s => s == 201) && statuses.Skip(5).All(s => s == 429),
            "a user's 7 complaints sent alternately to the two instances answered " + string.Join(",", statuses) + " (limit 5 an hour)"));

        // 3. Message de-duplication: WeChat sends a push again after 5 s when it had no answer in time; the
        // retry, landing on the other instance, gets the answer the first instance gave (stored in Redis).
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var msgId = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);
        var xml = $"<xml><ToUserName><![CDATA[gh_scale]]></ToUserName><FromUserName><![CDATA[oScalePush{run}]]></FromUserName><CreateTime>{ts}</CreateTime>" +
                  $"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[FZ0000000001]]></Content><MsgId>{msgId}</MsgId></xml>";
        var replies = new List<string>();
        foreach (var web in webs)
        {
            if (replies.Count > 0) await Task.Delay(TimeSpan.FromSeconds(5));
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            var query = $"signature={Signature.Compute(oaToken, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid=oScalePush{run}";
            var response = await http.PostAsync($"{web}/wechat/oa?{query}", new StringContent(xml, Encoding.UTF8, "text/xml"));
            replies.Add(await response.Content.ReadAsStringAsync());
        }
        results.Add(("message de-duplication", replies.Distinct().Count() == 1 && replies[0].Contains("FZ0000000001", StringComparison.Ordinal),
            $"the same push (MsgId {msgId}) to instance 1, and 5 s later (as WeChat retries) to instance 2: " +
            (replies.Distinct().Count() == 1 ? "the same reply, byte for byte (the stored answer of the first)" : "different replies:\n" + string.Join("\n", replies))));

        // 4. Cache invalidation: both instances have the card cached; a write through instance 1 shows on instance 2 within a second.
        await using var db = new MySqlConnection(cs);
        await db.OpenAsync();
        var code = await db.ExecuteScalarAsync<string>(
            "SELECT c.code FROM cylinders c JOIN enterprises e ON e.id = c.owner_id WHERE e.licence_number = @licence AND c.status = 'in_service' AND c.detained = 0 ORDER BY c.id LIMIT 1",
            new { licence });
        foreach (var web in webs) await http.GetStringAsync($"{web}/api/cylinders/{code}/card");
        var newDate = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(3).AddDays(Random.Shared.Next(1, 300)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var upsert = JsonSerializer.SerializeToUtf8Bytes(new { records = new[] { new { code, serial = "S-" + code, spec = "YSP-15", manufactureDate = "2022-01-01", nextInspectionDate = newDate } } },
            JsonSerializerOptions.Web);
        var write = await http.SendAsync(Bench.Signed(key, HttpMethod.Post, webs[0], "/api/integration/v1/cylinders", upsert));
        var written = DateTime.UtcNow;
        var seen = TimeSpan.MaxValue;
        for (var i = 0; i < 40; i++)
        {
            var card = await http.GetStringAsync($"{webs[1]}/api/cylinders/{code}/card");
            if (card.Contains(newDate, StringComparison.Ordinal)) { seen = DateTime.UtcNow - written; break; }
            await Task.Delay(50);
        }
        results.Add(("cache invalidation", write.StatusCode == HttpStatusCode.OK && seen < TimeSpan.FromSeconds(1),
            $"a cylinder written through instance 1 shows its new inspection date on instance 2 after {(seen == TimeSpan.MaxValue ? "more than 2 s" : $"{seen.TotalMilliseconds:0} ms")}"));

        // 5. Exactly-once routing by two workers: 300 complaints through the proxy, each routed once.
        var keys = new List<string>();
        var users = new List<string>();
        for (var u = 0; u < 60; u++)
        {
            var l = await http.PostAsJsonAsync(proxy + "/api/mp/login", new { code = $"user{run}{u}" });
            users.Add((await l.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
        }
        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var k = $"scale-route-{run}-{i}";
            using var request = new HttpRequestMessage(HttpMethod.Post, proxy + "/api/mp/complaints")
            {
                Content = JsonContent.Create(new { category = "black_gas", description = $"扩容验证分派{i}：无证流动车辆售气", districtCode = "350102", address = "鼓楼区测试路2号" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", users[i % users.Count]);
            request.Headers.Add("Idempotency-Key", k);
            if ((await http.SendAsync(request, ct)).StatusCode == HttpStatusCode.Created) lock (keys) keys.Add(k);
        });
        (long Once, long Twice) routed = (0, 0);
        for (var i = 0; i < 240; i++)
        {
            var counts = (await db.QueryAsync<long>(
                """
                SELECT COUNT(e.id) FROM complaints c LEFT JOIN complaint_events e ON e.complaint_id = c.id AND e.kind = 'routed'
                WHERE c.idempotency_key IN @keys GROUP BY c.id
                """, new { keys })).ToList();
            routed = (counts.Count(n => n == 1), counts.Count(n => n > 1));
            if (routed.Once + routed.Twice >= keys.Count) break;
            await Task.Delay(500);
        }
        results.Add(("exactly-once routing", keys.Count == 300 && routed.Once == 300 && routed.Twice == 0,
            $"{keys.Count} complaints accepted through the proxy; routed once {routed.Once}, more than once {routed.Twice}"));

        // 6. Access-token cache: every instance's WeChat calls shared one token per app.
        await Task.Delay(3000); // the subscribe messages of the complaints above go out from both workers
        var wx = await http.GetFromJsonAsync<Dictionary<string, int>>(wechat + "/__counts") ?? [];
        var tokenRequests = wx.Where(c => c.Key.StartsWith("stable_token:", StringComparison.Ordinal)).ToList();
        var messages = wx.Where(c => c.Key.StartsWith("message:", StringComparison.Ordinal)).Sum(c => c.Value);
        results.Add(("access-token cache", messages > 0 && tokenRequests.All(t => t.Value == 1),
            $"{messages} WeChat messages sent by 4 instances with " + string.Join(", ", tokenRequests.Select(t => $"{t.Value} token request(s) for {t.Key[13..]}"))));

        // 7. Live scan rates (a Redis hash per day, built under a lock and renamed into place: one slot on a cluster).
        var rates = new List<(int Status, string Body)>();
        foreach (var web in webs)
        {
            var response = await http.SendAsync(Bench.Signed(key, HttpMethod.Get, web, "/api/integration/v1/scan-rates/today", []));
            rates.Add(((int)response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        results.Add(("live scan rates", rates.All(r => r.Status == 200) && rates.Select(r => r.Body).Distinct().Count() == 1,
            "today's rates of the key's enterprise from both instances: " + string.Join(", ", rates.Select(r => r.Status)) + (rates.Select(r => r.Body).Distinct().Count() == 1 ? ", the same figures" : ", different figures")));

        // 8. The jobs dashboard (/hangfire) for the city's administrator, through the proxy: its pages read Hangfire's
        // keys with multi-key commands, which must stay in one slot on a cluster.
        if (Arg(args, "admin", "") is { Length: > 0 } admin)
            results.Add(await JobsDashboardAsync(proxy, admin));

        // 9. A late Official Account reply: an instance whose reply budget is spent at once answers WeChat "success",
        // and a worker sends the answer as one customer-service message.
        if (Arg(args, "late-web", "") is { Length: > 0 } lateWeb)
            results.Add(await LateReplyAsync(http, lateWeb, wechat, oaToken, run));

        foreach (var (property, pass, detail) in results) Console.WriteLine($"{(pass ? "PASS" : "FAIL")}  {property}: {detail}");
        var all = results.All(r => r.Pass);
        Console.WriteLine(all ? "RESULT PASS" : "RESULT FAIL");
        return all ? 0 : 1;
    }

    private static async Task<(string, bool, string)> JobsDashboardAsync(string proxy, string admin)
    {
        var (username, password) = (admin[..admin.IndexOf(':', StringComparison.Ordinal)], admin[(admin.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        using var console = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        { BaseAddress = new Uri(proxy), Timeout = TimeSpan.FromSeconds(30) };
        var signIn = await console.PostAsJsonAsync("/api/console/session", new { username, password });
        if (!signIn.IsSuccessStatusCode)
            return ("jobs dashboard", false, $"the administrator's sign-in answered {(int)signIn.StatusCode}: {await signIn.Content.ReadAsStringAsync()}");
        // The initial password must be changed first (as at a real first sign-in).
        var changed = await console.PostAsJsonAsync("/api/console/me/password", new { current = password, next = "Cluster-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) });
        var pages = new List<string>();
        var ok = changed.IsSuccessStatusCode;
        foreach (var (path, expect) in new[] { ("/hangfire", "Hangfire"), ("/hangfire/recurring", "complaint-routing-reconcile"), ("/hangfire/servers", "worker"), ("/hangfire/jobs/succeeded", "Hangfire") })
        {
            var response = await console.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            var good = response.StatusCode == HttpStatusCode.OK && body.Contains(expect, StringComparison.OrdinalIgnoreCase);
            ok &= good;
            pages.Add($"{path} {(int)response.StatusCode}{(good ? "" : " (no \"" + expect + "\")")}");
        }
        return ("jobs dashboard", ok, $"password change {(int)changed.StatusCode}; " + string.Join(", ", pages));
    }

    private static async Task<(string, bool, string)> LateReplyAsync(HttpClient http, string lateWeb, string wechat, string oaToken, string run)
    {
        static async Task<int> CustomMessagesAsync(HttpClient http, string wechat) =>
            (await http.GetFromJsonAsync<Dictionary<string, int>>(wechat + "/__counts") ?? []).GetValueOrDefault("message:custom");
        var before = await CustomMessagesAsync(http, wechat);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var msgId = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);
        var openid = $"oScaleLate{run}";
        var xml = $"<xml><ToUserName><![CDATA[gh_scale]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{ts}</CreateTime>" +
                  $"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[FZ0000000001]]></Content><MsgId>{msgId}</MsgId></xml>";
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var query = $"signature={Signature.Compute(oaToken, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid={openid}";
        var response = await http.PostAsync($"{lateWeb}/wechat/oa?{query}", new StringContent(xml, Encoding.UTF8, "text/xml"));
        var answer = await response.Content.ReadAsStringAsync();
        var sent = 0;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            sent = await CustomMessagesAsync(http, wechat) - before;
            if (sent > 0) break;
            await Task.Delay(250);
        }
        var after = waited.Elapsed;
        await Task.Delay(3000); // a second send would show by now
        sent = await CustomMessagesAsync(http, wechat) - before;
        return ("late reply", response.StatusCode == HttpStatusCode.OK && answer == "success" && sent == 1,
            $"the push answered {(int)response.StatusCode} \"{(answer.Length > 40 ? answer[..40] + "…" : answer)}\"; customer-service messages sent: {sent} (the first after {after.TotalSeconds:0.0} s)");
    }
}
