using CylinderTrace.Platform.Database;
using Dapper;

namespace CylinderTrace.Platform.ReferenceData;

/// <summary>A government agency (migration 0002's reference data): its code, name, kind and the district it answers for.</summary>
public sealed record AgencyView(int Id, string Code, string Name, string Kind, string DistrictCode);

/// <summary>The agencies, read-only reference data that routing, the console and reports share.</summary>
public sealed class Agencies(Db db)
{
    private const string AllSql = "SELECT id, code, name, kind, district_code AS DistrictCode FROM agencies ORDER BY district_code, kind, code";
    private const string DistrictSql = "SELECT district_code FROM agencies WHERE id = @agencyId";

    public async Task<IReadOnlyList<AgencyView>> ListAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<AgencyView>(new CommandDefinition(AllSql, cancellationToken: ct))).ToList();
    }

    /// <summary>The district an agency answers for (350100 for an agency of the whole city).</summary>
    public async Task<string> DistrictAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<string>(new CommandDefinition(DistrictSql, new { agencyId }, cancellationToken: ct)) ?? Districts.City;
    }
}
