using System.Globalization;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Platform.Time;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.Staff;
using CylinderTrace.WeChat.Api;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

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

/// <summary>
/// Delivers a made digest: e-mailed to the agency's recipients (HTML with the CSV attached; Message-Id fixed per digest,
/// so a retry after an unacknowledged send is recognisable as the same message), up to <see cref="MaxEmailAttempts"/>
/// attempts, and announced once to the agency's staff who bound WeChat by template message with a link to the console.
/// </summary>
public sealed class DigestDelivery(DigestStore store, IOptions<SmtpOptions> smtp, IOptions<StaffNotificationOptions> staffOptions, StaffStore staff,
    [FromKeyedServices(WeChatApps.OfficialAccount)] WeChatApiClient wechat, TimeProvider clock, ILogger<DigestDelivery> logger)
{
    public const int MaxEmailAttempts = 10;

    /// <summary>E-mails (once) and announces (once) a digest; failures are recorded and retried by the job.</summary>
    public async Task DeliverAsync(long id, CancellationToken ct)
    {
        var d = await store.FindAsync(id, ct);
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
            await store.RecordEmailAsync(id, error, clock.GetUtcNow().UtcDateTime, ct);
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
            if (sent) await store.RecordAnnouncedAsync(id, clock.GetUtcNow().UtcDateTime, ct);
        }
    }

    private async Task SendMailAsync(DigestStore.DigestRow d, CancellationToken ct)
    {
        var s = smtp.Value;
        var message = new MimeMessage { Subject = d.Title, MessageId = $"digest-{d.Id}@cylindertrace" };
        message.From.Add(new MailboxAddress(s.FromName, s.From));
        foreach (var to in Digests.Split(d.EmailTo)) message.To.Add(MailboxAddress.Parse(to));
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
}
