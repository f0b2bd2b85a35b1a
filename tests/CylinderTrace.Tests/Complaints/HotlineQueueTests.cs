using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CylinderTrace.Complaints.Handling;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Complaints;

/// <summary>
/// Issue 19, items 2, 4 and 5: the queue for a hotline's day — full-text search in Chinese, sorting, totals and pages,
/// time left with SLA colours, unknown filters refused, "back" and "next", forms that keep the typed text, the export,
/// the work order and the statistics.
/// </summary>
[Collection(Collections.Complaints)]
public sealed class The_hotline_queue(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private static string[] Numbers(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()!).ToArray();

    private async Task DueAsync(long id, double hoursFromNow)
    {
        await using var conn = await fx.Database.OpenAsync();
        await conn.ExecuteAsync("UPDATE complaint_routing SET due_at = @due WHERE complaint_id = @id", new { id, due = DateTime.UtcNow.AddHours(hoursFromNow) });
    }

    [Fact]
    public void search_words_are_han_characters_and_pairs_and_latin_words_on_both_servers()
    {
        var doc = ComplaintSearch.Document("送气工多收上楼费", "TS20261128-000123");
        Assert.Contains("b" + "9001".PadLeft(5, '0') + "6c14".PadLeft(5, '0'), doc.Split(' '));  // 送气
        Assert.Contains("u0" + "8d39", doc.Split(' '));                                         // 费
        Assert.Contains("qts20261128", doc.Split(' '));
        Assert.Contains("q000123", doc.Split(' '));
        // Latin words with each of their prefixes (from two characters), so that a query word matches a word's beginning.
        Assert.Contains("qts", doc.Split(' '));
        Assert.Contains("qts2026", doc.Split(' '));
        Assert.Contains("q00", doc.Split(' '));
        Assert.DoesNotContain("qt", doc.Split(' '));
        // A query: every pair required; full-width digits read as ASCII; nothing for punctuation or one letter.
        Assert.Equal(["b04e0a0697c", "b0697c08d39"], ComplaintSearch.Query("上楼费"));
        Assert.Equal(["u08d39"], ComplaintSearch.Query("费"));
        Assert.Equal(["qfz12"], ComplaintSearch.Query("ＦＺ１２"));
        Assert.Null(ComplaintSearch.Query("—— ！"));
        Assert.Null(ComplaintSearch.Query("a"));
        // A long Latin word: documents keep prefixes up to 24 characters, a query looks a longer word up by its first 24.
        var code = new string('x', 30);
        Assert.Equal(["q" + code[..24]], ComplaintSearch.Query(code));
        Assert.Contains("q" + code[..24], ComplaintSearch.Document(code).Split(' '));
        // Every word is ASCII letters and digits, short enough for complaint_search_terms.term (90).
        Assert.All(doc.Split(' '), w => Assert.Matches("^[a-z0-9]{3,90}$", w));
    }

    [Fact]
    public async Task full_text_search_finds_chinese_words_in_description_address_and_reply()
    {
        var agency = await scenario.AgencyAsync();
        var unique = TestData.UniqueCode();
        var stairs = await scenario.RoutedComplaintAsync(agency.Id, new
        {
            category = "service", description = $"送气工多收了二十元上楼费，态度很差 {unique}", districtCode = "350102", address = "鼓楼区杨桥中路88号三单元", photoIds = Array.Empty<string>(),
        });
        var leak = await scenario.RoutedComplaintAsync(agency.Id, new
        {
            category = "service", description = "厨房里闻到液化气味道，怀疑瓶阀漏气", districtCode = "350102", address = "台江区五一中路12号", photoIds = Array.Empty<string>(),
        });
        // The scenario moved them into this agency behind the application's back: the reconciler files their words anew.
        await ReindexAsync();
        var me = await scenario.MemberAsync(agency.Code);
        async Task<string[]> Search(string q) => Numbers(await me.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString(q)));

        Assert.Equal([stairs.Number], await Search("上楼费"));
        Assert.Equal([stairs.Number], await Search("多收 上楼"));
        Assert.Equal([stairs.Number], await Search("杨桥中路"));
        Assert.Equal([leak.Number], await Search("漏气"));
        Assert.Equal([leak.Number], await Search("五一中路"));
        Assert.Empty(await Search("漏气 上楼费"));
        Assert.Equal([stairs.Number], await Search(unique.ToLowerInvariant()));
        Assert.Equal([stairs.Number], await Search(stairs.Number));
        // Characters in another order are not the word.
        Assert.Empty(await Search("费楼上"));

        // The reply is searched once written, in any state.
        await me.PostOkAsync($"/api/console/complaints/{leak.Number}/claim");
        await me.PostOkAsync($"/api/console/complaints/{leak.Number}/resolve", new { outcome = "mediated", reply = "已通知供气站上门更换减压阀" });
        Assert.Equal([leak.Number], await Search("减压阀"));
        Assert.Empty(Numbers(await me.GetJsonAsync("/api/console/complaints?state=open&q=" + Uri.EscapeDataString("减压阀"))));
        // Another agency's complaints are never found.
        var stranger = await scenario.MemberAsync((await scenario.AgencyAsync()).Code);
        Assert.Empty(Numbers(await stranger.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("上楼费"))));
        // Complaints the search table has not seen yet (bulk-loaded, or filed before migration 0024) are indexed by the reconciler.
        await using (var conn = await fx.Database.OpenAsync())
        {
            await conn.ExecuteAsync("DELETE FROM complaint_search WHERE complaint_id = @Id", new { stairs.Id });
            await conn.ExecuteAsync("DELETE FROM complaint_search_terms WHERE complaint_id = @Id", new { stairs.Id });
        }
        Assert.Empty(await Search("杨桥中路"));
        Assert.True(await fx.Host.Services.GetRequiredService<ComplaintSearch>().ReconcileAsync(CancellationToken.None) >= 1);
        Assert.Equal([stairs.Number], await Search("杨桥中路"));
    }

    private Task<int> ReindexAsync() => fx.Host.Services.GetRequiredService<ComplaintSearch>().ReconcileAsync(CancellationToken.None);

    [Fact]
    public async Task a_common_word_finds_every_match_of_the_agency_only_counted_and_paged_newest_first()
    {
        var agency = await scenario.AgencyAsync();
        var other = await scenario.AgencyAsync();
        var seed = await scenario.RoutedComplaintAsync(agency.Id, new
        {
            category = "service", description = "送气工多收了二十元上楼费", districtCode = "350102", address = "鼓楼区杨桥中路1号", photoIds = Array.Empty<string>(),
        });
        // 130 complaints with the word in this agency (most of its queue, over 160 days), 40 here without it, 40 in another
        // agency with it; written directly as a bulk load is, then indexed by the reconciler.
        var prefix = "TW" + TestData.UniqueCode()[..8];
        var start = DateTime.UtcNow.AddDays(-300);
        await using (var conn = await fx.Database.OpenAsync())
            for (var i = 0; i < 210; i++)
                await conn.ExecuteAsync(
                    """
                    INSERT INTO complaints (number, user_id, idempotency_key, request_hash, category, description, status, agency_id, public_reply, created_at, updated_at)
                    SELECT CONCAT(@prefix, '-', @i), user_id, CONCAT(@prefix, '-', @i), request_hash, category, @description, @status, @agencyId, @reply, @at, @at
                    FROM complaints WHERE id = @Id
                    """,
                    new
                    {
                        prefix, i, seed.Id, at = start.AddHours(i * 30), status = i % 3 == 0 ? "routed" : "resolved",
                        agencyId = i < 170 ? agency.Id : other.Id,
                        description = i is < 130 or >= 170 ? $"第{i}次反映：送气工多收上楼费" : $"第{i}次反映：气瓶没有二维码",
                        reply = i % 3 == 0 ? null : "经核实，已退还多收的费用",
                    });
        await ReindexAsync();
        var me = await scenario.MemberAsync(agency.Code, "supervisor");
        var expected = Enumerable.Range(0, 130).Reverse().Select(i => $"{prefix}-{i}").Prepend(seed.Number).ToArray(); // newest first: the seed was filed now

        var first = await me.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("上楼费"));
        Assert.Equal(131, first.GetProperty("total").GetInt64());
        var size = first.GetProperty("pageSize").GetInt32();
        var pages = first.GetProperty("pages").GetInt32();
        Assert.Equal((131 + size - 1) / size, pages);
        var all = new List<string>(Numbers(first));
        for (var p = 2; p <= pages; p++)
        {
            var page = await me.GetJsonAsync($"/api/console/complaints?q={Uri.EscapeDataString("上楼费")}&page={p}");
            Assert.Equal(131, page.GetProperty("total").GetInt64());
            all.AddRange(Numbers(page));
        }
        Assert.Equal(expected, all);
        // The oldest first; with a state; with words that narrow it; the page's HTML total.
        Assert.Equal(expected.Reverse().Take(size), Numbers(await me.GetJsonAsync("/api/console/complaints?sort=created&dir=asc&q=" + Uri.EscapeDataString("上楼费"))));
        var open = await me.GetJsonAsync("/api/console/complaints?state=routed&q=" + Uri.EscapeDataString("上楼费"));
        Assert.Equal(44 + 1, open.GetProperty("total").GetInt64()); // i = 0, 3, … 129 and the seed
        // The same, newest first (a routed state alone sorts by deadline): the page too.
        var openNewest = await me.GetJsonAsync("/api/console/complaints?state=routed&sort=created&q=" + Uri.EscapeDataString("上楼费"));
        Assert.Equal(45, openNewest.GetProperty("total").GetInt64());
        Assert.Equal(expected.Where(n => n == seed.Number || int.Parse(n[(prefix.Length + 1)..]) % 3 == 0).Take(size), Numbers(openNewest));
        Assert.Equal(86, (await me.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("上楼费 退还"))).GetProperty("total").GetInt64());
        Assert.Contains("共 <b>131</b> 件", await (await me.GetAsync("/console?q=" + Uri.EscapeDataString("上楼费"))).Content.ReadAsStringAsync());
        // A single common character (送气工, 气瓶), and a word of the other texts only.
        Assert.Equal(171, (await me.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("气"))).GetProperty("total").GetInt64());
        Assert.Equal(40, (await me.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("二维码"))).GetProperty("total").GetInt64());

        // The other agency sees its 40 only; a transfer moves the words with the complaint at once.
        var theirs = await scenario.MemberAsync(other.Code, "supervisor");
        Assert.Equal(40, (await theirs.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("上楼费"))).GetProperty("total").GetInt64());
        var handler = await scenario.MemberAsync(agency.Code);
        await handler.PostOkAsync($"/api/console/complaints/{seed.Number}/claim");
        Assert.Equal(HttpStatusCode.NoContent, (await handler.PostAsync($"/api/console/complaints/{seed.Number}/transfer", new { agency = other.Code, reason = "属于对方辖区" })).StatusCode);
        Assert.Equal(130, (await me.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("上楼费"))).GetProperty("total").GetInt64());
        var moved = await theirs.GetJsonAsync("/api/console/complaints?q=" + Uri.EscapeDataString("上楼费"));
        Assert.Equal(41, moved.GetProperty("total").GetInt64());
        Assert.Equal(seed.Number, Numbers(moved)[0]);
    }

    [Fact]
    public async Task the_queue_sorts_counts_pages_shows_time_left_and_refuses_unknown_filters()
    {
        var agency = await scenario.AgencyAsync();
        var overdue = await scenario.RoutedComplaintAsync(agency.Id);
        var soon = await scenario.RoutedComplaintAsync(agency.Id);
        var today = await scenario.RoutedComplaintAsync(agency.Id);
        var later = await scenario.RoutedComplaintAsync(agency.Id);
        await DueAsync(overdue.Id, -3);
        await DueAsync(soon.Id, 2);
        await DueAsync(today.Id, 20);
        await DueAsync(later.Id, 100);
        var me = await scenario.MemberAsync(agency.Code);

        var queue = await me.GetJsonAsync("/api/console/complaints");
        Assert.Equal([overdue.Number, soon.Number, today.Number, later.Number], Numbers(queue));
        Assert.Equal(["overdue", "4h", "24h", null], queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("sla").GetString()).ToArray());
        Assert.InRange(queue.GetProperty("items")[1].GetProperty("minutesLeft").GetInt64(), 110, 120);
        Assert.Equal([later.Number, today.Number, soon.Number, overdue.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?sort=due&dir=desc")));
        Assert.Equal([later.Number, today.Number, soon.Number, overdue.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?sort=created")));
        Assert.Equal([overdue.Number, soon.Number, today.Number, later.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?sort=number&dir=asc")));
        Assert.Equal([soon.Number], Numbers(await me.GetJsonAsync("/api/console/complaints?due=4h&sort=due")).Where(n => n != overdue.Number).ToArray());

        foreach (var bad in new[] { "state=opne", "sort=deadline", "dir=up", "category=gas", "district=999999", "due=1h", "claim=someone", "scope=all", "flag=x" })
        {
            var response = await me.GetAsync("/api/console/complaints?" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("invalid-queue-filter", problem.GetProperty("code").GetString());
            Assert.True(problem.GetProperty("errors").EnumerateObject().Any(), bad);
        }
        var page = await me.GetAsync("/console?state=opne");
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("状态“opne”不存在", await page.Content.ReadAsStringAsync());

        var html = await (await me.GetAsync("/console?sort=due")).Content.ReadAsStringAsync();
        Assert.Contains("共 <b>4</b> 件", html);
        Assert.Contains($"class=\"sla-overdue\" data-number=\"{overdue.Number}\"", html);
        Assert.Contains($"class=\"sla-4h\" data-number=\"{soon.Number}\"", html);
        Assert.Contains("超期3小时", html);
        // A complaint opened from a filtered queue leads back to that queue, and to the next one in it.
        var link = $"/console/complaints/{today.Number}?from={Uri.EscapeDataString("due=24h&sort=due")}";
        Assert.Contains(link.Replace("&", "&amp;"), (await (await me.GetAsync("/console?due=24h&sort=due")).Content.ReadAsStringAsync()));
        var complaintPage = await (await me.GetAsync(link)).Content.ReadAsStringAsync();
        Assert.Contains("href=\"/console?due=24h&amp;sort=due\" id=\"back\"", complaintPage);
        var next = await me.GetAsync($"/console/complaints/next?after={soon.Number}&from={Uri.EscapeDataString("due=24h&sort=due")}");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith($"/console/complaints/{today.Number}?from=", next.Headers.Location!.OriginalString);
        var last = await me.GetAsync($"/console/complaints/next?after={today.Number}&from={Uri.EscapeDataString("due=24h&sort=due")}");
        Assert.Equal("/console?due=24h&sort=due&done=no-next", last.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task the_paged_queue_shows_page_numbers_and_totals()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        // 120 more complaints in the agency's queue, written directly (filing each through the Mini Program would take minutes).
        var prefix = "TP" + TestData.UniqueCode()[..8];
        await using (var conn = await fx.Database.OpenAsync())
            for (var i = 0; i < 120; i++)
                await conn.ExecuteAsync(
                    """
                    INSERT INTO complaints (number, user_id, idempotency_key, request_hash, category, description, status, agency_id, created_at, updated_at)
                    SELECT CONCAT(@prefix, '-', @i), user_id, CONCAT(@prefix, '-', @i), request_hash, category, description, 'routed', agency_id, created_at, updated_at
                    FROM complaints WHERE id = @Id
                    """, new { prefix, i, c.Id });
        var me = await scenario.MemberAsync(agency.Code);
        var first = await me.GetJsonAsync("/api/console/complaints?sort=number");
        Assert.Equal(121, first.GetProperty("total").GetInt64());
        var size = first.GetProperty("pageSize").GetInt32();
        Assert.Equal((121 + size - 1) / size, first.GetProperty("pages").GetInt32());
        Assert.True(first.GetProperty("pages").GetInt32() >= 2);
        var html = await (await me.GetAsync("/console?sort=number&page=2")).Content.ReadAsStringAsync();
        Assert.Contains("<b aria-current=\"page\">2</b>", html);
        Assert.Contains("href=\"/console?sort=number\"", html);
        Assert.Contains("共 <b>121</b> 件，第 2 / ", html);
    }

    [Fact]
    public async Task a_failed_form_keeps_what_was_typed_and_destructive_actions_ask_for_confirmation()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var me = await scenario.MemberAsync(agency.Code);
        var token = await me.FormTokenAsync();
        // Too short a reply: 400, the page again with the choice and the text kept.
        var failed = await me.PostFormAsync($"/console/complaints/{c.Number}/resolve", token,
            new Dictionary<string, string> { ["outcome"] = "mediated", ["reply"] = "好的", ["from"] = "state=open" });
        Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        var html = await failed.Content.ReadAsStringAsync();
        Assert.Contains(">好的</textarea>", html);
        Assert.Contains("<option value=\"mediated\" selected", html);
        Assert.Contains("请填写给投诉人的答复", html);
        // A rejection without the confirmation box is not done, and its reason is kept.
        var unconfirmed = await me.PostFormAsync($"/console/complaints/{c.Number}/reject", token,
            new Dictionary<string, string> { ["reason"] = "属于市场监管部门职责", ["suggestion"] = "市场监督管理局" });
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains(">属于市场监管部门职责</textarea>", await unconfirmed.Content.ReadAsStringAsync());
        Assert.Equal("routed", (await me.GetJsonAsync($"/api/console/complaints/{c.Number}")).GetProperty("complaint").GetProperty("status").GetString());
        // Every field the complainant will read says so.
        var page = await (await me.GetAsync($"/console/complaints/{c.Number}")).Content.ReadAsStringAsync();
        Assert.Contains("转办理由（投诉人可见）", page);
        Assert.Contains("给投诉人的答复（投诉人可见）", page);
        Assert.Contains("理由（投诉人可见）", page);
        // Done: post/redirect/get back to the complaint, with the queue it came from.
        var done = await me.PostFormAsync($"/console/complaints/{c.Number}/claim", token, new Dictionary<string, string> { ["from"] = "state=open&sort=created" });
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal($"/console/complaints/{c.Number}?done=claim&from={Uri.EscapeDataString("state=open&sort=created")}", done.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task the_phone_reveal_page_posts_then_shows_the_number_to_the_one_who_asked()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint(phone: "13800001111"));
        var me = await scenario.MemberAsync(agency.Code);
        var colleague = await scenario.MemberAsync(agency.Code);
        Assert.DoesNotContain("13800001111", await (await me.GetAsync($"/console/complaints/{c.Number}")).Content.ReadAsStringAsync());
        var posted = await me.PostFormAsync($"/console/complaints/{c.Number}/reveal-phone", await me.FormTokenAsync());
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var shown = await (await me.GetAsync(posted.Headers.Location!.OriginalString)).Content.ReadAsStringAsync();
        Assert.Contains("href=\"tel:13800001111\"", shown);
        Assert.DoesNotContain("13800001111", await (await colleague.GetAsync($"/console/complaints/{c.Number}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_export_is_a_real_workbook_of_the_filtered_queue_with_chinese_headers()
    {
        var agency = await scenario.AgencyAsync();
        var a = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint("black_gas", "小区门口面包车卖气，气瓶没有二维码"));
        var b = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint(description: "=HYPERLINK(\"http://x\") 送气工多收钱"));
        await scenario.RoutedComplaintAsync(agency.Id);
        var me = await scenario.MemberAsync(agency.Code);

        var response = await me.GetAsync("/console/complaints/export.xlsx?category=black_gas");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var rows = MiniExcelLibs.MiniExcel.Query(new MemoryStream(bytes), useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        var row = Assert.Single(rows);
        Assert.Equal(a.Number, row["编号"]);
        Assert.Equal(CylinderTrace.Complaints.ComplaintCategories.Find("black_gas")!.Label, row["类别"]);
        Assert.Equal("小区门口面包车卖气，气瓶没有二维码", row["投诉内容"]);
        Assert.Contains("剩余时间", row.Keys);
        Assert.Contains("办理时限", row.Keys);

        var all = MiniExcelLibs.MiniExcel.Query(new MemoryStream(await (await me.GetAsync("/console/complaints/export.xlsx")).Content.ReadAsByteArrayAsync()), useHeaderRow: true)
            .Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(3, all.Count);
        // Text that looks like a formula is a text cell, not a formula.
        var entry = new System.IO.Compression.ZipArchive(new MemoryStream(await (await me.GetAsync("/console/complaints/export.xlsx")).Content.ReadAsByteArrayAsync()))
            .Entries.Single(e => e.FullName.StartsWith("xl/worksheets/sheet", StringComparison.Ordinal));
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        var sheetXml = await reader.ReadToEndAsync();
        Assert.DoesNotContain("<x:f>", sheetXml);
        Assert.DoesNotContain("<f>", sheetXml);
        Assert.Contains(all, r => (r["投诉内容"] as string)?.StartsWith("=HYPERLINK", StringComparison.Ordinal) == true && (string)r["编号"] == b.Number);
        Assert.Equal(HttpStatusCode.BadRequest, (await me.GetAsync("/console/complaints/export.xlsx?sort=nonsense")).StatusCode);
    }

    [Fact]
    public async Task statistics_count_by_category_district_agency_and_handler_for_any_period_as_csv_and_excel()
    {
        var parent = await scenario.AgencyAsync();
        var agency = await scenario.AgencyAsync();
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE agencies SET parent_id = @p WHERE id = @a", new { p = parent.Id, a = agency.Id });
        var a = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint("black_gas", "小区门口面包车卖气", districtCode: "350104"));
        var b = await scenario.RoutedComplaintAsync(agency.Id);
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var (_, handlerName) = await fx.Data.StaffAsync(agency.Code, name: "统计办理员");
        var handler = await ConsoleClient.SignInAsync(fx.Host, handlerName, TestData.StaffPassword);
        await handler.PostOkAsync($"/api/console/complaints/{b.Number}/claim");
        await handler.PostOkAsync($"/api/console/complaints/{b.Number}/resolve", new { outcome = "mediated", reply = "已协调送气站退款二十元" });
        await b.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{b.Number}/rating", new { score = 5 });
        await DueAsync(c.Id, -1);

        var boss = await scenario.MemberAsync(parent.Code, "supervisor");
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd");
        var stats = await boss.GetJsonAsync($"/api/console/complaint-statistics?period=day&date={today}");
        var total = stats.GetProperty("total");
        Assert.Equal(3, total.GetProperty("received").GetInt32());
        Assert.Equal(1, total.GetProperty("closed").GetInt32());
        Assert.Equal(2, total.GetProperty("open").GetInt32());
        Assert.Equal(1, total.GetProperty("overdue").GetInt32());
        Assert.Equal(1.0, total.GetProperty("satisfactionRate").GetDouble());
        Assert.Contains(stats.GetProperty("byHandler").EnumerateArray(), h => h.GetProperty("label").GetString() == "统计办理员" && h.GetProperty("closed").GetInt32() == 1);
        Assert.Contains(stats.GetProperty("byDistrict").EnumerateArray(), d => d.GetProperty("key").GetString() == "350104" && d.GetProperty("received").GetInt32() == 1);
        Assert.Contains(stats.GetProperty("byCategory").EnumerateArray(), d => d.GetProperty("key").GetString() == "black_gas");
        Assert.Equal(3, stats.GetProperty("byAgency").EnumerateArray().Single().GetProperty("received").GetInt32());
        Assert.Equal(3, (await boss.GetJsonAsync($"/api/console/complaint-statistics?period=custom&from={today}&to={today}")).GetProperty("total").GetProperty("received").GetInt32());
        Assert.Equal(3, (await boss.GetJsonAsync("/api/console/complaint-statistics?period=week")).GetProperty("total").GetProperty("received").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await boss.GetAsync("/api/console/complaint-statistics?period=year")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await boss.GetAsync("/console/complaints/statistics?period=custom&from=2026-02-01&to=2026-01-01")).StatusCode);

        var csv = await (await boss.GetAsync($"/console/complaints/statistics.csv?period=day&date={today}")).Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], csv[..3]);
        var text = Encoding.UTF8.GetString(csv);
        Assert.Contains("\"合计\",\"3\",\"1\",\"2\",\"1\",\"100.0%\"", text);
        Assert.Contains("\"100.0%\"", text);
        var xlsx = await (await boss.GetAsync($"/console/complaints/statistics.xlsx?period=day&date={today}")).Content.ReadAsByteArrayAsync();
        Assert.Equal(["合计", "按类别", "按区县", "按承办单位", "按承办人"], MiniExcelLibs.MiniExcel.GetSheetNames(new MemoryStream(xlsx)));
        var byHandler = MiniExcelLibs.MiniExcel.Query(new MemoryStream(xlsx), useHeaderRow: true, sheetName: "按承办人").Cast<IDictionary<string, object>>().ToList();
        Assert.Contains(byHandler, r => (string)r["承办人"] == "统计办理员" && (string)r["满意率"] == "100.0%");
        var html = await (await boss.GetAsync($"/console/complaints/statistics?period=day&date={today}")).Content.ReadAsStringAsync();
        Assert.Contains("统计办理员", html);
    }

    [Fact]
    public async Task the_work_order_prints_the_complaint_with_its_history()
    {
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var me = await scenario.MemberAsync(agency.Code);
        await me.PostOkAsync($"/api/console/complaints/{c.Number}/notes", new { text = "已电话联系投诉人" });
        var response = await me.GetAsync($"/console/complaints/{c.Number}/print");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("瓶装液化气投诉工单", html);
        Assert.Contains($"<td id=\"order-number\">{c.Number}</td>", html);
        Assert.Contains("已电话联系投诉人", html);
        Assert.Contains("承办人签字", html);
        Assert.DoesNotContain("<script", html);
    }
}
