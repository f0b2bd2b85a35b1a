using System.Net;
using System.Net.Http.Json;
using System.Text;
using CylinderTrace.Supervision;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using MimeKit;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Supervision;

/// <summary>Digest reports (issue 9): a seeded week gives exact counts; the digest is archived, e-mailed to a real SMTP server once, and announced.</summary>
[Collection(Collections.BackgroundJobs)]
public sealed class Digest_reports(WorkerHostFixture fx)
{
    [Fact]
    public async Task a_seeded_week_gives_exact_counts_archived_mailed_once_and_announced()
    {
        await using var smtp = new SmtpProcess();
        await smtp.StartAsync();
        await using var host = fx.AnotherInstance(new Dictionary<string, string?>
        {
            ["Smtp:Host"] = "127.0.0.1", ["Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Smtp:Security"] = "None",
            ["Smtp:From"] = "digest@cylindertrace.test", ["StaffNotifications:DigestTemplateId"] = "tpl-digest",
            ["StaffNotifications:ConsoleBaseUrl"] = "https://gas.example.gov.cn",
        });
        const string district = "350128";
        var agency = await fx.Data.AgencyAsync("gas_authority", district);
        var scenario = new ConsoleScenario(fx);
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7) - 7); // last week's Monday
        DateTime At(DateOnly day, int hour) => day.ToDateTime(new TimeOnly(hour, 0)).AddHours(-8); // Asia/Shanghai → UTC

        // (category, created, closed or null, due) — six complaints of this agency.
        var plan = new (string Category, DateTime Created, DateTime? Closed, DateTime Due)[]
        {
            ("black_gas", At(monday, 10), At(monday.AddDays(1), 10), At(monday.AddDays(1), 10)),       // new and closed in 24 h
            ("black_gas", At(monday.AddDays(2), 9), null, DateTime.UtcNow.AddDays(-1)),                 // new, open, overdue
            ("service", At(monday.AddDays(3), 8), At(monday.AddDays(3), 14), At(monday.AddDays(5), 8)),  // new and closed in 6 h
            ("service", At(monday.AddDays(-3), 8), At(monday.AddDays(4), 8), At(monday.AddDays(1), 8)), // older, closed this week after 168 h
            ("service", At(monday.AddDays(6), 20), null, DateTime.UtcNow.AddDays(3)),                  // new, open, not yet due
            ("black_gas", DateTime.UtcNow.AddMinutes(-30), null, DateTime.UtcNow.AddDays(1)),          // after the week: open now, not new in it
        };
        await using (var conn = await fx.Database.OpenAsync())
        {
            foreach (var p in plan)
            {
                var c = await scenario.RoutedComplaintAsync(agency.Id, M.Complaint(category: p.Category, districtCode: district));
                await conn.ExecuteAsync("UPDATE complaints SET created_at = @Created, status = @status WHERE id = @Id",
                    new { p.Created, status = p.Closed is null ? "routed" : "resolved", c.Id });
                await conn.ExecuteAsync("UPDATE complaint_routing SET due_at = @Due WHERE complaint_id = @Id", new { p.Due, c.Id });
                if (p.Closed is { } closed)
                    await conn.ExecuteAsync(
                        "INSERT INTO complaint_handling (complaint_id, outcome, closed_at) VALUES (@Id, 'resolved', @closed) ON DUPLICATE KEY UPDATE outcome = 'resolved', closed_at = @closed",
                        new { c.Id, closed });
            }
        }
        // The agency's administrator sets the recipients; an inspector issues one detention order; a supervisor has bound WeChat.
        var admin = await scenario.MemberAsync(agency.Code, "administrator");
        var saved = await admin.Http.PutAsJsonAsync("/api/console/digest-settings",
            new { daily = true, weekly = true, sendHour = 7, weeklyDay = 1, emailTo = new[] { "gas-350128@example.gov.cn", "duty@example.gov.cn" } });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var bad = await admin.Http.PutAsJsonAsync("/api/console/digest-settings", new { daily = true, weekly = true, sendHour = 25, weeklyDay = 9, emailTo = new[] { "not an address" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var inspector = await scenario.MemberAsync(agency.Code, "inspector");
        var owner = await fx.Data.EnterpriseAsync("filling", district: district);
        var ownerClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var code = "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        await ownerClient.PostOkAsync("cylinders", new { code, serial = "S" + code, spec = "YSP-15", manufactureDate = "2023-01-01", nextInspectionDate = "2028-01-01" });
        Assert.Equal(HttpStatusCode.Created, (await inspector.PostAsync("/api/console/detentions", new { cylinderCode = code, hazard = "角阀锈死" })).StatusCode);
        var (supervisorId, _) = await fx.Data.StaffAsync(agency.Code, "supervisor");
        var openId = "oDigest" + TestData.UniqueCode();
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE staff SET wechat_openid = @openId WHERE id = @supervisorId", new { openId, supervisorId });

        var digests = host.Services.GetRequiredService<Digests>();
        var id = await digests.GenerateAsync(agency.Id, DigestKinds.Weekly, monday, CancellationToken.None);

        var archived = (await digests.GetAsync(agency.Id, id, CancellationToken.None))!.Value;
        Assert.Contains("id=\"new\">4<", archived.Html);
        Assert.Contains("id=\"open\">3<", archived.Html);
        Assert.Contains("id=\"overdue\">1<", archived.Html);
        Assert.Contains("id=\"closed\">3<", archived.Html);
        Assert.Contains("平均办理 66 小时，中位 24 小时", archived.Html);
        Assert.Contains("id=\"detentions\">1<", archived.Html);
        Assert.Contains("<svg class=\"bars wide\"", archived.Html);
        // Rendered by Razor in the host (its HtmlEncoder leaves Chinese as it is), self-contained.
        Assert.StartsWith("<!DOCTYPE html>", archived.Html);
        Assert.Contains("<td>黑气：无证经营</td><td>2</td><td>1</td>", archived.Html);
        Assert.DoesNotMatch("&#x[2-9A-F][0-9A-F]{3,4};", archived.Html);
        Assert.DoesNotContain("<script", archived.Html);
        Assert.Contains($"<a href=\"https://gas.example.gov.cn/console/digests/{id}\">", archived.Html);
        Assert.StartsWith("\uFEFF", archived.Csv);
        var csv = archived.Csv.Split("\r\n");
        Assert.Contains("\"按类别\",\"黑气：无证经营\",\"2\",\"1\",\"\",\"\"", csv);
        Assert.Contains("\"投诉\",\"办结\",\"3\",\"66\",\"24\",\"\"", csv);

        // Mailed once to both recipients of a real SMTP server, with the page and the CSV (sent before GenerateAsync returned:
        // the server writes each message before it answers 250).
        Assert.True(smtp.Messages().Count == 1, "mail: " + (await digests.GetAsync(agency.Id, id, CancellationToken.None))!.Value.Summary.EmailError);
        var mail = smtp.Messages()[0];
        var message = await MimeMessage.LoadAsync(mail);
        Assert.Equal(archived.Summary.Title, message.Subject);
        Assert.Equal(["gas-350128@example.gov.cn", "duty@example.gov.cn"], message.To.Mailboxes.Select(m => m.Address).ToArray());
        Assert.Contains("id=\"new\">4<", message.HtmlBody);
        var attachment = Assert.Single(message.Attachments.OfType<MimePart>());
        using (var content = new MemoryStream())
        {
            await attachment.Content.DecodeToAsync(content);
            Assert.Contains("\"投诉\",\"新投诉\",\"4\"", Encoding.UTF8.GetString(content.ToArray()));
        }
        Assert.NotNull((await digests.GetAsync(agency.Id, id, CancellationToken.None))!.Value.Summary.EmailedAt);

        // Announced to the bound supervisor with a link to the console.
        Assert.Contains(fx.WeChat.LogEntries, e => e.RequestMessage.Path == "/cgi-bin/message/template/send"
            && e.RequestMessage.Body!.Contains(openId) && e.RequestMessage.Body.Contains("tpl-digest") && e.RequestMessage.Body.Contains($"/console/digests/{id}"));

        // Making it again (and running the job) sends nothing twice.
        Assert.Equal(id, await digests.GenerateAsync(agency.Id, DigestKinds.Weekly, monday.AddDays(3), CancellationToken.None));
        await digests.RunDueAsync(CancellationToken.None);
        Assert.Single(smtp.Messages().Where(f => File.ReadAllText(f).Contains($"<digest-{id}@cylindertrace>")));
        Assert.Equal(1, fx.WeChat.LogEntries.Count(e => e.RequestMessage.Path == "/cgi-bin/message/template/send" && e.RequestMessage.Body!.Contains($"\"ct-digest-{id}\"")));

        // The agency's members read it in the console; another agency cannot.
        var member = await scenario.MemberAsync(agency.Code);
        Assert.Contains(archived.Summary.Title, await member.Http.GetStringAsync("/console/digests"));
        var page = await member.Http.GetAsync($"/console/digests/{id}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("style-src 'unsafe-inline'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("script", page.Headers.GetValues("Content-Security-Policy").Single());
        var download = await member.Http.GetAsync($"/console/digests/{id}.csv");
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, (await download.Content.ReadAsByteArrayAsync())[..3]);
        var stranger = await scenario.MemberAsync((await fx.Data.AgencyAsync()).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/console/digests/{id}")).StatusCode);
    }

    [Fact]
    public async Task a_city_level_agencys_digest_adds_up_its_district_agencies_with_a_row_per_district()
    {
        // Issue 17, item 5: a city agency and two district agencies under it (parent_id), and one agency outside.
        var scenario = new ConsoleScenario(fx);
        var city = await fx.Data.AgencyAsync("market_supervision", "350100");
        var minqing = await fx.Data.AgencyAsync("market_supervision", "350124");
        var yongtai = await fx.Data.AgencyAsync("market_supervision", "350125");
        var outside = await fx.Data.AgencyAsync("market_supervision", "350124");
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE agencies SET parent_id = @city WHERE id IN @children", new { city = city.Id, children = new[] { minqing.Id, yongtai.Id } });

        // Placed by its cylinder's station only: the router's district is what the digest counts it under.
        var owner = await fx.Data.EnterpriseAsync("filling", district: "350124");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner, district: "350124");
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner, stationId: station);
        await scenario.RoutedComplaintAsync(minqing.Id, M.Complaint("short_weight", "这瓶气明显分量不足，用了三天就空了", cylinder.Code, districtCode: null));
        var resolvedInYongtai = await scenario.RoutedComplaintAsync(yongtai.Id, M.Complaint("gas_quality", "火焰发红，有刺鼻气味", districtCode: "350125"));
        await scenario.RoutedComplaintAsync(yongtai.Id, M.Complaint("gas_quality", "这瓶气有一股怪味", districtCode: "350125"));
        await scenario.RoutedComplaintAsync(city.Id, M.Complaint("gas_quality", "全市多处反映气质问题", districtCode: "350100"));
        await scenario.RoutedComplaintAsync(outside.Id, M.Complaint("gas_quality", "不属于这个市局的投诉", districtCode: "350124"));
        var handler = await scenario.MemberAsync(yongtai.Code);
        await handler.PostOkAsync($"/api/console/complaints/{resolvedInYongtai.Number}/resolve", new { outcome = "substantiated", reply = "已抽检该批次液化气，责令企业整改。" });

        var digests = fx.Host.Services.GetRequiredService<Digests>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var cityDigest = await digests.GenerateAsync(city.Id, DigestKinds.Daily, today, CancellationToken.None);
        var districtDigest = await digests.GenerateAsync(minqing.Id, DigestKinds.Daily, today, CancellationToken.None);

        var member = await scenario.MemberAsync(city.Code, "supervisor");
        var html = await member.Http.GetStringAsync($"/console/digests/{cityDigest}");
        Assert.Contains("id=\"new\">4<", html);
        Assert.Contains("id=\"closed\">1<", html);
        Assert.Contains("id=\"open\">3<", html);
        // District, then new, closed, open, overdue; the city's own complaint under the city.
        Assert.Contains("<td>闽清县</td><td>1</td><td>0</td><td>1</td><td>0</td>", html);
        Assert.Contains("<td>永泰县</td><td>2</td><td>1</td><td>1</td><td>0</td>", html);
        Assert.Contains("<td>福州市</td><td>1</td><td>0</td><td>1</td><td>0</td>", html);
        var csv = await member.Http.GetStringAsync($"/console/digests/{cityDigest}.csv");
        Assert.Contains("\"按区县：投诉\",\"永泰县\",\"2\",\"1\",\"1\",\"0\"", csv);

        // A district agency's digest is its own only (not its sibling's, not the agency outside).
        var own = await (await scenario.MemberAsync(minqing.Code, "supervisor")).Http.GetStringAsync($"/console/digests/{districtDigest}");
        Assert.Contains("id=\"new\">1<", own);
        Assert.DoesNotContain("永泰县", own);
    }
}
