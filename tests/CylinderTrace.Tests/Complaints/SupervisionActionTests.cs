using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Complaints;

/// <summary>
/// Issue 19, item 1 and 3: 派单 (assign), 催办 (urge), 延期 (extension requested and decided), 重办 (reopen) and the
/// complainant's full phone for calling back, through the console API against the real database.
/// </summary>
[Collection(Collections.Complaints)]
public sealed class Supervision_actions(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private async Task<T> ScalarAsync<T>(string sql, object args)
    {
        await using var conn = await fx.Database.OpenAsync();
        return await conn.ExecuteScalarAsync<T>(sql, args);
    }

    private static string[] Kinds(JsonElement complaint) =>
        complaint.GetProperty("complaint").GetProperty("history").EnumerateArray().Select(h => h.GetProperty("kind").GetString()!).ToArray();

    [Fact]
    public async Task a_supervisor_assigns_the_handler_extends_and_reopens_and_the_handler_resolves_twice()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var (handlerId, handlerName) = await fx.Data.StaffAsync(agency.Code, name: "派单对象");
        var handler = await ConsoleClient.SignInAsync(fx.Host, handlerName, TestData.StaffPassword);
        var openId = "o-assign-" + TestData.UniqueCode();
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE staff SET wechat_openid = @openId WHERE id = @handlerId", new { openId, handlerId });
        var supervisor = await scenario.MemberAsync(agency.Code, "supervisor");
        var other = await scenario.AgencyAsync();
        var (strangerId, _) = await fx.Data.StaffAsync(other.Code);

        // Only supervisors assign, and only to their own agency's working members.
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostAsync($"/api/console/complaints/{c.Number}/assign", new { staffId = handlerId })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PostAsync($"/api/console/complaints/{c.Number}/assign", new { staffId = strangerId })).StatusCode);
        var assigned = await supervisor.PostOkAsync($"/api/console/complaints/{c.Number}/assign", new { staffId = handlerId });
        Assert.Equal("in_progress", assigned.GetProperty("complaint").GetProperty("status").GetString());
        Assert.Equal(handlerId, assigned.GetProperty("complaint").GetProperty("claimedBy").GetInt32());
        Assert.Contains("assigned", Kinds(assigned));
        // The handler hears of it on the Official Account (the staff notification path).
        await Eventually.HoldsAsync(() => fx.WeChat.LogEntries.Any(e => e.RequestMessage.Path == "/cgi-bin/message/template/send"
            && e.RequestMessage.Body!.Contains(openId) && e.RequestMessage.Body.Contains(c.Number)), "a template message about the assignment to the handler");

        // 延期: the handler asks; one request at a time; the deadline moves only when approved.
        var dueBefore = await ScalarAsync<DateTime>("SELECT due_at FROM complaint_routing WHERE complaint_id = @Id", new { c.Id });
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{c.Number}/extension-requests", new { hours = 0, reason = "x" })).StatusCode);
        var asked = await handler.PostOkAsync($"/api/console/complaints/{c.Number}/extension-requests", new { hours = 48, reason = "需要等检验机构出具检验报告" });
        Assert.Equal(48, asked.GetProperty("complaint").GetProperty("extension").GetProperty("hours").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, (await handler.PostAsync($"/api/console/complaints/{c.Number}/extension-requests", new { hours = 24, reason = "再申请一次延期" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostAsync($"/api/console/complaints/{c.Number}/extension-decision", new { approve = true })).StatusCode);
        Assert.Equal(dueBefore, await ScalarAsync<DateTime>("SELECT due_at FROM complaint_routing WHERE complaint_id = @Id", new { c.Id }));
        var pendingQueue = await supervisor.GetJsonAsync("/api/console/complaints?flag=extension");
        Assert.Contains(c.Number, pendingQueue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()));
        var approved = await supervisor.PostOkAsync($"/api/console/complaints/{c.Number}/extension-decision", new { approve = true, note = "同意" });
        Assert.Equal(JsonValueKind.Null, approved.GetProperty("complaint").GetProperty("extension").ValueKind);
        var dueAfter = await ScalarAsync<DateTime>("SELECT due_at FROM complaint_routing WHERE complaint_id = @Id", new { c.Id });
        Assert.Equal(dueBefore.AddHours(48), dueAfter, TimeSpan.FromSeconds(1));
        Assert.Contains("extension_approved", Kinds(approved));

        // A second request, refused: the deadline stays.
        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/extension-requests", new { hours = 24, reason = "当事人外出，约不上时间" });
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PostAsync($"/api/console/complaints/{c.Number}/extension-decision", new { approve = false })).StatusCode);
        var refused = await supervisor.PostOkAsync($"/api/console/complaints/{c.Number}/extension-decision", new { approve = false, note = "请按期电话联系当事人" });
        Assert.Contains("extension_refused", Kinds(refused));
        Assert.Equal(dueAfter, await ScalarAsync<DateTime>("SELECT due_at FROM complaint_routing WHERE complaint_id = @Id", new { c.Id }));

        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/resolve", new { outcome = "substantiated", reply = "已责令送气站退还多收的上楼费。" });
        // The complainant is not satisfied.
        Assert.Equal(HttpStatusCode.OK, (await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/rating", new { score = 1, comment = "没有退钱" })).StatusCode);
        var lowRated = await supervisor.GetJsonAsync("/api/console/complaints?flag=low_rated");
        Assert.Contains(c.Number, lowRated.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()));

        // 重办: supervisors only, a reason required; back to the handler who closed it, with a new deadline; reply and rating cleared.
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostAsync($"/api/console/complaints/{c.Number}/reopen", new { reason = "自己重办" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PostAsync($"/api/console/complaints/{c.Number}/reopen", new { reason = "" })).StatusCode);
        var reopened = await supervisor.PostOkAsync($"/api/console/complaints/{c.Number}/reopen", new { reason = "投诉人反映未退款，请核实后重新答复", hours = 24 });
        var rc = reopened.GetProperty("complaint");
        Assert.Equal("in_progress", rc.GetProperty("status").GetString());
        Assert.Equal(handlerId, rc.GetProperty("claimedBy").GetInt32());
        Assert.Equal(JsonValueKind.Null, rc.GetProperty("publicReply").ValueKind);
        Assert.Equal(JsonValueKind.Null, rc.GetProperty("rating").ValueKind);
        Assert.Contains("reopen_reason", Kinds(reopened));
        var due = await ScalarAsync<DateTime>("SELECT due_at FROM complaint_routing WHERE complaint_id = @Id", new { c.Id });
        Assert.Equal(DateTime.UtcNow.AddHours(24), due, TimeSpan.FromMinutes(2));
        // The complainant sees 重新办理 (public), never the internal reason.
        var timeline = JsonDocument.Parse(await (await c.Complainant.Http.GetAsync($"/api/mp/complaints/{c.Number}")).Content.ReadAsStringAsync()).RootElement;
        var publicKinds = timeline.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToList();
        Assert.Contains("reopened", publicKinds);
        Assert.DoesNotContain("reopen_reason", publicKinds);
        Assert.DoesNotContain("投诉人反映未退款", timeline.GetRawText());

        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/resolve", new { outcome = "substantiated", reply = "已核实并当面退还二十元，送气站已整改。" });
        // The new answer can be rated again.
        Assert.Equal(HttpStatusCode.OK, (await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/rating", new { score = 5 })).StatusCode);
        Assert.Equal(5, await ScalarAsync<int>("SELECT rating FROM complaints WHERE id = @Id", new { c.Id }));
    }

    [Fact]
    public async Task urges_come_from_the_handling_agencys_supervisors_informed_agencies_and_the_superior_agency_and_are_counted()
    {
        var parent = await scenario.AgencyAsync();
        var agency = await scenario.AgencyAsync();
        var informed = await scenario.AgencyAsync();
        var stranger = await scenario.AgencyAsync();
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE agencies SET parent_id = @p WHERE id = @a", new { p = parent.Id, a = agency.Id });
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("INSERT INTO complaint_informed_agencies (agency_id, complaint_id, reason, since) VALUES (@a, @c, 'informed', UTC_TIMESTAMP(3))",
                new { a = informed.Id, c = c.Id });

        var handler = await scenario.MemberAsync(agency.Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostAsync($"/api/console/complaints/{c.Number}/urge", new { text = "快点" })).StatusCode);
        var outsider = await scenario.MemberAsync(stranger.Code, "supervisor");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync($"/api/console/complaints/{c.Number}/urge", new { text = "快点办" })).StatusCode);
        var inspector = await scenario.MemberAsync(informed.Code, "inspector");
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.PostAsync($"/api/console/complaints/{c.Number}/urge", new { text = "快点办" })).StatusCode);

        var supervisor = await scenario.MemberAsync(agency.Code, "supervisor");
        await supervisor.PostOkAsync($"/api/console/complaints/{c.Number}/urge", new { text = "今天下班前回复投诉人" });
        var informedHandler = await scenario.MemberAsync(informed.Code);
        await informedHandler.PostOkAsync($"/api/console/complaints/{c.Number}/urge", new { text = "请尽快核查瓶阀问题" });
        // 督办 from above: the superior agency reads the complaint (not its photos) and urges it.
        var overseer = await scenario.MemberAsync(parent.Code, "supervisor");
        var seen = await overseer.GetJsonAsync($"/api/console/complaints/{c.Number}");
        Assert.False(seen.GetProperty("canAct").GetBoolean());
        Assert.Equal(["urge"], seen.GetProperty("actions").EnumerateArray().Select(a => a.GetString()).ToArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await overseer.PostAsync($"/api/console/complaints/{c.Number}/claim")).StatusCode);
        await overseer.PostOkAsync($"/api/console/complaints/{c.Number}/urge", new { text = "市局督办：限期办结" });
        var subordinate = await overseer.GetJsonAsync("/api/console/complaints?scope=subordinate");
        Assert.Contains(c.Number, subordinate.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()));

        var view = await supervisor.GetJsonAsync($"/api/console/complaints/{c.Number}");
        Assert.Equal(3, view.GetProperty("complaint").GetProperty("urges").GetInt32());
        var urges = view.GetProperty("complaint").GetProperty("history").EnumerateArray().Where(h => h.GetProperty("kind").GetString() == "urged").ToList();
        Assert.Equal(3, urges.Count);
        Assert.All(urges, u => Assert.False(u.GetProperty("public").GetBoolean()));
        Assert.Contains(urges, u => u.GetProperty("text").GetString() == "市局督办：限期办结");
        Assert.Equal(3, await ScalarAsync<int>("SELECT COUNT(*) FROM complaint_oversight WHERE complaint_id = @Id AND kind = 'urge' AND handling_agency_id = @a",
            new { c.Id, a = agency.Id }));
        var queue = await supervisor.GetJsonAsync("/api/console/complaints?flag=urged");
        Assert.Equal(3, queue.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("number").GetString() == c.Number).GetProperty("urges").GetInt32());
        // The digests count them: the handling agency's, and its superior's (which adds up the agencies under it).
        var digest = fx.Host.Services.GetRequiredService<CylinderTrace.Supervision.DigestContent>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        Assert.Equal(3, (await digest.GatherAsync(agency.Id, "350102", CylinderTrace.Supervision.DigestKinds.Daily, today, today, CancellationToken.None)).Urges);
        Assert.Equal(3, (await digest.GatherAsync(parent.Id, "350102", CylinderTrace.Supervision.DigestKinds.Daily, today, today, CancellationToken.None)).Urges);
        Assert.Equal(0, (await digest.GatherAsync(informed.Id, "350102", CylinderTrace.Supervision.DigestKinds.Daily, today, today, CancellationToken.None)).Urges);
    }

    [Fact]
    public async Task the_handling_agencys_staff_reveal_the_full_phone_and_each_reveal_is_logged()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint(phone: "13912345678"));
        var (handlerId, handlerName) = await fx.Data.StaffAsync(agency.Code, name: "回访员");
        var handler = await ConsoleClient.SignInAsync(fx.Host, handlerName, TestData.StaffPassword);
        var before = await handler.GetJsonAsync($"/api/console/complaints/{c.Number}");
        Assert.DoesNotContain("13912345678", before.GetRawText());
        Assert.Contains("reveal-phone", before.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));

        // A GET never reveals it.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await handler.GetAsync($"/api/console/complaints/{c.Number}/phone")).StatusCode);
        var response = await handler.PostAsync($"/api/console/complaints/{c.Number}/phone");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("13912345678", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("phone").GetString());
        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/phone");

        var inspector = await scenario.MemberAsync(agency.Code, "inspector");
        Assert.Equal(HttpStatusCode.Forbidden, (await inspector.PostAsync($"/api/console/complaints/{c.Number}/phone")).StatusCode);
        var other = await scenario.MemberAsync((await scenario.AgencyAsync()).Code, "supervisor");
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/console/complaints/{c.Number}/phone")).StatusCode);

        var after = await handler.GetJsonAsync($"/api/console/complaints/{c.Number}");
        var reveals = after.GetProperty("complaint").GetProperty("history").EnumerateArray().Where(h => h.GetProperty("kind").GetString() == "phone_revealed").ToList();
        Assert.Equal(2, reveals.Count);
        Assert.All(reveals, r => Assert.StartsWith("回访员", r.GetProperty("actor").GetString()));
        Assert.All(reveals, r => Assert.False(r.GetProperty("public").GetBoolean()));
        Assert.Equal(2, await ScalarAsync<int>("SELECT COUNT(*) FROM complaint_oversight WHERE complaint_id = @Id AND kind = 'phone_reveal' AND staff_id = @handlerId",
            new { c.Id, handlerId }));
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var figures = await fx.Host.Services.GetRequiredService<CylinderTrace.Supervision.DigestContent>()
            .GatherAsync(agency.Id, "350102", CylinderTrace.Supervision.DigestKinds.Daily, today, today, CancellationToken.None);
        Assert.Equal(2, figures.PhoneReveals);
        Assert.Contains("\"查看投诉人完整电话（回访）\",\"2\"", CylinderTrace.Supervision.DigestContent.Csv("日报", figures));
        // Nor does the complainant's timeline show it.
        var timeline = await (await c.Complainant.Http.GetAsync($"/api/mp/complaints/{c.Number}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("phone_revealed", timeline);
    }

    [Fact]
    public async Task bulk_claim_and_bulk_assign_act_on_each_complaint_and_report_the_ones_they_could_not()
    {
        var agency = await scenario.AgencyAsync();
        var a = await scenario.RoutedComplaintAsync(agency.Id);
        var b = await scenario.RoutedComplaintAsync(agency.Id);
        var taken = await scenario.RoutedComplaintAsync(agency.Id);
        var foreign = await scenario.RoutedComplaintAsync((await scenario.AgencyAsync()).Id);
        var colleague = await scenario.MemberAsync(agency.Code);
        await colleague.PostOkAsync($"/api/console/complaints/{taken.Number}/claim");
        var me = await scenario.MemberAsync(agency.Code);

        var result = await me.PostOkAsync("/api/console/complaints/bulk-claim", new { numbers = new[] { a.Number, taken.Number, foreign.Number } });
        Assert.Equal(1, result.GetProperty("done").GetInt32());
        Assert.Equal(2, result.GetProperty("failed").GetInt32());
        var items = result.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("number").GetString()!);
        Assert.True(items[a.Number].GetProperty("done").GetBoolean());
        Assert.Contains("其他人员认领", items[taken.Number].GetProperty("message").GetString());
        Assert.Equal("本单位没有这件投诉。", items[foreign.Number].GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await me.PostAsync("/api/console/complaints/bulk-assign", new { numbers = new[] { b.Number }, staffId = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await me.PostAsync("/api/console/complaints/bulk-claim", new { numbers = Array.Empty<string>() })).StatusCode);

        var (targetId, _) = await fx.Data.StaffAsync(agency.Code);
        var supervisor = await scenario.MemberAsync(agency.Code, "supervisor");
        var assigned = await supervisor.PostOkAsync("/api/console/complaints/bulk-assign", new { numbers = new[] { b.Number, taken.Number }, staffId = targetId });
        Assert.Equal(2, assigned.GetProperty("done").GetInt32());
        var mine = await supervisor.GetJsonAsync($"/api/console/complaints?claim=staff:{targetId}");
        Assert.Equal(2, mine.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task reply_templates_belong_to_one_agency_and_supervisors_keep_them()
    {
        var agency = await scenario.AgencyAsync();
        var supervisor = await scenario.MemberAsync(agency.Code, "supervisor");
        var handler = await scenario.MemberAsync(agency.Code);
        var response = await supervisor.PostAsync("/api/console/reply-templates", new { title = "上楼费", body = "经核实，送气站已退还多收的上楼费，并在门店公示收费标准。" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PostAsync("/api/console/reply-templates", new { title = "", body = "短" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostAsync("/api/console/reply-templates", new { title = "自拟", body = "办理人员不能新增常用语。" })).StatusCode);
        var list = await handler.GetJsonAsync("/api/console/reply-templates");
        Assert.Equal("上楼费", list.EnumerateArray().Single().GetProperty("title").GetString());

        var stranger = await scenario.MemberAsync((await scenario.AgencyAsync()).Code, "supervisor");
        Assert.Empty((await stranger.GetJsonAsync("/api/console/reply-templates")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.PutAsJsonAsync($"/api/console/reply-templates/{id}", new { title = "改", body = "别的单位改不了这一条。" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.DeleteAsync($"/api/console/reply-templates/{id}")).StatusCode);
        var token = await stranger.FormTokenAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostFormAsync($"/console/reply-templates/{id}/delete", token, new Dictionary<string, string> { ["confirm"] = "yes" })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await supervisor.Http.PutAsJsonAsync($"/api/console/reply-templates/{id}", new { title = "上楼费退还", body = "经核实，送气站已退还多收的上楼费。" })).StatusCode);
        // Deleting from the page asks for a confirmation first.
        var supervisorToken = await supervisor.FormTokenAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PostFormAsync($"/console/reply-templates/{id}/delete", supervisorToken)).StatusCode);
        var deleted = await supervisor.PostFormAsync($"/console/reply-templates/{id}/delete", supervisorToken, new Dictionary<string, string> { ["confirm"] = "yes" });
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Empty((await handler.GetJsonAsync("/api/console/reply-templates")).EnumerateArray());
    }
}
