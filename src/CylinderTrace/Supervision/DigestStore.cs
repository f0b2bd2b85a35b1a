using CylinderTrace.Platform.Database;
using Dapper;

namespace CylinderTrace.Supervision;

/// <summary>The digests' tables (digest_settings, digests): each agency's schedule and recipients, and the archive.</summary>
public sealed class DigestStore(Db db)
{
    private const string SettingsSql =
        """
        SELECT a.id AS AgencyId, a.name AS Agency, a.district_code AS DistrictCode, COALESCE(s.daily, 1) AS Daily, COALESCE(s.weekly, 1) AS Weekly,
               COALESCE(s.send_hour, 7) AS SendHour, COALESCE(s.weekly_day, 1) AS WeeklyDay, COALESCE(s.email_to, '') AS EmailTo
        FROM agencies a LEFT JOIN digest_settings s ON s.agency_id = a.id
        """;
    private const string AgencySettingsSql = SettingsSql + " WHERE a.id = @agencyId";
    private const string SaveSettingsSql =
        """
        INSERT INTO digest_settings (agency_id, daily, weekly, send_hour, weekly_day, email_to, updated_at) VALUES (@agencyId, @Daily, @Weekly, @SendHour, @WeeklyDay, @emailTo, @now)
        ON DUPLICATE KEY UPDATE daily = VALUES(daily), weekly = VALUES(weekly), send_hour = VALUES(send_hour), weekly_day = VALUES(weekly_day),
          email_to = VALUES(email_to), updated_at = VALUES(updated_at)
        """;
    private const string ExistingSql = "SELECT id FROM digests WHERE agency_id = @agencyId AND kind = @kind AND period_start = @start";
    private const string InsertSql =
        """
        INSERT IGNORE INTO digests (agency_id, kind, period_start, period_end, created_at, title, summary, html, csv, email_to)
        VALUES (@agencyId, @kind, @start, @end, @now, @title, @summary, '', '', @emailTo)
        """;
    private const string ContentSql = "UPDATE digests SET html = @html, csv = @csv WHERE id = @id";
    private const string PendingSql =
        "SELECT id FROM digests WHERE (emailed_at IS NULL AND email_to <> '' AND email_attempts < @max) OR announced_at IS NULL ORDER BY id LIMIT 200";
    private const string Columns =
        """
        SELECT id, agency_id AS AgencyId, kind, period_start AS PeriodStart, period_end AS PeriodEnd, created_at AS CreatedAt, title, summary,
               email_to AS EmailTo, emailed_at AS EmailedAt, email_attempts AS EmailAttempts, email_error AS EmailError, announced_at AS AnnouncedAt
        """;
    private const string RowByIdSql = Columns + ", html, csv FROM digests WHERE id = @id";
    private const string RowOfAgencySql = Columns + ", html, csv FROM digests WHERE id = @id AND agency_id = @agencyId";
    private const string ListSql = Columns + ", '' AS html, '' AS csv FROM digests WHERE agency_id = @agencyId ORDER BY period_start DESC, kind LIMIT 200";
    private const string EmailedSql = "UPDATE digests SET emailed_at = @now, email_attempts = email_attempts + 1, email_error = NULL WHERE id = @id AND emailed_at IS NULL";
    private const string EmailFailedSql = "UPDATE digests SET email_attempts = email_attempts + 1, email_error = @error WHERE id = @id";
    private const string AnnouncedSql = "UPDATE digests SET announced_at = @now WHERE id = @id AND announced_at IS NULL";

    public sealed class AgencyRow
    {
        public int AgencyId { get; init; }
        public string Agency { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public bool Daily { get; init; }
        public bool Weekly { get; init; }
        public int SendHour { get; init; }
        public int WeeklyDay { get; init; }
        public string EmailTo { get; init; } = "";
    }

    public sealed class DigestRow
    {
        public long Id { get; init; }
        public int AgencyId { get; init; }
        public string Kind { get; init; } = "";
        public DateTime PeriodStart { get; init; }
        public DateTime PeriodEnd { get; init; }
        public DateTime CreatedAt { get; init; }
        public string Title { get; init; } = "";
        public string Summary { get; init; } = "";
        public string Html { get; init; } = "";
        public string Csv { get; init; } = "";
        public string EmailTo { get; init; } = "";
        public DateTime? EmailedAt { get; init; }
        public int EmailAttempts { get; init; }
        public string? EmailError { get; init; }
        public DateTime? AnnouncedAt { get; init; }

        public DigestSummary View() => new(Id, Kind, DateOnly.FromDateTime(PeriodStart), DateOnly.FromDateTime(PeriodEnd), Title, Summary,
            Platform.Time.ShanghaiTime.FromUtc(CreatedAt), EmailedAt is { } e ? Platform.Time.ShanghaiTime.FromUtc(e) : null, EmailError,
            AnnouncedAt is { } a ? Platform.Time.ShanghaiTime.FromUtc(a) : null);
    }

    public async Task<IReadOnlyList<AgencyRow>> SchedulesAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<AgencyRow>(new CommandDefinition(SettingsSql, cancellationToken: ct))).ToList();
    }

    public async Task<AgencyRow> ScheduleAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleAsync<AgencyRow>(new CommandDefinition(AgencySettingsSql, new { agencyId }, cancellationToken: ct));
    }

    public async Task SaveScheduleAsync(int agencyId, DigestSettings s, IReadOnlyList<string> emails, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(SaveSettingsSql,
            new { agencyId, s.Daily, s.Weekly, s.SendHour, s.WeeklyDay, emailTo = string.Join(',', emails), now }, cancellationToken: ct));
    }

    public async Task<long?> ExistingAsync(int agencyId, string kind, DateOnly start, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<long?>(new CommandDefinition(ExistingSql, new { agencyId, kind, start = start.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
    }

    /// <summary>Records the digest of a period (once: (agency, kind, period) is unique); its id, and whether this call made it.</summary>
    public async Task<(long Id, bool Made)> InsertAsync(int agencyId, string kind, DateOnly start, DateOnly end, DateTime now, string title, string summary, string emailTo,
        CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            agencyId, kind, start = start.ToDateTime(TimeOnly.MinValue), end = end.ToDateTime(TimeOnly.MinValue), now, title, summary, emailTo,
        }, cancellationToken: ct));
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(ExistingSql, new { agencyId, kind, start = start.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
        return (id, inserted == 1);
    }

    public async Task SetContentAsync(long id, string html, string csv, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(ContentSql, new { id, html, csv }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<long>> PendingDeliveriesAsync(int maxEmailAttempts, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<long>(new CommandDefinition(PendingSql, new { max = maxEmailAttempts }, cancellationToken: ct))).ToList();
    }

    public async Task<DigestRow?> FindAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<DigestRow>(new CommandDefinition(RowByIdSql, new { id }, cancellationToken: ct));
    }

    public async Task<DigestRow?> FindAsync(int agencyId, long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<DigestRow>(new CommandDefinition(RowOfAgencySql, new { id, agencyId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<DigestRow>> ListAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<DigestRow>(new CommandDefinition(ListSql, new { agencyId }, cancellationToken: ct))).ToList();
    }

    public async Task RecordEmailAsync(long id, string? error, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(error is null ? EmailedSql : EmailFailedSql, new { id, now, error }, cancellationToken: ct));
    }

    public async Task RecordAnnouncedAsync(long id, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(AnnouncedSql, new { id, now }, cancellationToken: ct));
    }
}
