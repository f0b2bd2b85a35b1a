using Dapper;
using MySqlConnector;

namespace CylinderTrace.Platform.Database;

/// <summary>
/// A named lock that instances take before work only one may do at a time (migrations, partition maintenance,
/// roll-ups): a lease row in <c>schema_locks</c>, claimed with one upsert, renewed while held, deleted when released.
/// Not GET_LOCK: Galera does not replicate it (MariaDB 10.11 with wsrep on grants it, but only on the node asked, so
/// instances on two nodes, e.g. during a writer's failover, would both hold it); a row is replicated and certified like
/// any write, so two nodes claiming at once end with one holder (the other's commit fails certification and it tries again). A holder
/// that dies keeps the lock until its lease ends (then the next taker claims it); the row names who holds it.
/// </summary>
public sealed class DatabaseLock : IAsyncDisposable
{
    // Created on first use (before migrations, which themselves run under a lock), like schema_migrations.
    private const string CreateSql =
        """
        CREATE TABLE IF NOT EXISTS schema_locks (
          name VARCHAR(100) NOT NULL PRIMARY KEY,
          holder VARCHAR(100) NOT NULL,
          expires_at DATETIME(3) NOT NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
        """;
    // Ours when free, expired or already ours; assignments run left to right, so expires_at sees the new holder.
    private const string ClaimSql =
        """
        INSERT INTO schema_locks (name, holder, expires_at) VALUES (@name, @holder, UTC_TIMESTAMP(3) + INTERVAL @lease SECOND)
        ON DUPLICATE KEY UPDATE holder = IF(expires_at < UTC_TIMESTAMP(3) OR holder = VALUES(holder), VALUES(holder), holder),
          expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)
        """;
    private const string HolderSql = "SELECT holder, expires_at FROM schema_locks WHERE name = @name";
    private const string RenewSql = "UPDATE schema_locks SET expires_at = UTC_TIMESTAMP(3) + INTERVAL @lease SECOND WHERE name = @name AND holder = @holder";
    private const string ReleaseSql = "DELETE FROM schema_locks WHERE name = @name AND holder = @holder";

    private readonly MySqlConnection connection;
    private readonly string name;
    private readonly string holder;
    private readonly CancellationTokenSource stopRenewing = new();
    private readonly Task renewing;

    private DatabaseLock(MySqlConnection connection, string name, string holder, int leaseSeconds)
    {
        (this.connection, this.name, this.holder) = (connection, name, holder);
        renewing = RenewAsync(connection.Clone(), name, holder, leaseSeconds, stopRenewing.Token);
    }

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="waitSeconds"/>; throws with <paramref name="busy"/> (and who holds
    /// it) when another holder keeps it. The lease is renewed every third of <paramref name="leaseSeconds"/> from a
    /// connection of its own; choose it longer than a statement the holder runs (a DDL may hold up the renewal's commit).
    /// </summary>
    public static async Task<DatabaseLock> TakeAsync(MySqlConnection connection, string name, int waitSeconds, string busy, CancellationToken ct = default,
        int leaseSeconds = 600)
    {
        var holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}";
        if (holder.Length > 100) holder = holder[^100..];
        var deadline = DateTime.UtcNow.AddSeconds(waitSeconds);
        var args = new { name, holder, lease = leaseSeconds };
        (string Holder, DateTime ExpiresAt)? current = null;
        while (true)
        {
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(ClaimSql, args, cancellationToken: ct));
                current = await connection.QuerySingleOrDefaultAsync<(string, DateTime)?>(new CommandDefinition(HolderSql, args, cancellationToken: ct));
                if (current?.Holder == holder) return new DatabaseLock(connection, name, holder, leaseSeconds);
            }
            catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.NoSuchTable)
            {
                await connection.ExecuteAsync(new CommandDefinition(CreateSql, cancellationToken: ct));
                continue;
            }
            catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout)
            {
                // Another claimant won the row (on Galera: its write-set certified first): look again.
            }
            if (DateTime.UtcNow >= deadline)
                throw new InvalidOperationException(busy + (current is { } c ? $" Held by {c.Holder} until {c.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC (schema_locks)." : ""));
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(150, 350)), ct);
        }
    }

    private static async Task RenewAsync(MySqlConnection own, string name, string holder, int leaseSeconds, CancellationToken stop)
    {
        await using var _ = own;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, leaseSeconds / 3)));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    if (own.State != System.Data.ConnectionState.Open) await own.OpenAsync(stop);
                    await own.ExecuteAsync(new CommandDefinition(RenewSql, new { name, holder, lease = leaseSeconds }, cancellationToken: stop));
                }
                catch (MySqlException)
                {
                    // The next tick tries again; the lease is long enough to miss a few.
                    await own.CloseAsync();
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await stopRenewing.CancelAsync();
        await renewing;
        stopRenewing.Dispose();
        await connection.ExecuteAsync(new CommandDefinition(ReleaseSql, new { name, holder }, cancellationToken: CancellationToken.None));
    }
}
