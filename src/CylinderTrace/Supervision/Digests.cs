using System.Data;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Platform.Html;
using CylinderTrace.Platform.Time;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CylinderTrace.Supervision;

public sealed record DigestSettings(bool Daily, bool Weekly, int SendHour, int WeeklyDay, IReadOnlyList<string> EmailTo);

public sealed record DigestSummary(long Id, string Kind, DateOnly PeriodStart, DateOnly PeriodEnd, string Title, string Summary, DateTimeOffset CreatedAt,
    DateTimeOffset? EmailedAt, string? EmailError, DateTimeOffset? AnnouncedAt);

/// <summary>
/// Digest reports per agency (DESIGN.md §6), their schedule and their making: daily (yesterday) and weekly (the last
/// Monday-to-Sunday week), in Asia/Shanghai time, on each agency's schedule (digest_settings; by default both, at 07:00,
/// the weekly one on Monday). Each is made once — (agency, kind, period) is unique, so making it again finds the
/// archived one and sends nothing twice — from <see cref="DigestContent"/>'s figures and page, then handed to
/// <see cref="DigestDelivery"/>. A job every 15 minutes makes what is due and retries deliveries that failed.
/// </summary>
public sealed class Digests(DigestStore store, DigestContent content, DigestDelivery delivery, ComponentHtml pages, IOptions<StaffNotificationOptions> staffOptions,
    TimeProvider clock, ILogger<Digests> logger)
{
    public const string JobId = "digests-due";

    public async Task<DigestSettings> SettingsAsync(int agencyId, CancellationToken ct)
    {
        var r = await store.ScheduleAsync(agencyId, ct);
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
        await store.SaveScheduleAsync(agencyId, s, emails, clock.GetUtcNow().UtcDateTime, ct);
        return errors;
    }

    internal static List<string> Split(string emails) => emails.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>The job: every agency's due digests, then deliveries to retry.</summary>
    public async Task RunDueAsync(CancellationToken ct)
    {
        var local = ShanghaiTime.ToLocal(clock.GetUtcNow());
        var today = DateOnly.FromDateTime(local.DateTime);
        foreach (var a in await store.SchedulesAsync(ct))
        {
            if (local.Hour < a.SendHour) continue;
            if (a.Daily) await GenerateAsync(a.AgencyId, DigestKinds.Daily, today.AddDays(-1), ct);
            var thisMonday = WeekStart(today);
            var weekday = ((int)today.DayOfWeek + 6) % 7 + 1; // Monday 1 … Sunday 7
            if (a.Weekly && weekday >= a.WeeklyDay) await GenerateAsync(a.AgencyId, DigestKinds.Weekly, thisMonday.AddDays(-7), ct);
        }
        foreach (var id in await store.PendingDeliveriesAsync(DigestDelivery.MaxEmailAttempts, ct)) await delivery.DeliverAsync(id, ct);
    }

    private static DateOnly WeekStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>Makes the agency's digest of the period starting on <paramref name="start"/> unless it exists, then delivers it; returns its id.</summary>
    public async Task<long> GenerateAsync(int agencyId, string kind, DateOnly start, CancellationToken ct)
    {
        if (kind is not (DigestKinds.Daily or DigestKinds.Weekly)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "daily or weekly");
        if (kind == DigestKinds.Weekly) start = WeekStart(start);
        var end = kind == DigestKinds.Daily ? start : start.AddDays(6);
        if (await store.ExistingAsync(agencyId, kind, start, ct) is long found) return found;
        var agency = await store.ScheduleAsync(agencyId, ct);

        var figures = await content.GatherAsync(agencyId, agency.DistrictCode, kind, start, end, ct);
        var title = kind == DigestKinds.Daily
            ? $"{agency.Agency} 日报 {start:yyyy-MM-dd}"
            : $"{agency.Agency} 周报 {start:yyyy-MM-dd} 至 {end:yyyy-MM-dd}";
        var summary = $"新投诉{figures.New}件，办结{figures.Closed}件，未办结{figures.Open}件（超期{figures.Overdue}件），未结扣瓶令{figures.OpenDetentions.Count}件";
        var baseUrl = staffOptions.Value.ConsoleBaseUrl.TrimEnd('/');
        // The console link needs the id: insert, then render with it.
        var (id, made) = await store.InsertAsync(agencyId, kind, start, end, clock.GetUtcNow().UtcDateTime, title, summary, agency.EmailTo, ct);
        if (!made) return id; // another instance made it meanwhile
        var html = await DigestContent.HtmlAsync(pages, title, agency.Agency, figures, baseUrl.Length == 0 ? null : $"{baseUrl}/console/digests/{id}");
        await store.SetContentAsync(id, html, DigestContent.Csv(title, figures), ct);
        logger.LogInformation("Digest {Id} made: {Title}", id, title);
        await delivery.DeliverAsync(id, ct);
        return id;
    }

    public async Task<IReadOnlyList<DigestSummary>> ListAsync(int agencyId, CancellationToken ct) =>
        (await store.ListAsync(agencyId, ct)).Select(r => r.View()).ToList();

    /// <summary>An archived digest of the agency (its HTML and CSV), or null.</summary>
    public async Task<(DigestSummary Summary, string Html, string Csv)?> GetAsync(int agencyId, long id, CancellationToken ct) =>
        await store.FindAsync(agencyId, id, ct) is { } r ? (r.View(), r.Html, r.Csv) : null;
}
