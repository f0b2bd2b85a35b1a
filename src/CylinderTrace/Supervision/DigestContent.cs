using System.Globalization;
using CylinderTrace.Commercial;
using CylinderTrace.Complaints;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Html;
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
/// overdue detention orders. Rendered as an HTML page (<see cref="Pages.DigestDocument"/>: tables and the
/// console's SVG bar chart drawn on the server, styles in one &lt;style&gt; block) and as CSV (Platform/Csv).
/// </summary>
public sealed class DigestContent(Db db, ScanRateRollups rollups, EnterpriseScores scores, DetentionOrders detentions, TimeProvider clock)
{
    private const string NewSql = "SELECT category, district_code FROM complaints WHERE agency_id = @agencyId AND created_at >= @from AND created_at < @to";
    private const string OpenSql = "SELECT COUNT(*) FROM complaints WHERE agency_id = @agencyId AND status IN @open";
    private const string OverdueSql =
        """
        SELECT COUNT(*) FROM complaints c JOIN complaint_routing r ON r.complaint_id = c.id
        WHERE c.agency_id = @agencyId AND c.status IN @open AND r.due_at < @now
        """;
    private const string ClosedSql =
        """
        SELECT c.category, c.created_at, h.closed_at FROM complaints c JOIN complaint_handling h ON h.complaint_id = c.id
        WHERE c.agency_id = @agencyId AND h.closed_at >= @from AND h.closed_at < @to
        """;
    private const string GradeChangesSql =
        """
        SELECT e.name, g.from_grade, g.to_grade, g.at FROM enterprise_grade_changes g JOIN enterprises e ON e.id = g.enterprise_id
        WHERE g.at >= @from AND g.at < @to ORDER BY g.at
        """;
    private const string GradeChangesInDistrictsSql =
        """
        SELECT e.name, g.from_grade, g.to_grade, g.at FROM enterprise_grade_changes g JOIN enterprises e ON e.id = g.enterprise_id
        WHERE g.at >= @from AND g.at < @to AND e.district_code IN @districts ORDER BY g.at
        """;

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
            NewSql, args, cancellationToken: ct))).ToList();
        var open = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            OpenSql, args, cancellationToken: ct));
        var overdue = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            OverdueSql, args, cancellationToken: ct));
        var closed = (await conn.QueryAsync<(string Category, DateTime Created, DateTime Closed)>(new CommandDefinition(
            ClosedSql, args, cancellationToken: ct))).ToList();
        var hours = closed.Select(c => (c.Closed - c.Created).TotalHours).Order().ToList();
        double? median = hours.Count == 0 ? null : hours.Count % 2 == 1 ? hours[hours.Count / 2] : (hours[hours.Count / 2 - 1] + hours[hours.Count / 2]) / 2;
        var categories = newRows.Select(r => r.Category).Concat(closed.Select(c => c.Category)).Distinct().Order(StringComparer.Ordinal)
            .Select(c => (c, newRows.Count(r => r.Category == c), closed.Count(x => x.Category == c))).ToList();
        var byDistrict = newRows.GroupBy(r => r.District ?? "").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count())).ToList();

        var ratePeriod = kind == DigestKinds.Weekly ? RatePeriods.Week : RatePeriods.Day;
        var lowestRates = (await rollups.ListAsync(ratePeriod, first, RateDimensions.Customer, districts, 1, 10, ct)).ToList();
        var lowestScores = (await scores.LatestAsync(EnterpriseScores.Rolling, districts, ct)).Take(10).ToList();
        var changes = (await conn.QueryAsync<(string Name, string? From, string? To, DateTime At)>(new CommandDefinition(
            districts is null ? GradeChangesSql : GradeChangesInDistrictsSql, new { from, to, districts }, cancellationToken: ct)))
            .Select(g => (g.Name, g.From, g.To, ShanghaiTime.FromUtc(g.At))).ToList();
        var orders = await detentions.ListAsync(agencyId, null, openOnly: true, ct);
        return new DigestFigures(newRows.Count, open, overdue, closed.Count, hours.Count == 0 ? null : Math.Round(hours.Average(), 1),
            median is double m ? Math.Round(m, 1) : null, categories, byDistrict, lowestRates, lowestScores, changes, orders, orders.Count(o => o.Overdue));
    }

    public static string CategoryLabel(string code) => ComplaintCategories.Find(code)?.Label ?? code;

    /// <summary>The digest as one self-contained HTML page (<see cref="Pages.DigestDocument"/>, rendered by Razor: every value HTML-encoded).</summary>
    public static Task<string> HtmlAsync(ComponentHtml html, string title, string agency, DigestFigures f, string? consoleUrl) =>
        html.RenderAsync<Pages.DigestDocument>(new Dictionary<string, object?>
        {
            [nameof(Pages.DigestDocument.Title)] = title,
            [nameof(Pages.DigestDocument.Agency)] = agency,
            [nameof(Pages.DigestDocument.Figures)] = f,
            [nameof(Pages.DigestDocument.ConsoleUrl)] = consoleUrl,
        });

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
