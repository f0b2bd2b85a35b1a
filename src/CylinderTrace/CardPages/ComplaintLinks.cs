using CylinderTrace.Platform;
using CylinderTrace.Platform.RateLimiting;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.WeChat.Api;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.CardPages;

/// <summary>
/// The link behind the card page's "complain" button: a WeChat URL Link (wxa/generate_urllink) to the Mini Program's complaint
/// page with ?code=, which opens the Mini Program from WeChat's in-app browser and from other phone browsers alike. One link per
/// cylinder code, shared by everyone who scans it (WeChat dropped the one-user-per-link rule on 2023-12-19) and kept in Redis a
/// day less than it lasts, so WeChat is asked about once a month per cylinder that someone wants to complain about (its limit is
/// 500,000 new links a day). The Mini Program reads the card (/api/mp/cylinders/card?code=) and prefills the complaint category
/// from status.suggestedComplaintCategory (black_gas for an unregistered code), so the link never depends on the cylinder's state.
/// </summary>
public sealed class ComplaintLinks(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptionsMonitor<CardPageOptions> options,
    [FromKeyedServices(WeChatApps.MiniProgram)] WeChatApiClient wechat, RedisRateLimiter limiter, ILogger<ComplaintLinks> logger)
{
    private readonly string _prefix = redisOptions.Value.KeyPrefix + "card:mplink:";

    /// <summary>What the button does: open this link, or (Link null) show the Official Account and hotline instead.</summary>
    public sealed record Outcome(string? Link, bool RateLimited = false);

    public async Task<Outcome> ForAsync(string code, string clientAddress, CancellationToken ct)
    {
        var o = options.CurrentValue;
        if (o.MiniProgramComplaintPage.Length == 0) return new(null);
        RedisKey key = _prefix + code;
        try
        {
            var cached = await redis.GetDatabase().StringGetAsync(key);
            if (!cached.IsNullOrEmpty) return new((string)cached!);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Complaint link of {Code} not read from Redis: {Error}", code, ex.Message);
        }
        // Only new links are counted: asking WeChat for links of made-up codes must not use up the day's allowance.
        var hit = await limiter.HitAsync("card-link", clientAddress, o.ComplaintLinksPerIp, TimeSpan.FromMinutes(10));
        if (!hit.Allowed) return new(null, RateLimited: true);
        try
        {
            var link = await wechat.GenerateUrlLinkAsync(o.MiniProgramComplaintPage, "code=" + code, o.ComplaintLinkDays, o.MiniProgramEnvVersion, ct);
            try { await redis.GetDatabase().StringSetAsync(key, link, TimeSpan.FromDays(o.ComplaintLinkDays - 1)); }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning("Complaint link of {Code} not cached: {Error}", code, ex.Message);
            }
            return new(link);
        }
        catch (WeChatApiException ex)
        {
            logger.LogWarning("No complaint link for {Code}: WeChat {ErrCode} {ErrMsg}", code, ex.ErrCode, ex.ErrMsg);
            return new(null);
        }
    }
}
