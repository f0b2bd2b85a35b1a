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
        SELECT c.status, c.agency_id AS AgencyId, h.claimed_by AS ClaimedBy, r.routed_at AS RoutedAt, r.due_at AS DueAt, h.closed_by AS ClosedBy, c.rating
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
        public int? ClosedBy { get; init; }
        public sbyte? Rating { get; init; }
    }

    private sealed record Step(MySqlConnection Conn, MySqlTransaction Tx, Locked State, DateTime Now, CancellationToken Ct)
    {
        public Task<int> ExecAsync(string sql, object args) => Conn.ExecuteAsync(new CommandDefinition(sql, args, Tx, cancellationToken: Ct));
        public Task<T?> ScalarAsync<T>(string sql, object args) => Conn.ExecuteScalarAsync<T>(new CommandDefinition(sql, args, Tx, cancellationToken: Ct));
    }

    private static readonly HandlingOutcome Done = new HandlingOutcome.Done();

    /// <summary>Locks the complaint, checks it is the handler's agency's, runs the action, commits if it is done, then queues its notification.</summary>
    private async Task<HandlingOutcome> ActAsync(long id, Handler handler, bool requireOpen, bool requireClaimable,
        Func<Step, Task<(HandlingOutcome Outcome, IReadOnlyList<long>? Notifications)>> action, CancellationToken ct, bool ownAgency = true)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await conn.ExecuteAsync(new CommandDefinition(EnsureHandlingSql, new { id }, tx, cancellationToken: ct));
        var state = await conn.QuerySingleOrDefaultAsync<Locked>(new CommandDefinition(LockSql, new { id }, tx, cancellationToken: ct));
        if (state is null || (ownAgency && state.AgencyId != handler.AgencyId)) return new HandlingOutcome.NotFound();
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
            await ComplaintSearch.IndexAsync(s.Conn, s.Tx, id, s.Ct); // its words move to the new agency's
            await s.ExecAsync(ReleaseSql, new { id });
            await s.ExecAsync(TransferDueSql, new { id, dueAt = s.Now + length, now = s.Now });
            await s.ExecAsync(ClearMarksSql, new { id });
            await s.ExecAsync(DropPendingExtensionsSql, new { id, now = s.Now });
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
            await s.ExecAsync(DropPendingExtensionsSql, new { id, now = s.Now });
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
            await s.ExecAsync(DropPendingExtensionsSql, new { id, now = s.Now });
            await EventAsync(s, id, "resolved", h, true, reply.Trim(), h.AgencyId);
            await ComplaintSearch.IndexAsync(s.Conn, s.Tx, id, s.Ct);
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
            await s.ExecAsync(DropPendingExtensionsSql, new { id, now = s.Now });
            await EventAsync(s, id, "rejected", h, true, text, h.AgencyId);
            await ComplaintSearch.IndexAsync(s.Conn, s.Tx, id, s.Ct);
            return (Done, await NotifyOutcomeAsync(s, id));
        }, ct);
    }

    // ---- supervision (issue 19): 派单, 催办, 延期, 重办, and the complainant's phone for calling back

    private const string AssigneeSql =
        "SELECT display_name FROM staff WHERE id = @staffId AND agency_id = @agencyId AND disabled = 0 AND role IN ('handler', 'supervisor')";
    private const string OversightSql =
        """
        INSERT INTO complaint_oversight (complaint_id, kind, staff_id, agency_id, handling_agency_id, at)
        VALUES (@id, @kind, @staffId, @agencyId, @handlingAgencyId, @now)
        """;
    private const string PendingExtensionSql = "SELECT id, requested_by AS RequestedBy, hours FROM complaint_extensions WHERE complaint_id = @id AND status = 'pending' FOR UPDATE";
    private const string InsertExtensionSql =
        """
        INSERT INTO complaint_extensions (complaint_id, agency_id, requested_by, requested_at, hours, reason, status)
        VALUES (@id, @agencyId, @staffId, @now, @hours, @reason, 'pending')
        """;
    private const string DecideExtensionSql =
        """
        UPDATE complaint_extensions SET status = @status, decided_by = @staffId, decided_at = @now, decision_note = @note, due_before = @before, due_after = @after
        WHERE id = @extensionId AND status = 'pending'
        """;
    private const string DropPendingExtensionsSql =
        "UPDATE complaint_extensions SET status = 'dropped', decided_at = @now WHERE complaint_id = @id AND status = 'pending'";
    private const string ReopenSql =
        "UPDATE complaints SET status = @status, public_reply = NULL, rating = NULL, rating_comment = NULL, rated_at = NULL, updated_at = @now WHERE id = @id";
    private const string ReopenHandlingSql =
        "UPDATE complaint_handling SET outcome = NULL, closed_by = NULL, closed_at = NULL, claimed_by = @claimedBy, claimed_at = @claimedAt WHERE complaint_id = @id";
    private const string PhoneSql = "SELECT contact_phone_enc FROM complaints WHERE id = @id";

    private sealed class PendingRow
    {
        public long Id { get; init; }
        public int RequestedBy { get; init; }
        public int Hours { get; init; }
    }

    private static string Local(DateTime utc) => Platform.Time.ShanghaiTime.FromUtc(utc).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>派单: a supervisor gives the complaint to a named handler of the agency (it becomes theirs, in progress); they are told.</summary>
    public async Task<HandlingOutcome> AssignAsync(long id, Handler h, int? staffId, CancellationToken ct)
    {
        if (!h.Supervisor) return new HandlingOutcome.Forbidden("只有科室负责人可以派单。");
        if (staffId is null) return Invalid("staffId", "请选择承办人。");
        return await ActAsync(id, h, requireOpen: true, requireClaimable: false, async s =>
        {
            var name = await s.ScalarAsync<string>(AssigneeSql, new { staffId, agencyId = h.AgencyId });
            if (name is null) return (Invalid("staffId", "承办人须是本单位在岗的办理人员或科室负责人。"), null);
            if (s.State.ClaimedBy == staffId) return (new HandlingOutcome.Done(), null);
            await s.ExecAsync(ClaimSql, new { id, staffId, now = s.Now });
            await EventAsync(s, id, "assigned", h, false, $"派单给{name}", h.AgencyId);
            if (s.State.Status == ComplaintStatus.Routed)
            {
                await s.ExecAsync(StatusSql, new { id, status = ComplaintStatus.InProgress, now = s.Now });
                await EventAsync(s, id, "in_progress", h, true, null, h.AgencyId);
            }
            return (new HandlingOutcome.Done(new StaffNotice(staffId, "科室负责人向您派单，请及时办理", "assign-" + s.Now.Ticks)), null);
        }, ct);
    }

    /// <summary>
    /// 催办/督办: a supervisor of the handling agency, or an informed or superior agency, presses for the complaint to be
    /// finished. Internal; recorded in the history and counted (complaint_oversight); the member who holds it (or the
    /// agency's staff, when nobody does) is told.
    /// </summary>
    public async Task<HandlingOutcome> UrgeAsync(long id, Handler h, string? text, CancellationToken ct)
    {
        if (Required(text, "text", "请填写催办意见", 500) is { } invalid) return invalid;
        return await ActAsync(id, h, requireOpen: true, requireClaimable: false, async s =>
        {
            await EventAsync(s, id, "urged", h, false, text!.Trim(), h.AgencyId);
            await s.ExecAsync(OversightSql, new { id, kind = "urge", staffId = h.StaffId, agencyId = h.AgencyId, handlingAgencyId = s.State.AgencyId, now = s.Now });
            return (new HandlingOutcome.Done(new StaffNotice(s.State.ClaimedBy, "投诉被催办，请尽快办理", "urge-" + s.Now.Ticks)), null);
        }, ct, ownAgency: false);
    }

    /// <summary>延期: the member working the complaint asks for more hours, with a reason; one request waits at a time.</summary>
    public async Task<HandlingOutcome> RequestExtensionAsync(long id, Handler h, int? hours, string? reason, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (hours is not (>= 1 and <= 720)) errors["hours"] = ["请填写延期时长（1-720小时）。"];
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 5 || reason.Trim().Length > 500) errors["reason"] = ["请写明延期理由（5-500字）。"];
        if (errors.Count > 0) return new HandlingOutcome.Invalid(errors);
        return await ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            if (await s.Conn.QuerySingleOrDefaultAsync<PendingRow>(new CommandDefinition(PendingExtensionSql, new { id }, s.Tx, cancellationToken: s.Ct)) is not null)
                return (new HandlingOutcome.Conflict("已有一项延期申请等待审批；请等科室负责人审批后再申请。"), null);
            await s.ExecAsync(InsertExtensionSql, new { id, agencyId = h.AgencyId, staffId = h.StaffId, now = s.Now, hours, reason = reason!.Trim() });
            await EventAsync(s, id, "extension_requested", h, false, $"申请延期{hours}小时：{reason.Trim()}", h.AgencyId);
            return (new HandlingOutcome.Done(), null);
        }, ct);
    }

    /// <summary>A supervisor approves (the deadline moves by the hours asked, the deadline marks restart) or refuses (with a reason) the waiting request.</summary>
    public async Task<HandlingOutcome> DecideExtensionAsync(long id, Handler h, bool? approve, string? note, CancellationToken ct)
    {
        if (!h.Supervisor) return new HandlingOutcome.Forbidden("只有科室负责人可以审批延期申请。");
        if (approve is null) return Invalid("approve", "请选择同意或不同意。");
        if (approve == false && (string.IsNullOrWhiteSpace(note) || note.Trim().Length > 500)) return Invalid("note", "不同意延期时请写明理由（不超过500字）。");
        if (note?.Trim().Length > 500) return Invalid("note", "审批意见不超过500字。");
        return await ActAsync(id, h, requireOpen: true, requireClaimable: false, async s =>
        {
            var pending = await s.Conn.QuerySingleOrDefaultAsync<PendingRow>(new CommandDefinition(PendingExtensionSql, new { id }, s.Tx, cancellationToken: s.Ct));
            if (pending is null) return (new HandlingOutcome.Conflict("这件投诉没有等待审批的延期申请。"), null);
            if (pending.RequestedBy == h.StaffId) return (new HandlingOutcome.Conflict("不能审批自己提出的延期申请；请由本单位其他科室负责人审批。"), null);
            var text = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
            if (approve == true)
            {
                var before = s.State.DueAt;
                var after = (before is { } b && b > s.Now ? b : s.Now).AddHours(pending.Hours);
                await s.ExecAsync(DecideExtensionSql, new { extensionId = pending.Id, status = "approved", staffId = h.StaffId, now = s.Now, note = text, before, after });
                await s.ExecAsync(TransferDueSql, new { id, dueAt = after, now = s.Now });
                await s.ExecAsync(ClearMarksSql, new { id });
                await EventAsync(s, id, "extension_approved", h, false, $"同意延期{pending.Hours}小时，办理时限改为 {Local(after)}" + (text is null ? "" : $"。{text}"), h.AgencyId);
                return (new HandlingOutcome.Done(new StaffNotice(pending.RequestedBy, "延期申请已同意", "ext-" + pending.Id)), null);
            }
            await s.ExecAsync(DecideExtensionSql, new { extensionId = pending.Id, status = "refused", staffId = h.StaffId, now = s.Now, note = text, before = s.State.DueAt, after = s.State.DueAt });
            await EventAsync(s, id, "extension_refused", h, false, $"不同意延期：{text}", h.AgencyId);
            return (new HandlingOutcome.Done(new StaffNotice(pending.RequestedBy, "延期申请未同意，请按期办结", "ext-" + pending.Id)), null);
        }, ct);
    }

    /// <summary>
    /// 重办: a supervisor sends a resolved (or rejected) complaint back, because the complainant rated it 1-2 stars or the
    /// reply is not good enough: back to the member who closed it (if still working in the agency), with a new deadline;
    /// the reply and the rating are cleared (the history keeps both), so the complainant may rate the new answer.
    /// </summary>
    public async Task<HandlingOutcome> ReopenAsync(long id, Handler h, string? reason, int? hours, CancellationToken ct)
    {
        if (!h.Supervisor) return new HandlingOutcome.Forbidden("只有科室负责人可以决定重办。");
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 5 || reason.Trim().Length > 500) errors["reason"] = ["请写明重办原因（5-500字，仅本单位可见）。"];
        if (hours is not null and not (>= 1 and <= 720)) errors["hours"] = ["新的办理时限为1-720小时。"];
        if (errors.Count > 0) return new HandlingOutcome.Invalid(errors);
        return await ActAsync(id, h, requireOpen: false, requireClaimable: false, async s =>
        {
            if (s.State.Status is not (ComplaintStatus.Resolved or ComplaintStatus.Rejected))
                return (new HandlingOutcome.Conflict($"投诉当前状态为“{ComplaintStatus.Label(s.State.Status)}”；只有已办结或已退回的投诉可以重办。"), null);
            var length = hours is int given ? TimeSpan.FromHours(given)
                : s.State.RoutedAt is { } routed && s.State.DueAt is { } due && due > routed ? due - routed : TimeSpan.FromHours(72);
            var handler = s.State.ClosedBy is int closer && await s.ScalarAsync<string>(AssigneeSql, new { staffId = closer, agencyId = h.AgencyId }) is { } name
                ? (Id: (int?)closer, Name: name) : (Id: null, Name: null);
            var status = handler.Id is null ? ComplaintStatus.Routed : ComplaintStatus.InProgress;
            var dueAt = s.Now + length;
            await s.ExecAsync(ReopenSql, new { id, status, now = s.Now });
            await s.ExecAsync(ReopenHandlingSql, new { id, claimedBy = handler.Id, claimedAt = handler.Id is null ? (DateTime?)null : s.Now });
            await s.ExecAsync(TransferDueSql, new { id, dueAt, now = s.Now });
            await s.ExecAsync(ClearMarksSql, new { id });
            await s.ExecAsync(DropPendingExtensionsSql, new { id, now = s.Now });
            await EventAsync(s, id, "reopen_reason", h, false,
                $"{reason!.Trim()}（{(s.State.Rating is { } r ? $"投诉人评价{r}星；" : "")}退回{handler.Name ?? "本单位队列"}重新办理，办理时限 {Local(dueAt)}）", h.AgencyId);
            await EventAsync(s, id, "reopened", h, true, null, h.AgencyId);
            await ComplaintSearch.IndexAsync(s.Conn, s.Tx, id, s.Ct);
            return (new HandlingOutcome.Done(new StaffNotice(handler.Id, "投诉需重新办理，请及时处理", "reopen-" + s.Now.Ticks)), null);
        }, ct);
    }

    /// <summary>
    /// The complainant's full phone number, to call back: decrypted for a handler or supervisor of the handling agency, and
    /// each reveal written to the history (who, when) and counted (complaint_oversight). Null: the complaint left the
    /// agency meanwhile. Empty phone: the complainant left none.
    /// </summary>
    public async Task<(string? Phone, DateTime At)?> RevealPhoneAsync(long id, Handler h, Func<byte[]?, string?> decrypt, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var agencyId = await conn.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT agency_id FROM complaints WHERE id = @id", new { id }, tx, cancellationToken: ct));
        if (agencyId != h.AgencyId) return null;
        var phone = decrypt(await conn.ExecuteScalarAsync<byte[]?>(new CommandDefinition(PhoneSql, new { id }, tx, cancellationToken: ct)));
        if (phone is null) return (null, now);
        await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(id, now, "phone_revealed", h.Actor, false, "查看了投诉人的完整电话（回访）", h.AgencyId), ct);
        await conn.ExecuteAsync(new CommandDefinition(OversightSql, new { id, kind = "phone_reveal", staffId = h.StaffId, agencyId = h.AgencyId, handlingAgencyId = agencyId, now }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (phone, now);
    }

    private static HandlingOutcome Invalid(string field, string message) => new HandlingOutcome.Invalid(new() { [field] = [message] });

    private static HandlingOutcome? Required(string? text, string field, string message, int max) =>
        string.IsNullOrWhiteSpace(text) || text.Trim().Length > max ? Invalid(field, $"{message}（不超过{max}字）。") : null;

}
