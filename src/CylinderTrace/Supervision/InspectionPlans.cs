using System.Globalization;
using System.Text.Json;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using CylinderTrace.Staff;
using Dapper;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Supervision;

/// <summary>How an inspection turned out, in the wording 双随机 results are published with.</summary>
public static class InspectionOutcomes
{
    public static readonly IReadOnlyList<(string Code, string Label)> All =
    [
        ("no_problem", "未发现问题"),
        ("rectification_ordered", "发现问题，已责令改正"),
        ("case_opened", "发现问题，已立案查处"),
        ("not_found", "未发现检查对象（停业或不在登记地址）"),
        ("refused", "不配合检查"),
    ];

    public static string Label(string? code) => All.FirstOrDefault(o => o.Code == code).Label ?? code ?? "";

    public static string ReasonLabel(string reason) => reason == "serious_violation" ? "有未结的严重违规充装，必查" : "随机抽取";

    public static string StratumLabel(string stratum) => stratum == "U" ? "未评级" : stratum + "级";
}

public sealed record InspectionPlanSummary(long Id, int AgencyId, string AgencyName, string Month, string Seed, DateTimeOffset DrawnAt, int Candidates, int Targets, int Done);

public sealed record InspectionTarget(int EnterpriseId, string Enterprise, string EnterpriseKind, string DistrictCode, string Stratum, string Reason, string Key,
    int? InspectorA, string? InspectorAName, int? InspectorB, string? InspectorBName, string Status, string? Outcome, string? Findings, DateOnly? InspectedOn,
    IReadOnlyList<string> Photos);

public sealed record InspectionPlan(InspectionPlanSummary Summary, string Algorithm, IReadOnlyDictionary<string, double> Rates,
    IReadOnlyList<DrawCandidate> Candidates, IReadOnlyList<DrawInspector> Inspectors, IReadOnlyList<InspectionTarget> Targets);

/// <summary>What the public reads of a finished inspection (no inspector, no findings text: those may name people).</summary>
public sealed record PublicInspectionResult(long PlanId, string Agency, string Month, int EnterpriseId, string Enterprise, DateOnly InspectedOn, string Outcome, string OutcomeLabel);

public sealed record FindingRequest(string? Outcome, string? Findings, DateOnly? InspectedOn, IReadOnlyList<string>? PhotoIds);

public abstract record PlanResult
{
    public sealed record Done(InspectionPlan Plan) : PlanResult;
    public sealed record NotFound : PlanResult;
    public sealed record Forbidden(string Message) : PlanResult;
    public sealed record Conflict(string Message) : PlanResult;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : PlanResult;
}

/// <summary>
/// 双随机、一公开 (docs/SCORING.md): each month each agency with at least two active inspectors draws its inspection targets
/// among the active enterprises of its jurisdiction (a city agency: the whole city) with <see cref="InspectionDraw"/>, from a
/// seed made at the draw (or given) that is published with the candidate list; the pair inspects and records the outcome,
/// the findings and photos; finished inspections are published (<see cref="PublicCredit"/>). A plan is drawn once per agency
/// and month (unique), by the monthly job, the `inspections draw` command or the console.
/// </summary>
public sealed class InspectionPlans(Db db, ReportDb reports, Agencies agencies, PhotoStore photos, IOptions<RandomInspectionOptions> options, TimeProvider clock,
    ILogger<InspectionPlans> logger)
{
    public const string JobId = "inspection-plans-monthly";
    public const int MaxPhotos = 9;

    private const string CandidatesSql =
        """
        SELECT e.id, e.name, e.district_code AS DistrictCode, s.grade FROM enterprises e
          LEFT JOIN enterprise_scores s ON s.enterprise_id = e.id AND s.period = 'rolling30'
            AND s.period_start = (SELECT MAX(period_start) FROM enterprise_scores WHERE period = 'rolling30')
        WHERE e.status = 'active' ORDER BY e.id
        """;
    private const string OpenViolationsSql = "SELECT enterprise_id, kinds FROM fill_violations WHERE status <> 'resolved' GROUP BY enterprise_id, kinds";
    private const string InspectorsSql = "SELECT id, display_name AS Name FROM staff WHERE agency_id = @agencyId AND role = 'inspector' AND disabled = 0 ORDER BY id";
    private const string InsertPlanSql =
        """
        INSERT INTO inspection_plans (agency_id, month, seed, algorithm, candidates, inspectors, drawn_at, drawn_by)
        VALUES (@agencyId, @month, @seed, @algorithm, @candidates, @inspectors, @now, @by)
        """;
    private const string InsertTargetSql =
        """
        INSERT INTO inspection_plan_targets (plan_id, enterprise_id, stratum, reason, draw_key, inspector_a, inspector_b)
        VALUES (@planId, @EnterpriseId, @Stratum, @Reason, @Key, @InspectorA, @InspectorB)
        """;
    private const string PlanIdSql = "SELECT id FROM inspection_plans WHERE agency_id = @agencyId AND month = @month";
    private const string SummarySelect =
        """
        SELECT p.id, p.agency_id AS AgencyId, a.name AS AgencyName, p.month, p.seed, p.drawn_at AS DrawnAt, JSON_LENGTH(p.candidates, '$.candidates') AS Candidates,
               (SELECT COUNT(*) FROM inspection_plan_targets t WHERE t.plan_id = p.id) AS Targets,
               (SELECT COUNT(*) FROM inspection_plan_targets t WHERE t.plan_id = p.id AND t.status = 'done') AS Done
        FROM inspection_plans p JOIN agencies a ON a.id = p.agency_id
        """;
    private const string ListSql = SummarySelect + " WHERE p.agency_id = @agencyId ORDER BY p.month DESC LIMIT 36";
    private const string ByIdSql = SummarySelect + " WHERE p.id = @planId";
    private const string MonthSql = SummarySelect + " WHERE p.month = @month AND p.agency_id IN @agencyIds ORDER BY a.name";
    private const string PublishedSql = SummarySelect + " WHERE p.month >= @since ORDER BY p.month DESC, a.name";
    private const string PlanDataSql = "SELECT algorithm, candidates, inspectors FROM inspection_plans WHERE id = @planId";
    private const string TargetsSql =
        """
        SELECT t.enterprise_id AS EnterpriseId, e.name AS Enterprise, e.kind AS EnterpriseKind, e.district_code AS DistrictCode, t.stratum, t.reason, t.draw_key AS DrawKey,
               t.inspector_a AS InspectorA, sa.display_name AS InspectorAName, t.inspector_b AS InspectorB, sb.display_name AS InspectorBName,
               t.status, t.outcome, t.findings, t.inspected_on AS InspectedOn
        FROM inspection_plan_targets t JOIN enterprises e ON e.id = t.enterprise_id
          LEFT JOIN staff sa ON sa.id = t.inspector_a LEFT JOIN staff sb ON sb.id = t.inspector_b
        WHERE t.plan_id = @planId ORDER BY t.draw_key, t.enterprise_id
        """;
    private const string PhotosSql = "SELECT enterprise_id AS EnterpriseId, sha256 FROM inspection_finding_photos WHERE plan_id = @planId ORDER BY enterprise_id, position";
    private const string LockTargetSql =
        """
        SELECT t.status, t.inspector_a AS InspectorA, t.inspector_b AS InspectorB, p.agency_id AS AgencyId, p.month
        FROM inspection_plan_targets t JOIN inspection_plans p ON p.id = t.plan_id WHERE t.plan_id = @planId AND t.enterprise_id = @enterpriseId FOR UPDATE
        """;
    private const string RecordSql =
        """
        UPDATE inspection_plan_targets SET status = 'done', outcome = @outcome, findings = @findings, inspected_on = @inspectedOn, recorded_by = @by, recorded_at = @now
        WHERE plan_id = @planId AND enterprise_id = @enterpriseId
        """;
    private const string InsertPhotoSql = "INSERT INTO inspection_finding_photos (plan_id, enterprise_id, sha256, position) VALUES (@planId, @enterpriseId, @sha, @position)";
    private const string PublicResultsSql =
        """
        SELECT p.id AS PlanId, a.name AS Agency, p.month, t.enterprise_id AS EnterpriseId, e.name AS Enterprise, t.inspected_on AS InspectedOn, t.outcome
        FROM inspection_plan_targets t JOIN inspection_plans p ON p.id = t.plan_id JOIN agencies a ON a.id = p.agency_id JOIN enterprises e ON e.id = t.enterprise_id
        WHERE t.status = 'done' AND t.inspected_on >= @since ORDER BY t.inspected_on DESC, e.name LIMIT 5000
        """;
    private const string AgenciesWithInspectorsSql =
        "SELECT agency_id FROM staff WHERE role = 'inspector' AND disabled = 0 GROUP BY agency_id HAVING COUNT(*) >= 2 ORDER BY agency_id";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record PublishedCandidates(string Agency, string Month, IReadOnlyDictionary<string, double> Rates, IReadOnlyList<DrawCandidate> Candidates);

    public static string MonthText(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The month's plan of every agency that has at least two active inspectors (the monthly job: this month, Asia/Shanghai).</summary>
    public async Task<int> DrawAllAsync(DateOnly month, CancellationToken ct)
    {
        List<int> ids;
        await using (var conn = await db.OpenAsync(ct))
            ids = (await conn.QueryAsync<int>(new CommandDefinition(AgenciesWithInspectorsSql, cancellationToken: ct))).ToList();
        var drawn = 0;
        foreach (var id in ids)
            if (await DrawAsync(id, month, null, null, ct) is PlanResult.Done) drawn++;
        logger.LogInformation("Inspection plans for {Month}: {Count} agencies", MonthText(month), drawn);
        return drawn;
    }

    public Task RunMonthlyAsync(CancellationToken ct)
    {
        var today = ShanghaiTime.Today(clock);
        return DrawAllAsync(new DateOnly(today.Year, today.Month, 1), ct);
    }

    /// <summary>
    /// Draws the agency's plan for the month (its first day) with the given seed, or a new one; the plan already drawn is returned
    /// as it is (a plan is never drawn twice: the draw is the record).
    /// </summary>
    public async Task<PlanResult> DrawAsync(int agencyId, DateOnly month, string? seed, int? by, CancellationToken ct)
    {
        month = new DateOnly(month.Year, month.Month, 1);
        var agency = (await agencies.ListAsync(ct)).FirstOrDefault(a => a.Id == agencyId);
        if (agency is null) return new PlanResult.NotFound();
        if (seed is not null && (seed.Length is < 8 or > 64 || !seed.All(char.IsAsciiLetterOrDigit)))
            return new PlanResult.Invalid(new() { ["seed"] = ["种子应为8到64位字母或数字。"] });
        await using var conn = await db.OpenAsync(ct);
        var monthDate = month.ToDateTime(TimeOnly.MinValue);
        if (await conn.ExecuteScalarAsync<long?>(new CommandDefinition(PlanIdSql, new { agencyId, month = monthDate }, cancellationToken: ct)) is { } existing)
            return new PlanResult.Done((await GetAsync(existing, ct))!);
        var inspectors = (await conn.QueryAsync<DrawInspector>(new CommandDefinition(InspectorsSql, new { agencyId }, cancellationToken: ct))).ToList();
        if (inspectors.Count < 2)
            return new PlanResult.Conflict("本单位在岗的执法检查人员不足两名，无法随机配对；请先在人员管理中添加执法检查人员。");
        var serious = options.Value.SeriousViolationKinds.ToHashSet(StringComparer.Ordinal);
        var mandatory = (await conn.QueryAsync<(int Enterprise, string Kinds)>(new CommandDefinition(OpenViolationsSql, cancellationToken: ct)))
            .Where(v => v.Kinds.Split(',').Any(serious.Contains)).Select(v => v.Enterprise).ToHashSet();
        var candidates = (await conn.QueryAsync<(int Id, string Name, string DistrictCode, string? Grade)>(new CommandDefinition(CandidatesSql, cancellationToken: ct)))
            .Where(e => agency.DistrictCode == Districts.City || e.DistrictCode == agency.DistrictCode)
            .Select(e => new DrawCandidate(e.Id, e.Name, e.Grade ?? "U", mandatory.Contains(e.Id))).ToList();
        seed ??= InspectionDraw.NewSeed();
        var rates = options.Value.Rates();
        var targets = InspectionDraw.Draw(seed, candidates, inspectors, rates);
        await using var tx = await conn.BeginTransactionAsync(ct);
        long planId;
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertPlanSql, new
            {
                agencyId, month = monthDate, seed, algorithm = InspectionDraw.Algorithm,
                candidates = JsonSerializer.Serialize(new PublishedCandidates(agency.Code, MonthText(month), rates, candidates), Json),
                inspectors = JsonSerializer.Serialize(inspectors, Json), now = clock.GetUtcNow().UtcDateTime, by,
            }, tx, cancellationToken: ct));
            planId = await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT LAST_INSERT_ID()", transaction: tx, cancellationToken: ct));
            foreach (var t in targets)
                await conn.ExecuteAsync(new CommandDefinition(InsertTargetSql, new { planId, t.EnterpriseId, t.Stratum, t.Reason, t.Key, t.InspectorA, t.InspectorB }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            // Another instance drew it first: theirs is the plan.
            await tx.RollbackAsync(ct);
            var theirs = await conn.ExecuteScalarAsync<long>(new CommandDefinition(PlanIdSql, new { agencyId, month = monthDate }, cancellationToken: ct));
            return new PlanResult.Done((await GetAsync(theirs, ct))!);
        }
        logger.LogInformation("Inspection plan {Plan} of agency {Agency} for {Month}: {Targets} of {Candidates} enterprises", planId, agency.Code, MonthText(month), targets.Count, candidates.Count);
        return new PlanResult.Done((await GetAsync(planId, ct))!);
    }

    private sealed class SummaryRow
    {
        public long Id { get; init; }
        public int AgencyId { get; init; }
        public string AgencyName { get; init; } = "";
        public DateTime Month { get; init; }
        public string Seed { get; init; } = "";
        public DateTime DrawnAt { get; init; }
        public long? Candidates { get; init; }
        public long Targets { get; init; }
        public long Done { get; init; }

        public InspectionPlanSummary View() => new(Id, AgencyId, AgencyName, MonthText(DateOnly.FromDateTime(Month)), Seed, ShanghaiTime.FromUtc(DrawnAt),
            (int)(Candidates ?? 0), (int)Targets, (int)Done);
    }

    private sealed class TargetRow
    {
        public int EnterpriseId { get; init; }
        public string Enterprise { get; init; } = "";
        public string EnterpriseKind { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string Stratum { get; init; } = "";
        public string Reason { get; init; } = "";
        public string DrawKey { get; init; } = "";
        public int? InspectorA { get; init; }
        public string? InspectorAName { get; init; }
        public int? InspectorB { get; init; }
        public string? InspectorBName { get; init; }
        public string Status { get; init; } = "";
        public string? Outcome { get; init; }
        public string? Findings { get; init; }
        public DateTime? InspectedOn { get; init; }
    }

    /// <summary>The agency's plans, newest month first.</summary>
    public async Task<IReadOnlyList<InspectionPlanSummary>> ListAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<SummaryRow>(new CommandDefinition(ListSql, new { agencyId }, cancellationToken: ct))).Select(r => r.View()).ToList();
    }

    /// <summary>The plans of these agencies for one month (the digests' plan progress: a report, read where reports read).</summary>
    public async Task<IReadOnlyList<InspectionPlanSummary>> OfMonthAsync(IReadOnlyCollection<int> agencyIds, DateOnly month, CancellationToken ct)
    {
        if (agencyIds.Count == 0) return [];
        await using var conn = await reports.OpenAsync(ct);
        return (await conn.QueryAsync<SummaryRow>(new CommandDefinition(MonthSql, new { agencyIds, month = new DateOnly(month.Year, month.Month, 1).ToDateTime(TimeOnly.MinValue) },
            cancellationToken: ct))).Select(r => r.View()).ToList();
    }

    /// <summary>Every plan drawn since a month (the public page, itself cached for minutes: a report).</summary>
    public async Task<IReadOnlyList<InspectionPlanSummary>> PublishedAsync(DateOnly since, CancellationToken ct)
    {
        await using var conn = await reports.OpenAsync(ct);
        return (await conn.QueryAsync<SummaryRow>(new CommandDefinition(PublishedSql, new { since = since.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct)))
            .Select(r => r.View()).ToList();
    }

    /// <summary>A plan with its published inputs and its targets; null when there is none.</summary>
    public async Task<InspectionPlan?> GetAsync(long planId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var summary = await conn.QueryFirstOrDefaultAsync<SummaryRow>(new CommandDefinition(ByIdSql, new { planId }, cancellationToken: ct));
        if (summary is null) return null;
        var data = await conn.QueryFirstAsync<(string Algorithm, string Candidates, string Inspectors)>(new CommandDefinition(PlanDataSql, new { planId }, cancellationToken: ct));
        var published = JsonSerializer.Deserialize<PublishedCandidates>(data.Candidates, Json)!;
        var inspectors = JsonSerializer.Deserialize<List<DrawInspector>>(data.Inspectors, Json)!;
        var photoRows = (await conn.QueryAsync<(int EnterpriseId, string Sha)>(new CommandDefinition(PhotosSql, new { planId }, cancellationToken: ct)))
            .ToLookup(p => p.EnterpriseId, p => p.Sha);
        var targets = (await conn.QueryAsync<TargetRow>(new CommandDefinition(TargetsSql, new { planId }, cancellationToken: ct)))
            .Select(t => new InspectionTarget(t.EnterpriseId, t.Enterprise, t.EnterpriseKind, t.DistrictCode, t.Stratum, t.Reason, t.DrawKey, t.InspectorA, t.InspectorAName,
                t.InspectorB, t.InspectorBName, t.Status, t.Outcome, t.Findings, t.InspectedOn is { } d ? DateOnly.FromDateTime(d) : null, photoRows[t.EnterpriseId].ToList()))
            .ToList();
        return new InspectionPlan(summary.View(), data.Algorithm, published.Rates, published.Candidates, inspectors, targets);
    }

    /// <summary>A photo of an inspection, for the inspecting agency's members (through the plan, as a detention order's photos through the order).</summary>
    public async Task<(string Path, string ContentType)?> PhotoAsync(StaffMember me, long planId, int enterpriseId, string sha, CancellationToken ct)
    {
        var plan = await GetAsync(planId, ct);
        if (plan is null || plan.Summary.AgencyId != me.AgencyId) return null;
        var target = plan.Targets.FirstOrDefault(t => t.EnterpriseId == enterpriseId);
        return target is null || !target.Photos.Contains(sha.ToLowerInvariant()) ? null : await photos.FindAsync(sha.ToLowerInvariant(), ct);
    }

    /// <summary>Stores an inspector's photo for a finding (the photo store cleans it), returning its id for the finding to name.</summary>
    public Task<PhotoOutcome> UploadPhotoAsync(byte[] data, CancellationToken ct) => photos.SaveAsync(null, data, ct);

    /// <summary>
    /// Records the finding of one target: an inspector of the plan's agency (one of the pair drawn for it, when there is one),
    /// once; the inspection day within the plan's month or after it, and not in the future.
    /// </summary>
    public async Task<PlanResult> RecordFindingAsync(StaffMember me, long planId, int enterpriseId, FindingRequest body, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (InspectionOutcomes.All.All(o => o.Code != body.Outcome))
            errors["outcome"] = ["检查结果应为 " + string.Join("、", InspectionOutcomes.All.Select(o => $"{o.Code}（{o.Label}）")) + " 之一。"];
        var findings = body.Findings?.Trim();
        if (string.IsNullOrEmpty(findings) || findings.Length > 2000) errors["findings"] = ["请写明检查情况（不超过2000字）。"];
        var photoIds = (body.PhotoIds ?? []).Select(p => p.Trim().ToLowerInvariant()).Where(p => p.Length > 0).Distinct().ToList();
        if (photoIds.Count > MaxPhotos) errors["photoIds"] = [$"最多{MaxPhotos}张照片。"];
        if (photoIds.Any(p => p.Length != 64 || !p.All(char.IsAsciiHexDigit))) errors["photoIds"] = ["照片编号不对：请先上传照片，再用返回的编号。"];
        var today = ShanghaiTime.Today(clock);
        var day = body.InspectedOn ?? today;
        // Photos are the photo store's (uploaded first); an id it does not know is refused, not a foreign-key error.
        if (!errors.ContainsKey("photoIds"))
            foreach (var id in photoIds)
                if (await photos.FindAsync(id, ct) is null) { errors["photoIds"] = ["有照片没有上传成功，请重新上传。"]; break; }
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var target = await conn.QueryFirstOrDefaultAsync<(string Status, int? InspectorA, int? InspectorB, int AgencyId, DateTime Month)?>(
            new CommandDefinition(LockTargetSql, new { planId, enterpriseId }, tx, cancellationToken: ct));
        if (target is not { } t || t.AgencyId != me.AgencyId) return new PlanResult.NotFound();
        if (me.Role != StaffRoles.Inspector) return new PlanResult.Forbidden("检查结果由执法检查人员记录。");
        if (t.InspectorA is not null && me.Id != t.InspectorA && me.Id != t.InspectorB)
            return new PlanResult.Forbidden("这家企业由随机配对的两名执法检查人员检查，结果由他们记录。");
        if (t.Status == "done") return new PlanResult.Conflict("这家企业的检查结果已经记录。");
        if (day > today || day < DateOnly.FromDateTime(t.Month)) errors["inspectedOn"] = ["检查日期应在计划月份内或之后，且不晚于今天。"];
        if (errors.Count > 0) return new PlanResult.Invalid(errors);
        await conn.ExecuteAsync(new CommandDefinition(RecordSql, new
        {
            planId, enterpriseId, outcome = body.Outcome, findings, inspectedOn = day.ToDateTime(TimeOnly.MinValue), by = me.Id, now = clock.GetUtcNow().UtcDateTime,
        }, tx, cancellationToken: ct));
        for (var i = 0; i < photoIds.Count; i++)
            await conn.ExecuteAsync(new CommandDefinition(InsertPhotoSql, new { planId, enterpriseId, sha = photoIds[i], position = i }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new PlanResult.Done((await GetAsync(planId, ct))!);
    }

    /// <summary>Finished inspections since a day, for the public page (the agency, the enterprise, the day and the outcome).</summary>
    public async Task<IReadOnlyList<PublicInspectionResult>> PublicResultsAsync(DateOnly since, CancellationToken ct)
    {
        await using var conn = await reports.OpenAsync(ct);
        return (await conn.QueryAsync<(long PlanId, string Agency, DateTime Month, int EnterpriseId, string Enterprise, DateTime InspectedOn, string Outcome)>(
                new CommandDefinition(PublicResultsSql, new { since = since.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct)))
            .Select(r => new PublicInspectionResult(r.PlanId, r.Agency, MonthText(DateOnly.FromDateTime(r.Month)), r.EnterpriseId, r.Enterprise,
                DateOnly.FromDateTime(r.InspectedOn), r.Outcome, InspectionOutcomes.Label(r.Outcome)))
            .ToList();
    }
}
