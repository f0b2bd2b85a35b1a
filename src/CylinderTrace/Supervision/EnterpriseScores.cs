using System.ComponentModel.DataAnnotations;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Supervision;

/// <summary>Weights and thresholds of the enterprise score (DESIGN.md §6).</summary>
public sealed class ScoreOptions
{
    public const string Section = "Scores";

    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double RealNameWeight { get; set; } = 25;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double TraceabilityWeight { get; set; } = 25;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double DeliveryWeight { get; set; } = 25;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double ScanWeight { get; set; } = 25;
    /// <summary>Points off the composite for each detention order escalated in the period (not recalled by its deadline).</summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double EscalatedOrderPenalty { get; set; } = 5;
    /// <summary>
    /// Points off the composite for each fill in the period that broke the filling interlock (a fill_violations case not
    /// resolved as unsubstantiated): filling a cylinder the rules forbid is the breach the whole system exists to stop, so
    /// one such fill weighs about as much as two points of any rate.
    /// </summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double FillViolationPenalty { get; set; } = 2;
    /// <summary>The most the fill violations of one period take off (so one bad month cannot push a score below what the rates say by more than this).</summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double FillViolationPenaltyCap { get; set; } = 40;
    /// <summary>Points off for each substantiated complaint (属实 or 已立案查处) against the enterprise closed in the period; a partly substantiated one (部分属实) takes half.</summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double ComplaintPenalty { get; set; } = 3;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double ComplaintPenaltyCap { get; set; } = 30;
    /// <summary>Points off for each detention order issued in the period against the enterprise (or its stations), by how it ended.</summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double DetentionOpenPenalty { get; set; } = 2;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double DetentionReleasedPenalty { get; set; } = 0.5;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double DetentionInspectionPenalty { get; set; } = 2;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double DetentionScrappedPenalty { get; set; } = 4;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double DetentionPenaltyCap { get; set; } = 30;
    /// <summary>Points off for each licence the enterprise must hold that was missing, or not in force on some day of the period.</summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double LicencePenalty { get; set; } = 20;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double LicencePenaltyCap { get; set; } = 40;
    /// <summary>
    /// Points off for each black-gas detention (an unregistered cylinder seized) traced to the enterprise in the period: to the station
    /// the delivering worker works for (its filling enterprise too). One that turned out to be a real cylinder, registered and returned
    /// afterwards (returned_registered), takes <see cref="BlackGasReturnedPenalty"/>: it was still delivered untraceable.
    /// </summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double BlackGasPenalty { get; set; } = 5;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double BlackGasReturnedPenalty { get; set; } = 2;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double BlackGasPenaltyCap { get; set; } = 30;
    /// <summary>While licences are still being recorded (a city rolling the system out): a missing licence counts only in periods ending on or after this day (null: always).</summary>
    public DateOnly? MissingLicenceCountsFrom { get; set; }
    /// <summary>The deduction rules not applied (their kinds, e.g. "complaint"): a city may switch a rule off without code.</summary>
    public string[] DisabledDeductions { get; set; } = [];
    /// <summary>Lowest composite of grades A, B and C; below C is D.</summary>
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double GradeA { get; set; } = 90;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double GradeB { get; set; } = 80;
    [Range(0, 100, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public double GradeC { get; set; } = 70;
    /// <summary>A fill counts as traced when a delivery of the cylinder to a registered customer follows within this many days.</summary>
    [Range(1, 60, ErrorMessage = "Scores:{0} must be between {1} and {2}.")] public int TraceDays { get; set; } = 7;
}

public sealed record EnterpriseScore(int EnterpriseId, string Enterprise, string Kind, string DistrictCode, string Period, DateOnly PeriodStart, DateOnly PeriodEnd,
    DateTimeOffset ComputedAt, int Deliveries, int RealNameDeliveries, int PermittedDeliveries, int Fills, int TracedFills, int RestaurantDeliveries,
    int ScannedDeliveries, int EscalatedOrders, int FillViolations, double? RealNameRate, double? TraceabilityRate, double? DeliveryRate, double? ScanRate, double? Composite, string? Grade);

public sealed record GradeChange(DateTimeOffset At, string? From, string? To, double? Composite);

/// <summary>A record that lowered a score (drill-down).</summary>
public sealed record ScoreRecord(string Kind, DateTimeOffset At, string? CylinderCode, string Detail, string? Reference = null, string? Link = null);

/// <summary>What one rule took off one score: how many records, how many points (after its cap).</summary>
public sealed record ScoreDeduction(string Kind, string Label, int Records, double Points);

/// <summary>
/// Enterprise scores (DESIGN.md §6): per enterprise, per calendar month and per rolling 30 days ending
/// yesterday (Asia/Shanghai). A filling enterprise is scored on its own fills and on the deliveries of
/// all its supply stations; a supply station on its own deliveries and on the fills of the cylinders
/// it delivered (traceability from its side: each delivery preceded by a fill within TraceDays).
/// - real-name rate: deliveries to a customer whose identity checks out (an ID number passing GB 11643-1999, or a business's 统一社会信用代码 passing GB 32100-2015: customer_identities) ÷ deliveries
/// - traceability rate: fills followed within TraceDays by a delivery to a customer ÷ fills (only fills at least TraceDays old count, so recent fills are not held against anyone)
/// - delivery rate: deliveries by a registered, active worker whose permit was valid that day ÷ deliveries
/// - scan rate: restaurants' answered deliveries ÷ deliveries to restaurants (from the scan-rate roll-ups)
/// Composite = weighted mean ×100 of the rates that have a denominator, less EscalatedOrderPenalty per
/// detention order whose deadline fell in the period and that was escalated (not recalled by it), less each deduction rule's
/// points up to its cap (<see cref="ScoreDeductionRule"/>: fill violations, substantiated complaints, detention orders by outcome,
/// licence problems; docs/SCORING.md); grade A–D by thresholds. Computed nightly (and by the
/// `scores compute` command); each computation is kept, and changes of the rolling grade are recorded.
/// </summary>
public sealed class EnterpriseScores(Db db, ReportDb reports, IOptions<ScoreOptions> options, TimeProvider clock, Enterprises.CustomerIdentities identities,
    LicenceReviews reviews, ILogger<EnterpriseScores> logger)
{
    public const string JobId = "enterprise-scores-nightly";
    public const string Month = "month";
    public const string Rolling = "rolling30";

    private sealed class Counts
    {
        public int Deliveries, RealName, Permitted, Fills, Traced, Restaurant, Scanned, Escalated;
        /// <summary>Per deduction rule: its records and points before the rule's cap.</summary>
        public readonly Dictionary<string, (int Records, double Points)> Deductions = new(StringComparer.Ordinal);
    }

    private const string DeliveriesSql =
        """
        SELECT d.supply_station_id AS Station, COUNT(*) AS Deliveries,
               CAST(SUM(COALESCE(ci.id_number_valid = 1 OR ci.credit_code_valid = 1, 0)) AS SIGNED) AS RealName,
               CAST(SUM(w.id IS NOT NULL AND w.status = 'active' AND (w.permit_valid_until IS NULL OR w.permit_valid_until >= DATE(d.delivered_at + INTERVAL 8 HOUR))) AS SIGNED) AS Permitted,
               CAST(SUM(EXISTS (SELECT 1 FROM fills f WHERE f.cylinder_id = d.cylinder_id AND f.filled_at <= d.delivered_at
                                AND f.filled_at > d.delivered_at - INTERVAL @traceDays DAY)) AS SIGNED) AS Traced
        FROM deliveries d LEFT JOIN customer_identities ci ON ci.customer_id = d.customer_id LEFT JOIN delivery_workers w ON w.id = d.worker_id
        WHERE d.delivered_at >= @from AND d.delivered_at < @to GROUP BY d.supply_station_id
        """;
    private const string FillsSql =
        """
        SELECT f.station_id AS Enterprise, COUNT(*) AS Fills,
               CAST(SUM(EXISTS (SELECT 1 FROM deliveries d WHERE d.cylinder_id = f.cylinder_id AND d.delivered_at >= f.filled_at
                                AND d.delivered_at < f.filled_at + INTERVAL @traceDays DAY)) AS SIGNED) AS Traced
        FROM fills f WHERE f.filled_at >= @from AND f.filled_at < @fillsTo GROUP BY f.station_id
        """;
    private const string ScansSql =
        """
        SELECT dimension, subject_id AS Subject, CAST(SUM(deliveries) AS SIGNED) AS Deliveries, CAST(SUM(scanned) AS SIGNED) AS Scanned FROM scan_rate_rollups
        WHERE period = 'd' AND period_start >= @firstDay AND period_start <= @lastDay AND dimension IN ('station', 'enterprise') GROUP BY dimension, subject_id
        """;
    private const string EscalatedSql =
        "SELECT responsible_enterprise_id AS Enterprise, COUNT(*) AS N FROM detention_orders WHERE escalated_at IS NOT NULL AND deadline_at >= @from AND deadline_at < @to GROUP BY responsible_enterprise_id";
    private const string EnterprisesSql = "SELECT id, kind, parent_id AS ParentId FROM enterprises";

    private const string UpsertDeductionSql =
        """
        INSERT INTO enterprise_score_deductions (enterprise_id, period, period_start, kind, records, points) VALUES (@Id, @period, @start, @kind, @records, @points)
        ON DUPLICATE KEY UPDATE records = VALUES(records), points = VALUES(points)
        """;
    private const string DeleteDeductionSql =
        "DELETE FROM enterprise_score_deductions WHERE enterprise_id = @Id AND period = @period AND period_start = @start AND kind = @kind";

    private const string UpsertSql =
        """
        INSERT INTO enterprise_scores (enterprise_id, period, period_start, period_end, computed_at, deliveries, real_name_deliveries, permitted_deliveries, fills,
            traced_fills, restaurant_deliveries, scanned_deliveries, escalated_orders, real_name_rate, traceability_rate, delivery_rate, scan_rate, composite, grade)
        VALUES (@Id, @period, @start, @end, @now, @Deliveries, @RealName, @Permitted, @Fills, @Traced, @Restaurant, @Scanned, @Escalated,
            @RealNameRate, @TraceRate, @DeliveryRate, @ScanRate, @Composite, @Grade)
        ON DUPLICATE KEY UPDATE period_end = VALUES(period_end), computed_at = VALUES(computed_at), deliveries = VALUES(deliveries),
            real_name_deliveries = VALUES(real_name_deliveries), permitted_deliveries = VALUES(permitted_deliveries), fills = VALUES(fills),
            traced_fills = VALUES(traced_fills), restaurant_deliveries = VALUES(restaurant_deliveries), scanned_deliveries = VALUES(scanned_deliveries),
            escalated_orders = VALUES(escalated_orders), real_name_rate = VALUES(real_name_rate), traceability_rate = VALUES(traceability_rate),
            delivery_rate = VALUES(delivery_rate), scan_rate = VALUES(scan_rate), composite = VALUES(composite), grade = VALUES(grade)
        """;

    /// <summary>The nightly job: the rolling 30 days ending yesterday, the current month so far, and (in its first days) the month before.</summary>
    public async Task RunNightlyAsync(CancellationToken ct)
    {
        // Customers stored without their identity check (bulk loads, or before the check existed) are checked first.
        await identities.CheckUncheckedAsync(ct);
        var yesterday = ShanghaiTime.Today(clock).AddDays(-1);
        await ComputeAsync(Rolling, yesterday.AddDays(-29), yesterday, ct);
        var month = new DateOnly(yesterday.Year, yesterday.Month, 1);
        await ComputeAsync(Month, month, yesterday, ct);
        if (yesterday.Day <= options.Value.TraceDays)
            await ComputeAsync(Month, month.AddMonths(-1), month.AddDays(-1), ct);
        // A D grade or repeated violations put the enterprise on the licensing agencies' review list.
        await reviews.RefreshAsync(ct);
    }

    /// <summary>Computes and stores the scores of every enterprise for [first, last] (Asia/Shanghai days); returns how many enterprises were scored.</summary>
    public async Task<int> ComputeAsync(string period, DateOnly first, DateOnly last, CancellationToken ct)
    {
        var o = options.Value;
        var from = ShanghaiTime.StartOfDayUtc(first);
        var to = ShanghaiTime.StartOfDayUtc(last.AddDays(1));
        var now = clock.GetUtcNow().UtcDateTime;
        // Only fills old enough to have had their delivery count for traceability.
        var fillsTo = new[] { to, now.AddDays(-o.TraceDays) }.Min();
        await using var conn = await db.OpenAsync(ct);
        var args = new
        {
            from, to, fillsTo, traceDays = o.TraceDays, firstDay = first.ToDateTime(TimeOnly.MinValue), lastDay = last.ToDateTime(TimeOnly.MinValue),
            missingCounts = o.MissingLicenceCountsFrom is not { } since || last >= since ? 1 : 0,
        };
        var enterprises = (await conn.QueryAsync<(int Id, string Kind, int? ParentId)>(new CommandDefinition(EnterprisesSql, cancellationToken: ct))).ToList();
        var counts = enterprises.ToDictionary(e => e.Id, _ => new Counts());
        Counts Of(int id) => counts.TryGetValue(id, out var c) ? c : counts[id] = new Counts();
        var parent = enterprises.ToDictionary(e => e.Id, e => e.ParentId);

        foreach (var r in await conn.QueryAsync<(int Station, int Deliveries, long RealName, long Permitted, long Traced)>(
                     new CommandDefinition(DeliveriesSql, args, commandTimeout: 1200, cancellationToken: ct)))
        {
            foreach (var id in new[] { r.Station, parent.GetValueOrDefault(r.Station) ?? 0 }.Where(i => i != 0).Distinct())
            {
                var c = Of(id);
                c.Deliveries += r.Deliveries;
                c.RealName += (int)r.RealName;
                c.Permitted += (int)r.Permitted;
            }
            // A station's traceability is its deliveries that follow a fill.
            var s = Of(r.Station);
            s.Fills += r.Deliveries;
            s.Traced += (int)r.Traced;
        }
        foreach (var r in await conn.QueryAsync<(int Enterprise, int Fills, long Traced)>(new CommandDefinition(FillsSql, args, commandTimeout: 1200, cancellationToken: ct)))
        {
            var c = Of(r.Enterprise);
            c.Fills += r.Fills;
            c.Traced += (int)r.Traced;
        }
        var kind = enterprises.ToDictionary(e => e.Id, e => e.Kind);
        foreach (var r in await conn.QueryAsync<(string Dimension, long Subject, long Deliveries, long Scanned)>(new CommandDefinition(ScansSql, args, cancellationToken: ct)))
        {
            // A station without a filling enterprise is its own "enterprise" in the roll-ups: count it once.
            if (r.Dimension == "enterprise" && kind.GetValueOrDefault((int)r.Subject) != "filling") continue;
            var c = Of((int)r.Subject);
            c.Restaurant += (int)r.Deliveries;
            c.Scanned += (int)r.Scanned;
        }
        foreach (var r in await conn.QueryAsync<(int Enterprise, int N)>(new CommandDefinition(EscalatedSql, args, cancellationToken: ct)))
        {
            foreach (var id in new[] { r.Enterprise, parent.GetValueOrDefault(r.Enterprise) ?? 0 }.Where(i => i != 0).Distinct())
                Of(id).Escalated += r.N;
        }
        foreach (var rule in ScoreDeductionRules.Active(o))
            foreach (var r in await conn.QueryAsync<(int Enterprise, string Class, long N)>(new CommandDefinition(rule.CountSql, args, commandTimeout: 600, cancellationToken: ct)))
            {
                var points = rule.Points(o, r.Class) * r.N;
                foreach (var id in (rule.RollsUp ? new[] { r.Enterprise, parent.GetValueOrDefault(r.Enterprise) ?? 0 } : [r.Enterprise]).Where(i => i != 0).Distinct())
                {
                    var d = Of(id).Deductions;
                    var had = d.GetValueOrDefault(rule.Kind);
                    d[rule.Kind] = (had.Records + (int)r.N, had.Points + points);
                }
            }

        var scored = 0;
        foreach (var (id, c) in counts)
        {
            if (c.Deliveries == 0 && c.Fills == 0 && c.Escalated == 0 && c.Deductions.Count == 0) continue;
            double? Rate(int n, int d) => d == 0 ? null : Math.Round((double)n / d, 4);
            var realName = Rate(c.RealName, c.Deliveries);
            var trace = Rate(c.Traced, c.Fills);
            var delivery = Rate(c.Permitted, c.Deliveries);
            var scan = Rate(c.Scanned, c.Restaurant);
            var parts = new (double? Rate, double Weight)[] { (realName, o.RealNameWeight), (trace, o.TraceabilityWeight), (delivery, o.DeliveryWeight), (scan, o.ScanWeight) }
                .Where(p => p.Rate is not null && p.Weight > 0).ToList();
            // Each rule's points up to its cap, so one kind of record cannot outweigh everything else.
            var deducted = ScoreDeductionRules.Active(o).Where(r => c.Deductions.ContainsKey(r.Kind))
                .ToDictionary(r => r.Kind, r => (c.Deductions[r.Kind].Records, Points: Math.Round(Math.Min(r.Cap(o), c.Deductions[r.Kind].Points), 2)));
            double? composite = parts.Count == 0 ? null
                : Math.Round(Math.Max(0, parts.Sum(p => p.Rate!.Value * p.Weight) / parts.Sum(p => p.Weight) * 100 - c.Escalated * o.EscalatedOrderPenalty
                    - deducted.Values.Sum(d => d.Points)), 2);
            var grade = composite is not double x ? null : x >= o.GradeA ? "A" : x >= o.GradeB ? "B" : x >= o.GradeC ? "C" : "D";
            var start = first.ToDateTime(TimeOnly.MinValue);
            if (period == Rolling)
            {
                // The grade it had: this window's earlier computation if any, else the latest earlier window's.
                var previous = await conn.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
                    "SELECT grade FROM enterprise_scores WHERE enterprise_id = @id AND period = @period AND period_start <= @start ORDER BY period_start DESC LIMIT 1",
                    new { id, period, start }, cancellationToken: ct));
                var hadAny = previous is not null || await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                    "SELECT COUNT(*) FROM enterprise_scores WHERE enterprise_id = @id AND period = @period AND period_start <= @start", new { id, period, start }, cancellationToken: ct)) > 0;
                if (hadAny && previous != grade)
                    await conn.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO enterprise_grade_changes (enterprise_id, at, period, period_start, from_grade, to_grade, composite) VALUES (@id, @now, @period, @start, @previous, @grade, @composite)",
                        new { id, now, period, start, previous, grade, composite }, cancellationToken: ct));
            }
            await conn.ExecuteAsync(new CommandDefinition(UpsertSql, new
            {
                Id = id, period, start, end = last.ToDateTime(TimeOnly.MinValue), now, c.Deliveries, c.RealName, c.Permitted, c.Fills, c.Traced, c.Restaurant, c.Scanned,
                c.Escalated, RealNameRate = realName, TraceRate = trace, DeliveryRate = delivery, ScanRate = scan, Composite = composite, Grade = grade,
            }, cancellationToken: ct));
            // Each rule's deduction, as a row of its own (none when there were none).
            foreach (var rule in ScoreDeductionRules.All)
                await conn.ExecuteAsync(new CommandDefinition(deducted.TryGetValue(rule.Kind, out var d) ? UpsertDeductionSql : DeleteDeductionSql, new
                {
                    Id = id, period, start, kind = rule.Kind, records = d.Records, points = d.Points,
                }, cancellationToken: ct));
            scored++;
        }
        logger.LogInformation("Enterprise scores {Period} {First}..{Last}: {Count} enterprises", period, ShanghaiTime.Text(first), ShanghaiTime.Text(last), scored);
        return scored;
    }

    private const string ScoreSelect =
        """
        SELECT s.enterprise_id AS EnterpriseId, e.name AS Enterprise, e.kind AS Kind, e.district_code AS DistrictCode, s.period, s.period_start AS PeriodStart,
               s.period_end AS PeriodEnd, s.computed_at AS ComputedAt, s.deliveries, s.real_name_deliveries AS RealNameDeliveries, s.permitted_deliveries AS PermittedDeliveries,
               s.fills, s.traced_fills AS TracedFills, s.restaurant_deliveries AS RestaurantDeliveries, s.scanned_deliveries AS ScannedDeliveries,
               s.escalated_orders AS EscalatedOrders, COALESCE(v.records, 0) AS FillViolations, s.real_name_rate AS RealNameRate, s.traceability_rate AS TraceabilityRate, s.delivery_rate AS DeliveryRate,
               s.scan_rate AS ScanRate, s.composite, s.grade
        FROM enterprise_scores s JOIN enterprises e ON e.id = s.enterprise_id
          LEFT JOIN enterprise_score_deductions v ON v.enterprise_id = s.enterprise_id AND v.period = s.period AND v.period_start = s.period_start AND v.kind = 'fill_violation'
        """;

    private sealed class ScoreRow
    {
        public int EnterpriseId { get; init; }
        public string Enterprise { get; init; } = "";
        public string Kind { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string Period { get; init; } = "";
        public DateTime PeriodStart { get; init; }
        public DateTime PeriodEnd { get; init; }
        public DateTime ComputedAt { get; init; }
        public int Deliveries { get; init; }
        public int RealNameDeliveries { get; init; }
        public int PermittedDeliveries { get; init; }
        public int Fills { get; init; }
        public int TracedFills { get; init; }
        public int RestaurantDeliveries { get; init; }
        public int ScannedDeliveries { get; init; }
        public int EscalatedOrders { get; init; }
        public int FillViolations { get; init; }
        public decimal? RealNameRate { get; init; }
        public decimal? TraceabilityRate { get; init; }
        public decimal? DeliveryRate { get; init; }
        public decimal? ScanRate { get; init; }
        public decimal? Composite { get; init; }
        public string? Grade { get; init; }

        public EnterpriseScore View() => new(EnterpriseId, Enterprise, Kind, DistrictCode, Period, DateOnly.FromDateTime(PeriodStart), DateOnly.FromDateTime(PeriodEnd),
            ShanghaiTime.FromUtc(ComputedAt), Deliveries, RealNameDeliveries, PermittedDeliveries, Fills, TracedFills, RestaurantDeliveries, ScannedDeliveries, EscalatedOrders, FillViolations,
            (double?)RealNameRate, (double?)TraceabilityRate, (double?)DeliveryRate, (double?)ScanRate, (double?)Composite, Grade);
    }

    private const string DeductionsSql =
        "SELECT kind, records, points FROM enterprise_score_deductions WHERE enterprise_id = @enterpriseId AND period = @period AND period_start = @start";

    /// <summary>What each rule took off one score (the rules' order).</summary>
    public async Task<IReadOnlyList<ScoreDeduction>> DeductionsAsync(int enterpriseId, string period, DateOnly start, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<(string Kind, int Records, decimal Points)>(new CommandDefinition(DeductionsSql,
            new { enterpriseId, period, start = start.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct))).ToDictionary(r => r.Kind);
        return ScoreDeductionRules.All.Where(r => rows.ContainsKey(r.Kind))
            .Select(r => new ScoreDeduction(r.Kind, r.Label, rows[r.Kind].Records, (double)rows[r.Kind].Points)).ToList();
    }

    private const string LatestStartSql = "SELECT MAX(period_start) FROM enterprise_scores WHERE period = @period";
    private const string LatestSql = ScoreSelect + " WHERE s.period = @period AND s.period_start = @start ORDER BY s.composite IS NULL, s.composite, e.name";
    private const string LatestInDistrictsSql =
        ScoreSelect + " WHERE s.period = @period AND s.period_start = @start AND e.district_code IN @districts ORDER BY s.composite IS NULL, s.composite, e.name";
    private const string HistorySql = ScoreSelect + " WHERE s.enterprise_id = @enterpriseId AND s.period = @period ORDER BY s.period_start DESC LIMIT @take";
    private const string GradeChangesSql =
        "SELECT at, from_grade, to_grade, composite FROM enterprise_grade_changes WHERE enterprise_id = @enterpriseId ORDER BY at DESC LIMIT 50";

    /// <summary>The latest scores of one period kind, lowest composite first, optionally in some districts.</summary>
    public async Task<IReadOnlyList<EnterpriseScore>> LatestAsync(string period, IReadOnlyCollection<string>? districts, CancellationToken ct)
    {
        await using var conn = await reports.OpenAsync(ct);
        var start = await conn.ExecuteScalarAsync<DateTime?>(new CommandDefinition(LatestStartSql, new { period }, cancellationToken: ct));
        if (start is null) return [];
        var sql = districts is null ? LatestSql : LatestInDistrictsSql;
        return (await conn.QueryAsync<ScoreRow>(new CommandDefinition(sql, new { period, start, districts }, cancellationToken: ct))).Select(r => r.View()).ToList();
    }

    /// <summary>One enterprise's history of a period kind, oldest first (up to <paramref name="take"/>).</summary>
    public async Task<IReadOnlyList<EnterpriseScore>> HistoryAsync(int enterpriseId, string period, int take, CancellationToken ct)
    {
        await using var conn = await reports.OpenAsync(ct);
        var rows = await conn.QueryAsync<ScoreRow>(new CommandDefinition(
            HistorySql,
            new { enterpriseId, period, take }, cancellationToken: ct));
        return rows.Select(r => r.View()).Reverse().ToList();
    }

    public async Task<IReadOnlyList<GradeChange>> GradeChangesAsync(int enterpriseId, CancellationToken ct)
    {
        await using var conn = await reports.OpenAsync(ct);
        return (await conn.QueryAsync<(DateTime At, string? From, string? To, decimal? Composite)>(new CommandDefinition(
                GradeChangesSql,
                new { enterpriseId }, cancellationToken: ct)))
            .Select(g => new GradeChange(ShanghaiTime.FromUtc(g.At), g.From, g.To, (double?)g.Composite)).ToList();
    }

    private const string LoweringStations = "(SELECT id FROM enterprises WHERE id = @enterpriseId OR parent_id = @enterpriseId)";
    private const string RealNameLoweringSql =
        $"""
            SELECT d.delivered_at, cy.code, CONCAT('客户 ', COALESCE(c.external_id, c.id),
                   CASE WHEN c.kind = 'commercial' THEN CASE WHEN ci.credit_code IS NULL THEN ' 未登记统一社会信用代码' ELSE ' 统一社会信用代码校验不通过' END
                        WHEN c.id_number_hash IS NULL THEN ' 未登记身份证号' ELSE ' 身份证号校验不通过' END), NULL
            FROM deliveries d JOIN customers c ON c.id = d.customer_id LEFT JOIN customer_identities ci ON ci.customer_id = c.id
            JOIN cylinders cy ON cy.id = d.cylinder_id
            WHERE d.supply_station_id IN {LoweringStations} AND d.delivered_at >= @from AND d.delivered_at < @to
              AND NOT COALESCE(ci.id_number_valid = 1 OR ci.credit_code_valid = 1, 0) ORDER BY d.delivered_at DESC LIMIT 100
        """;
    private const string DeliveryLoweringSql =
        $"""
            SELECT d.delivered_at, cy.code, CASE WHEN w.id IS NULL THEN '未登记送气工' WHEN w.status <> 'active' THEN CONCAT('送气工 ', w.employee_number, ' 已停用')
                   ELSE CONCAT('送气工 ', w.employee_number, ' 资格证过期') END, NULL
            FROM deliveries d JOIN cylinders cy ON cy.id = d.cylinder_id LEFT JOIN delivery_workers w ON w.id = d.worker_id
            WHERE d.supply_station_id IN {LoweringStations} AND d.delivered_at >= @from AND d.delivered_at < @to
              AND NOT (w.id IS NOT NULL AND w.status = 'active' AND (w.permit_valid_until IS NULL OR w.permit_valid_until >= DATE(d.delivered_at + INTERVAL 8 HOUR)))
            ORDER BY d.delivered_at DESC LIMIT 100
        """;
    private const string TraceabilityLoweringSql =
        $"""
            SELECT f.filled_at, cy.code, '充装后未见配送记录', NULL FROM fills f JOIN cylinders cy ON cy.id = f.cylinder_id
            WHERE f.station_id = @enterpriseId AND f.filled_at >= @from AND f.filled_at < @fillsTo
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.cylinder_id = f.cylinder_id AND d.delivered_at >= f.filled_at AND d.delivered_at < f.filled_at + INTERVAL @traceDays DAY)
            ORDER BY f.filled_at DESC LIMIT 100
        """;
    private const string ScanLoweringSql =
        $"""
            SELECT d.delivered_at, cy.code, CONCAT('商户 ', COALESCE(c.business_name, c.id), ' 未扫码'), NULL FROM deliveries d JOIN customers c ON c.id = d.customer_id AND c.kind = 'commercial'
            JOIN cylinders cy ON cy.id = d.cylinder_id LEFT JOIN receiving_scan_deliveries r ON r.delivery_id = d.id
            WHERE d.supply_station_id IN {LoweringStations} AND d.delivered_at >= @from AND d.delivered_at < @to AND r.delivery_id IS NULL
            ORDER BY d.delivered_at DESC LIMIT 100
        """;
    private const string DetentionLoweringSql =
        $"""
            SELECT deadline_at, cylinder_code, CONCAT('扣瓶令 ', number, ' 逾期未召回'), number FROM detention_orders
            WHERE responsible_enterprise_id IN {LoweringStations} AND escalated_at IS NOT NULL AND deadline_at >= @from AND deadline_at < @to ORDER BY deadline_at DESC LIMIT 100
        """;

    /// <summary>
    /// The records that lowered a score in a period (up to 100 of each kind): deliveries to buyers
    /// without a verified identity, deliveries by unregistered or unpermitted workers, untraced fills,
    /// restaurants' unscanned deliveries, and escalated detention orders. For a filling enterprise, its
    /// stations' deliveries count.
    /// </summary>
    public async Task<IReadOnlyList<ScoreRecord>> LoweringRecordsAsync(int enterpriseId, DateOnly first, DateOnly last, CancellationToken ct)
    {
        var o = options.Value;
        var args = new
        {
            enterpriseId, from = ShanghaiTime.StartOfDayUtc(first), to = ShanghaiTime.StartOfDayUtc(last.AddDays(1)),
            fillsTo = new[] { ShanghaiTime.StartOfDayUtc(last.AddDays(1)), clock.GetUtcNow().UtcDateTime.AddDays(-o.TraceDays) }.Min(), traceDays = o.TraceDays,
        };
        var records = new List<ScoreRecord>();
        await using var conn = await reports.OpenAsync(ct);
        async Task AddAsync(string kind, string sql)
        {
            foreach (var (at, code, detail, reference) in await conn.QueryAsync<(DateTime, string, string, string?)>(new CommandDefinition(sql, args, commandTimeout: 300, cancellationToken: ct)))
                records.Add(new ScoreRecord(kind, ShanghaiTime.FromUtc(at), code, detail, reference, kind == "escalated" ? "/console/detentions/" + reference : null));
        }
        await AddAsync("real_name", RealNameLoweringSql);
        await AddAsync("delivery", DeliveryLoweringSql);
        await AddAsync("traceability", TraceabilityLoweringSql);
        await AddAsync("scan", ScanLoweringSql);
        await AddAsync("escalated", DetentionLoweringSql);
        var ruleArgs = new
        {
            args.enterpriseId, args.from, args.to, firstDay = first.ToDateTime(TimeOnly.MinValue), lastDay = last.ToDateTime(TimeOnly.MinValue),
            missingCounts = o.MissingLicenceCountsFrom is not { } since || last >= since ? 1 : 0,
        };
        foreach (var rule in ScoreDeductionRules.Active(o))
            foreach (var r in await conn.QueryAsync<(DateTime At, string? CylinderCode, string Reference, string Detail)>(
                         new CommandDefinition(rule.RecordsSql, ruleArgs, commandTimeout: 300, cancellationToken: ct)))
            {
                // The interlock's rule codes in words (the SQL joins the codes as stored).
                var detail = rule == ScoreDeductionRule.FillViolation && r.Detail.IndexOf('：') is var at and > 0
                    ? r.Detail[..(at + 1)] + Cylinders.FillRules.Labels(r.Detail[(at + 1)..].Split(',')) : r.Detail;
                records.Add(new ScoreRecord(rule.Kind, ShanghaiTime.FromUtc(r.At), r.CylinderCode, detail, r.Reference, rule.Link(r.Reference)));
            }
        // Records without a case of their own link to the cylinder's file.
        return records.Select(r => r.Link is null && r.CylinderCode is not null ? r with { Link = "/console/cylinders/" + r.CylinderCode } : r).ToList();
    }
}
