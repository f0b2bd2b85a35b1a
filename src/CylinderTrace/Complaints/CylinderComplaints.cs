using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using CylinderTrace.Staff;
using Dapper;

namespace CylinderTrace.Complaints;

/// <summary>A complaint about a cylinder as its file lists it: enough to recognise it, the text only behind its link.</summary>
public sealed record CylinderComplaint(string Number, string CategoryLabel, string Status, string StatusLabel, string? Agency, DateTimeOffset CreatedAt);

/// <summary>The complaints about one cylinder that a member may open, and how many others there are (another agency's, not shown).</summary>
public sealed record CylinderComplaints(IReadOnlyList<CylinderComplaint> Readable, int Others);

/// <summary>
/// Complaints naming a cylinder (by its code, ix_complaints_cylinder), for the inspector's cylinder file. Only those the
/// member's agency may read (<see cref="ConsoleAccess.ForComplaint"/>: handling or informed) are listed; the rest are
/// counted, since another agency's complaint is otherwise answered as if it did not exist.
/// </summary>
public sealed class CylinderComplaintList(Db db)
{
    public const int Limit = 200;

    private const string Sql =
        """
        SELECT c.number, c.category, c.status, c.created_at AS CreatedAt, c.agency_id AS AgencyId, a.name AS Agency,
               EXISTS (SELECT 1 FROM complaint_informed_agencies i WHERE i.complaint_id = c.id AND i.agency_id = @agencyId) AS Informed
        FROM complaints c LEFT JOIN agencies a ON a.id = c.agency_id
        WHERE c.cylinder_code = @code
        ORDER BY c.created_at DESC, c.id DESC LIMIT @limit
        """;

    private sealed class Row
    {
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public int? AgencyId { get; init; }
        public string? Agency { get; init; }
        public bool Informed { get; init; }
    }

    public async Task<CylinderComplaints> OfCylinderAsync(StaffMember me, string code, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(Sql, new { code, agencyId = me.AgencyId, limit = Limit }, cancellationToken: ct))).ToList();
        var readable = rows.Where(r => ConsoleAccess.ForComplaint(me, r.AgencyId, r.Informed) != ComplaintAccess.None).ToList();
        return new CylinderComplaints(readable.Select(r => new CylinderComplaint(r.Number, ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.Status,
            ComplaintStatus.Label(r.Status), r.Agency, ShanghaiTime.FromUtc(r.CreatedAt))).ToList(), rows.Count - readable.Count);
    }
}
