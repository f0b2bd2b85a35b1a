using CylinderTrace.Platform;
using CylinderTrace.WeChat.Api;
using CylinderTrace.WeChat.OfficialAccount;
using Hangfire;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.OfficialAccount;

/// <summary>
/// When an answer misses the reply budget, the push is acknowledged with "success" and a Hangfire
/// job sends the answer as a customer-service message (allowed within 48 h of the user's action).
/// The job's argument is the push's de-duplication key; the push itself waits in Redis for a day
/// (append-only, so a restart does not lose it), and a second key makes the message go out at most once.
/// </summary>
public sealed class LateReplies(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IServiceProvider services,
    OfficialAccountResponder responder, [FromKeyedServices(OfficialAccountExtensions.AppKey)] WeChatApiClient api,
    IOptions<OfficialAccountOptions> options, ILogger<LateReplies> logger)
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);
    private readonly string _prefix = redisOptions.Value.KeyPrefix + "oa:late:";

    /// <summary>Keeps the push and queues the job; returns false when neither Redis nor the queue could take it.</summary>
    public bool Queue(string dedupKey, string messageXml)
    {
        try
        {
            redis.GetDatabase().StringSet(_prefix + "push:" + dedupKey, messageXml, Keep);
            services.GetRequiredService<IBackgroundJobClient>().Enqueue<LateReplies>(l => l.SendAsync(dedupKey, CancellationToken.None));
            return true;
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogWarning("A late reply could not be queued ({Error}); the user gets no card for this scan", ex.Message);
            return false;
        }
    }

    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    public async Task SendAsync(string dedupKey, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var xml = (string?)await db.StringGetAsync(_prefix + "push:" + dedupKey);
        if (xml is null) return; // sent already, or expired
        var fields = PushXml.ReadFields(xml, options.Value.MaxBodyBytes, out _);
        var message = fields is null ? null : PushXml.ToMessage(fields, out _);
        if (message is null) return;
        var answer = await responder.AnswerAsync(message, ct);
        // At most once, whatever the number of runs.
        if (answer is null || !await db.StringSetAsync(_prefix + "sent:" + dedupKey, "1", Keep, When.NotExists)) return;
        try
        {
            if (answer.Article is { } a) await api.SendCustomerServiceNewsAsync(message.FromUserName, a.Title, a.Description, a.Url, a.PicUrl, ct);
            else await api.SendCustomerServiceTextAsync(message.FromUserName, answer.Text, ct);
            await db.KeyDeleteAsync(_prefix + "push:" + dedupKey);
        }
        catch (WeChatApiException ex) when (ex.Kind is WeChatErrorKind.Busy or WeChatErrorKind.Transport)
        {
            await db.KeyDeleteAsync(_prefix + "sent:" + dedupKey); // let the retry try again
            throw;
        }
    }
}
