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
/// Mixed traffic against a running host on the `fuzhou` data (ops/load-mixed.sh): card lookups, encrypted
/// Official Account scans, complaints, restaurants' receiving scans, fill checks and integration fill
/// batches, all at once. First every kind closed-loop together (the peak of the mix), then each kind paced
/// at 80% of its own rate in that peak, for the stated time. Reports per kind: requests/s, p50, p99, errors.
///   mixed-load --url URL --keys KEYS.tsv --codes CODES [--peak-seconds 20] [--seconds 60]
/// </summary>
public static class MixedLoad
{
    private static string Arg(string[] args, string name, string fallback) => Bench.Arg(args, name, fallback);

    public static async Task<int> RunAsync(string[] args)
    {
        var url = Arg(args, "url", "http://127.0.0.1:5080");
        var peakSeconds = int.Parse(Arg(args, "peak-seconds", "20"), CultureInfo.InvariantCulture);
        var seconds = int.Parse(Arg(args, "seconds", "60"), CultureInfo.InvariantCulture);
        var codes = File.ReadAllLines(Arg(args, "codes", ".local/bench/warm-codes.txt")).Where(l => l.Length > 0).ToArray();
        var key = Bench.Keys(Arg(args, "keys", ".local/load/keys.tsv"))[0];
        var licence = key.Licence;
        var cs = Environment.GetEnvironmentVariable("Database__ConnectionString")!;
        var crypto = new MessageCrypto(Environment.GetEnvironmentVariable("OfficialAccount__EncodingAesKey")!, Environment.GetEnvironmentVariable("OfficialAccount__AppId")!);
        var oaToken = Environment.GetEnvironmentVariable("OfficialAccount__Token")!;
        var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

        await using var conn = new MySqlConnection(cs);
        await conn.OpenAsync();
        var users = await BenchUsers.CreateAsync(conn, $"oMixed{run}_", 200);
        var scans = await BenchUsers.RestaurantDeliveriesAsync(conn, $"oMixedR{run}_", 500, 150_000, $"MIXED-{run}");
        var own = (await conn.QueryAsync<string>(
            "SELECT c.code FROM cylinders c JOIN enterprises e ON e.id = c.owner_id WHERE e.licence_number = @licence AND c.status = 'in_service' AND c.detained = 0 LIMIT 2000",
            new { licence })).ToArray();
        Console.Error.WriteLine($"prepared {users.Count} users, {scans.Count} deliveries to scan, {own.Length} cylinders of {licence} to fill");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        { Timeout = TimeSpan.FromSeconds(30) };
        long sequence = 0;
        HttpRequestMessage Signed(string path, byte[] body) => Bench.Signed(key, HttpMethod.Post, url, path, body);
        async Task<bool> Ok(HttpRequestMessage request, HttpStatusCode expected = HttpStatusCode.OK)
        {
            using (request)
            using (var response = await http.SendAsync(request))
            {
                await response.Content.ReadAsByteArrayAsync();
                return response.StatusCode == expected;
            }
        }

        var kinds = new (string Name, int Workers, Func<Task<bool>> Send)[]
        {
            ("card", 12, () => Ok(new HttpRequestMessage(HttpMethod.Get, $"{url}/api/cylinders/{codes[Random.Shared.Next(codes.Length)]}/card"))),
            ("oa-scan", 8, () =>
            {
                var n = Interlocked.Increment(ref sequence);
                var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                var xml = $"<xml><ToUserName><![CDATA[gh_load]]></ToUserName><FromUserName><![CDATA[oMixed{run}_{n}]]></FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[SCAN_CYLINDER]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[{codes[Random.Shared.Next(codes.Length)]}]]></ScanResult></ScanCodeInfo></xml>";
                var encrypt = crypto.Encrypt(xml);
                var nonce = n.ToString(CultureInfo.InvariantCulture);
                var query = $"?signature={Signature.Compute(oaToken, now, nonce)}&timestamp={now}&nonce={nonce}&openid=oMixed&encrypt_type=aes&msg_signature={Signature.Compute(oaToken, now, nonce, encrypt)}";
                return Ok(new HttpRequestMessage(HttpMethod.Post, url + "/wechat/oa" + query)
                {
                    Content = new StringContent($"<xml><ToUserName><![CDATA[gh_load]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", Encoding.UTF8, "text/xml"),
                });
            }),
            ("complaint", 4, () =>
            {
                var n = Interlocked.Increment(ref sequence);
                var request = new HttpRequestMessage(HttpMethod.Post, url + "/api/mp/complaints")
                {
                    Content = JsonContent.Create(new { category = "service", description = $"混合压测投诉{n}：送气工多收费", districtCode = "350102", address = "鼓楼区测试路1号" }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", users[(int)(n % users.Count)].Token);
                request.Headers.Add("Idempotency-Key", $"mixed-{run}-{n}");
                return Ok(request, HttpStatusCode.Created);
            }),
            ("receiving-scan", 4, () =>
            {
                if (!scans.TryDequeue(out var s)) return Task.FromResult(false);
                var request = new HttpRequestMessage(HttpMethod.Post, url + "/api/mp/commercial/scans") { Content = JsonContent.Create(new { customerId = s.Customer, codes = new[] { s.Code } }) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", s.Token);
                return Ok(request);
            }),
            ("fill-check", 8, () => Ok(Signed("/api/integration/v1/fill-checks", Encoding.UTF8.GetBytes($"{{\"cylinderCode\":\"{codes[Random.Shared.Next(codes.Length)]}\"}}")))),
            ("fill-batch", 2, () =>
            {
                var n = Interlocked.Increment(ref sequence);
                var records = Enumerable.Range(0, 100).Select(i => new { eventId = $"MIXED-{run}-{n}-{i}", cylinderCode = own[Random.Shared.Next(own.Length)], filledAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
                return Ok(Signed("/api/integration/v1/fills", JsonSerializer.SerializeToUtf8Bytes(new { records }, JsonSerializerOptions.Web)));
            }),
        };

        static double Field(string line, string name) =>
            double.Parse(line.Split(' ').First(x => x.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);

        Console.WriteLine($"peak of the mix ({peakSeconds} s, every kind closed loop at once):");
        var peak = await Task.WhenAll(kinds.Select(k => LoadLoop.RunAsync(k.Workers, peakSeconds, 0, k.Send)));
        for (var i = 0; i < kinds.Length; i++) Console.WriteLine($"  {kinds[i].Name,-15} {peak[i]}");
        Console.WriteLine($"80% of each kind's peak, paced, {seconds} s:");
        var paced = await Task.WhenAll(kinds.Select((k, i) => LoadLoop.RunAsync(k.Workers, seconds, Math.Max(1, Field(peak[i], "rps") * 0.8), k.Send)));
        var errors = 0.0;
        for (var i = 0; i < kinds.Length; i++)
        {
            Console.WriteLine($"  {kinds[i].Name,-15} {paced[i]}");
            errors += Field(paced[i], "errors");
        }
        Console.WriteLine($"total at 80%: {paced.Sum(p => Field(p, "rps")):F0} req/s, errors {errors}");
        Console.WriteLine(errors == 0 ? "RESULT PASS" : "RESULT FAIL");
        return errors == 0 ? 0 : 1;
    }
}

/// <summary>Mini Program users with sessions (rows as the host writes them), and restaurants with deliveries to scan, for the load generators.</summary>
public static class BenchUsers
{
    public static async Task<List<(long Id, string Token)>> CreateAsync(MySqlConnection conn, string openIdPrefix, int count)
    {
        var users = new List<(long, string)>();
        for (var u = 0; u < count; u++)
        {
            var openId = openIdPrefix + u.ToString(CultureInfo.InvariantCulture);
            var id = await UserAsync(conn, openId);
            users.Add((id, await SessionAsync(conn, id, openId)));
        }
        return users;
    }

    private static Task<long> UserAsync(MySqlConnection conn, string openId) => conn.ExecuteScalarAsync<long>(
        "INSERT INTO mp_users (openid) VALUES (@openId) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id); SELECT LAST_INSERT_ID();", new { openId });

    private static async Task<string> SessionAsync(MySqlConnection conn, long userId, string openId)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await conn.ExecuteAsync(
            "INSERT INTO mp_sessions (token_hash, user_id, openid, created_at, expires_at) VALUES (@hash, @userId, @openId, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 2 HOUR)",
            new { hash = SHA256.HashData(Encoding.UTF8.GetBytes(token)), userId, openId });
        return token;
    }

    /// <summary>
    /// Restaurants, each with an owner and a session, and deliveries of safe cylinders to them made half an
    /// hour ago (inserted directly: set-up, not measured): one queue entry per delivery to scan.
    /// </summary>
    public static async Task<ConcurrentQueue<(string Token, long Customer, string Code)>> RestaurantDeliveriesAsync(MySqlConnection conn, string openIdPrefix,
        int restaurants, int deliveries, string eventPrefix)
    {
        var customers = (await conn.QueryAsync<(long Id, int Station)>(
            "SELECT id, supply_station_id FROM customers WHERE kind = 'commercial' ORDER BY id LIMIT @restaurants", new { restaurants })).ToList();
        var members = new List<string>();
        foreach (var (id, _) in customers)
        {
            var openId = openIdPrefix + id.ToString(CultureInfo.InvariantCulture);
            var user = await UserAsync(conn, openId);
            await conn.ExecuteAsync(
                "INSERT INTO commercial_members (customer_id, user_id, role, joined_at) VALUES (@id, @user, 'owner', NOW(3)) ON DUPLICATE KEY UPDATE removed_at = NULL",
                new { id, user });
            members.Add(await SessionAsync(conn, user, openId));
        }
        var cylinders = (await conn.QueryAsync<(long Id, string Code)>(
            """
            SELECT id, code FROM cylinders WHERE status = 'in_service' AND detained = 0 AND next_inspection_date > CURDATE() + INTERVAL 30 DAY
              AND scrap_date > CURDATE() + INTERVAL 30 DAY ORDER BY RAND(@seed) LIMIT @deliveries
            """, new { deliveries, seed = Environment.TickCount })).ToList();
        var at = DateTime.UtcNow.AddMinutes(-30);
        var queue = new ConcurrentQueue<(string, long, string)>();
        for (var start = 0; start < cylinders.Count; start += 1000)
        {
            var chunk = cylinders.Skip(start).Take(1000).ToList();
            var sql = new StringBuilder("INSERT INTO deliveries (delivered_at, cylinder_id, supply_station_id, worker_id, customer_id, external_event_id) VALUES ");
            var p = new DynamicParameters();
            p.Add("at", at);
            for (var i = 0; i < chunk.Count; i++)
            {
                var (customer, station) = customers[(start + i) % customers.Count];
                if (i > 0) sql.Append(',');
                sql.Append(CultureInfo.InvariantCulture, $"(@at, @c{i}, @s{i}, NULL, @u{i}, @e{i})");
                p.Add("c" + i, chunk[i].Id); p.Add("s" + i, station); p.Add("u" + i, customer); p.Add("e" + i, $"{eventPrefix}-{start + i}");
                queue.Enqueue((members[(start + i) % members.Count], customer, chunk[i].Code));
            }
            await conn.ExecuteAsync(sql.ToString(), p);
        }
        return queue;
    }
}
