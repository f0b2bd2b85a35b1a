using CylinderTrace.Platform.Database;
using Dapper;

namespace CylinderTrace.Staff;

/// <summary>The staff table.</summary>
public sealed class StaffStore(Db db)
{
    private const string SelectSql =
        """
        SELECT s.id, s.username, s.display_name AS DisplayName, s.role, s.agency_id AS AgencyId, a.name AS AgencyName, a.code AS AgencyCode,
               s.password_hash AS PasswordHash, s.must_change_password AS MustChangePassword,
               s.security_stamp AS SecurityStamp, s.wechat_openid AS WechatOpenid, s.disabled,
               s.last_login_at AS LastLoginAt
        FROM staff s JOIN agencies a ON a.id = s.agency_id
        """;
    private const string ByUsernameSql = SelectSql + " WHERE s.username = @username";
    private const string ByIdSql = SelectSql + " WHERE s.id = @id";
    private const string ByAgencySql = SelectSql + " WHERE s.agency_id = @agencyId ORDER BY s.role, s.username";
    private const string AllSql = SelectSql + " ORDER BY a.code, s.role, s.username LIMIT 2000";
    private const string BoundInAgencySql =
        "SELECT wechat_openid FROM staff WHERE agency_id = @agencyId AND disabled = 0 AND wechat_openid IS NOT NULL AND role IN ('handler', 'supervisor')";

    private const string InsertSql =
        """
        INSERT INTO staff (username, display_name, role, agency_id, password_hash, must_change_password, security_stamp, created_at, updated_at)
        VALUES (@username, @displayName, @role, @agencyId, @hash, 1, @stamp, @now, @now);
        SELECT LAST_INSERT_ID();
        """;

    private const string SuccessSql = "UPDATE staff SET last_login_at = @now WHERE id = @id";
    private const string BySessionSql = SelectSql +
        " JOIN staff_sessions ss ON ss.staff_id = s.id WHERE ss.id = @hash AND s.id = @id AND ss.revoked_at IS NULL AND ss.expires_at > @now";
    // A member's sessions that ended more than a day ago are dropped when they sign in again (the table stays small).
    private const string InsertSessionSql =
        """
        DELETE FROM staff_sessions WHERE staff_id = @staffId AND (expires_at < @stale OR revoked_at < @stale);
        INSERT INTO staff_sessions (id, staff_id, created_at, expires_at) VALUES (@hash, @staffId, @now, @expires);
        """;
    private const string RevokeSessionSql = "UPDATE staff_sessions SET revoked_at = @now WHERE id = @hash AND revoked_at IS NULL";
    private const string RehashSql = "UPDATE staff SET password_hash = @hash WHERE id = @id";
    private const string PasswordSql =
        "UPDATE staff SET password_hash = @hash, must_change_password = @mustChange, security_stamp = @stamp, failed_logins = 0, locked_until = NULL, updated_at = @now WHERE id = @id";
    private const string UpdateSql =
        "UPDATE staff SET display_name = @displayName, role = @role, agency_id = @agencyId, disabled = @disabled, security_stamp = @stamp, updated_at = @now WHERE id = @id";
    private const string BindSql = "UPDATE staff SET wechat_openid = @openid, wechat_bound_at = @now, updated_at = @now WHERE id = @id";
    private const string UnbindSql = "UPDATE staff SET wechat_openid = NULL, wechat_bound_at = NULL, updated_at = @now WHERE id = @id";
    private const string AgencyByCodeSql = "SELECT id FROM agencies WHERE code = @code";

    public async Task<StaffAccount?> FindByUsernameAsync(string username, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<StaffAccount>(new CommandDefinition(ByUsernameSql, new { username }, cancellationToken: ct));
    }

    public async Task<StaffAccount?> FindAsync(int id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<StaffAccount>(new CommandDefinition(ByIdSql, new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<StaffAccount>> ListAsync(int? agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<StaffAccount>(new CommandDefinition(agencyId is null ? AllSql : ByAgencySql, new { agencyId }, cancellationToken: ct))).ToList();
    }

    /// <summary>WeChat openids of the handlers and supervisors of an agency who bound their WeChat.</summary>
    public async Task<IReadOnlyList<string>> BoundOpenIdsAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<string>(new CommandDefinition(BoundInAgencySql, new { agencyId }, cancellationToken: ct))).ToList();
    }

    public async Task<int?> AgencyIdAsync(string code, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<int?>(new CommandDefinition(AgencyByCodeSql, new { code }, cancellationToken: ct));
    }

    public async Task<int> InsertAsync(string username, string displayName, string role, int agencyId, string hash, string stamp, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(InsertSql, new { username, displayName, role, agencyId, hash, stamp, now }, cancellationToken: ct));
    }

    /// <summary>The account behind an open session (not revoked, not past its absolute end).</summary>
    public async Task<StaffAccount?> FindBySessionAsync(int id, byte[] hash, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<StaffAccount>(new CommandDefinition(BySessionSql, new { id, hash, now }, cancellationToken: ct));
    }

    public async Task InsertSessionAsync(byte[] hash, int staffId, DateTime now, DateTime expires, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(InsertSessionSql, new { hash, staffId, now, expires, stale = now.AddDays(-1) }, cancellationToken: ct));
    }

    public async Task RevokeSessionAsync(byte[] hash, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(RevokeSessionSql, new { hash, now }, cancellationToken: ct));
    }

    public async Task RecordSuccessAsync(int id, string? rehash, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(SuccessSql, new { id, now }, cancellationToken: ct));
        if (rehash is not null) await conn.ExecuteAsync(new CommandDefinition(RehashSql, new { id, hash = rehash }, cancellationToken: ct));
    }

    public async Task SetPasswordAsync(int id, string hash, bool mustChange, string stamp, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(PasswordSql, new { id, hash, mustChange, stamp, now }, cancellationToken: ct));
    }

    public async Task UpdateAsync(int id, string displayName, string role, int agencyId, bool disabled, string stamp, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new { id, displayName, role, agencyId, disabled, stamp, now }, cancellationToken: ct));
    }

    public async Task BindWeChatAsync(int id, string? openid, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(openid is null ? UnbindSql : BindSql, new { id, openid, now }, cancellationToken: ct));
    }
}
