using System.Data;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using CylinderTrace.Staff;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Supervision;

public sealed record NewJointCase(string? SourceKind, string? SourceRef, string? Title, IReadOnlyList<string>? Agencies, string? Summary);
public sealed record JointCaseAction(string? Text);
public sealed record NewReferral(string? PoliceUnit, string? Reason);
public sealed record ReferralOutcome(string? Status, string? Text);
public sealed record JointCaseClose(string? Conclusion);

public sealed record JointCaseAgency(int Id, string Code, string Name, string Role);
public sealed record JointCaseStep(DateTimeOffset At, string Agency, string Kind, string Label, string? Text);
public sealed record JointCaseReferral(long Id, string Agency, DateTimeOffset ReferredAt, string PoliceUnit, string Reason, string Status, string StatusLabel,
    DateTimeOffset? OutcomeAt, string? OutcomeText);
public sealed record JointCase(string Number, string SourceKind, string SourceLabel, string SourceRef, string Title, string Status, string StatusLabel,
    int LeadAgencyId, string LeadAgency, DateTimeOffset CreatedAt, DateTimeOffset? ClosedAt, string? Conclusion, IReadOnlyList<JointCaseAgency> Agencies,
    IReadOnlyList<JointCaseStep> Timeline, IReadOnlyList<JointCaseReferral> Referrals);

public abstract record JointCaseResult
{
    public sealed record Done(JointCase Case) : JointCaseResult;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : JointCaseResult;
    public sealed record NotFound : JointCaseResult;
    public sealed record Forbidden(string Message) : JointCaseResult;
    public sealed record Conflict(string Message) : JointCaseResult;
}

/// <summary>
/// Joint enforcement cases (联合执法, issue 18 item 5). A member of the agency that holds a complaint, a fill violation or a
/// black-gas lead (a seizure it made, or scans in its jurisdiction) opens one case file for it and shares it with other agencies
/// (e.g. the gas authority, market supervision, fire brigade, public security); each participating agency records its actions in the
/// one timeline; the lead agency refers the case to the police (行刑衔接: a suspected crime, e.g. illegal business operation or a
/// major hidden danger, is handed to public security) and records what became of the referral (accepted / declined / concluded), and
/// closes the case with its conclusion. One case per source. Who may see a case: the members of its agencies (anyone else gets 404,
/// as for a number that does not exist); who may act: their handlers, supervisors and inspectors (administrators read).
/// </summary>
public sealed class JointCases(Db db, Agencies agencies, TimeProvider clock)
{
    public static string SourceLabel(string kind) => kind switch
    {
        "complaint" => "投诉",
        "violation" => "违规充装",
        "black_gas" => "黑气线索",
        _ => kind,
    };

    public static string StatusLabel(string status) => status == "open" ? "联合办理中" : "已结案";

    public static string StepLabel(string kind) => kind switch
    {
        "opened" => "立案并发起联合执法",
        "shared" => "加入联合执法",
        "action" => "办理情况",
        "referred" => "移送公安机关",
        "referral_accepted" => "公安机关已立案",
        "referral_declined" => "公安机关不予立案",
        "referral_concluded" => "公安机关办结",
        "closed" => "结案",
        _ => kind,
    };

    public static string ReferralLabel(string status) => status switch
    {
        "referred" => "已移送，待公安机关反馈",
        "accepted" => "公安机关已立案",
        "declined" => "公安机关不予立案",
        "concluded" => "公安机关已办结",
        _ => status,
    };

    private const string ParticipatesSql = "SELECT 1 FROM joint_case_agencies WHERE case_id = @id AND agency_id = @agencyId";
    private const string CaseSql =
        """
        SELECT j.id, j.number, j.source_kind AS SourceKind, j.source_ref AS SourceRef, j.title, j.status, j.lead_agency_id AS LeadAgencyId, a.name AS LeadAgency,
               j.created_at AS CreatedAt, j.closed_at AS ClosedAt, j.conclusion
        FROM joint_cases j JOIN agencies a ON a.id = j.lead_agency_id
        """;

    private sealed class CaseRow
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public string SourceKind { get; init; } = "";
        public string SourceRef { get; init; } = "";
        public string Title { get; init; } = "";
        public string Status { get; init; } = "";
        public int LeadAgencyId { get; init; }
        public string LeadAgency { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime? ClosedAt { get; init; }
        public string? Conclusion { get; init; }
    }

    private static bool MayAct(StaffMember me) => !me.IsAdministrator;

    /// <summary>Whether the member's agency holds the source: the complaint's or the violation's handling agency; a black-gas lead it seized or that was scanned in its jurisdiction.</summary>
    private async Task<(bool Exists, bool Holds)> SourceAsync(MySqlConnection conn, StaffMember me, string kind, string reference, CancellationToken ct)
    {
        switch (kind)
        {
            case "complaint":
                {
                    var agency = await conn.QuerySingleOrDefaultAsync<int?>(new CommandDefinition("SELECT agency_id FROM complaints WHERE number = @reference", new { reference }, cancellationToken: ct));
                    var exists = await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM complaints WHERE number = @reference", new { reference }, cancellationToken: ct)) > 0;
                    return (exists, exists && agency == me.AgencyId);
                }
            case "violation":
                {
                    var agency = await conn.QuerySingleOrDefaultAsync<int?>(new CommandDefinition("SELECT agency_id FROM fill_violations WHERE number = @reference", new { reference }, cancellationToken: ct));
                    return (agency is not null, agency == me.AgencyId);
                }
            default:
                {
                    var district = await agencies.DistrictAsync(me.AgencyId, ct);
                    var seized = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                        "SELECT COUNT(*) FROM black_gas_detentions WHERE cylinder_code = @reference AND agency_id = @agencyId", new { reference, agencyId = me.AgencyId }, cancellationToken: ct));
                    var scanned = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                        "SELECT COUNT(*) FROM unregistered_scans WHERE cylinder_code = @reference AND (@all = 1 OR district_code = @district)",
                        new { reference, all = district == Districts.City ? 1 : 0, district }, cancellationToken: ct));
                    return (seized + scanned > 0 || await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                        "SELECT COUNT(*) FROM unregistered_scans WHERE cylinder_code = @reference", new { reference }, cancellationToken: ct)) > 0, seized + scanned > 0);
                }
        }
    }

    /// <summary>Opens a joint case for a source the member's agency holds, shared with the named agencies (by code).</summary>
    public async Task<JointCaseResult> OpenAsync(StaffMember me, NewJointCase body, CancellationToken ct)
    {
        if (!MayAct(me)) return new JointCaseResult.Forbidden("系统管理员不办理案件：请由承办人员、科室负责人或执法检查人员发起联合执法。");
        var errors = new Dictionary<string, string[]>();
        var kind = body.SourceKind?.Trim() ?? "";
        var reference = body.SourceRef?.Trim().ToUpperInvariant() ?? "";
        var title = body.Title?.Trim() ?? "";
        var summary = body.Summary?.Trim();
        if (kind is not ("complaint" or "violation" or "black_gas")) errors["sourceKind"] = ["来源应为 complaint（投诉）、violation（违规充装）或 black_gas（黑气线索）。"];
        if (reference.Length is < 4 or > 40) errors["sourceRef"] = ["请填写投诉编号、违规充装编号或未登记的气瓶码。"];
        if (title.Length is < 4 or > 200) errors["title"] = ["请写明案由（4到200字）。"];
        if (summary is { Length: > 2000 }) errors["summary"] = ["案情摘要不超过2000字。"];
        var codes = (body.Agencies ?? []).Select(a => a?.Trim() ?? "").Where(a => a.Length > 0).Distinct().ToList();
        if (codes.Count is 0 or > 10) errors["agencies"] = ["请选择1到10个协办单位（单位代码，如 gas-350102、police-350102）。"];
        if (errors.Count > 0) return new JointCaseResult.Invalid(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        long id;
        await using (var conn = await db.OpenAsync(ct))
        {
            var (exists, holds) = await SourceAsync(conn, me, kind, reference, ct);
            if (!exists || !holds) return new JointCaseResult.Invalid(new() { ["sourceRef"] = [$"本单位没有这个{SourceLabel(kind)}（{reference}），或它不由本单位办理。"] });
            var partners = (await conn.QueryAsync<(int Id, string Code)>(new CommandDefinition(
                "SELECT id, code FROM agencies WHERE code IN @codes", new { codes }, cancellationToken: ct))).ToList();
            var unknown = codes.Except(partners.Select(p => p.Code), StringComparer.Ordinal).ToList();
            if (unknown.Count > 0) return new JointCaseResult.Invalid(new() { ["agencies"] = [$"没有这些单位：{string.Join("、", unknown)}。"] });
            partners.RemoveAll(p => p.Id == me.AgencyId);
            if (partners.Count == 0) return new JointCaseResult.Invalid(new() { ["agencies"] = ["联合执法至少要有一个其他单位参加。"] });
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            try
            {
                id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                    """
                    INSERT INTO joint_cases (source_kind, source_ref, title, lead_agency_id, created_by, created_at, status)
                    VALUES (@kind, @reference, @title, @agencyId, @staffId, @now, 'open');
                    SELECT LAST_INSERT_ID();
                    """, new { kind, reference, title, agencyId = me.AgencyId, staffId = me.Id, now }, tx, cancellationToken: ct));
            }
            catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
            {
                await tx.RollbackAsync(ct);
                var existing = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
                    "SELECT number FROM joint_cases WHERE source_kind = @kind AND source_ref = @reference", new { kind, reference }, cancellationToken: ct));
                return new JointCaseResult.Conflict($"这个{SourceLabel(kind)}已有联合执法案件 {existing}。");
            }
            var number = $"LH{ShanghaiTime.FromUtc(now):yyyyMMdd}{id:D6}";
            await conn.ExecuteAsync(new CommandDefinition("UPDATE joint_cases SET number = @number WHERE id = @id", new { number, id }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO joint_case_agencies (case_id, agency_id, role, joined_at) VALUES (@id, @agencyId, 'lead', @now)", new { id, agencyId = me.AgencyId, now }, tx, cancellationToken: ct));
            await StepAsync(conn, tx, id, me, "opened", summary is { Length: > 0 } ? summary : title, now, ct);
            foreach (var p in partners)
            {
                await conn.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO joint_case_agencies (case_id, agency_id, role, joined_at) VALUES (@id, @agencyId, 'partner', @now)", new { id, agencyId = p.Id, now }, tx, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO joint_case_events (case_id, at, agency_id, staff_id, kind, text) VALUES (@id, @now, @agencyId, @staffId, 'shared', NULL)",
                    new { id, now, agencyId = p.Id, staffId = me.Id }, tx, cancellationToken: ct));
            }
            await tx.CommitAsync(ct);
        }
        return new JointCaseResult.Done((await ViewAsync(id, ct))!);
    }

    private static Task StepAsync(MySqlConnection conn, MySqlTransaction tx, long id, StaffMember me, string kind, string? text, DateTime now, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("INSERT INTO joint_case_events (case_id, at, agency_id, staff_id, kind, text) VALUES (@id, @now, @agencyId, @staffId, @kind, @text)",
            new { id, now, agencyId = me.AgencyId, staffId = me.Id, kind, text }, tx, cancellationToken: ct));

    /// <summary>Runs an action on a case the member's agency participates in (404 otherwise), under the case's row lock.</summary>
    private async Task<JointCaseResult> ActAsync(StaffMember me, string number, bool leadOnly, Func<MySqlConnection, MySqlTransaction, long, DateTime, Task<JointCaseResult?>> act,
        CancellationToken ct)
    {
        long id;
        await using (var conn = await db.OpenAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            var row = await conn.QuerySingleOrDefaultAsync<(long Id, int Lead, string Status)>(new CommandDefinition(
                "SELECT id, lead_agency_id, status FROM joint_cases WHERE number = @number FOR UPDATE", new { number }, tx, cancellationToken: ct));
            if (row.Id == 0 || await conn.ExecuteScalarAsync<int?>(new CommandDefinition(ParticipatesSql, new { id = row.Id, agencyId = me.AgencyId }, tx, cancellationToken: ct)) is null)
                return new JointCaseResult.NotFound();
            if (!MayAct(me)) return new JointCaseResult.Forbidden("系统管理员只能查看联合执法案件。");
            if (leadOnly && row.Lead != me.AgencyId) return new JointCaseResult.Forbidden("只有牵头单位可以办理这一步。");
            if (row.Status != "open") return new JointCaseResult.Conflict("案件已结案。");
            id = row.Id;
            if (await act(conn, tx, id, clock.GetUtcNow().UtcDateTime) is { } refused) return refused;
            await tx.CommitAsync(ct);
        }
        return new JointCaseResult.Done((await ViewAsync(id, ct))!);
    }

    /// <summary>A participating agency records what it did.</summary>
    public Task<JointCaseResult> AddActionAsync(StaffMember me, string number, string? text, CancellationToken ct)
    {
        text = text?.Trim();
        if (text is not { Length: >= 2 and <= 2000 }) return Task.FromResult<JointCaseResult>(new JointCaseResult.Invalid(new() { ["text"] = ["请写明办理情况（2到2000字）。"] }));
        return ActAsync(me, number, false, async (conn, tx, id, now) =>
        {
            await StepAsync(conn, tx, id, me, "action", text, now, ct);
            return null;
        }, ct);
    }

    /// <summary>The lead agency refers the case to a public security unit (行刑衔接).</summary>
    public Task<JointCaseResult> ReferAsync(StaffMember me, string number, NewReferral body, CancellationToken ct)
    {
        var unit = body.PoliceUnit?.Trim();
        var reason = body.Reason?.Trim();
        var errors = new Dictionary<string, string[]>();
        if (unit is not { Length: >= 2 and <= 100 }) errors["policeUnit"] = ["请写明接收移送的公安机关（如“福州市公安局鼓楼分局”）。"];
        if (reason is not { Length: >= 4 and <= 1000 }) errors["reason"] = ["请写明移送理由（涉嫌的违法犯罪事实，4到1000字）。"];
        if (errors.Count > 0) return Task.FromResult<JointCaseResult>(new JointCaseResult.Invalid(errors));
        return ActAsync(me, number, true, async (conn, tx, id, now) =>
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO joint_case_referrals (case_id, agency_id, referred_by, referred_at, police_unit, reason, status)
                VALUES (@id, @agencyId, @staffId, @now, @unit, @reason, 'referred')
                """, new { id, agencyId = me.AgencyId, staffId = me.Id, now, unit, reason }, tx, cancellationToken: ct));
            await StepAsync(conn, tx, id, me, "referred", $"移送{unit}：{reason}", now, ct);
            return null;
        }, ct);
    }

    /// <summary>The lead agency records the police's answer to a referral.</summary>
    public Task<JointCaseResult> RecordOutcomeAsync(StaffMember me, string number, long referralId, ReferralOutcome body, CancellationToken ct)
    {
        var status = body.Status?.Trim();
        var text = body.Text?.Trim();
        var errors = new Dictionary<string, string[]>();
        if (status is not ("accepted" or "declined" or "concluded")) errors["status"] = ["结果应为 accepted（已立案）、declined（不予立案）或 concluded（已办结）。"];
        if (text is not { Length: >= 2 and <= 1000 }) errors["text"] = ["请写明公安机关的反馈（文书编号、处理结果等，2到1000字）。"];
        if (errors.Count > 0) return Task.FromResult<JointCaseResult>(new JointCaseResult.Invalid(errors));
        return ActAsync(me, number, true, async (conn, tx, id, now) =>
        {
            var current = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
                "SELECT status FROM joint_case_referrals WHERE id = @referralId AND case_id = @id FOR UPDATE", new { referralId, id }, tx, cancellationToken: ct));
            if (current is null) return new JointCaseResult.NotFound();
            if (current is "declined" or "concluded") return new JointCaseResult.Conflict($"这次移送已有最终结果（{ReferralLabel(current)}）。");
            if (status == "accepted" && current == "accepted") return new JointCaseResult.Conflict("已记录公安机关立案。");
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE joint_case_referrals SET status = @status, outcome_at = @now, outcome_text = @text WHERE id = @referralId",
                new { referralId, status, now, text }, tx, cancellationToken: ct));
            await StepAsync(conn, tx, id, me, "referral_" + status, text, now, ct);
            return null;
        }, ct);
    }

    /// <summary>The lead agency closes the case with its conclusion.</summary>
    public Task<JointCaseResult> CloseAsync(StaffMember me, string number, string? conclusion, CancellationToken ct)
    {
        conclusion = conclusion?.Trim();
        if (conclusion is not { Length: >= 4 and <= 2000 }) return Task.FromResult<JointCaseResult>(new JointCaseResult.Invalid(new() { ["conclusion"] = ["请写明结案意见（4到2000字）。"] }));
        return ActAsync(me, number, true, async (conn, tx, id, now) =>
        {
            await conn.ExecuteAsync(new CommandDefinition("UPDATE joint_cases SET status = 'closed', closed_at = @now, conclusion = @conclusion WHERE id = @id",
                new { id, now, conclusion }, tx, cancellationToken: ct));
            await StepAsync(conn, tx, id, me, "closed", conclusion, now, ct);
            return null;
        }, ct);
    }

    /// <summary>A case as its participants see it (null: none, or the member's agency does not take part).</summary>
    public async Task<JointCase?> GetAsync(StaffMember me, string number, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var id = await conn.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT id FROM joint_cases WHERE number = @number", new { number }, cancellationToken: ct));
        if (id is null || await conn.ExecuteScalarAsync<int?>(new CommandDefinition(ParticipatesSql, new { id, agencyId = me.AgencyId }, cancellationToken: ct)) is null) return null;
        return await ViewAsync(id.Value, ct);
    }

    /// <summary>The cases the member's agency takes part in, open first, newest first.</summary>
    public async Task<IReadOnlyList<JointCase>> ListAsync(StaffMember me, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var ids = await conn.QueryAsync<long>(new CommandDefinition(
            """
            SELECT j.id FROM joint_cases j JOIN joint_case_agencies p ON p.case_id = j.id AND p.agency_id = @agencyId
            ORDER BY j.status = 'closed', j.created_at DESC LIMIT 200
            """, new { agencyId = me.AgencyId }, cancellationToken: ct));
        var list = new List<JointCase>();
        foreach (var id in ids) list.Add((await ViewAsync(id, ct))!);
        return list;
    }

    private async Task<JointCase?> ViewAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<CaseRow>(new CommandDefinition(CaseSql + " WHERE j.id = @id", new { id }, cancellationToken: ct));
        if (r is null) return null;
        var members = (await conn.QueryAsync<(int Id, string Code, string Name, string Role)>(new CommandDefinition(
            "SELECT a.id, a.code, a.name, p.role FROM joint_case_agencies p JOIN agencies a ON a.id = p.agency_id WHERE p.case_id = @id ORDER BY p.role = 'partner', a.code",
            new { id }, cancellationToken: ct))).Select(m => new JointCaseAgency(m.Id, m.Code, m.Name, m.Role)).ToList();
        var steps = (await conn.QueryAsync<(DateTime At, string Agency, string Kind, string? Text)>(new CommandDefinition(
            "SELECT e.at, a.name, e.kind, e.text FROM joint_case_events e JOIN agencies a ON a.id = e.agency_id WHERE e.case_id = @id ORDER BY e.at, e.id",
            new { id }, cancellationToken: ct))).Select(e => new JointCaseStep(ShanghaiTime.FromUtc(e.At), e.Agency, e.Kind, StepLabel(e.Kind), e.Text)).ToList();
        var referrals = (await conn.QueryAsync<(long Id, string Agency, DateTime At, string Unit, string Reason, string Status, DateTime? OutcomeAt, string? OutcomeText)>(
            new CommandDefinition(
                """
                SELECT r.id, a.name, r.referred_at, r.police_unit, r.reason, r.status, r.outcome_at, r.outcome_text
                FROM joint_case_referrals r JOIN agencies a ON a.id = r.agency_id WHERE r.case_id = @id ORDER BY r.referred_at, r.id
                """, new { id }, cancellationToken: ct)))
            .Select(x => new JointCaseReferral(x.Id, x.Agency, ShanghaiTime.FromUtc(x.At), x.Unit, x.Reason, x.Status, ReferralLabel(x.Status),
                x.OutcomeAt is { } o ? ShanghaiTime.FromUtc(o) : null, x.OutcomeText)).ToList();
        return new JointCase(r.Number, r.SourceKind, SourceLabel(r.SourceKind), r.SourceRef, r.Title, r.Status, StatusLabel(r.Status), r.LeadAgencyId, r.LeadAgency,
            ShanghaiTime.FromUtc(r.CreatedAt), r.ClosedAt is { } c ? ShanghaiTime.FromUtc(c) : null, r.Conclusion, members, steps, referrals);
    }
}
