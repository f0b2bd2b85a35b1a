using CylinderTrace.WeChat.Api;

namespace CylinderTrace.Platform.WeChat;

/// <summary>
/// One Official Account template message to each of several people (staff notifications, digests,
/// detention notices). An openid WeChat refuses for good (invalid, not following, the template or its data
/// wrong) is logged and skipped; a failure worth retrying (WeChat busy, network) is logged and reported,
/// so the caller's job can be retried — each message's client_msg_id keeps the ones already sent from repeating.
/// </summary>
public static class TemplateBroadcast
{
    /// <returns>False when some message failed for a reason worth retrying.</returns>
    public static async Task<bool> SendAsync(WeChatApiClient wechat, IEnumerable<string> openIds, Func<string, TemplateMessage> message, ILogger logger,
        string what, CancellationToken ct)
    {
        var ok = true;
        foreach (var openId in openIds)
        {
            try { await wechat.SendTemplateMessageAsync(message(openId), ct); }
            catch (WeChatApiException ex) when (ex.Kind is WeChatErrorKind.InvalidOpenId or WeChatErrorKind.InvalidTemplate or WeChatErrorKind.NotFollowing
                                                    or WeChatErrorKind.TemplateDataMismatch)
            {
                logger.LogWarning("{What}: refused for one openid: {Code} {Message}", what, ex.ErrCode, ex.ErrMsg);
            }
            catch (Exception ex) when (ex is WeChatApiException or HttpRequestException)
            {
                logger.LogWarning("{What}: failed, will retry: {Error}", what, ex.Message);
                ok = false;
            }
        }
        return ok;
    }
}
