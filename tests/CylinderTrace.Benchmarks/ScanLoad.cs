using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using MySqlConnector;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// Load for issue 8 against a running host on the `fuzhou` data.
///   scans       receiving scans through POST /api/mp/commercial/scans: N restaurants get a Mini Program
///               member each (rows and a session in the host's format, as ComplaintBurst does) and
///               deliveries of safe cylinders made half an hour ago (inserted directly: set-up, not
///               measured); each request scans one delivered cylinder once, so every scan is a
///               first, matched scan that writes the scan, answers its delivery and counts live.
///               A closed-loop peak, then a run paced at 80% of it; reports scans/s, latency and outcomes.
///   live-rates  signed GET /api/integration/v1/scan-rates/today of random stations (keys TSV),
///               closed loop for the peak, or paced with --rate.
/// </summary>
public static class ScanLoad
{
    private static string Arg(string[] args, string name, string fallback) => Bench.Arg(args, name, fallback);

    private static HttpClient Client(int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(connections, 16), UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        { Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<int> ScansAsync(string[] args)
    {
        var url = Arg(args, "url", "http://127.0.0.1:5090");
        var restaurants = int.Parse(Arg(args, "restaurants", "2000"), CultureInfo.InvariantCulture);
        var seconds = int.Parse(Arg(args, "seconds", "20"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Arg(args, "concurrency", "32"), CultureInfo.InvariantCulture);
        var cs = Environment.GetEnvironmentVariable("Database__ConnectionString")!;
        var run = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);

        var needed = int.Parse(Arg(args, "deliveries", "120000"), CultureInfo.InvariantCulture);
        await using var conn = new MySqlConnection(cs);
        await conn.OpenAsync();
        var pairs = await BenchUsers.RestaurantDeliveriesAsync(conn, "oBenchScan_", restaurants, needed, $"BENCH-SCAN-{run}");
        Console.Error.WriteLine($"prepared {restaurants} restaurants and {pairs.Count} deliveries to scan");
        if (pairs.IsEmpty) { Console.Error.WriteLine("nothing to scan: is the fuzhou preset loaded?"); return 1; }

        using var http = Client(concurrency);
        var outcomes = new ConcurrentDictionary<string, int>();
        async Task<bool> ScanOnceAsync()
        {
            if (!pairs.TryDequeue(out var pair)) return false;
            using var request = new HttpRequestMessage(HttpMethod.Post, url + "/api/mp/commercial/scans")
            {
                Content = JsonContent.Create(new { customerId = pair.Customer, codes = new[] { pair.Code } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", pair.Token);
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK) { Console.Error.WriteLine($"{(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}"); return false; }
            var outcome = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("results")[0].GetProperty("outcome").GetString() ?? "?";
            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            return outcome == "matched";
        }

        // A short warm-up (JIT, pools), then the peak, then 80% of it paced.
        Console.WriteLine("warmup " + await LoadLoop.RunAsync(concurrency, 3, 0, ScanOnceAsync));
        var peak = await LoadLoop.RunAsync(concurrency, seconds, 0, ScanOnceAsync);
        Console.WriteLine("peak " + peak);
        var rps = double.Parse(peak.Split(' ').First(x => x.StartsWith("rps=", StringComparison.Ordinal))[4..], CultureInfo.InvariantCulture);
        Console.WriteLine("at80 " + await LoadLoop.RunAsync(concurrency, seconds, rps * 0.8, ScanOnceAsync));
        Console.WriteLine("outcomes " + string.Join(' ', outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}={o.Value}")) + $" left={pairs.Count}");
        return 0;
    }

    public static async Task<int> LiveRatesAsync(string[] args)
    {
        var url = Arg(args, "url", "http://127.0.0.1:5090");
        var seconds = int.Parse(Arg(args, "seconds", "20"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Arg(args, "concurrency", "32"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Arg(args, "rate", "0"), CultureInfo.InvariantCulture);
        var keys = Bench.Keys(Arg(args, "keys", ".local/bench/station-keys.tsv"));
        using var http = Client(concurrency);
        async Task<bool> ReadOnceAsync()
        {
            using var request = Bench.Signed(keys[Random.Shared.Next(keys.Count)], HttpMethod.Get, url, "/api/integration/v1/scan-rates/today");
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return response.StatusCode == HttpStatusCode.OK;
        }
        Console.WriteLine(await LoadLoop.RunAsync(concurrency, seconds, rate, ReadOnceAsync));
        return 0;
    }
}
