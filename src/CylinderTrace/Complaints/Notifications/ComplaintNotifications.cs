using System.Globalization;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.Time;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.WeChat.Api;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Complaints.Notifications;

/// <summary>
/// Subscribe messages to complainants: accepted, routed, each transfer and each request for information, a merge as a
/// duplicate, and the outcome (resolved or rejected; a complaint merged into another hears the outcome of that one, when
/// it comes or at once if it came already). Transfers and merges use the routed (progress) template, outcomes the resolved
/// one. A notification row is written in
/// the transaction of the change it announces (<see cref="InsertSql"/>); <see cref="SendAsync"/> is the
/// Hangfire job that sends it, once per row whatever the number of runs; <see cref="ReconcileAsync"/>
/// is the recurring job that finds rows whose job was lost. Every attempt is recorded; a user who
/// declined (43101) is recorded as such and not asked again.
/// </summary>
public sealed class ComplaintNotifications(Db db, [FromKeyedServices(WeChatApps.MiniProgram)] WeChatApiClient wechat, IComplainantAddresses addresses,
    IOptions<NotificationOptions> options, IServiceProvider services, TimeProvider clock, ILogger<ComplaintNotifications> logger)
{
    public const string Accepted = "accepted";
    public const string Routed = "routed";
    public const string Resolved = "resolved";
    /// <summary>Kind of a request for information: this prefix and the id of its history entry (a complaint may be asked more than once).</summary>
    public const string InfoRequestedPrefix = "info:";
    /// <summary>Kind of a transfer: this prefix and the id of its history entry (a complaint may be transferred more than once).</summary>
    public const string TransferredPrefix = "transferred:";
    /// <summary>Kind of a merge as a duplicate (once: a merged complaint is closed).</summary>
    public const string Merged = "merged";
    public const string RecurringJobId = "complaint-notifications-reconcile";

    /// <summary>Run inside the caller's transaction; returns the row's id (the existing one if this complaint already has this kind).</summary>
    public const string InsertSql =
        """
        INSERT INTO complaint_notifications (complaint_id, kind, status, created_at, updated_at) VALUES (@ComplaintId, @Kind, 'pending', @Now, @Now)
        ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id);
        SELECT LAST_INSERT_ID();
        """;

    private const string ClaimSql = "UPDATE complaint_notifications SET status = 'sending', attempts = attempts + 1, updated_at = @now WHERE id = @id AND status = 'pending'";
    private const string FinishSql = "UPDATE complaint_notifications SET status = @status, updated_at = @now WHERE id = @id";
    private const string AttemptSql = "INSERT INTO complaint_notification_attempts (notification_id, at, outcome, errcode, detail) VALUES (@id, @now, @outcome, @errcode, @detail)";
    private const string LoadSql =
        """
        SELECT n.kind, n.attempts, c.number, c.category, c.status, c.created_at AS CreatedAt, c.public_reply AS PublicReply, c.user_id AS UserId, a.name AS Agency,
               s.status AS SurvivorStatus, s.public_reply AS SurvivorReply
        FROM complaint_notifications n
        JOIN complaints c ON c.id = n.complaint_id
        LEFT JOIN agencies a ON a.id = c.agency_id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id AND c.status = 'duplicate'
        LEFT JOIN complaints s ON s.id = h.duplicate_of
        WHERE n.id = @id
        """;
    private const string QuestionSql = "SELECT text FROM complaint_events WHERE id = @id";
    private const string StaleSql =
        """
        SELECT id FROM complaint_notifications
        WHERE (status = 'pending' AND updated_at < @pendingBefore AND attempts < @maxAttempts) OR (status = 'sending' AND updated_at < @sendingBefore)
        ORDER BY id LIMIT 500
        """;
    private const string ResetSql = "UPDATE complaint_notifications SET status = 'pending', updated_at = @now WHERE id = @id AND status = 'sending'";

    private sealed class Row
    {
        public string Kind { get; init; } = "";
        public int Attempts { get; init; }
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public string? PublicReply { get; init; }
        public long UserId { get; init; }
        public string? Agency { get; init; }
        /// <summary>The complaint this one was merged into: its state and reply are the outcome this complainant hears.</summary>
        public string? SurvivorStatus { get; init; }
        public string? SurvivorReply { get; init; }
    }

    /// <summary>Queues the job for a row just committed. If Redis is away, the reconciler sends it later.</summary>
    public void Enqueue(long notificationId)
    {
        services.TryEnqueue<ComplaintNotifications>(n => n.SendAsync(notificationId, CancellationToken.None), logger, $"notification {notificationId}: the reconciler will queue it");
    }

    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900])]
    public async Task SendAsync(long notificationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(ClaimSql, new { id = notificationId, now }, cancellationToken: ct)) != 1)
            return; // sent, declined, given up, or being sent by another run
        var row = await conn.QuerySingleAsync<Row>(new CommandDefinition(LoadSql, new { id = notificationId }, cancellationToken: ct));
        var o = options.Value;
        var isQuestion = row.Kind.StartsWith(InfoRequestedPrefix, StringComparison.Ordinal);
        var isTransfer = row.Kind.StartsWith(TransferredPrefix, StringComparison.Ordinal);
        var template = isQuestion ? o.InfoRequestedTemplateId
            : isTransfer ? o.RoutedTemplateId
            : row.Kind switch { Accepted => o.AcceptedTemplateId, Routed or Merged => o.RoutedTemplateId, _ => o.ResolvedTemplateId };
        // The outcome a merged complaint's complainant hears is the surviving complaint's.
        var (status, reply) = row.Kind == Resolved && row.SurvivorStatus is { } survivor ? (survivor, row.SurvivorReply) : (row.Status, row.PublicReply);
        var question = isQuestion && long.TryParse(row.Kind.AsSpan(InfoRequestedPrefix.Length), out var eventId)
            ? await conn.ExecuteScalarAsync<string?>(new CommandDefinition(QuestionSql, new { id = eventId }, cancellationToken: ct))
            : null;
        if (string.IsNullOrEmpty(template))
        {
            await FinishAsync(conn, notificationId, "skipped", null, "no template configured", ct);
            return;
        }
        var openId = await addresses.OpenIdAsync(row.UserId, ct);
        if (openId is null)
        {
            await FinishAsync(conn, notificationId, "skipped", null, "the complainant's WeChat account is unknown", ct);
            return;
        }
        var message = new SubscribeMessage(openId, template, o.Page.Replace("{number}", row.Number, StringComparison.Ordinal), new Dictionary<string, string>
        {
            [o.NumberKey] = Cut(row.Number, 32),
            [o.CategoryKey] = Cut(ComplaintCategories.Find(row.Category)?.Label ?? row.Category, 20),
            [o.StatusKey] = Cut(isTransfer ? "已转办" : row.Kind == Merged ? "合并办理" : ComplaintStatus.Label(status), 5),
            [o.TimeKey] = ShanghaiTime.FromUtc(row.CreatedAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            [o.RemarkKey] = Cut(isQuestion ? "请补充：" + (question ?? "详见投诉详情")
                : isTransfer ? (row.Agency is null ? "已转交其他单位办理" : "已转至" + row.Agency)
                : row.Kind switch
                {
                    Accepted => "投诉已受理，我们会尽快分派办理",
                    Routed => row.Agency is null ? "已分派办理" : "已分派至" + row.Agency,
                    Merged => "与同一问题的投诉合并办理，结果将告知您",
                    _ => reply ?? "已办结，请查看答复并评价",
                }, 20),
        }, o.MiniProgramState);
        try
        {
            await wechat.SendSubscribeMessageAsync(message, ct);
            await FinishAsync(conn, notificationId, "sent", null, null, ct);
        }
        catch (WeChatApiException ex) when (ex.Kind == WeChatErrorKind.NotConsented)
        {
            await FinishAsync(conn, notificationId, "declined", ex.ErrCode, ex.ErrMsg, ct);
        }
        catch (WeChatApiException ex) when (ex.Kind is WeChatErrorKind.TemplateDataMismatch or WeChatErrorKind.InvalidOpenId or WeChatErrorKind.InvalidTemplate)
        {
            await FinishAsync(conn, notificationId, "failed", ex.ErrCode, ex.ErrMsg, ct);
        }
        catch (WeChatApiException ex)
        {
            // Worth another try (busy, network, token, quota): back to pending, and Hangfire retries.
            var outcome = row.Attempts + 1 >= o.MaxAttempts ? "failed" : "pending";
            await conn.ExecuteAsync(new CommandDefinition(AttemptSql, new { id = notificationId, now, outcome = "error", errcode = (int?)ex.ErrCode, detail = Cut(ex.ErrMsg, 500) }, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(FinishSql, new { id = notificationId, status = outcome, now }, cancellationToken: ct));
            if (outcome == "pending") throw;
        }
    }

    /// <summary>Recurring: re-queues rows whose job was lost (pending over a minute) or whose sender died (sending over five).</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        var ids = await conn.QueryAsync<long>(new CommandDefinition(StaleSql,
            new { pendingBefore = now.AddMinutes(-1), sendingBefore = now.AddMinutes(-5), maxAttempts = options.Value.MaxAttempts }, cancellationToken: ct));
        foreach (var id in ids)
        {
            await conn.ExecuteAsync(new CommandDefinition(ResetSql, new { id, now }, cancellationToken: ct));
            Enqueue(id);
        }
    }

    private async Task FinishAsync(MySqlConnector.MySqlConnection conn, long id, string status, int? errcode, string? detail, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await conn.ExecuteAsync(new CommandDefinition(AttemptSql, new { id, now, outcome = status, errcode, detail = detail is null ? null : Cut(detail, 500) }, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(FinishSql, new { id, status, now }, cancellationToken: ct));
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>
/// Where a complainant is reached: their openid in the Mini Program, which owns its users (mp_users). Complaints asks
/// through this instead of reading that table; the Mini Program provides it.
/// </summary>
public interface IComplainantAddresses
{
    Task<string?> OpenIdAsync(long userId, CancellationToken ct);
}
