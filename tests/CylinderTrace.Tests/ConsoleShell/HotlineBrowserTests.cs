using System.Net.Http.Json;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.Playwright;
using static CylinderTrace.Tests.ConsoleShell.The_console_for_administrators_and_inspectors_in_a_browser;
using static CylinderTrace.Tests.ConsoleShell.The_console_in_a_browser;

namespace CylinderTrace.Tests.ConsoleShell;

/// <summary>
/// Issue 19 in a real browser (Debian's Chromium through Playwright): a supervisor on a laptop and a handler on a phone
/// work one complaint through assign → claim → extend → resolve → reopen → resolve, search the queue, and export it;
/// the workbook is opened with MiniExcel. The screenshots are the Chinese user guide's (handler-*, supervisor-*): with
/// CT_GUIDE_SCREENSHOTS=1 (ops/guide-screenshots.sh) they go to docs/zh/images/, otherwise to artifacts/screenshots/.
/// </summary>
[Collection(Collections.Complaints)]
public sealed class The_hotline_in_a_browser(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private static async Task SignInAsync(IPage page, string address, string username)
    {
        await page.GotoAsync($"{address}/console/login");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", TestData.StaffPassword);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/console");
    }

    [Fact]
    public async Task a_supervisor_and_a_handler_take_a_complaint_through_assign_extend_resolve_reopen_and_resolve()
    {
        var agency = await scenario.AgencyAsync();
        var unique = "钢瓶" + TestData.UniqueCode()[..6];
        var c = await scenario.RoutedComplaintAsync(agency.Id, new
        {
            category = "service", description = $"送气工多收了二十元上楼费，编号{unique}", districtCode = "350102", address = "鼓楼区杨桥中路88号",
            contactPhone = "13700002222", photoIds = Array.Empty<string>(),
        });
        var d = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint(description: "楼下饭店的液化气钢瓶放在人行道上"));
        // The scenario moved both into the agency behind the application's back: the reconciler files their search words anew.
        await fx.Host.Services.GetRequiredService<CylinderTrace.Complaints.Handling.ComplaintSearch>().ReconcileAsync(CancellationToken.None);
        var (handlerId, handlerName) = await fx.Data.StaffAsync(agency.Code, name: "王办理");
        var (_, supervisorName) = await fx.Data.StaffAsync(agency.Code, "supervisor", name: "李科长");

        await using var host = fx.AnotherInstance();
        host.UseKestrel(0);
        host.StartServer();
        var address = Address(host);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var boss = await (await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 }, Locale = "zh-CN" })).NewPageAsync();
        var phone = await (await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 }, Locale = "zh-CN", IsMobile = true, HasTouch = true, DeviceScaleFactor = 2,
        })).NewPageAsync();
        await SignInAsync(boss, address, supervisorName);
        await SignInAsync(phone, address, handlerName);

        // The supervisor keeps a reply template (常用语).
        await boss.GotoAsync($"{address}/console/reply-templates");
        await boss.FillAsync("#template-title", "上楼费退还");
        await boss.FillAsync("#template-body", "经核实，送气站已退还多收的上楼费，并在门店公示收费标准。");
        await boss.ClickAsync("#template-save");
        await Assertions.Expect(boss.Locator("p.notice")).ToContainTextAsync("常用语已添加");
        await Assertions.Expect(boss.Locator("#templates li input[name=title]")).ToHaveValueAsync("上楼费退还");
        await ShotAsync(boss, "supervisor-templates.png");

        // 派单: from the queue to the complaint, to 王办理.
        await boss.GotoAsync($"{address}/console");
        await Assertions.Expect(boss.Locator("#total")).ToContainTextAsync("共 2 件");
        await ShotAsync(boss, "supervisor-queue.png");
        await boss.Locator($"#queue tr[data-number='{c.Number}'] a").ClickAsync();
        await boss.ClickAsync("#open-assign");
        await boss.SelectOptionAsync("#assign-staff", handlerId.ToString());
        await boss.Locator("#assign").ScrollIntoViewIfNeededAsync();
        await ShotAsync(boss, "supervisor-assign.png");
        await boss.ClickAsync("#assign");
        await Assertions.Expect(boss.Locator("#claimed-by")).ToHaveTextAsync("王办理");
        await Assertions.Expect(boss.Locator("#complaint-status")).ToHaveTextAsync("处理中");

        // 催办: recorded (internal) and counted on the complaint.
        await boss.ClickAsync("#open-urge");
        await boss.FillAsync("#urge-text", "投诉人来电催问，请今天下午前联系投诉人");
        await boss.Locator("#urge").ScrollIntoViewIfNeededAsync();
        await ShotAsync(boss, "supervisor-urge.png");
        await boss.ClickAsync("#urge");
        await Assertions.Expect(boss.Locator("#urges")).ToHaveTextAsync("1 次");

        // The handler, on a phone: the assigned complaint is in "mine"; the other one is claimed from the queue in bulk.
        await phone.GotoAsync($"{address}/console?claim=me");
        await Assertions.Expect(phone.Locator($"#queue tr[data-number='{c.Number}']")).ToBeVisibleAsync();
        await phone.GotoAsync($"{address}/console?claim=unclaimed");
        await phone.Locator($"#queue tr[data-number='{d.Number}'] input[type=checkbox]").CheckAsync();
        await phone.ClickAsync("#bulk-claim");
        await Assertions.Expect(phone.Locator("p.notice")).ToContainTextAsync("已认领 1 件");
        await phone.GotoAsync($"{address}/console?claim=me");
        await Assertions.Expect(phone.Locator($"#queue tr[data-number='{d.Number}']")).ToBeVisibleAsync();
        await ShotAsync(phone, "handler-mine-phone.png");

        // 延期: asked on the phone, approved on the laptop.
        await phone.Locator($"#queue tr[data-number='{c.Number}'] a").ClickAsync();
        await phone.ClickAsync("#open-extension");
        await phone.FillAsync("#extension-hours", "48");
        await phone.FillAsync("#extension-reason", "需要等检验机构出具瓶阀检验报告");
        await phone.Locator("#request-extension").ScrollIntoViewIfNeededAsync();
        await ShotAsync(phone, "handler-extension-phone.png");
        await phone.ClickAsync("#request-extension");
        await Assertions.Expect(phone.Locator("#extension-pending")).ToContainTextAsync("申请延期 48 小时");
        var dueBefore = await boss.Locator("#due-at").TextContentAsync();
        await boss.ReloadAsync();
        await boss.Locator("#extension-approve").ScrollIntoViewIfNeededAsync();
        await ShotAsync(boss, "supervisor-extension.png");
        await boss.ClickAsync("#extension-approve");
        await Assertions.Expect(boss.Locator("p.notice")).ToContainTextAsync("已审批延期申请");
        await Assertions.Expect(boss.Locator("#due-at")).Not.ToHaveTextAsync(dueBefore!);
        await Assertions.Expect(boss.Locator("#history li[data-kind='extension_approved']")).ToContainTextAsync("同意延期48小时");

        // Call back, then resolve from the template.
        await phone.ReloadAsync();
        await phone.ClickAsync("#reveal-phone");
        await Assertions.Expect(phone.Locator("#phone-full")).ToHaveTextAsync("13700002222");
        await phone.EvaluateAsync("() => window.scrollTo(0, 0)");
        await phone.Locator("#phone-full").ScrollIntoViewIfNeededAsync();
        await ShotAsync(phone, "handler-phone-reveal-phone.png");
        await phone.ClickAsync("#open-resolve");
        await phone.SelectOptionAsync("#template-choice", new SelectOptionValue { Label = "上楼费退还" });
        await phone.ClickAsync("#use-template");
        await Assertions.Expect(phone.Locator("#resolve-reply")).ToHaveValueAsync("经核实，送气站已退还多收的上楼费，并在门店公示收费标准。");
        await phone.SelectOptionAsync("#resolve-outcome", "substantiated");
        await phone.Locator("#resolve").ScrollIntoViewIfNeededAsync();
        await ShotAsync(phone, "handler-resolve-phone.png");
        await phone.ClickAsync("#resolve");
        await Assertions.Expect(phone.Locator("#complaint-status")).ToHaveTextAsync("已办结");

        // The complainant is not satisfied; the supervisor sends it back (重办) with a reason and a confirmation.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await c.Complainant.Http.PostAsJsonAsync($"/api/mp/complaints/{c.Number}/rating", new { score = 2, comment = "钱没退" })).StatusCode);
        await boss.ReloadAsync();
        await Assertions.Expect(boss.Locator("#low-rating")).ToContainTextAsync("2 星");
        await boss.FillAsync("#reopen-reason", "投诉人反映仍未退款，请当面核实后重新答复");
        await boss.FillAsync("#reopen-hours", "24");
        await boss.CheckAsync("#reopen-confirm");
        await boss.Locator("#reopen").ScrollIntoViewIfNeededAsync();
        await ShotAsync(boss, "supervisor-reopen.png");
        await boss.ClickAsync("#reopen");
        await Assertions.Expect(boss.Locator("#complaint-status")).ToHaveTextAsync("处理中");
        await Assertions.Expect(boss.Locator("#claimed-by")).ToHaveTextAsync("王办理");

        await phone.ReloadAsync();
        await phone.ClickAsync("#open-resolve");
        await phone.FillAsync("#resolve-reply", "已当面退还二十元，送气站负责人已道歉并整改。");
        await phone.ClickAsync("#resolve");
        await Assertions.Expect(phone.Locator("#complaint-status")).ToHaveTextAsync("已办结");
        await Assertions.Expect(phone.Locator("#public-reply")).ToHaveTextAsync("已当面退还二十元，送气站负责人已道歉并整改。");
        // Next complaint: the other one in the queue the handler came from.
        await phone.ClickAsync("#next-complaint");
        await Assertions.Expect(phone.Locator("#complaint-number")).ToHaveTextAsync(d.Number);

        var timeline = JsonDocument.Parse(await (await c.Complainant.Http.GetAsync($"/api/mp/complaints/{c.Number}")).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["submitted", "routed", "in_progress", "resolved", "rated", "reopened", "resolved"],
            timeline.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToArray());

        // Search, on the laptop and the phone; back returns to the searched queue.
        await boss.GotoAsync($"{address}/console");
        await boss.FillAsync("#search", unique);
        await boss.ClickAsync("#apply-filters");
        await Assertions.Expect(boss.Locator("#queue tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(boss.Locator($"#queue tr[data-number='{c.Number}']")).ToBeVisibleAsync();
        await ShotAsync(boss, "handler-search.png");
        await boss.Locator($"#queue tr[data-number='{c.Number}'] a").ClickAsync();
        await boss.ClickAsync("#back");
        await Assertions.Expect(boss.Locator("#search")).ToHaveValueAsync(unique);
        await phone.GotoAsync($"{address}/console?q={Uri.EscapeDataString("人行道")}");
        await Assertions.Expect(phone.Locator($"#queue tr[data-number='{d.Number}']")).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator("#queue tbody tr")).ToHaveCountAsync(1);

        // The export of the searched queue, opened with the library.
        var download = await boss.RunAndWaitForDownloadAsync(() => boss.ClickAsync("#export"));
        var file = Path.Combine(Path.GetTempPath(), $"hotline-{Guid.NewGuid():N}.xlsx");
        await download.SaveAsAsync(file);
        var rows = MiniExcelLibs.MiniExcel.Query(file, useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        File.Delete(file);
        var row = Assert.Single(rows);
        Assert.Equal(c.Number, row["编号"]);
        Assert.Equal("已办结", row["状态"]);
        Assert.Equal("已当面退还二十元，送气站负责人已道歉并整改。", row["答复"]);

        // The work order and the statistics, printed and on a phone.
        await boss.GotoAsync($"{address}/console/complaints/{c.Number}/print");
        await Assertions.Expect(boss.Locator("#order-number")).ToHaveTextAsync(c.Number);
        await ShotAsync(boss, "handler-work-order.png", fullPage: true);
        await boss.GotoAsync($"{address}/console");
        await boss.ClickAsync("#nav-statistics");
        await Assertions.Expect(boss.Locator("#stat-range")).ToBeVisibleAsync();
        await ShotAsync(boss, "supervisor-statistics.png");
        await phone.GotoAsync($"{address}/console/complaints/statistics?period=day");
        await Assertions.Expect(phone.Locator("#stat-received")).ToHaveTextAsync("2");
        await ShotAsync(phone, "supervisor-statistics-phone.png");
    }
}
