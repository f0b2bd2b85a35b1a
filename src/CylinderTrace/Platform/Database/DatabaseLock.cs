using Dapper;
using MySqlConnector;

namespace CylinderTrace.Platform.Database;

/// <summary>
/// A named lock held by one database connection (MySQL/MariaDB GET_LOCK): instances that start together or run the
/// same maintenance serialise on it. Released when disposed (and by the server if the connection drops).
/// </summary>
public sealed class DatabaseLock : IAsyncDisposable
{
    private readonly MySqlConnection connection;
    private readonly string name;

    private DatabaseLock(MySqlConnection connection, string name) => (this.connection, this.name) = (connection, name);

    /// <summary>Takes the lock, waiting up to <paramref name="waitSeconds"/>; throws with <paramref name="busy"/> when another holder keeps it.</summary>
    public static async Task<DatabaseLock> TakeAsync(MySqlConnection connection, string name, int waitSeconds, string busy, CancellationToken ct = default)
    {
        var got = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT GET_LOCK(@name, @waitSeconds)", new { name, waitSeconds }, cancellationToken: ct));
        return got == 1 ? new DatabaseLock(connection, name) : throw new InvalidOperationException(busy);
    }

    public async ValueTask DisposeAsync() =>
        await connection.ExecuteAsync(new CommandDefinition("SELECT RELEASE_LOCK(@name)", new { name }, cancellationToken: CancellationToken.None));
}
