using CylinderTrace.Platform;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.OfficialAccount;

/// <summary>
/// WeChat retries a push it got no answer to within 5 s (same MsgId, or same sender, time and event).
/// The first delivery claims the push in Redis and stores its reply; a retry gets that same reply
/// (waiting briefly while the first is still working), so each push takes effect once across all
/// instances. Entries expire after OfficialAccount:DedupSeconds.
/// </summary>
public sealed class PushDeduplication(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<OfficialAccountOptions> options,
    ILogger<PushDeduplication> logger)
{
    private const string Pending = "\u0001pending";
    private readonly string _prefix = redisOptions.Value.KeyPrefix + "oa:push:";
    private TimeSpan Ttl => TimeSpan.FromSeconds(options.Value.DedupSeconds);

    /// <summary>What to do with a push.</summary>
    public abstract record Claim;
    /// <summary>First delivery: produce the reply, then call <see cref="CompleteAsync"/>.</summary>
    public sealed record First : Claim;
    /// <summary>A retry whose reply is known.</summary>
    public sealed record Repeat(string Reply) : Claim;
    /// <summary>A retry while the first delivery is still working: acknowledge only.</summary>
    public sealed record StillWorking : Claim;

    public async Task<Claim> ClaimAsync(string appId, string dedupKey, TimeSpan wait, CancellationToken ct)
    {
        var key = (RedisKey)(_prefix + appId + ":" + dedupKey);
        var db = redis.GetDatabase();
        try
        {
            if (await db.StringSetAsync(key, Pending, Ttl, When.NotExists)) return new First();
            var deadline = DateTime.UtcNow + wait;
            while (true)
            {
                var value = await db.StringGetAsync(key);
                if (value.IsNull) return new First(); // expired meanwhile
                if (value != Pending) return new Repeat(value!);
                if (DateTime.UtcNow >= deadline) return new StillWorking();
                await Task.Delay(50, ct);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Without Redis a retry may be answered twice; replies are read-only, so that is the lesser harm.
            logger.LogWarning("Push de-duplication unavailable ({Error}); answering anyway", ex.Message);
            return new First();
        }
    }

    public async Task CompleteAsync(string appId, string dedupKey, string reply)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(_prefix + appId + ":" + dedupKey, reply, Ttl);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Could not store the reply of a push ({Error})", ex.Message);
        }
    }
}
