using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Supervision;

/// <summary>Who delivered an unregistered code, as a restaurant reported it on its alert (or the registry names the permit's holder).</summary>
public sealed record LeadDeliverer(string? WorkerPermit, string? WorkerName, string? VehiclePlate, string? SupplierName, string? ComplaintNumber);

/// <summary>One unregistered code seen in the viewer's jurisdiction. Scanners is a count of distinct people: who they are is never shown.</summary>
public sealed record BlackGasLead(string CylinderCode, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, int Scans, int Scanners,
    IReadOnlyList<string> Channels, IReadOnlyList<string> Districts, IReadOnlyList<string> Restaurants, IReadOnlyList<LeadDeliverer> Deliverers,
    string? DetentionNumber, string? DetentionStatus);

/// <summary>Scans of unregistered codes in one district and week (Monday, Asia/Shanghai).</summary>
public sealed record BlackGasHotSpot(string DistrictCode, string District, DateOnly WeekStart, int Scans, int Codes);

public sealed record BlackGasLeadList(string Jurisdiction, DateOnly Since, IReadOnlyList<BlackGasLead> Codes, IReadOnlyList<BlackGasHotSpot> HotSpots);

/// <summary>
/// 黑气线索: the unregistered codes scanned in a jurisdiction (an agency of the city: every district and the scans no district was
/// found for; a district's agency: its own district's scans), with first and last seen, the number of scans and of distinct
/// scanners, the channels and districts, the restaurants that received them and the deliverers the restaurants named; and the hot
/// spots (scans by district and week). Read-only over Cylinders' unregistered_scans and Commercial's alerts.
/// </summary>
public sealed class BlackGasLeads(Db db, ReportDb reports, TimeProvider clock)
{
    public const int MaxCodes = 200;

    // Codes are grouped over the jurisdiction's scans only, so a district's bureau counts what happened in its district.
    private const string CodesSql =
        """
        SELECT s.cylinder_code AS Code, MIN(s.scanned_at) AS FirstSeen, MAX(s.scanned_at) AS LastSeen, COUNT(*) AS Scans,
               COUNT(DISTINCT s.scanner_hash) AS Scanners, GROUP_CONCAT(DISTINCT s.channel ORDER BY s.channel) AS Channels,
               GROUP_CONCAT(DISTINCT s.district_code ORDER BY s.district_code) AS Districts
        FROM unregistered_scans s
        WHERE s.scanned_at >= @since AND (@all = 1 OR s.district_code IN @districts) AND (@district IS NULL OR s.district_code = @district)
        GROUP BY s.cylinder_code ORDER BY LastSeen DESC LIMIT 200
        """;
    private const string RestaurantsSql =
        """
        SELECT DISTINCT s.cylinder_code AS Code, c.business_name AS Name FROM unregistered_scans s JOIN customers c ON c.id = s.customer_id
        WHERE s.cylinder_code IN @codes AND s.customer_id IS NOT NULL AND s.scanned_at >= @since AND (@all = 1 OR s.district_code IN @districts)
        """;
    private const string DeliverersSql =
        """
        SELECT DISTINCT c.cylinder_code AS Code, a.worker_permit AS WorkerPermit, COALESCE(a.worker_name, w.name) AS WorkerName, a.vehicle_plate AS VehiclePlate,
               a.supplier_name AS SupplierName, a.complaint_number AS ComplaintNumber
        FROM delivery_alert_codes c JOIN delivery_alerts a ON a.id = c.alert_id
        LEFT JOIN delivery_workers w ON w.permit_number = a.worker_permit AND a.worker_permit IS NOT NULL
        WHERE c.cylinder_code IN @codes AND a.deliverer_reported_at IS NOT NULL AND (@all = 1 OR a.district_code IN @districts)
        """;
    private const string DetentionsSql =
        "SELECT cylinder_code AS Code, number, status FROM black_gas_detentions WHERE cylinder_code IN @codes ORDER BY status = 'open', issued_at";
    // Weeks start on Monday in Asia/Shanghai (UTC+8, no daylight saving).
    private const string HotSpotsSql =
        """
        SELECT COALESCE(s.district_code, '') AS DistrictCode,
               DATE(s.scanned_at + INTERVAL 8 HOUR) - INTERVAL WEEKDAY(s.scanned_at + INTERVAL 8 HOUR) DAY AS WeekStart,
               COUNT(*) AS Scans, COUNT(DISTINCT s.cylinder_code) AS Codes
        FROM unregistered_scans s
        WHERE s.scanned_at >= @since AND (@all = 1 OR s.district_code IN @districts)
        GROUP BY DistrictCode, WeekStart ORDER BY WeekStart DESC, Scans DESC, DistrictCode
        """;

    private sealed class CodeRow
    {
        public string Code { get; init; } = "";
        public DateTime FirstSeen { get; init; }
        public DateTime LastSeen { get; init; }
        public long Scans { get; init; }
        public long Scanners { get; init; }
        public string? Channels { get; init; }
        public string? Districts { get; init; }
    }

    private sealed class DelivererRow
    {
        public string Code { get; init; } = "";
        public string? WorkerPermit { get; init; }
        public string? WorkerName { get; init; }
        public string? VehiclePlate { get; init; }
        public string? SupplierName { get; init; }
        public string? ComplaintNumber { get; init; }
    }

    private sealed class HotSpotRow
    {
        public string DistrictCode { get; init; } = "";
        public DateTime WeekStart { get; init; }
        public long Scans { get; init; }
        public long Codes { get; init; }
    }

    /// <summary>The leads of the last <paramref name="days"/> days in a jurisdiction (null: all districts), optionally one district only.</summary>
    public async Task<BlackGasLeadList> ListAsync(IReadOnlyCollection<string>? districts, int days, string? district, CancellationToken ct)
    {
        var today = ShanghaiTime.Today(clock);
        var sinceDay = today.AddDays(-(days - 1));
        var since = ShanghaiTime.StartOfDayUtc(sinceDay);
        var p = new { since, all = districts is null ? 1 : 0, districts = districts ?? ["-"], district };
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<CodeRow>(new CommandDefinition(CodesSql, p, cancellationToken: ct))).ToList();
        var codes = rows.Select(r => r.Code).ToList();
        ILookup<string, string> restaurants = Array.Empty<(string, string)>().ToLookup(x => x.Item1, x => x.Item2);
        ILookup<string, DelivererRow> deliverers = Array.Empty<DelivererRow>().ToLookup(x => x.Code);
        Dictionary<string, (string Number, string Status)> detentions = [];
        if (codes.Count > 0)
        {
            var q = new { codes, p.since, p.all, p.districts };
            restaurants = (await conn.QueryAsync<(string Code, string? Name)>(new CommandDefinition(RestaurantsSql, q, cancellationToken: ct)))
                .ToLookup(r => r.Code, r => r.Name ?? "（未填写名称的商户）");
            deliverers = (await conn.QueryAsync<DelivererRow>(new CommandDefinition(DeliverersSql, q, cancellationToken: ct))).ToLookup(d => d.Code);
            foreach (var (code, number, status) in await conn.QueryAsync<(string, string, string)>(new CommandDefinition(DetentionsSql, new { codes }, cancellationToken: ct)))
                detentions[code] = (number, status);
        }
        var hot = (await conn.QueryAsync<HotSpotRow>(new CommandDefinition(HotSpotsSql, p, cancellationToken: ct)))
            .Select(h => new BlackGasHotSpot(h.DistrictCode, h.DistrictCode.Length == 0 ? "未定区县" : Platform.ReferenceData.Districts.Name(h.DistrictCode),
                DateOnly.FromDateTime(h.WeekStart), (int)h.Scans, (int)h.Codes)).ToList();
        var leads = rows.Select(r => new BlackGasLead(r.Code, ShanghaiTime.FromUtc(r.FirstSeen), ShanghaiTime.FromUtc(r.LastSeen), (int)r.Scans, (int)r.Scanners,
            Split(r.Channels).Select(UnregisteredScans.ChannelLabel).ToList(), Split(r.Districts).Select(Platform.ReferenceData.Districts.Name).ToList(),
            restaurants[r.Code].Distinct().ToList(),
            deliverers[r.Code].Select(d => new LeadDeliverer(d.WorkerPermit, d.WorkerName, d.VehiclePlate, d.SupplierName, d.ComplaintNumber)).ToList(),
            detentions.TryGetValue(r.Code, out var det) ? det.Number : null, detentions.TryGetValue(r.Code, out det) ? BlackGasDetentions.StatusLabel(det.Status) : null)).ToList();
        return new BlackGasLeadList(districts is null ? "全市" : string.Join("、", districts.Select(Platform.ReferenceData.Districts.Name)), sinceDay, leads, hot);
    }

    private const string PeriodHotSpotsSql =
        """
        SELECT COALESCE(s.district_code, '') AS DistrictCode, COUNT(*) AS Scans, COUNT(DISTINCT s.cylinder_code) AS Codes
        FROM unregistered_scans s
        WHERE s.scanned_at >= @from AND s.scanned_at < @to AND (@all = 1 OR s.district_code IN @districts)
        GROUP BY DistrictCode ORDER BY Scans DESC, DistrictCode LIMIT 10
        """;

    /// <summary>A digest's black-gas hot spots: scans of unregistered codes in [from, to) by district, most first (10).</summary>
    public async Task<IReadOnlyList<BlackGasHotSpot>> HotSpotsAsync(IReadOnlyCollection<string>? districts, DateOnly first, DateTime fromUtc, DateTime toUtc,
        CancellationToken ct)
    {
        await using var conn = await reports.OpenAsync(ct); // the digests' hot spots: a report
        return (await conn.QueryAsync<HotSpotRow>(new CommandDefinition(PeriodHotSpotsSql,
                new { from = fromUtc, to = toUtc, all = districts is null ? 1 : 0, districts = districts ?? ["-"] }, cancellationToken: ct)))
            .Select(h => new BlackGasHotSpot(h.DistrictCode, h.DistrictCode.Length == 0 ? "未定区县" : Platform.ReferenceData.Districts.Name(h.DistrictCode),
                first, (int)h.Scans, (int)h.Codes)).ToList();
    }

    private static IEnumerable<string> Split(string? csv) => string.IsNullOrEmpty(csv) ? [] : csv.Split(',');
}
