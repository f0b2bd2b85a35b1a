using System.Globalization;
using CylinderTrace.Cylinders;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using Dapper;
using Microsoft.Extensions.Caching.Memory;
using MySqlConnector;

namespace CylinderTrace.Supervision;

/// <summary>One rule a violation broke, with its words.</summary>
public sealed record ViolationKind(string Code, string Label);

/// <summary>A step in a violation's handling.</summary>
public sealed record ViolationEvent(DateTimeOffset At, string Kind, string Label, string? StaffName, string Body);

/// <summary>A fill that broke the interlock, as the agency handling it sees it.</summary>
public sealed record FillViolation(
    string Number,
    int EnterpriseId,
    string Enterprise,
    string Station,
    string StationLicence,
    string CylinderCode,
    bool Registered,
    DateTimeOffset FilledAt,
    IReadOnlyList<ViolationKind> Kinds,
    string DistrictCode,
    string District,
    int AgencyId,
    string Agency,
    string Status,
    string StatusLabel,
    int? HandlerId,
    string? Handler,
    string? Outcome,
    string? OutcomeLabel,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<ViolationEvent> Events);

/// <summary>One page of a violation queue, with the total that matched.</summary>
public sealed record ViolationQueue(IReadOnlyList<FillViolation> Items, int Total, int Page, int PageSize);

/// <summary>
/// Violations of the filling interlock (issue 17): every stored fill that broke a rule (FillRules) becomes a case,
/// numbered WG + day + row id, routed to the market supervision bureau of the filling station's district (it licenses fillers under
/// TSG 23-2021; the city's bureau when the district has none), in the transaction that stores the fill. The filling
/// enterprise hears of it through its notification channel (webhook/pull) and its bound staff on the Official Account.
/// The bureau's handlers claim it, add notes and resolve it with an outcome; the city's bureau reads its districts' cases.
/// Violations count in enterprise scores and digests.
/// </summary>
public sealed class FillViolations(Db db, Agencies agencies, IMemoryCache memory, TimeProvider clock, IServiceProvider services)
    : IFillListener
{
    public const string NotificationKind = "fill_violations";
    public const string AgencyKind = "market_supervision";
    public const int MaxNoteLength = 1000;

    public static readonly IReadOnlyList<(string Code, string Label)> Outcomes =
    [
        ("warned", "责令改正并警告"),
        ("fined", "罚款"),
        ("licence_action", "暂停或吊销充装许可"),
        ("not_substantiated", "经核查不成立"),
    ];

    public static string OutcomeLabel(string? code) => Outcomes.FirstOrDefault(o => o.Code == code).Label ?? code ?? "";

    public static string StatusLabel(string status) => status switch
    {
        "open" => "待处理",
        "in_progress" => "处理中",
        "resolved" => "已办结",
        _ => status,
    };

    // A case's number: WG, the day it was recorded (Asia/Shanghai) and its row id (at least 8 digits; ids are unique, so
    // numbers are, with no counter for concurrent batches to wait on, and on Galera too, where ids interleave).
    private const string NumberSql =
        """
        UPDATE fill_violations SET number = CONCAT(@prefix, IF(id < 100000000, LPAD(id, 8, '0'), id))
        WHERE enterprise_id = @enterpriseId AND external_event_id IN @events AND number IS NULL
        """;
    private const string NumbersSql = "SELECT external_event_id AS EventId, number FROM fill_violations WHERE enterprise_id = @enterpriseId AND external_event_id IN @events";

    private const string InsertHead =
        "INSERT INTO fill_violations (enterprise_id, station_id, external_event_id, cylinder_id, cylinder_code, owner_id, filled_at, kinds, district_code, agency_id, status, created_at, updated_at) VALUES ";

    private const string SelectColumns =
        """
        SELECT v.id, v.number, v.enterprise_id AS EnterpriseId, e.name AS Enterprise, s.name AS Station, s.licence_number AS StationLicence, v.cylinder_code AS CylinderCode,
               v.cylinder_id AS CylinderId, v.filled_at AS FilledAt, v.kinds, v.district_code AS DistrictCode, d.name AS District, v.agency_id AS AgencyId, a.name AS Agency,
               v.status, v.handler_id AS HandlerId, st.display_name AS Handler, v.outcome, v.created_at AS CreatedAt, v.resolved_at AS ResolvedAt
        FROM fill_violations v
          JOIN enterprises e ON e.id = v.enterprise_id JOIN enterprises s ON s.id = v.station_id
          JOIN agencies a ON a.id = v.agency_id JOIN districts d ON d.code = v.district_code
          LEFT JOIN staff st ON st.id = v.handler_id
        """;

    private const string ByNumberSql = SelectColumns + " WHERE v.number = @number";

    // The queue: the agency's own cases, or (a city-level agency) every case of its kind in its districts. Filters are optional.
    private const string QueueWhere =
        """
         WHERE (v.agency_id = @agencyId OR (@city = 1 AND a.kind = @kind))
           AND (@status IS NULL OR v.status = @status)
           AND (@kindFilter IS NULL OR FIND_IN_SET(@kindFilter, v.kinds) > 0)
           AND (@enterpriseId IS NULL OR v.enterprise_id = @enterpriseId)
           AND (@district IS NULL OR v.district_code = @district)
        """;

    private const string QueueSql = SelectColumns + QueueWhere + " ORDER BY v.created_at DESC, v.id DESC LIMIT @limit OFFSET @offset";

    private const string QueueCountSql =
        "SELECT COUNT(*) FROM fill_violations v JOIN agencies a ON a.id = v.agency_id" + QueueWhere;

    private const string EventsSql =
        """
        SELECT ev.at, ev.kind, st.display_name AS StaffName, ev.body FROM fill_violation_events ev LEFT JOIN staff st ON st.id = ev.staff_id
        WHERE ev.violation_id = @id ORDER BY ev.id
        """;

    private const string LockSql = "SELECT id, status, handler_id AS HandlerId, agency_id AS AgencyId FROM fill_violations WHERE number = @number FOR UPDATE";
    private const string ClaimSql = "UPDATE fill_violations SET status = 'in_progress', handler_id = @staffId, updated_at = @now WHERE id = @id";
    private const string ResolveSql = "UPDATE fill_violations SET status = 'resolved', outcome = @outcome, handler_id = COALESCE(handler_id, @staffId), resolved_at = @now, updated_at = @now WHERE id = @id";
    private const string EventSql = "INSERT INTO fill_violation_events (violation_id, at, staff_id, kind, body) VALUES (@id, @now, @staffId, @kind, @body)";

    /// <summary>What OnStoredAsync leaves for after the commit: the notification to queue and the numbers recorded.</summary>
    private sealed record Recorded(long NotificationId, int EnterpriseId, IReadOnlyList<string> Numbers);

    public async Task<object?> OnStoredAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<JudgedFill> fills, CancellationToken ct)
    {
        var broken = fills.Where(f => f.Broken.Count > 0).ToList();
        if (broken.Count == 0) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = new List<object?[]>(broken.Count);
        var agencies = new List<AgencyView>(broken.Count);
        foreach (var f in broken)
        {
            var district = f.StationDistrict.Length > 0 ? f.StationDistrict : Districts.City;
            var agency = await AgencyForAsync(district, ct);
            agencies.Add(agency);
            rows.Add([f.EnterpriseId, f.StationId, f.EventId, f.CylinderId, f.CylinderCode, f.OwnerId, f.FilledAtUtc, string.Join(",", f.Broken.Select(b => b.Code)),
                district, agency.Id, "open", now, now]);
        }
        await MultiRow.ExecuteAsync(conn, tx, InsertHead, "", 13, rows, r => r, ct);
        // Every fill of one batch is the caller's; its event ids are unique for it, so they name this batch's rows.
        var enterpriseId = broken[0].EnterpriseId;
        var events = broken.Select(f => f.EventId).ToList();
        var prefix = "WG" + ShanghaiTime.Today(clock).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        await conn.ExecuteAsync(new CommandDefinition(NumberSql, new { prefix, enterpriseId, events }, tx, cancellationToken: ct));
        var byEvent = (await conn.QueryAsync<(string EventId, string Number)>(new CommandDefinition(NumbersSql, new { enterpriseId, events }, tx, cancellationToken: ct)))
            .ToDictionary(r => r.EventId, r => r.Number, StringComparer.Ordinal);
        var numbers = broken.Select(f => byEvent[f.EventId]).ToList();
        var payload = broken.Select((f, i) => (object)new
        {
            number = numbers[i], eventId = f.EventId, cylinderCode = f.CylinderCode, filledAt = ShanghaiTime.FromUtc(f.FilledAtUtc),
            kinds = f.Broken.Select(b => new { code = b.Code, label = b.Label }), agency = agencies[i].Name,
        }).ToList();
        var notification = await EnterpriseNotifications.InsertAsync(conn, tx, enterpriseId, NotificationKind, new
        {
            count = broken.Count,
            message = $"{broken.Count}条充装记录违反充装联锁规定，已记录为违规并移送辖区市场监督管理局处理。",
            violations = payload,
        }, now, ct);
        return new Recorded(notification, enterpriseId, numbers);
    }

    public Task AfterCommitAsync(object? state, CancellationToken ct)
    {
        if (state is not Recorded r) return Task.CompletedTask;
        services.GetRequiredService<EnterpriseNotifications>().Enqueue(r.NotificationId);
        services.GetRequiredService<ViolationNotices>().Enqueue(r.EnterpriseId, r.Numbers);
        return Task.CompletedTask;
    }

    /// <summary>The market supervision bureau of a district, or the city's when the district has none.</summary>
    private async Task<AgencyView> AgencyForAsync(string district, CancellationToken ct)
    {
        var bureaus = await memory.GetOrCreateAsync("fill-violations:bureaus", async e =>
        {
            e.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10);
            // The reference bureau of each district (migration 0002's, the first of its kind there).
            return (await agencies.ListAsync(ct)).Where(a => a.Kind == AgencyKind).GroupBy(a => a.DistrictCode).ToDictionary(g => g.Key, g => g.MinBy(a => a.Id)!);
        }) ?? [];
        return bureaus.GetValueOrDefault(district) ?? bureaus.GetValueOrDefault(Districts.City)
            ?? throw new InvalidOperationException("No market supervision bureau in the reference data (migration 0002).");
    }

    // ---- the console ----

    public sealed record QueueFilter(string? Status, string? Kind, int? EnterpriseId, string? District, int Page, int PageSize);

    /// <summary>The queue an agency sees: its own cases; a city-level bureau also its districts' cases.</summary>
    public async Task<ViolationQueue> QueueAsync(int agencyId, QueueFilter f, CancellationToken ct)
    {
        var me = (await agencies.ListAsync(ct)).FirstOrDefault(a => a.Id == agencyId);
        var args = new
        {
            agencyId, city = me?.DistrictCode == Districts.City ? 1 : 0, kind = me?.Kind ?? "", status = f.Status, kindFilter = f.Kind, enterpriseId = f.EnterpriseId,
            district = f.District, limit = f.PageSize, offset = (f.Page - 1) * f.PageSize,
        };
        await using var conn = await db.OpenAsync(ct);
        var total = await conn.ExecuteScalarAsync<int>(new CommandDefinition(QueueCountSql, args, cancellationToken: ct));
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(QueueSql, args, cancellationToken: ct));
        return new ViolationQueue(rows.Select(r => r.ToView([])).ToList(), total, f.Page, f.PageSize);
    }

    private const string OfEnterpriseWhere = " WHERE v.enterprise_id = @enterpriseId AND (@status IS NULL OR v.status = @status)";
    private const string OfEnterpriseSql = SelectColumns + OfEnterpriseWhere + " ORDER BY v.created_at DESC, v.id DESC LIMIT @limit OFFSET @offset";
    private const string OfEnterpriseCountSql = "SELECT COUNT(*) FROM fill_violations v" + OfEnterpriseWhere;

    /// <summary>A filling enterprise's own violations (the integration API), newest first, without the bureau's internal notes.</summary>
    public async Task<ViolationQueue> OfEnterpriseAsync(int enterpriseId, string? status, int page, int pageSize, CancellationToken ct)
    {
        var args = new { enterpriseId, status, limit = pageSize, offset = (page - 1) * pageSize };
        await using var conn = await db.OpenAsync(ct);
        var total = await conn.ExecuteScalarAsync<int>(new CommandDefinition(OfEnterpriseCountSql, args, cancellationToken: ct));
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(OfEnterpriseSql, args, cancellationToken: ct));
        return new ViolationQueue(rows.Select(r => r.ToView([]) with { Handler = null, HandlerId = null }).ToList(), total, page, pageSize);
    }

    public async Task<FillViolation?> GetAsync(string number, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ByNumberSql, new { number }, cancellationToken: ct));
        if (row is null) return null;
        var events = (await conn.QueryAsync<EventRow>(new CommandDefinition(EventsSql, new { row.Id }, cancellationToken: ct)))
            .Select(e => new ViolationEvent(ShanghaiTime.FromUtc(DateTime.SpecifyKind(e.At, DateTimeKind.Utc)), e.Kind, EventLabel(e.Kind), e.StaffName, e.Body)).ToList();
        return row.ToView(events);
    }

    private const string OfCylinderSql = SelectColumns + " WHERE v.cylinder_code = @code ORDER BY v.filled_at DESC, v.id DESC LIMIT 100";

    /// <summary>
    /// The cases about one cylinder (newest fill first), for its file: each with whether the member may open it. The file
    /// shows every fill of the cylinder to every member already; the case's handling stays behind its own access check.
    /// </summary>
    public async Task<IReadOnlyList<(FillViolation Violation, bool MayOpen)>> OfCylinderAsync(Staff.StaffMember me, string code, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(OfCylinderSql, new { code }, cancellationToken: ct))).ToList();
        var list = new List<(FillViolation, bool)>();
        foreach (var r in rows)
        {
            var v = r.ToView([]);
            list.Add((v, await AccessAsync(me, v, ct) != Staff.ComplaintAccess.None));
        }
        return list;
    }

    /// <summary>Whether a member's agency sees the case: its own agency, or the city-level agency of the same kind.</summary>
    public async Task<Staff.ComplaintAccess> AccessAsync(Staff.StaffMember me, FillViolation v, CancellationToken ct)
    {
        if (v.AgencyId == me.AgencyId) return me.HandlesComplaints ? Staff.ComplaintAccess.Act : Staff.ComplaintAccess.Read;
        var mine = (await agencies.ListAsync(ct)).FirstOrDefault(a => a.Id == me.AgencyId);
        return mine is { Kind: AgencyKind } && mine.DistrictCode == Districts.City ? Staff.ComplaintAccess.Read : Staff.ComplaintAccess.None;
    }

    private static string EventLabel(string kind) => kind switch
    {
        "claimed" => "认领",
        "note" => "备注",
        "resolved" => "办结",
        _ => kind,
    };

    public abstract record ActionResult;
    public sealed record Done(FillViolation Violation) : ActionResult;
    public sealed record Invalid(string Field, string Message) : ActionResult;
    public sealed record Conflict(string Message) : ActionResult;
    public sealed record NotFound : ActionResult;

    public Task<ActionResult> ClaimAsync(Staff.StaffMember me, string number, CancellationToken ct) =>
        ActAsync(me, number, async (conn, tx, row, now) =>
        {
            if (row.Status == "resolved") return new Conflict("这起违规已办结，不能再认领。");
            if (row.HandlerId is int h && h != me.Id && !me.IsSupervisor) return new Conflict("这起违规已由其他人员认领。");
            await conn.ExecuteAsync(new CommandDefinition(ClaimSql, new { row.Id, staffId = me.Id, now }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(EventSql, new { row.Id, now, staffId = me.Id, kind = "claimed", body = "" }, tx, cancellationToken: ct));
            return null;
        }, ct);

    public Task<ActionResult> NoteAsync(Staff.StaffMember me, string number, string? text, CancellationToken ct)
    {
        var body = text?.Trim() ?? "";
        if (body.Length == 0) return Task.FromResult<ActionResult>(new Invalid("text", "请填写备注内容。"));
        if (body.Length > MaxNoteLength) return Task.FromResult<ActionResult>(new Invalid("text", $"备注不能超过{MaxNoteLength}字。"));
        return ActAsync(me, number, async (conn, tx, row, now) =>
        {
            await conn.ExecuteAsync(new CommandDefinition(EventSql, new { row.Id, now, staffId = me.Id, kind = "note", body }, tx, cancellationToken: ct));
            return null;
        }, ct);
    }

    public Task<ActionResult> ResolveAsync(Staff.StaffMember me, string number, string? outcome, string? note, CancellationToken ct)
    {
        if (Outcomes.All(o => o.Code != outcome))
            return Task.FromResult<ActionResult>(new Invalid("outcome", "处理结果应为 " + string.Join("、", Outcomes.Select(o => $"{o.Code}（{o.Label}）")) + " 之一。"));
        var body = note?.Trim() ?? "";
        if (body.Length == 0) return Task.FromResult<ActionResult>(new Invalid("note", "请写明处理情况（如处罚决定书文号、核查经过）。"));
        if (body.Length > MaxNoteLength) return Task.FromResult<ActionResult>(new Invalid("note", $"处理情况不能超过{MaxNoteLength}字。"));
        return ActAsync(me, number, async (conn, tx, row, now) =>
        {
            if (row.Status == "resolved") return new Conflict("这起违规已办结。");
            if (row.HandlerId is int h && h != me.Id && !me.IsSupervisor) return new Conflict("这起违规由其他人员认领办理；请由认领人或科室负责人办结。");
            await conn.ExecuteAsync(new CommandDefinition(ResolveSql, new { row.Id, outcome, staffId = me.Id, now }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(EventSql, new { row.Id, now, staffId = me.Id, kind = "resolved", body = OutcomeLabel(outcome) + "：" + body },
                tx, cancellationToken: ct));
            return null;
        }, ct, resolvedOutcome: outcome);
    }

    private async Task<ActionResult> ActAsync(Staff.StaffMember me, string number, Func<MySqlConnection, MySqlTransaction, LockRow, DateTime, Task<ActionResult?>> act,
        CancellationToken ct, string? resolvedOutcome = null)
    {
        var existing = await GetAsync(number, ct);
        if (existing is null) return new NotFound();
        var access = await AccessAsync(me, existing, ct);
        if (access == Staff.ComplaintAccess.None) return new NotFound();
        if (access != Staff.ComplaintAccess.Act) return new Conflict("只有承办单位的经办人员和科室负责人可以办理违规案件。");
        var now = clock.GetUtcNow().UtcDateTime;
        long? notification = null;
        await using (var conn = await db.OpenAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var row = await conn.QuerySingleAsync<LockRow>(new CommandDefinition(LockSql, new { number }, tx, cancellationToken: ct));
            if (await act(conn, tx, row, now) is { } refused) return refused;
            if (resolvedOutcome is not null)
                notification = await EnterpriseNotifications.InsertAsync(conn, tx, existing.EnterpriseId, "fill_violation_resolved", new
                {
                    number, cylinderCode = existing.CylinderCode, outcome = resolvedOutcome, outcomeLabel = OutcomeLabel(resolvedOutcome), agency = existing.Agency,
                }, now, ct);
            await tx.CommitAsync(ct);
        }
        if (notification is long id) services.GetRequiredService<EnterpriseNotifications>().Enqueue(id);
        return new Done((await GetAsync(number, ct))!);
    }

    private sealed class LockRow
    {
        public long Id { get; init; }
        public string Status { get; init; } = "";
        public int? HandlerId { get; init; }
        public int AgencyId { get; init; }
    }

    private sealed class EventRow
    {
        public DateTime At { get; init; }
        public string Kind { get; init; } = "";
        public string? StaffName { get; init; }
        public string Body { get; init; } = "";
    }

    private sealed class Row
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public int EnterpriseId { get; init; }
        public string Enterprise { get; init; } = "";
        public string Station { get; init; } = "";
        public string StationLicence { get; init; } = "";
        public string CylinderCode { get; init; } = "";
        public long? CylinderId { get; init; }
        public DateTime FilledAt { get; init; }
        public string Kinds { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string District { get; init; } = "";
        public int AgencyId { get; init; }
        public string Agency { get; init; } = "";
        public string Status { get; init; } = "";
        public int? HandlerId { get; init; }
        public string? Handler { get; init; }
        public string? Outcome { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? ResolvedAt { get; init; }

        public FillViolation ToView(IReadOnlyList<ViolationEvent> events) => new(Number, EnterpriseId, Enterprise, Station, StationLicence, CylinderCode, CylinderId is not null,
            Utc(FilledAt), Kinds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(k => new ViolationKind(k, FillRules.Find(k)?.Label ?? k)).ToList(),
            DistrictCode, District, AgencyId, Agency, Status, StatusLabel(Status), HandlerId, Handler, Outcome, Outcome is null ? null : OutcomeLabel(Outcome),
            Utc(CreatedAt), ResolvedAt is { } r ? Utc(r) : null, events);

        private static DateTimeOffset Utc(DateTime d) => ShanghaiTime.FromUtc(DateTime.SpecifyKind(d, DateTimeKind.Utc));
    }
}
