using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using CylinderTrace.Staff;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Supervision;

public sealed record LicenceReview(long Id, int EnterpriseId, string Enterprise, string EnterpriseKind, string DistrictCode, string LicenceKind, string Reasons,
    DateTimeOffset ListedAt, string Status, string? Decision, string? Note, DateTimeOffset? DecidedAt);

/// <summary>What a licensing agency decided on a review, and what it does to the licence.</summary>
public static class ReviewDecisions
{
    public static readonly IReadOnlyList<(string Code, string Label)> All =
    [
        ("kept", "维持许可"),
        ("rectification", "责令限期整改"),
        ("suspended", "暂停许可"),
        ("revoked", "吊销许可"),
        ("delisted", "移出复核名单（情况已消除）"),
    ];

    public static string Label(string? code) => All.FirstOrDefault(d => d.Code == code).Label ?? code ?? "";
}

/// <summary>
/// The licensing agencies' review list (信用分级分类监管: a D grade or repeated violations are a reason to look at the licence again).
/// After each nightly score computation, an active enterprise whose latest rolling grade is D is listed for every licence it must hold,
/// and one with at least RandomInspections:ReviewAfterViolations substantiated fill violations in 12 months for its 气瓶充装许可证; a
/// listing stays until the agency that issues that kind of licence decides (supervisors and administrators, within its jurisdiction), and a
/// decision stands for 90 days before the same enterprise is listed again.
/// Suspending or revoking sets the licence's status, which the fill check reads.
/// </summary>
public sealed class LicenceReviews(Db db, Agencies agencies, EnterpriseLicences licences, IOptions<RandomInspectionOptions> options, TimeProvider clock,
    ILogger<LicenceReviews> logger)
{
    private const string DueSql =
        """
        SELECT e.id AS Id, e.kind AS Kind, s.grade AS Grade,
               (SELECT COUNT(*) FROM fill_violations v WHERE v.enterprise_id = e.id AND v.filled_at >= @since
                  AND (v.outcome IS NULL OR v.outcome <> 'not_substantiated')) AS Violations
        FROM enterprises e LEFT JOIN enterprise_scores s ON s.enterprise_id = e.id AND s.period = 'rolling30'
          AND s.period_start = (SELECT MAX(period_start) FROM enterprise_scores WHERE period = 'rolling30')
        WHERE e.status = 'active'
        """;
    /// <summary>Listed now, or decided lately: a decision stands for <see cref="DecisionStandsDays"/> days before the same reason lists the enterprise again.</summary>
    private const string ListedSql =
        "SELECT enterprise_id AS EnterpriseId, licence_kind AS LicenceKind FROM licence_reviews WHERE status = 'open' OR decided_at >= @recent";
    public const int DecisionStandsDays = 90;
    private const string InsertSql =
        "INSERT INTO licence_reviews (enterprise_id, licence_kind, reasons, listed_at) VALUES (@enterpriseId, @kind, @reasons, @now)";
    private const string ListSql =
        """
        SELECT r.id, r.enterprise_id AS EnterpriseId, e.name AS Enterprise, e.kind AS EnterpriseKind, e.district_code AS DistrictCode, r.licence_kind AS LicenceKind,
               r.reasons, r.listed_at AS ListedAt, r.status, r.decision, r.note, r.decided_at AS DecidedAt
        FROM licence_reviews r JOIN enterprises e ON e.id = r.enterprise_id
        WHERE r.licence_kind IN @kinds AND (r.status = 'open' OR r.decided_at >= @since)
        ORDER BY r.status = 'open' DESC, r.listed_at DESC LIMIT 500
        """;
    private const string DecideSql =
        "UPDATE licence_reviews SET status = 'closed', decision = @decision, note = @note, decided_by = @by, decided_at = @now WHERE id = @id AND status = 'open'";

    private sealed class Row
    {
        public long Id { get; init; }
        public int EnterpriseId { get; init; }
        public string Enterprise { get; init; } = "";
        public string EnterpriseKind { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string LicenceKind { get; init; } = "";
        public string Reasons { get; init; } = "";
        public DateTime ListedAt { get; init; }
        public string Status { get; init; } = "";
        public string? Decision { get; init; }
        public string? Note { get; init; }
        public DateTime? DecidedAt { get; init; }

        public LicenceReview View() => new(Id, EnterpriseId, Enterprise, EnterpriseKind, DistrictCode, LicenceKind, Reasons, ShanghaiTime.FromUtc(ListedAt), Status,
            Decision, Note, DecidedAt is { } d ? ShanghaiTime.FromUtc(d) : null);
    }

    /// <summary>Lists the enterprises that are due and not listed yet; returns how many listings were added.</summary>
    public async Task<int> RefreshAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        var open = (await conn.QueryAsync<(int EnterpriseId, string LicenceKind)>(new CommandDefinition(ListedSql, new { recent = now.AddDays(-DecisionStandsDays) },
            cancellationToken: ct))).ToHashSet();
        var added = 0;
        foreach (var e in await conn.QueryAsync<(int Id, string Kind, string? Grade, long Violations)>(new CommandDefinition(DueSql, new { since = now.AddYears(-1) }, cancellationToken: ct)))
        {
            var repeated = e.Violations >= options.Value.ReviewAfterViolations;
            if (e.Grade != "D" && !repeated) continue;
            foreach (var kind in LicenceKinds.All.Where(k => k == LicenceKinds.GasSupply || e.Kind == "filling"))
            {
                var reasons = new List<string>();
                if (e.Grade == "D") reasons.Add("信用等级为D级");
                if (repeated && kind == LicenceKinds.CylinderFilling) reasons.Add($"近12个月违规充装{e.Violations}起");
                if (reasons.Count == 0 || open.Contains((e.Id, kind))) continue;
                await conn.ExecuteAsync(new CommandDefinition(InsertSql, new { enterpriseId = e.Id, kind, reasons = string.Join("；", reasons), now }, cancellationToken: ct));
                added++;
            }
        }
        if (added > 0) logger.LogInformation("Licence reviews: {Count} enterprises listed", added);
        return added;
    }

    /// <summary>The licence kind a member's agency reviews (the kind it issues), or null.</summary>
    public static string? KindReviewedBy(string agencyKind) => LicenceKinds.All.FirstOrDefault(k => LicenceKinds.IssuingAgencyKind(k) == agencyKind);

    /// <summary>The review list of the member's agency: the licence kind it issues, in its jurisdiction; open first, then those decided in the last 90 days.</summary>
    public async Task<IReadOnlyList<LicenceReview>> ListAsync(StaffMember me, CancellationToken ct)
    {
        var mine = (await agencies.ListAsync(ct)).FirstOrDefault(a => a.Id == me.AgencyId);
        if (mine is null || KindReviewedBy(mine.Kind) is not { } kind) return [];
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(ListSql, new { kinds = new[] { kind }, since = clock.GetUtcNow().UtcDateTime.AddDays(-90) }, cancellationToken: ct));
        return rows.Select(r => r.View()).Where(r => mine.DistrictCode == Districts.City || r.DistrictCode == mine.DistrictCode).ToList();
    }

    /// <summary>Records the agency's decision (supervisors and administrators of the issuing agency, within its jurisdiction): 200 and the enterprise, or the refusal.</summary>
    public async Task<(int Status, string Message, int EnterpriseId)> DecideAsync(StaffMember me, long id, string? decision, string? note, CancellationToken ct)
    {
        var review = (await ListAsync(me, ct)).FirstOrDefault(r => r.Id == id);
        if (review is null) return (404, "本单位的复核名单中没有这一项。", 0);
        if (!(me.IsSupervisor || me.IsAdministrator)) return (403, "复核决定由科室负责人或系统管理员作出。", 0);
        if (review.Status != "open") return (409, "这一项已经作出复核决定。", 0);
        if (ReviewDecisions.All.All(d => d.Code != decision)) return (400, "复核决定应为 " + string.Join("、", ReviewDecisions.All.Select(d => $"{d.Code}（{d.Label}）")) + " 之一。", 0);
        note = note?.Trim();
        if (string.IsNullOrEmpty(note) || note.Length > 1000) return (400, "请写明复核意见（不超过1000字）。", 0);
        await using (var conn = await db.OpenAsync(ct))
        {
            if (await conn.ExecuteAsync(new CommandDefinition(DecideSql, new { id, decision, note, by = me.Id, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct)) == 0)
                return (409, "这一项已经作出复核决定。", 0);
        }
        if (decision is "suspended" or "revoked"
            && (await licences.OfAsync([review.EnterpriseId], ct)).FirstOrDefault(l => l.Kind == review.LicenceKind) is { } licence)
            await licences.SetAsync(licence with { Status = decision }, me.Id, ct);
        return (200, "", review.EnterpriseId);
    }
}
