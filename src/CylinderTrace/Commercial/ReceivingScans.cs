using System.Data;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;
using Dapper;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Commercial;

[Platform.OpenApi.ContractRequest]
public sealed record ScanRequest([property: Platform.OpenApi.ContractRequired] long? CustomerId, [property: Platform.OpenApi.ContractRequired] IReadOnlyList<string>? Codes, DateTimeOffset? ScannedAt, double? Latitude, double? Longitude);

public sealed record ScanDelivery(DateTimeOffset At, string? Station, string? Worker);

/// <summary>What a receiving scan of one cylinder came to, shown to the restaurant's staff at once.</summary>
public sealed record ScanOutcome(string CylinderCode, string Outcome, string Label, string? Warning, string StatusCode, string StatusLabel,
    ScanDelivery? Delivery, long? ScanId, bool Repeated);

/// <summary>
/// Receiving scans (DESIGN.md §5): each scanned cylinder is checked against the deliveries the
/// enterprises sent, in a window around the scan (Commercial:MatchHoursBefore/After). Outcomes:
/// matched (a delivery to this customer), not_contracted (delivered in the window, but by a station
/// this customer has no contract with), no_matching_delivery (possible black gas), unsafe (unregistered,
/// scrapped, detained, past its scrap date, inspection overdue) — unsafe wins, and still links its
/// delivery. A delivery is answered by one scan: scanning it again returns that scan and stores nothing;
/// an unmatched cylinder scanned again inside the window likewise. The unsafe or unmatched scans of one
/// session raise one alert for the delivery (<see cref="DeliveryAlerts"/>); a scan of an unregistered code
/// is also kept as evidence of black gas (<see cref="UnregisteredScans"/>).
/// </summary>
public sealed class ReceivingScans(Db db, CylinderCards cards, CylinderStatusRules rules, EnterpriseDirectory directory, IOptions<CommercialOptions> options,
    DeliveryAlerts alerts, LiveScanRates liveRates, Microsoft.Extensions.Caching.Hybrid.HybridCache cache, TimeProvider clock,
    UnregisteredScans unregistered, ILogger<ReceivingScans> logger)
{
    public const string Matched = "matched";
    public const string NoMatchingDelivery = "no_matching_delivery";
    public const string NotContracted = "not_contracted";
    public const string Unsafe = "unsafe";

    private const string MemberSql =
        """
        SELECT c.supply_station_id AS StationId, c.district_code AS DistrictCode, c.business_name AS BusinessName, c.business_address AS BusinessAddress
        FROM commercial_members m JOIN customers c ON c.id = m.customer_id WHERE m.customer_id = @customerId AND m.user_id = @userId AND m.removed_at IS NULL
        """;
    // The cylinder's deliveries in the window, each with the scan that answered it (if any): one round trip.
    private const string DeliveriesSql =
        """
        SELECT d.id, d.delivered_at AS At, d.supply_station_id AS StationId, d.worker_id AS WorkerId, d.customer_id AS CustomerId,
               s.id AS ScanId, s.scanned_at AS ScannedAt, s.outcome AS ScanOutcome
        FROM deliveries d
        LEFT JOIN receiving_scan_deliveries r ON r.delivery_id = d.id
        LEFT JOIN receiving_scans s ON s.id = r.scan_id AND s.scanned_at = r.scanned_at
        WHERE d.cylinder_id = @cylinderId AND d.delivered_at >= @from AND d.delivered_at <= @to ORDER BY d.delivered_at DESC LIMIT 20
        """;
    private const string ScannedDeliverySql =
        "SELECT s.id, s.scanned_at AS ScannedAt, s.outcome, s.status_code AS StatusCode FROM receiving_scan_deliveries d JOIN receiving_scans s ON s.id = d.scan_id AND s.scanned_at = d.scanned_at WHERE d.delivery_id = @deliveryId";
    private const string RecentUnmatchedSql =
        """
        SELECT id, scanned_at AS ScannedAt, outcome, status_code AS StatusCode FROM receiving_scans
        WHERE customer_id = @customerId AND scanned_at >= @since AND cylinder_code = @code AND delivery_id IS NULL ORDER BY scanned_at DESC LIMIT 1
        """;
    private const string InsertScanSql =
        """
        INSERT INTO receiving_scans (scanned_at, customer_id, user_id, cylinder_code, cylinder_id, outcome, status_code, delivery_id, delivered_at,
                                     delivery_station_id, worker_id, latitude, longitude)
        VALUES (@scannedAt, @customerId, @userId, @code, @cylinderId, @outcome, @statusCode, @deliveryId, @deliveredAt, @stationId, @workerId, @latitude, @longitude);
        SELECT LAST_INSERT_ID();
        """;
    // The scan and the delivery it answers, in one command (LAST_INSERT_ID() is still the scan's: the second table has no auto-increment).
    private const string InsertAnsweringScanSql =
        """
        INSERT INTO receiving_scans (scanned_at, customer_id, user_id, cylinder_code, cylinder_id, outcome, status_code, delivery_id, delivered_at,
                                     delivery_station_id, worker_id, latitude, longitude)
        VALUES (@scannedAt, @customerId, @userId, @code, @cylinderId, @outcome, @statusCode, @deliveryId, @deliveredAt, @stationId, @workerId, @latitude, @longitude);
        INSERT INTO receiving_scan_deliveries (delivery_id, delivered_at, customer_id, scan_id, scanned_at)
        VALUES (@deliveryId, @deliveredAt, @customerId, LAST_INSERT_ID(), @scannedAt);
        SELECT LAST_INSERT_ID();
        """;

    private sealed class DeliveryRow
    {
        public long Id { get; init; }
        public DateTime At { get; init; }
        public int StationId { get; init; }
        public int? WorkerId { get; init; }
        public long CustomerId { get; init; }
        public long? ScanId { get; init; }
        public DateTime? ScannedAt { get; init; }
        public string? ScanOutcome { get; init; }
    }

    private sealed class PriorScan
    {
        public long Id { get; init; }
        public DateTime ScannedAt { get; init; }
        public string Outcome { get; init; } = "";
        public string? StatusCode { get; init; }
    }

    /// <summary>A restaurant as its scans need it: the contracted station and where it is.</summary>
    public sealed class Restaurant
    {
        public int StationId { get; init; }
        public string DistrictCode { get; init; } = "";
        public string? BusinessName { get; init; }
        public string? BusinessAddress { get; init; }
    }

    private static readonly Microsoft.Extensions.Caching.Hybrid.HybridCacheEntryOptions MemberEntry =
        new() { Expiration = TimeSpan.FromMinutes(10), LocalCacheExpiration = TimeSpan.FromMinutes(10) };

    /// <summary>Cache key of a user's membership of a restaurant; CommercialMembers removes it on every join and removal (on every instance).</summary>
    public static string MemberKey(long customerId, long userId) => $"cmember:{customerId}:{userId}";

    /// <summary>
    /// The restaurant, if the user is one of its members; otherwise null. Cached (every scan asks):
    /// joining and removal invalidate it everywhere at once; the restaurant's own details (name,
    /// address, district) may be up to 10 minutes old.
    /// </summary>
    public ValueTask<Restaurant?> MemberRestaurantAsync(long userId, long customerId, CancellationToken ct) =>
        cache.GetOrCreateAsync(MemberKey(customerId, userId), (db, customerId, userId), static async (s, ct) =>
        {
            await using var conn = await s.db.OpenAsync(ct);
            return await conn.QuerySingleOrDefaultAsync<Restaurant>(new CommandDefinition(MemberSql, new { s.customerId, s.userId }, cancellationToken: ct));
        }, MemberEntry, cancellationToken: ct);

    /// <summary>
    /// One receiving-scan session: each code's outcome, then ONE alert for the delivery if any new scan is unsafe or unmatched
    /// (<see cref="DeliveryAlerts"/>). A code scanned again (repeated) raised its alert already and raises nothing new.
    /// </summary>
    public async Task<(IReadOnlyList<ScanOutcome> Results, DeliveryAlert? Alert)> ScanSessionAsync(long userId, long customerId, Restaurant restaurant,
        IReadOnlyList<string> codes, DateTime scannedAt, double? latitude, double? longitude, CancellationToken ct)
    {
        var results = new List<ScanOutcome>();
        foreach (var code in codes)
            results.Add(await RecordAsync(userId, customerId, restaurant, code, scannedAt, latitude, longitude, ct));
        var flagged = results.Where(r => r.Outcome != Matched && !r.Repeated && r.ScanId is not null)
            .Select(r => new DeliveryAlertCode(r.CylinderCode, r.Outcome, r.StatusCode, r.ScanId!.Value)).ToList();
        return (results, await alerts.RaiseAsync(userId, customerId, restaurant, flagged, scannedAt, ct));
    }

    /// <summary>
    /// After a delivery record arrived late and now answers scans: each scan that is now matched had
    /// raised an alert (no matching delivery); that alert gets a note saying so. It stays open — a
    /// record sent after the fact is for the handler to weigh. Never throws (the delivery is stored).
    /// </summary>
    public async Task NoteLateMatchesAsync(IReadOnlyList<LateMatching.Answered> answered, CancellationToken ct)
    {
        foreach (var a in answered.Where(a => a.Outcome == Matched))
        {
            try
            {
                await alerts.NoteLateMatchAsync(a.UserId, a.ScanId,
                    $"气瓶 {a.CylinderCode} 的配送记录已由供气站补报（配送时间 {ShanghaiTime.FromUtc(a.At):yyyy-MM-dd HH:mm}），与 {ShanghaiTime.FromUtc(a.ScannedAt):yyyy-MM-dd HH:mm} 的进货扫码核对一致。" +
                    "请核实补报是否属实（是否事后补录）后再办结。", ct);
            }
            catch (Exception ex) when (ex is MySqlException or TimeoutException)
            {
                // The note is a convenience for the handler; the delivery and the match are stored.
                logger.LogWarning("Alert of scan {ScanId} not noted as matched late: {Error}", a.ScanId, ex.Message);
            }
        }
    }

    private static string? Cut(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    private async Task<ScanOutcome> RecordAsync(long userId, long customerId, Restaurant restaurant, string code, DateTime scannedAt, double? latitude, double? longitude,
        CancellationToken ct)
    {
        var o = options.Value;
        var contractedStationId = restaurant.StationId;
        var facts = await cards.GetFactsAsync(code, ct);
        var status = facts is not null ? rules.Assess(facts.Dates, ShanghaiTime.Today(clock))
            : await cards.BlackGasAsync(code, ct) is null ? CylinderStatusRules.Unregistered : CylinderStatusRules.BlackGasDetained;
        await using var conn = await db.OpenAsync(ct);
        var deliveries = facts is null ? [] : (await conn.QueryAsync<DeliveryRow>(new CommandDefinition(DeliveriesSql,
            new { cylinderId = facts.Id, from = scannedAt.AddHours(-o.MatchHoursBefore), to = scannedAt.AddHours(o.MatchHoursAfter) }, cancellationToken: ct))).ToList();
        var mine = deliveries.FirstOrDefault(d => d.CustomerId == customerId);

        PriorScan? prior = mine is not null
            ? mine.ScanId is long answeredBy ? new PriorScan { Id = answeredBy, ScannedAt = mine.ScannedAt!.Value, Outcome = mine.ScanOutcome ?? Matched } : null
            : await conn.QuerySingleOrDefaultAsync<PriorScan>(new CommandDefinition(RecentUnmatchedSql,
                new { customerId, since = scannedAt.AddHours(-o.MatchHoursBefore), code }, cancellationToken: ct));
        if (prior is not null) return await OutcomeAsync(code, prior.Outcome, status, mine, prior.Id, repeated: true, ct);

        var outcome = !status.SafeToUse ? Unsafe
            : mine is not null ? Matched
            : deliveries.Any(d => d.StationId != contractedStationId) ? NotContracted
            : NoMatchingDelivery;
        var other = mine ?? deliveries.FirstOrDefault(d => d.StationId != contractedStationId);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        try
        {
            var scanId = await conn.ExecuteScalarAsync<long>(new CommandDefinition(mine is null ? InsertScanSql : InsertAnsweringScanSql, new
            {
                scannedAt, customerId, userId, code, cylinderId = facts?.Id, outcome, statusCode = status.Code, deliveryId = mine?.Id, deliveredAt = other?.At,
                stationId = other?.StationId, workerId = other?.WorkerId, latitude, longitude,
            }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            if (facts is null)
                await unregistered.RecordAsync(new UnregisteredScan(code, ScanChannel.ReceivingScan, scannedAt, latitude, longitude, restaurant.DistrictCode,
                    "mp:" + userId, customerId, SourceKey: "rs:" + scanId), ct);
            if (mine is not null)
                await liveRates.CountAsync([], [new RateEvent(mine.At, customerId, mine.WorkerId, mine.StationId, restaurant.DistrictCode)], ct);
            return await OutcomeAsync(code, outcome, status, other, scanId, repeated: false, ct);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry && mine is not null)
        {
            // Another scan of the same delivery committed first: that one stands.
            await tx.RollbackAsync(ct);
            var first = await conn.QuerySingleAsync<PriorScan>(new CommandDefinition(ScannedDeliverySql, new { deliveryId = mine.Id }, cancellationToken: ct));
            return await OutcomeAsync(code, first.Outcome, status, mine, first.Id, repeated: true, ct);
        }
    }

    private async Task<ScanOutcome> OutcomeAsync(string code, string outcome, CylinderAssessment status, DeliveryRow? delivery, long scanId, bool repeated, CancellationToken ct)
    {
        ScanDelivery? shown = null;
        if (delivery is not null)
        {
            var station = await directory.GetEnterpriseAsync(delivery.StationId, ct);
            var worker = delivery.WorkerId is int w ? await directory.GetWorkerAsync(w, ct) : null;
            shown = new ScanDelivery(ShanghaiTime.FromUtc(delivery.At), station?.Name, worker is null ? null : $"{Mask.Name(worker.Name)} 工号{worker.EmployeeNumber}");
        }
        var (label, warning) = outcome switch
        {
            Matched => ("已核对：与配送记录一致", (string?)null),
            NotContracted => ("非签约供气站配送", "这个气瓶由与您没有供气合同的供气站配送，请核实来源，不要接收来历不明的气瓶。"),
            NoMatchingDelivery => ("没有对应的配送记录", "系统中没有这个气瓶配送给您的记录，可能是“黑气”。请暂不使用，联系您的签约供气站核实。"),
            _ => ("气瓶不安全：" + status.Label, status.Warning + status.Action),
        };
        return new ScanOutcome(code, outcome, label, warning, status.Code, status.Label, shown, scanId, repeated);
    }
}
