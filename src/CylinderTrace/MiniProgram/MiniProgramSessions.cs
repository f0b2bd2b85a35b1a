using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.MiniProgram;

/// <summary>Who a session token belongs to.</summary>
public sealed record MiniProgramSession(long UserId, string OpenId);

/// <summary>
/// Our own opaque session tokens for the Mini Program: 32 random bytes, handed to the client once.
/// MariaDB keeps the record (mp_sessions: the token's SHA-256, the user, expiry, revocation), so a
/// resident stays signed in, and can file a complaint, while Redis is away; Redis caches the same
/// entry (its SHA-256 key, expiring with the session) so a request costs one Redis GET. WeChat's
/// session_key never leaves the server and is not kept. Recurring job mp-sessions-cleanup deletes
/// expired rows.
/// </summary>
public sealed class MiniProgramSessions(Db db, IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<MiniProgramOptions> options,
    TimeProvider clock, ILogger<MiniProgramSessions> logger)
{
    public const string CleanupJobId = "mp-sessions-cleanup";

    private const string InsertSql =
        "INSERT INTO mp_sessions (token_hash, user_id, openid, created_at, expires_at) VALUES (@hash, @userId, @openId, @now, @expiresAt)";
    private const string FindSql =
        "SELECT user_id AS UserId, openid AS OpenId, expires_at AS ExpiresAt FROM mp_sessions WHERE token_hash = @hash AND revoked_at IS NULL AND expires_at > @now";
    private const string RevokeSql = "UPDATE mp_sessions SET revoked_at = @now WHERE token_hash = @hash AND revoked_at IS NULL";
    private const string CleanupSql = "DELETE FROM mp_sessions WHERE expires_at < @before LIMIT 10000";

    private readonly string _prefix = redisOptions.Value.KeyPrefix + "mp:session:";
    // Revocations Redis could not take yet; sent with the next Redis call that works.
    private readonly ConcurrentQueue<RedisKey> _pendingDeletes = new();

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
    private RedisKey Key(byte[] hash) => _prefix + Convert.ToHexStringLower(hash);

    public async Task<(string Token, DateTimeOffset ExpiresAt)> CreateAsync(MiniProgramSession session, CancellationToken ct = default)
    {
        var token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var hash = Hash(token);
        var now = clock.GetUtcNow();
        var ttl = TimeSpan.FromHours(options.Value.SessionHours);
        await using (var conn = await db.OpenAsync(ct))
            await conn.ExecuteAsync(new CommandDefinition(InsertSql,
                new { hash, session.UserId, session.OpenId, now = now.UtcDateTime, expiresAt = (now + ttl).UtcDateTime }, cancellationToken: ct));
        await CacheAsync(hash, session, ttl);
        return (token, now + ttl);
    }

    private sealed class Row
    {
        public long UserId { get; init; }
        public string OpenId { get; init; } = "";
        public DateTime ExpiresAt { get; init; }
    }

    public async Task<MiniProgramSession?> FindAsync(string token, CancellationToken ct = default)
    {
        if (token.Length is < 20 or > 100) return null;
        var hash = Hash(token);
        try
        {
            var value = (string?)await redis.GetDatabase().StringGetAsync(Key(hash));
            await FlushPendingDeletesAsync();
            if (value is not null)
            {
                var colon = value.IndexOf(':');
                return colon > 0 && long.TryParse(value.AsSpan(0, colon), out var userId) ? new MiniProgramSession(userId, value[(colon + 1)..]) : null;
            }
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogDebug("Session looked up in MariaDB: Redis unavailable ({Error})", ex.Message);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        Row? row;
        await using (var conn = await db.OpenAsync(ct))
            row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FindSql, new { hash, now }, cancellationToken: ct));
        if (row is null) return null;
        var session = new MiniProgramSession(row.UserId, row.OpenId);
        await CacheAsync(hash, session, DateTime.SpecifyKind(row.ExpiresAt, DateTimeKind.Utc) - now);
        return session;
    }

    public async Task RevokeAsync(string token, CancellationToken ct = default)
    {
        var hash = Hash(token);
        await using (var conn = await db.OpenAsync(ct))
            await conn.ExecuteAsync(new CommandDefinition(RevokeSql, new { hash, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        try { await redis.GetDatabase().KeyDeleteAsync(Key(hash)); }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            // Until Redis takes the delete, this instance keeps trying; see docs/ARCHITECTURE.md.
            _pendingDeletes.Enqueue(Key(hash));
            logger.LogWarning("Session revoked in MariaDB; its Redis copy will be deleted when Redis answers ({Error})", ex.Message);
        }
    }

    /// <summary>Recurring: deletes sessions that expired over a day ago.</summary>
    public async Task CleanupAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(CleanupSql, new { before = clock.GetUtcNow().UtcDateTime.AddDays(-1) }, cancellationToken: ct));
    }

    private async Task CacheAsync(byte[] hash, MiniProgramSession session, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero) return;
        try { await redis.GetDatabase().StringSetAsync(Key(hash), $"{session.UserId}:{session.OpenId}", ttl); }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogDebug("Session not cached: Redis unavailable ({Error})", ex.Message);
        }
    }

    private async Task FlushPendingDeletesAsync()
    {
        while (_pendingDeletes.TryPeek(out var key))
        {
            await redis.GetDatabase().KeyDeleteAsync(key);
            _pendingDeletes.TryDequeue(out _);
        }
    }

}
