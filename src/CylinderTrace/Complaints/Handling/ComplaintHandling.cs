using System.Data;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Platform.Database;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// The handler's actions on a complaint (DESIGN.md §4): claim, release, note, ask for information, transfer, duplicate,
/// resolve, reject. Each action locks the complaint, checks that it is still this agency's and that its state allows
/// the action, and writes the change and its history step (public where the complainant should see it) in one
/// transaction. Who may call which action is decided in one place, ConsoleAccess; this class re-checks only what can
/// change under a lock. What the queue and a complaint's page read is <see cref="ComplaintQueue"/>'s.
/// </summary>
public sealed class ComplaintHandling(Db db, ComplaintNotifications notifications, TimeProvider clock)
{
    private const string EnsureHandlingSql = "INSERT IGNORE INTO complaint_handling (complaint_id) VALUES (@id)";
    private const string LockSql =
        """
        SELECT c.status, c.agency_id AS AgencyId, h.claimed_by AS ClaimedBy, r.routed_at AS RoutedAt, r.due_at AS DueAt
        FROM complaints c JOIN complaint_handling h ON h.complaint_id = c.id LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        WHERE c.id = @id FOR UPDATE
        """;
    private const string StatusSql = "UPDATE complaints SET status = @status, updated_at = @now WHERE id = @id";
    private const string ClaimSql = "UPDATE complaint_handling SET claimed_by = @staffId, claimed_at = @now WHERE complaint_id = @id";
    private const string ReleaseSql = "UPDATE complaint_handling SET claimed_by = NULL, claimed_at = NULL WHERE complaint_id = @id";
    private const string AgencyExistsSql = "SELECT id FROM agencies WHERE code = @code";
    private const string TransferSql = "UPDATE complaints SET agency_id = @to, status = 'routed', updated_at = @now WHERE id = @id";
    private const string TransferDueSql = "UPDATE complaint_routing SET due_at = @dueAt, updated_at = @now WHERE complaint_id = @id";
    private const string ClearMarksSql = "DELETE FROM complaint_deadline_marks WHERE complaint_id = @id";
    private const string DuplicateTargetSql =
        """
        SELECT c.id, c.status FROM complaints c WHERE c.number = @number AND (c.agency_id = @agencyId
            OR EXISTS (SELECT 1 FROM complaint_informed_agencies i WHERE i.agency_id = @agencyId AND i.complaint_id = c.id))
        """;
    private const string DuplicateSql = "UPDATE complaint_handling SET duplicate_of = @target, closed_by = @staffId, closed_at = @now WHERE complaint_id = @id";
    /// <summary>Complaints merged into one that is now merged itself follow it to the surviving one (duplicate_of always names a survivor).</summary>
    private const string RepointDuplicatesSql = "UPDATE complaint_handling SET duplicate_of = @target WHERE duplicate_of = @id";
    /// <summary>
    /// Locks the target after the merged complaint (a resolve locks only its own), so an outcome committed meanwhile is seen
    /// here, and one committed later sees this merge.
    /// </summary>
    private const string TargetStatusSql = "SELECT status FROM complaints WHERE id = @target FOR UPDATE";
    /// <summary>The complaints merged into this one, whose complainants hear its outcome.</summary>
    private const string MergedIntoSql =
        "SELECT h.complaint_id FROM complaint_handling h JOIN complaints c ON c.id = h.complaint_id WHERE h.duplicate_of = @id AND c.status = 'duplicate'";
    private const string ResolveSql = "UPDATE complaints SET status = 'resolved', public_reply = @reply, updated_at = @now WHERE id = @id";
    private const string CloseSql = "UPDATE complaint_handling SET outcome = @outcome, closed_by = @staffId, closed_at = @now WHERE complaint_id = @id";
    private const string RejectSql = "UPDATE complaints SET status = 'rejected', public_reply = @reply, updated_at = @now WHERE id = @id";

    /// <summary>Where a complaint stands for an agency: its id, the agency handling it, and whether this agency is informed of it. Null: no such number.</summary>
    // ---- actions

    private sealed class Locked
    {
        public string Status { get; init; } = "";
        public int? AgencyId { get; init; }
        public int? ClaimedBy { get; init; }
        public DateTime? RoutedAt { get; init; }
        public DateTime? DueAt { get; init; }
    }

    private sealed record Step(MySqlConnection Conn, MySqlTransaction Tx, Locked State, DateTime Now, CancellationToken Ct)
    {
        public Task<int> ExecAsync(string sql, object args) => Conn.ExecuteAsync(new CommandDefinition(sql, args, Tx, cancellationToken: Ct));
        public Task<T?> ScalarAsync<T>(string sql, object args) => Conn.ExecuteScalarAsync<T>(new CommandDefinition(sql, args, Tx, cancellationToken: Ct));
    }

    private static readonly HandlingOutcome Done = new HandlingOutcome.Done();

    /// <summary>Locks the complaint, checks it is the handler's agency's, runs the action, commits if it is done, then queues its notification.</summary>
    private async Task<HandlingOutcome> ActAsync(long id, Handler handler, bool requireOpen, bool requireClaimable,
        Func<Step, Task<(HandlingOutcome Outcome, IReadOnlyList<long>? Notifications)>> action, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await conn.ExecuteAsync(new CommandDefinition(EnsureHandlingSql, new { id }, tx, cancellationToken: ct));
        var state = await conn.QuerySingleOrDefaultAsync<Locked>(new CommandDefinition(LockSql, new { id }, tx, cancellationToken: ct));
        if (state is null || state.AgencyId != handler.AgencyId) return new HandlingOutcome.NotFound();
        if (requireOpen && !ComplaintQueue.OpenStates.Contains(state.Status))
            return new HandlingOutcome.Conflict($"投诉当前状态为“{ComplaintStatus.Label(state.Status)}”，不能再办理。");
        if (requireClaimable && state.ClaimedBy is int other && other != handler.StaffId && !handler.Supervisor)
            return new HandlingOutcome.Conflict("这件投诉已由其他人员认领；请先联系认领人或科室负责人。");
        var (outcome, queued) = await action(new Step(conn, tx, state, clock.GetUtcNow().UtcDateTime, ct));
        if (outcome is not HandlingOutcome.Done) return outcome;
        await tx.CommitAsync(ct);
        foreach (var n in queued ?? []) notifications.Enqueue(n);
        return outcome;
    }

    private static async Task<long> EventAsync(Step s, long id, string kind, Handler h, bool isPublic, string? text, int? agencyId) =>
        await ComplaintHistory.AppendAsync(s.Conn, s.Tx, new ComplaintStep(id, s.Now, kind, h.Actor, isPublic, text, agencyId), s.Ct);

    public Task<HandlingOutcome> ClaimAsync(long id, Handler h, CancellationToken ct) =>
        ActAsync(id, h, requireOpen: true, requireClaimable: false, async s =>
        {
            if (s.State.ClaimedBy == h.StaffId) return (Done, null);
            if (s.State.ClaimedBy is not null) return (new HandlingOutcome.Conflict("这件投诉已由其他人员认领。"), null);
            await s.ExecAsync(ClaimSql, new { id, staffId = h.StaffId, now = s.Now });
            await EventAsync(s, id, "claimed", h, false, null, h.AgencyId);
            if (s.State.Status == ComplaintStatus.Routed)
            {
                await s.ExecAsync(StatusSql, new { id, status = ComplaintStatus.InProgress, now = s.Now });
                await EventAsync(s, id, "in_progress", h, true, null, h.AgencyId);
            }
            return (Done, null);
        }, ct);

    public Task<HandlingOutcome> ReleaseAsync(long id, Handler h, CancellationToken ct) =>
        ActAsync(id, h, requireOpen: false, requireClaimable: true, async s =>
        {
            if (s.State.ClaimedBy is null) return (Done, null);
            await s.ExecAsync(ReleaseSql, new { id });
            await EventAsync(s, id, "released", h, false, null, h.AgencyId);
            return (Done, null);
        }, ct);

    public Task<HandlingOutcome> NoteAsync(long id, Handler h, string? text, CancellationToken ct)
    {
        if (Required(text, "text", "请填写备注内容", 2000) is { } invalid) return Task.FromResult(invalid);
        return ActAsync(id, h, requireOpen: false, requireClaimable: false, async s =>
        {
            await EventAsync(s, id, "note", h, false, text!.Trim(), h.AgencyId);
            return (Done, null);
        }, ct);
    }

    /// <summary>Asks the complainant for more (public on the timeline, and a subscribe message).</summary>
    public Task<HandlingOutcome> AskForInformationAsync(long id, Handler h, string? question, CancellationToken ct)
    {
        if (Required(question, "question", "请写明需要投诉人补充什么", 200) is { } invalid) return Task.FromResult(invalid);
        return ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            await s.ExecAsync(StatusSql, new { id, status = ComplaintStatus.WaitingInfo, now = s.Now });
            var eventId = await EventAsync(s, id, "waiting_info", h, true, question!.Trim(), h.AgencyId);
            return (Done, [await NotifyAsync(s, id, ComplaintNotifications.InfoRequestedPrefix + eventId)]);
        }, ct);
    }

    /// <summary>Hands the complaint to another agency, with the reason; the new agency gets a fresh deadline of the same length.</summary>
    public async Task<HandlingOutcome> TransferAsync(long id, Handler h, string? agencyCode, string? reason, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 500 || RejectionText.Compose(reason, null).Length == 0) errors["reason"] = ["请填写转办理由（不超过500字）。"];
        int? to = null;
        if (!string.IsNullOrWhiteSpace(agencyCode))
        {
            await using var conn = await db.OpenAsync(ct);
            to = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(AgencyExistsSql, new { code = agencyCode.Trim() }, cancellationToken: ct));
        }
        if (to is null) errors["agency"] = [$"请选择要转往的单位（单位代码“{agencyCode}”不存在）。"];
        else if (to == h.AgencyId) errors["agency"] = ["不能转给本单位。"];
        if (errors.Count > 0) return new HandlingOutcome.Invalid(errors);
        return await ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            var length = s.State.RoutedAt is { } routed && s.State.DueAt is { } due && due > routed ? due - routed : TimeSpan.FromHours(72);
            await s.ExecAsync(TransferSql, new { id, to, now = s.Now });
            await s.ExecAsync(ReleaseSql, new { id });
            await s.ExecAsync(TransferDueSql, new { id, dueAt = s.Now + length, now = s.Now });
            await s.ExecAsync(ClearMarksSql, new { id });
            var eventId = await EventAsync(s, id, "transferred", h, true, reason!.Trim(), to);
            return (Done, [await NotifyAsync(s, id, ComplaintNotifications.TransferredPrefix + eventId)]);
        }, ct);
    }

    /// <summary>
    /// Closes the complaint as a duplicate of another this agency handles or is informed of (not of one that is merged
    /// itself: the complainant hears the survivor's outcome). Complaints merged into this one follow it to the target. The
    /// complainant is told of the merge, or, if the target has its outcome already, of that outcome.
    /// </summary>
    public async Task<HandlingOutcome> MarkDuplicateAsync(long id, Handler h, string? ofNumber, CancellationToken ct)
    {
        (long Id, string Status)? found = null;
        if (!string.IsNullOrWhiteSpace(ofNumber))
        {
            await using var conn = await db.OpenAsync(ct);
            found = await conn.QuerySingleOrDefaultAsync<(long, string)?>(new CommandDefinition(DuplicateTargetSql, new { number = ofNumber.Trim(), agencyId = h.AgencyId }, cancellationToken: ct));
        }
        if (found is not { } target) return Invalid("duplicateOf", $"找不到本单位的投诉“{ofNumber}”；请填写本单位办理或知悉的投诉编号。");
        if (target.Id == id) return Invalid("duplicateOf", "不能标记为与自身重复。");
        if (target.Status == ComplaintStatus.Duplicate) return Invalid("duplicateOf", $"投诉“{ofNumber!.Trim()}”本身已合并到另一件投诉；请填写那件投诉的编号。");
        if (target.Status == ComplaintStatus.Withdrawn) return Invalid("duplicateOf", $"投诉“{ofNumber!.Trim()}”已由投诉人撤回，不能作为合并办理的投诉。");
        return await ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            var targetStatus = await s.ScalarAsync<string>(TargetStatusSql, new { target = target.Id });
            if (targetStatus is ComplaintStatus.Duplicate or ComplaintStatus.Withdrawn)
                return (new HandlingOutcome.Conflict($"投诉“{ofNumber!.Trim()}”刚刚已合并或撤回；请重新选择要合并到的投诉。"), null);
            await s.ExecAsync(StatusSql, new { id, status = ComplaintStatus.Duplicate, now = s.Now });
            await s.ExecAsync(DuplicateSql, new { id, target = target.Id, staffId = h.StaffId, now = s.Now });
            await s.ExecAsync(RepointDuplicatesSql, new { id, target = target.Id });
            await EventAsync(s, id, "duplicate", h, true, $"与投诉 {ofNumber!.Trim()} 反映的是同一问题，合并办理。", h.AgencyId);
            var decided = targetStatus is ComplaintStatus.Resolved or ComplaintStatus.Rejected or ComplaintStatus.Closed;
            return (Done, [await NotifyAsync(s, id, decided ? ComplaintNotifications.Resolved : ComplaintNotifications.Merged)]);
        }, ct);
    }

    private static async Task<long> NotifyAsync(Step s, long id, string kind) =>
        await s.ScalarAsync<long>(ComplaintNotifications.InsertSql, new { ComplaintId = id, Kind = kind, Now = s.Now });

    /// <summary>The outcome's notification to this complaint's complainant and to those of the complaints merged into it.</summary>
    private static async Task<IReadOnlyList<long>> NotifyOutcomeAsync(Step s, long id)
    {
        var queued = new List<long> { await NotifyAsync(s, id, ComplaintNotifications.Resolved) };
        foreach (var merged in await s.Conn.QueryAsync<long>(new CommandDefinition(MergedIntoSql, new { id }, s.Tx, cancellationToken: s.Ct)))
            queued.Add(await NotifyAsync(s, merged, ComplaintNotifications.Resolved));
        return queued;
    }

    /// <summary>Resolves with an outcome (internal) and a public reply (the complainant's timeline and a subscribe message).</summary>
    public Task<HandlingOutcome> ResolveAsync(long id, Handler h, string? outcome, string? reply, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (HandlingOutcomes.Label(outcome) is null) errors["outcome"] = [$"请选择办理结果（{string.Join("、", HandlingOutcomes.All.Select(o => o.Code))}）。"];
        if (string.IsNullOrWhiteSpace(reply) || reply.Trim().Length < 5 || reply.Trim().Length > 1000) errors["reply"] = ["请填写给投诉人的答复（5-1000字）。"];
        if (errors.Count > 0) return Task.FromResult<HandlingOutcome>(new HandlingOutcome.Invalid(errors));
        return ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            await s.ExecAsync(ResolveSql, new { id, reply = reply!.Trim(), now = s.Now });
            await s.ExecAsync(CloseSql, new { id, outcome, staffId = h.StaffId, now = s.Now });
            await EventAsync(s, id, "resolved", h, true, reply.Trim(), h.AgencyId);
            return (Done, await NotifyOutcomeAsync(s, id));
        }, ct);
    }

    /// <summary>Rejects as not this agency's responsibility, with the reason and where the complainant should turn instead.</summary>
    public Task<HandlingOutcome> RejectAsync(long id, Handler h, string? reason, string? suggestion, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 500 || RejectionText.Compose(reason, null).Length == 0) errors["reason"] = ["请填写不属于本单位职责的理由（不超过500字）。"];
        if (suggestion?.Trim().Length > 200) errors["suggestion"] = ["建议（受理单位或给投诉人的建议）不超过200字。"];
        if (errors.Count > 0) return Task.FromResult<HandlingOutcome>(new HandlingOutcome.Invalid(errors));
        var text = RejectionText.Compose(reason!, suggestion);
        return ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            await s.ExecAsync(RejectSql, new { id, reply = text, now = s.Now });
            await s.ExecAsync(CloseSql, new { id, outcome = "not_responsible", staffId = h.StaffId, now = s.Now });
            await EventAsync(s, id, "rejected", h, true, text, h.AgencyId);
            return (Done, await NotifyOutcomeAsync(s, id));
        }, ct);
    }

    private static HandlingOutcome Invalid(string field, string message) => new HandlingOutcome.Invalid(new() { [field] = [message] });

    private static HandlingOutcome? Required(string? text, string field, string message, int max) =>
        string.IsNullOrWhiteSpace(text) || text.Trim().Length > max ? Invalid(field, $"{message}（不超过{max}字）。") : null;

}
