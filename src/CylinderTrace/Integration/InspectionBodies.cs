using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Caching.Memory;

namespace CylinderTrace.Integration;

/// <summary>An approved cylinder inspection body (气瓶检验机构): its name is what its inspection records carry.</summary>
public sealed record InspectionBody(int Id, string Name, string ApprovalNumber, string DistrictCode);

/// <summary>
/// The inspection bodies that report through the integration API with keys of their own
/// (inspection_bodies, issue 17). A body is named by its approval (核准证) number; registering it again
/// with the same number updates its name and district.
/// </summary>
public sealed class InspectionBodies(Db db, IMemoryCache memory)
{
    private const string UpsertSql =
        """
        INSERT INTO inspection_bodies (name, approval_number, district_code) VALUES (@name, @approval, @district)
        ON DUPLICATE KEY UPDATE name = VALUES(name), district_code = VALUES(district_code)
        """;
    private const string ByApprovalSql = "SELECT id, name, approval_number AS ApprovalNumber, district_code AS DistrictCode FROM inspection_bodies WHERE approval_number = @approval";
    private const string ByIdSql = "SELECT id, name, approval_number AS ApprovalNumber, district_code AS DistrictCode FROM inspection_bodies WHERE id = @id";

    /// <summary>The body with this approval number, registered or updated now.</summary>
    public async Task<InspectionBody> RegisterAsync(string approvalNumber, string name, string districtCode, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(UpsertSql, new { name, approval = approvalNumber, district = districtCode }, cancellationToken: ct));
        var body = await conn.QuerySingleAsync<InspectionBody>(new CommandDefinition(ByApprovalSql, new { approval = approvalNumber }, cancellationToken: ct));
        memory.Remove(CacheKey(body.Id));
        return body;
    }

    public async Task<InspectionBody?> FindAsync(string approvalNumber, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<InspectionBody>(new CommandDefinition(ByApprovalSql, new { approval = approvalNumber }, cancellationToken: ct));
    }

    /// <summary>A body by id, cached briefly per instance (it is read once per inspection batch).</summary>
    public async Task<InspectionBody?> GetAsync(int id, CancellationToken ct) =>
        await memory.GetOrCreateAsync(CacheKey(id), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5);
            await using var conn = await db.OpenAsync(ct);
            return await conn.QuerySingleOrDefaultAsync<InspectionBody>(new CommandDefinition(ByIdSql, new { id }, cancellationToken: ct));
        });

    private static string CacheKey(int id) => "inspection-body:" + id;
}
