using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Platform.Security;

/// <summary>
/// The deployment's first data-protection key, made once, under a database lock, before any instance protects
/// anything. Left to the framework, every instance that starts on a database without a key makes its own at once
/// (ASP.NET Core reads the key ring as it starts): with two web instances behind a proxy, a console cookie issued by
/// one was refused by the other (401) until they re-read the ring a day later. Seen by ops/cluster-check.sh, which found
/// three keys made within 1.5 s. Later keys are made by the framework two days before they are needed, so every
/// instance has read them by then.
/// </summary>
public sealed class FirstKey(IKeyManager keys, IOptions<KeyManagementOptions> options, Db db, ILogger<FirstKey> logger)
{
    public const string LockName = "data-protection-first-key";

    /// <summary>Makes a key when none is usable now; true when it made one.</summary>
    public async Task<bool> EnsureAsync(int waitSeconds, CancellationToken ct)
    {
        if (HasUsableKey()) return false;
        await using var conn = await db.DataSource.OpenConnectionAsync(ct);
        await using var held = await DatabaseLock.TakeAsync(conn, LockName, waitSeconds,
            "Another instance is making the first data-protection key; try again in a minute.", ct, leaseSeconds: 60);
        // Another instance may have made it while we waited for the lock.
        if (HasUsableKey()) return false;
        var now = DateTimeOffset.UtcNow;
        var key = keys.CreateNewKey(now, now + options.Value.NewKeyLifetime);
        logger.LogInformation("Made the deployment's first data-protection key {Key}, good until {Expires}", key.KeyId, ShanghaiTime.Text(key.ExpirationDate));
        return true;
    }

    // Read from the database each time (IKeyManager.GetAllKeys reads the repository).
    private bool HasUsableKey()
    {
        var now = DateTimeOffset.UtcNow;
        return keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now);
    }
}

/// <summary>Makes the first key as an instance starts (after its migrations; see <see cref="FirstKey"/>).</summary>
internal sealed class FirstKeyOnStart(FirstKey firstKey, IOptions<DatabaseOptions> options, ILogger<FirstKeyOnStart> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        try { await firstKey.EnsureAsync(options.Value.MigrationLockSeconds, ct); }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.NoSuchTable)
        {
            // Not migrated yet (Database:MigrateOnStart=false): the migrate command makes it.
            logger.LogWarning("No data-protection key made: the database is not migrated yet ({Error})", ex.Message);
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or TimeoutException)
        {
            // The database away (the host still starts and answers 503 from its paths), or another instance holding the
            // lock past the wait: the framework makes a key when one is first needed.
            logger.LogWarning("No data-protection key made at start: {Error}", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
