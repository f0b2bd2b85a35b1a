using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Database;
using MySqlConnector;

namespace CylinderTrace.Commercial;

/// <summary>
/// A restaurant may scan a cylinder before its delivery record arrives (DESIGN.md §5): when the
/// record comes, the scan is matched to it, inside the transaction that stores the delivery. An unsafe
/// scan stays unsafe but answers the delivery; a delivery is answered by one scan (INSERT IGNORE on
/// receiving_scan_deliveries' key).
/// </summary>
public static class LateMatching
{
    // Most deliveries are recorded before they are scanned: first ask (by the customer index) whether
    // any of these restaurants has an unanswered scan in the window at all.
    private const string AnyOpenSql =
        "SELECT customer_id FROM receiving_scans WHERE customer_id IN @@keys AND delivery_id IS NULL AND scanned_at >= @since LIMIT 1";
    private const string LinkHead = "UPDATE receiving_scans s JOIN (";
    // v: a0 cylinder, a1 delivered at, a2 customer, a3 hours after, a4 hours before. The scan may be
    // from a3 hours before the delivery to a4 hours after it (the window of a scan, turned round).
    private const string LinkTail =
        """
        ) v ON s.cylinder_id = v.a0 AND s.customer_id = v.a2
        JOIN deliveries d ON d.cylinder_id = v.a0 AND d.delivered_at = v.a1 AND d.customer_id = v.a2
        SET s.delivery_id = d.id, s.delivered_at = d.delivered_at, s.delivery_station_id = d.supply_station_id, s.worker_id = d.worker_id,
            s.outcome = CASE WHEN s.outcome = 'unsafe' THEN 'unsafe' ELSE 'matched' END
        WHERE s.delivery_id IS NULL AND s.scanned_at >= v.a1 - INTERVAL v.a3 HOUR AND s.scanned_at <= v.a1 + INTERVAL v.a4 HOUR
        """;
    private const string AnswerHead =
        "INSERT IGNORE INTO receiving_scan_deliveries (delivery_id, delivered_at, customer_id, scan_id, scanned_at) SELECT s.delivery_id, s.delivered_at, s.customer_id, s.id, s.scanned_at FROM receiving_scans s JOIN (";
    private const string AnswerTail = ") v ON s.cylinder_id = v.a0 AND s.customer_id = v.a2 AND s.delivered_at = v.a1 WHERE s.delivery_id IS NOT NULL";

    // The new deliveries that a scan answers now (they are new, so any answer is this call's).
    private const string AnsweredHead =
        """
        SELECT d.cylinder_id AS CylinderId, d.delivered_at AS At, d.customer_id AS CustomerId, s.id AS ScanId, s.user_id AS UserId, s.outcome AS Outcome,
               s.scanned_at AS ScannedAt, s.cylinder_code AS CylinderCode
        FROM receiving_scan_deliveries r JOIN deliveries d ON d.id = r.delivery_id AND d.delivered_at = r.delivered_at
        JOIN receiving_scans s ON s.id = r.scan_id AND s.scanned_at = r.scanned_at JOIN (
        """;
    private const string AnsweredTail = ") v ON d.cylinder_id = v.a0 AND d.delivered_at = v.a1 AND d.customer_id = v.a2";

    /// <summary>A scan that a late delivery record answered.</summary>
    public sealed class Answered
    {
        public long CylinderId { get; init; }
        public DateTime At { get; init; }
        public long CustomerId { get; init; }
        public long ScanId { get; init; }
        public long UserId { get; init; }
        public string Outcome { get; init; } = "";
        public DateTime ScannedAt { get; init; }
        public string CylinderCode { get; init; } = "";
    }

    /// <summary>Links waiting scans to these new deliveries; returns the scans that now answer one of them.</summary>
    public static async Task<List<Answered>> LinkAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<NewDelivery> deliveries,
        int hoursBefore, int hoursAfter, CancellationToken ct)
    {
        var since = deliveries.Min(d => d.At).AddHours(-hoursAfter);
        var open = await MultiRow.QueryInAsync<long, long>(conn, tx, AnyOpenSql, "@@keys", deliveries.Select(d => d.CustomerId).Distinct().ToList(), new { since }, ct);
        if (open.Count == 0) return [];
        object?[] Row(NewDelivery d) => [d.CylinderId, d.At, d.CustomerId, hoursAfter, hoursBefore];
        if (await MultiRow.ExecuteAsync(conn, tx, LinkHead, LinkTail, 5, deliveries, Row, ct, " UNION ALL ", "SELECT {0}", aliased: true) == 0) return [];
        await MultiRow.ExecuteAsync(conn, tx, AnswerHead, AnswerTail, 5, deliveries, Row, ct, " UNION ALL ", "SELECT {0}", aliased: true);
        return await MultiRow.QueryAsync<Answered, NewDelivery>(conn, tx, AnsweredHead, AnsweredTail, 3, deliveries, d => [d.CylinderId, d.At, d.CustomerId], ct);
    }
}
