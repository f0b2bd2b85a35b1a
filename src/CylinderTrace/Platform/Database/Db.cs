using MySqlConnector;

namespace CylinderTrace.Platform.Database;

/// <summary>Opens pooled connections to the system of record; feature stores open one per call.</summary>
public sealed class Db(MySqlDataSource dataSource)
{
    public MySqlDataSource DataSource => dataSource;

    public ValueTask<MySqlConnection> OpenAsync(CancellationToken ct = default) => dataSource.OpenConnectionAsync(ct);
}
