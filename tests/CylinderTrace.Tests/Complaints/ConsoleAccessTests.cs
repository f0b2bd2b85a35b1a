using System.Net;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Routing;

namespace CylinderTrace.Tests.Complaints;

/// <summary>
/// Authorization in one place (ConsoleAccess): a member sees and acts on only their agency's
/// complaints; an informed agency reads; every other id is a 404 — tried on every console endpoint
/// that takes a complaint number, API and pages alike, found from the host's own route table so a new
/// endpoint cannot slip past this test.
/// </summary>
[Collection(Collections.Complaints)]
public sealed class Console_access_across_agencies(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private sealed record Route(string Method, string Pattern);

    /// <summary>Every console route with a {number} parameter, from the running host.</summary>
    private IReadOnlyList<Route> ComplaintRoutes() =>
        fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.Contains("{number}") && (p.StartsWith("/api/console") || p.StartsWith("/console")))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new Route(m, e.RoutePattern.RawText!)))
            .ToList();

    private static readonly string[] PageActions =
    [
        "claim", "release", "notes", "information-request", "transfer", "duplicate", "resolve", "reject",
        "assign", "urge", "extension-request", "extension-decision", "reopen", "reveal-phone",
    ];

    private static IEnumerable<string> Paths(Route route, string number, string photo) =>
        route.Pattern.Contains("{action}")
            ? PageActions.Select(a => route.Pattern.Replace("{action}", a).Replace("{number}", number))
            : [route.Pattern.Replace("{number}", number).Replace("{photoId}", photo)];

    private static async Task<HttpResponseMessage> CallAsync(ConsoleClient member, string method, string path, string token)
    {
        if (method == "GET") return await member.GetAsync(path);
        var fields = new Dictionary<string, string>
        {
            ["text"] = "备注内容", ["question"] = "请补充照片", ["agency"] = "gas-350103", ["reason"] = "不属于本单位", ["of"] = "TS20260101-000001",
            ["outcome"] = "substantiated", ["reply"] = "已经核实处理完毕", ["suggestion"] = "市场监管部门",
            ["confirm"] = "yes", ["hours"] = "24", ["decision"] = "approve", ["note"] = "同意",
        };
        return path.StartsWith("/api/")
            ? await member.PostAsync(path, fields)
            : await member.PostFormAsync(path, token, fields);
    }

    [Fact]
    public async Task every_complaint_endpoint_answers_404_to_another_agency_and_changes_nothing()
    {
        var home = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var complainant = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var upload = await complainant.UploadAsync(SamplePhotoBytes);
        var photoId = System.Text.Json.JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        var complaint = await scenario.RoutedComplaintAsync(home.Id, MiniProgramClient.Complaint(photoIds: [photoId]), complainant);

        var routes = ComplaintRoutes();
        Assert.True(routes.Count >= 14, $"expected the console's complaint routes, found {routes.Count}");
        foreach (var role in new[] { "handler", "supervisor", "inspector", "administrator" })
        {
            var stranger = await scenario.MemberAsync(other.Code, role);
            var token = await stranger.FormTokenAsync();
            foreach (var route in routes)
                foreach (var path in Paths(route, complaint.Number, photoId))
                {
                    var response = await CallAsync(stranger, route.Method, path, token);
                    Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{role} of another agency: {route.Method} {path} → {(int)response.StatusCode}");
                }
        }
        // A number that does not exist answers exactly the same.
        var member = await scenario.MemberAsync(other.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync("/api/console/complaints/TS19990101-000001")).StatusCode);

        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal("routed", await conn.ExecuteScalarAsync<string>("SELECT status FROM complaints WHERE id = @Id", new { complaint.Id }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM complaint_events WHERE complaint_id = @Id AND actor LIKE 'staff:%'", new { complaint.Id }));
        Assert.Equal(home.Id, await conn.ExecuteScalarAsync<int>("SELECT agency_id FROM complaints WHERE id = @Id", new { complaint.Id }));
    }

    [Fact]
    public async Task the_handling_agency_reads_everything_including_photos_and_acts()
    {
        var home = await scenario.AgencyAsync();
        var complainant = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var upload = await complainant.UploadAsync(SamplePhotoBytes);
        var photoId = System.Text.Json.JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        var complaint = await scenario.RoutedComplaintAsync(home.Id, MiniProgramClient.Complaint(photoIds: [photoId]), complainant);
        var handler = await scenario.MemberAsync(home.Code);
        var view = await handler.GetJsonAsync($"/api/console/complaints/{complaint.Number}");
        Assert.True(view.GetProperty("canAct").GetBoolean());
        Assert.Contains("claim", view.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        var image = await handler.GetAsync($"/api/console/complaints/{complaint.Number}/photos/{photoId}");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", Assert.Single(image.Headers.GetValues("X-Content-Type-Options")));
        var page = await handler.GetAsync($"/console/complaints/{complaint.Number}/photos/{photoId}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        // A photo that is not this complaint's is not served through it.
        var another = await UploadPhotoAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await handler.GetAsync($"/api/console/complaints/{complaint.Number}/photos/{another}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await handler.GetAsync($"/console/complaints/{complaint.Number}")).StatusCode);
    }

    [Fact]
    public async Task an_informed_agency_and_the_handling_agencys_inspector_read_but_may_not_act()
    {
        var home = await scenario.AgencyAsync();
        var informed = await scenario.AgencyAsync();
        var complainant = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var upload = await complainant.UploadAsync(SamplePhotoBytes);
        var photoId = System.Text.Json.JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        var complaint = await scenario.RoutedComplaintAsync(home.Id, MiniProgramClient.Complaint(photoIds: [photoId]), complainant);
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("INSERT INTO complaint_informed_agencies (agency_id, complaint_id, reason, since) VALUES (@a, @c, 'informed', NOW(3))",
                new { a = informed.Id, c = complaint.Id });

        // An informed agency's handler may only urge it (催办, issue 19); the handling agency's inspector only reads.
        foreach (var (reader, actions) in new[] { (await scenario.MemberAsync(informed.Code), new[] { "urge" }), (await scenario.MemberAsync(home.Code, "inspector"), []) })
        {
            var view = await reader.GetJsonAsync($"/api/console/complaints/{complaint.Number}");
            Assert.False(view.GetProperty("canAct").GetBoolean());
            Assert.Equal(actions, view.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!).ToArray());
            var claim = await reader.PostAsync($"/api/console/complaints/{complaint.Number}/claim");
            Assert.Equal(HttpStatusCode.Forbidden, claim.StatusCode);
            var page = await reader.PostFormAsync($"/console/complaints/{complaint.Number}/notes", await reader.FormTokenAsync(), new Dictionary<string, string> { ["text"] = "x" });
            Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        }
        // Photos are for the handling agency's staff only.
        var informedMember = await scenario.MemberAsync(informed.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await informedMember.GetAsync($"/api/console/complaints/{complaint.Number}/photos/{photoId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await informedMember.GetAsync($"/console/complaints/{complaint.Number}/photos/{photoId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await scenario.MemberAsync(home.Code, "inspector")).GetAsync($"/api/console/complaints/{complaint.Number}/photos/{photoId}")).StatusCode);

        var informedQueue = await (await scenario.MemberAsync(informed.Code)).GetJsonAsync("/api/console/complaints?scope=informed");
        Assert.Contains(complaint.Number, informedQueue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()));
        var ownQueue = await (await scenario.MemberAsync(informed.Code)).GetJsonAsync("/api/console/complaints");
        Assert.DoesNotContain(complaint.Number, ownQueue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()));
    }

    [Fact]
    public async Task team_view_is_for_supervisors_and_staff_administration_for_administrators()
    {
        var home = await scenario.AgencyAsync();
        var handler = await scenario.MemberAsync(home.Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.GetAsync("/api/console/team")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.GetAsync("/console/team")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.GetAsync("/api/console/staff")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostAsync("/api/console/staff", new { username = "someone", displayName = "x", role = "administrator", agency = home.Code })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.GetAsync("/console/staff")).StatusCode);
        var supervisor = await scenario.MemberAsync(home.Code, "supervisor");
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync("/api/console/team")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.GetAsync("/api/console/staff")).StatusCode);
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/console/staff")).StatusCode);
    }

    private static byte[] SamplePhotoBytes => SamplePhotos.Jpeg(Random.Shared.Next(1, 65535));

    private async Task<string> UploadPhotoAsync()
    {
        var other = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var response = await other.UploadAsync(SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
    }
}
