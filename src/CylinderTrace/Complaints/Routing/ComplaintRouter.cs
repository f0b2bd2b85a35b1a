using System.ComponentModel.DataAnnotations;
using System.Data;
using System.Globalization;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.Time;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Complaints.Routing;

/// <summary>Where complaints go when no rule matches.</summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>Code of the agency whose triage queue takes complaints no rule matches (agencies.code).</summary>
    [Required(ErrorMessage = "Routing:TriageAgencyCode is required (an agencies.code, e.g. gas-350100).")]
    public string TriageAgencyCode { get; set; } = "gas-350100";

    /// <summary>Deadline of a complaint in the triage queue, in hours.</summary>
    [Range(1, 24 * 30, ErrorMessage = "Routing:{0} must be between {1} and {2}.")]
    public int TriageDeadlineHours { get; set; } = 24;

    /// <summary>
    /// Longest deadline of an urgent category (a gas leak), in hours: applied over its rule's deadline and the
    /// triage deadline, and the most a routing rule of such a category may be given.
    /// </summary>
    [Range(1, 24, ErrorMessage = "Routing:{0} must be between {1} and {2}.")]
    public int UrgentDeadlineHours { get; set; } = 2;

    /// <summary>The reconciler re-queues a complaint whose routing has been pending this long (its job was lost).</summary>
    [Range(1, 3600, ErrorMessage = "Routing:{0} must be between {1} and {2}.")]
    public int ReconcileAfterSeconds { get; set; } = 60;
}

/// <summary>
/// Routes each complaint once (DESIGN.md §4): by (category, district), the district from the
/// complaint's district or location, else from its cylinder's supply station; a district rule before
/// the city-wide one; no rule → the triage queue. The complaint_routing row, written with the
/// complaint, is the record of what is still to route: the Hangfire job locks it (SELECT … FOR UPDATE)
/// and routes only a pending row, so concurrent or repeated runs route once; the recurring
/// reconciler re-queues rows left pending for over a minute. Every step lands in the history.
/// </summary>
public sealed class ComplaintRouter(Db db, CylinderStore cylinders, EnterpriseDirectory enterprises, ComplaintNotifications notifications, StaffNotifications staffNotifications,
    IOptions<RoutingOptions> options, IServiceProvider services, TimeProvider clock, ILogger<ComplaintRouter> logger)
{
    public const string RecurringJobId = "complaint-routing-reconcile";
    public const string CityDistrict = "350100";

    /// <summary>Run inside the filing transaction.</summary>
    public const string InsertPendingSql =
        "INSERT INTO complaint_routing (complaint_id, status, created_at, updated_at) VALUES (@ComplaintId, 'pending', @Now, @Now)";

    private const string LockSql = "SELECT status FROM complaint_routing WHERE complaint_id = @id FOR UPDATE";
    private const string ComplaintSql =
        "SELECT category, status, district_code AS DistrictCode, latitude, longitude, cylinder_code AS CylinderCode FROM complaints WHERE id = @id";
    private const string NearestDistrictSql =
        """
        SELECT code FROM districts WHERE level <> 'city' AND center_lat IS NOT NULL
        ORDER BY POW(center_lat - @lat, 2) + POW((center_lng - @lng) * COS(RADIANS(@lat)), 2) LIMIT 1
        """;
    private const string RuleSql =
        """
        SELECT r.id, r.agency_id AS AgencyId, r.deadline_hours AS DeadlineHours FROM routing_rules r
        WHERE r.category = @category AND r.district_code IN (@district, '350100')
        ORDER BY CASE WHEN r.district_code = @district THEN 0 ELSE 1 END LIMIT 1
        """;
    private const string InformsSql = "SELECT agency_id FROM routing_rule_informs WHERE rule_id = @ruleId";
    // The fire brigade of the complaint's district, else the city's (detachments are per district, migration 0002).
    private const string FireAgencySql =
        """
        SELECT id FROM agencies WHERE kind = 'fire' AND district_code IN (@district, '350100')
        ORDER BY CASE WHEN district_code = @district THEN 0 ELSE 1 END LIMIT 1
        """;
    private const string TriageSql = "SELECT id FROM agencies WHERE code = @code";
    // The derived district is kept on the complaint (not only on its routing row), so queues and digests show and count it
    // where the complainant gave none (or only the city).
    private const string AssignSql =
        """
        UPDATE complaints SET status = 'routed', agency_id = @agencyId, district_code = COALESCE(@district, district_code), updated_at = @now
        WHERE id = @id AND status = 'submitted'
        """;
    private const string DoneSql =
        """
        UPDATE complaint_routing SET status = 'done', attempts = attempts + 1, rule_id = @ruleId, district_code = @district,
               routed_at = @now, due_at = @dueAt, updated_at = @now
        WHERE complaint_id = @id
        """;
    private const string StaleSql = "SELECT complaint_id FROM complaint_routing WHERE status = 'pending' AND updated_at < @before ORDER BY complaint_id LIMIT 500";
    private const string TouchSql = "UPDATE complaint_routing SET updated_at = @now WHERE complaint_id = @id AND status = 'pending'";

    private sealed class ComplaintRow
    {
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public string? DistrictCode { get; init; }
        public decimal? Latitude { get; init; }
        public decimal? Longitude { get; init; }
        public string? CylinderCode { get; init; }
    }

    private sealed class RuleRow
    {
        public int Id { get; init; }
        public int AgencyId { get; init; }
        public int DeadlineHours { get; init; }
    }

    /// <summary>Queues routing for a complaint just committed; if that fails, the reconciler queues it.</summary>
    public bool Enqueue(long complaintId) =>
        services.TryEnqueue<ComplaintRouter>(r => r.RouteAsync(complaintId, CancellationToken.None), logger, $"routing of complaint {complaintId}: the reconciler will queue it");

    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [5, 30, 60, 300, 900])]
    public async Task RouteAsync(long complaintId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var status = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(LockSql, new { id = complaintId }, tx, cancellationToken: ct));
        if (status != "pending") return; // routed already (or no such complaint): exactly once
        var c = await conn.QuerySingleAsync<ComplaintRow>(new CommandDefinition(ComplaintSql, new { id = complaintId }, tx, cancellationToken: ct));
        var now = clock.GetUtcNow().UtcDateTime;

        var district = await DistrictAsync(conn, tx, c, ct);
        var rule = district is null ? null
            : await conn.QuerySingleOrDefaultAsync<RuleRow>(new CommandDefinition(RuleSql, new { category = c.Category, district }, tx, cancellationToken: ct));
        int agencyId;
        int hours;
        if (rule is not null)
        {
            agencyId = rule.AgencyId;
            hours = rule.DeadlineHours;
        }
        else
        {
            agencyId = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(TriageSql, new { code = options.Value.TriageAgencyCode }, tx, cancellationToken: ct))
                ?? throw new InvalidOperationException($"Routing:TriageAgencyCode '{options.Value.TriageAgencyCode}' is no agency; complaint {complaintId} stays pending.");
            hours = options.Value.TriageDeadlineHours;
        }
        var urgent = ComplaintCategories.Find(c.Category)?.Urgent == true;
        if (urgent) hours = Math.Min(hours, options.Value.UrgentDeadlineHours);
        var dueAt = now.AddHours(hours);

        long? notification = null;
        if (await conn.ExecuteAsync(new CommandDefinition(AssignSql, new { id = complaintId, agencyId, district, now }, tx, cancellationToken: ct)) == 1)
        {
            var deadline = ShanghaiTime.FromUtc(dueAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(complaintId, now, "routed", "system", true,
                (urgent ? "紧急投诉；" : "") + (rule is null ? $"未匹配到分派规则，进入分拣队列；办理时限 {deadline}" : $"办理时限 {deadline}"), agencyId), ct);
            // The search words are filed under the handling agency (ComplaintSearch): now this one.
            await Handling.ComplaintSearch.IndexAsync(conn, tx, complaintId, ct);
            List<int> informs = rule is null ? [] : (await conn.QueryAsync<int>(new CommandDefinition(InformsSql, new { ruleId = rule.Id }, tx, cancellationToken: ct))).ToList();
            // A leak may turn into a fire within minutes: the fire brigade hears of it whatever the rule says.
            if (urgent && await conn.ExecuteScalarAsync<int?>(new CommandDefinition(FireAgencySql, new { district = district ?? CityDistrict }, tx, cancellationToken: ct)) is int fire
                && fire != agencyId && !informs.Contains(fire))
                informs.Add(fire);
            foreach (var informed in informs)
            {
                await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(complaintId, now, "informed", "system", false, urgent ? "紧急投诉（漏气），抄送知悉" : "抄送知悉", informed), ct);
                await conn.ExecuteAsync(new CommandDefinition(ComplaintStore.InformAgencySql, new { agencyId = informed, id = complaintId, reason = "informed", now }, tx, cancellationToken: ct));
            }
            notification = await conn.ExecuteScalarAsync<long>(new CommandDefinition(ComplaintNotifications.InsertSql,
                new { ComplaintId = complaintId, Kind = ComplaintNotifications.Routed, Now = now }, tx, cancellationToken: ct));
        }
        // A complaint withdrawn before routing is not routed, but its routing is done all the same.
        await conn.ExecuteAsync(new CommandDefinition(DoneSql, new { id = complaintId, ruleId = rule?.Id, district, now, dueAt }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (notification is long n)
        {
            notifications.Enqueue(n);
            staffNotifications.EnqueueAssigned(complaintId, withInformed: true);
        }
    }

    /// <summary>The complaint's district; its location's nearest district centre inside Fuzhou; else its cylinder's supply station's.</summary>
    private async Task<string?> DistrictAsync(MySqlConnection conn, MySqlTransaction tx, ComplaintRow c, CancellationToken ct)
    {
        if (c.DistrictCode is { } d && d != CityDistrict) return d;
        if (c.Latitude is { } lat && c.Longitude is { } lng && lat is >= 25.2m and <= 26.8m && lng is >= 118.3m and <= 120.4m)
            return await conn.ExecuteScalarAsync<string?>(new CommandDefinition(NearestDistrictSql, new { lat, lng }, tx, cancellationToken: ct));
        if (c.CylinderCode is { } code && await cylinders.FindByCodeAsync(code, ct) is { SupplyStationId: int station }
            && await enterprises.GetEnterpriseAsync(station, ct) is { } e)
            return e.DistrictCode;
        return c.DistrictCode; // the city (its city-wide rules), or nothing (triage)
    }

    /// <summary>Recurring: re-queues complaints whose routing job was lost.</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        // In batches of 500 until none is left (a Redis outage under load can leave thousands), at most
        // 50,000 a run; each one queued is not picked again for ReconcileAfterSeconds. One that could not be
        // queued is left as it was and the run ends (Redis is away or slow): the next run, a minute on, takes it
        // at once instead of a minute after that (a failover cost a complaint two extra minutes that way).
        for (var total = 0; total < 50_000;)
        {
            var stale = (await conn.QueryAsync<long>(new CommandDefinition(StaleSql, new { before = now.AddSeconds(-options.Value.ReconcileAfterSeconds) }, cancellationToken: ct))).ToList();
            foreach (var id in stale)
            {
                if (!Enqueue(id)) return;
                await conn.ExecuteAsync(new CommandDefinition(TouchSql, new { id, now }, cancellationToken: ct));
            }
            total += stale.Count;
            if (stale.Count < 500) break;
        }
    }
}
