using System.Globalization;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.Time;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.Staff;
using CylinderTrace.WeChat.Api;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Complaints.Notifications;

/// <summary>Official Account template messages to agency staff. An empty template id turns them off.</summary>
public sealed class StaffNotificationOptions
{
    public const string Section = "StaffNotifications";

    /// <summary>Template for "a complaint was assigned to your agency" (routing or transfer) and "your agency is informed of one".</summary>
    public string AssignedTemplateId { get; set; } = "";

    /// <summary>Template for "your agency's digest report is ready" (the same four keys: title, summary, time, note); empty: not announced.</summary>
    public string DigestTemplateId { get; set; } = "";

    /// <summary>Template for detention orders to the responsible enterprise's bound staff (issued, escalated, closed); the same four keys. Empty: not sent.</summary>
    public string DetentionTemplateId { get; set; } = "";

    /// <summary>Template for fill violations to the filling enterprise's bound staff (a batch's violations recorded); the same four keys. Empty: not sent.</summary>
    public string ViolationTemplateId { get; set; } = "";

    /// <summary>Public address of the console, for the link in the message (e.g. https://gas.example.gov.cn); empty: no link.</summary>
    public string ConsoleBaseUrl { get; set; } = "";

    /// <summary>Template data keys, as the template chosen in the WeChat console names them.</summary>
    public string NumberKey { get; set; } = "character_string1";
    public string CategoryKey { get; set; } = "thing2";
    public string DeadlineKey { get; set; } = "time3";
    public string NoteKey { get; set; } = "thing4";
}

/// <summary>
/// Tells the staff of an agency who bound their WeChat that a complaint reached their queue (routed or
/// transferred to them) or that they are informed of one. A Hangfire job per (complaint, agency); each
/// message carries a client_msg_id made of the complaint, the agency and the deadline of this
/// assignment, so a retried job does not message anyone twice (WeChat drops a repeated id for the same
/// user within ten minutes; later retries are rare and at worst repeat a reminder).
/// </summary>
public sealed class StaffNotifications(Db db, StaffStore staff, [FromKeyedServices(WeChatApps.OfficialAccount)] WeChatApiClient wechat,
    IOptions<StaffNotificationOptions> options, IServiceProvider services, ILogger<StaffNotifications> logger)
{
    public const string Assigned = "assigned";
    public const string Informed = "informed";

    private const string ComplaintSql =
        """
        SELECT c.number, c.category, c.agency_id AS AgencyId, c.status, r.due_at AS DueAt FROM complaints c
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id WHERE c.id = @id
        """;
    private const string InformedSql = "SELECT agency_id FROM complaint_informed_agencies WHERE complaint_id = @id AND reason = 'informed'";

    private sealed class Row
    {
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public int? AgencyId { get; init; }
        public string Status { get; init; } = "";
        public DateTime? DueAt { get; init; }
    }

    /// <summary>After a routing or transfer committed: the handling agency's staff, and on routing the informed agencies'.</summary>
    public void EnqueueAssigned(long complaintId, bool withInformed = false)
    {
        if (string.IsNullOrEmpty(options.Value.AssignedTemplateId)) return;
        services.TryEnqueue<StaffNotifications>(n => n.SendAsync(complaintId, withInformed, CancellationToken.None), logger,
            $"staff notification for complaint {complaintId}: the console queue still shows it");
    }

    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [10, 60, 300])]
    public async Task SendAsync(long complaintId, bool withInformed, CancellationToken ct)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.AssignedTemplateId)) return;
        Row? c;
        List<int> informed;
        await using (var conn = await db.OpenAsync(ct))
        {
            c = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ComplaintSql, new { id = complaintId }, cancellationToken: ct));
            informed = withInformed ? (await conn.QueryAsync<int>(new CommandDefinition(InformedSql, new { id = complaintId }, cancellationToken: ct))).ToList() : [];
        }
        if (c?.AgencyId is not int agency || c.Status is not (ComplaintStatus.Routed or ComplaintStatus.InProgress or ComplaintStatus.WaitingInfo)) return;
        var failed = false;
        failed |= !await SendToAgencyAsync(c, agency, Assigned, ct);
        foreach (var a in informed) failed |= !await SendToAgencyAsync(c, a, Informed, ct);
        if (failed) throw new InvalidOperationException($"Some staff notifications of complaint {complaintId} failed; retrying (client_msg_id keeps the sent ones from repeating).");
    }

    private async Task<bool> SendToAgencyAsync(Row c, int agencyId, string kind, CancellationToken ct)
    {
        var o = options.Value;
        var deadline = c.DueAt is { } due ? ShanghaiTime.FromUtc(due).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";
        return await Platform.WeChat.TemplateBroadcast.SendAsync(wechat, await staff.BoundOpenIdsAsync(agencyId, ct), openId => new TemplateMessage(openId, o.AssignedTemplateId,
            new Dictionary<string, string>
            {
                [o.NumberKey] = c.Number,
                [o.CategoryKey] = Cut(ComplaintCategories.Find(c.Category)?.Label ?? c.Category, 20),
                [o.DeadlineKey] = deadline,
                [o.NoteKey] = kind == Assigned ? "新投诉已分派至本单位，请及时办理" : "本单位为抄送单位，请知悉",
            }, Url: o.ConsoleBaseUrl.Length == 0 ? null : o.ConsoleBaseUrl.TrimEnd('/') + "/console/complaints/" + c.Number,
            ClientMsgId: $"ct-{kind}-{c.Number}-{agencyId}-{c.DueAt?.Ticks ?? 0}"), logger, $"Staff notification of {c.Number} to agency {agencyId}", ct);
    }

    /// <summary>
    /// After a supervision action committed (派单, 催办, an extension decided, 重办): one member, or the handling agency's
    /// bound staff when the notice names nobody. The template is the assignment one, with the notice as its note.
    /// </summary>
    public void EnqueueNotice(long complaintId, Handling.StaffNotice notice)
    {
        if (string.IsNullOrEmpty(options.Value.AssignedTemplateId)) return;
        services.TryEnqueue<StaffNotifications>(n => n.SendNoticeAsync(complaintId, notice.StaffId, notice.Note, notice.Key, CancellationToken.None), logger,
            $"staff notice for complaint {complaintId}: the console shows it");
    }

    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [10, 60, 300])]
    public async Task SendNoticeAsync(long complaintId, int? staffId, string note, string key, CancellationToken ct)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.AssignedTemplateId)) return;
        Row? c;
        await using (var conn = await db.OpenAsync(ct))
            c = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ComplaintSql, new { id = complaintId }, cancellationToken: ct));
        if (c?.AgencyId is not int agency) return;
        IReadOnlyList<string> openIds;
        if (staffId is int id)
            openIds = await staff.FindAsync(id, ct) is { Disabled: false, WechatOpenid: { } openId } member && member.AgencyId == agency ? [openId] : [];
        else openIds = await staff.BoundOpenIdsAsync(agency, ct);
        var deadline = c.DueAt is { } due ? ShanghaiTime.FromUtc(due).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";
        var sent = await Platform.WeChat.TemplateBroadcast.SendAsync(wechat, openIds, openId => new TemplateMessage(openId, o.AssignedTemplateId,
            new Dictionary<string, string>
            {
                [o.NumberKey] = c.Number,
                [o.CategoryKey] = Cut(ComplaintCategories.Find(c.Category)?.Label ?? c.Category, 20),
                [o.DeadlineKey] = deadline,
                [o.NoteKey] = Cut(note, 20),
            }, Url: o.ConsoleBaseUrl.Length == 0 ? null : o.ConsoleBaseUrl.TrimEnd('/') + "/console/complaints/" + c.Number,
            ClientMsgId: $"ct-{key}-{c.Number}-{staffId ?? 0}"), logger, $"Staff notice {key} of {c.Number}", ct);
        if (!sent) throw new InvalidOperationException($"A staff notice of complaint {complaintId} failed; retrying (client_msg_id keeps the sent ones from repeating).");
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}
