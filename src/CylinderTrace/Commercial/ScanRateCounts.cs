using Dapper;
using MySqlConnector;

namespace CylinderTrace.Commercial;

/// <summary>The subjects a scan rate is kept for (DESIGN.md §5), with the letter each has in the live counters.</summary>
public static class RateDimensions
{
    public const string Customer = "customer";
    public const string Worker = "worker";
    public const string Station = "station";
    public const string Enterprise = "enterprise";
    public const string District = "district";

    public static readonly IReadOnlyList<string> All = [Customer, Worker, Station, Enterprise, District];

    public static bool IsKnown(string? dimension) => dimension is not null && All.Contains(dimension);

    public static char Letter(string dimension) => dimension switch
    {
        Customer => 'c',
        Worker => 'w',
        Station => 's',
        Enterprise => 'e',
        District => 'r',
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "unknown scan-rate dimension"),
    };
}

/// <summary>One delivery to a commercial customer as the rates count it (and, for a scan, the delivery it answers).</summary>
public sealed record RateEvent(DateTime DeliveredAtUtc, long CustomerId, int? WorkerId, int StationId, string DistrictCode);

/// <summary>Deliveries and scanned deliveries of one subject.</summary>
public sealed class RateTally
{
    public int Deliveries { get; set; }
    public int Scanned { get; set; }
    public string DistrictCode { get; set; } = "";
}

public readonly record struct RateSubject(string Dimension, long Id);

/// <summary>
/// Counting scan rates from the records themselves: deliveries to commercial customers, joined with
/// receiving_scan_deliveries (the scan that answered each), grouped by Asia/Shanghai day, customer,
/// worker and station in one pass, then spread over the five dimensions here. Used to rebuild the live
/// counters, the roll-ups and their nightly reconciliation, so all three count the same way.
/// </summary>
public static class ScanRateCounts
{
    // Asia/Shanghai is UTC+8 all year (no daylight saving since 1991), so a day is DATE(utc + 8 h).
    // The optimiser drives this from the commercial customers (ix_customers_kind_district) into
    // ix_deliveries_customer, so a day reads only restaurants' deliveries.
    private const string CellsSql =
        """
        SELECT DATE(d.delivered_at + INTERVAL 8 HOUR) AS Day, d.customer_id AS CustomerId, d.worker_id AS WorkerId, d.supply_station_id AS StationId,
               c.district_code AS DistrictCode, COUNT(*) AS Deliveries, COUNT(r.delivery_id) AS Scanned
        FROM deliveries d JOIN customers c ON c.id = d.customer_id
        LEFT JOIN receiving_scan_deliveries r ON r.delivery_id = d.id
        WHERE d.delivered_at >= @from AND d.delivered_at < @to AND c.kind = 'commercial'
        GROUP BY DATE(d.delivered_at + INTERVAL 8 HOUR), d.customer_id, d.worker_id, d.supply_station_id, c.district_code
        """;
    private const string EnterprisesSql = "SELECT id AS Id, parent_id AS ParentId, district_code AS DistrictCode FROM enterprises";

    public sealed class Cell
    {
        public DateTime Day { get; init; }
        public long CustomerId { get; init; }
        public int? WorkerId { get; init; }
        public int StationId { get; init; }
        public string DistrictCode { get; init; } = "";
        public int Deliveries { get; init; }
        public int Scanned { get; init; }
    }

    public sealed class EnterpriseRow
    {
        public int Id { get; init; }
        public int? ParentId { get; init; }
        public string DistrictCode { get; init; } = "";
    }

    /// <summary>The counted cells of deliveries made in [fromUtc, toUtc).</summary>
    public static async Task<List<Cell>> CellsAsync(MySqlConnection conn, DateTime fromUtc, DateTime toUtc, CancellationToken ct) =>
        (await conn.QueryAsync<Cell>(new CommandDefinition(CellsSql, new { from = fromUtc, to = toUtc }, commandTimeout: 600, cancellationToken: ct))).AsList();

    public static async Task<Dictionary<int, EnterpriseRow>> EnterprisesAsync(MySqlConnection conn, CancellationToken ct) =>
        (await conn.QueryAsync<EnterpriseRow>(new CommandDefinition(EnterprisesSql, cancellationToken: ct))).ToDictionary(e => e.Id);

    /// <summary>
    /// Spreads cells over the dimensions. A subject's district is the customer's for customers and
    /// districts, and the station's (or enterprise's) own for workers, stations and enterprises; an
    /// enterprise is the station's filling enterprise (its parent), or the station itself when it has none.
    /// </summary>
    public static Dictionary<RateSubject, RateTally> Spread(IEnumerable<Cell> cells, IReadOnlyDictionary<int, EnterpriseRow> enterprises)
    {
        var tallies = new Dictionary<RateSubject, RateTally>();
        foreach (var c in cells)
            Add(tallies, c.CustomerId, c.WorkerId, c.StationId, c.DistrictCode, c.Deliveries, c.Scanned, enterprises);
        return tallies;
    }

    public static void Add(Dictionary<RateSubject, RateTally> tallies, long customerId, int? workerId, int stationId, string customerDistrict,
        int deliveries, int scanned, IReadOnlyDictionary<int, EnterpriseRow> enterprises)
    {
        var station = enterprises.GetValueOrDefault(stationId);
        var stationDistrict = station?.DistrictCode ?? customerDistrict;
        var enterpriseId = station?.ParentId ?? stationId;
        var enterpriseDistrict = enterprises.GetValueOrDefault(enterpriseId)?.DistrictCode ?? stationDistrict;
        Bump(tallies, new(RateDimensions.Customer, customerId), customerDistrict, deliveries, scanned);
        if (workerId is int w) Bump(tallies, new(RateDimensions.Worker, w), stationDistrict, deliveries, scanned);
        Bump(tallies, new(RateDimensions.Station, stationId), stationDistrict, deliveries, scanned);
        Bump(tallies, new(RateDimensions.Enterprise, enterpriseId), enterpriseDistrict, deliveries, scanned);
        if (long.TryParse(customerDistrict, out var district)) Bump(tallies, new(RateDimensions.District, district), customerDistrict, deliveries, scanned);
    }

    private static void Bump(Dictionary<RateSubject, RateTally> tallies, RateSubject subject, string district, int deliveries, int scanned)
    {
        if (!tallies.TryGetValue(subject, out var t)) tallies[subject] = t = new RateTally { DistrictCode = district };
        t.Deliveries += deliveries;
        t.Scanned += scanned;
    }
}
