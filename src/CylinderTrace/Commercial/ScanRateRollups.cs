using System.Diagnostics;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;
using Dapper;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Commercial;

/// <summary>Periods of the roll-ups: d (an Asia/Shanghai day), w (an ISO week, from Monday), m (a calendar month).</summary>
public static class RatePeriods
{
    public const string Day = "d";
    public const string Week = "w";
    public const string Month = "m";

    public static bool IsKnown(string? period) => period is Day or Week or Month;

    /// <summary>The first day of the period that holds <paramref name="day"/>.</summary>
    public static DateOnly Start(string period, DateOnly day) => period switch
    {
        Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        Month => new DateOnly(day.Year, day.Month, 1),
        _ => day,
    };

    /// <summary>The day after the period that starts on <paramref name="start"/>.</summary>
    public static DateOnly End(string period, DateOnly start) => period switch
    {
        Week => start.AddDays(7),
        Month => start.AddMonths(1),
        _ => start.AddDays(1),
    };
}

/// <summary>A subject's rate in a period, named for people.</summary>
public sealed record RateRow(string Dimension, long SubjectId, string Name, string DistrictCode, string DistrictName, int Deliveries, int Scanned, double? Rate);

public sealed record TrendPoint(DateOnly Day, int Deliveries, int Scanned, double? Rate);

public sealed record RollupRun(DateOnly First, DateOnly Last, int Deliveries, int Rows, TimeSpan Took);

/// <summary>
/// Scan-rate roll-ups per day, week and month (scan_rate_rollups), for every dimension. Kept up to date
/// incrementally: a delivery or scan marks its day (LiveScanRates.CountAsync), and a job every minute
/// recomputes today, yesterday and the marked days from the records, then the weeks and months that
/// hold them from the day rows. Reconciled nightly: the last Commercial:RollupReconcileDays days are
/// recomputed from scratch (also catching marks lost with Redis), and the live counters of today and
/// yesterday are dropped so they are rebuilt. Every recomputation replaces a period's rows in one
/// transaction, so a reader sees the old rows or the new ones, never a gap. Runs are serialised by a
/// MariaDB named lock.
/// </summary>
public sealed class ScanRateRollups(Db db, ReportDb reports, IConnectionMultiplexer redis, LiveScanRates live, IOptions<CommercialOptions> options, TimeProvider clock,
    ILogger<ScanRateRollups> logger)
{
    public const string RefreshJobId = "scan-rate-rollups-refresh";
    public const string ReconcileJobId = "scan-rate-rollups-reconcile";
    private const string LockName = "cylindertrace.scan-rate-rollups";

    private const string DeleteDaysSql = "DELETE FROM scan_rate_rollups WHERE period = 'd' AND period_start >= @first AND period_start <= @last";
    private const string InsertHead = "INSERT INTO scan_rate_rollups (period, period_start, dimension, subject_id, district_code, deliveries, scanned) VALUES ";
    private const string DeletePeriodSql = "DELETE FROM scan_rate_rollups WHERE period = @period AND period_start = @start";
    private const string SumPeriodSql =
        """
        INSERT INTO scan_rate_rollups (period, period_start, dimension, subject_id, district_code, deliveries, scanned)
        SELECT @period, @start, dimension, subject_id, MAX(district_code), SUM(deliveries), SUM(scanned) FROM scan_rate_rollups
        WHERE period = 'd' AND period_start >= @start AND period_start < @end GROUP BY dimension, subject_id
        """;
    private const string RefreshedSql =
        """
        INSERT INTO scan_rate_refreshes (period, period_start, refreshed_at, source) VALUES (@period, @start, @now, @source)
        ON DUPLICATE KEY UPDATE refreshed_at = VALUES(refreshed_at), source = VALUES(source)
        """;

    /// <summary>The job run every minute: today, yesterday and every day marked since the last run.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var today = live.Today;
        var days = new SortedSet<DateOnly> { today.AddDays(-1), today };
        RedisValue[] marked = [];
        try
        {
            marked = await redis.GetDatabase().SetMembersAsync(live.DirtyKey);
            foreach (var v in marked)
                if (v.TryParse(out int n) && DateOnly.FromDayNumber(n) is var d && d <= today && d > today.AddYears(-2)) days.Add(d);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogWarning("Scan-rate roll-ups: marked days not read ({Error}); today and yesterday refreshed, the nightly run catches up", ex.Message);
        }
        foreach (var (first, last) in Runs(days)) await RebuildAsync(first, last, "refresh", ct);
        if (marked.Length > 0)
        {
            try { await redis.GetDatabase().SetRemoveAsync(live.DirtyKey, marked); }
            catch (Exception ex) when (RedisFailure.Is(ex)) { /* the days stay marked and are done again next minute */ }
        }
    }

    /// <summary>The nightly job: the last RollupReconcileDays days from scratch, and fresh live counters.</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        var today = live.Today;
        var run = await RebuildAsync(today.AddDays(-options.Value.RollupReconcileDays + 1), today, "reconcile", ct);
        logger.LogInformation("Scan-rate roll-ups reconciled: {First}..{Last}, {Deliveries} deliveries, {Rows} rows in {Ms} ms",
            ShanghaiTime.Text(run.First), ShanghaiTime.Text(run.Last), run.Deliveries, run.Rows, (long)run.Took.TotalMilliseconds);
        try
        {
            await live.ForgetAsync(today);
            await live.ForgetAsync(today.AddDays(-1));
        }
        catch (Exception ex) when (RedisFailure.Is(ex)) { logger.LogWarning("Live scan-rate counters not dropped ({Error})", ex.Message); }
    }

    /// <summary>Recomputes the day rows of [first, last] from the records, then the weeks and months that hold those days.</summary>
    public async Task<RollupRun> RebuildAsync(DateOnly first, DateOnly last, string source, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await using var conn = await db.OpenAsync(ct);
        var held = await DatabaseLock.TakeAsync(conn, LockName, 600, "Scan-rate roll-ups: another run holds the lock for more than 10 minutes.", ct);
        try
        {
            var from = first.ToDateTime(TimeOnly.MinValue).AddHours(-8);
            var cells = await ScanRateCounts.CellsAsync(conn, from, last.AddDays(1).ToDateTime(TimeOnly.MinValue).AddHours(-8), ct);
            var enterprises = await ScanRateCounts.EnterprisesAsync(conn, ct);
            var rows = new List<object?[]>();
            foreach (var day in cells.GroupBy(c => DateOnly.FromDateTime(c.Day)))
                foreach (var (subject, t) in ScanRateCounts.Spread(day, enterprises))
                    rows.Add([RatePeriods.Day, day.Key.ToDateTime(TimeOnly.MinValue), subject.Dimension, subject.Id, t.DistrictCode, t.Deliveries, t.Scanned]);

            var now = clock.GetUtcNow().UtcDateTime;
            var periods = new SortedSet<(string Period, DateOnly Start)>();
            for (var d = first; d <= last; d = d.AddDays(1))
            {
                periods.Add((RatePeriods.Day, d));
                periods.Add((RatePeriods.Week, RatePeriods.Start(RatePeriods.Week, d)));
                periods.Add((RatePeriods.Month, RatePeriods.Start(RatePeriods.Month, d)));
            }
            await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
            await conn.ExecuteAsync(new CommandDefinition(DeleteDaysSql, new { first = first.ToDateTime(TimeOnly.MinValue), last = last.ToDateTime(TimeOnly.MinValue) }, tx,
                commandTimeout: 600, cancellationToken: ct));
            await MultiRow.ExecuteAsync(conn, tx, InsertHead, "", 7, rows, r => r, ct);
            var written = rows.Count;
            foreach (var (period, start) in periods)
            {
                var args = new { period, start = start.ToDateTime(TimeOnly.MinValue), end = RatePeriods.End(period, start).ToDateTime(TimeOnly.MinValue), now, source };
                if (period != RatePeriods.Day)
                {
                    await conn.ExecuteAsync(new CommandDefinition(DeletePeriodSql, args, tx, commandTimeout: 600, cancellationToken: ct));
                    written += await conn.ExecuteAsync(new CommandDefinition(SumPeriodSql, args, tx, commandTimeout: 600, cancellationToken: ct));
                }
                await conn.ExecuteAsync(new CommandDefinition(RefreshedSql, args, tx, cancellationToken: ct));
            }
            await tx.CommitAsync(ct);
            return new RollupRun(first, last, cells.Sum(c => c.Deliveries), written, watch.Elapsed);
        }
        finally
        {
            await held.DisposeAsync();
        }
    }

    private static IEnumerable<(DateOnly First, DateOnly Last)> Runs(SortedSet<DateOnly> days)
    {
        DateOnly? first = null, last = null;
        foreach (var d in days)
        {
            if (last is { } l && d == l.AddDays(1)) { last = d; continue; }
            if (first is { } f) yield return (f, last!.Value);
            first = last = d;
        }
        if (first is { } ff) yield return (ff, last!.Value);
    }

    // ---- reads ----

    private const string ListSql =
        """
        SELECT r.dimension AS Dimension, r.subject_id AS SubjectId, r.district_code AS DistrictCode, COALESCE(dt.name, r.district_code) AS DistrictName,
               r.deliveries AS Deliveries, r.scanned AS Scanned,
               CASE r.dimension WHEN 'customer' THEN c.business_name WHEN 'worker' THEN w.name WHEN 'district' THEN dt.name ELSE e.name END AS Name,
               w.employee_number AS EmployeeNumber
        FROM scan_rate_rollups r
        LEFT JOIN districts dt ON dt.code = r.district_code
        LEFT JOIN customers c ON r.dimension = 'customer' AND c.id = r.subject_id
        LEFT JOIN delivery_workers w ON r.dimension = 'worker' AND w.id = r.subject_id
        LEFT JOIN enterprises e ON r.dimension IN ('station', 'enterprise') AND e.id = r.subject_id
        WHERE r.period = @period AND r.period_start = @start AND r.dimension = @dimension AND r.deliveries >= @minDeliveries
        /*districts*/
        ORDER BY r.scanned / r.deliveries, r.deliveries DESC, r.subject_id
        """;

    private sealed class ListRow
    {
        public string Dimension { get; init; } = "";
        public long SubjectId { get; init; }
        public string DistrictCode { get; init; } = "";
        public string DistrictName { get; init; } = "";
        public int Deliveries { get; init; }
        public int Scanned { get; init; }
        public string? Name { get; init; }
        public string? EmployeeNumber { get; init; }
    }

    /// <summary>
    /// Rates of one dimension in a period, lowest first, optionally only in some districts (a
    /// jurisdiction), with at least <paramref name="minDeliveries"/> deliveries; <paramref name="limit"/> null for all.
    /// Workers are shown masked, with their employee number.
    /// </summary>
    public async Task<IReadOnlyList<RateRow>> ListAsync(string period, DateOnly day, string dimension, IReadOnlyCollection<string>? districts, int minDeliveries,
        int? limit, CancellationToken ct)
    {
        var sql = ListSql.Replace("/*districts*/", districts is null ? "" : "AND r.district_code IN @districts", StringComparison.Ordinal)
            + (limit is int n ? $" LIMIT {n}" : "");
        await using var conn = await reports.OpenAsync(ct);
        var rows = await conn.QueryAsync<ListRow>(new CommandDefinition(sql, new
        {
            period, start = RatePeriods.Start(period, day).ToDateTime(TimeOnly.MinValue), dimension, minDeliveries = Math.Max(1, minDeliveries), districts,
        }, commandTimeout: 120, cancellationToken: ct));
        return rows.Select(r => new RateRow(r.Dimension, r.SubjectId,
            r.Dimension == RateDimensions.Worker ? $"{Mask.Name(r.Name ?? "")} 工号{r.EmployeeNumber}" : r.Name ?? $"#{r.SubjectId}",
            r.DistrictCode, r.DistrictName, r.Deliveries, r.Scanned, LiveScanRates.Rate(r.Deliveries, r.Scanned).Rate)).ToList();
    }

    private const string TrendSubjectSql =
        """
        SELECT period_start AS Day, deliveries AS Deliveries, scanned AS Scanned FROM scan_rate_rollups
        WHERE dimension = @dimension AND subject_id = @subjectId AND period = 'd' AND period_start >= @first AND period_start <= @last /*districts*/ ORDER BY period_start
        """;
    private const string TrendAllSql =
        """
        SELECT period_start AS Day, SUM(deliveries) AS Deliveries, SUM(scanned) AS Scanned FROM scan_rate_rollups
        WHERE period = 'd' AND period_start >= @first AND period_start <= @last AND dimension = 'district' /*districts*/ GROUP BY period_start ORDER BY period_start
        """;

    private sealed class TrendRow
    {
        public DateTime Day { get; init; }
        public int Deliveries { get; init; }
        public int Scanned { get; init; }
    }

    /// <summary>Daily rates over [first, last]: of one subject, or of all restaurants in the districts (every day present, empty days as no deliveries).</summary>
    public async Task<IReadOnlyList<TrendPoint>> TrendAsync(string? dimension, long? subjectId, IReadOnlyCollection<string>? districts, DateOnly first, DateOnly last,
        CancellationToken ct)
    {
        var subject = dimension is not null && subjectId is not null;
        var sql = (subject ? TrendSubjectSql : TrendAllSql).Replace("/*districts*/", districts is null ? "" : "AND district_code IN @districts", StringComparison.Ordinal);
        await using var conn = await reports.OpenAsync(ct);
        var rows = (await conn.QueryAsync<TrendRow>(new CommandDefinition(sql, new
        {
            dimension, subjectId, first = first.ToDateTime(TimeOnly.MinValue), last = last.ToDateTime(TimeOnly.MinValue), districts,
        }, cancellationToken: ct))).ToDictionary(r => DateOnly.FromDateTime(r.Day));
        var points = new List<TrendPoint>();
        for (var d = first; d <= last; d = d.AddDays(1))
        {
            var r = rows.GetValueOrDefault(d);
            var rate = LiveScanRates.Rate(r?.Deliveries ?? 0, r?.Scanned ?? 0);
            points.Add(new TrendPoint(d, rate.Deliveries, rate.Scanned, rate.Rate));
        }
        return points;
    }

    /// <summary>When the rows of a period were last computed (null: never).</summary>
    public async Task<DateTime?> RefreshedAtAsync(string period, DateOnly day, CancellationToken ct)
    {
        await using var conn = await reports.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT refreshed_at FROM scan_rate_refreshes WHERE period = @period AND period_start = @start",
            new { period, start = RatePeriods.Start(period, day).ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
    }
}
