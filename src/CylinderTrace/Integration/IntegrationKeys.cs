using System.Security.Cryptography;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using Dapper;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Integration;

/// <summary>A usable key: whose it is and its secret.</summary>
public sealed record IntegrationKey(string KeyId, int EnterpriseId, byte[] Secret);

/// <summary>A key as administrators list it (never the secret).</summary>
public sealed record IntegrationKeyInfo(string KeyId, int EnterpriseId, string Enterprise, string Licence, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt);

/// <summary>
/// Enterprises' API keys (integration_keys). A secret is 32 random bytes, shown once when the key is
/// made; it signs requests, so it is kept encrypted (AES-256-GCM, Privacy:EncryptionKey), not hashed.
/// Rotation makes a new key and lets the old one work for Integration:RotationGraceDays; revocation
/// stops a key at once (within Integration:KeyCacheSeconds on every instance).
/// </summary>
public sealed class IntegrationKeys(Db db, Enterprises.EnterpriseDirectory directory, PersonalData personal, IMemoryCache memory, IOptions<IntegrationOptions> options, TimeProvider clock)
{
    private const string FindSql = "SELECT key_id AS KeyId, enterprise_id AS EnterpriseId, secret_enc AS SecretEnc, expires_at AS ExpiresAt, revoked_at AS RevokedAt FROM integration_keys WHERE key_id = @keyId";
    private const string InsertSql = "INSERT INTO integration_keys (key_id, enterprise_id, secret_enc, created_at) VALUES (@keyId, @enterpriseId, @secret, @now)";
    private const string ExpireSql = "UPDATE integration_keys SET expires_at = @until WHERE key_id = @keyId AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @until)";
    private const string RevokeSql = "UPDATE integration_keys SET revoked_at = @now WHERE key_id = @keyId AND revoked_at IS NULL";
    private const string UsedSql = "UPDATE integration_keys SET last_used_at = @now WHERE key_id = @keyId";
    private const string ListSql =
        """
        SELECT key_id AS KeyId, enterprise_id AS EnterpriseId, created_at AS CreatedAt, expires_at AS ExpiresAt, revoked_at AS RevokedAt, last_used_at AS LastUsedAt
        FROM integration_keys ORDER BY enterprise_id, created_at
        """;

    private sealed record ListRow(string KeyId, int EnterpriseId, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt);

    private sealed class Row
    {
        public string KeyId { get; init; } = "";
        public int EnterpriseId { get; init; }
        public byte[] SecretEnc { get; init; } = [];
        public DateTime? ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        /// <summary>The decrypted key, made once per cached row.</summary>
        public IntegrationKey? Key { get; set; }
    }

    // The last row read per key: used while MariaDB is unreachable, so a filling line keeps its answers.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Row?> _lastKnown = new();

    /// <summary>The key if it exists and may be used now; cached briefly per instance, and the last known state while MariaDB is away.</summary>
    public async Task<IntegrationKey?> FindUsableAsync(string keyId, CancellationToken ct)
    {
        if (keyId.Length is 0 or > 40) return null;
        var row = await memory.GetOrCreateAsync("ik:" + keyId, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(Math.Max(1, options.Value.KeyCacheSeconds));
            try
            {
                await using var conn = await db.OpenAsync(ct);
                var found = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FindSql, new { keyId }, cancellationToken: ct));
                if (_lastKnown.Count < 10_000 || _lastKnown.ContainsKey(keyId)) _lastKnown[keyId] = found;
                return found;
            }
            catch (MySqlConnector.MySqlException) when (_lastKnown.TryGetValue(keyId, out var known))
            {
                entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(5);
                return known;
            }
        });
        var now = clock.GetUtcNow().UtcDateTime;
        if (row is null || row.RevokedAt is not null || row.ExpiresAt <= now) return null;
        return row.Key ??= personal.Decrypt(row.SecretEnc) is { } secret ? new IntegrationKey(row.KeyId, row.EnterpriseId, Convert.FromBase64String(secret)) : null;
    }

    public async Task TouchAsync(string keyId, CancellationToken ct)
    {
        // At most once a minute per key and instance: last-use is for administrators, not accounting.
        if (!memory.TryGetValue("ik-used:" + keyId, out _))
        {
            memory.Set("ik-used:" + keyId, true, TimeSpan.FromMinutes(1));
            try
            {
                await using var conn = await db.OpenAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(UsedSql, new { keyId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
            }
            catch (MySqlConnector.MySqlException) { } // bookkeeping only
        }
    }

    /// <summary>A new key for the enterprise with this licence number: (key id, secret in base64) or null when there is no such enterprise.</summary>
    public async Task<(string KeyId, string Secret)?> CreateAsync(string licence, CancellationToken ct)
    {
        var enterpriseId = await directory.IdByLicenceAsync(licence, ct);
        if (enterpriseId is null) return null;
        await using var conn = await db.OpenAsync(ct);
        return await InsertAsync(conn, enterpriseId.Value, ct);
    }

    private async Task<(string KeyId, string Secret)> InsertAsync(MySqlConnector.MySqlConnection conn, int enterpriseId, CancellationToken ct)
    {
        var keyId = "ck_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await conn.ExecuteAsync(new CommandDefinition(InsertSql,
            new { keyId, enterpriseId, secret = personal.Encrypt(secret), now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return (keyId, secret);
    }

    /// <summary>A new key for the same enterprise; the old one keeps working for the grace period. Null: no usable key with that id.</summary>
    public async Task<(string KeyId, string Secret, DateTime OldExpiresAt)?> RotateAsync(string keyId, CancellationToken ct)
    {
        var old = await FindUsableAsync(keyId, ct);
        if (old is null) return null;
        await using var conn = await db.OpenAsync(ct);
        var created = await InsertAsync(conn, old.EnterpriseId, ct);
        var until = clock.GetUtcNow().UtcDateTime.AddDays(options.Value.RotationGraceDays);
        await conn.ExecuteAsync(new CommandDefinition(ExpireSql, new { keyId, until }, cancellationToken: ct));
        memory.Remove("ik:" + keyId);
        return (created.KeyId, created.Secret, until);
    }

    public async Task<bool> RevokeAsync(string keyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var done = await conn.ExecuteAsync(new CommandDefinition(RevokeSql, new { keyId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct)) == 1;
        memory.Remove("ik:" + keyId);
        _lastKnown.TryRemove(keyId, out _);
        return done;
    }

    public async Task<IReadOnlyList<IntegrationKeyInfo>> ListAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<ListRow>(new CommandDefinition(ListSql, cancellationToken: ct))).ToList();
        var keys = new List<IntegrationKeyInfo>(rows.Count);
        foreach (var r in rows)
        {
            var e = await directory.GetEnterpriseAsync(r.EnterpriseId, ct);
            keys.Add(new IntegrationKeyInfo(r.KeyId, r.EnterpriseId, e?.Name ?? "", e?.LicenceNumber ?? "", r.CreatedAt, r.ExpiresAt, r.RevokedAt, r.LastUsedAt));
        }
        return keys.OrderBy(k => k.Licence, StringComparer.Ordinal).ThenBy(k => k.CreatedAt).ToList();
    }
}
