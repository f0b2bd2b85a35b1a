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
/// A detention order's step told to the responsible enterprise's staff on the Official Account (those
/// who bound with "企业绑定 …", of the enterprise and of its filling enterprise), by template message in
/// a Hangfire job with retries; client_msg_id (order, step) keeps a retried message from repeating.
/// </summary>
public sealed class DetentionNotices(DetentionOrders orders, EnterpriseContacts contacts, Enterprises.EnterpriseDirectory directory,
    [FromKeyedServices(WeChatApps.OfficialAccount)] WeChatApiClient wechat, IOptions<StaffNotificationOptions> options, IServiceProvider services,
    ILogger<DetentionNotices> logger)
{
    public void Enqueue(string number, string step)
    {
        if (options.Value.DetentionTemplateId.Length == 0) return;
        services.TryEnqueue<DetentionNotices>(n => n.SendAsync(number, step, CancellationToken.None), logger,
            $"detention notice {number} {step}: the webhook and pull channel still carry it");
    }

    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 60, 300, 900, 3600])]
    public async Task SendAsync(string number, string step, CancellationToken ct)
    {
        var o = options.Value;
        if (o.DetentionTemplateId.Length == 0 || await orders.GetAsync(number, ct) is not { } order) return;
        var enterprise = await directory.GetEnterpriseAsync(order.ResponsibleEnterpriseId, ct);
        var ids = new List<int> { order.ResponsibleEnterpriseId };
        if (enterprise?.ParentId is int parent) ids.Add(parent);
        var note = step switch
        {
            "issued" => "监管部门下达扣瓶令，请在期限前召回",
            "escalated" => "扣瓶令已逾期未召回，已升级督办",
            _ => "扣瓶令已处置结案：" + DetentionOrders.DisposalLabel(order.Disposal),
        };
        var failed = !await Platform.WeChat.TemplateBroadcast.SendAsync(wechat, await contacts.OpenIdsAsync(ids, ct), openId => new TemplateMessage(openId,
            o.DetentionTemplateId, new Dictionary<string, string>
            {
                [o.NumberKey] = order.Number,
                [o.CategoryKey] = order.Hazard.Length <= 20 ? order.Hazard : order.Hazard[..20],
                [o.DeadlineKey] = order.DeadlineAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                [o.NoteKey] = note,
            }, Url: null, ClientMsgId: $"ct-detention-{order.Number}-{step}"), logger, $"Detention notice {number} ({step})", ct);
        if (failed) throw new InvalidOperationException($"Some detention notices of {number} failed; retrying (client_msg_id keeps sent ones from repeating).");
    }
}
