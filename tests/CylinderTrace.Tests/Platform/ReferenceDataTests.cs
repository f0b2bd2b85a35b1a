using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// The host's one copy of Fuzhou's districts is what migration 0002 seeds: on a database of its own, just
/// migrated (the collection's shared database holds test districts that other tests add).
/// </summary>
public sealed class District_reference_data : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestEnvironment.CreateDatabaseAsync();
    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task equals_the_districts_table_as_migrated_code_for_code_and_name_for_name()
    {
        await new MigrationRunner(new Db(new MySqlDataSource(_db.ConnectionString)), NullLogger<MigrationRunner>.Instance).MigrateAsync(30);
        await using var conn = await _db.OpenAsync();
        var table = (await conn.QueryAsync<(string Code, string Name)>("SELECT code, name FROM districts ORDER BY code")).ToList();
        Assert.Equal(14, table.Count);
        Assert.Equal(table, Districts.All.OrderBy(d => d.Code, StringComparer.Ordinal).ToList());
        Assert.Equal(Districts.City, Districts.All[0].Code);
        Assert.Equal(table.Where(d => d.Code != Districts.City), Districts.InCity);
        Assert.Equal("鼓楼区", Districts.Name("350102"));
        Assert.Equal("999999", Districts.Name("999999"));
    }
}
