using CylinderTrace.Platform.Database;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace CylinderTrace.Tests.Platform;

public sealed class Migrations_are_applied_once_and_never_edited : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestEnvironment.CreateDatabaseAsync();
    public async Task DisposeAsync() => await _db.DisposeAsync();

    private MigrationRunner Runner() => new(new Db(new MySqlDataSource(_db.ConnectionString)), NullLogger<MigrationRunner>.Instance);

    [Fact]
    public async Task on_an_empty_database_then_not_again()
    {
        var first = await Runner().MigrateAsync(30);
        Assert.Equal(MigrationRunner.Embedded().Select(m => m.Version), first);
        Assert.Empty(await Runner().MigrateAsync(30));
        await using var conn = await _db.OpenAsync();
        Assert.Equal(first.Count, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(14, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM districts"));
        Assert.Equal(6 * 14, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM agencies"));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM agencies WHERE district_code <> '350100' AND parent_id IS NULL"));
    }

    [Fact]
    public async Task by_concurrent_instances_exactly_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Runner().MigrateAsync(60))));
        Assert.Equal(MigrationRunner.Embedded().Count, results.Sum(r => r.Count));
        await using var conn = await _db.OpenAsync();
        Assert.Equal(MigrationRunner.Embedded().Count, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task and_every_script_is_safe_to_run_again()
    {
        await Runner().MigrateAsync(30);
        await using var conn = await _db.OpenAsync();
        // As if a script had stopped half way and the journal row were missing: running it again (as the runner runs each statement) must succeed.
        foreach (var migration in MigrationRunner.Embedded())
            foreach (var statement in MigrationRunner.SplitStatements(migration.Sql))
                await MigrationRunner.ExecuteStatementAsync(conn, statement, CancellationToken.None);
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(DISTINCT index_name) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'complaints' AND index_name IN ('ix_complaints_created', 'ix_complaints_category_created')"));
        Assert.Equal(6 * 14, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM agencies"));
    }

    [Fact]
    public async Task and_a_changed_script_stops_the_start()
    {
        await Runner().MigrateAsync(30);
        await using (var conn = await _db.OpenAsync())
            await conn.ExecuteAsync("UPDATE schema_migrations SET checksum = REPEAT('0', 64) WHERE version = 1");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner().MigrateAsync(30));
        Assert.Contains("0001_foundation", ex.Message);
        Assert.Contains("never edited", ex.Message);
    }

    [Fact]
    public async Task but_0003_and_0005_applied_before_their_MySQL_8_correction_are_accepted()
    {
        await Runner().MigrateAsync(30);
        await using (var conn = await _db.OpenAsync())
            await conn.ExecuteAsync("UPDATE schema_migrations SET checksum = CASE version WHEN 3 THEN @three ELSE @five END WHERE version IN (3, 5)",
                new { three = MigrationRunner.CorrectedFrom[3], five = MigrationRunner.CorrectedFrom[5] });
        Assert.Empty(await Runner().MigrateAsync(30));
        await using (var conn = await _db.OpenAsync())
            await conn.ExecuteAsync("UPDATE schema_migrations SET checksum = REPEAT('1', 64) WHERE version = 3");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner().MigrateAsync(30));
        Assert.Contains("0003_mini_program_and_complaints", ex.Message);
    }

    [Fact]
    public async Task and_every_table_is_InnoDB_with_a_primary_key()
    {
        // Galera replicates only InnoDB, and a table without a primary key replicates badly (each row event a scan on
        // every node; deletes may apply differently): docs/OPERATIONS.md, "Beyond one city".
        await Runner().MigrateAsync(30);
        await using var conn = await _db.OpenAsync();
        var tables = (await conn.QueryAsync<(string Name, string Engine, bool HasKey)>(
            """
            SELECT t.TABLE_NAME, t.ENGINE, EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA
                     AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY')
            FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
            """)).ToList();
        Assert.Contains(tables, t => t.Name == "schema_locks");
        Assert.True(tables.Count > 40, $"{tables.Count} tables");
        Assert.Empty(tables.Where(t => t.Engine != "InnoDB" || !t.HasKey).Select(t => $"{t.Name} ({t.Engine}, primary key: {t.HasKey})"));
    }

    [Fact]
    public async Task and_event_tables_are_partitioned_by_time()
    {
        await Runner().MigrateAsync(30);
        await using var conn = await _db.OpenAsync();
        foreach (var table in new[] { "fills", "deliveries", "inspections" })
        {
            var partitions = await conn.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @table AND PARTITION_NAME IS NOT NULL", new { table });
            Assert.True(partitions > 10, $"{table} has {partitions} partitions");
        }
    }

    [Fact]
    public void Statements_split_on_semicolons_at_line_ends_only()
    {
        var statements = MigrationRunner.SplitStatements("-- a comment\nCREATE TABLE a (x INT);\n\nINSERT INTO a VALUES (1), -- not the end;x\n (2);\nSELECT 'a;b'\n").ToList();
        Assert.Equal(3, statements.Count);
        Assert.StartsWith("INSERT INTO a", statements[1]);
        Assert.Equal("SELECT 'a;b'", statements[2]);
    }
}
