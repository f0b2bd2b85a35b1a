using System.Globalization;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Complaints.Handling;

/// <summary>One row of the statistics: a category, district, agency or handler, and its complaints received in the period.</summary>
/// <param name="Overdue">Closed after the deadline, or still open past it.</param>
/// <param name="OnTimeRate">Closed by the deadline ÷ closed (null when none closed).</param>
/// <param name="SatisfactionRate">Rated 4-5 stars ÷ rated (null when none rated).</param>
public sealed record StatisticsRow(string Key, string Label, int Received, int Closed, int Open, int Overdue, double? OnTimeRate, double? AverageHours,
    int Rated, double? SatisfactionRate, int LowRated, int Urges);

public sealed record ComplaintStatisticsView(string Period, DateOnly From, DateOnly To, StatisticsRow Total, IReadOnlyList<StatisticsRow> ByCategory,
    IReadOnlyList<StatisticsRow> ByDistrict, IReadOnlyList<StatisticsRow> ByAgency, IReadOnlyList<StatisticsRow> ByHandler)
{
    public static readonly IReadOnlyList<(string Code, string Label)> Periods = [("day", "日"), ("week", "周"), ("month", "月"), ("custom", "自定义")];

    public IEnumerable<(string Title, IReadOnlyList<StatisticsRow> Rows)> Tables =>
        [("按类别", ByCategory), ("按区县", ByDistrict), ("按承办单位", ByAgency), ("按承办人", ByHandler)];
}

/// <summary>
/// Statistics of the complaints an agency (with the agencies under it, <c>agencies.parent_id</c>) received in a chosen
/// period — a day, a week from Monday, a month, or any range of days (Asia/Shanghai) — by category, district, agency and
/// handler (who closed it, else who holds it): received, closed, open, overdue, closed on time, average hours to close,
/// satisfaction from the complainants' ratings, urges. One read of the period's complaints, grouped here.
/// </summary>
public sealed class ComplaintStatistics(Db db, TimeProvider clock)
{
    public const int MaxDays = 366;

    private const string AgenciesSql = "SELECT id FROM agencies WHERE id = @agencyId OR parent_id = @agencyId";
    private const string RowsSql =
        """
        SELECT c.category, c.district_code AS DistrictCode, c.agency_id AS AgencyId, a.name AS Agency, COALESCE(h.closed_by, h.claimed_by) AS HandlerId,
               s.display_name AS Handler, c.status, c.created_at AS CreatedAt, h.closed_at AS ClosedAt, r.due_at AS DueAt, c.rating,
               (SELECT COUNT(*) FROM complaint_oversight o WHERE o.complaint_id = c.id AND o.kind = 'urge') AS Urges
        FROM complaints c
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        LEFT JOIN staff s ON s.id = COALESCE(h.closed_by, h.claimed_by)
        LEFT JOIN agencies a ON a.id = c.agency_id
        WHERE c.agency_id IN @agencies AND c.created_at >= @from AND c.created_at < @to
        """;

    private sealed class Row
    {
        public string Category { get; init; } = "";
        public string? DistrictCode { get; init; }
        public int? AgencyId { get; init; }
        public string? Agency { get; init; }
        public int? HandlerId { get; init; }
        public string? Handler { get; init; }
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? ClosedAt { get; init; }
        public DateTime? DueAt { get; init; }
        public sbyte? Rating { get; init; }
        public long Urges { get; init; }
    }

    /// <summary>The days a period covers (inclusive), or the message why the choice is not one.</summary>
    public (DateOnly From, DateOnly To, string? Error) Range(string? period, string? date, string? from, string? to)
    {
        var today = ShanghaiTime.Today(clock);
        static DateOnly? Day(string? s) => DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        var anchor = string.IsNullOrEmpty(date) ? today : Day(date) ?? DateOnly.MinValue;
        if (anchor == DateOnly.MinValue) return (today, today, $"日期“{Cut(date)}”应写作 yyyy-MM-dd，例如 {today:yyyy-MM-dd}。");
        switch (string.IsNullOrEmpty(period) ? "month" : period)
        {
            case "day": return (anchor, anchor, null);
            case "week":
                var monday = anchor.AddDays(-(((int)anchor.DayOfWeek + 6) % 7));
                return (monday, monday.AddDays(6), null);
            case "month":
                var first = new DateOnly(anchor.Year, anchor.Month, 1);
                return (first, first.AddMonths(1).AddDays(-1), null);
            case "custom":
                if (Day(from) is not { } f || Day(to) is not { } t) return (today, today, "自定义时段请填写开始和结束日期（yyyy-MM-dd）。");
                if (t < f) return (f, t, "结束日期不能早于开始日期。");
                if (t.DayNumber - f.DayNumber + 1 > MaxDays) return (f, t, $"自定义时段最长{MaxDays}天。");
                return (f, t, null);
            default:
                return (today, today, $"时段“{Cut(period)}”不存在，可选：day（日）、week（周）、month（月）、custom（自定义）。");
        }
    }

    private static string Cut(string? v) => v is null ? "" : v.Length > 20 ? v[..20] + "…" : v;

    public async Task<ComplaintStatisticsView> ComputeAsync(int agencyId, string period, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        var agencies = (await conn.QueryAsync<int>(new CommandDefinition(AgenciesSql, new { agencyId }, cancellationToken: ct))).ToList();
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(RowsSql,
            new { agencies, from = ShanghaiTime.StartOfDayUtc(from), to = ShanghaiTime.StartOfDayUtc(to.AddDays(1)) }, cancellationToken: ct))).ToList();
        var districts = Platform.ReferenceData.Districts.All.ToDictionary(d => d.Code, d => d.Name);
        List<StatisticsRow> By(Func<Row, (string Key, string Label)> key) =>
            rows.GroupBy(key).Select(g => Summarise(g.Key.Key, g.Key.Label, g, now)).OrderByDescending(r => r.Received).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        return new ComplaintStatisticsView(period, from, to, Summarise("total", "合计", rows, now),
            By(r => (r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category)),
            By(r => r.DistrictCode is { } d && d != Platform.ReferenceData.Districts.City ? (d, districts.GetValueOrDefault(d, d)) : ("", "未定区县")),
            By(r => (r.AgencyId?.ToString(CultureInfo.InvariantCulture) ?? "", r.Agency ?? "未分派")),
            By(r => (r.HandlerId?.ToString(CultureInfo.InvariantCulture) ?? "", r.Handler ?? "未认领")));
    }

    private static readonly HashSet<string> ClosedStates = [ComplaintStatus.Resolved, ComplaintStatus.Rejected, ComplaintStatus.Duplicate, ComplaintStatus.Closed];

    private static StatisticsRow Summarise(string key, string label, IEnumerable<Row> group, DateTime now)
    {
        var list = group.ToList();
        var closed = list.Where(r => ClosedStates.Contains(r.Status) && r.ClosedAt is not null).ToList();
        var open = list.Count(r => ComplaintQueue.OpenStates.Contains(r.Status));
        var onTime = closed.Count(r => r.DueAt is null || r.ClosedAt <= r.DueAt);
        var overdue = closed.Count(r => r.DueAt is { } d && r.ClosedAt > d) + list.Count(r => ComplaintQueue.OpenStates.Contains(r.Status) && r.DueAt < now);
        var rated = list.Where(r => r.Rating is not null).ToList();
        return new StatisticsRow(key, label, list.Count, closed.Count, open, overdue,
            closed.Count == 0 ? null : (double)onTime / closed.Count,
            closed.Count == 0 ? null : closed.Average(r => (r.ClosedAt!.Value - r.CreatedAt).TotalHours),
            rated.Count, rated.Count == 0 ? null : (double)rated.Count(r => r.Rating >= 4) / rated.Count, rated.Count(r => r.Rating <= 2), (int)list.Sum(r => r.Urges));
    }

    public static readonly string[] Headers = ["受理", "办结", "未办结", "超期", "按期办结率", "平均办理时长（小时）", "评价数", "满意率", "差评（1-2星）", "催办次数"];

    /// <summary>A rate as people read it in a report: 93.5%.</summary>
    public static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    public static string Hours(double? hours) => hours is { } h ? h.ToString("0.0", CultureInfo.InvariantCulture) : "—";

    /// <summary>The statistics as CSV (Platform/Csv: UTF-8 with a byte-order mark), one block per dimension, rates as percentages.</summary>
    public static byte[] Csv(ComplaintStatisticsView v) => CsvWriter.Utf8(CsvWriter.Document(csv =>
    {
        csv.WriteRow("投诉统计", $"{v.From:yyyy-MM-dd} 至 {v.To:yyyy-MM-dd}");
        foreach (var (title, rows) in v.Tables.Prepend(("合计", [v.Total])))
        {
            csv.WriteRow([title, .. Headers.Select(h => (CsvCell)h)]);
            foreach (var r in rows)
                csv.WriteRow(r.Label, r.Received, r.Closed, r.Open, r.Overdue, Percent(r.OnTimeRate), Hours(r.AverageHours), r.Rated, Percent(r.SatisfactionRate),
                    r.LowRated, r.Urges);
        }
    }));

    /// <summary>The statistics as an .xlsx workbook (MiniExcel): a sheet per dimension, Chinese headers, rates as percentages.</summary>
    public static byte[] Xlsx(ComplaintStatisticsView v)
    {
        Dictionary<string, object?> Cells(string first, StatisticsRow r) => new()
        {
            [first] = r.Label, ["受理"] = r.Received, ["办结"] = r.Closed, ["未办结"] = r.Open, ["超期"] = r.Overdue, ["按期办结率"] = Percent(r.OnTimeRate),
            ["平均办理时长（小时）"] = r.AverageHours is { } h ? Math.Round(h, 1) : null, ["评价数"] = r.Rated, ["满意率"] = Percent(r.SatisfactionRate),
            ["差评（1-2星）"] = r.LowRated, ["催办次数"] = r.Urges,
        };
        var sheets = new Dictionary<string, object>
        {
            ["合计"] = new[] { Cells($"{v.From:yyyy-MM-dd} 至 {v.To:yyyy-MM-dd}", v.Total) },
            ["按类别"] = v.ByCategory.Select(r => Cells("类别", r)).ToList(),
            ["按区县"] = v.ByDistrict.Select(r => Cells("区县", r)).ToList(),
            ["按承办单位"] = v.ByAgency.Select(r => Cells("承办单位", r)).ToList(),
            ["按承办人"] = v.ByHandler.Select(r => Cells("承办人", r)).ToList(),
        };
        using var stream = new MemoryStream();
        MiniExcelLibs.MiniExcel.SaveAs(stream, sheets);
        return stream.ToArray();
    }
}
