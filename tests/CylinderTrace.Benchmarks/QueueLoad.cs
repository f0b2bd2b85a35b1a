using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using MySqlConnector;

namespace CylinderTrace.Benchmarks;

/// <summary>
/// The console's queue under a city's worth of complaints (issue 19): `queue-seed` writes N complaints spread over the
/// last D days (MySqlBulkCopy, then set-based routing and handling rows): most closed with a reply, the last days' still
/// open, a third of them in one district's gas authority (gas-350102, the agency measured), the text made of Chinese
/// phrases a hotline hears. `queue-load` signs in a member and requests each page of a list many times, one at a time
/// (a person's clicks), printing p50/p95/p99 per page. Settings: Database__ConnectionString.
/// </summary>
public static class QueueLoad
{
    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static readonly string[] Categories =
        ["worker_mismatch", "black_gas", "illegal_storage", "gas_quality", "damaged_cylinder", "restaurant_hazard", "unsafe_transport", "service", "cylinder_overdue"];
    private static readonly string[] Districts = ["350102", "350103", "350104", "350105", "350111", "350112", "350121", "350122", "350123", "350124", "350125", "350128", "350181"];
    private static readonly string[] Who = ["送气工", "送气站", "楼下饭店", "隔壁小吃店", "小区门口的面包车", "换气点", "液化气店老板", "物业"];
    private static readonly string[] What =
    [
        "多收了二十元上楼费", "送来的气瓶没有二维码", "气瓶过了检验日期还在用", "说话态度很差", "把气瓶放在人行道上", "在居民楼里存放十几个气瓶",
        "瓶阀有漏气的声音", "缺斤短两，一瓶气用不到半个月", "拒绝送气上门", "用三轮车运输气瓶没有固定", "厨房里闻到液化气味道", "气瓶外观锈蚀严重",
    ];
    private static readonly string[] Where = ["鼓楼区杨桥中路", "台江区五一中路", "仓山区首山路", "晋安区福新路", "马尾区罗星路", "长乐区吴航路", "闽侯县上街镇", "连江县凤城镇"];
    private static readonly string[] Replies =
    [
        "经核实，送气站已退还多收的费用，并在门店公示收费标准。", "已责令经营者停止违规存放，并清理现场气瓶。", "已通知供气站上门更换减压阀和胶管。",
        "经现场检查，未发现所反映的问题。", "已立案查处，依法予以处罚。", "已约谈企业负责人，责令限期整改。",
    ];

    public static async Task<int> SeedAsync(string[] args)
    {
        var count = int.Parse(Arg(args, "count", "100000"), CultureInfo.InvariantCulture);
        var days = int.Parse(Arg(args, "days", "365"), CultureInfo.InvariantCulture);
        var connectionString = Environment.GetEnvironmentVariable("Database__ConnectionString") ?? throw new InvalidOperationException("Database__ConnectionString is not set");
        var random = new Random(19);
        var watch = Stopwatch.StartNew();
        await using var conn = new MySqlConnection(connectionString);
        await conn.OpenAsync();
        async Task<long> Scalar(string sql) { await using var cmd = new MySqlCommand(sql, conn); return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture); }
        async Task Exec(string sql) { await using var cmd = new MySqlCommand(sql, conn) { CommandTimeout = 600 }; await cmd.ExecuteNonQueryAsync(); }
        await Exec("INSERT IGNORE INTO mp_users (openid) VALUES ('bench-queue')");
        var userId = await Scalar("SELECT id FROM mp_users WHERE openid = 'bench-queue'");
        var agencies = new Dictionary<string, int>();
        await using (var cmd = new MySqlCommand("SELECT code, id FROM agencies", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) agencies[reader.GetString(0)] = reader.GetInt32(1);
        var start = await Scalar("SELECT COALESCE(MAX(id), 0) FROM complaints");

        var table = new DataTable();
        foreach (var (name, type) in new (string, Type)[]
                 {
                     ("number", typeof(string)), ("user_id", typeof(long)), ("idempotency_key", typeof(string)), ("request_hash", typeof(string)),
                     ("category", typeof(string)), ("description", typeof(string)), ("district_code", typeof(string)), ("address", typeof(string)),
                     ("contact_phone_masked", typeof(string)), ("status", typeof(string)), ("agency_id", typeof(int)), ("public_reply", typeof(string)),
                     ("rating", typeof(int)), ("created_at", typeof(DateTime)), ("updated_at", typeof(DateTime)),
                 })
            table.Columns.Add(name, type).AllowDBNull = true;
        var now = DateTime.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var created = now.AddMinutes(-random.NextDouble() * days * 1440);
            var district = random.NextDouble() < 0.33 ? "350102" : Districts[random.Next(Districts.Length)];
            var category = Categories[random.Next(Categories.Length)];
            var agency = category is "gas_quality" or "damaged_cylinder" && random.NextDouble() < 0.5 ? $"market-{district}" : $"gas-{district}";
            var age = (now - created).TotalDays;
            var status = age < 4 ? (random.Next(3) switch { 0 => "routed", 1 => "in_progress", _ => "waiting_info" })
                : random.NextDouble() switch { < 0.85 => "resolved", < 0.92 => "rejected", < 0.96 => "duplicate", _ => "withdrawn" };
            var description = $"{Who[random.Next(Who.Length)]}{What[random.Next(What.Length)]}，{What[random.Next(What.Length)]}，请有关部门处理。";
            var day = created.AddHours(8);
            table.Rows.Add($"TB{day:yyMMdd}-{start + i + 1:D8}", userId, $"bench-queue-{start + i + 1}", new string('0', 64), category, description, district,
                $"{Where[random.Next(Where.Length)]}{random.Next(1, 300)}号", "139****" + random.Next(1000, 9999).ToString(CultureInfo.InvariantCulture), status,
                agencies.GetValueOrDefault(agency, agencies[$"gas-{district}"]), status is "resolved" or "rejected" ? Replies[random.Next(Replies.Length)] : null,
                status == "resolved" && random.NextDouble() < 0.6 ? random.Next(1, 6) : null, created, created.AddHours(random.Next(1, 96)));
        }
        var bulk = new MySqlBulkCopy(conn) { DestinationTableName = "complaints", BulkCopyTimeout = 600 };
        for (var c = 0; c < table.Columns.Count; c++) bulk.ColumnMappings.Add(new MySqlBulkCopyColumnMapping(c, table.Columns[c].ColumnName));
        await bulk.WriteToServerAsync(table);
        await Exec($"""
            INSERT INTO complaint_routing (complaint_id, status, district_code, routed_at, due_at, created_at, updated_at)
            SELECT id, 'routed', district_code, created_at, created_at + INTERVAL 72 HOUR, created_at, created_at FROM complaints WHERE id > {start}
            """);
        await Exec($"""
            INSERT INTO complaint_handling (complaint_id, outcome, closed_at)
            SELECT id, CASE WHEN status = 'resolved' THEN 'substantiated' WHEN status = 'rejected' THEN 'not_responsible' END,
                   CASE WHEN status IN ('resolved', 'rejected', 'duplicate') THEN updated_at END
            FROM complaints WHERE id > {start}
            """);
        Console.WriteLine($"queue-seed: {count} complaints over {days} days in {watch.Elapsed.TotalSeconds:0.0} s; open now: {await Scalar("SELECT COUNT(*) FROM complaints WHERE status IN ('routed', 'in_progress', 'waiting_info')")}, of gas-350102: {await Scalar($"SELECT COUNT(*) FROM complaints WHERE agency_id = {agencies["gas-350102"]}")}");
        return 0;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var url = Arg(args, "url", "http://127.0.0.1:5093").TrimEnd('/');
        var username = Arg(args, "username", "bench-queue");
        var password = Arg(args, "password", "");
        var repeat = int.Parse(Arg(args, "repeat", "200"), CultureInfo.InvariantCulture);
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(url) };
        var signIn = await http.PostAsJsonAsync("/api/console/session", new { username, password });
        if (signIn.StatusCode != HttpStatusCode.OK) { Console.Error.WriteLine($"sign-in: {(int)signIn.StatusCode} {await signIn.Content.ReadAsStringAsync()}"); return 1; }
        // --save-page FILE: the default queue page's bytes, for the bare endpoint to serve (then stop).
        if (Arg(args, "save-page", "") is { Length: > 0 } pageFile)
        {
            await File.WriteAllBytesAsync(pageFile, await http.GetByteArrayAsync("/console"));
            return 0;
        }
        string[] pages =
        [
            "/console",
            "/console?state=all",
            "/console?state=all&page=100",
            "/console?state=resolved&sort=created&dir=desc",
            "/console?due=24h&sort=due",
            "/console?q=" + Uri.EscapeDataString("上楼费"),
            "/console?q=" + Uri.EscapeDataString("杨桥中路 漏气"),
            "/console?q=" + Uri.EscapeDataString("首山路27号"),
            "/console?q=" + Uri.EscapeDataString("气"),
            "/console?state=all&category=black_gas&district=350102&sort=claimant",
            "/api/console/complaints?state=all&q=" + Uri.EscapeDataString("退还"),
        ];
        // --bare URL: a bare Kestrel endpoint serving the default queue page's bytes (Program.cs `bare --page`), measured the
        // same way first: the floor of one request on this machine at this moment, against which each page is a ratio.
        var bare = Arg(args, "bare", "");
        double? bareP50 = null, bareP95 = null;
        Console.WriteLine($"| page | requests | p50 ms | p95 ms | p99 ms | total (items) |{(bare.Length > 0 ? " p50 / bare | p95 / bare |" : "")}");
        Console.WriteLine($"|---|---|---|---|---|---|{(bare.Length > 0 ? "---|---|" : "")}");
        using var bareHttp = new HttpClient();
        if (bare.Length > 0)
        {
            var (times, _, failed) = await MeasureAsync(bareHttp, bare, repeat);
            if (failed is not null) { Console.Error.WriteLine($"{bare}: {failed}"); return 1; }
            (bareP50, bareP95) = (Percentile(times, 0.50), Percentile(times, 0.95));
            Console.WriteLine($"| bare Kestrel, the default page's bytes | {repeat} | {bareP50:0.0} | {bareP95:0.0} | {Percentile(times, 0.99):0.0} | — | 1 | 1 |");
        }
        foreach (var path in pages)
        {
            var (times, body, failed) = await MeasureAsync(http, path, repeat);
            if (failed is not null) { Console.Error.WriteLine($"{path}: {failed}"); return 1; }
            var total = System.Text.RegularExpressions.Regex.Match(body, "共 <b>(\\d+)</b> 件|\"total\":(\\d+)") is { Success: true } m ? m.Groups[1].Value + m.Groups[2].Value : "?";
            var ratios = bareP50 is { } b50 && bareP95 is { } b95 ? $" {Percentile(times, 0.50) / b50:0.0} | {Percentile(times, 0.95) / b95:0.0} |" : "";
            Console.WriteLine($"| `{Uri.UnescapeDataString(path)}` | {repeat} | {Percentile(times, 0.50):0.0} | {Percentile(times, 0.95):0.0} | {Percentile(times, 0.99):0.0} | {total} |{ratios}");
        }
        return 0;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>Five warm-up requests, then <paramref name="repeat"/> one after another: the sorted times, the last body, or what failed.</summary>
    private static async Task<(List<double> Times, string Body, string? Failed)> MeasureAsync(HttpClient http, string url, int repeat)
    {
        for (var w = 0; w < 5; w++) (await http.GetAsync(url)).EnsureSuccessStatusCode();
        var times = new List<double>(repeat);
        var body = "";
        for (var i = 0; i < repeat; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var response = await http.GetAsync(url);
            body = await response.Content.ReadAsStringAsync();
            times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            if (response.StatusCode != HttpStatusCode.OK) return (times, body, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }
        times.Sort();
        return (times, body, null);
    }
}
