using System.Net;
using System.Text.RegularExpressions;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Routing;

namespace CylinderTrace.Tests.ConsoleShell;

/// <summary>
/// The console's forms keep work (issue 19, items 4 and 6): a success redirects (post/redirect/get) and its notice is shown
/// once; a refusal shows the form again with what was typed; destructive actions ask first and change nothing until
/// confirmed; administration (staff, routing rules, digest settings) works from the pages, with names, not codes.
/// </summary>
[Collection(Collections.Administration)]
public sealed partial class Console_forms_keep_work(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private static Dictionary<string, string> Fields(params (string Name, string Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    private static async Task<string> FollowAsync(ConsoleClient member, HttpResponseMessage redirect)
    {
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        return await member.Http.GetStringAsync(redirect.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task creating_an_account_redirects_shows_the_password_once_and_a_refusal_keeps_what_was_typed()
    {
        var home = await scenario.AgencyAsync();
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        var token = await admin.FormTokenAsync("/console/staff");
        var username = "f" + TestData.UniqueCode().ToLowerInvariant();

        var refused = await admin.PostFormAsync("/console/staff", token, Fields(("username", "x"), ("displayName", "郑表单"), ("role", "supervisor"), ("agency", home.Code)));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var again = await refused.Content.ReadAsStringAsync();
        Assert.Contains("value=\"郑表单\"", again);
        Assert.Matches("<option value=\"supervisor\" selected", again);
        Assert.Contains("用户名为3-64位", again);

        var created = await admin.PostFormAsync("/console/staff", token, Fields(("username", username), ("displayName", "郑表单"), ("role", "supervisor"), ("agency", home.Code)));
        Assert.Equal("/console/staff", created.Headers.Location?.OriginalString);
        var page = await FollowAsync(admin, created);
        var password = PasswordRegex().Match(page).Groups[1].Value;
        Assert.NotEmpty(password);
        Assert.DoesNotContain("初始密码：", await admin.Http.GetStringAsync("/console/staff")); // shown once: a reload repeats nothing
        await ConsoleClient.SignInAsync(fx.Host, username, password);

        var bad = await admin.PostFormAsync("/console/staff", token, Fields(("username", "y" + username), ("displayName", "王"), ("role", "boss"), ("agency", home.Code)));
        var text = await bad.Content.ReadAsStringAsync();
        Assert.Contains("角色应为办理人员、科室负责人、执法检查人员、系统管理员之一", text);
        Assert.DoesNotContain("handler", Regex.Match(text, "<p class=\"error\"[^>]*>(.*?)</p>").Groups[1].Value);
    }

    [Fact]
    public async Task resetting_a_password_and_disabling_an_account_ask_first_and_change_nothing_until_confirmed()
    {
        var home = await scenario.AgencyAsync();
        var (colleagueId, colleague) = await fx.Data.StaffAsync(home.Code, name: "何同事");
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        var token = await admin.FormTokenAsync("/console/staff");

        var ask = await admin.PostFormAsync($"/console/staff/{colleagueId}/reset", token);
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        var question = await ask.Content.ReadAsStringAsync();
        Assert.Contains("重置 何同事", question);
        Assert.Contains("name=\"confirm\" value=\"yes\"", question);
        var askDisable = await admin.PostFormAsync($"/console/staff/{colleagueId}/disable", token);
        Assert.Contains("停用 何同事", await askDisable.Content.ReadAsStringAsync());
        await ConsoleClient.SignInAsync(fx.Host, colleague, TestData.StaffPassword); // neither happened

        var reset = await admin.PostFormAsync($"/console/staff/{colleagueId}/reset", token, Fields(("confirm", "yes")));
        Assert.Contains("新的初始密码", await FollowAsync(admin, reset));
        var disabled = await admin.PostFormAsync($"/console/staff/{colleagueId}/disable", token, Fields(("confirm", "yes")));
        Assert.Contains($"已停用 {colleague}", await FollowAsync(admin, disabled));
        await using var conn = await fx.Database.OpenAsync();
        Assert.True(await conn.ExecuteScalarAsync<bool>("SELECT disabled FROM staff WHERE id = @colleagueId", new { colleagueId }));
        // Enabling again needs no question.
        Assert.Contains($"已启用 {colleague}", await FollowAsync(admin, await admin.PostFormAsync($"/console/staff/{colleagueId}/enable", token)));
    }

    [Fact]
    public async Task an_administrator_edits_a_colleagues_role_in_the_page_but_not_its_own()
    {
        var home = await scenario.AgencyAsync();
        var (colleagueId, colleague) = await fx.Data.StaffAsync(home.Code, name: "吴办理");
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        var me = (await admin.GetJsonAsync("/api/console/me")).GetProperty("id").GetInt32();

        var edit = await admin.Http.GetStringAsync($"/console/staff/{colleagueId}");
        Assert.Contains("修改账号 " + colleague, edit);
        var token = await admin.FormTokenAsync($"/console/staff/{colleagueId}");
        var saved = await admin.PostFormAsync($"/console/staff/{colleagueId}", token, Fields(("displayName", "吴主任"), ("role", "supervisor"), ("agency", home.Code)));
        Assert.Contains($"已保存 {colleague}", await FollowAsync(admin, saved));
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal("supervisor", await conn.ExecuteScalarAsync<string>("SELECT role FROM staff WHERE id = @colleagueId", new { colleagueId }));

        var own = await admin.Http.GetStringAsync($"/console/staff/{me}");
        Assert.Contains("id=\"self-hint\"", own);
        Assert.Matches("<select name=\"role\" id=\"edit-role\" disabled", own);
        var demote = await admin.PostFormAsync($"/console/staff/{me}", token, Fields(("displayName", "改名的管理员"), ("role", "handler"), ("agency", home.Code)));
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Contains("value=\"改名的管理员\"", await demote.Content.ReadAsStringAsync()); // the typed name is kept
        // A corrected name alone keeps the member signed in (what it may do did not change).
        var renamed = await admin.PostFormAsync($"/console/staff/{me}", token, Fields(("displayName", "改名的管理员"), ("role", "administrator"), ("agency", home.Code)));
        Assert.Equal(HttpStatusCode.Redirect, renamed.StatusCode);
        Assert.Equal("改名的管理员", (await admin.GetJsonAsync("/api/console/me")).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task the_staff_list_is_paged_and_filtered()
    {
        var home = await scenario.AgencyAsync();
        for (var i = 0; i < 51; i++) await fx.Data.StaffAsync(home.Code, name: "分页" + i);
        var admin = await scenario.MemberAsync(home.Code, "administrator");
        var first = await admin.Http.GetStringAsync("/console/staff");
        Assert.Contains("共 52 个账号，第 1/2 页", first);
        Assert.Contains("id=\"next-page\"", first);
        Assert.Equal(2, Regex.Matches(await admin.Http.GetStringAsync("/console/staff?page=2"), "<tr data-username=").Count);
        Assert.Contains("共 1 个账号", await admin.Http.GetStringAsync("/console/staff?q=" + Uri.EscapeDataString("分页50")));
    }

    /// <summary>A district of its own that no other test files complaints in.</summary>
    private async Task<string> TestDistrictAsync()
    {
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("INSERT IGNORE INTO districts (code, name, level, parent_code, center_lat, center_lng) VALUES ('359911', '表单测试区', 'district', '350100', 26.780000, 118.300000)");
        return "359911";
    }

    [Fact]
    public async Task routing_rules_show_names_edit_per_row_keep_a_named_history_and_ask_before_the_city_default_or_a_deletion()
    {
        var district = await TestDistrictAsync();
        var lead = await scenario.AgencyAsync();
        var informed = await scenario.AgencyAsync();
        var admin = await scenario.CityAdministratorAsync();
        var token = await admin.FormTokenAsync("/console/routing-rules");
        await using var conn = await fx.Database.OpenAsync();
        var names = (await conn.QueryAsync<(string Code, string Name)>("SELECT code, name FROM agencies WHERE code IN @codes", new { codes = new[] { lead.Code, informed.Code } }))
            .ToDictionary(x => x.Code, x => x.Name);

        // A refusal keeps the choices; no district chosen is not the city-wide default.
        var missing = await admin.PostFormAsync("/console/routing-rules", token, Fields(("category", "service"), ("district", ""), ("agency", lead.Code), ("deadlineHours", "48")));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var refusedPage = await missing.Content.ReadAsStringAsync();
        Assert.Contains("请选择区县", refusedPage);
        Assert.Contains($"<option value=\"{lead.Code}\" selected", refusedPage);
        Assert.Contains("value=\"48\"", refusedPage);

        // The city-wide default asks first and stays as it was.
        var before = await conn.ExecuteScalarAsync<int>("SELECT agency_id FROM routing_rules WHERE category = 'service' AND district_code = '350100'");
        var ask = await admin.PostFormAsync("/console/routing-rules", token, Fields(("category", "service"), ("district", "350100"), ("agency", lead.Code), ("deadlineHours", "48")));
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        Assert.Contains("全市默认规则", await ask.Content.ReadAsStringAsync());
        Assert.Equal(before, await conn.ExecuteScalarAsync<int>("SELECT agency_id FROM routing_rules WHERE category = 'service' AND district_code = '350100'"));

        using var form = new FormUrlEncodedContent([
            new("__RequestVerificationToken", token), new("category", "service"), new("district", district), new("agency", lead.Code), new("deadlineHours", "36"),
            new("informs", informed.Code),
        ]);
        var saved = await admin.Http.PostAsync("/console/routing-rules", form);
        var list = await FollowAsync(admin, saved);
        Assert.Contains($"已保存：", list);
        Assert.Contains($"抄送{names[informed.Code]}", list);
        var id = await conn.ExecuteScalarAsync<int>("SELECT id FROM routing_rules WHERE category = 'service' AND district_code = @district", new { district });

        var edit = await admin.Http.GetStringAsync($"/console/routing-rules/{id}");
        Assert.Contains("修改规则：", edit);
        Assert.Contains($"<option value=\"{informed.Code}\" selected", edit);
        Assert.Contains("表单测试区", edit);
        var history = Regex.Match(edit, "<section class=\"card\" id=\"rule-changes\">(.*?)</section>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("保存了", history);
        Assert.Contains(names[lead.Code], history);
        Assert.DoesNotContain("staff:", history);

        var askDelete = await admin.PostFormAsync($"/console/routing-rules/{id}/delete", token);
        Assert.Contains("确认删除", await askDelete.Content.ReadAsStringAsync());
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rules WHERE id = @id", new { id }));
        var deleted = await admin.PostFormAsync($"/console/routing-rules/{id}/delete", token, Fields(("confirm", "yes")));
        Assert.Contains("已删除", await FollowAsync(admin, deleted));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rules WHERE id = @id", new { id }));
        Assert.Contains("删除了", await admin.Http.GetStringAsync("/console/routing-rules?category=service&district=" + district));
    }

    [Fact]
    public async Task the_rules_list_is_paged()
    {
        var admin = await scenario.CityAdministratorAsync();
        var first = await admin.Http.GetStringAsync("/console/routing-rules");
        Assert.Matches("第 1/\\d+ 页", first);
        Assert.Equal(Console_forms_keep_work_PageSize, Regex.Matches(first, "<tr data-rule=").Count);
    }

    private const int Console_forms_keep_work_PageSize = CylinderTrace.Complaints.Routing.RoutingRulesConsole.PageSize;

    [Fact]
    public async Task a_supervisor_sets_the_digest_schedule_and_recipients_in_the_page()
    {
        var home = await scenario.AgencyAsync();
        var supervisor = await scenario.MemberAsync(home.Code, "supervisor");
        var page = await supervisor.Http.GetStringAsync("/console/digests");
        Assert.Contains("周报：每周一 07:00 后生成", page);
        Assert.DoesNotContain("每周1", page);
        var token = await supervisor.FormTokenAsync("/console/digests");

        var refused = await supervisor.PostFormAsync("/console/digest-settings", token,
            Fields(("daily", "true"), ("weeklyDay", "3"), ("sendHour", "8"), ("emailTo", "duty@example.org\nnot-an-address")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var again = await refused.Content.ReadAsStringAsync();
        Assert.Contains("not-an-address", again);
        Assert.Contains("<option value=\"3\" selected", again);
        Assert.DoesNotContain("emailTo", Regex.Match(again, "<p class=\"error\"[^>]*>(.*?)</p>").Groups[1].Value);

        var saved = await supervisor.PostFormAsync("/console/digest-settings", token,
            Fields(("daily", "true"), ("weeklyDay", "3"), ("sendHour", "8"), ("emailTo", "duty@example.org\nchief@example.org")));
        var shown = await FollowAsync(supervisor, saved);
        Assert.Contains("周报：不生成", shown);
        Assert.Contains("日报：每天 08:00 后生成", shown);
        var settings = await supervisor.GetJsonAsync("/api/console/digest-settings");
        Assert.False(settings.GetProperty("weekly").GetBoolean());
        Assert.Equal(3, settings.GetProperty("weeklyDay").GetInt32());
        Assert.Equal(2, settings.GetProperty("emailTo").GetArrayLength());

        var handler = await scenario.MemberAsync(home.Code);
        Assert.DoesNotContain("digest-settings-form", await handler.Http.GetStringAsync("/console/digests"));
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostFormAsync("/console/digest-settings", await handler.FormTokenAsync(), Fields(("sendHour", "1")))).StatusCode);
    }

    /// <summary>
    /// Every page route that changes routing rules or digest settings, from the host's route table: an agency's administrator
    /// (rules) and a handler (both) are refused and nothing changes.
    /// </summary>
    [Fact]
    public async Task every_rule_and_digest_setting_route_refuses_those_who_may_not_change_them()
    {
        var home = await scenario.AgencyAsync();
        var agencyAdmin = await scenario.MemberAsync(home.Code, "administrator");
        var handler = await scenario.MemberAsync(home.Code);
        await using var conn = await fx.Database.OpenAsync();
        var rule = await conn.ExecuteScalarAsync<int>("SELECT id FROM routing_rules WHERE district_code <> '350100' ORDER BY id LIMIT 1");
        var changes = await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rule_changes");
        var routes = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.StartsWith("/console/") && (p.Contains("routing-rules") || p.Contains("digest-settings")))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Where(m => m != "GET").Select(m => e.RoutePattern.RawText!))
            .ToList();
        Assert.True(routes.Count >= 3, $"expected the rule and digest-setting posts, found {routes.Count}");
        foreach (var pattern in routes)
        {
            var path = Regex.Replace(pattern, @"\{id[^}]*\}", rule.ToString());
            var fields = Fields(("category", "service"), ("district", "350102"), ("agency", home.Code), ("deadlineHours", "1"), ("confirm", "yes"), ("sendHour", "1"), ("weeklyDay", "1"));
            var asHandler = await handler.PostFormAsync(path, await handler.FormTokenAsync(), fields);
            Assert.True(asHandler.StatusCode == HttpStatusCode.Forbidden, $"handler: POST {path} → {(int)asHandler.StatusCode}");
            if (pattern.Contains("routing-rules"))
            {
                var asAdmin = await agencyAdmin.PostFormAsync(path, await agencyAdmin.FormTokenAsync(), fields);
                Assert.True(asAdmin.StatusCode == HttpStatusCode.Forbidden, $"agency administrator: POST {path} → {(int)asAdmin.StatusCode}");
            }
        }
        Assert.Equal(changes, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rule_changes"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM routing_rules WHERE id = @rule", new { rule }));
    }

    [GeneratedRegex("初始密码：([^（]+)（")]
    private static partial Regex PasswordRegex();
}
