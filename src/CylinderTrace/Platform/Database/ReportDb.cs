using Dapper;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Platform.Database;

/// <summary>
/// Connections for reads that tolerate seconds of lag: reports (scores, digests with their plan progress, roll-up lists and trends,
/// Open311, CSV exports, console statistics, the public credit disclosure). With Database:ReadConnectionString set they go to that replica while its lag is
/// at most Database:ReadMaxLagSeconds (SHOW REPLICA STATUS, checked at most every 5 s; 0: not checked); otherwise, and whenever the
/// replica does not answer or its lag is unknown, to the primary. Whatever must read its own writes uses <see cref="Db"/>.
/// A server that is no asynchronous replica (a Galera node, the primary itself) has no replica status and counts as current.
/// </summary>
public sealed class ReportDb(Db primary, IOptions<DatabaseOptions> options, TimeProvider clock, ILogger<ReportDb> logger) : IDisposable
{
    private readonly MySqlDataSource? _replica = options.Value.ReadConnectionString is { Length: > 0 } cs ? new MySqlDataSource(cs) : null;
    private long _checkedAt = long.MinValue;
    private volatile bool _replicaCurrent;

    /// <summary>The replica's lag at the last check (null: none configured, not a replica, or unknown).</summary>
    public TimeSpan? LastLag { get; private set; }

    public async ValueTask<MySqlConnection> OpenAsync(CancellationToken ct = default)
    {
        if (_replica is null) return await primary.OpenAsync(ct);
        try
        {
            var conn = await _replica.OpenConnectionAsync(ct);
            if (await CurrentAsync(conn, ct)) return conn;
            await conn.DisposeAsync();
        }
        catch (MySqlException ex)
        {
            _replicaCurrent = false;
            logger.LogWarning("The read replica does not answer ({Error}); reports read the primary", ex.Message);
        }
        return await primary.OpenAsync(ct);
    }

    private async Task<bool> CurrentAsync(MySqlConnection conn, CancellationToken ct)
    {
        if (options.Value.ReadMaxLagSeconds == 0) return true; // not checked: a Galera node, or lag bounded by other means
        var now = clock.GetTimestamp();
        if (clock.GetElapsedTime(Interlocked.Read(ref _checkedAt), now) < TimeSpan.FromSeconds(5)) return _replicaCurrent;
        Interlocked.Exchange(ref _checkedAt, now);
        try
        {
            // MariaDB names the column Seconds_Behind_Master, MySQL 8.0.22+ Seconds_Behind_Source.
            var status = (await conn.QueryAsync(new CommandDefinition("SHOW REPLICA STATUS", cancellationToken: ct))).FirstOrDefault() as IDictionary<string, object?>;
            if (status is null) { LastLag = null; return _replicaCurrent = true; }
            var seconds = status.TryGetValue("Seconds_Behind_Master", out var m) ? m : status.TryGetValue("Seconds_Behind_Source", out var s) ? s : null;
            LastLag = seconds is null or DBNull ? null : TimeSpan.FromSeconds(Convert.ToDouble(seconds, System.Globalization.CultureInfo.InvariantCulture));
            _replicaCurrent = LastLag is { } lag && lag <= TimeSpan.FromSeconds(options.Value.ReadMaxLagSeconds);
            if (!_replicaCurrent)
                logger.LogWarning("The read replica is {Lag} behind (at most {Max} s allowed, or replication stopped); reports read the primary",
                    LastLag?.ToString() ?? "unknown", options.Value.ReadMaxLagSeconds);
            return _replicaCurrent;
        }
        catch (MySqlException ex)
        {
            LastLag = null;
            logger.LogWarning("The read replica's lag cannot be read ({Error}: grant the account REPLICA MONITOR / REPLICATION CLIENT); reports read the primary", ex.Message);
            return _replicaCurrent = false;
        }
    }

    public void Dispose() => _replica?.Dispose();
}
