using System.Globalization;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.WeChat.Api;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Supervision;

/// <summary>
/// A batch's fill violations told to the filling enterprise's staff who bound their WeChat ("企业绑定 …"), one template
/// message per batch (the first number, how many, the rules broken), in a Hangfire job with retries; client_msg_id keeps
/// a retried message from repeating. The webhook/pull channel carries every violation in full whether or not this is set.
/// </summary>
public sealed class ViolationNotices(FillViolations violations, EnterpriseContacts contacts,
    [FromKeyedServices(WeChatApps.OfficialAccount)] WeChatApiClient wechat, IOptions<StaffNotificationOptions> options, IServiceProvider services,
    ILogger<ViolationNotices> logger)
{
    public void Enqueue(int enterpriseId, IReadOnlyList<string> numbers)
    {
        if (options.Value.ViolationTemplateId.Length == 0 || numbers.Count == 0) return;
        var list = numbers.ToArray();
        services.TryEnqueue<ViolationNotices>(n => n.SendAsync(enterpriseId, list, CancellationToken.None), logger,
            $"violation notice {list[0]}: the webhook and pull channel still carry it");
    }

    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 60, 300, 900, 3600])]
    public async Task SendAsync(int enterpriseId, string[] numbers, CancellationToken ct)
    {
        var o = options.Value;
        if (o.ViolationTemplateId.Length == 0 || numbers.Length == 0 || await violations.GetAsync(numbers[0], ct) is not { } first) return;
        var kinds = string.Join("、", first.Kinds.Select(k => k.Label));
        var what = numbers.Length == 1 ? kinds : $"{numbers.Length}起违规充装";
        var failed = !await TemplateBroadcast.SendAsync(wechat, await contacts.OpenIdsAsync([enterpriseId], ct), openId => new TemplateMessage(openId,
            o.ViolationTemplateId, new Dictionary<string, string>
            {
                [o.NumberKey] = first.Number,
                [o.CategoryKey] = what.Length <= 20 ? what : what[..19] + "…",
                [o.DeadlineKey] = first.FilledAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                [o.NoteKey] = "违反充装联锁，已移送" + (first.Agency.Length <= 10 ? first.Agency : "辖区市场监管局"),
            }, Url: null, ClientMsgId: $"ct-violation-{first.Number}-{numbers.Length}"), logger, $"Violation notice {first.Number}", ct);
        if (failed) throw new InvalidOperationException($"Some violation notices of {first.Number} failed; retrying (client_msg_id keeps sent ones from repeating).");
    }
}
