using CylinderTrace.Platform.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Platform.RateLimiting;

/// <summary>The outcome of counting one request against a limit.</summary>
/// <param name="Count">The count in the window with this one (0 when Redis could not count it).</param>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter, long Count = 0);

/// <summary>
/// Fixed-window rate limits shared by every instance (ASP.NET Core's built-in limiter counts per
/// process): one Redis INCR per request, the window's key expiring with it. While Redis is away
/// requests are let through: limits protect the service, they are not the record.
/// </summary>
public sealed class RedisRateLimiter(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider clock, ILogger<RedisRateLimiter> logger)
{
    private const string Script = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";
    // Counts distinct tokens (for example idempotency keys): a retry of the same submission counts once.
    private const string DistinctScript =
        "if redis.call('SADD', KEYS[1], ARGV[2]) == 1 and redis.call('SCARD', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return redis.call('SCARD', KEYS[1])";
    private readonly string _prefix = options.Value.KeyPrefix + "rl:";

    /// <summary>Counts one request (or, with <paramref name="token"/>, one distinct token) in the current window.</summary>
    public async Task<RateLimitDecision> HitAsync(string policy, string subject, int limit, TimeSpan window, string? token = null)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var slot = now / windowMs;
        var retryAfter = TimeSpan.FromMilliseconds((slot + 1) * windowMs - now);
        try
        {
            RedisKey key = $"{_prefix}{policy}:{subject}:{slot}";
            var count = token is null
                ? (long)await redis.GetDatabase().ScriptEvaluateAsync(Script, [key], [windowMs + 1000])
                : (long)await redis.GetDatabase().ScriptEvaluateAsync(DistinctScript, [key], [windowMs + 1000, token]);
            return new RateLimitDecision(count <= limit, retryAfter, count);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogWarning("Rate limit {Policy} not counted: Redis unavailable ({Error})", policy, ex.Message);
            return new RateLimitDecision(true, TimeSpan.Zero);
        }
    }

    /// <summary>Gives back one count of the current window (an attempt that turned out to be allowed, e.g. a correct password).</summary>
    public async Task UndoAsync(string policy, string subject, TimeSpan window)
    {
        var windowMs = (long)window.TotalMilliseconds;
        var slot = clock.GetUtcNow().ToUnixTimeMilliseconds() / windowMs;
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(UndoScript, [(RedisKey)$"{_prefix}{policy}:{subject}:{slot}"]);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogWarning("Rate limit {Policy} not given back: Redis unavailable ({Error})", policy, ex.Message);
        }
    }

    private const string UndoScript = "if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then return redis.call('DECR', KEYS[1]) end return 0";

    /// <summary>The 429 problem, with Retry-After in whole seconds.</summary>
    public static ProblemHttpResult TooMany(HttpContext context, RateLimitDecision decision, string what)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var wait = seconds >= 120 ? $"{(seconds + 59) / 60}分钟" : $"{seconds}秒";
        return Problem.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
            $"{what}太频繁，请在{wait}后再试。", new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}
