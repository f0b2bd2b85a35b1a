using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Platform.Caching;

/// <summary>
/// HybridCache removes an entry from this instance's memory and from Redis, but other instances keep
/// their in-memory copy. This service removes locally and then publishes the key (or tag) on a Redis
/// channel that every instance listens to, so all in-memory copies go within a round trip.
/// While Redis is unreachable the host keeps running: removals that could not reach Redis are kept
/// and sent again when the connection returns, and every instance drops all of its in-memory copies
/// then, since it may have missed messages meanwhile.
/// Each message names the instance that sent it: the sender has already removed the keys (from its
/// memory and from Redis) and skips its own message when it comes back. A batch's keys are removed
/// side by side, so their Redis deletions go out pipelined rather than one round trip after another.
/// </summary>
public sealed class CacheInvalidation : BackgroundService
{
    private const int MaxPending = 100_000;
    private readonly HybridCache _cache;
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<CacheInvalidation> _logger;
    private readonly RedisChannel _channel;
    private readonly ConcurrentDictionary<string, byte> _pending = new();
    /// <summary>This instance, as named on the messages it sends ("o:&lt;origin&gt;:" before the message).</summary>
    private readonly string _origin = "o:" + Guid.NewGuid().ToString("N")[..16] + ":";
    private const int RemoveSideBySide = 256;

    public CacheInvalidation(HybridCache cache, IConnectionMultiplexer redis, IOptions<RedisOptions> options, ILogger<CacheInvalidation> logger)
    {
        _cache = cache;
        _redis = redis;
        _logger = logger;
        _channel = RedisChannel.Literal(options.Value.KeyPrefix + "cache-invalidate");
    }

    public Task RemoveAsync(string key, CancellationToken ct = default) => SendAsync("k:" + key, ct);

    public Task RemoveByTagAsync(string tag, CancellationToken ct = default) => SendAsync("t:" + tag, ct);

    /// <summary>Many keys in one message (a batch write): one publish instead of one per key.</summary>
    public Task RemoveManyAsync(IReadOnlyList<string> keys, CancellationToken ct = default) =>
        keys.Count == 0 ? Task.CompletedTask : SendAsync("m:" + string.Join('\n', keys), ct);

    private async Task SendAsync(string message, CancellationToken ct)
    {
        try
        {
            await ApplyAsync(message);
            await _redis.GetSubscriber().PublishAsync(_channel, _origin + message);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            // The caller's write is already durable in MariaDB; the invalidation is sent again later.
            if (_pending.Count < MaxPending) _pending.TryAdd(message, 0);
            _logger.LogWarning("Redis unavailable; cache invalidation {Message} queued ({Pending} pending)", message, _pending.Count);
        }
    }

    private async Task ApplyAsync(string message)
    {
        if (message.StartsWith("k:", StringComparison.Ordinal)) await _cache.RemoveAsync(message[2..]);
        else if (message.StartsWith("t:", StringComparison.Ordinal)) await _cache.RemoveByTagAsync(message[2..]);
        else if (message.StartsWith("m:", StringComparison.Ordinal)) await RemoveAllAsync(message[2..].Split('\n'));
    }

    /// <summary>HybridCache's many-key removal awaits each key's Redis deletion in turn; this keeps up to RemoveSideBySide in flight.</summary>
    private async Task RemoveAllAsync(string[] keys)
    {
        var inFlight = new List<Task>(Math.Min(keys.Length, RemoveSideBySide));
        foreach (var key in keys)
        {
            inFlight.Add(_cache.RemoveAsync(key).AsTask());
            if (inFlight.Count == RemoveSideBySide)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }
        await Task.WhenAll(inFlight);
    }

    /// <summary>A message as received: null when this instance sent it (and so has applied it already).</summary>
    private string? Received(string raw)
    {
        if (raw.StartsWith(_origin, StringComparison.Ordinal)) return null;
        // "o:<origin>:<message>"; a message without an origin is applied as it is.
        if (raw.StartsWith("o:", StringComparison.Ordinal) && raw.IndexOf(':', 2) is var end and > 2) return raw[(end + 1)..];
        return raw;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _redis.ConnectionRestored += (_, _) => _ = Task.Run(OnReconnectedAsync, CancellationToken.None);
        // Subscribing needs Redis; until it answers, retry without holding up the host's start.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var queue = await _redis.GetSubscriber().SubscribeAsync(_channel);
                queue.OnMessage(async message =>
                {
                    try
                    {
                        if (Received((string?)message.Message ?? "") is { } received) await ApplyAsync(received);
                    }
                    catch (Exception ex) { _logger.LogWarning(ex, "Could not apply a cache invalidation message"); }
                });
                return;
            }
            catch (Exception ex) when (RedisFailure.Is(ex))
            {
                _logger.LogWarning("Cannot subscribe to cache invalidations yet: {Error}", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    private async Task OnReconnectedAsync()
    {
        try
        {
            // Messages may have been missed while disconnected: forget every in-memory copy ("*" is
            // HybridCache's tag for all entries), then resend what this instance could not send.
            await _cache.RemoveByTagAsync("*");
            foreach (var message in _pending.Keys)
            {
                await ApplyAsync(message);
                await _redis.GetSubscriber().PublishAsync(_channel, _origin + message);
                _pending.TryRemove(message, out _);
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not catch up on cache invalidations after Redis came back");
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try { await _redis.GetSubscriber().UnsubscribeAsync(_channel); }
        catch (Exception ex) when (RedisFailure.Is(ex)) { }
    }
}
