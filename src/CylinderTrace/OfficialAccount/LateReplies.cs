using CylinderTrace.WeChat.Api;

namespace CylinderTrace.OfficialAccount;

/// <summary>
/// When an answer misses the reply budget, the push is acknowledged with "success" and the answer
/// goes out as a customer-service message once it is ready (allowed within 48 h of the user's action).
/// This runs in the instance that took the push; moving it onto Hangfire, so that it survives a
/// restart, is part of the routing issue that brings Hangfire in.
/// </summary>
public sealed class LateReplies([FromKeyedServices(OfficialAccountExtensions.AppKey)] WeChatApiClient api, ILogger<LateReplies> logger)
{
    public void SendWhenReady(string openId, Task<OfficialAccountResponder.Answer?> work) =>
        _ = Task.Run(async () =>
        {
            try
            {
                var answer = await work;
                if (answer is null) return;
                if (answer.Article is { } a) await api.SendCustomerServiceNewsAsync(openId, a.Title, a.Description, a.Url, a.PicUrl);
                else await api.SendCustomerServiceTextAsync(openId, answer.Text);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not send a late reply as a customer-service message");
            }
        });
}
