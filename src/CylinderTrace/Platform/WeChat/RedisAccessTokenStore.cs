using System.Security.Cryptography;
using System.Text.Json;
using CylinderTrace.WeChat.Api;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Platform.WeChat;

/// <summary>
/// WeChat access tokens in Redis, shared by every instance: the token as JSON with a TTL at its
/// expiry, and a refresh lock (SET NX PX with a random owner value, released only by its owner).
/// </summary>
public sealed class RedisAccessTokenStore(IConnectionMultiplexer redis, IOptions<RedisOptions> options) : IAccessTokenStore
{
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    private const string RemoveIfScript = "local v = redis.call('get', KEYS[1]) if v and string.find(v, ARGV[1], 1, true) then return redis.call('del', KEYS[1]) else return 0 end";
    private readonly string _prefix = options.Value.KeyPrefix + "wx:";

    private RedisKey TokenKey(string appId) => _prefix + "token:" + appId;
    private RedisKey LockKey(string appId) => _prefix + "token-lock:" + appId;

    public async Task<StoredToken?> GetAsync(string appId, CancellationToken ct)
    {
        var value = await redis.GetDatabase().StringGetAsync(TokenKey(appId));
        return value.IsNullOrEmpty ? null : JsonSerializer.Deserialize<StoredToken>((string)value!);
    }

    public async Task SetAsync(string appId, StoredToken token, CancellationToken ct)
    {
        var ttl = token.ExpiresAt - DateTimeOffset.UtcNow;
        if (ttl <= TimeSpan.Zero) return;
        await redis.GetDatabase().StringSetAsync(TokenKey(appId), JsonSerializer.Serialize(token), ttl);
    }

    public Task RemoveIfAsync(string appId, string token, CancellationToken ct) =>
        redis.GetDatabase().ScriptEvaluateAsync(RemoveIfScript, [TokenKey(appId)], ["\"Value\":" + JsonSerializer.Serialize(token)]);

    public async Task<IAsyncDisposable?> TryLockAsync(string appId, TimeSpan ttl, CancellationToken ct)
    {
        var owner = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var key = LockKey(appId);
        var db = redis.GetDatabase();
        return await db.StringSetAsync(key, owner, ttl, When.NotExists) ? new Lock(db, key, owner) : null;
    }

    private sealed class Lock(IDatabase db, RedisKey key, string owner) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await db.ScriptEvaluateAsync(ReleaseScript, [key], [owner]);
    }
}
