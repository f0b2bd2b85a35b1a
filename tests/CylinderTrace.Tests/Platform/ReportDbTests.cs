using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Tests.Platform;

/// <summary>Reports read Database:ReadConnectionString when it is set and answers, the primary otherwise.</summary>
public sealed class Reports_read_the_replica : IAsyncLifetime
{
    private TestDatabase _primary = null!;
    private TestDatabase _replica = null!;

    public async Task InitializeAsync() => (_primary, _replica) = (await TestEnvironment.CreateDatabaseAsync(), await TestEnvironment.CreateDatabaseAsync());

    public async Task DisposeAsync()
    {
        await _primary.DisposeAsync();
        await _replica.DisposeAsync();
    }

    private ReportDb Reports(string read, int maxLag = 30) => new(new Db(new MySqlDataSource(_primary.ConnectionString)),
        Options.Create(new DatabaseOptions { ConnectionString = _primary.ConnectionString, ReadConnectionString = read, ReadMaxLagSeconds = maxLag }), TimeProvider.System, NullLogger<ReportDb>.Instance);

    [Fact]
    public async Task when_one_is_set_and_current()
    {
        // Lag not checked (a Galera node); the test account may not read replica status.
        using var reports = Reports(_replica.ConnectionString, maxLag: 0);
        await using var conn = await reports.OpenAsync();
        Assert.Equal(_replica.Name, conn.Database);
    }

    [Fact]
    public async Task but_the_primary_while_its_lag_cannot_be_read_or_is_too_long()
    {
        // The test account has no REPLICA MONITOR: the lag is unknown, so the primary answers (never an unbounded replica).
        using var reports = Reports(_replica.ConnectionString);
        await using var conn = await reports.OpenAsync();
        Assert.Equal(_primary.Name, conn.Database);
        Assert.Null(reports.LastLag);
    }

    /// <summary>
    /// The digests' plan progress (<see cref="CylinderTrace.Supervision.InspectionPlans.OfMonthAsync"/>) is a report: with a current replica
    /// it reads the replica. Here only the replica has the schema and the plan, so a read of the primary would fail.
    /// </summary>
    [Fact]
    public async Task for_the_plan_progress_of_the_digests()
    {
        var replica = new Db(new MySqlDataSource(_replica.ConnectionString));
        await new MigrationRunner(replica, NullLogger<MigrationRunner>.Instance).MigrateAsync(30);
        int agency;
        await using (var conn = await replica.OpenAsync())
        {
            agency = await conn.ExecuteScalarAsync<int>("SELECT id FROM agencies ORDER BY id LIMIT 1");
            await conn.ExecuteAsync(
                """
                INSERT INTO inspection_plans (agency_id, month, seed, algorithm, candidates, inspectors, drawn_at)
                VALUES (@agency, '2026-11-01', 'replicaseed', 'sha256-strata-v1', '{"candidates": []}', '[]', UTC_TIMESTAMP(3))
                """, new { agency });
        }
        using var reports = Reports(_replica.ConnectionString, maxLag: 0);
        var primary = new Db(new MySqlDataSource(_primary.ConnectionString));
        var plans = new CylinderTrace.Supervision.InspectionPlans(primary, reports, new CylinderTrace.Platform.ReferenceData.Agencies(primary), null!,
            Options.Create(new CylinderTrace.Supervision.RandomInspectionOptions()), TimeProvider.System, NullLogger<CylinderTrace.Supervision.InspectionPlans>.Instance);
        var month = await plans.OfMonthAsync([agency], new DateOnly(2026, 11, 15), CancellationToken.None);
        Assert.Equal("replicaseed", Assert.Single(month).Seed);
    }

    [Fact]
    public async Task and_the_primary_when_none_is_set_or_it_does_not_answer()
    {
        using (var none = Reports(""))
        await using (var conn = await none.OpenAsync())
            Assert.Equal(_primary.Name, conn.Database);
        using var away = Reports("Server=127.0.0.1;Port=1;User ID=x;Password=y;Connection Timeout=2");
        await using var fallback = await away.OpenAsync();
        Assert.Equal(_primary.Name, fallback.Database);
    }
}
