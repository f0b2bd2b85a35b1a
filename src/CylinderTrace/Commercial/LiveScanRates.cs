using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Commercial;

/// <summary>
/// Today's scan rates, live (issue 8): one Redis hash per Asia/Shanghai day with a deliveries and a
/// scanned counter per subject ("c123:d", "s7:s", …; letters in <see cref="RateDimensions"/>).
/// <para>
/// The hash is either absent or complete. It is built from MariaDB (<see cref="ScanRateCounts"/>) by
/// the first read that finds it missing (one builder at a time, through a lock), written under a
/// temporary name and renamed into place, and from then on every delivery to a restaurant and every
/// scan that answers a delivery adds to it after its transaction commits. An increment that finds no
/// hash is dropped: the build counts that record from the database. So counters lost from Redis (a
/// flush, a restore, an expired day) are rebuilt equal to the database's count on the next read.
/// </para>
/// <para>
/// Limits, stated: a record committed while a build is between its database read and its rename is
/// missed by both (a window of milliseconds, once per day per loss); an increment that fails because
/// Redis is away is remembered in this process and the day's hash is dropped on the next successful
/// call, so it is rebuilt. The nightly reconciliation drops the hashes of today and yesterday too.
/// Per-day and longer periods come from the roll-ups (<see cref="ScanRateRollups"/>), not from here.
/// </para>
/// </summary>
public sealed class LiveScanRates(IConnectionMultiplexer redis, IOptions<RedisOptions> options, Db db, EnterpriseDirectory directory, TimeProvider clock,
    ILogger<LiveScanRates> logger)
{
    private const string BuiltField = "_built";
    private static readonly TimeSpan KeepFor = TimeSpan.FromDays(3);
    private static readonly TimeSpan BuildLock = TimeSpan.FromSeconds(60);

    // Adds to the counters only when the day's hash is complete (see the class remarks).
    private const string IncrementScript =
        """
        if redis.call('HEXISTS', KEYS[1], '_built') == 0 then return 0 end
        for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
        return 1
        """;
    // Puts a finished build in place unless another build got there first.
    private const string InstallScript =
        """
        if redis.call('HEXISTS', KEYS[1], '_built') == 1 then redis.call('DEL', KEYS[2]) return 0 end
        redis.call('RENAME', KEYS[2], KEYS[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 1
        """;
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    // Days whose hash may have missed increments while Redis was away (process-wide: every instance keeps its own).
    private static readonly ConcurrentDictionary<DateOnly, bool> StaleDays = new();

    private readonly string _prefix = options.Value.KeyPrefix + "rates:live:";

    /// <summary>The set of days (DateOnly.DayNumber) whose roll-ups need refreshing.</summary>
    public RedisKey DirtyKey => options.Value.KeyPrefix + "rates:dirty";

    public RedisKey Key(DateOnly day) => KeyName(day);
    // The day in a hash tag ("…rates:live:{20261201}"): the day's hash, its build and its lock share a Redis Cluster slot,
    // so the install script may RENAME the build into place.
    private string KeyName(DateOnly day) => _prefix + "{" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "}";
    private static string Field(RateSubject s, char kind) => string.Concat(RateDimensions.Letter(s.Dimension).ToString(), s.Id.ToString(CultureInfo.InvariantCulture), ":", kind.ToString());

    public static DateOnly DayOf(DateTime utc) => DateOnly.FromDateTime(utc.AddHours(8));

    public DateOnly Today => DayOf(clock.GetUtcNow().UtcDateTime);

    /// <summary>Counts committed deliveries to restaurants and scans that answered a delivery. Never throws: a failure is logged and the day is rebuilt later.</summary>
    public async Task CountAsync(IReadOnlyList<RateEvent> deliveries, IReadOnlyList<RateEvent> scans, CancellationToken ct)
    {
        if (deliveries.Count == 0 && scans.Count == 0) return;
        var days = deliveries.Select(d => DayOf(d.DeliveredAtUtc)).Concat(scans.Select(s => DayOf(s.DeliveredAtUtc))).ToHashSet();
        try
        {
            var enterprises = await EnterprisesOfAsync(deliveries.Concat(scans).Select(e => e.StationId), ct);
            var database = redis.GetDatabase();
            await ForgetStaleAsync(database);
            // The roll-ups of these days are refreshed by the next ScanRateRollups run (sent without
            // waiting for the answer: a lost mark is caught by the nightly reconciliation).
            database.SetAdd(DirtyKey, days.Select(d => (RedisValue)d.DayNumber).ToArray(), CommandFlags.FireAndForget);
            var today = Today;
            foreach (var day in days)
            {
                // Only a day whose hash may exist is worth a round trip (today, and yesterday for a few days' grace).
                if (day < today.AddDays(-2) || day > today.AddDays(1)) continue;
                var tallies = new Dictionary<RateSubject, RateTally>();
                foreach (var d in deliveries.Where(d => DayOf(d.DeliveredAtUtc) == day))
                    ScanRateCounts.Add(tallies, d.CustomerId, d.WorkerId, d.StationId, d.DistrictCode, 1, 0, enterprises);
                foreach (var s in scans.Where(s => DayOf(s.DeliveredAtUtc) == day))
                    ScanRateCounts.Add(tallies, s.CustomerId, s.WorkerId, s.StationId, s.DistrictCode, 0, 1, enterprises);
                var args = new List<RedisValue>(tallies.Count * 4);
                foreach (var (subject, t) in tallies)
                {
                    if (t.Deliveries != 0) { args.Add(Field(subject, 'd')); args.Add(t.Deliveries); }
                    if (t.Scanned != 0) { args.Add(Field(subject, 's')); args.Add(t.Scanned); }
                }
                await database.ScriptEvaluateAsync(IncrementScript, [Key(day)], args.ToArray());
            }
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            foreach (var day in days) StaleDays[day] = true;
            logger.LogWarning("Live scan-rate counters not updated ({Error}); the day's counters will be rebuilt from MariaDB", ex.Message);
        }
    }

    /// <summary>Today's rate of each subject; counters missing from Redis are rebuilt from MariaDB first. With Redis away, counted from MariaDB.</summary>
    public async Task<IReadOnlyList<ScanRate>> ReadAsync(IReadOnlyList<RateSubject> subjects, CancellationToken ct)
    {
        if (await TryReadAsync(subjects, ct) is { } live) return live;
        // The whole day's count (a grouped pass over today's deliveries to restaurants): fine for the
        // rare reader while Redis is away; a restaurant's own rate has a cheaper way (ScanRates).
        var counted = await CountFromDatabaseAsync(Today, ct);
        return subjects.Select(s => counted.TryGetValue(s, out var t) ? Rate(t.Deliveries, t.Scanned) : Rate(0, 0)).ToList();
    }

    /// <summary>Today's rates from the live counters (built first when missing); null while Redis is unavailable.</summary>
    public async Task<IReadOnlyList<ScanRate>?> TryReadAsync(IReadOnlyList<RateSubject> subjects, CancellationToken ct)
    {
        var day = Today;
        try
        {
            var database = redis.GetDatabase();
            await ForgetStaleAsync(database);
            for (var attempt = 0; ; attempt++)
            {
                var fields = new RedisValue[1 + subjects.Count * 2];
                fields[0] = BuiltField;
                for (var i = 0; i < subjects.Count; i++)
                {
                    fields[1 + 2 * i] = Field(subjects[i], 'd');
                    fields[2 + 2 * i] = Field(subjects[i], 's');
                }
                var values = await database.HashGetAsync(Key(day), fields);
                if (values[0].HasValue)
                    return subjects.Select((_, i) => Rate((int)Num(values[1 + 2 * i]), (int)Num(values[2 + 2 * i]))).ToList();
                if (attempt == 2) return null;
                await BuildAsync(day, ct);
            }
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogWarning("Live scan rates not read: Redis unavailable ({Error})", ex.Message);
            return null;
        }
    }

    public async Task<ScanRate> ReadAsync(RateSubject subject, CancellationToken ct) => (await ReadAsync([subject], ct))[0];

    /// <summary>Drops a day's counters (the next read rebuilds them from MariaDB).</summary>
    public Task ForgetAsync(DateOnly day) => redis.GetDatabase().KeyDeleteAsync(Key(day));

    /// <summary>Builds the day's counters from MariaDB unless they exist; waits for a build another caller holds the lock for.</summary>
    public async Task BuildAsync(DateOnly day, CancellationToken ct)
    {
        var database = redis.GetDatabase();
        var lockKey = (RedisKey)(KeyName(day) + ":lock");
        var owner = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        if (!await database.StringSetAsync(lockKey, owner, BuildLock, When.NotExists))
        {
            // Someone else is building: wait for it (bounded), then let the caller read.
            for (var i = 0; i < 100 && !await database.HashExistsAsync(Key(day), BuiltField); i++) await Task.Delay(50, ct);
            return;
        }
        try
        {
            if (await database.HashExistsAsync(Key(day), BuiltField)) return;
            var tallies = await CountFromDatabaseAsync(day, ct);
            var temp = (RedisKey)(KeyName(day) + ":build:" + owner);
            var entries = new List<HashEntry>(tallies.Count * 2 + 1) { new(BuiltField, 1) };
            foreach (var (subject, t) in tallies)
            {
                entries.Add(new(Field(subject, 'd'), t.Deliveries));
                entries.Add(new(Field(subject, 's'), t.Scanned));
            }
            foreach (var chunk in entries.Chunk(2000)) await database.HashSetAsync(temp, chunk);
            await database.KeyExpireAsync(temp, BuildLock * 2);
            await database.ScriptEvaluateAsync(InstallScript, [Key(day), temp], [(long)KeepFor.TotalMilliseconds]);
            logger.LogInformation("Live scan-rate counters of {Day} built from MariaDB: {Subjects} subjects", ShanghaiTime.Text(day), tallies.Count);
        }
        finally
        {
            await database.ScriptEvaluateAsync(ReleaseScript, [lockKey], [owner]);
        }
    }

    private async Task<Dictionary<RateSubject, RateTally>> CountFromDatabaseAsync(DateOnly day, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var from = day.ToDateTime(TimeOnly.MinValue).AddHours(-8);
        var cells = await ScanRateCounts.CellsAsync(conn, from, from.AddDays(1), ct);
        var enterprises = await ScanRateCounts.EnterprisesAsync(conn, ct);
        return ScanRateCounts.Spread(cells, enterprises);
    }

    private async Task ForgetStaleAsync(IDatabase database)
    {
        if (StaleDays.IsEmpty) return;
        foreach (var day in StaleDays.Keys)
        {
            await database.KeyDeleteAsync(Key(day));
            StaleDays.TryRemove(day, out _);
            logger.LogInformation("Live scan-rate counters of {Day} dropped after missed updates; the next read rebuilds them", ShanghaiTime.Text(day));
        }
    }

    private async Task<Dictionary<int, ScanRateCounts.EnterpriseRow>> EnterprisesOfAsync(IEnumerable<int> stationIds, CancellationToken ct)
    {
        var map = new Dictionary<int, ScanRateCounts.EnterpriseRow>();
        foreach (var id in stationIds.Distinct())
        {
            var station = await directory.GetEnterpriseAsync(id, ct);
            if (station is null) continue;
            map[id] = new ScanRateCounts.EnterpriseRow { Id = id, ParentId = station.ParentId, DistrictCode = station.DistrictCode };
            if (station.ParentId is int parentId && !map.ContainsKey(parentId) && await directory.GetEnterpriseAsync(parentId, ct) is { } parent)
                map[parentId] = new ScanRateCounts.EnterpriseRow { Id = parentId, ParentId = parent.ParentId, DistrictCode = parent.DistrictCode };
        }
        return map;
    }

    private static long Num(RedisValue v) => v.HasValue && v.TryParse(out long n) ? n : 0;

    public static ScanRate Rate(int deliveries, int scanned) => new(deliveries, scanned, deliveries == 0 ? null : Math.Round((double)scanned / deliveries, 4));
}
