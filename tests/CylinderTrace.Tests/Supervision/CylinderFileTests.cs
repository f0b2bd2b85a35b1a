using System.Net;
using System.Security.Cryptography;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Supervision;

/// <summary>
/// The inspector's cylinder file (issue 19, item 8): in the menu, linked from a complaint's cylinder code, listing the
/// complaints (those the member may open; the others only counted) and fill violations about the cylinder, and the camera
/// scan's scripts served from the host itself (the pinned decoder byte for byte) under a policy that allows only them.
/// </summary>
[Collection(Collections.Complaints)]
public sealed class The_cylinder_file(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    [Fact]
    public async Task lists_the_complaints_and_violations_about_the_cylinder_within_what_the_member_may_open()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var cylinder = await fx.Data.CylinderAsync(ownerId: other, stationId: other, nextInspection: today.AddYears(1));
        var filler = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var batch = await filler.PostOkAsync("fills", new { eventId = "CF-" + cylinder.Code, cylinderCode = cylinder.Code, filledAt = DateTimeOffset.UtcNow });
        Assert.Single(batch.GetProperty("violations").EnumerateArray());
        await using var conn = await fx.Database.OpenAsync();
        var violation = await Dapper.SqlMapper.ExecuteScalarAsync<string>(conn, "SELECT number FROM fill_violations WHERE cylinder_code = @code", new { code = cylinder.Code });
        Assert.NotNull(violation);

        var home = await scenario.AgencyAsync();
        var elsewhere = await scenario.AgencyAsync();
        var mine = await scenario.RoutedComplaintAsync(home.Id, MiniProgramClient.Complaint("foreign_filled", "这个瓶子是别家充的气", cylinderCode: cylinder.Code));
        var theirs = await scenario.RoutedComplaintAsync(elsewhere.Id, MiniProgramClient.Complaint("foreign_filled", "另一位居民反映同一个瓶", cylinderCode: cylinder.Code));
        var inspector = await scenario.MemberAsync(home.Code, "inspector");

        var menu = await inspector.Http.GetStringAsync("/console");
        Assert.Contains("id=\"nav-cylinders\"", menu);
        var complaintPage = await inspector.Http.GetStringAsync($"/console/complaints/{mine.Number}");
        Assert.Contains($"href=\"/console/cylinders/{cylinder.Code}\"", complaintPage);

        var file = await inspector.GetAsync($"/console/cylinders/{cylinder.Code}");
        var html = await file.Content.ReadAsStringAsync();
        Assert.Contains($"href=\"/console/complaints/{mine.Number}\"", html);
        Assert.DoesNotContain(theirs.Number, html);
        Assert.Contains("另有 1 件由其他单位办理的投诉", html);
        Assert.Contains($"data-violation=\"{violation}\"", html);
        Assert.DoesNotContain($"href=\"/console/violations/{violation}\"", html); // the market bureau's case, not this agency's

        var bureau = await scenario.MemberAsync("market-350102");
        Assert.Contains($"href=\"/console/violations/{violation}\"", await bureau.Http.GetStringAsync($"/console/cylinders/{cylinder.Code}"));
        var elsewhereMember = await scenario.MemberAsync(elsewhere.Code);
        var theirView = await elsewhereMember.Http.GetStringAsync($"/console/cylinders/{cylinder.Code}");
        Assert.Contains($"href=\"/console/complaints/{theirs.Number}\"", theirView);
        Assert.DoesNotContain(mine.Number, theirView);
    }

    [Fact]
    public async Task the_scan_scripts_come_from_the_host_and_only_the_cylinder_pages_may_run_them()
    {
        var home = await scenario.AgencyAsync();
        var inspector = await scenario.MemberAsync(home.Code, "inspector");

        var lookup = await inspector.GetAsync("/console/cylinders");
        var policy = lookup.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe", policy);
        var page = await lookup.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/console/cylinders/jsQR-1.4.0.js\" defer></script>", page);
        Assert.Contains("<script src=\"/console/cylinders/scan.js\" defer></script>", page);
        Assert.DoesNotContain("<script>", page); // no inline script
        Assert.Contains("id=\"cylinder-code\"", page); // typed entry without any script

        var decoder = await inspector.GetAsync("/console/cylinders/" + CylinderTrace.Supervision.CylinderScan.DecoderFile);
        Assert.Equal(HttpStatusCode.OK, decoder.StatusCode);
        Assert.Equal("text/javascript", decoder.Content.Headers.ContentType?.MediaType);
        Assert.Equal(CylinderTrace.Supervision.CylinderScan.DecoderSha256, Convert.ToHexStringLower(SHA256.HashData(await decoder.Content.ReadAsByteArrayAsync())));
        Assert.Contains("jsQR", await (await inspector.GetAsync("/console/cylinders/scan.js")).Content.ReadAsStringAsync());

        // Every other console page still allows no script at all.
        Assert.DoesNotContain("script-src", (await inspector.GetAsync("/console")).Headers.GetValues("Content-Security-Policy").Single());
        // A code that is not one comes back with what was typed.
        var bad = await inspector.GetAsync("/console/cylinders?code=" + Uri.EscapeDataString("扫错了"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("value=\"扫错了\"", await bad.Content.ReadAsStringAsync());
    }
}
