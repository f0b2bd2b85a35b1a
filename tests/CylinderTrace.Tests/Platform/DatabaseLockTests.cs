using CylinderTrace.Platform.Database;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Platform;

/// <summary>The named lock is a lease row (replicated like any write, so it holds across Galera nodes, unlike GET_LOCK).</summary>
public sealed class A_database_lock : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestEnvironment.CreateDatabaseAsync();
    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task has_one_holder_until_released_then_the_next()
    {
        await using var first = await _db.OpenAsync();
        await using var second = await _db.OpenAsync();
        var held = await DatabaseLock.TakeAsync(first, "test.lock", 5, "busy");
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseLock.TakeAsync(second, "test.lock", 1, "busy"));
        Assert.StartsWith("busy Held by ", refused.Message);
        // Another name is another lock.
        await (await DatabaseLock.TakeAsync(second, "test.other", 1, "busy")).DisposeAsync();
        var waiting = DatabaseLock.TakeAsync(second, "test.lock", 30, "busy");
        await held.DisposeAsync();
        await (await waiting).DisposeAsync();
        Assert.Equal(0, await first.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_locks"));
    }

    [Fact]
    public async Task whose_holder_died_is_taken_once_its_lease_ends()
    {
        await using var conn = await _db.OpenAsync();
        await (await DatabaseLock.TakeAsync(conn, "test.setup", 1, "busy")).DisposeAsync();
        // A holder that stopped without releasing: its row stays until it expires.
        await conn.ExecuteAsync("INSERT INTO schema_locks (name, holder, expires_at) VALUES ('test.dead', 'gone/1/x', UTC_TIMESTAMP(3) + INTERVAL 2 SECOND)");
        await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseLock.TakeAsync(conn, "test.dead", 0, "busy"));
        await using var taken = await DatabaseLock.TakeAsync(conn, "test.dead", 30, "busy");
        Assert.NotEqual("gone/1/x", await conn.ExecuteScalarAsync<string>("SELECT holder FROM schema_locks WHERE name = 'test.dead'"));
    }

    [Fact]
    public async Task is_renewed_while_held()
    {
        await using var conn = await _db.OpenAsync();
        await using var held = await DatabaseLock.TakeAsync(conn, "test.renew", 1, "busy", leaseSeconds: 3);
        var first = await conn.ExecuteScalarAsync<DateTime>("SELECT expires_at FROM schema_locks WHERE name = 'test.renew'");
        await Eventually.HoldsAsync(async () => await conn.ExecuteScalarAsync<DateTime>("SELECT expires_at FROM schema_locks WHERE name = 'test.renew'") > first, "the lease renewed");
    }
}
