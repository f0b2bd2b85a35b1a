using System.Globalization;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Complaints;

/// <summary>
/// Open311 GeoReport v2 read endpoints (JSON), so other city systems can follow complaints
/// (https://wiki.open311.org/GeoReport_v2). No personal data: no description text, no address, no
/// contact, no photos, and status_notes is the state's neutral note (ComplaintStatus.PublicNote), never
/// the handler's reply; the location is rounded to about a kilometre and the district named instead.
/// Every text published passes Mask.PublicText as well, the one rule for public text.
/// </summary>
public static class Open311Api
{
    public sealed record Service(string service_code, string service_name, string description, bool metadata, string type, string keywords, string group);

    public sealed record ServiceRequest(
        string service_request_id, string status, string? status_notes, string service_name, string service_code,
        string? agency_responsible, string? service_notice, DateTimeOffset requested_datetime, DateTimeOffset updated_datetime,
        DateTimeOffset? expected_datetime, string? address, string? zipcode, double? lat, double? @long, string? media_url);

    private const string SelectSql =
        """
        SELECT c.number, c.category, c.status, c.created_at AS CreatedAt, c.updated_at AS UpdatedAt, c.latitude, c.longitude,
               h.outcome AS Outcome, dup.number AS DuplicateOf, a.name AS Agency, d.name AS District, r.due_at AS DueAt
        FROM complaints c
        LEFT JOIN agencies a ON a.id = c.agency_id
        LEFT JOIN districts d ON d.code = c.district_code
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        LEFT JOIN complaints dup ON dup.id = h.duplicate_of

        """;

    private const string RequestsSql = SelectSql +
        """
        WHERE c.created_at >= @start AND c.created_at < @end AND (@category IS NULL OR c.category = @category)
        ORDER BY c.created_at DESC, c.id DESC LIMIT 1000
        """;

    private const string OneSql = SelectSql + "WHERE c.number = @number";

    private sealed class Row
    {
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public decimal? Latitude { get; init; }
        public decimal? Longitude { get; init; }
        public string? Outcome { get; init; }
        public string? DuplicateOf { get; init; }
        public string? Agency { get; init; }
        public string? District { get; init; }
        public DateTime? DueAt { get; init; }
    }

    public static IEndpointRouteBuilder MapOpen311Api(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/open311/v2").WithTags("Open311");
        g.MapGet("/services.json", () => TypedResults.Ok(ComplaintCategories.All.Select(c =>
            new Service(c.Code, c.Label, c.Description, false, "realtime", "液化气,气瓶", c.LeadAgencyKind))));
        g.MapGet("/requests.json", RequestsAsync);
        g.MapGet("/requests/{id}.json", OneAsync);
        return app;
    }

    internal static async Task<IResult> RequestsAsync(Db db, TimeProvider clock, CancellationToken ct, string? service_code = null,
        string? start_date = null, string? end_date = null, string? status = null, string? service_request_id = null)
    {
        if (service_request_id is not null)
        {
            var list = new List<ServiceRequest>();
            foreach (var id in service_request_id.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(100))
                if (await FindAsync(db, id, ct) is { } one) list.Add(one);
            return TypedResults.Ok(list);
        }
        var now = clock.GetUtcNow();
        if (!TryDate(end_date, now, out var end) || !TryDate(start_date, end.AddDays(-90), out var start) || start > end)
            return Problem.Of(400, "invalid-open311-query", "Invalid dates", "start_date 和 end_date 须为 W3C 日期时间（如 2026-11-01T00:00:00+08:00），且开始早于结束。");
        if (status is not (null or "open" or "closed"))
            return Problem.Of(400, "invalid-open311-query", "Invalid status", "status 只能是 open（未办结）或 closed（已办结）。");
        if (service_code is not null && ComplaintCategories.Find(service_code) is null)
            return Problem.Of(400, "invalid-open311-query", "Unknown service_code", "service_code 须为 /open311/v2/services.json 列出的类别代码之一。");
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(RequestsSql,
            new { start = start.UtcDateTime, end = end.UtcDateTime, category = service_code }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(Map).Where(r => status is null || r.status == status).ToList());
    }

    internal static async Task<IResult> OneAsync(string id, Db db, CancellationToken ct) =>
        await FindAsync(db, id, ct) is { } found
            ? TypedResults.Ok(new[] { found })
            : Problem.Of(404, "complaint-not-found", "Service request not found", $"没有编号为 {(id.Length > 30 ? id[..30] : id)} 的投诉。");

    private static async Task<ServiceRequest?> FindAsync(Db db, string number, CancellationToken ct)
    {
        if (number.Length > 20) return null;
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(OneSql, new { number }, cancellationToken: ct));
        return row is null ? null : Map(row);
    }

    private static ServiceRequest Map(Row r) => new(
        r.Number, ComplaintStatus.Open311(r.Status), Mask.PublicText(ComplaintStatus.PublicNote(r.Status, r.Outcome, r.DuplicateOf)),
        Mask.PublicText(ComplaintCategories.Find(r.Category)?.Label ?? r.Category), r.Category, Mask.PublicText(r.Agency), null,
        ShanghaiTime.FromUtc(r.CreatedAt), ShanghaiTime.FromUtc(r.UpdatedAt), r.DueAt is { } d ? ShanghaiTime.FromUtc(d) : null,
        Mask.PublicText(r.District), null,
        r.Latitude is { } lat ? Math.Round((double)lat, 2) : null, r.Longitude is { } lng ? Math.Round((double)lng, 2) : null, null);

    private static bool TryDate(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        if (text is null) { value = fallback; return true; }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}
