using System.Security.Cryptography;
using System.Text;
using CylinderTrace.Platform;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.MiniProgram;

/// <summary>Who a session token belongs to.</summary>
public sealed record MiniProgramSession(long UserId, string OpenId);

/// <summary>
/// Our own opaque session tokens for the Mini Program: 32 random bytes, handed to the client once;
/// Redis keeps only their SHA-256 (so a Redis dump holds no usable token) with the user, expiring
/// after MiniProgram:SessionHours. WeChat's session_key never leaves the server and is not kept.
/// </summary>
public sealed class MiniProgramSessions(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<MiniProgramOptions> options)
{
    private readonly string _prefix = redisOptions.Value.KeyPrefix + "mp:session:";

    private RedisKey Key(string token) => _prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public async Task<(string Token, DateTimeOffset ExpiresAt)> CreateAsync(MiniProgramSession session)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var ttl = TimeSpan.FromHours(options.Value.SessionHours);
        await redis.GetDatabase().StringSetAsync(Key(token), $"{session.UserId}:{session.OpenId}", ttl);
        return (token, DateTimeOffset.UtcNow + ttl);
    }

    public async Task<MiniProgramSession?> FindAsync(string token)
    {
        if (token.Length is < 20 or > 100) return null;
        var value = (string?)await redis.GetDatabase().StringGetAsync(Key(token));
        if (value is null) return null;
        var colon = value.IndexOf(':');
        return colon > 0 && long.TryParse(value.AsSpan(0, colon), out var userId) ? new MiniProgramSession(userId, value[(colon + 1)..]) : null;
    }

    public Task RevokeAsync(string token) => redis.GetDatabase().KeyDeleteAsync(Key(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
