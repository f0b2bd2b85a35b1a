using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Platform;

/// <summary>Where the system of record lives (MariaDB here, MySQL 8 elsewhere).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>MySqlConnector connection string; the ops scripts export it as Database__ConnectionString.</summary>
    [Required(ErrorMessage = "Database:ConnectionString is required (for example Server=127.0.0.1;Port=3316;Database=cylindertrace;User ID=...;Password=...).")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply pending migrations when the host starts (instances serialise on a database lock).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Seconds an instance waits for another instance's migration lock before giving up.</summary>
    [Range(1, 3600, ErrorMessage = "Database:{0} must be between {1} and {2}.")]
    public int MigrationLockSeconds { get; set; } = 120;

    /// <summary>
    /// Batch joins through JSON_TABLE (Auto: when the server has it, MariaDB 10.6+ and MySQL 8.0.4+, never TiDB), or
    /// Never: a derived table of UNION ALL selects, for servers without it; Always skips the check.
    /// </summary>
    public Database.JsonTableUse JsonTable { get; set; } = Database.JsonTableUse.Auto;

    /// <summary>Optional: a read replica's connection string for reports that tolerate seconds of lag (Database.ReportDb).</summary>
    public string ReadConnectionString { get; set; } = "";

    /// <summary>Reports read the replica only while it is at most this far behind, otherwise the primary; 0: not checked (a Galera node).</summary>
    [Range(0, 3600, ErrorMessage = "Database:{0} must be between {1} and {2}.")]
    public int ReadMaxLagSeconds { get; set; } = 30;
}

/// <summary>Redis: caches, invalidation messages, later sessions, rate limits and Hangfire.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string, for example 127.0.0.1:6389.</summary>
    [Required(ErrorMessage = "Redis:Configuration is required (for example 127.0.0.1:6389).")]
    public string Configuration { get; set; } = "";

    /// <summary>
    /// Prefix of every key and channel, so several deployments (or test runs) can share one Redis. No braces: the host
    /// adds hash tags itself where keys must share a Redis Cluster slot, and a tag here would put every key in one slot.
    /// </summary>
    [Required, RegularExpression("^[a-z0-9:_-]{1,40}$",
        ErrorMessage = "Redis:KeyPrefix must be 1-40 characters of a-z, 0-9, ':', '_' or '-' (no braces: the host adds Redis Cluster hash tags where keys must share a slot).")]
    public string KeyPrefix { get; set; } = "ct:";
}

/// <summary>Keys that protect buyers' personal data (DESIGN.md §3).</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>Base64 of 32 random bytes: AES-256-GCM key for names, phones and ID numbers stored in clear nowhere.</summary>
    [Required(ErrorMessage = "Privacy:EncryptionKey is required: Base64 of 32 random bytes (openssl rand -base64 32).")]
    public string EncryptionKey { get; set; } = "";

    /// <summary>Base64 of at least 32 random bytes: HMAC-SHA256 key for look-up hashes of phones and ID numbers.</summary>
    [Required(ErrorMessage = "Privacy:HashKey is required: Base64 of at least 32 random bytes (openssl rand -base64 32).")]
    public string HashKey { get; set; } = "";
}
