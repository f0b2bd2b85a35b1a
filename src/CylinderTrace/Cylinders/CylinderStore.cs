using System.ComponentModel;
using CylinderTrace.Platform.Database;
using Dapper;

namespace CylinderTrace.Cylinders;

/// <summary>The facts of one cylinder that its card is built from; cached as they are.</summary>
[ImmutableObject(true)]
public sealed record CylinderFacts(
    long Id,
    string Code,
    string Serial,
    string Spec,
    string Manufacturer,
    DateOnly ManufactureDate,
    DateOnly? LastInspectionDate,
    DateOnly? NextInspectionDate,
    DateOnly? ScrapDate,
    bool Scrapped,
    bool Detained,
    int OwnerId,
    int? SupplyStationId,
    DateTime? LastFillAtUtc,
    int? LastFillStationId,
    DateTime? LastDeliveryAtUtc,
    int? LastDeliveryStationId,
    int? LastDeliveryWorkerId)
{
    public CylinderDates Dates => new(ManufactureDate, LastInspectionDate, NextInspectionDate, ScrapDate, Scrapped, Detained, Spec,
        LastFillAtUtc is { } filledAt ? DateOnly.FromDateTime(Platform.Time.ShanghaiTime.FromUtc(filledAt).DateTime) : null, LastFillByOwner);

    /// <summary>
    /// False when the newest fill was by another enterprise. A filling station is the filling enterprise itself
    /// (enterprises of kind 'filling' own cylinders and fill them; supply stations do not fill), so the fill's
    /// station must be the owner.
    /// </summary>
    public bool LastFillByOwner => LastFillStationId is null || LastFillStationId == OwnerId;
}

/// <summary>Reads and writes the cylinders table (and, later, its trace events).</summary>
public sealed class CylinderStore(Db db)
{
    private const string FactsByCodeSql =
        """
        SELECT id, code, serial, spec, manufacturer, manufacture_date AS ManufactureDate,
               last_inspection_date AS LastInspectionDate, next_inspection_date AS NextInspectionDate,
               scrap_date AS ScrapDate, status, detained, owner_id AS OwnerId, supply_station_id AS SupplyStationId,
               last_fill_at AS LastFillAt, last_fill_station_id AS LastFillStationId,
               last_delivery_at AS LastDeliveryAt, last_delivery_station_id AS LastDeliveryStationId,
               last_delivery_worker_id AS LastDeliveryWorkerId
        FROM cylinders WHERE code = @code
        """;

    public async Task<CylinderFacts?> FindByCodeAsync(string code, CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FactsByCodeSql, new { code }, cancellationToken: ct));
        if (r is null) return null;
        return new CylinderFacts(r.Id, r.Code, r.Serial, r.Spec, r.Manufacturer, DateOnly.FromDateTime(r.ManufactureDate),
            ToDate(r.LastInspectionDate), ToDate(r.NextInspectionDate), ToDate(r.ScrapDate),
            r.Status == "scrapped", r.Detained, r.OwnerId, r.SupplyStationId,
            Utc(r.LastFillAt), r.LastFillStationId, Utc(r.LastDeliveryAt), r.LastDeliveryStationId, r.LastDeliveryWorkerId);
    }

    /// <summary>A registered cylinder as a label names it: its code, owner and supply station.</summary>
    public sealed record LabelCylinder(string Code, int OwnerId, int? SupplyStationId);

    private const string LabelsByCodeSql =
        "SELECT code AS Code, owner_id AS OwnerId, supply_station_id AS SupplyStationId FROM cylinders WHERE code IN @codes";

    // Codes of one length compare as their characters do, so a range of codes of one pattern is a range of the unique key.
    private const string LabelsInRangeSql =
        """
        SELECT code AS Code, owner_id AS OwnerId, supply_station_id AS SupplyStationId FROM cylinders
        WHERE code BETWEEN @from AND @to AND CHAR_LENGTH(code) = @length
        ORDER BY code LIMIT @limit
        """;

    /// <summary>The registered cylinders among these codes (unregistered ones are simply absent).</summary>
    public async Task<IReadOnlyList<LabelCylinder>> LabelCylindersAsync(IReadOnlyCollection<string> codes, CancellationToken ct = default)
    {
        if (codes.Count == 0) return [];
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<LabelCylinder>(new CommandDefinition(LabelsByCodeSql, new { codes }, cancellationToken: ct))).AsList();
    }

    /// <summary>Registered cylinders whose codes lie between two codes of the same length, in code order, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<LabelCylinder>> LabelCylindersInRangeAsync(string from, string to, int limit, CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<LabelCylinder>(new CommandDefinition(LabelsInRangeSql, new { from, to, length = from.Length, limit }, cancellationToken: ct))).AsList();
    }

    private static DateOnly? ToDate(DateTime? d) => d is { } v ? DateOnly.FromDateTime(v) : null;
    private static DateTime? Utc(DateTime? d) => d is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;

    private sealed class Row
    {
        public long Id { get; init; }
        public string Code { get; init; } = "";
        public string Serial { get; init; } = "";
        public string Spec { get; init; } = "";
        public string Manufacturer { get; init; } = "";
        public DateTime ManufactureDate { get; init; }
        public DateTime? LastInspectionDate { get; init; }
        public DateTime? NextInspectionDate { get; init; }
        public DateTime? ScrapDate { get; init; }
        public string Status { get; init; } = "";
        public bool Detained { get; init; }
        public int OwnerId { get; init; }
        public int? SupplyStationId { get; init; }
        public DateTime? LastFillAt { get; init; }
        public int? LastFillStationId { get; init; }
        public DateTime? LastDeliveryAt { get; init; }
        public int? LastDeliveryStationId { get; init; }
        public int? LastDeliveryWorkerId { get; init; }
    }
}
