using System.Security.Cryptography;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// Where the real MariaDB and Redis started by ops/services-up.sh are. ops/test.sh exports these;
/// the defaults match the script's, so a test run from an IDE works once the services are up.
/// </summary>
public static class TestEnvironment
{
    public static string DbServer => Environment.GetEnvironmentVariable("CT_TEST_DB_SERVER")
        ?? "Server=127.0.0.1;Port=3316;User ID=cylindertrace;Password=cylindertrace-local;AllowLoadLocalInfile=true";

    public static string DbPrefix => Environment.GetEnvironmentVariable("CT_TEST_DB_PREFIX") ?? "cylindertrace_test";

    public static string Redis => Environment.GetEnvironmentVariable("CT_TEST_REDIS") ?? "127.0.0.1:6389";

    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Creates an empty database of its own for a test class or collection; dropped on dispose.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = $"{DbPrefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";
        await using var conn = new MySqlConnection(DbServer);
        await conn.OpenAsync();
        await conn.ExecuteAsync($"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        return new TestDatabase(name, $"{DbServer};Database={name}");
    }

    /// <summary>Deletes the keys under a collection's Redis prefix (its caches, rate limits and Hangfire's queues), as its database is dropped.</summary>
    public static async Task DeleteRedisKeysAsync(string prefix)
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Redis);
        var server = redis.GetServers().First();
        var db = redis.GetDatabase();
        var batch = new List<StackExchange.Redis.RedisKey>();
        // Hangfire's keys are "{<prefix>hangfire}:…" (a Redis Cluster hash tag).
        foreach (var pattern in new[] { prefix + "*", "{" + prefix + "*" })
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
            {
                batch.Add(key);
                if (batch.Count == 1000) { await db.KeyDeleteAsync([.. batch]); batch.Clear(); }
            }
        if (batch.Count > 0) await db.KeyDeleteAsync([.. batch]);
    }
}

public sealed class TestDatabase(string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;
    public string ConnectionString { get; } = connectionString;

    public async Task<MySqlConnection> OpenAsync()
    {
        var conn = new MySqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    public async ValueTask DisposeAsync()
    {
        await using var conn = new MySqlConnection(TestEnvironment.DbServer);
        await conn.OpenAsync();
        await conn.ExecuteAsync($"DROP DATABASE IF EXISTS `{Name}`");
    }
}
