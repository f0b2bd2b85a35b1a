using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Cylinders;

/// <summary>One event in a cylinder's recent trace.</summary>
public sealed record TraceEvent(DateTimeOffset At, string Kind, string Label, string? Where, string? Detail);

/// <summary>
/// A cylinder's recent trace for staff (fills, deliveries, restaurants' receiving scans, inspections,
/// newest first), read from the partitioned event tables by their (cylinder_id, time) indexes. Names
/// come from the enterprise directory; delivery workers are masked; household customers are not
/// shown (a restaurant's business name is a public business fact).
/// </summary>
public sealed class CylinderHistory(Db db, EnterpriseDirectory directory)
{
    private const string FillsSql =
        "SELECT filled_at AS At, station_id AS StationId, owner_id AS OwnerId, net_weight_kg AS NetWeightKg FROM fills WHERE cylinder_id = @id ORDER BY filled_at DESC LIMIT @take";
    private const string DeliveriesSql =
        "SELECT delivered_at AS At, supply_station_id AS StationId, worker_id AS WorkerId FROM deliveries WHERE cylinder_id = @id ORDER BY delivered_at DESC LIMIT @take";
    private const string ScansSql =
        """
        SELECT s.scanned_at AS At, s.outcome, c.business_name AS BusinessName FROM receiving_scans s JOIN customers c ON c.id = s.customer_id
        WHERE s.cylinder_id = @id ORDER BY s.scanned_at DESC LIMIT @take
        """;
    private const string InspectionsSql =
        "SELECT inspected_on AS At, inspection_body AS Body, result, next_inspection_date AS NextDate FROM inspections WHERE cylinder_id = @id ORDER BY inspected_on DESC LIMIT @take";

    private sealed class FillRow { public DateTime At { get; init; } public int StationId { get; init; } public int OwnerId { get; init; } public decimal? NetWeightKg { get; init; } }
    private sealed class DeliveryRow { public DateTime At { get; init; } public int StationId { get; init; } public int? WorkerId { get; init; } }
    private sealed class ScanRow { public DateTime At { get; init; } public string Outcome { get; init; } = ""; public string? BusinessName { get; init; } }
    private sealed class InspectionRow { public DateTime At { get; init; } public string Body { get; init; } = ""; public string Result { get; init; } = ""; public DateTime? NextDate { get; init; } }

    public async Task<IReadOnlyList<TraceEvent>> RecentAsync(long cylinderId, int take, CancellationToken ct)
    {
        List<FillRow> fills; List<DeliveryRow> deliveries; List<InspectionRow> inspections; List<ScanRow> scans;
        await using (var conn = await db.OpenAsync(ct))
        {
            fills = (await conn.QueryAsync<FillRow>(new CommandDefinition(FillsSql, new { id = cylinderId, take }, cancellationToken: ct))).ToList();
            deliveries = (await conn.QueryAsync<DeliveryRow>(new CommandDefinition(DeliveriesSql, new { id = cylinderId, take }, cancellationToken: ct))).ToList();
            inspections = (await conn.QueryAsync<InspectionRow>(new CommandDefinition(InspectionsSql, new { id = cylinderId, take }, cancellationToken: ct))).ToList();
            scans = (await conn.QueryAsync<ScanRow>(new CommandDefinition(ScansSql, new { id = cylinderId, take }, cancellationToken: ct))).ToList();
        }
        var events = new List<TraceEvent>();
        foreach (var f in fills)
        {
            var station = await directory.GetEnterpriseAsync(f.StationId, ct);
            var foreign = f.OwnerId != f.StationId; // the card's rule: a fill by a station that does not own the cylinder
            events.Add(new TraceEvent(ShanghaiTime.FromUtc(f.At), "fill", "充装", station?.Name,
                (f.NetWeightKg is { } kg ? $"净重 {kg:0.##} kg" : null) + (foreign ? "（非产权单位充装）" : "")));
        }
        foreach (var d in deliveries)
        {
            var station = await directory.GetEnterpriseAsync(d.StationId, ct);
            var worker = d.WorkerId is int w ? await directory.GetWorkerAsync(w, ct) : null;
            events.Add(new TraceEvent(ShanghaiTime.FromUtc(d.At), "delivery", "配送", station?.Name,
                worker is null ? null : $"送气工 {Mask.Name(worker.Name)} 工号 {worker.EmployeeNumber}"));
        }
        foreach (var sc in scans)
            events.Add(new TraceEvent(ShanghaiTime.FromUtc(sc.At), "receiving_scan", "商户进货扫码", sc.BusinessName, sc.Outcome switch
            {
                "matched" => "与配送记录一致",
                "not_contracted" => "非签约供气站配送",
                "no_matching_delivery" => "没有对应的配送记录",
                _ => "气瓶不安全",
            }));
        foreach (var i in inspections)
            events.Add(new TraceEvent(new DateTimeOffset(DateTime.SpecifyKind(i.At, DateTimeKind.Unspecified), TimeSpan.FromHours(8)), "inspection", "定期检验", i.Body,
                $"结论 {i.Result}" + (i.NextDate is { } n ? $"，下次检验 {n:yyyy-MM-dd}" : "")));
        return events.OrderByDescending(e => e.At).Take(take).ToList();
    }
}
