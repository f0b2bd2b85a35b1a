using CylinderTrace.Platform.Database;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Cylinders;

/// <summary>A registered cylinder as event ingestion needs it: the owner, and the dates and flags fills are judged by.</summary>
public sealed record CylinderRef(long Id, string Code, int OwnerId, CylinderDates Dates);

/// <summary>A fill of a code nobody registered, kept as reported (orphan_fills).</summary>
public sealed record NewOrphanFill(DateTime At, int EnterpriseId, int StationId, string Code, decimal? NetWeightKg, string EventId);

public sealed record NewFill(DateTime At, long CylinderId, int StationId, int OwnerId, decimal? NetWeightKg, string EventId);
public sealed record NewDelivery(DateTime At, long CylinderId, int StationId, int? WorkerId, long CustomerId, string EventId);
public sealed record NewReturn(DateTime At, long CylinderId, int StationId, long? CustomerId, string EventId);
public sealed record NewInspection(DateOnly On, long CylinderId, string Body, string Result, DateOnly? Next, string? ReportNumber, string EventId);
public sealed record IngestedEvent(long CylinderId, DateTime At, string EventId, string? CheckId);
public sealed record CylinderUpsert(string Code, string Serial, string Spec, string Manufacturer, DateOnly ManufactureDate, int OwnerId, int? SupplyStationId,
    DateOnly? LastInspectionDate, DateOnly? NextInspectionDate, DateOnly? ScrapDate, string Status);

/// <summary>
/// Batch writes of the cylinder registry and its trace events (fills, deliveries, returns of empties,
/// inspections), run inside the caller's transaction; multi-row statements through MultiRow. Each
/// event also lifts the cylinder's newest-event summary (last_* columns) when it is newer.
/// </summary>
public static class CylinderEvents
{
    private const string LookupSql =
        """
        SELECT id, code, owner_id AS OwnerId, spec, manufacture_date AS ManufactureDate, last_inspection_date AS LastInspectionDate,
               next_inspection_date AS NextInspectionDate, scrap_date AS ScrapDate, status, detained
        FROM cylinders WHERE code IN @@keys
        """;
    private const string OrphanFillsHead = "INSERT INTO orphan_fills (filled_at, enterprise_id, station_id, cylinder_code, net_weight_kg, external_event_id, recorded_at) VALUES ";

    /// <summary>The cylinder id ingested_events records for an event of an unregistered code (its row is in orphan_fills).</summary>
    public const long NoCylinder = 0;
    private const string KnownSql = "SELECT external_event_id FROM ingested_events WHERE enterprise_id = @enterpriseId AND kind = @kind AND external_event_id IN @@keys";
    private const string IngestedHead = "INSERT INTO ingested_events (enterprise_id, kind, external_event_id, cylinder_id, event_at, check_id, recorded_at) VALUES ";

    private const string FillsHead = "INSERT INTO fills (filled_at, cylinder_id, station_id, owner_id, net_weight_kg, external_event_id) VALUES ";
    private const string DeliveriesHead = "INSERT INTO deliveries (delivered_at, cylinder_id, supply_station_id, worker_id, customer_id, external_event_id) VALUES ";
    private const string ReturnsHead = "INSERT INTO empty_returns (returned_at, cylinder_id, supply_station_id, customer_id, external_event_id) VALUES ";
    private const string InspectionsHead = "INSERT INTO inspections (inspected_on, cylinder_id, inspection_body, result, next_inspection_date, report_number, external_event_id) VALUES ";

    // The newest-event summaries: one UPDATE … JOIN JSON_TABLE over the batch's newest event per cylinder (MultiRow.ExecuteJsonAsync).
    private const string FillSummarySql =
        """
        UPDATE cylinders c JOIN JSON_TABLE(@rows, '$[*]' COLUMNS (id BIGINT PATH '$[0]', at DATETIME(3) PATH '$[1]', station INT PATH '$[2]')) v ON v.id = c.id
        SET c.last_fill_at = v.at, c.last_fill_station_id = v.station, c.updated_at = NOW(3)
        WHERE c.last_fill_at IS NULL OR c.last_fill_at < v.at
        """;
    private const string DeliverySummarySql =
        """
        UPDATE cylinders c JOIN JSON_TABLE(@rows, '$[*]' COLUMNS (id BIGINT PATH '$[0]', at DATETIME(3) PATH '$[1]', station INT PATH '$[2]',
                                                                   worker INT PATH '$[3]', customer BIGINT PATH '$[4]')) v ON v.id = c.id
        SET c.last_delivery_at = v.at, c.last_delivery_station_id = v.station, c.last_delivery_worker_id = v.worker, c.last_delivery_customer_id = v.customer,
            c.supply_station_id = v.station, c.updated_at = NOW(3)
        WHERE c.last_delivery_at IS NULL OR c.last_delivery_at < v.at
        """;
    // The batch's newest record per cylinder (by inspection date, then its place in the batch) is newer
    // than what is stored when its date is later or the same: a record received later for the same day
    // corrects the earlier one (issue 17). next_date is the record's, or the pass's renewal by spec.
    private const string InspectionSummarySql =
        """
        UPDATE cylinders c JOIN JSON_TABLE(@rows, '$[*]' COLUMNS (id BIGINT PATH '$[0]', inspected DATE PATH '$[1]', next_date DATE PATH '$[2]')) v ON v.id = c.id
        SET c.last_inspection_date = v.inspected, c.next_inspection_date = COALESCE(v.next_date, c.next_inspection_date), c.updated_at = NOW(3)
        WHERE c.last_inspection_date IS NULL OR c.last_inspection_date <= v.inspected
        """;
    // A fail (判废) scraps the cylinder whenever it arrives, whatever its date: a scrapping verdict is not
    // undone by a record that contradicts it (nothing the API receives turns a scrapped cylinder back).
    private const string ScrapSql =
        """
        UPDATE cylinders c JOIN JSON_TABLE(@rows, '$[*]' COLUMNS (id BIGINT PATH '$[0]')) v ON v.id = c.id
        SET c.status = 'scrapped', c.updated_at = NOW(3) WHERE c.status <> 'scrapped'
        """;
    // The same four statements without JSON_TABLE (TiDB and MySQL before 8.0.4 lack it; MultiRow.UsesJsonTable decides):
    // a derived table of UNION ALL selects of the rows, columns a0, a1, … in the order of the JSON ones above.
    private const string SummaryHead = "UPDATE cylinders c JOIN (";
    private const string FillSummaryTail =
        """
        ) v ON v.a0 = c.id
        SET c.last_fill_at = v.a1, c.last_fill_station_id = v.a2, c.updated_at = NOW(3)
        WHERE c.last_fill_at IS NULL OR c.last_fill_at < v.a1
        """;
    private const string DeliverySummaryTail =
        """
        ) v ON v.a0 = c.id
        SET c.last_delivery_at = v.a1, c.last_delivery_station_id = v.a2, c.last_delivery_worker_id = v.a3, c.last_delivery_customer_id = v.a4,
            c.supply_station_id = v.a2, c.updated_at = NOW(3)
        WHERE c.last_delivery_at IS NULL OR c.last_delivery_at < v.a1
        """;
    private const string InspectionSummaryTail =
        """
        ) v ON v.a0 = c.id
        SET c.last_inspection_date = v.a1, c.next_inspection_date = COALESCE(v.a2, c.next_inspection_date), c.updated_at = NOW(3)
        WHERE c.last_inspection_date IS NULL OR c.last_inspection_date <= v.a1
        """;
    private const string ScrapTail = ") v ON v.a0 = c.id SET c.status = 'scrapped', c.updated_at = NOW(3) WHERE c.status <> 'scrapped'";

    private const string SpecsSql = "SELECT id AS Id, spec AS Spec FROM cylinders WHERE id IN @@keys";

    private const string CylinderUpsertHead =
        "INSERT INTO cylinders (code, serial, spec, manufacturer, manufacture_date, owner_id, supply_station_id, last_inspection_date, next_inspection_date, scrap_date, status) VALUES ";
    // VALUES(col) in ON DUPLICATE KEY UPDATE: understood by MariaDB and MySQL 8 (deprecated there, not removed).
    // The owner never changes here: a different owner is refused before this runs. A scrapped cylinder stays
    // scrapped: re-registering it must not put a cylinder judged for scrapping back in service.
    private const string CylinderUpsertTail =
        """
         ON DUPLICATE KEY UPDATE serial = VALUES(serial), spec = VALUES(spec), manufacturer = VALUES(manufacturer), manufacture_date = VALUES(manufacture_date),
           supply_station_id = COALESCE(VALUES(supply_station_id), supply_station_id),
           last_inspection_date = COALESCE(VALUES(last_inspection_date), last_inspection_date),
           next_inspection_date = COALESCE(VALUES(next_inspection_date), next_inspection_date),
           scrap_date = COALESCE(VALUES(scrap_date), scrap_date), status = IF(status = 'scrapped', status, VALUES(status)), updated_at = NOW(3)
        """;

    public static async Task<Dictionary<string, CylinderRef>> FindAsync(MySqlConnection conn, MySqlTransaction? tx, IReadOnlyList<string> codes, CancellationToken ct) =>
        codes.Count == 0 ? []
            : (await MultiRow.QueryInAsync<LookupRow, string>(conn, tx, LookupSql, "@@keys", codes, null, ct)).ToDictionary(c => c.Code, c => c.ToRef(), StringComparer.Ordinal);

    private sealed class LookupRow
    {
        public long Id { get; init; }
        public string Code { get; init; } = "";
        public int OwnerId { get; init; }
        public string Spec { get; init; } = "";
        public DateTime ManufactureDate { get; init; }
        public DateTime? LastInspectionDate { get; init; }
        public DateTime? NextInspectionDate { get; init; }
        public DateTime? ScrapDate { get; init; }
        public string Status { get; init; } = "";
        public bool Detained { get; init; }

        public CylinderRef ToRef() => new(Id, Code, OwnerId, new CylinderDates(DateOnly.FromDateTime(ManufactureDate), Date(LastInspectionDate), Date(NextInspectionDate),
            Date(ScrapDate), Status == "scrapped", Detained, Spec));

        private static DateOnly? Date(DateTime? d) => d is { } v ? DateOnly.FromDateTime(v) : null;
    }

    /// <summary>Keeps fills of unregistered codes as they were reported.</summary>
    public static Task InsertOrphanFillsAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<NewOrphanFill> fills, DateTime now, CancellationToken ct) =>
        MultiRow.ExecuteAsync(conn, tx, OrphanFillsHead, "", 7, fills, f => [f.At, f.EnterpriseId, f.StationId, f.Code, f.NetWeightKg, f.EventId, now], ct);

    /// <summary>Of these event ids of the enterprise, the ones already stored.</summary>
    public static async Task<HashSet<string>> KnownEventIdsAsync(MySqlConnection conn, MySqlTransaction tx, int enterpriseId, string kind, IReadOnlyList<string> ids, CancellationToken ct) =>
        ids.Count == 0 ? []
            : (await MultiRow.QueryInAsync<string, string>(conn, tx, KnownSql, "@@keys", ids, new { enterpriseId, kind }, ct)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Records the event ids; a concurrent batch that stored one first makes this throw a duplicate-key error (the caller retries).</summary>
    public static Task RecordIngestedAsync(MySqlConnection conn, MySqlTransaction tx, int enterpriseId, string kind, IReadOnlyList<IngestedEvent> events, DateTime now, CancellationToken ct) =>
        MultiRow.ExecuteAsync(conn, tx, IngestedHead, "", 7, events, e => [enterpriseId, kind, e.EventId, e.CylinderId, e.At, e.CheckId, now], ct);

    public static async Task InsertFillsAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<NewFill> fills, CancellationToken ct)
    {
        await MultiRow.ExecuteAsync(conn, tx, FillsHead, "", 6, fills, f => [f.At, f.CylinderId, f.StationId, f.OwnerId, f.NetWeightKg, f.EventId], ct);
        var newest = fills.GroupBy(f => f.CylinderId).Select(g => g.MaxBy(f => f.At)!).ToList();
        if (MultiRow.UsesJsonTable(conn))
            await MultiRow.ExecuteJsonAsync(conn, tx, FillSummarySql, newest, static (j, f) =>
            {
                j.WriteNumberValue(f.CylinderId);
                MultiRow.WriteDateTime(j, f.At);
                j.WriteNumberValue(f.StationId);
            }, ct);
        else
            await MultiRow.ExecuteDerivedAsync(conn, tx, SummaryHead, FillSummaryTail, 3, newest, f => [f.CylinderId, f.At, f.StationId], ct);
    }

    public static async Task InsertDeliveriesAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<NewDelivery> deliveries, CancellationToken ct)
    {
        await MultiRow.ExecuteAsync(conn, tx, DeliveriesHead, "", 6, deliveries, d => [d.At, d.CylinderId, d.StationId, d.WorkerId, d.CustomerId, d.EventId], ct);
        var newest = deliveries.GroupBy(d => d.CylinderId).Select(g => g.MaxBy(d => d.At)!).ToList();
        if (MultiRow.UsesJsonTable(conn))
            await MultiRow.ExecuteJsonAsync(conn, tx, DeliverySummarySql, newest, static (j, d) =>
            {
                j.WriteNumberValue(d.CylinderId);
                MultiRow.WriteDateTime(j, d.At);
                j.WriteNumberValue(d.StationId);
                if (d.WorkerId is int w) j.WriteNumberValue(w); else j.WriteNullValue();
                j.WriteNumberValue(d.CustomerId);
            }, ct);
        else
            await MultiRow.ExecuteDerivedAsync(conn, tx, SummaryHead, DeliverySummaryTail, 5, newest,
                d => [d.CylinderId, d.At, d.StationId, d.WorkerId, d.CustomerId], ct);
    }

    public static Task InsertReturnsAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<NewReturn> returns, CancellationToken ct) =>
        MultiRow.ExecuteAsync(conn, tx, ReturnsHead, "", 5, returns, r => [r.At, r.CylinderId, r.StationId, r.CustomerId, r.EventId], ct);

    /// <summary>
    /// Stores inspection records (in the order received) and brings their cylinders up to date: the newest
    /// record per cylinder (inspection date, then receipt) sets the last and next inspection dates, a pass
    /// without a next date renewing it by <paramref name="periodYears"/> of the cylinder's spec; a fail
    /// scraps the cylinder. At most three statements more per batch, none per record.
    /// </summary>
    public static async Task InsertInspectionsAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<NewInspection> inspections, Func<string, int> periodYears,
        CancellationToken ct)
    {
        await MultiRow.ExecuteAsync(conn, tx, InspectionsHead, "", 7, inspections,
            i => [i.On.ToDateTime(TimeOnly.MinValue), i.CylinderId, i.Body, i.Result, i.Next?.ToDateTime(TimeOnly.MinValue), i.ReportNumber, i.EventId], ct);
        // Later in the batch is received later: of one cylinder's records of the same day, the last wins.
        var newest = inspections.Select((i, order) => (i, order)).GroupBy(x => x.i.CylinderId)
            .Select(g => g.OrderBy(x => x.i.On).ThenBy(x => x.order).Last().i).ToList();
        var toRenew = newest.Where(i => i.Result == "pass" && i.Next is null).Select(i => i.CylinderId).ToList();
        var specs = toRenew.Count == 0 ? new Dictionary<long, string>()
            : (await MultiRow.QueryInAsync<(long Id, string Spec), long>(conn, tx, SpecsSql, "@@keys", toRenew, null, ct)).ToDictionary(r => r.Id, r => r.Spec);
        var summaries = newest.Select(i => i.Result == "pass" && i.Next is null && specs.TryGetValue(i.CylinderId, out var spec)
            ? i with { Next = i.On.AddYears(periodYears(spec)) } : i).ToList();
        var json = MultiRow.UsesJsonTable(conn);
        if (json)
            await MultiRow.ExecuteJsonAsync(conn, tx, InspectionSummarySql, summaries, static (j, i) =>
            {
                j.WriteNumberValue(i.CylinderId);
                j.WriteStringValue(i.On.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                if (i.Next is { } next) j.WriteStringValue(next.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)); else j.WriteNullValue();
            }, ct);
        else
            await MultiRow.ExecuteDerivedAsync(conn, tx, SummaryHead, InspectionSummaryTail, 3, summaries,
                i => [i.CylinderId, i.On.ToDateTime(TimeOnly.MinValue), i.Next?.ToDateTime(TimeOnly.MinValue)], ct);
        var failed = inspections.Where(i => i.Result == "fail").Select(i => i.CylinderId).Distinct().ToList();
        if (failed.Count == 0) return;
        if (json) await MultiRow.ExecuteJsonAsync(conn, tx, ScrapSql, failed, static (j, id) => j.WriteNumberValue(id), ct);
        else await MultiRow.ExecuteDerivedAsync(conn, tx, SummaryHead, ScrapTail, 1, failed, id => [id], ct);
    }

    public static Task UpsertCylindersAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<CylinderUpsert> rows, CancellationToken ct) =>
        MultiRow.ExecuteAsync(conn, tx, CylinderUpsertHead, CylinderUpsertTail, 11, rows, r =>
        [
            r.Code, r.Serial, r.Spec, r.Manufacturer, r.ManufactureDate.ToDateTime(TimeOnly.MinValue), r.OwnerId, r.SupplyStationId,
            r.LastInspectionDate?.ToDateTime(TimeOnly.MinValue), r.NextInspectionDate?.ToDateTime(TimeOnly.MinValue), r.ScrapDate?.ToDateTime(TimeOnly.MinValue), r.Status,
        ], ct);

    // ---- detention (Supervision's orders, in their transaction) ----

    /// <summary>A cylinder as a detention order needs it, locked for the order's transaction.</summary>
    public sealed record DetentionTarget(long Id, string Code, int OwnerId, int? LastDeliveryStationId, string Status);

    public static Task<DetentionTarget?> LockForDetentionAsync(MySqlConnection conn, MySqlTransaction tx, string code, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<DetentionTarget?>(new CommandDefinition(
            "SELECT id, code, owner_id AS OwnerId, last_delivery_station_id AS LastDeliveryStationId, status FROM cylinders WHERE code = @code FOR UPDATE",
            new { code }, tx, cancellationToken: ct));

    /// <summary>Detained everywhere the card's facts are read (card, fill check, receiving scans) once the caller commits and drops the card cache.</summary>
    public static Task DetainAsync(MySqlConnection conn, MySqlTransaction tx, long cylinderId, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("UPDATE cylinders SET detained = 1, updated_at = NOW(3) WHERE id = @cylinderId", new { cylinderId }, tx, cancellationToken: ct));

    /// <summary>
    /// The end of a detention: released (usable again), sent to inspection (next inspection date set to
    /// <paramref name="yesterday"/> at the latest, so fill checks refuse it as overdue until an inspection
    /// record moves the date on) or scrapped.
    /// </summary>
    public static Task ReleaseFromDetentionAsync(MySqlConnection conn, MySqlTransaction tx, long cylinderId, string disposal, DateOnly yesterday, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(disposal switch
        {
            "released" => "UPDATE cylinders SET detained = 0, updated_at = NOW(3) WHERE id = @cylinderId",
            "inspection" => "UPDATE cylinders SET detained = 0, next_inspection_date = LEAST(COALESCE(next_inspection_date, @yesterday), @yesterday), updated_at = NOW(3) WHERE id = @cylinderId",
            "scrapped" => "UPDATE cylinders SET detained = 0, status = 'scrapped', updated_at = NOW(3) WHERE id = @cylinderId",
            _ => throw new ArgumentOutOfRangeException(nameof(disposal), disposal, "released, inspection or scrapped"),
        }, new { cylinderId, yesterday = yesterday.ToDateTime(TimeOnly.MinValue) }, tx, cancellationToken: ct));
}
