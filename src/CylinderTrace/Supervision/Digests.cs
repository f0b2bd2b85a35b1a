using System.Data;
using System.Globalization;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Staff;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Html;
using CylinderTrace.Platform.Time;
using CylinderTrace.WeChat.Api;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using CylinderTrace.Platform.WeChat;

namespace CylinderTrace.Supervision;

/// <summary>Outgoing mail for digests (MailKit). An empty host turns e-mail off (digests are still made, archived and announced).</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";
    public string Host { get; set; } = "";
    [System.ComponentModel.DataAnnotations.Range(1, 65535, ErrorMessage = "Smtp:{0} must be a port number.")]
    public int Port { get; set; } = 25;
    /// <summary>None, StartTls or SslOnConnect.</summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^(None|StartTls|SslOnConnect)$", ErrorMessage = "Smtp:Security must be None, StartTls or SslOnConnect.")]
    public string Security { get; set; } = "StartTls";
    public string User { get; set; } = "";
    public string Password { get; set; } = "";
    public string From { get; set; } = "cylindertrace@localhost";
    public string FromName { get; set; } = "瓶装液化气安全监管平台";
}

public sealed record DigestSettings(bool Daily, bool Weekly, int SendHour, int WeeklyDay, IReadOnlyList<string> EmailTo);

public sealed record DigestSummary(long Id, string Kind, DateOnly PeriodStart, DateOnly PeriodEnd, string Title, string Summary, DateTimeOffset CreatedAt,
    DateTimeOffset? EmailedAt, string? EmailError, DateTimeOffset? AnnouncedAt);

/// <summary>
/// Digest reports per agency (DESIGN.md §6): daily (yesterday) and weekly (the last Monday-to-Sunday
/// week), in Asia/Shanghai time, on each agency's schedule (digest_settings; by default both, at 07:00,
/// the weekly one on Monday). Each is made once — (agency, kind, period) is unique, so making it again
/// finds the archived one and sends nothing twice — and then e-mailed to the agency's recipients (HTML
/// with the CSV attached; Message-Id fixed per digest, so a retry after an unacknowledged send is
/// recognisable as the same message) and announced to the agency's staff who bound WeChat by template
/// message with a link to the console. A job every 15 minutes makes what is due and retries deliveries
/// that failed (up to 10 attempts).
/// </summary>
public sealed class Digests(Db db, DigestContent content, ComponentHtml pages, IOptions<SmtpOptions> smtp, IOptions<StaffNotificationOptions> staffOptions, StaffStore staff,
    [FromKeyedServices(WeChatApps.OfficialAccount)] WeChatApiClient wechat, TimeProvider clock, ILogger<Digests> logger)
{
    public const string JobId = "digests-due";
    public const int MaxEmailAttempts = 10;

    private const string SettingsSql =
        """
        SELECT a.id AS AgencyId, a.name AS Agency, a.district_code AS DistrictCode, COALESCE(s.daily, 1) AS Daily, COALESCE(s.weekly, 1) AS Weekly,
               COALESCE(s.send_hour, 7) AS SendHour, COALESCE(s.weekly_day, 1) AS WeeklyDay, COALESCE(s.email_to, '') AS EmailTo
        FROM agencies a LEFT JOIN digest_settings s ON s.agency_id = a.id
        """;

    private sealed class AgencyRow
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

    public async Task<DigestSettings> SettingsAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleAsync<AgencyRow>(new CommandDefinition(SettingsSql + " WHERE a.id = @agencyId", new { agencyId }, cancellationToken: ct));
        return new DigestSettings(r.Daily, r.Weekly, r.SendHour, r.WeeklyDay, Split(r.EmailTo));
    }

    /// <summary>Saves an agency's schedule and recipients; the problems in words, or none.</summary>
    public async Task<IDictionary<string, string[]>> SaveSettingsAsync(int agencyId, DigestSettings s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (s.SendHour is < 0 or > 23) errors["sendHour"] = ["发送时间应为0到23点。"];
        if (s.WeeklyDay is < 1 or > 7) errors["weeklyDay"] = ["周报发送日应为1（周一）到7（周日）。"];
        var emails = s.EmailTo.Select(e => e.Trim()).Where(e => e.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (emails.Count > 20 || emails.Any(e => e.Length > 100 || !MailboxAddress.TryParse(e, out var m) || m.Address != e || !e.Contains('@')))
            errors["emailTo"] = ["收件人应为不超过20个电子邮件地址。"];
        if (errors.Count > 0) return errors;
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO digest_settings (agency_id, daily, weekly, send_hour, weekly_day, email_to, updated_at) VALUES (@agencyId, @Daily, @Weekly, @SendHour, @WeeklyDay, @emailTo, @now)
            ON DUPLICATE KEY UPDATE daily = VALUES(daily), weekly = VALUES(weekly), send_hour = VALUES(send_hour), weekly_day = VALUES(weekly_day),
              email_to = VALUES(email_to), updated_at = VALUES(updated_at)
            """, new { agencyId, s.Daily, s.Weekly, s.SendHour, s.WeeklyDay, emailTo = string.Join(',', emails), now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return errors;
    }

    private static List<string> Split(string emails) => emails.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>The job: every agency's due digests, then deliveries to retry.</summary>
    public async Task RunDueAsync(CancellationToken ct)
    {
        var local = ShanghaiTime.ToLocal(clock.GetUtcNow());
        var today = DateOnly.FromDateTime(local.DateTime);
        List<AgencyRow> agencies;
        await using (var conn = await db.OpenAsync(ct))
            agencies = (await conn.QueryAsync<AgencyRow>(new CommandDefinition(SettingsSql, cancellationToken: ct))).ToList();
        foreach (var a in agencies)
        {
            if (local.Hour < a.SendHour) continue;
            if (a.Daily) await GenerateAsync(a.AgencyId, DigestKinds.Daily, today.AddDays(-1), ct);
            var thisMonday = RatePeriodsStart(today);
            var weekday = ((int)today.DayOfWeek + 6) % 7 + 1; // Monday 1 … Sunday 7
            if (a.Weekly && weekday >= a.WeeklyDay) await GenerateAsync(a.AgencyId, DigestKinds.Weekly, thisMonday.AddDays(-7), ct);
        }
        await using (var conn = await db.OpenAsync(ct))
        {
            var pending = await conn.QueryAsync<long>(new CommandDefinition(
                "SELECT id FROM digests WHERE (emailed_at IS NULL AND email_to <> '' AND email_attempts < @max) OR announced_at IS NULL ORDER BY id LIMIT 200",
                new { max = MaxEmailAttempts }, cancellationToken: ct));
            foreach (var id in pending) await DeliverAsync(id, ct);
        }
    }

    private static DateOnly RatePeriodsStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>Makes the agency's digest of the period starting on <paramref name="start"/> unless it exists, then delivers it; returns its id.</summary>
    public async Task<long> GenerateAsync(int agencyId, string kind, DateOnly start, CancellationToken ct)
    {
        if (kind is not (DigestKinds.Daily or DigestKinds.Weekly)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "daily or weekly");
        if (kind == DigestKinds.Weekly) start = RatePeriodsStart(start);
        var end = kind == DigestKinds.Daily ? start : start.AddDays(6);
        long? existing;
        AgencyRow agency;
        await using (var conn = await db.OpenAsync(ct))
        {
            existing = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT id FROM digests WHERE agency_id = @agencyId AND kind = @kind AND period_start = @start",
                new { agencyId, kind, start = start.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
            agency = await conn.QuerySingleAsync<AgencyRow>(new CommandDefinition(SettingsSql + " WHERE a.id = @agencyId", new { agencyId }, cancellationToken: ct));
        }
        if (existing is long found) return found;

        var figures = await content.GatherAsync(agencyId, agency.DistrictCode, kind, start, end, ct);
        var title = kind == DigestKinds.Daily
            ? $"{agency.Agency} 日报 {start:yyyy-MM-dd}"
            : $"{agency.Agency} 周报 {start:yyyy-MM-dd} 至 {end:yyyy-MM-dd}";
        var summary = $"新投诉{figures.New}件，办结{figures.Closed}件，未办结{figures.Open}件（超期{figures.Overdue}件），未结扣瓶令{figures.OpenDetentions.Count}件";
        var baseUrl = staffOptions.Value.ConsoleBaseUrl.TrimEnd('/');
        long id;
        await using (var conn = await db.OpenAsync(ct))
        {
            // The console link needs the id: insert, then render with it.
            var inserted = await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT IGNORE INTO digests (agency_id, kind, period_start, period_end, created_at, title, summary, html, csv, email_to)
                VALUES (@agencyId, @kind, @start, @end, @now, @title, @summary, '', '', @emailTo)
                """, new
                {
                    agencyId, kind, start = start.ToDateTime(TimeOnly.MinValue), end = end.ToDateTime(TimeOnly.MinValue), now = clock.GetUtcNow().UtcDateTime, title, summary,
                    emailTo = agency.EmailTo,
                }, cancellationToken: ct));
            id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT id FROM digests WHERE agency_id = @agencyId AND kind = @kind AND period_start = @start",
                new { agencyId, kind, start = start.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
            if (inserted == 0) return id; // another instance made it meanwhile
            var html = await DigestContent.HtmlAsync(pages, title, agency.Agency, figures, baseUrl.Length == 0 ? null : $"{baseUrl}/console/digests/{id}");
            await conn.ExecuteAsync(new CommandDefinition("UPDATE digests SET html = @html, csv = @csv WHERE id = @id",
                new { id, html, csv = DigestContent.Csv(title, figures) }, cancellationToken: ct));
        }
        logger.LogInformation("Digest {Id} made: {Title}", id, title);
        await DeliverAsync(id, ct);
        return id;
    }

    private sealed class DigestRow
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

        public DigestSummary View() => new(Id, Kind, DateOnly.FromDateTime(PeriodStart), DateOnly.FromDateTime(PeriodEnd), Title, Summary, ShanghaiTime.FromUtc(CreatedAt),
            EmailedAt is { } e ? ShanghaiTime.FromUtc(e) : null, EmailError, AnnouncedAt is { } a ? ShanghaiTime.FromUtc(a) : null);
    }

    private const string RowSql =
        """
        SELECT id, agency_id AS AgencyId, kind, period_start AS PeriodStart, period_end AS PeriodEnd, created_at AS CreatedAt, title, summary, html, csv,
               email_to AS EmailTo, emailed_at AS EmailedAt, email_attempts AS EmailAttempts, email_error AS EmailError, announced_at AS AnnouncedAt FROM digests
        """;

    /// <summary>E-mails (once) and announces (once) a digest; failures are recorded and retried by the job.</summary>
    public async Task DeliverAsync(long id, CancellationToken ct)
    {
        DigestRow? d;
        await using (var conn = await db.OpenAsync(ct))
            d = await conn.QuerySingleOrDefaultAsync<DigestRow>(new CommandDefinition(RowSql + " WHERE id = @id", new { id }, cancellationToken: ct));
        if (d is null || d.Html.Length == 0) return;
        var s = smtp.Value;
        if (d.EmailedAt is null && d.EmailTo.Length > 0 && s.Host.Length > 0 && d.EmailAttempts < MaxEmailAttempts)
        {
            string? error = null;
            try { await SendMailAsync(d, ct); }
            catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or IOException or System.Net.Sockets.SocketException or AuthenticationException or TimeoutException)
            {
                error = ex.Message.Length > 500 ? ex.Message[..500] : ex.Message;
                logger.LogWarning("Digest {Id} not e-mailed (attempt {Attempt}): {Error}", id, d.EmailAttempts + 1, error);
            }
            await using var conn = await db.OpenAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(error is null
                    ? "UPDATE digests SET emailed_at = @now, email_attempts = email_attempts + 1, email_error = NULL WHERE id = @id AND emailed_at IS NULL"
                    : "UPDATE digests SET email_attempts = email_attempts + 1, email_error = @error WHERE id = @id",
                new { id, now = clock.GetUtcNow().UtcDateTime, error }, cancellationToken: ct));
        }
        if (d.AnnouncedAt is null)
        {
            var o = staffOptions.Value;
            var sent = o.DigestTemplateId.Length == 0 || await Platform.WeChat.TemplateBroadcast.SendAsync(wechat, await staff.BoundOpenIdsAsync(d.AgencyId, ct),
                openId => new TemplateMessage(openId, o.DigestTemplateId, new Dictionary<string, string>
                {
                    [o.NumberKey] = (d.Kind == DigestKinds.Daily ? "日报" : "周报") + d.PeriodStart.ToString("MMdd", CultureInfo.InvariantCulture),
                    [o.CategoryKey] = Cut(d.Summary, 20),
                    [o.DeadlineKey] = ShanghaiTime.FromUtc(d.CreatedAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    [o.NoteKey] = "监管摘要已生成，点击查看",
                }, Url: o.ConsoleBaseUrl.Length == 0 ? null : o.ConsoleBaseUrl.TrimEnd('/') + "/console/digests/" + d.Id, ClientMsgId: $"ct-digest-{d.Id}"),
                logger, $"Digest {d.Id} announcement", ct);
            if (sent)
            {
                await using var conn = await db.OpenAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition("UPDATE digests SET announced_at = @now WHERE id = @id AND announced_at IS NULL",
                    new { id, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
            }
        }
    }

    private async Task SendMailAsync(DigestRow d, CancellationToken ct)
    {
        var s = smtp.Value;
        var message = new MimeMessage { Subject = d.Title, MessageId = $"digest-{d.Id}@cylindertrace" };
        message.From.Add(new MailboxAddress(s.FromName, s.From));
        foreach (var to in Split(d.EmailTo)) message.To.Add(MailboxAddress.Parse(to));
        var body = new BodyBuilder { HtmlBody = d.Html, TextBody = d.Title + "\n" + d.Summary + "\n（完整内容见HTML部分与CSV附件）" };
        body.Attachments.Add($"digest-{d.Kind}-{DateOnly.FromDateTime(d.PeriodStart):yyyyMMdd}.csv", Platform.Csv.CsvWriter.Utf8(d.Csv), new ContentType("text", "csv") { Charset = "utf-8" });
        message.Body = body.ToMessageBody();
        using var client = new SmtpClient { Timeout = 30_000 };
        await client.ConnectAsync(s.Host, s.Port, s.Security switch
        {
            "None" => SecureSocketOptions.None,
            "SslOnConnect" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        }, ct);
        if (s.User.Length > 0) await client.AuthenticateAsync(s.User, s.Password, ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];

    public async Task<IReadOnlyList<DigestSummary>> ListAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<DigestRow>(new CommandDefinition(
                RowSql.Replace("html, csv,", "'' AS html, '' AS csv,", StringComparison.Ordinal) + " WHERE agency_id = @agencyId ORDER BY period_start DESC, kind LIMIT 200",
                new { agencyId }, cancellationToken: ct)))
            .Select(r => r.View()).ToList();
    }

    /// <summary>An archived digest of the agency (its HTML and CSV), or null.</summary>
    public async Task<(DigestSummary Summary, string Html, string Csv)?> GetAsync(int agencyId, long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<DigestRow>(new CommandDefinition(RowSql + " WHERE id = @id AND agency_id = @agencyId", new { id, agencyId }, cancellationToken: ct));
        return r is null ? null : (r.View(), r.Html, r.Csv);
    }
}
