using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// Load for the enterprise integration API, signed as docs/INTEGRATION.md says (an independent
/// implementation of the client side: the host's own code is not used).
///   ingest      a day of Fuzhou's fills and deliveries (or more), from every filling enterprise's key,
///               in batches, several at once; reports events/s into MariaDB. Every fill is judged by the filling
///               interlock: with --checks yes (default) each fill carries the check id its line got from a real fill
///               check just before (not timed), as an interlocked line sends them, so only fills the rules forbid are
///               violations; --checks no sends none, the worst case (every fill a violation: no_check)
///   fill-check  signed fill checks for random cylinders, closed loop or paced; reports req/s and latency
/// Keys: a TSV "licence, key id, secret" (integration-key create --licence … --tsv).
/// </summary>
public static class IntegrationLoad
{
    private static string Arg(string[] args, string name, string fallback) => Bench.Arg(args, name, fallback);

    private static HttpRequestMessage Signed(IntegrationKey key, string url, string path, byte[] body) => Bench.Signed(key, HttpMethod.Post, url, path, body);

    private static HttpClient Client(int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(connections, 16), UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        { Timeout = TimeSpan.FromSeconds(120) };

    private sealed record Family(IntegrationKey Key, int OwnerId, List<string> Cylinders, List<(string Licence, List<string> Customers, List<string> Workers)> Stations);

    public static async Task<int> IngestAsync(string[] args)
    {
        var url = Arg(args, "url", "http://127.0.0.1:5090");
        var keys = Bench.Keys(Arg(args, "keys", ".local/bench/integration-keys.tsv"));
        var events = int.Parse(Arg(args, "events", "65000"), CultureInfo.InvariantCulture);
        var batchSize = int.Parse(Arg(args, "batch", "5000"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Arg(args, "concurrency", "4"), CultureInfo.InvariantCulture);
        var connection = Arg(args, "db", Environment.GetEnvironmentVariable("Database__ConnectionString") ?? "");
        var withChecks = Arg(args, "checks", "yes") != "no";
        var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

        // What each enterprise may send about: its cylinders, its stations' customers and workers.
        var families = new List<Family>();
        await using (var conn = new MySqlConnection(connection))
        {
            await conn.OpenAsync();
            foreach (var key in keys)
            {
                var owner = await conn.ExecuteScalarAsync<int>("SELECT id FROM enterprises WHERE licence_number = @l", new { l = key.Licence });
                var cylinders = (await conn.QueryAsync<string>("SELECT code FROM cylinders WHERE owner_id = @owner AND status = 'in_service' LIMIT 20000", new { owner })).ToList();
                var stations = new List<(string, List<string>, List<string>)>();
                foreach (var (id, licence) in await conn.QueryAsync<(int, string)>("SELECT id, licence_number FROM enterprises WHERE parent_id = @owner", new { owner }))
                {
                    var customers = (await conn.QueryAsync<string>("SELECT external_id FROM customers WHERE supply_station_id = @id AND external_id IS NOT NULL LIMIT 2000", new { id })).ToList();
                    var workers = (await conn.QueryAsync<string>("SELECT employee_number FROM delivery_workers WHERE enterprise_id = @id", new { id })).ToList();
                    if (customers.Count > 0) stations.Add((licence, customers, workers));
                }
                if (cylinders.Count > 0 && stations.Count > 0) families.Add(new Family(key, owner, cylinders, stations));
            }
        }

        // Half fills, half deliveries, spread over the enterprises by their fleet size, in batches of one kind and one key.
        var fleet = families.Sum(f => f.Cylinders.Count);
        var batches = new List<(IntegrationKey Key, string Path, byte[] Body, int Count)>();
        var rng = new Random(20261129);
        var now = DateTimeOffset.UtcNow;
        var planned = families.Select(f => (Family: f, Share: (int)Math.Round(events / 2.0 * f.Cylinders.Count / fleet))).ToList();
        var fillCodes = planned.ToDictionary(p => p.Family.OwnerId, p => Enumerable.Range(0, p.Share).Select(_ => p.Family.Cylinders[rng.Next(p.Family.Cylinders.Count)]).ToArray());
        // The check id each fill's line got (not timed): genuine, for this cylinder and station, minutes before the fill.
        var checkIds = new Dictionary<int, string?[]>();
        if (withChecks)
        {
            using var checker = Client(32);
            var setup = Stopwatch.StartNew();
            foreach (var (f, share) in planned)
            {
                var ids = new string?[share];
                var next = -1;
                await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
                {
                    for (var i = Interlocked.Increment(ref next); i < share; i = Interlocked.Increment(ref next))
                    {
                        using var response = await checker.SendAsync(Signed(f.Key, url, "/api/integration/v1/fill-checks",
                            Encoding.UTF8.GetBytes($"{{\"cylinderCode\":\"{fillCodes[f.OwnerId][i]}\"}}")));
                        if (response.IsSuccessStatusCode) ids[i] = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checkId").GetString();
                    }
                })));
                checkIds[f.OwnerId] = ids;
            }
            Console.Error.WriteLine($"fill checks for {planned.Sum(p => p.Share)} fills in {setup.Elapsed.TotalSeconds:F1} s (setup, not timed)");
            now = DateTimeOffset.UtcNow;
        }
        foreach (var (f, share) in planned)
        {
            var fills = Enumerable.Range(0, share).Select(i => (object)new
            {
                eventId = $"bf-{run}-{f.OwnerId}-{i}", cylinderCode = fillCodes[f.OwnerId][i],
                // With checks, filled in the minute after them; without, any time in the last day.
                filledAt = withChecks ? now.AddSeconds(rng.Next(0, 60)) : now.AddSeconds(-rng.Next(1, 86_000)),
                netWeightKg = 14.5, checkId = withChecks ? checkIds[f.OwnerId][i] : null,
            }).ToList();
            var deliveries = Enumerable.Range(0, share).Select(i =>
            {
                var s = f.Stations[rng.Next(f.Stations.Count)];
                return (object)new
                {
                    eventId = $"bd-{run}-{f.OwnerId}-{i}", cylinderCode = f.Cylinders[rng.Next(f.Cylinders.Count)], deliveredAt = now.AddSeconds(-rng.Next(1, 86_000)),
                    station = s.Licence, customerId = s.Customers[rng.Next(s.Customers.Count)],
                    workerEmployeeNumber = s.Workers.Count == 0 ? null : s.Workers[rng.Next(s.Workers.Count)],
                };
            }).ToList();
            foreach (var (path, records) in new[] { ("/api/integration/v1/fills", fills), ("/api/integration/v1/deliveries", deliveries) })
                foreach (var chunk in records.Chunk(batchSize))
                    batches.Add((f.Key, path, JsonSerializer.SerializeToUtf8Bytes(new { records = chunk }, JsonSerializerOptions.Web), chunk.Length));
        }
        // Interleave enterprises, as their systems would send at the same time.
        batches = batches.OrderBy(_ => rng.Next()).ToList();

        using var http = Client(concurrency);
        long stored = 0, rejected = 0, failed = 0, violations = 0;
        var queue = new System.Collections.Concurrent.ConcurrentQueue<(IntegrationKey, string, byte[], int)>(batches);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var b))
            {
                using var response = await http.SendAsync(Signed(b.Item1, url, b.Item2, b.Item3));
                var text = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref failed); Console.Error.WriteLine($"{(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}"); continue; }
                var result = JsonDocument.Parse(text).RootElement;
                Interlocked.Add(ref stored, result.GetProperty("stored").GetInt32());
                Interlocked.Add(ref rejected, result.GetProperty("rejected").GetArrayLength());
                if (result.TryGetProperty("violations", out var v)) Interlocked.Add(ref violations, v.GetArrayLength());
            }
        })));
        var seconds = watch.Elapsed.TotalSeconds;
        var sent = batches.Sum(b => b.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"enterprises={families.Count} batches={batches.Count} events={sent} stored={stored} rejected={rejected} violations={violations} checks={(withChecks ? "yes" : "no")} failed_batches={failed} seconds={seconds:F2} events_per_s={sent / seconds:F0}"));
        return failed == 0 && stored == sent ? 0 : 1;
    }

    public static async Task<int> FillCheckAsync(string[] args)
    {
        var url = Arg(args, "url", "http://127.0.0.1:5090");
        var keys = Bench.Keys(Arg(args, "keys", ".local/bench/integration-keys.tsv"));
        var codes = File.ReadAllLines(Arg(args, "codes", ".local/bench/warm-codes.txt")).Where(l => l.Length > 0).ToArray();
        var seconds = int.Parse(Arg(args, "seconds", "20"), CultureInfo.InvariantCulture);
        var workers = int.Parse(Arg(args, "concurrency", "64"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Arg(args, "rate", "0"), CultureInfo.InvariantCulture);
        var key = keys[0];
        using var http = Client(workers);
        if (Arg(args, "save-one", "") is { Length: > 0 } saveTo)
        {
            using var one = await http.SendAsync(Signed(key, url, "/api/integration/v1/fill-checks", Encoding.UTF8.GetBytes($"{{\"cylinderCode\":\"{codes[0]}\"}}")));
            var text = await one.Content.ReadAsStringAsync();
            if (!one.IsSuccessStatusCode) { Console.Error.WriteLine($"{(int)one.StatusCode} {text}"); return 1; }
            await File.WriteAllTextAsync(saveTo, text);
            return 0;
        }
        Console.WriteLine(await LoadLoop.RunAsync(workers, seconds, rate, async () =>
        {
            var body = Encoding.UTF8.GetBytes($"{{\"cylinderCode\":\"{codes[Random.Shared.Next(codes.Length)]}\"}}");
            using var response = await http.SendAsync(Signed(key, url, "/api/integration/v1/fill-checks", body));
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode && text.Contains("\"allowed\"", StringComparison.Ordinal);
        }));
        return 0;
    }
}
