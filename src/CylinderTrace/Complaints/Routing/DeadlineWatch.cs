using System.ComponentModel.DataAnnotations;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Complaints.Routing;

/// <summary>When to warn and whom to escalate to.</summary>
public sealed class DeadlineOptions
{
    public const string Section = "Deadlines";

    /// <summary>Hours before the deadline when the handling agency is warned (recorded in the history).</summary>
    [Range(0, 240, ErrorMessage = "Deadlines:{0} must be between {1} and {2}.")]
    public int WarnHoursBefore { get; set; } = 4;

    /// <summary>Agency kind that overdue complaints escalate to, in the complaint's district (else city level).</summary>
    [Required(ErrorMessage = "Deadlines:EscalateToKind is required (an agency kind, e.g. emergency_management).")]
    public string EscalateToKind { get; set; } = "emergency_management";
}

/// <summary>
/// Recurring job: warns before a complaint's deadline and escalates it after (DESIGN.md §4), each at
/// most once per complaint (the marks row decides, under a row lock), every step in the history.
/// </summary>
public sealed class DeadlineWatch(Db db, IOptions<DeadlineOptions> options, TimeProvider clock, ILogger<DeadlineWatch> logger)
{
    public const string RecurringJobId = "complaint-deadline-watch";
    private static readonly string[] OpenStates = [ComplaintStatus.Routed, ComplaintStatus.InProgress, ComplaintStatus.WaitingInfo];

    private const string DueSql =
        """
        SELECT c.id FROM complaint_routing r JOIN complaints c ON c.id = r.complaint_id
        LEFT JOIN complaint_deadline_marks m ON m.complaint_id = c.id
        WHERE r.due_at < @horizon AND c.status IN @open AND (m.escalated_at IS NULL)
        ORDER BY r.due_at LIMIT 1000
        """;
    private const string EnsureMarkSql = "INSERT IGNORE INTO complaint_deadline_marks (complaint_id) VALUES (@id)";
    private const string LockSql =
        """
        SELECT m.warned_at AS WarnedAt, m.escalated_at AS EscalatedAt, r.due_at AS DueAt, c.status, c.agency_id AS AgencyId,
               COALESCE(r.district_code, c.district_code) AS District
        FROM complaint_deadline_marks m JOIN complaint_routing r ON r.complaint_id = m.complaint_id JOIN complaints c ON c.id = m.complaint_id
        WHERE m.complaint_id = @id FOR UPDATE
        """;
    private const string EscalationTargetSql =
        """
        SELECT id FROM agencies WHERE kind = @kind AND district_code IN (@district, '350100')
        ORDER BY CASE WHEN district_code = @district THEN 0 ELSE 1 END LIMIT 1
        """;
    private const string WarnSql = "UPDATE complaint_deadline_marks SET warned_at = @now WHERE complaint_id = @id";
    private const string EscalateSql = "UPDATE complaint_deadline_marks SET escalated_at = @now, escalated_to = @to WHERE complaint_id = @id";

    private sealed class Mark
    {
        public DateTime? WarnedAt { get; init; }
        public DateTime? EscalatedAt { get; init; }
        public DateTime? DueAt { get; init; }
        public string Status { get; init; } = "";
        public int? AgencyId { get; init; }
        public string? District { get; init; }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var o = options.Value;
        List<long> ids;
        await using (var conn = await db.OpenAsync(ct))
            ids = (await conn.QueryAsync<long>(new CommandDefinition(DueSql, new { horizon = now.AddHours(o.WarnHoursBefore), open = OpenStates }, cancellationToken: ct))).ToList();
        foreach (var id in ids)
        {
            try { await WatchOneAsync(id, now, o, ct); }
            catch (Exception ex) when (ex is not OperationCanceledException) { logger.LogWarning(ex, "Deadline watch of complaint {Id} failed; next run retries", id); }
        }
    }

    private async Task WatchOneAsync(long id, DateTime now, DeadlineOptions o, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(EnsureMarkSql, new { id }, cancellationToken: ct));
        await using var tx = await conn.BeginTransactionAsync(ct);
        var m = await conn.QuerySingleAsync<Mark>(new CommandDefinition(LockSql, new { id }, tx, cancellationToken: ct));
        if (m.DueAt is not { } due || m.EscalatedAt is not null || !OpenStates.Contains(m.Status)) return;
        if (due <= now)
        {
            var to = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(EscalationTargetSql,
                new { kind = o.EscalateToKind, district = m.District ?? "350100" }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(EscalateSql, new { id, now, to }, tx, cancellationToken: ct));
            await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(id, now, "escalated", "system", false,
                $"已超过办理时限（{Platform.Time.ShanghaiTime.FromUtc(due):yyyy-MM-dd HH:mm}），升级督办", to), ct);
            if (to is not null)
                await conn.ExecuteAsync(new CommandDefinition(ComplaintStore.InformAgencySql, new { agencyId = to, id, reason = "escalated", now }, tx, cancellationToken: ct));
        }
        else if (m.WarnedAt is null)
        {
            await conn.ExecuteAsync(new CommandDefinition(WarnSql, new { id, now }, tx, cancellationToken: ct));
            await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(id, now, "deadline_warning", "system", false,
                $"即将到期：办理时限 {Platform.Time.ShanghaiTime.FromUtc(due):yyyy-MM-dd HH:mm}", m.AgencyId), ct);
        }
        await tx.CommitAsync(ct);
    }
}
