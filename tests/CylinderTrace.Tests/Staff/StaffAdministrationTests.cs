using System.Net;
using System.Net.Http.Json;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Staff;

/// <summary>Administrators create, reset and disable staff accounts; each member belongs to one agency.</summary>
[Collection(Collections.Console)]
public sealed class Staff_administration(WebHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    [Fact]
    public async Task an_administrator_creates_an_account_whose_initial_password_must_be_changed()
    {
        var agency = await scenario.AgencyAsync();
        var admin = await scenario.MemberAsync(agency.Code, "administrator");
        var username = "new-" + TestData.UniqueCode().ToLowerInvariant();
        var created = await admin.PostAsync("/api/console/staff", new { username, displayName = "新同事", role = "handler", agency = agency.Code });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var password = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("initialPassword").GetString()!;
        Assert.True(password.Length >= 10);

        var member = await ConsoleClient.SignInAsync(fx.Host, username, password);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/console/complaints")).StatusCode);

        var invalid = await admin.PostAsync("/api/console/staff", new { username = "x", displayName = "", role = "boss", agency = "nowhere" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = System.Text.Json.JsonDocument.Parse(await invalid.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        foreach (var field in new[] { "username", "displayName", "role", "agency" }) Assert.True(errors.TryGetProperty(field, out _), field);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/console/staff", new { username, displayName = "重名", role = "handler", agency = agency.Code })).StatusCode);
    }

    [Fact]
    public async Task disabling_or_resetting_ends_the_members_sessions()
    {
        var agency = await scenario.AgencyAsync();
        var admin = await scenario.MemberAsync(agency.Code, "administrator");
        var (id, username) = await fx.Data.StaffAsync(agency.Code);
        var member = await ConsoleClient.SignInAsync(fx.Host, username, TestData.StaffPassword);

        var reset = await admin.PostOkAsync($"/api/console/staff/{id}/password-reset");
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.GetAsync("/api/console/me")).StatusCode);
        var again = await ConsoleClient.SignInAsync(fx.Host, username, reset.GetProperty("initialPassword").GetString()!);
        Assert.True((await again.GetJsonAsync("/api/console/me")).GetProperty("mustChangePassword").GetBoolean());

        var disabled = await admin.Http.PutAsJsonAsync($"/api/console/staff/{id}", new { displayName = "测试handler", role = "handler", agency = agency.Code, disabled = true });
        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.GetAsync("/api/console/me")).StatusCode);
        var signIn = await ConsoleClient.NewHttp(fx.Host).PostAsJsonAsync("/api/console/session", new { username, password = reset.GetProperty("initialPassword").GetString() });
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);

        var me = (await admin.GetJsonAsync("/api/console/me")).GetProperty("id").GetInt32();
        var selfDisable = await admin.Http.PutAsJsonAsync($"/api/console/staff/{me}", new { displayName = "管理员", role = "administrator", agency = agency.Code, disabled = true });
        Assert.Equal(HttpStatusCode.Conflict, selfDisable.StatusCode);
    }
}

/// <summary>Hangfire's dashboard shows every agency's job arguments and can requeue or delete jobs: city administrators only.</summary>
[Collection(Collections.Console)]
public sealed class The_jobs_dashboard(WebHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    [Fact]
    public async Task is_open_to_city_administrators_only()
    {
        var agency = await scenario.AgencyAsync();
        var anonymous = await ConsoleClient.NewHttp(fx.Host).GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("/console/login", anonymous.Headers.Location!.ToString());
        foreach (var role in new[] { "handler", "supervisor", "inspector" })
        {
            var member = await scenario.MemberAsync(agency.Code, role);
            var denied = await member.GetAsync("/hangfire/jobs/succeeded");
            Assert.True(denied.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Forbidden, $"{role}: {(int)denied.StatusCode}");
            Assert.DoesNotContain("Hangfire", await denied.Content.ReadAsStringAsync());
        }
        var districtAdmin = await scenario.MemberAsync(agency.Code, "administrator");
        var refused = await districtAdmin.GetAsync("/hangfire/jobs/succeeded");
        Assert.True(refused.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Forbidden, $"agency administrator: {(int)refused.StatusCode}");
        Assert.DoesNotContain("Hangfire", await refused.Content.ReadAsStringAsync());
        var admin = await scenario.CityAdministratorAsync();
        var home = await admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Hangfire", await home.Content.ReadAsStringAsync());
        // A worker instance registers the recurring jobs as it starts (this collection's host serves web only).
        await using (var worker = fx.AnotherInstance(worker: true, recurringJobs: true))
            _ = worker.Server;
        var recurring = await admin.GetAsync("/hangfire/recurring");
        Assert.Equal(HttpStatusCode.OK, recurring.StatusCode);
        Assert.Contains("complaint-routing-reconcile", await recurring.Content.ReadAsStringAsync());
    }
}
