using System.Data;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// Working a complaint inside its agency (DESIGN.md §4): the queue, the full history, and the
/// handler's actions (claim, release, note, ask for information, transfer, duplicate, resolve,
/// reject). Each action locks the complaint, checks that it is still this agency's and that its state
/// allows the action, and writes the change and its history entry (public where the complainant
/// should see it) in one transaction. Who may call which action is decided in one place, the console's
/// ConsoleAccess; this class re-checks only what can change under a lock.
/// </summary>
public sealed class ComplaintHandling(Db db, ComplaintNotifications notifications, TimeProvider clock)
{
    public static readonly string[] OpenStates = [ComplaintStatus.Routed, ComplaintStatus.InProgress, ComplaintStatus.WaitingInfo];
    public static readonly string[] AllStates =
    [
        ComplaintStatus.Routed, ComplaintStatus.InProgress, ComplaintStatus.WaitingInfo, ComplaintStatus.Resolved, ComplaintStatus.Rejected,
        ComplaintStatus.Duplicate, ComplaintStatus.Closed, ComplaintStatus.Withdrawn,
    ];

    private const string ScopeSql =
        """
        SELECT c.id, c.agency_id AS AgencyId,
               EXISTS (SELECT 1 FROM complaint_informed_agencies i WHERE i.agency_id = @agencyId AND i.complaint_id = c.id) AS Informed
        FROM complaints c WHERE c.number = @number
        """;

    private const string QueueColumns =
        """
        SELECT c.number, c.category, c.status, c.district_code AS DistrictCode, d.name AS DistrictName, c.description, c.cylinder_code AS CylinderCode,
               c.created_at AS CreatedAt, r.due_at AS DueAt, h.claimed_by AS ClaimedBy, s.display_name AS ClaimedByName, a.name AS HandlingAgency
        """;
    private const string QueueFilters =
        """
          AND (@q IS NULL OR c.number = @q OR c.cylinder_code = @q)
          AND (@q IS NOT NULL OR c.status IN @states)
          AND (@category IS NULL OR c.category = @category)
          AND (@district IS NULL OR c.district_code = @district OR r.district_code = @district)
          AND (@dueBefore IS NULL OR r.due_at < @dueBefore)
          AND (@claim IS NULL OR (@claim = 'me' AND h.claimed_by = @me) OR (@claim = 'unclaimed' AND h.claimed_by IS NULL)
               OR (@claim = 'staff' AND h.claimed_by = @claimedBy))
        """;
    private const string QueueJoins =
        """
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        LEFT JOIN staff s ON s.id = h.claimed_by
        LEFT JOIN districts d ON d.code = c.district_code
        LEFT JOIN agencies a ON a.id = c.agency_id
        """;
    private const string HandlingQueueSql = QueueColumns + " FROM complaints c " + QueueJoins + " WHERE c.agency_id = @agencyId " + QueueFilters +
        " ORDER BY r.due_at IS NULL, r.due_at, c.id LIMIT @take OFFSET @skip";
    private const string HandlingCountSql = "SELECT COUNT(*) FROM complaints c " + QueueJoins + " WHERE c.agency_id = @agencyId " + QueueFilters;
    private const string InformedQueueSql = QueueColumns + " FROM complaint_informed_agencies i JOIN complaints c ON c.id = i.complaint_id " + QueueJoins +
        " WHERE i.agency_id = @agencyId AND (c.agency_id IS NULL OR c.agency_id <> @agencyId) " + QueueFilters +
        " ORDER BY r.due_at IS NULL, r.due_at, c.id LIMIT @take OFFSET @skip";
    private const string InformedCountSql = "SELECT COUNT(*) FROM complaint_informed_agencies i JOIN complaints c ON c.id = i.complaint_id " + QueueJoins +
        " WHERE i.agency_id = @agencyId AND (c.agency_id IS NULL OR c.agency_id <> @agencyId) " + QueueFilters;
    private const string CountsSql = "SELECT status, COUNT(*) AS n FROM complaints WHERE agency_id = @agencyId GROUP BY status";

    private const string TeamSql =
        """
        SELECT s.id AS StaffId, s.display_name AS Name, s.role,
               COUNT(c.id) AS Open, COALESCE(SUM(CASE WHEN r.due_at < @now THEN 1 ELSE 0 END), 0) AS Overdue
        FROM staff s
        LEFT JOIN complaint_handling h ON h.claimed_by = s.id
        LEFT JOIN complaints c ON c.id = h.complaint_id AND c.agency_id = @agencyId AND c.status IN @open
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        WHERE s.agency_id = @agencyId AND s.disabled = 0 AND s.role IN ('handler', 'supervisor')
        GROUP BY s.id, s.display_name, s.role ORDER BY Overdue DESC, Open DESC, s.display_name
        """;
    private const string AgencyOpenSql =
        """
        SELECT COUNT(*) AS Open, COALESCE(SUM(CASE WHEN r.due_at < @now THEN 1 ELSE 0 END), 0) AS Overdue,
               COALESCE(SUM(CASE WHEN h.claimed_by IS NULL THEN 1 ELSE 0 END), 0) AS UnclaimedOpen,
               COALESCE(SUM(CASE WHEN h.claimed_by IS NULL AND r.due_at < @now THEN 1 ELSE 0 END), 0) AS UnclaimedOverdue
        FROM complaints c LEFT JOIN complaint_routing r ON r.complaint_id = c.id LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        WHERE c.agency_id = @agencyId AND c.status IN @open
        """;

    private const string DetailSql =
        """
        SELECT c.id, c.number, c.category, c.status, c.description, c.cylinder_code AS CylinderCode, c.card_snapshot AS CardSnapshot,
               c.latitude, c.longitude, c.district_code AS DistrictCode, d.name AS DistrictName, c.address, c.contact_phone_masked AS ContactPhoneMasked,
               c.agency_id AS AgencyId, a.name AS Agency, c.public_reply AS PublicReply, c.rating, c.rating_comment AS RatingComment, c.created_at AS CreatedAt,
               r.due_at AS DueAt, h.claimed_by AS ClaimedBy, s.display_name AS ClaimedByName, dup.number AS DuplicateOf, h.outcome
        FROM complaints c
        LEFT JOIN districts d ON d.code = c.district_code
        LEFT JOIN agencies a ON a.id = c.agency_id
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        LEFT JOIN staff s ON s.id = h.claimed_by
        LEFT JOIN complaints dup ON dup.id = h.duplicate_of
        WHERE c.id = @id
        """;
    private const string HistorySql =
        """
        SELECT e.at, e.kind, e.actor, e.is_public AS IsPublic, e.text, a.name AS Agency FROM complaint_events e LEFT JOIN agencies a ON a.id = e.agency_id
        WHERE e.complaint_id = @id ORDER BY e.at, e.id
        """;
    private const string StaffNamesSql = "SELECT s.id, s.display_name AS Name, a.name AS Agency FROM staff s JOIN agencies a ON a.id = s.agency_id WHERE s.id IN @ids";
    private const string PhotosSql = "SELECT sha256 FROM complaint_photos WHERE complaint_id = @id ORDER BY position";

    private const string AgencySql = "SELECT agency_id FROM complaints WHERE id = @id";

    /// <summary>The complaint's handling agency and photo ids (what a photo request needs, without the history).</summary>
    public async Task<(int? AgencyId, IReadOnlyList<string> PhotoIds)> PhotosAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var agencyId = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(AgencySql, new { id }, cancellationToken: ct));
        var photos = (await conn.QueryAsync<string>(new CommandDefinition(PhotosSql, new { id }, cancellationToken: ct))).ToList();
        return (agencyId, photos);
    }

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
        SELECT c.id FROM complaints c WHERE c.number = @number AND (c.agency_id = @agencyId
            OR EXISTS (SELECT 1 FROM complaint_informed_agencies i WHERE i.agency_id = @agencyId AND i.complaint_id = c.id))
        """;
    private const string DuplicateSql = "UPDATE complaint_handling SET duplicate_of = @target, closed_by = @staffId, closed_at = @now WHERE complaint_id = @id";
    private const string ResolveSql = "UPDATE complaints SET status = 'resolved', public_reply = @reply, updated_at = @now WHERE id = @id";
    private const string CloseSql = "UPDATE complaint_handling SET outcome = @outcome, closed_by = @staffId, closed_at = @now WHERE complaint_id = @id";
    private const string RejectSql = "UPDATE complaints SET status = 'rejected', public_reply = @reply, updated_at = @now WHERE id = @id";

    /// <summary>Where a complaint stands for an agency: its id, the agency handling it, and whether this agency is informed of it. Null: no such number.</summary>
    public sealed record Scope(long Id, int? AgencyId, bool Informed);

    private sealed class ScopeRow
    {
        public long Id { get; init; }
        public int? AgencyId { get; init; }
        public long Informed { get; init; }
    }

    public async Task<Scope?> ScopeAsync(string number, int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<ScopeRow>(new CommandDefinition(ScopeSql, new { number, agencyId }, cancellationToken: ct));
        return r is null ? null : new Scope(r.Id, r.AgencyId, r.Informed != 0);
    }

    private sealed class QueueRow
    {
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public string? DistrictCode { get; init; }
        public string? DistrictName { get; init; }
        public string Description { get; init; } = "";
        public string? CylinderCode { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? DueAt { get; init; }
        public int? ClaimedBy { get; init; }
        public string? ClaimedByName { get; init; }
        public string? HandlingAgency { get; init; }
    }

    /// <summary>An agency's queue (or the complaints it is informed of), soonest deadline first, with counts per state.</summary>
    public async Task<QueueResult> QueueAsync(int agencyId, int staffId, QueueFilter f, int pageSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var states = f.State switch
        {
            null or "" or "open" => OpenStates,
            "all" => AllStates,
            var s => AllStates.Contains(s) ? [s] : OpenStates,
        };
        DateTime? dueBefore = f.Due switch { "overdue" => now, "24h" => now.AddHours(24), "72h" => now.AddHours(72), _ => null };
        var args = new
        {
            agencyId, states, q = Blank(f.Search)?.ToUpperInvariant(), category = Blank(f.Category), district = Blank(f.District), dueBefore,
            claim = f.Claim is "me" or "unclaimed" ? f.Claim : ClaimedBy(f.Claim) is null ? null : "staff", claimedBy = ClaimedBy(f.Claim), me = staffId, take = pageSize, skip = (Math.Max(1, f.Page) - 1) * pageSize,
        };
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<QueueRow>(new CommandDefinition(f.Informed ? InformedQueueSql : HandlingQueueSql, args, cancellationToken: ct));
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition(f.Informed ? InformedCountSql : HandlingCountSql, args, cancellationToken: ct));
        var counts = (await conn.QueryAsync<(string Status, long N)>(new CommandDefinition(CountsSql, new { agencyId }, cancellationToken: ct)))
            .ToDictionary(x => x.Status, x => (int)x.N);
        var items = rows.Select(r => new QueueItem(r.Number, r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.Status,
            ComplaintStatus.Label(r.Status), r.DistrictCode, r.DistrictName, r.Description.Length > 60 ? r.Description[..60] + "…" : r.Description,
            r.CylinderCode, ShanghaiTime.FromUtc(r.CreatedAt), r.DueAt is { } d ? ShanghaiTime.FromUtc(d) : null,
            r.DueAt < now && OpenStates.Contains(r.Status), r.ClaimedBy, r.ClaimedByName, r.HandlingAgency)).ToList();
        return new QueueResult(items, Math.Max(1, f.Page), pageSize, total, counts);
    }

    private sealed class AgencyOpenRow
    {
        public long Open { get; init; }
        public decimal Overdue { get; init; }
        public decimal UnclaimedOpen { get; init; }
        public decimal UnclaimedOverdue { get; init; }
    }

    private sealed class HandlerRow
    {
        public int StaffId { get; init; }
        public string Name { get; init; } = "";
        public string Role { get; init; } = "";
        public long Open { get; init; }
        public decimal Overdue { get; init; }
    }

    /// <summary>Per-handler load and overdue counts of an agency, for its supervisors.</summary>
    public async Task<TeamLoad> TeamAsync(int agencyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        var handlers = (await conn.QueryAsync<HandlerRow>(new CommandDefinition(TeamSql, new { agencyId, now, open = OpenStates }, cancellationToken: ct)))
            .Select(h => new HandlerLoad(h.StaffId, h.Name, h.Role, (int)h.Open, (int)h.Overdue)).ToList();
        var a = await conn.QuerySingleAsync<AgencyOpenRow>(new CommandDefinition(AgencyOpenSql, new { agencyId, now, open = OpenStates }, cancellationToken: ct));
        return new TeamLoad(handlers, (int)a.UnclaimedOpen, (int)a.UnclaimedOverdue, (int)a.Open, (int)a.Overdue);
    }

    private sealed class DetailRow
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public string Description { get; init; } = "";
        public string? CylinderCode { get; init; }
        public string? CardSnapshot { get; init; }
        public decimal? Latitude { get; init; }
        public decimal? Longitude { get; init; }
        public string? DistrictCode { get; init; }
        public string? DistrictName { get; init; }
        public string? Address { get; init; }
        public string? ContactPhoneMasked { get; init; }
        public int? AgencyId { get; init; }
        public string? Agency { get; init; }
        public string? PublicReply { get; init; }
        public sbyte? Rating { get; init; }
        public string? RatingComment { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? DueAt { get; init; }
        public int? ClaimedBy { get; init; }
        public string? ClaimedByName { get; init; }
        public string? DuplicateOf { get; init; }
        public string? Outcome { get; init; }
    }

    private sealed class HistoryRow
    {
        public DateTime At { get; init; }
        public string Kind { get; init; } = "";
        public string Actor { get; init; } = "";
        public bool IsPublic { get; init; }
        public string? Text { get; init; }
        public string? Agency { get; init; }
    }

    /// <summary>The complaint with its photos and its full history (internal steps too). Callers check access first.</summary>
    public async Task<StaffComplaint?> DetailAsync(long id, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<DetailRow>(new CommandDefinition(DetailSql, new { id }, cancellationToken: ct));
        if (r is null) return null;
        var photos = (await conn.QueryAsync<string>(new CommandDefinition(PhotosSql, new { id }, cancellationToken: ct))).ToList();
        var events = (await conn.QueryAsync<HistoryRow>(new CommandDefinition(HistorySql, new { id }, cancellationToken: ct))).ToList();
        var staffIds = events.Select(e => StaffId(e.Actor)).OfType<int>().Distinct().ToList();
        var names = staffIds.Count == 0 ? new Dictionary<int, string>()
            : (await conn.QueryAsync<(int Id, string Name, string Agency)>(new CommandDefinition(StaffNamesSql, new { ids = staffIds }, cancellationToken: ct)))
                .ToDictionary(x => x.Id, x => $"{x.Name}（{x.Agency}）");
        var history = events.Select(e => new HistoryEntry(ShanghaiTime.FromUtc(e.At), e.Kind, KindLabel(e.Kind), e.Actor switch
        {
            "complainant" => "投诉人",
            "system" => "系统",
            var a when StaffId(a) is int s => names.GetValueOrDefault(s, a),
            var a => a,
        }, e.IsPublic, e.Text, e.Agency)).ToList();
        return new StaffComplaint(r.Id, r.Number, r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.Status, ComplaintStatus.Label(r.Status),
            r.Description, r.CylinderCode, r.CardSnapshot, (double?)r.Latitude, (double?)r.Longitude, r.DistrictCode, r.DistrictName, r.Address,
            r.ContactPhoneMasked, photos, r.AgencyId, r.Agency, r.PublicReply, r.Rating, r.RatingComment, ShanghaiTime.FromUtc(r.CreatedAt),
            r.DueAt is { } d ? ShanghaiTime.FromUtc(d) : null, r.DueAt < now && OpenStates.Contains(r.Status), r.ClaimedBy, r.ClaimedByName,
            r.DuplicateOf, r.Outcome, HandlingOutcomes.Label(r.Outcome), history);
    }

    private static int? StaffId(string actor) => actor.StartsWith("staff:", StringComparison.Ordinal) && int.TryParse(actor.AsSpan(6), out var id) ? id : null;

    public static string KindLabel(string kind) => kind switch
    {
        "submitted" => "提交投诉",
        "routed" => "分派",
        "informed" => "抄送",
        "claimed" => "认领",
        "released" => "取消认领",
        "in_progress" => "开始办理",
        "note" => "内部备注",
        "waiting_info" => "请投诉人补充材料",
        "info_supplied" => "投诉人补充材料",
        "transferred" => "转办",
        "duplicate" => "标记为重复投诉",
        "resolved" => "办结",
        "rejected" => "退回（不属于本单位职责）",
        "deadline_warning" => "即将到期提醒",
        "escalated" => "超期升级督办",
        "withdrawn" => "投诉人撤回",
        "rated" => "投诉人评价",
        "closed" => "关闭",
        "scan_matched" => "配送记录补报，进货扫码已核对",
        _ => kind,
    };

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
        Func<Step, Task<(HandlingOutcome Outcome, long? Notification)>> action, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await conn.ExecuteAsync(new CommandDefinition(EnsureHandlingSql, new { id }, tx, cancellationToken: ct));
        var state = await conn.QuerySingleOrDefaultAsync<Locked>(new CommandDefinition(LockSql, new { id }, tx, cancellationToken: ct));
        if (state is null || state.AgencyId != handler.AgencyId) return new HandlingOutcome.NotFound();
        if (requireOpen && !OpenStates.Contains(state.Status))
            return new HandlingOutcome.Conflict($"投诉当前状态为“{ComplaintStatus.Label(state.Status)}”，不能再办理。");
        if (requireClaimable && state.ClaimedBy is int other && other != handler.StaffId && !handler.Supervisor)
            return new HandlingOutcome.Conflict("这件投诉已由其他人员认领；请先联系认领人或科室负责人。");
        var (outcome, notification) = await action(new Step(conn, tx, state, clock.GetUtcNow().UtcDateTime, ct));
        if (outcome is not HandlingOutcome.Done) return outcome;
        await tx.CommitAsync(ct);
        if (notification is long n) notifications.Enqueue(n);
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
            var n = await s.ScalarAsync<long>(ComplaintNotifications.InsertSql,
                new { ComplaintId = id, Kind = ComplaintNotifications.InfoRequestedPrefix + eventId, Now = s.Now });
            return (Done, n);
        }, ct);
    }

    /// <summary>Hands the complaint to another agency, with the reason; the new agency gets a fresh deadline of the same length.</summary>
    public async Task<HandlingOutcome> TransferAsync(long id, Handler h, string? agencyCode, string? reason, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 500) errors["reason"] = ["请填写转办理由（不超过500字）。"];
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
            await EventAsync(s, id, "transferred", h, true, reason!.Trim(), to);
            return (Done, null);
        }, ct);
    }

    /// <summary>Closes the complaint as a duplicate of another this agency handles or is informed of.</summary>
    public async Task<HandlingOutcome> MarkDuplicateAsync(long id, Handler h, string? ofNumber, CancellationToken ct)
    {
        long? target = null;
        if (!string.IsNullOrWhiteSpace(ofNumber))
        {
            await using var conn = await db.OpenAsync(ct);
            target = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(DuplicateTargetSql, new { number = ofNumber.Trim(), agencyId = h.AgencyId }, cancellationToken: ct));
        }
        if (target is null) return Invalid("duplicateOf", $"找不到本单位的投诉“{ofNumber}”；请填写本单位办理或知悉的投诉编号。");
        if (target == id) return Invalid("duplicateOf", "不能标记为与自身重复。");
        return await ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            await s.ExecAsync(StatusSql, new { id, status = ComplaintStatus.Duplicate, now = s.Now });
            await s.ExecAsync(DuplicateSql, new { id, target, staffId = h.StaffId, now = s.Now });
            await EventAsync(s, id, "duplicate", h, true, $"与投诉 {ofNumber!.Trim()} 反映的是同一问题，合并办理。", h.AgencyId);
            return (Done, null);
        }, ct);
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
            var n = await s.ScalarAsync<long>(ComplaintNotifications.InsertSql, new { ComplaintId = id, Kind = ComplaintNotifications.Resolved, Now = s.Now });
            return (Done, n);
        }, ct);
    }

    /// <summary>Rejects as not this agency's responsibility, with the reason and where the complainant should turn instead.</summary>
    public Task<HandlingOutcome> RejectAsync(long id, Handler h, string? reason, string? suggestion, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > 500) errors["reason"] = ["请填写不属于本单位职责的理由（不超过500字）。"];
        if (suggestion?.Trim().Length > 200) errors["suggestion"] = ["建议受理单位不超过200字。"];
        if (errors.Count > 0) return Task.FromResult<HandlingOutcome>(new HandlingOutcome.Invalid(errors));
        var text = reason!.Trim() + (string.IsNullOrWhiteSpace(suggestion) ? "" : $"。建议向{suggestion.Trim()}反映。");
        return ActAsync(id, h, requireOpen: true, requireClaimable: true, async s =>
        {
            await s.ExecAsync(RejectSql, new { id, reply = text, now = s.Now });
            await s.ExecAsync(CloseSql, new { id, outcome = "not_responsible", staffId = h.StaffId, now = s.Now });
            await EventAsync(s, id, "rejected", h, true, text, h.AgencyId);
            var n = await s.ScalarAsync<long>(ComplaintNotifications.InsertSql, new { ComplaintId = id, Kind = ComplaintNotifications.Resolved, Now = s.Now });
            return (Done, n);
        }, ct);
    }

    private static HandlingOutcome Invalid(string field, string message) => new HandlingOutcome.Invalid(new() { [field] = [message] });

    private static HandlingOutcome? Required(string? text, string field, string message, int max) =>
        string.IsNullOrWhiteSpace(text) || text.Trim().Length > max ? Invalid(field, $"{message}（不超过{max}字）。") : null;

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>"staff:12" → 12: the complaints one member claimed (the supervisors' view of a member's load).</summary>
    private static int? ClaimedBy(string? claim) =>
        claim is not null && claim.StartsWith("staff:", StringComparison.Ordinal) && int.TryParse(claim.AsSpan(6), out var id) ? id : null;
}
