using System.Security.Cryptography;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Integration;

/// <summary>
/// Enterprise staff reachable on the Official Account: the enterprise asks for a one-time 8-digit code
/// (integration API, valid 30 minutes, kept in Redis), a staff member sends "企业绑定 &lt;code&gt;" to the
/// account, and their openid is recorded for the enterprise. Used for detention orders (as well as the
/// webhook and pull channel). The enterprise lists and removes its contacts through the integration API.
/// </summary>
public sealed class EnterpriseContacts(Db db, IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, EnterpriseDirectory directory, TimeProvider clock)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(30);

    private RedisKey CodeKey(string code) => $"{redisOptions.Value.KeyPrefix}ent:bind:{code}";

    public async Task<string> NewCodeAsync(int enterpriseId)
    {
        var database = redis.GetDatabase();
        for (var i = 0; ; i++)
        {
            var code = NewCode();
            if (await database.StringSetAsync(CodeKey(code), enterpriseId, CodeLifetime, When.NotExists) || i >= 10) return code;
        }
    }

    /// <summary>A code of the form NewCodeAsync hands out, not stored (a sandbox key's rehearsal: it binds nobody).</summary>
    public static string NewCode() => RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8");

    /// <summary>Binds the sender to the enterprise that asked for this code (once); the enterprise's name, or null for an unknown or used code.</summary>
    public async Task<string?> RedeemAsync(string code, string openId, CancellationToken ct)
    {
        var value = await redis.GetDatabase().StringGetDeleteAsync(CodeKey(code));
        if (value.IsNullOrEmpty || !int.TryParse(value.ToString(), out var enterpriseId)) return null;
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO enterprise_wechat_contacts (enterprise_id, openid, bound_at) VALUES (@enterpriseId, @openId, @now) ON DUPLICATE KEY UPDATE bound_at = @now",
            new { enterpriseId, openId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return (await directory.GetEnterpriseAsync(enterpriseId, ct))?.Name ?? "";
    }

    /// <summary>The openids bound to these enterprises.</summary>
    public async Task<IReadOnlyList<string>> OpenIdsAsync(IReadOnlyCollection<int> enterpriseIds, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT openid FROM enterprise_wechat_contacts WHERE enterprise_id IN @enterpriseIds", new { enterpriseIds }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<(string OpenId, DateTime BoundAt)>> ListAsync(int enterpriseId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<(string, DateTime)>(new CommandDefinition(
            "SELECT openid, bound_at FROM enterprise_wechat_contacts WHERE enterprise_id = @enterpriseId ORDER BY bound_at", new { enterpriseId }, cancellationToken: ct))).ToList();
    }

    /// <summary>Unbinds a contact; false when the enterprise has no such contact. Rehearsed (a sandbox key): only says whether it would.</summary>
    public async Task<bool> RemoveAsync(int enterpriseId, string openId, CancellationToken ct, bool rehearse = false)
    {
        await using var conn = await db.OpenAsync(ct);
        if (rehearse)
            return await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM enterprise_wechat_contacts WHERE enterprise_id = @enterpriseId AND openid = @openId",
                new { enterpriseId, openId }, cancellationToken: ct)) > 0;
        return await conn.ExecuteAsync(new CommandDefinition("DELETE FROM enterprise_wechat_contacts WHERE enterprise_id = @enterpriseId AND openid = @openId",
            new { enterpriseId, openId }, cancellationToken: ct)) > 0;
    }
}
