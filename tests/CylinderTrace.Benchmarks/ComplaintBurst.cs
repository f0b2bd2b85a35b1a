using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using MySqlConnector;
using StackExchange.Redis;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// Submits N complaints in a burst through the Mini Program API of a running host and measures how
/// long until every one of them is routed, and that each was routed exactly once. Users and their
/// sessions are made directly (mp_users rows and session keys in the host's format), so no WeChat
/// login is needed. Settings from the environment as the host reads them (Database__ConnectionString,
/// Redis__Configuration, Redis__KeyPrefix).
/// </summary>
public static class ComplaintBurst
{
    private static readonly string[] Categories =
        ["worker_mismatch", "black_gas", "illegal_storage", "gas_quality", "damaged_cylinder", "restaurant_hazard", "unsafe_transport", "service"];
    private static readonly string[] Districts = ["350102", "350103", "350104", "350105", "350111", "350112", "350121", "350122", "350123", "350124", "350125", "350128", "350181"];

    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var url = Arg("url", "http://127.0.0.1:5090");
        var count = int.Parse(Arg("count", "10000"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Arg("concurrency", "32"), CultureInfo.InvariantCulture);
        var cs = Environment.GetEnvironmentVariable("Database__ConnectionString")!;
        var prefix = Environment.GetEnvironmentVariable("Redis__KeyPrefix") ?? "ct:";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Environment.GetEnvironmentVariable("Redis__Configuration")!);

        // 200 users with sessions.
        var users = new List<(long Id, string Token)>();
        await using (var conn = new MySqlConnection(cs))
        {
            await conn.OpenAsync();
            for (var u = 0; u < 200; u++)
            {
                var openId = $"oBurst{Environment.ProcessId}_{u}";
                var id = await conn.ExecuteScalarAsync<long>(
                    "INSERT INTO mp_users (openid) VALUES (@openId) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id); SELECT LAST_INSERT_ID();", new { openId });
                var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                var key = prefix + "mp:session:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
                await redis.GetDatabase().StringSetAsync(key, $"{id}:{openId}", TimeSpan.FromHours(2));
                users.Add((id, token));
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        long created = 0, failed = 0;
        var started = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var (_, token) = users[i % users.Count];
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/mp/complaints")
            {
                Content = JsonContent.Create(new
                {
                    category = Categories[i % Categories.Length],
                    description = $"压测投诉第{i}件：现场情况说明",
                    districtCode = Districts[i % Districts.Length],
                    address = "测试地址",
                }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var response = await http.SendAsync(request, ct);
            if ((int)response.StatusCode == 201) Interlocked.Increment(ref created);
            else if (Interlocked.Increment(ref failed) <= 3) Console.Error.WriteLine($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        });
        var submitted = started.Elapsed.TotalSeconds;

        var ids = users.Select(u => u.Id).ToArray();
        await using var db = new MySqlConnection(cs);
        await db.OpenAsync();
        long routed = 0;
        while (started.Elapsed < TimeSpan.FromMinutes(15))
        {
            routed = await db.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM complaint_routing r JOIN complaints c ON c.id = r.complaint_id WHERE c.user_id IN @ids AND r.status = 'done'", new { ids });
            if (routed >= created) break;
            await Task.Delay(250);
        }
        var allRouted = started.Elapsed.TotalSeconds;
        var twice = await db.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM (SELECT e.complaint_id FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id WHERE c.user_id IN @ids AND e.kind = 'routed' GROUP BY e.complaint_id HAVING COUNT(*) > 1) x",
            new { ids });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"submitted={created} failed={failed} submit_seconds={submitted:F1} submit_rps={created / submitted:F0} routed={routed} all_routed_seconds={allRouted:F1} routed_per_second={routed / allRouted:F0} routed_twice={twice}"));
        return routed >= created && twice == 0 && failed == 0 ? 0 : 1;
    }
}
