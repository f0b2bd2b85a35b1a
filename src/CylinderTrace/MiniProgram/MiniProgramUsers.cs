using CylinderTrace.Platform.Database;
using Dapper;

namespace CylinderTrace.MiniProgram;

/// <summary>The mp_users table: a Mini Program user per openid.</summary>
public sealed class MiniProgramUsers(Db db) : Complaints.Notifications.IComplainantAddresses
{
    private const string OpenIdSql = "SELECT openid FROM mp_users WHERE id = @userId";

    private const string UpsertSql =
        """
        INSERT INTO mp_users (openid, unionid) VALUES (@openId, @unionId)
        ON DUPLICATE KEY UPDATE last_login_at = CURRENT_TIMESTAMP(3), unionid = COALESCE(@unionId, unionid), id = LAST_INSERT_ID(id);
        SELECT LAST_INSERT_ID();
        """;

    /// <summary>The user's id, creating the user on first login.</summary>
    public async Task<long> SignInAsync(string openId, string? unionId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(UpsertSql, new { openId, unionId }, cancellationToken: ct));
    }

    /// <summary>The user's openid (a complainant's address for subscribe messages).</summary>
    public async Task<string?> OpenIdAsync(long userId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<string?>(new CommandDefinition(OpenIdSql, new { userId }, cancellationToken: ct));
    }
}
