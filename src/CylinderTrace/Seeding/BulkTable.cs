using System.Globalization;
using System.Text;
using System.Threading.Channels;
using CylinderTrace.Platform.Database;
using MySqlConnector;

namespace CylinderTrace.Seeding;

/// <summary>
/// Streams rows into one table with LOAD DATA LOCAL INFILE, in chunks: the caller writes the next
/// chunk while a background task loads the previous one, so generation and MariaDB work overlap.
/// Fields are tab-separated; NULL is \N; binary columns are written as hex and unhexed by an expression.
/// </summary>
internal sealed class BulkTable : IAsyncDisposable
{
    private const int ChunkRows = 50_000;
    private static readonly UTF8Encoding Utf8 = new(false);

    private readonly Db _db;
    private readonly string _table;
    private readonly string[] _columns;
    private readonly string[] _expressions;
    private readonly Channel<MemoryStream> _chunks = Channel.CreateBounded<MemoryStream>(2);
    private readonly Task _loader;
    private readonly Action<int> _loaded;
    private readonly CancellationToken _ct;
    private MemoryStream _stream = new();
    private int _rowsInChunk;

    public BulkTable(Db db, string table, string[] columns, string[] expressions, Action<int> loaded, CancellationToken ct)
    {
        _db = db;
        _table = table;
        _columns = columns;
        _expressions = expressions;
        _loaded = loaded;
        _ct = ct;
        Writer = new StreamWriter(_stream, Utf8, 1 << 16) { NewLine = "\n" };
        _loader = Task.Run(LoadLoopAsync, ct);
    }

    public StreamWriter Writer { get; private set; }

    public static string Hex(byte[]? bytes) => bytes is null ? @"\N" : Convert.ToHexString(bytes);
    public static string Date(DateOnly? d) => d is { } v ? v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : @"\N";
    public static string Time(DateTime? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) : @"\N";
    public static string Num(long? n) => n is { } v ? v.ToString(CultureInfo.InvariantCulture) : @"\N";

    public void Row(params string[] fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) Writer.Write('\t');
            Writer.Write(fields[i]);
        }
        Writer.Write('\n');
    }

    public async ValueTask EndRowAsync()
    {
        if (++_rowsInChunk < ChunkRows) return;
        await HandOffAsync();
    }

    private async ValueTask HandOffAsync()
    {
        await Writer.FlushAsync(_ct);
        var full = _stream;
        _stream = new MemoryStream();
        Writer = new StreamWriter(_stream, Utf8, 1 << 16) { NewLine = "\n" };
        _rowsInChunk = 0;
        await _chunks.Writer.WriteAsync(full, _ct);
    }

    private async Task LoadLoopAsync()
    {
        await using var conn = await _db.OpenAsync(_ct);
        await using (var cmd = new MySqlCommand("SET SESSION foreign_key_checks = 0, SESSION unique_checks = 0", conn))
            await cmd.ExecuteNonQueryAsync(_ct);
        await foreach (var chunk in _chunks.Reader.ReadAllAsync(_ct))
        {
            chunk.Position = 0;
            var loader = new MySqlBulkLoader(conn)
            {
                TableName = _table,
                SourceStream = chunk,
                Local = true,
                FieldTerminator = "\t",
                LineTerminator = "\n",
                CharacterSet = "utf8mb4",
                Timeout = 600,
            };
            loader.Columns.AddRange(_columns);
            loader.Expressions.AddRange(_expressions);
            var rows = await loader.LoadAsync(_ct);
            _loaded(rows);
            await chunk.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_rowsInChunk > 0) await HandOffAsync();
        _chunks.Writer.Complete();
        await _loader;
        await Writer.DisposeAsync();
    }
}
