using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace CylinderTrace.Tests.Staff;

/// <summary>
/// Administrators are scoped (security issue 16, item 1): a city administrator (of Console:CityAdministratorAgency)
/// administers every agency; an administrator of any other agency administers its own agency's staff only, creates
/// accounts only there, cannot change its own agency or role, and sees other agencies' members as 404.
/// </summary>
[Collection(Collections.Complaints)]
public sealed class Administrators_are_scoped_to_their_agency(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task an_agency_administrator_lists_only_its_own_agencys_staff()
    {
        var home = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var (_, colleague) = await fx.Data.StaffAsync(home.Code);
        var (_, stranger) = await fx.Data.StaffAsync(other.Code, "administrator");
        var admin = await scenario.MemberAsync(home.Code, "administrator");

        var list = (await admin.GetJsonAsync("/api/console/staff")).EnumerateArray().ToList();
        Assert.Contains(list, s => s.GetProperty("username").GetString() == colleague);
        Assert.DoesNotContain(list, s => s.GetProperty("username").GetString() == stranger);
        Assert.All(list, s => Assert.Equal(home.Code, s.GetProperty("agencyCode").GetString()));
        Assert.Equal("agency", (await admin.GetJsonAsync("/api/console/me")).GetProperty("administers").GetString());

        var page = await (await admin.GetAsync("/console/staff")).Content.ReadAsStringAsync();
        Assert.Contains(colleague, page);
        Assert.DoesNotContain(stranger, page);
        Assert.DoesNotContain($"value=\"{other.Code}\"", page); // the agency list offers only its own agency
    }

    [Fact]
    public async Task another_agencys_member_answers_404_to_every_staff_action_and_keeps_its_password()
    {
        var home = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var (strangerId, stranger) = await fx.Data.StaffAsync(other.Code, "administrator");
        var admin = await scenario.MemberAsync(home.Code, "administrator");

        var reset = await admin.PostAsync($"/api/console/staff/{strangerId}/password-reset");
        Assert.Equal(HttpStatusCode.NotFound, reset.StatusCode);
        Assert.Equal("staff-not-found", (await Json(reset)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/console/staff/{strangerId}")).StatusCode);
        var update = await admin.Http.PutAsJsonAsync($"/api/console/staff/{strangerId}", new { displayName = "改名", role = "handler", agency = other.Code, disabled = true });
        Assert.Equal(HttpStatusCode.NotFound, update.StatusCode);
        var token = await admin.FormTokenAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostFormAsync($"/console/staff/{strangerId}/reset", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostFormAsync($"/console/staff/{strangerId}/disable", token)).StatusCode);

        // Nothing changed: the other agency's administrator signs in with its own password, enabled, still an administrator.
        var still = await ConsoleClient.SignInAsync(fx.Host, stranger, TestData.StaffPassword);
        var me = await still.GetJsonAsync("/api/console/me");
        Assert.Equal("administrator", me.GetProperty("role").GetString());
        Assert.False(me.GetProperty("mustChangePassword").GetBoolean());
    }

    [Fact]
    public async Task an_agency_administrator_cannot_move_itself_or_a_colleague_into_another_agency_or_change_its_own_role()
    {
        var home = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var complaint = await scenario.RoutedComplaintAsync(other.Id);
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        var myId = (await admin.GetJsonAsync("/api/console/me")).GetProperty("id").GetInt32();

        var move = await admin.Http.PutAsJsonAsync($"/api/console/staff/{myId}", new { displayName = "管理员", role = "administrator", agency = other.Code, disabled = false });
        Assert.Equal(HttpStatusCode.BadRequest, move.StatusCode);
        Assert.True((await Json(move)).GetProperty("errors").TryGetProperty("agency", out _));
        var demote = await admin.Http.PutAsJsonAsync($"/api/console/staff/{myId}", new { displayName = "管理员", role = "supervisor", agency = home.Code, disabled = false });
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Equal("staff-self-change", (await Json(demote)).GetProperty("code").GetString());
        var (colleagueId, _) = await fx.Data.StaffAsync(home.Code);
        var moveColleague = await admin.Http.PutAsJsonAsync($"/api/console/staff/{colleagueId}", new { displayName = "同事", role = "handler", agency = other.Code, disabled = false });
        Assert.Equal(HttpStatusCode.BadRequest, moveColleague.StatusCode);

        // Still of its own agency: the other agency's complaints stay closed to it.
        Assert.Equal(home.Code, (await admin.GetJsonAsync("/api/console/me")).GetProperty("agencyCode").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/console/complaints/{complaint.Number}")).StatusCode);
        // Within its own agency it does administer: a colleague's role changes.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.PutAsJsonAsync($"/api/console/staff/{colleagueId}",
            new { displayName = "同事", role = "supervisor", agency = home.Code, disabled = false })).StatusCode);
    }

    [Fact]
    public async Task an_agency_administrator_creates_accounts_administrators_too_only_in_its_own_agency()
    {
        var home = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        string Name() => "n" + TestData.UniqueCode().ToLowerInvariant();

        var elsewhere = await admin.PostAsync("/api/console/staff", new { username = Name(), displayName = "外单位管理员", role = "administrator", agency = other.Code });
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
        Assert.True((await Json(elsewhere)).GetProperty("errors").TryGetProperty("agency", out _));
        var page = await admin.PostFormAsync("/console/staff", await admin.FormTokenAsync("/console/staff"),
            new Dictionary<string, string> { ["username"] = Name(), ["displayName"] = "外单位", ["role"] = "administrator", ["agency"] = other.Code });
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/console/staff", new { username = Name(), displayName = "本单位管理员", role = "administrator", agency = home.Code })).StatusCode);
        var implicitAgency = Name();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/console/staff", new { username = implicitAgency, displayName = "本单位办理", role = "handler" })).StatusCode);
        var list = (await admin.GetJsonAsync("/api/console/staff")).EnumerateArray();
        Assert.Equal(home.Code, list.Single(s => s.GetProperty("username").GetString() == implicitAgency).GetProperty("agencyCode").GetString());
    }

    [Fact]
    public async Task a_city_administrator_administers_every_agency_but_not_its_own_role()
    {
        var home = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var (strangerId, stranger) = await fx.Data.StaffAsync(other.Code, "administrator");
        var city = await scenario.CityAdministratorAsync();
        var me = await city.GetJsonAsync("/api/console/me");
        Assert.Equal("city", me.GetProperty("administers").GetString());

        var list = (await city.GetJsonAsync("/api/console/staff")).EnumerateArray().Select(s => s.GetProperty("username").GetString()).ToList();
        Assert.Contains(stranger, list);
        Assert.Equal(HttpStatusCode.OK, (await city.PostAsync($"/api/console/staff/{strangerId}/password-reset")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await city.PostAsync("/api/console/staff",
            new { username = "c" + TestData.UniqueCode().ToLowerInvariant(), displayName = "区管理员", role = "administrator", agency = home.Code })).StatusCode);
        var moveSelf = await city.Http.PutAsJsonAsync($"/api/console/staff/{me.GetProperty("id").GetInt32()}",
            new { displayName = "市管理员", role = "administrator", agency = home.Code, disabled = false });
        Assert.Equal(HttpStatusCode.Conflict, moveSelf.StatusCode);
    }

    [Fact]
    public async Task the_create_admin_command_makes_an_agency_administrator_outside_the_city_agency()
    {
        var home = await scenario.AgencyAsync();
        var username = "cmd" + TestData.UniqueCode().ToLowerInvariant();
        var created = await new Cli().RunAsync(fx.Host.Services, null,
            "create-admin", "--username", username, "--agency", home.Code, "--password", TestData.StaffPassword);
        Assert.Equal(0, created.Exit);
        Assert.Contains("An agency administrator", created.Out);
        await using (var conn = await fx.Database.OpenAsync())
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE staff SET must_change_password = 0 WHERE username = @username", new { username });
        var admin = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);
        Assert.Equal("agency", (await admin.GetJsonAsync("/api/console/me")).GetProperty("administers").GetString());
        Assert.Equal(1, (await new Cli().RunAsync(fx.Host.Services, null,
            "create-staff", "--username", "x" + username, "--role", "administrator", "--agency", "no-such-agency")).Exit);
    }

    /// <summary>Every console route that names a staff account by id, from the host's own route table.</summary>
    [Fact]
    public async Task every_staff_route_answers_404_to_an_administrator_of_another_agency()
    {
        var home = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var (strangerId, stranger) = await fx.Data.StaffAsync(other.Code, "supervisor");
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        var token = await admin.FormTokenAsync();
        var routes = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.Contains("/staff/{id"))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count >= 5, $"expected the staff routes, found {routes.Count}");
        foreach (var (method, pattern) in routes)
        {
            var paths = pattern.Contains("{state")
                ? new[] { "enable", "disable" }.Select(st => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{state[^}]*\}\}?", st))
                : new[] { pattern };
            foreach (var template in paths)
            {
                var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{id[^}]*\}", strangerId.ToString());
                var body = new { displayName = "x", role = "handler", agency = other.Code, disabled = true };
                var response = method switch
                {
                    "GET" => await admin.GetAsync(path),
                    "PUT" => await admin.Http.PutAsJsonAsync(path, body),
                    _ when path.StartsWith("/api/") => await admin.PostAsync(path),
                    _ => await admin.PostFormAsync(path, token),
                };
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} → {(int)response.StatusCode}");
            }
        }
        var still = await ConsoleClient.SignInAsync(fx.Host, stranger, TestData.StaffPassword);
        Assert.Equal("supervisor", (await still.GetJsonAsync("/api/console/me")).GetProperty("role").GetString());
    }
}
