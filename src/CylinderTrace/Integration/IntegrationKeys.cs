using System.Security.Cryptography;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using Dapper;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Integration;

/// <summary>
/// A usable key: whose it is and its secret. An enterprise's key has its EnterpriseId; an inspection
/// body's key has InspectionBodyId and EnterpriseId 0 (it reaches only endpoints marked
/// IntegrationSignature.InspectionBodyCall, which read InspectionBodyId).
/// </summary>
/// Sandbox: an enterprise key whose writes are checked and answered but never stored (IntegrationSandbox).
public sealed record IntegrationKey(string KeyId, int EnterpriseId, byte[] Secret, int? InspectionBodyId = null, bool Sandbox = false);

/// <summary>A key as administrators list it (never the secret): Licence is an enterprise's licence or an inspection body's approval number.</summary>
public sealed record IntegrationKeyInfo(string KeyId, int EnterpriseId, string Enterprise, string Licence, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt,
    int? InspectionBodyId = null, bool Sandbox = false);

/// <summary>
/// Enterprises' API keys (integration_keys) and inspection bodies' (inspection_body_keys, issue 17). A secret is 32 random bytes, shown once when the key is
/// made; it signs requests, so it is kept encrypted (AES-256-GCM, Privacy:EncryptionKey), not hashed.
/// Rotation makes a new key and lets the old one work for Integration:RotationGraceDays; revocation
/// stops a key at once (within Integration:KeyCacheSeconds on every instance).
/// </summary>
public sealed class IntegrationKeys(Db db, Enterprises.EnterpriseDirectory directory, InspectionBodies bodies, PersonalData personal, IMemoryCache memory,
    IOptions<IntegrationOptions> options, TimeProvider clock)
{
    // A key id is in one of the two tables (ids are random); the statements that change a key run on both.
    private const string FindSql =
        """
        SELECT key_id AS KeyId, enterprise_id AS EnterpriseId, NULL AS InspectionBodyId, secret_enc AS SecretEnc, expires_at AS ExpiresAt, revoked_at AS RevokedAt,
               EXISTS (SELECT 1 FROM integration_sandbox_keys s WHERE s.key_id = integration_keys.key_id) AS Sandbox
        FROM integration_keys WHERE key_id = @keyId
        UNION ALL
        SELECT key_id, NULL, inspection_body_id, secret_enc, expires_at, revoked_at, 0 FROM inspection_body_keys WHERE key_id = @keyId
        """;
    private const string InsertSql = "INSERT INTO integration_keys (key_id, enterprise_id, secret_enc, created_at) VALUES (@keyId, @enterpriseId, @secret, @now)";
    private const string InsertSandboxSql =
        """
        INSERT INTO integration_keys (key_id, enterprise_id, secret_enc, created_at) VALUES (@keyId, @enterpriseId, @secret, @now);
        INSERT INTO integration_sandbox_keys (key_id) VALUES (@keyId)
        """;
    private const string InsertBodyKeySql = "INSERT INTO inspection_body_keys (key_id, inspection_body_id, secret_enc, created_at) VALUES (@keyId, @bodyId, @secret, @now)";
    private const string ExpireSql =
        """
        UPDATE integration_keys SET expires_at = @until WHERE key_id = @keyId AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @until);
        UPDATE inspection_body_keys SET expires_at = @until WHERE key_id = @keyId AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @until)
        """;
    private const string RevokeSql =
        """
        UPDATE integration_keys SET revoked_at = @now WHERE key_id = @keyId AND revoked_at IS NULL;
        UPDATE inspection_body_keys SET revoked_at = @now WHERE key_id = @keyId AND revoked_at IS NULL
        """;
    private const string UsedSql =
        """
        UPDATE integration_keys SET last_used_at = @now WHERE key_id = @keyId;
        UPDATE inspection_body_keys SET last_used_at = @now WHERE key_id = @keyId
        """;
    private const string ListSql =
        """
        SELECT key_id AS KeyId, enterprise_id AS EnterpriseId, NULL AS InspectionBodyId, created_at AS CreatedAt, expires_at AS ExpiresAt, revoked_at AS RevokedAt, last_used_at AS LastUsedAt,
               EXISTS (SELECT 1 FROM integration_sandbox_keys s WHERE s.key_id = integration_keys.key_id) AS Sandbox
        FROM integration_keys
        UNION ALL
        SELECT key_id, NULL, inspection_body_id, created_at, expires_at, revoked_at, last_used_at, 0 FROM inspection_body_keys
        """;

    // Properties, not a positional record: the UNION's column types may differ between MariaDB and MySQL (Dapper converts properties).
    private sealed class ListRow
    {
        public string KeyId { get; init; } = "";
        public int? EnterpriseId { get; init; }
        public int? InspectionBodyId { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public DateTime? LastUsedAt { get; init; }
        public bool Sandbox { get; init; }
    }

    private sealed class Row
    {
        public string KeyId { get; init; } = "";
        public int? EnterpriseId { get; init; }
        public int? InspectionBodyId { get; init; }
        public byte[] SecretEnc { get; init; } = [];
        public DateTime? ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public bool Sandbox { get; init; }
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
        return row.Key ??= personal.Decrypt(row.SecretEnc) is { } secret
            ? new IntegrationKey(row.KeyId, row.EnterpriseId ?? 0, Convert.FromBase64String(secret), row.InspectionBodyId, row.Sandbox) : null;
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

    /// <summary>
    /// A new key for the enterprise with this licence number: (key id, secret in base64) or null when there is no such enterprise.
    /// A sandbox key's writes are checked and answered like production but never stored, for an enterprise testing its integration.
    /// </summary>
    public async Task<(string KeyId, string Secret)?> CreateAsync(string licence, CancellationToken ct, bool sandbox = false)
    {
        var enterpriseId = await directory.IdByLicenceAsync(licence, ct);
        if (enterpriseId is null) return null;
        await using var conn = await db.OpenAsync(ct);
        return await InsertAsync(conn, enterpriseId.Value, null, ct, sandbox);
    }

    /// <summary>A new key for the inspection body with this approval number: (key id, secret in base64) or null when there is no such body.</summary>
    public async Task<(string KeyId, string Secret)?> CreateForInspectionBodyAsync(string approvalNumber, CancellationToken ct)
    {
        var body = await bodies.FindAsync(approvalNumber, ct);
        if (body is null) return null;
        await using var conn = await db.OpenAsync(ct);
        return await InsertAsync(conn, 0, body.Id, ct);
    }

    private async Task<(string KeyId, string Secret)> InsertAsync(MySqlConnector.MySqlConnection conn, int enterpriseId, int? bodyId, CancellationToken ct, bool sandbox = false)
    {
        // The prefix tells an administrator reading a key id whose it is: ck_ an enterprise's, cs_ an enterprise's sandbox key, ib_ an inspection body's.
        var keyId = (bodyId is not null ? "ib_" : sandbox ? "cs_" : "ck_") + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // Both rows of a sandbox key in one transaction: a key must never exist without its sandbox mark.
        await using var tx = sandbox ? await conn.BeginTransactionAsync(ct) : null;
        await conn.ExecuteAsync(new CommandDefinition(bodyId is not null ? InsertBodyKeySql : sandbox ? InsertSandboxSql : InsertSql,
            new { keyId, enterpriseId, bodyId, secret = personal.Encrypt(secret), now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));
        if (tx is not null) await tx.CommitAsync(ct);
        return (keyId, secret);
    }

    /// <summary>A new key for the same enterprise; the old one keeps working for the grace period. Null: no usable key with that id.</summary>
    public async Task<(string KeyId, string Secret, DateTime OldExpiresAt)?> RotateAsync(string keyId, CancellationToken ct)
    {
        var old = await FindUsableAsync(keyId, ct);
        if (old is null) return null;
        await using var conn = await db.OpenAsync(ct);
        var created = await InsertAsync(conn, old.EnterpriseId, old.InspectionBodyId, ct, old.Sandbox);
        var until = clock.GetUtcNow().UtcDateTime.AddDays(options.Value.RotationGraceDays);
        await conn.ExecuteAsync(new CommandDefinition(ExpireSql, new { keyId, until }, cancellationToken: ct));
        memory.Remove("ik:" + keyId);
        return (created.KeyId, created.Secret, until);
    }

    public async Task<bool> RevokeAsync(string keyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var done = await conn.ExecuteAsync(new CommandDefinition(RevokeSql, new { keyId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct)) >= 1;
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
            if (r.InspectionBodyId is int bodyId)
            {
                var b = await bodies.GetAsync(bodyId, ct);
                keys.Add(new IntegrationKeyInfo(r.KeyId, 0, b?.Name ?? "", b?.ApprovalNumber ?? "", r.CreatedAt, r.ExpiresAt, r.RevokedAt, r.LastUsedAt, bodyId));
                continue;
            }
            var e = await directory.GetEnterpriseAsync(r.EnterpriseId ?? 0, ct);
            keys.Add(new IntegrationKeyInfo(r.KeyId, r.EnterpriseId ?? 0, e?.Name ?? "", e?.LicenceNumber ?? "", r.CreatedAt, r.ExpiresAt, r.RevokedAt, r.LastUsedAt, Sandbox: r.Sandbox));
        }
        return keys.OrderBy(k => k.InspectionBodyId is null ? 0 : 1).ThenBy(k => k.Licence, StringComparer.Ordinal).ThenBy(k => k.CreatedAt).ToList();
    }
}
