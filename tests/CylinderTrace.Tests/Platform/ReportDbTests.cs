using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using CylinderTrace.Tests.Infrastructure;
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
