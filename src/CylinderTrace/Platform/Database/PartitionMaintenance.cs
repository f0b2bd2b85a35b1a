using System.Globalization;
using Dapper;

namespace CylinderTrace.Platform.Database;

/// <summary>
/// Keeps monthly partitions of the event tables ahead of time: splits the `pmax` catch-all so that
/// every month from now to <see cref="MonthsAhead"/> months on has a partition of its own. Runs after
/// migrations (at start and by the `migrate` command) and as a daily recurring job (a host that runs for months
/// without a restart keeps its partitions ahead); safe to run any number of times. The DDL is
/// built from dates, never from input; instances serialise on a DatabaseLock (a lease row) and read
/// the partitions only once they hold it, so two instances never split the same month.
/// </summary>
public sealed class PartitionMaintenance(Db db, TimeProvider clock, ILogger<PartitionMaintenance> logger)
{
    public const int MonthsAhead = 6;
    public const string RecurringJobId = "partition-maintenance";

    /// <summary>The recurring job: ensures the partitions, logging what it added.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var added = await EnsureAsync(ct);
        if (added.Count > 0) logger.LogInformation("Partitions added: {Partitions}", string.Join(", ", added));
    }

    /// <summary>Monthly-partitioned tables and their partitioning column.</summary>
    private static readonly string[] MonthlyTables = ["fills", "deliveries", "empty_returns", "receiving_scans"];

    private const string PartitionsSql =
        """
        SELECT PARTITION_NAME FROM information_schema.PARTITIONS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @table AND PARTITION_NAME IS NOT NULL
        """;

    /// <summary>Returns the partitions it added, as table.partition.</summary>
    public async Task<IReadOnlyList<string>> EnsureAsync(CancellationToken ct = default)
    {
        var added = new List<string>();
        var now = clock.GetUtcNow().UtcDateTime;
        var first = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        await using var conn = await db.OpenAsync(ct);
        var held = await DatabaseLock.TakeAsync(conn, "cylindertrace.partitions", 120, "Could not take the partition maintenance lock within 120 s.", ct);
        try
        {
            foreach (var table in MonthlyTables)
                await EnsureTableAsync(conn, table, first, added, ct);
        }
        finally
        {
            await held.DisposeAsync();
        }
        return added;
    }

    private async Task EnsureTableAsync(MySqlConnector.MySqlConnection conn, string table, DateTime first, List<string> added, CancellationToken ct)
    {
        var existing = (await conn.QueryAsync<string>(new CommandDefinition(PartitionsSql, new { table }, cancellationToken: ct))).ToHashSet();
        if (!existing.Contains("pmax")) return; // not partitioned the way this class expects
        // Months after the newest monthly partition, up to MonthsAhead months from now, with no gaps
        // (a range partition covers everything from the previous boundary).
        var newest = existing.Where(n => n != "pmax" && n.Length == 7)
            .Select(n => DateTime.ParseExact(n[1..], "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal))
            .DefaultIfEmpty(DateTime.MinValue).Max();
        var missing = new List<DateTime>();
        for (var month = newest == DateTime.MinValue ? first : newest.AddMonths(1); month <= first.AddMonths(MonthsAhead); month = month.AddMonths(1))
            missing.Add(month);
        if (missing.Count == 0) return;
        var parts = string.Join(", ", missing.Select(m => $"PARTITION {Name(m)} VALUES LESS THAN ('{m.AddMonths(1):yyyy-MM-dd}')"));
        var ddl = $"ALTER TABLE {table} REORGANIZE PARTITION pmax INTO ({parts}, PARTITION pmax VALUES LESS THAN (MAXVALUE))";
        await conn.ExecuteAsync(new CommandDefinition(ddl, commandTimeout: 600, cancellationToken: ct));
        logger.LogInformation("Added partitions {Partitions} to {Table}", string.Join(", ", missing.Select(Name)), table);
        added.AddRange(missing.Select(m => $"{table}.{Name(m)}"));
    }

    private static string Name(DateTime month) => "p" + month.ToString("yyyyMM", CultureInfo.InvariantCulture);
}
