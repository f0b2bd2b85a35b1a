using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Commercial;

/// <summary>Matched receiving scans ÷ deliveries over a period (deliveries counted by their own time).</summary>
public sealed record ScanRate(int Deliveries, int Scanned, double? Rate);

public sealed record UnscannedDelivery(DateTimeOffset DeliveredAt, string CylinderCode, string? Station, string? Worker);

/// <summary>A restaurant's own scan rate: today, the last 7 and 30 days (Asia/Shanghai days), and its recent unscanned deliveries.</summary>
public sealed record RestaurantRate(ScanRate Today, ScanRate Week, ScanRate Month, IReadOnlyList<UnscannedDelivery> Unscanned);

/// <summary>
/// Scan rates (DESIGN.md §5) of one restaurant: today from the live counters (<see cref="LiveScanRates"/>);
/// the last 7 and 30 days counted from the records themselves (its deliveries by ix_deliveries_customer,
/// its answered deliveries by receiving_scan_deliveries' customer index): a restaurant has a few
/// deliveries a day, so this is a handful of index reads and always exact, and rolling windows are what a
/// restaurant asks about (calendar weeks and months are in the roll-ups, <see cref="ScanRateRollups"/>).
/// </summary>
public sealed class ScanRates(Db db, EnterpriseDirectory directory, LiveScanRates live, TimeProvider clock)
{
    private const string DeliveriesSql = "SELECT COUNT(*) FROM deliveries WHERE customer_id = @customerId AND delivered_at >= @from AND delivered_at < @to";
    private const string ScannedSql = "SELECT COUNT(*) FROM receiving_scan_deliveries WHERE customer_id = @customerId AND delivered_at >= @from AND delivered_at < @to";
    private const string UnscannedSql =
        """
        SELECT d.delivered_at AS DeliveredAt, c.code AS CylinderCode, d.supply_station_id AS StationId, d.worker_id AS WorkerId
        FROM deliveries d JOIN cylinders c ON c.id = d.cylinder_id
        LEFT JOIN receiving_scan_deliveries r ON r.delivery_id = d.id
        WHERE d.customer_id = @customerId AND d.delivered_at >= @from AND d.delivered_at < @to AND r.delivery_id IS NULL
        ORDER BY d.delivered_at DESC LIMIT 50
        """;

    private sealed class UnscannedRow
    {
        public DateTime DeliveredAt { get; init; }
        public string CylinderCode { get; init; } = "";
        public int StationId { get; init; }
        public int? WorkerId { get; init; }
    }

    public async Task<RestaurantRate> ForRestaurantAsync(long customerId, CancellationToken ct)
    {
        var today = ShanghaiTime.Today(clock);
        DateTime Utc(DateOnly day) => ShanghaiTime.StartOfDayUtc(day);
        var end = Utc(today.AddDays(1));
        await using var conn = await db.OpenAsync(ct);
        async Task<ScanRate> RateAsync(DateOnly first)
        {
            var args = new { customerId, from = Utc(first), to = end };
            var deliveries = await conn.ExecuteScalarAsync<int>(new CommandDefinition(DeliveriesSql, args, cancellationToken: ct));
            var scanned = await conn.ExecuteScalarAsync<int>(new CommandDefinition(ScannedSql, args, cancellationToken: ct));
            return new ScanRate(deliveries, scanned, deliveries == 0 ? null : Math.Round((double)scanned / deliveries, 4));
        }
        // Live; with Redis away, counted from this restaurant's own rows (a handful of index reads).
        var todayRate = (await live.TryReadAsync([new RateSubject(RateDimensions.Customer, customerId)], ct))?[0] ?? await RateAsync(today);
        var week = await RateAsync(today.AddDays(-6));
        var month = await RateAsync(today.AddDays(-29));
        var rows = (await conn.QueryAsync<UnscannedRow>(new CommandDefinition(UnscannedSql, new { customerId, from = Utc(today.AddDays(-6)), to = end }, cancellationToken: ct))).ToList();
        var unscanned = new List<UnscannedDelivery>();
        foreach (var r in rows)
        {
            var station = await directory.GetEnterpriseAsync(r.StationId, ct);
            var worker = r.WorkerId is int w ? await directory.GetWorkerAsync(w, ct) : null;
            unscanned.Add(new UnscannedDelivery(ShanghaiTime.FromUtc(r.DeliveredAt), r.CylinderCode, station?.Name,
                worker is null ? null : $"{Mask.Name(worker.Name)} 工号{worker.EmployeeNumber}"));
        }
        return new RestaurantRate(todayRate, week, month, unscanned);
    }
}
