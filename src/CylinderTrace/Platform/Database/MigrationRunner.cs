using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace CylinderTrace.Platform.Database;

/// <summary>
/// Applies the numbered SQL scripts embedded under Platform/Database/Migrations, in order, once each,
/// recording them in schema_migrations. MySQL commits DDL implicitly, so every script is written to
/// be safe to re-run; instances starting together serialise on a DatabaseLock. A landed script whose text
/// changed stops the host: migrations are never edited, a new one is added instead.
/// </summary>
public sealed partial class MigrationRunner(Db db, ILogger<MigrationRunner> logger)
{
    // Lock rows live in each database, so databases on one server (tests, tenants) migrate at once; the name keeps the
    // database's for the logs.
    private static string LockName(string database) =>
        "cylindertrace.migrations." + database is { Length: <= 64 } name ? name
            : "cylindertrace.migrations." + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(database)))[..39];

    public sealed record Migration(int Version, string Name, string Sql, string Checksum);

    /// <summary>
    /// Landed scripts corrected once, on purpose, with the checksum they were applied with before: 0003 and 0005 used
    /// words MySQL 8 reserves (`last_value`, `lead`) unquoted, so they failed there. The corrections only quote those
    /// identifiers: the schema they make is the same, so a database that ran the earlier text is accepted as it is
    /// (its recorded checksum is left alone, so an older release still starts against it). docs/ARCHITECTURE.md, "MySQL 8 words".
    /// </summary>
    public static readonly IReadOnlyDictionary<int, string> CorrectedFrom = new Dictionary<int, string>
    {
        [3] = "4f03cc0b9f500fa212da61782e3c8aa87917a310d1eeaec83f2ae87a04abb768",
        [5] = "57c1874f4e47001b2fde658bcfae76d81661cf4afa603a3be36661d0fdcf81e7",
    };

    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var sql = reader.ReadToEnd().Replace("\r\n", "\n");
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            list.Add(new Migration(int.Parse(match.Groups["v"].Value), match.Groups["name"].Value, sql, checksum));
        }
        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < list.Count; i++)
            if (list[i].Version == list[i - 1].Version)
                throw new InvalidOperationException($"Two migrations share version {list[i].Version}: {list[i - 1].Name} and {list[i].Name}.");
        return list;
    }

    /// <summary>Applies what is pending; returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(int lockSeconds, CancellationToken ct = default)
    {
        await using var conn = await db.OpenAsync(ct);
        var lockName = LockName(conn.Database);
        var held = await DatabaseLock.TakeAsync(conn, lockName, lockSeconds,
            $"Could not take the migration lock '{lockName}' within {lockSeconds} s: another instance is migrating or holds it.", ct);
        try
        {
            await conn.ExecuteAsync(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  version INT NOT NULL PRIMARY KEY,
                  name VARCHAR(200) NOT NULL,
                  checksum CHAR(64) NOT NULL,
                  applied_at DATETIME(3) NOT NULL
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
                """);
            var applied = (await conn.QueryAsync<(int Version, string Checksum)>(
                "SELECT version, checksum FROM schema_migrations")).ToDictionary(r => r.Version, r => r.Checksum);
            var done = new List<int>();
            foreach (var migration in Embedded())
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (!string.Equals(checksum, migration.Checksum, StringComparison.Ordinal)
                        && !(CorrectedFrom.TryGetValue(migration.Version, out var before) && string.Equals(checksum, before, StringComparison.Ordinal)))
                        throw new InvalidOperationException(
                            $"Migration {migration.Version:D4}_{migration.Name} was changed after it was applied (checksum differs). " +
                            "Landed migrations are never edited: restore it and add a new migration.");
                    continue;
                }
                logger.LogInformation("Applying migration {Version:D4}_{Name}", migration.Version, migration.Name);
                foreach (var statement in SplitStatements(migration.Sql))
                    await ExecuteStatementAsync(conn, statement, ct);
                await conn.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (@Version, @Name, @Checksum, UTC_TIMESTAMP(3))",
                    new { migration.Version, migration.Name, migration.Checksum });
                done.Add(migration.Version);
            }
            return done;
        }
        finally
        {
            await held.DisposeAsync();
        }
    }

    /// <summary>
    /// Runs one statement of a script. MySQL 8 has no CREATE INDEX IF NOT EXISTS and DDL commits on its own, so a run
    /// stopped after an index was made and before the migration's row was written finds the index there ("duplicate key
    /// name", 1061): that step is done. Every other error stops the migration.
    /// </summary>
    internal static async Task ExecuteStatementAsync(MySqlConnector.MySqlConnection conn, string statement, CancellationToken ct)
    {
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(statement, commandTimeout: 600, cancellationToken: ct));
        }
        catch (MySqlConnector.MySqlException ex) when (ex.ErrorCode == MySqlConnector.MySqlErrorCode.DuplicateKeyName
            && statement.StartsWith("CREATE INDEX", StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    /// <summary>Splits a script on semicolons that end a line; scripts keep one statement per such line end.</summary>
    internal static IEnumerable<string> SplitStatements(string sql)
    {
        var current = new StringBuilder();
        foreach (var rawLine in sql.Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (current.Length == 0 && (line.Length == 0 || line.TrimStart().StartsWith("--", StringComparison.Ordinal)))
                continue;
            current.Append(line).Append('\n');
            if (line.EndsWith(';'))
            {
                var statement = current.ToString().Trim().TrimEnd(';');
                current.Clear();
                if (statement.Length > 0) yield return statement;
            }
        }
        var rest = current.ToString().Trim();
        if (rest.Length > 0) yield return rest;
    }

    [GeneratedRegex(@"\.Migrations\.(?<v>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();
}
