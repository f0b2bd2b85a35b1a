using System.ComponentModel.DataAnnotations;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using CylinderTrace.Platform.RateLimiting;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using CylinderTrace.Supervision.Pages;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Supervision;

public sealed class PublicCreditOptions
{
    public const string Section = "PublicCredit";

    /// <summary>How long one instance serves the same disclosure (and what browsers and proxies may cache).</summary>
    [Range(0, 3600, ErrorMessage = "PublicCredit:{0} must be between {1} and {2}.")] public int CacheSeconds { get; set; } = 300;

    /// <summary>Requests per minute from one address to the public pages (above: 429 with Retry-After).</summary>
    [Range(1, 100000, ErrorMessage = "PublicCredit:{0} must be between {1} and {2}.")] public int RequestsPerMinute { get; set; } = 60;
}

public sealed record PublicLicence(string Kind, string Label, string Number, string Issuer, DateOnly ValidUntil, string Status, string StatusLabel, bool InForce);

/// <summary>
/// A closed case against the enterprise, as disclosed: a fill violation that was upheld, or a black-gas detention traced to it (a
/// cylinder it delivered that was not registered); its number, the day it was closed, what was wrong and the penalty or disposal.
/// </summary>
public sealed record PublicPenalty(string Number, DateOnly ClosedOn, string Violation, string Penalty);

public sealed record PublicEnterprise(int Id, string Name, string Kind, string KindLabel, string District, string? FillingEnterprise, string? Grade, bool GradeD,
    DateOnly? GradedThrough, IReadOnlyList<PublicLicence> Licences, IReadOnlyList<PublicPenalty> Penalties, IReadOnlyList<PublicInspectionResult> Inspections);

public sealed record PublicCreditView(DateTimeOffset AsOf, DateOnly Since, IReadOnlyList<PublicEnterprise> Enterprises, IReadOnlyList<InspectionPlanSummary> Plans);

/// <summary>The draw's published inputs and results (for anyone to run it again): no findings text, inspectors' names masked.</summary>
public sealed record PublicPlan(long Id, string Agency, string Month, string Seed, string Algorithm, DateTimeOffset DrawnAt, IReadOnlyDictionary<string, double> Rates,
    IReadOnlyList<DrawCandidate> Candidates, IReadOnlyList<DrawInspector> Inspectors, IReadOnlyList<PublicPlanTarget> Targets);

public sealed record PublicPlanTarget(int EnterpriseId, string Enterprise, string Stratum, string Reason, string Key, int? InspectorA, int? InspectorB, string Status,
    string? Outcome, DateOnly? InspectedOn);

/// <summary>
/// 信用信息公示 (查处一起、曝光一起、信用记录公示一起): every active filling enterprise and supply station with its licences, current
/// grade (D flagged), the fill violations upheld and the black-gas detentions traced to it closed in the last 12 months with their
/// penalties, and the 双随机 inspections
/// and plans of the last 12 months. No personal data: enterprises, case numbers, rules and outcomes only. Public, no sign-in:
/// `GET /api/public/enterprises` (JSON), `/public/credit` (server-rendered HTML, no script), `GET /api/public/inspection-plans/{plan}`
/// (a draw's inputs). Built at most once per PublicCredit:CacheSeconds per instance and limited per client address; being minutes
/// old by design, it reads where reports read (<see cref="ReportDb"/>).
/// </summary>
public sealed class PublicCredit(ReportDb db, EnterpriseLicences licences, EnterpriseScores scores, InspectionPlans plans, IMemoryCache memory,
    IOptions<PublicCreditOptions> options, TimeProvider clock)
{
    private const string EnterprisesSql =
        """
        SELECT e.id, e.name, e.kind, e.district_code AS DistrictCode, p.name AS Parent FROM enterprises e LEFT JOIN enterprises p ON p.id = e.parent_id
        WHERE e.status = 'active' ORDER BY e.kind = 'supply', e.district_code, e.name, e.id
        """;
    private const string PenaltiesSql =
        """
        SELECT enterprise_id AS EnterpriseId, number, resolved_at AS ResolvedAt, kinds, outcome FROM fill_violations
        WHERE status = 'resolved' AND outcome IS NOT NULL AND outcome <> 'not_substantiated' AND resolved_at >= @since ORDER BY resolved_at DESC
        """;
    // Closed black-gas detentions traced to a station (as the black_gas deduction traces them): the place and the deliverer stay internal.
    private const string BlackGasSql =
        """
        SELECT COALESCE(d.station_id, w.enterprise_id) AS EnterpriseId, d.number, d.closed_at AS ClosedAt, d.disposal
        FROM black_gas_detentions d LEFT JOIN delivery_workers w ON w.id = d.worker_id
        WHERE d.status = 'closed' AND d.closed_at >= @since AND COALESCE(d.station_id, w.enterprise_id) IS NOT NULL ORDER BY d.closed_at DESC
        """;

    /// <summary>The disclosure's entry in this instance's memory cache.</summary>
    public const string CacheKey = "public:credit";

    public async Task<PublicCreditView> ViewAsync(CancellationToken ct) =>
        (await memory.GetOrCreateAsync(CacheKey, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(Math.Max(1, options.Value.CacheSeconds));
            return await BuildAsync(ct);
        }))!;

    private async Task<PublicCreditView> BuildAsync(CancellationToken ct)
    {
        var today = ShanghaiTime.Today(clock);
        var since = today.AddYears(-1);
        List<(int Id, string Name, string Kind, string DistrictCode, string? Parent)> enterprises;
        List<(int EnterpriseId, string Number, DateTime ResolvedAt, string Kinds, string Outcome)> penalties;
        List<(int EnterpriseId, string Number, DateTime ClosedAt, string Disposal)> blackGas;
        await using (var conn = await db.OpenAsync(ct))
        {
            enterprises = (await conn.QueryAsync<(int, string, string, string, string?)>(new CommandDefinition(EnterprisesSql, cancellationToken: ct))).ToList();
            penalties = (await conn.QueryAsync<(int, string, DateTime, string, string)>(new CommandDefinition(PenaltiesSql,
                new { since = ShanghaiTime.StartOfDayUtc(since) }, cancellationToken: ct))).ToList();
            blackGas = (await conn.QueryAsync<(int, string, DateTime, string)>(new CommandDefinition(BlackGasSql,
                new { since = ShanghaiTime.StartOfDayUtc(since) }, cancellationToken: ct))).ToList();
        }
        var licenceOf = (await licences.OfAsync(enterprises.Select(e => e.Id).ToList(), ct)).ToLookup(l => l.EnterpriseId);
        var grades = (await scores.LatestAsync(EnterpriseScores.Rolling, null, ct)).ToDictionary(s => s.EnterpriseId);
        static DateOnly Day(DateTime utc) => DateOnly.FromDateTime(ShanghaiTime.FromUtc(utc).DateTime);
        var penaltiesOf = penalties.Select(p => (p.EnterpriseId, Penalty: new PublicPenalty(p.Number, Day(p.ResolvedAt), Cylinders.FillRules.Labels(p.Kinds.Split(',')),
                FillViolations.OutcomeLabel(p.Outcome))))
            .Concat(blackGas.Select(b => (b.EnterpriseId, Penalty: new PublicPenalty(b.Number, Day(b.ClosedAt), "配送未在本市登记的气瓶（黑气瓶）",
                "查扣，" + BlackGasDetentions.DisposalLabel(b.Disposal)))))
            .OrderByDescending(p => p.Penalty.ClosedOn).ToLookup(p => p.EnterpriseId, p => p.Penalty);
        var inspectionsOf = (await plans.PublicResultsAsync(since, ct)).ToLookup(r => r.EnterpriseId);
        var list = enterprises.Select(e =>
        {
            var grade = grades.GetValueOrDefault(e.Id);
            return new PublicEnterprise(e.Id, e.Name, e.Kind, e.Kind == "filling" ? "充装单位" : "供应站", Districts.Name(e.DistrictCode), e.Parent, grade?.Grade, grade?.Grade == "D",
                grade?.PeriodEnd,
                licenceOf[e.Id].OrderBy(l => l.Kind).Select(l => new PublicLicence(l.Kind, LicenceKinds.Label(l.Kind), l.LicenceNumber, l.Issuer, l.ValidUntil, l.Status,
                    LicenceKinds.StatusLabel(l.Status), l.InForce(today))).ToList(),
                penaltiesOf[e.Id].ToList(),
                inspectionsOf[e.Id].ToList());
        }).ToList();
        return new PublicCreditView(clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)), since, list, await plans.PublishedAsync(new DateOnly(since.Year, since.Month, 1), ct));
    }

    public async Task<PublicPlan?> PlanAsync(long planId, CancellationToken ct)
    {
        var plan = await plans.GetAsync(planId, ct);
        if (plan is null) return null;
        var s = plan.Summary;
        return new PublicPlan(s.Id, s.AgencyName, s.Month, s.Seed, plan.Algorithm, s.DrawnAt, plan.Rates, plan.Candidates,
            plan.Inspectors.Select(i => i with { Name = Mask.Name(i.Name) }).ToList(),
            plan.Targets.Select(t => new PublicPlanTarget(t.EnterpriseId, t.Enterprise, t.Stratum, t.Reason, t.Key, t.InspectorA, t.InspectorB, t.Status, t.Outcome, t.InspectedOn)).ToList());
    }
}

public static class PublicCreditApi
{
    /// <summary>Only what the page needs: styles in its own block, no script, no images, no forms, not framed.</summary>
    private const string Csp = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapPublicCredit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/public/enterprises", EnterprisesAsync);
        app.MapGet("/api/public/inspection-plans/{plan:long}", PlanAsync);
        app.MapGet("/public/credit", PageAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary>Counts the request against the client's address; a refusal (429) when over the limit, with Retry-After.</summary>
    private static async Task<IResult?> LimitAsync(HttpContext c, RedisRateLimiter limiter, PublicCreditOptions o)
    {
        var decision = await limiter.HitAsync("public-credit", c.Connection.RemoteIpAddress?.ToString() ?? "unknown", o.RequestsPerMinute, TimeSpan.FromMinutes(1));
        return decision.Allowed ? null : RedisRateLimiter.TooMany(c, decision, "查询");
    }

    private static void Cacheable(HttpContext c, PublicCreditOptions o)
    {
        c.Response.Headers.CacheControl = $"public, max-age={o.CacheSeconds}";
        c.Response.Headers.XContentTypeOptions = "nosniff";
    }

    public static async Task<IResult> EnterprisesAsync(HttpContext c, PublicCredit credit, RedisRateLimiter limiter, IOptions<PublicCreditOptions> o, CancellationToken ct)
    {
        if (await LimitAsync(c, limiter, o.Value) is { } refused) return refused;
        Cacheable(c, o.Value);
        return TypedResults.Ok(await credit.ViewAsync(ct));
    }

    public static async Task<IResult> PlanAsync(long plan, HttpContext c, PublicCredit credit, RedisRateLimiter limiter, IOptions<PublicCreditOptions> o, CancellationToken ct)
    {
        if (await LimitAsync(c, limiter, o.Value) is { } refused) return refused;
        var view = await credit.PlanAsync(plan, ct);
        if (view is null) return Platform.Problems.Problem.Of(404, "plan-not-found", "No such plan", "没有这份抽查计划。");
        Cacheable(c, o.Value);
        return TypedResults.Ok(view);
    }

    public static async Task<IResult> PageAsync(HttpContext c, PublicCredit credit, RedisRateLimiter limiter, IOptions<PublicCreditOptions> o, CancellationToken ct)
    {
        if (await LimitAsync(c, limiter, o.Value) is { } refused) return refused;
        Cacheable(c, o.Value);
        c.Response.Headers.ContentSecurityPolicy = Csp;
        return new RazorComponentResult<PublicCreditPage>(new Dictionary<string, object?> { ["View"] = await credit.ViewAsync(ct) });
    }
}
