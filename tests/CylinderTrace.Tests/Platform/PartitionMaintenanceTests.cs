using CylinderTrace.Platform.Database;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace CylinderTrace.Tests.Platform;

public sealed class Event_tables_get_their_coming_months_partitions : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private Db _dbAccess = null!;

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    public async Task InitializeAsync()
    {
        _db = await TestEnvironment.CreateDatabaseAsync();
        _dbAccess = new Db(new MySqlDataSource(_db.ConnectionString));
        await new MigrationRunner(_dbAccess, NullLogger<MigrationRunner>.Instance).MigrateAsync(30);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private PartitionMaintenance At(int year, int month) =>
        new(_dbAccess, new FixedClock(new DateTimeOffset(year, month, 15, 0, 0, 0, TimeSpan.Zero)), NullLogger<PartitionMaintenance>.Instance);

    [Fact]
    public async Task split_off_the_catch_all_without_losing_rows_and_only_once()
    {
        await using var conn = await _db.OpenAsync();
        // A row that landed in pmax before its month had a partition.
        await conn.ExecuteAsync("INSERT INTO fills (filled_at, cylinder_id, station_id, owner_id) VALUES ('2028-03-02 10:00:00', 1, 1, 1)");

        var added = await At(2027, 11).EnsureAsync();
        Assert.Equal(
            new[] { "202801", "202802", "202803", "202804", "202805" }.SelectMany(m => new[] { $"fills.p{m}", $"deliveries.p{m}", $"empty_returns.p{m}", $"receiving_scans.p{m}" }).Order(),
            added.Order());
        Assert.Empty(await At(2027, 11).EnsureAsync());

        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fills PARTITION (p202803)"));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fills PARTITION (pmax)"));
    }

    [Fact]
    public async Task and_concurrent_instances_do_not_trip_over_each_other()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => At(2028, 2).EnsureAsync())));
        // 2028-01 (the gap after 2027-12) to 2028-08 (six months ahead), in each of the four monthly tables, added once.
        Assert.Equal(4 * 8, results.Sum(r => r.Count));
    }
}
