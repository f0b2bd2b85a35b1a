using System.ComponentModel;
using CylinderTrace.Platform.Caching;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Caching.Hybrid;

namespace CylinderTrace.Enterprises;

/// <summary>What other features may know of a filling enterprise or supply station.</summary>
[ImmutableObject(true)]
public sealed record EnterpriseSummary(int Id, string Kind, string Name, string LicenceNumber, int? ParentId, string DistrictCode, string Status);

/// <summary>What other features may know of a delivery worker (the public sees only a masked name).</summary>
[ImmutableObject(true)]
public sealed record WorkerSummary(int Id, int EnterpriseId, string Name, string EmployeeNumber, string PermitNumber, DateOnly? PermitValidUntil, string Status);

/// <summary>
/// Cached look-up of enterprises and delivery workers by id, for hot paths such as the cylinder card.
/// There are a few thousand of them, so they stay in every instance's memory; writes call the
/// Invalidate methods, which reach every instance.
/// </summary>
public sealed class EnterpriseDirectory(HybridCache cache, Db db, CacheInvalidation invalidation)
{
    private static readonly HybridCacheEntryOptions Entry = new() { Expiration = TimeSpan.FromHours(6), LocalCacheExpiration = TimeSpan.FromMinutes(30) };

    private const string EnterpriseSql =
        "SELECT id, kind, name, licence_number AS LicenceNumber, parent_id AS ParentId, district_code AS DistrictCode, status FROM enterprises WHERE id = @id";

    private const string WorkerSql =
        "SELECT id, enterprise_id AS EnterpriseId, name, employee_number AS EmployeeNumber, permit_number AS PermitNumber, permit_valid_until AS PermitValidUntil, status FROM delivery_workers WHERE id = @id";

    private const string IdByLicenceSql = "SELECT id FROM enterprises WHERE licence_number = @licence";
    private const string FamilySql =
        "SELECT id, kind, name, licence_number AS LicenceNumber, parent_id AS ParentId, district_code AS DistrictCode, status FROM enterprises WHERE id = @root OR parent_id = @root";

    public static string EnterpriseKey(int id) => "ent:" + id;
    public static string WorkerKey(int id) => "wkr:" + id;

    public ValueTask<EnterpriseSummary?> GetEnterpriseAsync(int id, CancellationToken ct = default) =>
        cache.GetOrCreateAsync(EnterpriseKey(id), (db, id), static async (s, ct) =>
        {
            await using var conn = await s.db.OpenAsync(ct);
            var r = await conn.QuerySingleOrDefaultAsync<EnterpriseRow>(new CommandDefinition(EnterpriseSql, new { s.id }, cancellationToken: ct));
            return r is null ? null : new EnterpriseSummary(r.Id, r.Kind, r.Name, r.LicenceNumber, r.ParentId, r.DistrictCode, r.Status);
        }, Entry, cancellationToken: ct);

    public ValueTask<WorkerSummary?> GetWorkerAsync(int id, CancellationToken ct = default) =>
        cache.GetOrCreateAsync(WorkerKey(id), (db, id), static async (s, ct) =>
        {
            await using var conn = await s.db.OpenAsync(ct);
            var row = await conn.QuerySingleOrDefaultAsync<WorkerRow>(new CommandDefinition(WorkerSql, new { s.id }, cancellationToken: ct));
            return row is null ? null : new WorkerSummary(row.Id, row.EnterpriseId, row.Name, row.EmployeeNumber, row.PermitNumber,
                row.PermitValidUntil is { } d ? DateOnly.FromDateTime(d) : null, row.Status);
        }, Entry, cancellationToken: ct);

    /// <summary>The enterprise holding this licence number (gas business, filling or supply station licence), if any.</summary>
    public async Task<int?> IdByLicenceAsync(string licence, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<int?>(new CommandDefinition(IdByLicenceSql, new { licence }, cancellationToken: ct));
    }

    /// <summary>A filling enterprise and its supply stations, read now (not cached: who may act for whom).</summary>
    public async Task<IReadOnlyList<EnterpriseSummary>> FamilyAsync(int rootId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<EnterpriseRow>(new CommandDefinition(FamilySql, new { root = rootId }, cancellationToken: ct)))
            .Select(r => new EnterpriseSummary(r.Id, r.Kind, r.Name, r.LicenceNumber, r.ParentId, r.DistrictCode, r.Status)).ToList();
    }

    /// <summary>One enterprise read now, not from the cache (authorization decisions).</summary>
    public async Task<EnterpriseSummary?> ReadEnterpriseAsync(int id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<EnterpriseRow>(new CommandDefinition(EnterpriseSql, new { id }, cancellationToken: ct));
        return r is null ? null : new EnterpriseSummary(r.Id, r.Kind, r.Name, r.LicenceNumber, r.ParentId, r.DistrictCode, r.Status);
    }

    public Task InvalidateEnterpriseAsync(int id, CancellationToken ct = default) => invalidation.RemoveAsync(EnterpriseKey(id), ct);
    public Task InvalidateWorkerAsync(int id, CancellationToken ct = default) => invalidation.RemoveAsync(WorkerKey(id), ct);

    private sealed class EnterpriseRow
    {
        public int Id { get; init; }
        public string Kind { get; init; } = "";
        public string Name { get; init; } = "";
        public string LicenceNumber { get; init; } = "";
        public int? ParentId { get; init; }
        public string DistrictCode { get; init; } = "";
        public string Status { get; init; } = "";
    }

    private sealed class WorkerRow
    {
        public int Id { get; init; }
        public int EnterpriseId { get; init; }
        public string Name { get; init; } = "";
        public string EmployeeNumber { get; init; } = "";
        public string PermitNumber { get; init; } = "";
        public DateTime? PermitValidUntil { get; init; }
        public string Status { get; init; } = "";
    }
}
