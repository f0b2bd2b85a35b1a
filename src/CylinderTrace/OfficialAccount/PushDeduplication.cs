using CylinderTrace.Platform;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.OfficialAccount;

/// <summary>
/// WeChat retries a push it got no answer to within 5 s (same MsgId, or same sender, time and event).
/// The first reply stored for a push wins: one Redis round trip (SET NX GET, Redis 7) stores ours or
/// returns the one stored before, so every delivery of a push, on any instance, gets the same reply
/// and a late customer-service message goes out at most once. Answers are read-only (a card, help
/// text), so working one out again for a retry changes nothing; the one with a side effect, a staff
/// member's "绑定 123456", redeems its code once (GETDEL), so a retry finds the code used and still gets
/// the first reply. An answer that gains other side effects must claim the push before it acts. Entries expire after OfficialAccount:DedupSeconds.
/// WeChat retries only after 5 s without an answer, so a push created moments ago is a first
/// delivery: its reply is stored without waiting (see OfficialAccount:FreshPushSeconds).
/// </summary>
public sealed class PushDeduplication(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<OfficialAccountOptions> options,
    ILogger<PushDeduplication> logger)
{
    private readonly string _prefix = redisOptions.Value.KeyPrefix + "oa:push:";

    private RedisKey Key(string appId, string dedupKey) => _prefix + appId + ":" + dedupKey;
    private TimeSpan Ttl => TimeSpan.FromSeconds(options.Value.DedupSeconds);

    /// <summary>Stores <paramref name="reply"/> unless a reply is already stored; returns that earlier reply, or null when ours is now the one.</summary>
    public async Task<string?> StoreFirstAsync(string appId, string dedupKey, string reply)
    {
        try
        {
            var previous = await redis.GetDatabase().StringSetAndGetAsync(Key(appId, dedupKey), reply, Ttl, keepTtl: false, when: When.NotExists);
            return previous.IsNull ? null : (string?)previous;
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            // Without Redis a retry may get a second (equal in substance) reply: the lesser harm.
            logger.LogWarning("Push de-duplication unavailable ({Error}); answering anyway", ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Stores the reply of a fresh push without waiting for Redis (SET NX): the push's retries, if
    /// any, come 5 s or more later and find it there. The replies queue here and one writer sends
    /// what has gathered as one pipelined batch, so under load Redis reads many commands per
    /// wake-up instead of one packet per push.
    /// </summary>
    public void StoreFirstInBackground(string appId, string dedupKey, string reply)
    {
        if (_queue.Writer.TryWrite((Key(appId, dedupKey), reply))) return;
        // The queue is full (Redis slow or away): send this one on its own.
        Send([(Key(appId, dedupKey), reply)], 1);
    }

    private const int BatchSize = 256;
    private readonly System.Threading.Channels.Channel<(RedisKey Key, RedisValue Reply)> _queue =
        System.Threading.Channels.Channel.CreateBounded<(RedisKey, RedisValue)>(new System.Threading.Channels.BoundedChannelOptions(20_000)
        {
            SingleReader = true,
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite,
        });

    /// <summary>Sends queued replies until <paramref name="stop"/>, then what is left (run by <see cref="PushReplyWriter"/>).</summary>
    internal async Task WriteQueuedAsync(CancellationToken stop)
    {
        var batch = new (RedisKey, RedisValue)[BatchSize];
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop))
                Drain(batch);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Drain(batch);
        }
    }

    private void Drain((RedisKey, RedisValue)[] batch)
    {
        var n = 0;
        while (_queue.Reader.TryRead(out var item))
        {
            batch[n++] = item;
            if (n == batch.Length) { Send(batch, n); n = 0; }
        }
        if (n > 0) Send(batch, n);
    }

    private void Send((RedisKey Key, RedisValue Reply)[] items, int count)
    {
        try
        {
            var db = redis.GetDatabase();
            if (count == 1)
            {
                db.StringSet(items[0].Key, items[0].Reply, Ttl, When.NotExists, CommandFlags.FireAndForget);
                return;
            }
            var batch = db.CreateBatch();
            for (var i = 0; i < count; i++)
                _ = batch.StringSetAsync(items[i].Key, items[i].Reply, Ttl, When.NotExists, CommandFlags.FireAndForget);
            batch.Execute();
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogWarning("Could not store the replies of {Count} pushes ({Error})", count, ex.Message);
        }
    }
}

/// <summary>Runs the writer of <see cref="PushDeduplication"/>'s queued replies for the life of the host.</summary>
public sealed class PushReplyWriter(PushDeduplication dedup) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => dedup.WriteQueuedAsync(stoppingToken);
}
