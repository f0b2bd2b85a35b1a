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
    IReadOnlyList<DistrictCases> ByDistrict,
    IReadOnlyList<RateRow> LowestScanRates,
    IReadOnlyList<EnterpriseScore> LowestScores,
    IReadOnlyList<(string Enterprise, string? From, string? To, DateTimeOffset At)> GradeChanges,
    IReadOnlyList<DetentionOrder> OpenDetentions,
    int OverdueDetentions,
    IReadOnlyList<Enterprises.LicenceListing>? ExpiringLicences = null,
    int Urges = 0,
    int PhoneReveals = 0,
    IReadOnlyList<BlackGasHotSpot>? BlackGasHotSpots = null,
    IReadOnlyList<InspectionPlanSummary>? InspectionPlans = null);

/// <summary>One district's cases of one kind (<see cref="DigestCaseKind.Code"/>): new and closed in the period, open and overdue now.</summary>
public sealed record DistrictCases(string Kind, string District, int New, int Closed, int Open, int Overdue);

/// <summary>
/// A kind of case the digest breaks down by district (complaints; fill violations are meant to join them). Each is one
/// grouped constant query, <see cref="ByDistrictSql"/>, over the agencies the digest covers, with the parameters
/// @agencies (the agency and its district agencies), @from and @to (the period, UTC), @now, and the columns District
/// (the code, '' for none), NewCount, ClosedCount, OpenCount and OverdueCount (BIGINT).
/// </summary>
public sealed record DigestCaseKind(string Code, string Label, string ByDistrictSql);

/// <summary>
/// Gathers and renders a digest (DESIGN.md §6): for one agency and one period [first, last] (Asia/Shanghai
/// days): its complaints — new in the period, open and overdue now, closed in the period with handling
/// times, new and closed by category, and every <see cref="CaseKinds"/> by district (new, closed, open,
/// overdue). "Its" is the agency's own and, for a city-level agency, those of its district agencies (agencies
/// whose parent it is), so the city's digest sums up its districts rather than only what was routed to itself; the lowest restaurant scan rates of the period in
/// its jurisdiction; the lowest enterprise scores and the grade changes of the period; its open and
/// overdue detention orders. Rendered as an HTML page (<see cref="Pages.DigestDocument"/>: tables and the
/// console's SVG bar chart drawn on the server, styles in one &lt;style&gt; block) and as CSV (Platform/Csv).
/// </summary>
public sealed class DigestContent(ReportDb db, ScanRateRollups rollups, EnterpriseScores scores, DetentionOrders detentions, Enterprises.EnterpriseLicences licences,
    BlackGasLeads blackGas, InspectionPlans plans,
    TimeProvider clock)
{
    /// <summary>The agency and the agencies under it (a city-level agency's district agencies of its kind).</summary>
    private const string CoveredAgenciesSql = "SELECT id FROM agencies WHERE id = @agencyId OR parent_id = @agencyId";
    private const string NewSql = "SELECT category FROM complaints WHERE agency_id IN @agencies AND created_at >= @from AND created_at < @to";
    private const string OpenSql = "SELECT COUNT(*) FROM complaints WHERE agency_id IN @agencies AND status IN @open";
    private const string OverdueSql =
        """
        SELECT COUNT(*) FROM complaints c JOIN complaint_routing r ON r.complaint_id = c.id
        WHERE c.agency_id IN @agencies AND c.status IN @open AND r.due_at < @now
        """;
    private const string ClosedSql =
        """
        SELECT c.category, c.created_at, h.closed_at FROM complaints c JOIN complaint_handling h ON h.complaint_id = c.id
        WHERE c.agency_id IN @agencies AND h.closed_at >= @from AND h.closed_at < @to
        """;
    /// <summary>Complaints by their district (the router writes the district it derived onto the complaint).</summary>
    private const string ComplaintsByDistrictSql =
        """
        SELECT COALESCE(c.district_code, '') AS District,
               CAST(SUM(CASE WHEN c.created_at >= @from AND c.created_at < @to THEN 1 ELSE 0 END) AS SIGNED) AS NewCount,
               CAST(SUM(CASE WHEN h.closed_at >= @from AND h.closed_at < @to THEN 1 ELSE 0 END) AS SIGNED) AS ClosedCount,
               CAST(SUM(CASE WHEN c.status IN ('routed', 'in_progress', 'waiting_info') THEN 1 ELSE 0 END) AS SIGNED) AS OpenCount,
               CAST(SUM(CASE WHEN c.status IN ('routed', 'in_progress', 'waiting_info') AND r.due_at < @now THEN 1 ELSE 0 END) AS SIGNED) AS OverdueCount
        FROM complaints c
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        WHERE c.agency_id IN @agencies
        GROUP BY COALESCE(c.district_code, '')
        """;

    /// <summary>
    /// What the by-district table counts, in its column order. Fill violations (issue 17, item 1) join as one more entry
    /// with their own constant query over fill_violations (agency_id, district_code, created_at, status, …).
    /// </summary>
    public static readonly IReadOnlyList<DigestCaseKind> CaseKinds =
    [
        new("complaints", "投诉", ComplaintsByDistrictSql),
        new("violations", "违规充装", ViolationsByDistrictSql),
    ];

    /// <summary>Days within which a fill violation is expected to be decided (立案 or not: 市场监督管理行政处罚程序规定 gives fifteen working days from discovery); open longer, it counts as overdue.</summary>
    public const int ViolationDecisionDays = 21;

    // Fill violations (Supervision's own cases) of the covered bureaus, by the filling station's district; overdue: open past ViolationDecisionDays (21).
    private const string ViolationsByDistrictSql =
        """
        SELECT district_code AS District,
               CAST(SUM(CASE WHEN created_at >= @from AND created_at < @to THEN 1 ELSE 0 END) AS SIGNED) AS NewCount,
               CAST(SUM(CASE WHEN resolved_at >= @from AND resolved_at < @to THEN 1 ELSE 0 END) AS SIGNED) AS ClosedCount,
               CAST(SUM(CASE WHEN status <> 'resolved' THEN 1 ELSE 0 END) AS SIGNED) AS OpenCount,
               CAST(SUM(CASE WHEN status <> 'resolved' AND created_at < @now - INTERVAL 21 DAY THEN 1 ELSE 0 END) AS SIGNED) AS OverdueCount
        FROM fill_violations
        WHERE agency_id IN @agencies
        GROUP BY district_code
        """;

    /// <summary>催办 and reveals of complainants' phones (回访) in the period, on the covered agencies' complaints (issue 19).</summary>
    private const string OversightSql =
        "SELECT kind, COUNT(*) FROM complaint_oversight WHERE handling_agency_id IN @agencies AND at >= @from AND at < @to GROUP BY kind";
    private const string AgencyKindSql = "SELECT kind FROM agencies WHERE id = @agencyId";

    private sealed class DistrictCountRow
    {
        public string District { get; init; } = "";
        public long NewCount { get; init; }
        public long ClosedCount { get; init; }
        public long OpenCount { get; init; }
        public long OverdueCount { get; init; }
    }
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
        var agencies = (await conn.QueryAsync<int>(new CommandDefinition(CoveredAgenciesSql, new { agencyId }, cancellationToken: ct))).ToList();
        var args = new { agencies, from, to, now, open = OpenStates };
        var newRows = (await conn.QueryAsync<string>(new CommandDefinition(
            NewSql, args, cancellationToken: ct))).ToList();
        var open = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            OpenSql, args, cancellationToken: ct));
        var overdue = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            OverdueSql, args, cancellationToken: ct));
        var closed = (await conn.QueryAsync<(string Category, DateTime Created, DateTime Closed)>(new CommandDefinition(
            ClosedSql, args, cancellationToken: ct))).ToList();
        var hours = closed.Select(c => (c.Closed - c.Created).TotalHours).Order().ToList();
        double? median = hours.Count == 0 ? null : hours.Count % 2 == 1 ? hours[hours.Count / 2] : (hours[hours.Count / 2 - 1] + hours[hours.Count / 2]) / 2;
        var categories = newRows.Concat(closed.Select(c => c.Category)).Distinct().Order(StringComparer.Ordinal)
            .Select(c => (c, newRows.Count(r => r == c), closed.Count(x => x.Category == c))).ToList();
        var oversight = (await conn.QueryAsync<(string Kind, long N)>(new CommandDefinition(OversightSql, args, cancellationToken: ct))).ToDictionary(x => x.Kind, x => (int)x.N);
        var byDistrict = new List<DistrictCases>();
        foreach (var caseKind in CaseKinds)
            foreach (var r in await conn.QueryAsync<DistrictCountRow>(new CommandDefinition(caseKind.ByDistrictSql, new { agencies, from, to, now }, cancellationToken: ct)))
                if (r.NewCount + r.ClosedCount + r.OpenCount > 0)
                    byDistrict.Add(new DistrictCases(caseKind.Code, r.District, (int)r.NewCount, (int)r.ClosedCount, (int)r.OpenCount, (int)r.OverdueCount));
        // Districts in code order, cases no district was derived for last; within a district, the kinds in CaseKinds' order.
        byDistrict = [.. byDistrict.OrderBy(d => d.District.Length == 0).ThenBy(d => d.District, StringComparer.Ordinal)];

        var ratePeriod = kind == DigestKinds.Weekly ? RatePeriods.Week : RatePeriods.Day;
        var lowestRates = (await rollups.ListAsync(ratePeriod, first, RateDimensions.Customer, districts, 1, 10, ct)).ToList();
        var lowestScores = (await scores.LatestAsync(EnterpriseScores.Rolling, districts, ct)).Take(10).ToList();
        var changes = (await conn.QueryAsync<(string Name, string? From, string? To, DateTime At)>(new CommandDefinition(
            districts is null ? GradeChangesSql : GradeChangesInDistrictsSql, new { from, to, districts }, cancellationToken: ct)))
            .Select(g => (g.Name, g.From, g.To, ShanghaiTime.FromUtc(g.At))).ToList();
        var orders = await detentions.ListAsync(agencyId, null, openOnly: true, ct);
        // The licences this kind of agency issues that end within 90 days, in its jurisdiction.
        var agencyKind = await conn.ExecuteScalarAsync<string>(new CommandDefinition(AgencyKindSql, new { agencyId }, cancellationToken: ct));
        var today = ShanghaiTime.Today(clock);
        var expiring = (await licences.ExpiringAsync(today.AddDays(-90), today.AddDays(90), districts, ct))
            .Where(l => Enterprises.LicenceKinds.IssuingAgencyKind(l.Kind) == agencyKind).ToList();
        // The 双随机 plans of the month the period ends in: the agency's and its district agencies', with how far each has got.
        var planProgress = await plans.OfMonthAsync(agencies, new DateOnly(last.Year, last.Month, 1), ct);
        return new DigestFigures(newRows.Count, open, overdue, closed.Count, hours.Count == 0 ? null : Math.Round(hours.Average(), 1),
            median is double m ? Math.Round(m, 1) : null, categories, byDistrict, lowestRates, lowestScores, changes, orders, orders.Count(o => o.Overdue), expiring,
            oversight.GetValueOrDefault("urge"), oversight.GetValueOrDefault("phone_reveal"), await blackGas.HotSpotsAsync(districts, first, from, to, ct),
            planProgress);
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

    /// <summary>The digest as CSV (Platform/Csv: for a spreadsheet, formula-looking text defused), one row per figure: part, item, up to four values.</summary>
    public static string Csv(string title, DigestFigures f) => CsvWriter.Document(csv =>
    {
        csv.WriteRow("部分", "项目", "值1", "值2", "值3", "值4");
        csv.WriteRow("摘要", title, "", "", "", "");
        csv.WriteRow("投诉", "新投诉", f.New, "", "", "");
        csv.WriteRow("投诉", "未办结", f.Open, "", "", "");
        csv.WriteRow("投诉", "超期", f.Overdue, "", "", "");
        csv.WriteRow("投诉", "办结", f.Closed, f.AverageHandlingHours, f.MedianHandlingHours, "");
        csv.WriteRow("投诉", "催办", f.Urges, "", "", "");
        csv.WriteRow("投诉", "查看投诉人完整电话（回访）", f.PhoneReveals, "", "", "");
        foreach (var (c, n, x) in f.ByCategory) csv.WriteRow("按类别", CategoryLabel(c), n, x, "", "");
        // Per district and kind: new, closed, open, overdue (the page's columns).
        foreach (var d in f.ByDistrict) csv.WriteRow("按区县：" + CaseKindLabel(d.Kind), DistrictLabel(d.District), d.New, d.Closed, d.Open, d.Overdue);
        foreach (var r in f.LowestScanRates) csv.WriteRow("扫码率最低", r.Name, r.Deliveries, r.Scanned, ConsoleShell.Pages.Ui.Percent(r.Rate), "");
        foreach (var s in f.LowestScores) csv.WriteRow("企业评分", s.Enterprise, s.Grade, s.Composite, "", "");
        foreach (var g in f.GradeChanges) csv.WriteRow("等级变化", g.Enterprise, g.From, g.To, g.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), "");
        foreach (var o in f.OpenDetentions) csv.WriteRow("扣瓶令", o.Number, o.CylinderCode, o.StatusLabel, o.Overdue ? "逾期" : "", "");
        foreach (var h in f.BlackGasHotSpots ?? []) csv.WriteRow("黑气热点", h.District, h.Scans, h.Codes, "", "");
        foreach (var l in f.ExpiringLicences ?? []) csv.WriteRow("许可证到期", l.EnterpriseName, Enterprises.LicenceKinds.Label(l.Kind), l.LicenceNumber,
            l.ValidUntil.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "");
        foreach (var p in f.InspectionPlans ?? []) csv.WriteRow("双随机抽查", p.AgencyName, p.Month, p.Targets, p.Done, p.Targets - p.Done);
    });

    public static string CaseKindLabel(string code) => CaseKinds.FirstOrDefault(k => k.Code == code)?.Label ?? code;

    /// <summary>A district's name; "未定区县" for cases no district could be derived for (routed to the triage queue).</summary>
    public static string DistrictLabel(string code) => code.Length == 0 ? "未定区县" : Districts.Name(code);
}

public static class DigestKinds
{
    public const string Daily = "daily";
    public const string Weekly = "weekly";
}
