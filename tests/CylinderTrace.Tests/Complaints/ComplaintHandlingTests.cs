using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Complaints;

/// <summary>A handler works a complaint; every action lands in the history with who and when, and the complainant's timeline shows the public part.</summary>
[Collection(Collections.Complaints)]
public sealed class A_handler_works_a_complaint(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private static string[] Kinds(JsonElement complaint) =>
        complaint.GetProperty("complaint").GetProperty("history").EnumerateArray().Select(h => h.GetProperty("kind").GetString()!).ToArray();

    private static async Task<JsonElement> TimelineAsync(ConsoleScenario.Complaint c)
    {
        var response = await c.Complainant.Http.GetAsync($"/api/mp/complaints/{c.Number}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static string[] TimelineKinds(JsonElement detail) =>
        detail.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()!).ToArray();

    private async Task<JsonNode> WaitForWeChatAsync(string path, params string[] contains)
    {
        var hit = await Eventually.ReturnsAsync(
            () => Task.FromResult(fx.WeChat.LogEntries.FirstOrDefault(e => e.RequestMessage.Path == path && contains.All(s => e.RequestMessage.Body?.Contains(s) == true))),
            e => e is not null, $"a {path} call containing {string.Join(", ", contains)}");
        return JsonNode.Parse(hit!.RequestMessage.Body!)!;
    }

    /// <summary>The subscribe message to this complainant about this complaint whose template and status phrase are these (waits for it).</summary>
    private async Task<JsonNode> WaitForMessageAsync(ConsoleScenario.Complaint c, string template, string status) =>
        (await Eventually.ReturnsAsync(() => Task.FromResult(fx.WeChat.LogEntries
                .Where(e => e.RequestMessage.Path == "/cgi-bin/message/subscribe/send" && e.RequestMessage.Body?.Contains(c.Number) == true)
                .Select(e => JsonNode.Parse(e.RequestMessage.Body!)!)
                .FirstOrDefault(m => m["touser"]!.ToString() == c.Complainant.OpenId && m["template_id"]!.ToString() == template
                    && m["data"]!["phrase3"]!["value"]!.ToString() == status)),
            m => m is not null, $"a {template} message about {c.Number} saying {status}"))!;

    [Fact]
    public async Task claim_note_resolve_and_the_complainant_sees_the_public_part()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var handler = await scenario.MemberAsync(agency.Code, name: "王处理");

        var claimed = await handler.PostOkAsync($"/api/console/complaints/{c.Number}/claim");
        Assert.Equal("in_progress", claimed.GetProperty("complaint").GetProperty("status").GetString());
        Assert.Equal("王处理", claimed.GetProperty("complaint").GetProperty("claimedByName").GetString());
        Assert.Contains("release", claimed.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));

        var noted = await handler.PostOkAsync($"/api/console/complaints/{c.Number}/notes", new { text = "已电话联系送气站负责人核实" });
        var note = noted.GetProperty("complaint").GetProperty("history").EnumerateArray().Single(h => h.GetProperty("kind").GetString() == "note");
        Assert.False(note.GetProperty("public").GetBoolean());
        Assert.Contains("王处理", note.GetProperty("actor").GetString());

        var resolved = await handler.PostOkAsync($"/api/console/complaints/{c.Number}/resolve", new { outcome = "substantiated", reply = "经核实，送气站已退还多收的二十元，并对送气工进行了教育。" });
        Assert.Equal("resolved", resolved.GetProperty("complaint").GetProperty("status").GetString());
        Assert.Equal(["submitted", "routed", "claimed", "in_progress", "note", "resolved"], Kinds(resolved));
        Assert.Equal(["note"], resolved.GetProperty("actions").EnumerateArray().Select(a => a.GetString()).ToArray());

        var timeline = await TimelineAsync(c);
        Assert.Equal("resolved", timeline.GetProperty("status").GetString());
        Assert.Equal(["submitted", "routed", "in_progress", "resolved"], TimelineKinds(timeline));
        Assert.DoesNotContain("电话联系", timeline.GetRawText());
        Assert.Equal("经核实，送气站已退还多收的二十元，并对送气工进行了教育。", timeline.GetProperty("publicReply").GetString());
        Assert.True(timeline.GetProperty("canRate").GetBoolean());

        var message = await WaitForWeChatAsync("/cgi-bin/message/subscribe/send", c.Number, "tpl-resolved");
        Assert.Equal(c.Complainant.OpenId, message["touser"]!.ToString());

        var again = await handler.PostAsync($"/api/console/complaints/{c.Number}/resolve", new { outcome = "substantiated", reply = "再次办结的答复内容" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal("substantiated", await conn.ExecuteScalarAsync<string>("SELECT outcome FROM complaint_handling WHERE complaint_id = @Id", new { c.Id }));
    }

    [Fact]
    public async Task a_claimed_complaint_is_left_to_its_claimant_unless_a_supervisor_steps_in()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var first = await scenario.MemberAsync(agency.Code);
        var second = await scenario.MemberAsync(agency.Code);
        var supervisor = await scenario.MemberAsync(agency.Code, "supervisor");
        await first.PostOkAsync($"/api/console/complaints/{c.Number}/claim");

        Assert.Equal(HttpStatusCode.Conflict, (await second.PostAsync($"/api/console/complaints/{c.Number}/claim")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await second.PostAsync($"/api/console/complaints/{c.Number}/resolve", new { outcome = "mediated", reply = "我来替他办结这件" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await second.PostAsync($"/api/console/complaints/{c.Number}/release")).StatusCode);
        // Notes are open to every handler of the agency.
        await second.PostOkAsync($"/api/console/complaints/{c.Number}/notes", new { text = "我也接到过这个送气站的类似投诉" });

        var released = await supervisor.PostOkAsync($"/api/console/complaints/{c.Number}/release");
        Assert.Equal(JsonValueKind.Null, released.GetProperty("complaint").GetProperty("claimedBy").ValueKind);
        await second.PostOkAsync($"/api/console/complaints/{c.Number}/claim");
        Assert.Equal(HttpStatusCode.Conflict, (await first.PostAsync($"/api/console/complaints/{c.Number}/claim")).StatusCode);
    }

    [Fact]
    public async Task asking_for_information_tells_the_complainant_each_time()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var handler = await scenario.MemberAsync(agency.Code);
        var asked = await handler.PostOkAsync($"/api/console/complaints/{c.Number}/information-requests", new { question = "请上传气瓶钢印的照片" });
        Assert.Equal("waiting_info", asked.GetProperty("complaint").GetProperty("status").GetString());
        var first = await WaitForWeChatAsync("/cgi-bin/message/subscribe/send", c.Number, "tpl-info");
        Assert.Contains("请上传气瓶钢印的照片", first.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/information-requests", new { question = "请补充送气时间" });
        await WaitForWeChatAsync("/cgi-bin/message/subscribe/send", c.Number, "tpl-info", "\\u8BF7\\u8865\\u5145\\u9001\\u6C14");

        var timeline = await TimelineAsync(c);
        Assert.Equal("waiting_info", timeline.GetProperty("status").GetString());
        var questions = timeline.GetProperty("timeline").EnumerateArray().Where(t => t.GetProperty("kind").GetString() == "waiting_info").Select(t => t.GetProperty("text").GetString()).ToArray();
        Assert.Equal(["请上传气瓶钢印的照片", "请补充送气时间"], questions);
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{c.Number}/information-requests", new { question = " " })).StatusCode);
    }

    [Fact]
    public async Task a_transfer_moves_it_to_the_other_agencys_queue_with_the_reason_and_a_fresh_deadline()
    {
        var from = await scenario.AgencyAsync();
        var to = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(from.Id);
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("UPDATE complaint_routing SET routed_at = @at, due_at = @due WHERE complaint_id = @Id",
            new { at = DateTime.UtcNow.AddHours(-30), due = DateTime.UtcNow.AddHours(-6), c.Id });
        await conn.ExecuteAsync("INSERT INTO complaint_deadline_marks (complaint_id, warned_at) VALUES (@Id, NOW(3))", new { c.Id });
        var handler = await scenario.MemberAsync(from.Code);
        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/claim");

        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{c.Number}/transfer", new { agency = to.Code, reason = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{c.Number}/transfer", new { agency = "no-such-agency", reason = "不归我们管" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{c.Number}/transfer", new { agency = from.Code, reason = "转给自己" })).StatusCode);
        var transfer = await handler.PostAsync($"/api/console/complaints/{c.Number}/transfer", new { agency = to.Code, reason = "属于计量问题，由市场监管办理" });
        // Moved away: the transferring handler no longer sees it.
        Assert.Equal(HttpStatusCode.NoContent, transfer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await handler.GetAsync($"/api/console/complaints/{c.Number}")).StatusCode);

        var receiver = await scenario.MemberAsync(to.Code);
        var queue = await receiver.GetJsonAsync("/api/console/complaints");
        var item = queue.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("number").GetString() == c.Number);
        Assert.Equal("routed", item.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("claimedBy").ValueKind);
        Assert.False(item.GetProperty("overdue").GetBoolean());
        var due = item.GetProperty("dueAt").GetDateTimeOffset();
        Assert.InRange(due, DateTimeOffset.UtcNow.AddHours(24).AddMinutes(-2), DateTimeOffset.UtcNow.AddHours(24).AddMinutes(2));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_deadline_marks WHERE complaint_id = @Id", new { c.Id }));

        var detail = await receiver.GetJsonAsync($"/api/console/complaints/{c.Number}");
        var step = detail.GetProperty("complaint").GetProperty("history").EnumerateArray().Single(h => h.GetProperty("kind").GetString() == "transferred");
        Assert.Equal("属于计量问题，由市场监管办理", step.GetProperty("text").GetString());
        var timeline = await TimelineAsync(c);
        Assert.Contains("transferred", TimelineKinds(timeline));

        // Issue 17, item 6: the complainant hears of the transfer (the progress template), naming the new agency.
        var message = await WaitForMessageAsync(c, "tpl-routed", "已转办");
        Assert.StartsWith("已转至测试单位", message["data"]!["thing5"]!["value"]!.ToString());
    }

    [Fact]
    public async Task duplicate_and_rejection_close_it_with_a_public_explanation()
    {
        var agency = await scenario.AgencyAsync();
        var original = await scenario.RoutedComplaintAsync(agency.Id);
        var copy = await scenario.RoutedComplaintAsync(agency.Id);
        var third = await scenario.RoutedComplaintAsync(agency.Id);
        var elsewhere = await scenario.RoutedComplaintAsync((await scenario.AgencyAsync()).Id);
        var handler = await scenario.MemberAsync(agency.Code);

        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{copy.Number}/duplicate", new { of = copy.Number })).StatusCode);
        // Another agency's complaint is not found here, so it cannot be a target either.
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{copy.Number}/duplicate", new { of = elsewhere.Number })).StatusCode);
        var dup = await handler.PostOkAsync($"/api/console/complaints/{copy.Number}/duplicate", new { of = original.Number });
        Assert.Equal("duplicate", dup.GetProperty("complaint").GetProperty("status").GetString());
        Assert.Equal(original.Number, dup.GetProperty("complaint").GetProperty("duplicateOf").GetString());
        Assert.Contains(original.Number, (await TimelineAsync(copy)).GetRawText());

        var rejected = await handler.PostOkAsync($"/api/console/complaints/{third.Number}/reject", new { reason = "所反映的是管道燃气问题", suggestion = "福州华润燃气客服热线" });
        Assert.Equal("rejected", rejected.GetProperty("complaint").GetProperty("status").GetString());
        var timeline = await TimelineAsync(third);
        Assert.Equal("closed", timeline.GetProperty("open311Status").GetString());
        var text = timeline.GetProperty("timeline").EnumerateArray().Single(t => t.GetProperty("kind").GetString() == "rejected").GetProperty("text").GetString();
        Assert.Equal("所反映的是管道燃气问题。建议向福州华润燃气客服热线反映。", text);

        // Issue 17, item 6: a reason ending in 。 and a suggestion written as a sentence read as two sentences, not 「职责。。建议向请在收气时…反映」.
        var fourth = await scenario.RoutedComplaintAsync(agency.Id);
        await handler.PostOkAsync($"/api/console/complaints/{fourth.Number}/reject",
            new { reason = "该送气服务不属于本单位职责。", suggestion = "请在收气时核对送气人员信息，如有问题向供气企业反映" });
        var reply = (await TimelineAsync(fourth)).GetProperty("publicReply").GetString();
        Assert.Equal("该送气服务不属于本单位职责。请在收气时核对送气人员信息，如有问题向供气企业反映。", reply);
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{(await scenario.RoutedComplaintAsync(agency.Id)).Number}/reject",
            new { reason = "。。", suggestion = "物业" })).StatusCode);
    }

    [Fact]
    public async Task a_merged_complaints_complainant_hears_of_the_merge_and_the_outcome_sees_it_and_rates_it()
    {
        var agency = await scenario.AgencyAsync();
        var survivor = await scenario.RoutedComplaintAsync(agency.Id);
        var merged = await scenario.RoutedComplaintAsync(agency.Id);
        var mergedIntoMerged = await scenario.RoutedComplaintAsync(agency.Id);
        var late = await scenario.RoutedComplaintAsync(agency.Id);
        var handler = await scenario.MemberAsync(agency.Code);

        // A complaint merged into another that is then merged itself follows it to the survivor.
        await handler.PostOkAsync($"/api/console/complaints/{mergedIntoMerged.Number}/duplicate", new { of = merged.Number });
        await handler.PostOkAsync($"/api/console/complaints/{merged.Number}/duplicate", new { of = survivor.Number });
        Assert.Equal(HttpStatusCode.BadRequest, (await handler.PostAsync($"/api/console/complaints/{late.Number}/duplicate", new { of = merged.Number })).StatusCode);
        foreach (var c in new[] { merged, mergedIntoMerged })
        {
            var told = await WaitForMessageAsync(c, "tpl-routed", "合并办理");
            Assert.Equal("与同一问题的投诉合并办理，结果将告知您", told["data"]!["thing5"]!["value"]!.ToString());
        }
        var before = await TimelineAsync(merged);
        Assert.Equal(survivor.Number, before.GetProperty("mergedInto").GetProperty("number").GetString());
        Assert.Equal("routed", before.GetProperty("mergedInto").GetProperty("status").GetString());
        Assert.False(before.GetProperty("canRate").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await merged.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{merged.Number}/rating", new { score = 5 })).StatusCode);

        const string reply = "经查，该送气站已停业整顿，退还多收费用。";
        await handler.PostOkAsync($"/api/console/complaints/{survivor.Number}/resolve", new { outcome = "substantiated", reply });
        // Both merged complainants hear the survivor's outcome (the resolved template, its reply); so does one merged afterwards, at once.
        foreach (var c in new[] { merged, mergedIntoMerged })
            Assert.Equal(reply[..20], (await WaitForMessageAsync(c, "tpl-resolved", "已办结"))["data"]!["thing5"]!["value"]!.ToString());
        await handler.PostOkAsync($"/api/console/complaints/{late.Number}/duplicate", new { of = survivor.Number });
        await WaitForMessageAsync(late, "tpl-resolved", "已办结");

        var after = await TimelineAsync(merged);
        Assert.Equal("duplicate", after.GetProperty("status").GetString());
        Assert.Equal("resolved", after.GetProperty("mergedInto").GetProperty("status").GetString());
        Assert.Equal(reply, after.GetProperty("publicReply").GetString());
        var outcome = after.GetProperty("timeline").EnumerateArray().Last();
        Assert.Equal("resolved", outcome.GetProperty("kind").GetString());
        Assert.Equal("合并办理的投诉已办结", outcome.GetProperty("label").GetString());
        Assert.Equal(reply, outcome.GetProperty("text").GetString());
        Assert.Equal(survivor.Number, outcome.GetProperty("mergedInto").GetString());
        // Only the survivor's outcome, none of its other steps (another person's complaint).
        Assert.DoesNotContain(after.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("mergedInto").GetString() is not null && t.GetProperty("kind").GetString() != "resolved");
        Assert.True(after.GetProperty("canRate").GetBoolean());

        var rated = await merged.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{merged.Number}/rating", new { score = 4, comment = "处理得还算及时" });
        Assert.Equal(HttpStatusCode.OK, rated.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await merged.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{merged.Number}/rating", new { score = 1 })).StatusCode);
        var rating = (await TimelineAsync(merged));
        Assert.Equal(4, rating.GetProperty("rating").GetInt32());
        Assert.False(rating.GetProperty("canRate").GetBoolean());
        // The rating judges the survivor's handling: its handlers see it in its history (internal).
        var history = (await handler.GetJsonAsync($"/api/console/complaints/{survivor.Number}")).GetProperty("complaint").GetProperty("history").EnumerateArray()
            .Single(h => h.GetProperty("kind").GetString() == "merged_rated");
        Assert.False(history.GetProperty("public").GetBoolean());
        Assert.Equal($"合并办理的投诉 {merged.Number} 的投诉人评价：4星：处理得还算及时", history.GetProperty("text").GetString());
        Assert.DoesNotContain("merged_rated", TimelineKinds(await TimelineAsync(survivor)));
    }

    [Fact]
    public async Task the_complaint_page_shows_the_cylinder_its_current_card_and_recent_trace()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", name: "测试榕城燃气有限公司");
        var station = await fx.Data.EnterpriseAsync("supply", name: "测试东街供应站", parentId: owner);
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner, stationId: station);
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddDays(-3));
        await fx.Data.DeliveryAsync(cylinder, DateTime.UtcNow.AddDays(-2), await fx.Data.WorkerAsync(station, "李四海"));
        await fx.Data.InspectionAsync(cylinder, DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-200)));
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint("short_weight", "这瓶气明显分量不足，用了三天就空了", cylinder.Code));
        var handler = await scenario.MemberAsync(agency.Code);

        var api = await handler.GetJsonAsync($"/api/console/complaints/{c.Number}/cylinder");
        Assert.Equal(cylinder.Code, api.GetProperty("code").GetString());
        Assert.Equal("测试榕城燃气有限公司", api.GetProperty("card").GetProperty("owner").GetProperty("name").GetString());
        var kinds = api.GetProperty("trace").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToArray();
        Assert.Equal(["delivery", "fill", "inspection"], kinds);
        Assert.DoesNotContain("李四海", api.GetRawText());

        var html = await (await handler.GetAsync($"/console/complaints/{c.Number}")).Content.ReadAsStringAsync();
        Assert.Contains("测试东街供应站", html);
        Assert.Contains("近期流转", html);
        Assert.Contains("福州市特种设备检验研究院", html);
        Assert.Contains("这瓶气明显分量不足", html);
    }

    [Fact]
    public async Task page_forms_do_the_same_and_come_back_to_the_complaint()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var handler = await scenario.MemberAsync(agency.Code);
        var token = await handler.FormTokenAsync($"/console/complaints/{c.Number}");
        var claim = await handler.PostFormAsync($"/console/complaints/{c.Number}/claim", token);
        Assert.Equal(HttpStatusCode.Redirect, claim.StatusCode);
        Assert.Equal($"/console/complaints/{c.Number}?done=claim", claim.Headers.Location!.OriginalString);
        var invalid = await handler.PostFormAsync($"/console/complaints/{c.Number}/resolve", token, new Dictionary<string, string> { ["outcome"] = "substantiated", ["reply"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("请填写给投诉人的答复", await invalid.Content.ReadAsStringAsync());
        var noToken = await handler.Http.PostAsync($"/console/complaints/{c.Number}/notes", new FormUrlEncodedContent(new Dictionary<string, string> { ["text"] = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        var unknown = await handler.PostFormAsync($"/console/complaints/{c.Number}/delete", token);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var html = await (await handler.GetAsync($"/console/complaints/{c.Number}?done=claim")).Content.ReadAsStringAsync();
        Assert.Contains("已认领", html);
        Assert.Contains("处理中", html);
    }
}

/// <summary>The complainant answers a request for information from the Mini Program; the handler sees it.</summary>
[Collection(Collections.Complaints)]
public sealed class The_complainant_supplies_information(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    [Fact]
    public async Task with_text_and_photos_which_puts_it_back_in_progress_once()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var handler = await scenario.MemberAsync(agency.Code);
        var early = await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/information", new { text = "还没人问我" });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/information-requests", new { question = "请拍摄气瓶钢印" });

        var upload = await c.Complainant.UploadAsync(SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));
        var photoId = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        var empty = await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/information", new { text = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var notMine = await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/information", new { photoIds = new[] { new string('a', 64) } });
        Assert.Equal(HttpStatusCode.BadRequest, notMine.StatusCode);
        var supplied = await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/information", new { text = "钢印照片已上传", photoIds = new[] { photoId } });
        Assert.Equal(HttpStatusCode.OK, supplied.StatusCode);
        var detail = JsonDocument.Parse(await supplied.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("in_progress", detail.GetProperty("status").GetString());
        Assert.Contains(photoId, detail.GetProperty("photoIds").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/information", new { text = "再补充" })).StatusCode);

        var seen = await handler.GetJsonAsync($"/api/console/complaints/{c.Number}");
        var step = seen.GetProperty("complaint").GetProperty("history").EnumerateArray().Last();
        Assert.Equal("info_supplied", step.GetProperty("kind").GetString());
        Assert.Equal("钢印照片已上传", step.GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.OK, (await handler.GetAsync($"/api/console/complaints/{c.Number}/photos/{photoId}")).StatusCode);
    }
}
