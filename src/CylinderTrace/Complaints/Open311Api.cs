using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Complaints;

/// <summary>
/// Open311 GeoReport v2 read endpoints, so other city systems can follow complaints
/// (https://wiki.open311.org/GeoReport_v2): GET services, GET requests, GET a request, each as JSON (.json) or as the
/// spec's XML (.xml: root elements services/service_requests, one service/request element per item with the spec's
/// field names as child elements, an XML declaration naming UTF-8, text/xml; errors as errors/error with code and
/// description, as the spec's "Errors" section shows). No personal data: no description text, no address, no
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

    // The status filter and the category are in the WHERE clause, so LIMIT 1000 counts only matching complaints
    // (ix_complaints_created, ix_complaints_category_created: migration 0027). "closed" is every state that is not open,
    // as ComplaintStatus.Open311 maps them.
    private const string InPeriod = SelectSql + "WHERE c.created_at >= @start AND c.created_at < @end";
    private const string Newest = "\nORDER BY c.created_at DESC, c.id DESC LIMIT 1000";
    private const string RequestsSql = InPeriod + Newest;
    private const string RequestsOfCategorySql = InPeriod + " AND c.category = @category" + Newest;
    private const string OpenRequestsSql = InPeriod + " AND c.status IN @open" + Newest;
    private const string OpenRequestsOfCategorySql = InPeriod + " AND c.category = @category AND c.status IN @open" + Newest;
    private const string ClosedRequestsSql = InPeriod + " AND c.status NOT IN @open" + Newest;
    private const string ClosedRequestsOfCategorySql = InPeriod + " AND c.category = @category AND c.status NOT IN @open" + Newest;

    private const string OneSql = SelectSql + "WHERE c.number = @number";

    /// <summary>Up to 100 complaints by number in one query (service_request_id=a,b,c).</summary>
    private const string ManySql = SelectSql + "WHERE c.number IN @numbers";

    private static readonly string[] OpenStates = [ComplaintStatus.Submitted, ComplaintStatus.Routed, ComplaintStatus.InProgress, ComplaintStatus.WaitingInfo];

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
        g.MapGet("/services.json", () => TypedResults.Ok(Services()));
        g.MapGet("/services.xml", () => Xml(ServicesXml(Services())));
        g.MapGet("/requests.json", RequestsAsync);
        g.MapGet("/requests.xml", RequestsXmlAsync);
        g.MapGet("/requests/{id}.json", OneAsync);
        g.MapGet("/requests/{id}.xml", OneXmlAsync);
        return app;
    }

    private static List<Service> Services() =>
        ComplaintCategories.All.Select(c => new Service(c.Code, c.Label, c.Description, false, "realtime", "液化气,气瓶", c.LeadAgencyKind)).ToList();

    /// <summary>A query's answer: the requests, or a 400 with its Chinese reason.</summary>
    private sealed record Answer(List<ServiceRequest>? Requests, string? Title, string? Error);

    internal static async Task<IResult> RequestsAsync(ReportDb db, TimeProvider clock, CancellationToken ct, string? service_code = null,
        string? start_date = null, string? end_date = null, string? status = null, string? service_request_id = null)
    {
        var answer = await QueryAsync(db, clock, service_code, start_date, end_date, status, service_request_id, ct);
        return answer.Requests is { } list ? TypedResults.Ok(list) : Problem.Of(400, "invalid-open311-query", answer.Title!, answer.Error!);
    }

    internal static async Task<IResult> RequestsXmlAsync(ReportDb db, TimeProvider clock, CancellationToken ct, string? service_code = null,
        string? start_date = null, string? end_date = null, string? status = null, string? service_request_id = null)
    {
        var answer = await QueryAsync(db, clock, service_code, start_date, end_date, status, service_request_id, ct);
        return answer.Requests is { } list ? Xml(RequestsXml(list)) : Xml(ErrorXml(400, answer.Error!), 400);
    }

    private static async Task<Answer> QueryAsync(ReportDb db, TimeProvider clock, string? service_code, string? start_date, string? end_date, string? status,
        string? service_request_id, CancellationToken ct)
    {
        if (service_request_id is not null)
            return new Answer(await FindManyAsync(db, service_request_id.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(100).ToList(), ct), null, null);
        var now = clock.GetUtcNow();
        if (!TryDate(end_date, now, out var end) || !TryDate(start_date, end.AddDays(-90), out var start) || start > end)
            return new Answer(null, "Invalid dates", "start_date 和 end_date 须为 W3C 日期时间（如 2026-11-01T00:00:00+08:00），且开始早于结束。");
        if (status is not (null or "open" or "closed"))
            return new Answer(null, "Invalid status", "status 只能是 open（未办结）或 closed（已办结）。");
        if (service_code is not null && ComplaintCategories.Find(service_code) is null)
            return new Answer(null, "Unknown service_code", "service_code 须为 /open311/v2/services.json 列出的类别代码之一。");
        var sql = (status, service_code) switch
        {
            (null, null) => RequestsSql,
            (null, _) => RequestsOfCategorySql,
            ("open", null) => OpenRequestsSql,
            ("open", _) => OpenRequestsOfCategorySql,
            (_, null) => ClosedRequestsSql,
            _ => ClosedRequestsOfCategorySql,
        };
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(sql,
            new { start = start.UtcDateTime, end = end.UtcDateTime, category = service_code, open = OpenStates }, cancellationToken: ct));
        return new Answer(rows.Select(Map).ToList(), null, null);
    }

    internal static async Task<IResult> OneAsync(string id, ReportDb db, CancellationToken ct) =>
        await FindAsync(db, id, ct) is { } found
            ? TypedResults.Ok(new[] { found })
            : Problem.Of(404, "complaint-not-found", "Service request not found", NotFound(id));

    internal static async Task<IResult> OneXmlAsync(string id, ReportDb db, CancellationToken ct) =>
        await FindAsync(db, id, ct) is { } found ? Xml(RequestsXml([found])) : Xml(ErrorXml(404, NotFound(id)), 404);

    private static string NotFound(string id) => $"没有编号为 {(id.Length > 30 ? id[..30] : id)} 的投诉。";

    private static async Task<ServiceRequest?> FindAsync(ReportDb db, string number, CancellationToken ct)
    {
        if (number.Length > 20) return null;
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(OneSql, new { number }, cancellationToken: ct));
        return row is null ? null : Map(row);
    }

    /// <summary>The complaints named, in the order asked for, unknown numbers left out: one query on one connection.</summary>
    private static async Task<List<ServiceRequest>> FindManyAsync(ReportDb db, List<string> numbers, CancellationToken ct)
    {
        var asked = numbers.Where(n => n.Length <= 20).Distinct(StringComparer.Ordinal).ToList();
        if (asked.Count == 0) return [];
        await using var conn = await db.OpenAsync(ct);
        var found = (await conn.QueryAsync<Row>(new CommandDefinition(ManySql, new { numbers = asked }, cancellationToken: ct)))
            .ToDictionary(r => r.Number, StringComparer.OrdinalIgnoreCase);
        return asked.Where(found.ContainsKey).Select(n => Map(found[n])).ToList();
    }

    private static IResult Xml(XDocument document, int status = 200)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
            document.Save(writer);
        return Results.Text(Encoding.UTF8.GetString(buffer.ToArray()), "text/xml; charset=utf-8", Encoding.UTF8, status);
    }

    private static XDocument ServicesXml(IEnumerable<Service> services) => new(new XDeclaration("1.0", "utf-8", null),
        new XElement("services", services.Select(s => new XElement("service",
            new XElement("service_code", s.service_code), new XElement("service_name", s.service_name), new XElement("description", s.description),
            new XElement("metadata", s.metadata ? "true" : "false"), new XElement("type", s.type), new XElement("keywords", s.keywords), new XElement("group", s.group)))));

    private static XDocument RequestsXml(IEnumerable<ServiceRequest> requests) => new(new XDeclaration("1.0", "utf-8", null),
        new XElement("service_requests", requests.Select(r => new XElement("request",
            new XElement("service_request_id", r.service_request_id), new XElement("status", r.status), new XElement("status_notes", r.status_notes),
            new XElement("service_name", r.service_name), new XElement("service_code", r.service_code),
            new XElement("agency_responsible", r.agency_responsible), new XElement("service_notice", r.service_notice),
            new XElement("requested_datetime", W3c(r.requested_datetime)), new XElement("updated_datetime", W3c(r.updated_datetime)),
            new XElement("expected_datetime", r.expected_datetime is { } e ? W3c(e) : null),
            new XElement("address", r.address), new XElement("zipcode", r.zipcode),
            new XElement("lat", r.lat?.ToString(CultureInfo.InvariantCulture)), new XElement("long", r.@long?.ToString(CultureInfo.InvariantCulture)),
            new XElement("media_url", r.media_url)))));

    private static XDocument ErrorXml(int code, string description) => new(new XDeclaration("1.0", "utf-8", null),
        new XElement("errors", new XElement("error", new XElement("code", code), new XElement("description", description))));

    /// <summary>The W3C date-time profile of ISO 8601 the spec asks for, with the offset (+08:00).</summary>
    private static string W3c(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

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
