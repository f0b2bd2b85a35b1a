using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Platform.Caching;

/// <summary>
/// HybridCache removes an entry from this instance's memory and from Redis, but other instances keep
/// their in-memory copy. This service removes locally and then publishes the key (or tag) on a Redis
/// channel that every instance listens to, so all in-memory copies go within a round trip.
/// </summary>
public sealed class CacheInvalidation : IHostedService
{
    private readonly HybridCache _cache;
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<CacheInvalidation> _logger;
    private readonly RedisChannel _channel;

    public CacheInvalidation(HybridCache cache, IConnectionMultiplexer redis, IOptions<RedisOptions> options, ILogger<CacheInvalidation> logger)
    {
        _cache = cache;
        _redis = redis;
        _logger = logger;
        _channel = RedisChannel.Literal(options.Value.KeyPrefix + "cache-invalidate");
    }

    public async Task RemoveAsync(string key, CancellationToken ct = default)
    {
        await _cache.RemoveAsync(key, ct);
        await _redis.GetSubscriber().PublishAsync(_channel, "k:" + key);
    }

    public async Task RemoveByTagAsync(string tag, CancellationToken ct = default)
    {
        await _cache.RemoveByTagAsync(tag, ct);
        await _redis.GetSubscriber().PublishAsync(_channel, "t:" + tag);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var queue = await _redis.GetSubscriber().SubscribeAsync(_channel);
        // Messages are handled in order, one at a time, off the Redis reader thread.
        queue.OnMessage(async message =>
        {
            try
            {
                var text = (string?)message.Message ?? "";
                if (text.StartsWith("k:", StringComparison.Ordinal)) await _cache.RemoveAsync(text[2..]);
                else if (text.StartsWith("t:", StringComparison.Ordinal)) await _cache.RemoveByTagAsync(text[2..]);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Could not apply a cache invalidation message");
            }
        });
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _redis.GetSubscriber().UnsubscribeAsync(_channel);
}
