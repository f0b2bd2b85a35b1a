using System.Threading.Channels;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Cylinders;

/// <summary>Where a scan of a cylinder code came from.</summary>
public enum ScanChannel
{
    /// <summary>The Official Account (scan event, code sent as text, QR scene).</summary>
    OfficialAccount,
    /// <summary>The Mini Program's card (GET /api/cylinders/…/card).</summary>
    MiniProgram,
    /// <summary>The public card web page (/c/{code}), opened by a phone's camera.</summary>
    CardPage,
    /// <summary>A restaurant's receiving scan.</summary>
    ReceivingScan,
    /// <summary>An inspector looking the code up in the console.</summary>
    Inspector,
}

/// <summary>
/// One scan of a well-formed code that no cylinder has. <paramref name="Scanner"/> is who scanned in the channel's own terms
/// (an openid, "mp:&lt;user id&gt;", "staff:&lt;id&gt;", a client address); it is kept only as a keyed hash (to count distinct
/// scanners) and never shown. The location is rounded to two decimals (about 1 km) before it is stored. <paramref name="DistrictCode"/>
/// is taken as given (a restaurant's district); otherwise it is the district whose centre is nearest the location, inside
/// Fuzhou. <paramref name="SourceKey"/> names the scan in its channel (a push's id) so that a scan delivered twice is stored once.
/// </summary>
public sealed record UnregisteredScan(string Code, ScanChannel Channel, DateTime ScannedAtUtc, double? Latitude = null, double? Longitude = null,
    string? DistrictCode = null, string? Scanner = null, long? CustomerId = null, int? AgencyId = null, string? SourceKey = null);

/// <summary>
/// Unregistered scans as evidence of black gas (issue 18). Recording must not slow the card and the Official Account (which
/// must answer within WeChat's 5 s): <see cref="RecordAsync"/> puts the scan in a bounded in-memory queue and returns, and one
/// writer per instance stores the queue in multi-row inserts, gathered for a quarter of a second when fewer than a batch wait (so the hot path makes
/// no extra round trip, and a trickle of scans is not a commit each). Nothing is dropped silently: when the queue is full
/// the caller writes its scan itself (slower, never lost); a failed batch is retried with a
/// growing pause and stays queued meanwhile; at shutdown the writer drains the queue, and whatever it still cannot store is
/// logged at error level with every field (the log is then the record). What is lost is what a crashed process held in memory
/// (at most the last second's scans): evidence a resident's complaint or the next scan will repeat, unlike a complaint, which is
/// stored before it is acknowledged.
/// </summary>
public sealed class UnregisteredScans(Db db, PersonalData personal, TimeProvider clock, ILogger<UnregisteredScans> logger,
    Microsoft.Extensions.Options.IOptions<CylinderRulesOptions> rules)
{
    private readonly bool _recording = rules.Value.RecordUnregisteredScans;

    public const int QueueCapacity = 10_000;
    private const int BatchSize = 200;
    /// <summary>How long the writer waits for more scans when fewer than a batch are queued.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(250);

    private const string InsertHead =
        "INSERT IGNORE INTO unregistered_scans (cylinder_code, channel, scanned_at, district_code, latitude, longitude, scanner_hash, customer_id, agency_id, source_key) VALUES ";
    private const string NearestDistrictSql =
        """
        SELECT code FROM districts WHERE level <> 'city' AND center_lat IS NOT NULL
        ORDER BY POW(center_lat - @lat, 2) + POW((center_lng - @lng) * COS(RADIANS(@lat)), 2) LIMIT 1
        """;
    private const string BlackGasSql = "SELECT detention_number AS DetentionNumber, detained_at AS DetainedAt FROM black_gas_codes WHERE cylinder_code = @code AND released_at IS NULL";
    private const string MarkSql =
        """
        INSERT INTO black_gas_codes (cylinder_code, detention_number, detained_at, released_at) VALUES (@code, @number, @at, NULL)
        ON DUPLICATE KEY UPDATE detention_number = @number, detained_at = @at, released_at = NULL
        """;
    private const string ReleaseSql = "UPDATE black_gas_codes SET released_at = @at WHERE cylinder_code = @code AND detention_number = @number";

    private readonly Channel<UnregisteredScan> _queue = Channel.CreateBounded<UnregisteredScan>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private long _queued;
    private long _written;
    private readonly object _gate = new();
    private readonly List<(long Upto, TaskCompletionSource Done)> _waiters = [];

    public static string ChannelCode(ScanChannel c) => c switch
    {
        ScanChannel.OfficialAccount => "official_account",
        ScanChannel.MiniProgram => "mini_program",
        ScanChannel.CardPage => "card_page",
        ScanChannel.ReceivingScan => "receiving_scan",
        _ => "inspector",
    };

    public static string ChannelLabel(string code) => code switch
    {
        "official_account" => "公众号",
        "mini_program" => "小程序",
        "card_page" => "扫码网页",
        "receiving_scan" => "餐饮进货查验",
        "inspector" => "执法检查",
        _ => code,
    };

    /// <summary>Records a scan of an unregistered code. Returns once it is queued (or, with the queue full, stored).</summary>
    public async Task RecordAsync(UnregisteredScan scan, CancellationToken ct)
    {
        // CylinderRules:RecordUnregisteredScans off (the operator's choice, logged at start): the public channels' scans, the
        // ones that can come in floods, are not kept. An inspector's look-ups and detentions and a restaurant's receiving
        // scans are few and deliberate, and still are.
        if (!_recording && scan.Channel is ScanChannel.OfficialAccount or ScanChannel.MiniProgram or ScanChannel.CardPage) return;
        Interlocked.Increment(ref _queued);
        if (_queue.Writer.TryWrite(scan)) return;
        // Full (the database is slow or away): the caller waits for its own write rather than losing the scan.
        try
        {
            await WriteAsync([scan], CancellationToken.None);
        }
        finally
        {
            Written(1);
        }
    }

    /// <summary>Completes once every scan recorded before the call is stored (or given up and logged).</summary>
    public Task FlushedAsync()
    {
        var upto = Interlocked.Read(ref _queued);
        lock (_gate)
        {
            if (_written >= upto) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((upto, done));
            return done.Task;
        }
    }

    private void Written(int count)
    {
        lock (_gate)
        {
            _written += count;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Upto > _written) continue;
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>The writer's loop (<see cref="UnregisteredScanWriter"/>): batches what is queued, retries failures, drains at shutdown.</summary>
    internal async Task RunWriterAsync(CancellationToken stopping)
    {
        if (!_recording)
            logger.LogWarning("CylinderRules:RecordUnregisteredScans is off: scans of unregistered codes are not kept as black-gas evidence");
        var reader = _queue.Reader;
        var batch = new List<UnregisteredScan>(BatchSize);
        try
        {
            while (await reader.WaitToReadAsync(stopping))
            {
                while (batch.Count < BatchSize && reader.TryRead(out var s)) batch.Add(s);
                if (batch.Count < BatchSize)
                {
                    // Fewer than a batch waiting: scans arrive one at a time, and a moment's wait gathers them, so a trickle is
                    // one insert (one commit) per Linger rather than one per scan (an A/B suggested one commit per scan cost the
                    // card up to a fifth of its throughput at 1 unregistered code in 100; docs/BENCHMARKS.md). A flood fills
                    // every batch at once and never waits.
                    await Task.Delay(Linger, stopping);
                    while (batch.Count < BatchSize && reader.TryRead(out var s)) batch.Add(s);
                }
                var pause = TimeSpan.FromMilliseconds(200);
                while (true)
                {
                    try
                    {
                        await WriteAsync(batch, stopping);
                        break;
                    }
                    catch (Exception ex) when (!stopping.IsCancellationRequested)
                    {
                        logger.LogWarning("{Count} unregistered scans not stored yet, retrying in {Pause}: {Error}", batch.Count, pause, ex.Message);
                        await Task.Delay(pause, stopping);
                        pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                    }
                }
                Written(batch.Count);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        // Shutting down: one last try for what is left, then the log keeps what could not be stored.
        while (reader.TryRead(out var s)) batch.Add(s);
        if (batch.Count == 0) return;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await WriteAsync(batch, cts.Token);
        }
        catch (Exception ex)
        {
            foreach (var s in batch)
                logger.LogError("Unregistered scan NOT stored ({Error}): code {Code} channel {Channel} at {At:O} district {District} lat {Lat} lng {Lng} customer {Customer} agency {Agency} key {Key}",
                    ex.Message, s.Code, ChannelCode(s.Channel), s.ScannedAtUtc, s.DistrictCode, Round(s.Latitude), Round(s.Longitude), s.CustomerId, s.AgencyId, s.SourceKey);
        }
        Written(batch.Count);
    }

    private async Task WriteAsync(IReadOnlyList<UnregisteredScan> scans, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = new List<object?[]>(scans.Count);
        foreach (var s in scans)
        {
            var (lat, lng) = (Round(s.Latitude), Round(s.Longitude));
            var district = s.DistrictCode;
            if (district is null && lat is not null && lng is not null && InFuzhou(s.Latitude!.Value, s.Longitude!.Value))
                district = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(NearestDistrictSql, new { lat = s.Latitude, lng = s.Longitude }, cancellationToken: ct));
            rows.Add([s.Code, ChannelCode(s.Channel), s.ScannedAtUtc, district, lat, lng, s.Scanner is null ? null : personal.Hash("scanner:" + s.Scanner),
                s.CustomerId, s.AgencyId, s.SourceKey]);
        }
        await MultiRow.ExecuteAsync(conn, null, InsertHead, "", 10, rows, r => r, ct);
    }

    private static decimal? Round(double? v) => v is { } x && double.IsFinite(x) && Math.Abs(x) <= 180 ? Math.Round((decimal)x, 2) : null;

    /// <summary>Fuzhou's bounding box, as the complaint router uses it: a location elsewhere names no district.</summary>
    private static bool InFuzhou(double lat, double lng) => lat is >= 25.2 and <= 26.8 && lng is >= 118.3 and <= 120.6;

    /// <summary>The black-gas detention of an unregistered code, if one is in force (read when the card finds no cylinder).</summary>
    public async Task<BlackGasMark?> BlackGasAsync(string code, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<BlackGasMark>(new CommandDefinition(BlackGasSql, new { code }, cancellationToken: ct));
        return row is null ? null : row with { DetainedAt = DateTime.SpecifyKind(row.DetainedAt, DateTimeKind.Utc) };
    }

    /// <summary>Marks an unregistered code as detained black gas, inside the detention's transaction; the caller drops the card's cache after commit.</summary>
    public static Task MarkDetainedAsync(MySqlConnection conn, MySqlTransaction tx, string code, string number, DateTime at, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(MarkSql, new { code, number, at }, tx, cancellationToken: ct));

    /// <summary>Ends the mark of a detention (when it is closed as returned to its registered owner).</summary>
    public static Task ReleaseAsync(MySqlConnection conn, MySqlTransaction tx, string code, string number, DateTime at, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(ReleaseSql, new { code, number, at }, tx, cancellationToken: ct));

    internal DateTime Now => clock.GetUtcNow().UtcDateTime;
}

/// <summary>An unregistered code detained as black gas: the order's number and when.</summary>
[System.ComponentModel.ImmutableObject(true)]
public sealed record BlackGasMark(string DetentionNumber, DateTime DetainedAt);

/// <summary>Stores the queued unregistered scans (one writer per instance).</summary>
public sealed class UnregisteredScanWriter(UnregisteredScans scans) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => scans.RunWriterAsync(stoppingToken);
}
