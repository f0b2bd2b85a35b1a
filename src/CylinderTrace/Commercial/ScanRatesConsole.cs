using System.Globalization;
using CylinderTrace.ConsoleShell.Pages;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using CylinderTrace.Staff;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Commercial;

public sealed record RatesQuery(string Dimension, string Period, DateOnly Day, long? Subject);

/// <summary>What the console shows of scan rates: one dimension in one period, lowest first, and the daily trend.</summary>
public sealed record RatesView(string Dimension, string Period, DateOnly Start, DateOnly End, DateTimeOffset? RefreshedAt, string Jurisdiction,
    ScanRate LiveToday, IReadOnlyList<RateRow> Rows, bool Truncated, RateRow? Subject, IReadOnlyList<TrendPoint> Trend);

/// <summary>
/// Scan rates in the console (issue 8): every member sees the rates of its agency's jurisdiction (an
/// agency of the city: every district; a district's agency: its district, by the subject's district as
/// ScanRateRollups keeps it), lowest first, with the trend of the last 30 days as a server-drawn SVG
/// chart (the console's TrendChart) and the whole list as CSV. Today's total for the jurisdiction is live; the lists come from
/// the roll-ups (refreshed every minute).
/// </summary>
public sealed class ScanRatesConsole(Agencies agencies, ScanRateRollups rollups, LiveScanRates live, IOptions<CommercialOptions> options, TimeProvider clock)
{
    public const int PageRows = 200;
    public const int TrendDays = 30;

    public static readonly IReadOnlyList<(string Code, string Label)> Dimensions =
        [(RateDimensions.Station, "供气站"), (RateDimensions.Worker, "送气工"), (RateDimensions.Customer, "商户"), (RateDimensions.Enterprise, "充装企业"), (RateDimensions.District, "区县")];

    public static readonly IReadOnlyList<(string Code, string Label)> Periods = [(RatePeriods.Day, "日"), (RatePeriods.Week, "周"), (RatePeriods.Month, "月")];

    public static string DimensionLabel(string code) => Dimensions.FirstOrDefault(d => d.Code == code).Label ?? code;

    /// <summary>Reads the query string; a problem in words when it is wrong.</summary>
    public (RatesQuery? Query, string? Error) Parse(string? dimension, string? period, string? date, string? subject)
    {
        var today = ShanghaiTime.Today(clock);
        dimension = string.IsNullOrEmpty(dimension) ? RateDimensions.Station : dimension;
        period = string.IsNullOrEmpty(period) ? RatePeriods.Month : period;
        if (!RateDimensions.IsKnown(dimension)) return (null, "统计对象应为供气站、送气工、商户、充装企业或区县之一。");
        if (!RatePeriods.IsKnown(period)) return (null, "统计周期应为日、周或月。");
        var day = today;
        if (!string.IsNullOrEmpty(date) && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
            return (null, "日期应写成 2026-01-31 这样的格式。");
        if (day > today || day < today.AddYears(-3)) return (null, "日期应在三年内，且不晚于今天。");
        long? subjectId = null;
        if (!string.IsNullOrEmpty(subject))
        {
            if (!long.TryParse(subject, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return (null, "统计对象的编号应为数字。");
            subjectId = id;
        }
        return (new RatesQuery(dimension, period, day, subjectId), null);
    }

    public async Task<RatesView> ViewAsync(StaffMember me, RatesQuery q, bool all, CancellationToken ct)
    {
        var agencyDistrict = await agencies.DistrictAsync(me.AgencyId, ct);
        var districts = ConsoleAccess.RateDistricts(agencyDistrict);
        var start = RatePeriods.Start(q.Period, q.Day);
        var end = RatePeriods.End(q.Period, start).AddDays(-1);
        var rows = await rollups.ListAsync(q.Period, q.Day, q.Dimension, districts, options.Value.MinDeliveriesListed, all ? null : PageRows + 1, ct);
        var truncated = !all && rows.Count > PageRows;
        if (truncated) rows = rows.Take(PageRows).ToList();

        RateRow? subject = null;
        if (q.Subject is long id)
        {
            subject = rows.FirstOrDefault(r => r.SubjectId == id)
                ?? (await rollups.ListAsync(q.Period, q.Day, q.Dimension, districts, 1, null, ct)).FirstOrDefault(r => r.SubjectId == id);
        }
        var today = ShanghaiTime.Today(clock);
        var last = end < today ? end : today;
        var trend = await rollups.TrendAsync(subject is null ? null : q.Dimension, subject?.SubjectId, districts, last.AddDays(-(TrendDays - 1)), last, ct);

        var liveSubjects = (districts ?? Districts.InCity.Select(d => d.Code).ToList())
            .Select(c => new RateSubject(RateDimensions.District, long.Parse(c, CultureInfo.InvariantCulture))).ToList();
        var liveRates = await live.ReadAsync(liveSubjects, ct);
        var liveToday = LiveScanRates.Rate(liveRates.Sum(r => r.Deliveries), liveRates.Sum(r => r.Scanned));
        var refreshed = await rollups.RefreshedAtAsync(q.Period, q.Day, ct);
        var jurisdiction = districts is null ? "全市" : Districts.Name(agencyDistrict);
        return new RatesView(q.Dimension, q.Period, start, end, refreshed is { } r ? ShanghaiTime.FromUtc(r) : null, jurisdiction, liveToday, rows, truncated,
            subject, trend);
    }

    /// <summary>The list as CSV (Platform/Csv: UTF-8 with a byte-order mark for spreadsheet programs, formula-looking names defused; counts and rates are numbers).</summary>
    public static byte[] Csv(RatesView v) => CsvWriter.Utf8(CsvWriter.Document(csv =>
    {
        csv.WriteRow("维度", "编号", "名称", "区县", "周期开始", "周期结束", "配送数", "已扫码", "扫码率");
        foreach (var r in v.Rows)
            csv.WriteRow(DimensionLabel(r.Dimension), r.SubjectId.ToString(CultureInfo.InvariantCulture), r.Name, r.DistrictName, Ui.Date(v.Start), Ui.Date(v.End),
                r.Deliveries, r.Scanned, CsvCell.Number(r.Rate, "0.0000"));
    }));

    /// <summary>The trend as the console's <see cref="TrendChart"/> draws it: the rate as the line, each day's deliveries as faint bars with the day's figures.</summary>
    public static IReadOnlyList<ChartPoint> TrendChart(IReadOnlyList<TrendPoint> trend) =>
        trend.Select(p => new ChartPoint(p.Day, p.Rate, p.Deliveries,
            $"{Ui.Date(p.Day)} 配送 {p.Deliveries.ToString(CultureInfo.InvariantCulture)}，已扫码 {p.Scanned.ToString(CultureInfo.InvariantCulture)}，扫码率 {Ui.Percent(p.Rate)}")).ToList();
}
