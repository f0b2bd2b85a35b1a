using System.Globalization;
using System.Net;
using System.Text;
using CylinderTrace.Commercial;
using CylinderTrace.Complaints;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Supervision;

/// <summary>The figures of one agency's digest for one period.</summary>
public sealed record DigestFigures(
    int New, int Open, int Overdue, int Closed, double? AverageHandlingHours, double? MedianHandlingHours,
    IReadOnlyList<(string Category, int New, int Closed)> ByCategory,
    IReadOnlyList<(string District, int New)> ByDistrict,
    IReadOnlyList<RateRow> LowestScanRates,
    IReadOnlyList<EnterpriseScore> LowestScores,
    IReadOnlyList<(string Enterprise, string? From, string? To, DateTimeOffset At)> GradeChanges,
    IReadOnlyList<DetentionOrder> OpenDetentions,
    int OverdueDetentions);

/// <summary>
/// Gathers and renders a digest (DESIGN.md §6): for one agency and one period [first, last] (Asia/Shanghai
/// days): its complaints — new in the period, open and overdue now, closed in the period with handling
/// times, new and closed by category, new by district; the lowest restaurant scan rates of the period in
/// its jurisdiction; the lowest enterprise scores and the grade changes of the period; its open and
/// overdue detention orders. Rendered as an HTML page (tables and an SVG chart drawn here, styles in
/// one &lt;style&gt; block, every value HTML-encoded) and as CSV (Platform/Csv).
/// </summary>
public sealed class DigestContent(Db db, ScanRateRollups rollups, EnterpriseScores scores, DetentionOrders detentions, TimeProvider clock)
{
    private static readonly string[] OpenStates = [ComplaintStatus.Routed, ComplaintStatus.InProgress, ComplaintStatus.WaitingInfo];

    public async Task<DigestFigures> GatherAsync(int agencyId, string agencyDistrict, string kind, DateOnly first, DateOnly last, CancellationToken ct)
    {
        var from = ShanghaiTime.StartOfDayUtc(first);
        var to = ShanghaiTime.StartOfDayUtc(last.AddDays(1));
        var now = clock.GetUtcNow().UtcDateTime;
        var districts = agencyDistrict == Districts.City ? null : (IReadOnlyCollection<string>)[agencyDistrict];
        await using var conn = await db.OpenAsync(ct);
        var args = new { agencyId, from, to, now, open = OpenStates };
        var newRows = (await conn.QueryAsync<(string Category, string? District)>(new CommandDefinition(
            "SELECT category, district_code FROM complaints WHERE agency_id = @agencyId AND created_at >= @from AND created_at < @to", args, cancellationToken: ct))).ToList();
        var open = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM complaints WHERE agency_id = @agencyId AND status IN @open", args, cancellationToken: ct));
        var overdue = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            SELECT COUNT(*) FROM complaints c JOIN complaint_routing r ON r.complaint_id = c.id
            WHERE c.agency_id = @agencyId AND c.status IN @open AND r.due_at < @now
            """, args, cancellationToken: ct));
        var closed = (await conn.QueryAsync<(string Category, DateTime Created, DateTime Closed)>(new CommandDefinition(
            """
            SELECT c.category, c.created_at, h.closed_at FROM complaints c JOIN complaint_handling h ON h.complaint_id = c.id
            WHERE c.agency_id = @agencyId AND h.closed_at >= @from AND h.closed_at < @to
            """, args, cancellationToken: ct))).ToList();
        var hours = closed.Select(c => (c.Closed - c.Created).TotalHours).Order().ToList();
        double? median = hours.Count == 0 ? null : hours.Count % 2 == 1 ? hours[hours.Count / 2] : (hours[hours.Count / 2 - 1] + hours[hours.Count / 2]) / 2;
        var categories = newRows.Select(r => r.Category).Concat(closed.Select(c => c.Category)).Distinct().Order(StringComparer.Ordinal)
            .Select(c => (c, newRows.Count(r => r.Category == c), closed.Count(x => x.Category == c))).ToList();
        var byDistrict = newRows.GroupBy(r => r.District ?? "").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count())).ToList();

        var ratePeriod = kind == DigestKinds.Weekly ? RatePeriods.Week : RatePeriods.Day;
        var lowestRates = (await rollups.ListAsync(ratePeriod, first, RateDimensions.Customer, districts, 1, 10, ct)).ToList();
        var lowestScores = (await scores.LatestAsync(EnterpriseScores.Rolling, districts, ct)).Take(10).ToList();
        var changes = (await conn.QueryAsync<(string Name, string? From, string? To, DateTime At)>(new CommandDefinition(
            $"""
            SELECT e.name, g.from_grade, g.to_grade, g.at FROM enterprise_grade_changes g JOIN enterprises e ON e.id = g.enterprise_id
            WHERE g.at >= @from AND g.at < @to {(districts is null ? "" : "AND e.district_code IN @districts")} ORDER BY g.at
            """, new { from, to, districts }, cancellationToken: ct)))
            .Select(g => (g.Name, g.From, g.To, ShanghaiTime.FromUtc(g.At))).ToList();
        var orders = await detentions.ListAsync(agencyId, null, openOnly: true, ct);
        return new DigestFigures(newRows.Count, open, overdue, closed.Count, hours.Count == 0 ? null : Math.Round(hours.Average(), 1),
            median is double m ? Math.Round(m, 1) : null, categories, byDistrict, lowestRates, lowestScores, changes, orders, orders.Count(o => o.Overdue));
    }

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
    private static string N(double? v, string unit = "") => v is double x ? x.ToString("0.#", CultureInfo.InvariantCulture) + unit : "—";
    private static string P(double? v) => v is double x ? (x * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";
    public static string CategoryLabel(string code) => ComplaintCategories.Find(code)?.Label ?? code;
    public static string DistrictLabel(string code) => DistrictNames.GetValueOrDefault(code, code);

    private static readonly Dictionary<string, string> DistrictNames = new()
    {
        ["350100"] = "福州市", ["350102"] = "鼓楼区", ["350103"] = "台江区", ["350104"] = "仓山区", ["350105"] = "马尾区", ["350111"] = "晋安区",
        ["350112"] = "长乐区", ["350121"] = "闽侯县", ["350122"] = "连江县", ["350123"] = "罗源县", ["350124"] = "闽清县", ["350125"] = "永泰县",
        ["350128"] = "平潭县", ["350181"] = "福清市",
    };

    public static string Html(string title, string agency, DigestFigures f, string? consoleUrl)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
            .Append("body{font:15px/1.5 'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;color:#1d2733;max-width:960px;margin:0 auto;padding:1rem}")
            .Append("table{border-collapse:collapse;width:100%;margin:.5rem 0 1.2rem}th,td{border-bottom:1px solid #e3e7ec;padding:.35rem .5rem;text-align:left}")
            .Append(".figures{display:flex;flex-wrap:wrap;gap:.6rem;list-style:none;padding:0}.figures li{background:#f3f5f8;border-radius:6px;padding:.4rem .8rem}")
            .Append(".bad{color:#a8071a}h2{font-size:1.1rem;margin-top:1.4rem}</style></head><body>");
        sb.Append("<h1>").Append(E(title)).Append("</h1><p>").Append(E(agency)).Append("</p>");
        sb.Append("<ul class=\"figures\" id=\"figures\">")
            .Append(CultureInfo.InvariantCulture, $"<li>新投诉 <b id=\"new\">{f.New}</b></li><li>未办结 <b id=\"open\">{f.Open}</b></li>")
            .Append(CultureInfo.InvariantCulture, $"<li class=\"{(f.Overdue > 0 ? "bad" : "")}\">其中超期 <b id=\"overdue\">{f.Overdue}</b></li><li>办结 <b id=\"closed\">{f.Closed}</b></li>")
            .Append(CultureInfo.InvariantCulture, $"<li>平均办理 {N(f.AverageHandlingHours, " 小时")}，中位 {N(f.MedianHandlingHours, " 小时")}</li>")
            .Append(CultureInfo.InvariantCulture, $"<li>未结扣瓶令 <b id=\"detentions\">{f.OpenDetentions.Count}</b>（逾期 {f.OverdueDetentions}）</li></ul>");
        sb.Append("<h2>投诉：按类别</h2>").Append(CategoryChart(f.ByCategory));
        sb.Append("<table id=\"by-category\"><tr><th>类别</th><th>新投诉</th><th>办结</th></tr>");
        foreach (var (c, n, x) in f.ByCategory) sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(CategoryLabel(c))}</td><td>{n}</td><td>{x}</td></tr>");
        sb.Append("</table><h2>新投诉：按区县</h2><table id=\"by-district\"><tr><th>区县</th><th>新投诉</th></tr>");
        foreach (var (d, n) in f.ByDistrict) sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(DistrictLabel(d))}</td><td>{n}</td></tr>");
        sb.Append("</table><h2>进货扫码率最低的商户</h2><table id=\"scan-rates\"><tr><th>商户</th><th>区县</th><th>配送</th><th>已扫码</th><th>扫码率</th></tr>");
        foreach (var r in f.LowestScanRates)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(r.Name)}</td><td>{E(r.DistrictName)}</td><td>{r.Deliveries}</td><td>{r.Scanned}</td><td>{P(r.Rate)}</td></tr>");
        sb.Append("</table><h2>企业评分（近30天，最低的10家）</h2><table id=\"scores\"><tr><th>企业</th><th>等级</th><th>综合分</th></tr>");
        foreach (var s in f.LowestScores) sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(s.Enterprise)}</td><td>{E(s.Grade)}</td><td>{N(s.Composite)}</td></tr>");
        sb.Append("</table><h2>信用等级变化</h2><table id=\"grade-changes\"><tr><th>企业</th><th>变化</th><th>时间</th></tr>");
        foreach (var g in f.GradeChanges) sb.Append($"<tr><td>{E(g.Enterprise)}</td><td>{E(g.From ?? "—")} → {E(g.To ?? "—")}</td><td>{g.At:yyyy-MM-dd HH:mm}</td></tr>");
        sb.Append("</table><h2>未结案的扣瓶令</h2><table id=\"detention-orders\"><tr><th>编号</th><th>气瓶</th><th>责任企业</th><th>状态</th><th>期限</th></tr>");
        foreach (var o in f.OpenDetentions)
            sb.Append($"<tr class=\"{(o.Overdue ? "bad" : "")}\"><td>{E(o.Number)}</td><td>{E(o.CylinderCode)}</td><td>{E(o.ResponsibleEnterprise)}</td><td>{E(o.StatusLabel)}</td><td>{o.DeadlineAt:yyyy-MM-dd HH:mm}</td></tr>");
        sb.Append("</table>");
        if (consoleUrl is not null) sb.Append("<p><a href=\"").Append(E(consoleUrl)).Append("\">在管理端查看</a></p>");
        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>New and closed complaints per category as horizontal bars (SVG, presentation attributes only).</summary>
    private static string CategoryChart(IReadOnlyList<(string Category, int New, int Closed)> rows)
    {
        if (rows.Count == 0) return "<p>本期没有投诉。</p>";
        const int w = 640, rowH = 26, left = 150;
        var max = Math.Max(1, rows.Max(r => Math.Max(r.New, r.Closed)));
        var h = rows.Count * rowH + 30;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"按类别的新投诉与办结数\">");
        for (var i = 0; i < rows.Count; i++)
        {
            var (c, n, x) = rows[i];
            var y = 10 + i * rowH;
            var nw = (w - left - 40) * n / (double)max;
            var xw = (w - left - 40) * x / (double)max;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y + 14}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d2733\">{E(CategoryLabel(c))}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y}\" width=\"{nw:0.#}\" height=\"10\" fill=\"#0969da\"/><text x=\"{left + nw + 4:0.#}\" y=\"{y + 9}\" font-size=\"10\" fill=\"#57606a\">{n}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y + 11}\" width=\"{xw:0.#}\" height=\"10\" fill=\"#2da44e\"/><text x=\"{left + xw + 4:0.#}\" y=\"{y + 20}\" font-size=\"10\" fill=\"#57606a\">{x}</text>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{h - 14}\" width=\"10\" height=\"10\" fill=\"#0969da\"/><text x=\"{left + 14}\" y=\"{h - 5}\" font-size=\"11\">新投诉</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + 80}\" y=\"{h - 14}\" width=\"10\" height=\"10\" fill=\"#2da44e\"/><text x=\"{left + 94}\" y=\"{h - 5}\" font-size=\"11\">办结</text></svg>");
        return sb.ToString();
    }

    /// <summary>The digest as CSV (Platform/Csv: for a spreadsheet, formula-looking text defused), one row per figure: part, item, up to three values.</summary>
    public static string Csv(string title, DigestFigures f) => CsvWriter.Document(csv =>
    {
        csv.WriteRow("部分", "项目", "值1", "值2", "值3");
        csv.WriteRow("摘要", title, "", "", "");
        csv.WriteRow("投诉", "新投诉", f.New, "", "");
        csv.WriteRow("投诉", "未办结", f.Open, "", "");
        csv.WriteRow("投诉", "超期", f.Overdue, "", "");
        csv.WriteRow("投诉", "办结", f.Closed, f.AverageHandlingHours, f.MedianHandlingHours);
        foreach (var (c, n, x) in f.ByCategory) csv.WriteRow("按类别", CategoryLabel(c), n, x, "");
        foreach (var (d, n) in f.ByDistrict) csv.WriteRow("按区县", Districts.Name(d), n, "", "");
        foreach (var r in f.LowestScanRates) csv.WriteRow("扫码率最低", r.Name, r.Deliveries, r.Scanned, r.Rate);
        foreach (var s in f.LowestScores) csv.WriteRow("企业评分", s.Enterprise, s.Grade, s.Composite, "");
        foreach (var g in f.GradeChanges) csv.WriteRow("等级变化", g.Enterprise, g.From, g.To, g.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        foreach (var o in f.OpenDetentions) csv.WriteRow("扣瓶令", o.Number, o.CylinderCode, o.StatusLabel, o.Overdue ? "逾期" : "");
    });
}

public static class DigestKinds
{
    public const string Daily = "daily";
    public const string Weekly = "weekly";
}
