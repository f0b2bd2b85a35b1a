using System.Buffers;
using System.Collections.Concurrent;
using System.Data;
using System.Text;
using System.Text.Json;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Platform.Database;

/// <summary>
/// Multi-row statements for batch writes, without building SQL from values: the text depends only on
/// the (constant) template and the row count, and the counts come from a short fixed list (500, 100,
/// 20, 5, 1), so Dapper and the server see a handful of statements. Values are always parameters.
/// </summary>
public static class MultiRow
{
    private static readonly int[] Sizes = [500, 100, 20, 5, 1];
    private static readonly ConcurrentDictionary<(string, int), string> Texts = new();
    // Parameter names c{column}_{row}, made once.
    private static readonly string[][] Names = Enumerable.Range(0, 16).Select(c => Enumerable.Range(0, 500).Select(i => $"c{c}_{i}").ToArray()).ToArray();

    /// <summary>
    /// Runs <paramref name="head"/> followed by one "(@c0_i, @c1_i, …)" group per row (joined by
    /// <paramref name="separator"/>) and <paramref name="tail"/>, in chunks. <paramref name="values"/> gives a row's column values.
    /// </summary>
    public static async Task<int> ExecuteAsync<T>(MySqlConnection conn, IDbTransaction? tx, string head, string tail, int columns,
        IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken ct, string separator = ",", string group = "({0})", bool aliased = false)
    {
        var affected = 0;
        foreach (var (sql, p) in Chunks(head, tail, columns, rows, values, separator, group, aliased))
            affected += await conn.ExecuteAsync(new CommandDefinition(sql, p, tx, cancellationToken: ct));
        return affected;
    }

    /// <summary>Like <see cref="ExecuteAsync{T}"/>, for a query (a derived table of the rows, joined): gathers what each chunk returns.</summary>
    public static async Task<List<TResult>> QueryAsync<TResult, T>(MySqlConnection conn, IDbTransaction? tx, string head, string tail, int columns,
        IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken ct, string separator = " UNION ALL ", string group = "SELECT {0}", bool aliased = true)
    {
        var results = new List<TResult>();
        foreach (var (sql, p) in Chunks(head, tail, columns, rows, values, separator, group, aliased))
            results.AddRange(await conn.QueryAsync<TResult>(new CommandDefinition(sql, p, tx, cancellationToken: ct)));
        return results;
    }

    /// <summary>The statements for <paramref name="rows"/>: chunks of the fixed sizes, each text made once, each with its parameters.</summary>
    private static IEnumerable<(string Sql, DynamicParameters Parameters)> Chunks<T>(string head, string tail, int columns, IReadOnlyList<T> rows,
        Func<T, object?[]> values, string separator, string group, bool aliased)
    {
        var done = 0;
        while (done < rows.Count)
        {
            var size = Sizes.First(s => s <= rows.Count - done);
            var sql = Texts.GetOrAdd((head + "\u0001" + tail + "\u0001" + separator + "\u0001" + group + "\u0001" + columns + aliased, size),
                _ => Build(head, tail, columns, size, separator, group, aliased));
            var p = new DynamicParameters();
            for (var i = 0; i < size; i++)
            {
                var v = values(rows[done + i]);
                for (var c = 0; c < columns; c++) p.Add(Names[c][i], v[c]);
            }
            yield return (sql, p);
            done += size;
        }
    }

    /// <summary>Runs a query whose text has one IN list of <paramref name="keys"/>, in padded chunks (the last key repeats), and gathers the results.</summary>
    public static async Task<List<TResult>> QueryInAsync<TResult, TKey>(MySqlConnection conn, IDbTransaction? tx, string sqlWithIn, string inPlaceholder,
        IReadOnlyList<TKey> keys, object? extra, CancellationToken ct)
    {
        var results = new List<TResult>();
        const int chunk = 500;
        var sql = Texts.GetOrAdd((sqlWithIn + "\u0002" + inPlaceholder, chunk), _ =>
            sqlWithIn.Replace(inPlaceholder, "(" + string.Join(",", Enumerable.Range(0, chunk).Select(i => "@k" + i)) + ")", StringComparison.Ordinal));
        for (var done = 0; done < keys.Count; done += chunk)
        {
            var p = new DynamicParameters(extra);
            for (var i = 0; i < chunk; i++) p.Add("k" + i, keys[Math.Min(done + i, keys.Count - 1)]);
            results.AddRange(await conn.QueryAsync<TResult>(new CommandDefinition(sql, p, tx, cancellationToken: ct)));
        }
        return results;
    }

    /// <summary>
    /// Whether batch joins use JSON_TABLE (<see cref="ExecuteJsonAsync{T}"/>) or a derived table of UNION ALL selects
    /// (<see cref="ExecuteDerivedAsync{T}"/>): set once at start from Database:JsonTable (auto: by the server's version).
    /// </summary>
    public static JsonTableUse JsonTable { get; set; } = JsonTableUse.Auto;

    /// <summary>JSON_TABLE for this connection's server: MariaDB 10.6+, MySQL 8.0.4+; never TiDB (it has none).</summary>
    public static bool UsesJsonTable(MySqlConnection conn) => JsonTable switch
    {
        JsonTableUse.Always => true,
        JsonTableUse.Never => false,
        _ => ServerHasJsonTable(conn.ServerVersion),
    };

    /// <summary>Reads a server version string as MySqlConnector reports it ("10.11.19-MariaDB-0+deb12u1", "8.0.36", "8.0.11-TiDB-v7.5.0").</summary>
    public static bool ServerHasJsonTable(string serverVersion)
    {
        if (serverVersion.Contains("TiDB", StringComparison.OrdinalIgnoreCase)) return false;
        var numbers = System.Text.RegularExpressions.Regex.Match(serverVersion, @"^(\d+)\.(\d+)\.(\d+)");
        if (!numbers.Success) return false;
        var version = new Version(int.Parse(numbers.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(numbers.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(numbers.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
        return serverVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase) ? version >= new Version(10, 6, 0) : version >= new Version(8, 0, 4);
    }

    /// <summary>
    /// The JSON_TABLE-free form of a batch join: <paramref name="head"/>, a derived table of UNION ALL selects of the
    /// rows (columns a0, a1, …; fixed chunk sizes as <see cref="ExecuteAsync{T}"/>), then <paramref name="tail"/>.
    /// </summary>
    public static Task<int> ExecuteDerivedAsync<T>(MySqlConnection conn, IDbTransaction? tx, string head, string tail, int columns,
        IReadOnlyList<T> rows, Func<T, object?[]> values, CancellationToken ct) =>
        ExecuteAsync(conn, tx, head, tail, columns, rows, values, ct, separator: " UNION ALL ", group: "SELECT {0}", aliased: true);

    /// <summary>Rows per statement of <see cref="ExecuteJsonAsync{T}"/> (about 50-100 bytes of JSON each: far below max_allowed_packet).</summary>
    private const int JsonChunk = 5000;

    /// <summary>
    /// Runs <paramref name="sql"/> with the rows as one JSON array of arrays in the parameter @rows, which
    /// the statement reads with JSON_TABLE (MySQL 8.0.4+, MariaDB 10.6+). For joins against many rows
    /// (UPDATE … JOIN JSON_TABLE(@rows, '$[*]' COLUMNS (…))) this is far cheaper for the server than a
    /// derived table of UNION ALL selects, and the statement text never changes.
    /// <paramref name="write"/> writes one row's values (the writer is inside the row's array); write
    /// times with <see cref="WriteDateTime"/>.
    /// </summary>
    public static async Task<int> ExecuteJsonAsync<T>(MySqlConnection conn, IDbTransaction? tx, string sql, IReadOnlyList<T> rows,
        Action<Utf8JsonWriter, T> write, CancellationToken ct)
    {
        var affected = 0;
        for (var done = 0; done < rows.Count; done += JsonChunk)
        {
            var buffer = new ArrayBufferWriter<byte>(Math.Min(rows.Count - done, JsonChunk) * 64);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartArray();
                for (var i = done; i < Math.Min(rows.Count, done + JsonChunk); i++)
                {
                    json.WriteStartArray();
                    write(json, rows[i]);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
            }
            var p = new DynamicParameters();
            p.Add("rows", Encoding.UTF8.GetString(buffer.WrittenSpan));
            affected += await conn.ExecuteAsync(new CommandDefinition(sql, p, tx, cancellationToken: ct));
        }
        return affected;
    }

    /// <summary>A time as JSON_TABLE's DATETIME(3) column reads it ("yyyy-MM-dd HH:mm:ss.fff").</summary>
    public static void WriteDateTime(Utf8JsonWriter json, DateTime at)
    {
        Span<char> text = stackalloc char[23];
        at.TryFormat(text, out var n, "yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteStringValue(text[..n]);
    }

    /// <summary>With <paramref name="aliased"/>, each value is named a0, a1, … (for a derived table of UNION ALL selects).</summary>
    private static string Build(string head, string tail, int columns, int rows, string separator, string group, bool aliased) =>
        head + string.Join(separator, Enumerable.Range(0, rows).Select(i =>
            string.Format(System.Globalization.CultureInfo.InvariantCulture, group,
                string.Join(", ", Enumerable.Range(0, columns).Select(c => aliased ? $"@c{c}_{i} AS a{c}" : $"@c{c}_{i}"))))) + tail;
}

/// <summary>Database:JsonTable: auto (by the server's version), always, never.</summary>
public enum JsonTableUse { Auto, Always, Never }
