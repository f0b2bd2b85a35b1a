using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Playwright;

namespace CylinderTrace.Tests.ConsoleShell;

/// <summary>
/// The console in a real browser: Debian's Chromium, headless, driven by Playwright for .NET (no
/// browser download; ops/browser-up.sh installs Chromium). A host instance listens on a loopback port;
/// the collection's main host routes the complaint. Screenshots of the queue and the complaint page go
/// to artifacts/screenshots/ (ignored by git), at laptop and phone sizes.
/// </summary>
[Collection(Collections.Complaints)]
public sealed class The_console_in_a_browser(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    internal static string Browser() =>
        new[] { Environment.GetEnvironmentVariable("CT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
        ?? throw new InvalidOperationException("Chromium is not installed: run ops/browser-up.sh (ops/test.sh does) or set CT_CHROMIUM.");

    /// <summary>Debian's Chromium, headless, without anything that reaches out of the machine.</summary>
    internal static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] extraArgs) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Browser(),
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", .. extraArgs],
    });

    /// <summary>The loopback address a started instance listens on.</summary>
    internal static string Address(CylinderTraceHost host) =>
        host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1");

    internal static string ScreenshotFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CylinderTrace.sln"))) dir = dir.Parent;
        var folder = Environment.GetEnvironmentVariable("CT_ARTIFACTS") is { Length: > 0 } a ? a : Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts");
        var shots = Path.Combine(folder, "screenshots");
        Directory.CreateDirectory(shots);
        return shots;
    }

    [Fact]
    public async Task a_handler_signs_in_claims_notes_and_resolves_and_the_complainant_timeline_changes()
    {
        var agency = await scenario.AgencyAsync();
        var (_, username) = await fx.Data.StaffAsync(agency.Code, mustChangePassword: true, name: "陈办理");
        var other = await scenario.RoutedComplaintAsync(agency.Id, MiniProgramClient.Complaint("black_gas", "楼下有无证摊点卖气，气瓶没有二维码"));
        var c = await scenario.RoutedComplaintAsync(agency.Id);
        var before = await TimelineKindsAsync(c);
        Assert.Equal(["submitted", "routed"], before);

        await using var host = fx.AnotherInstance();
        host.UseKestrel(0);
        host.StartServer();
        var address = Address(host);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 }, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        var shots = ScreenshotFolder();

        // Sign in; the initial password must be changed first.
        await page.GotoAsync($"{address}/console");
        Assert.Contains("/console/login", page.Url);
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", TestData.StaffPassword);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/password$"));
        await page.FillAsync("#current", TestData.StaffPassword);
        await page.FillAsync("#next", "Browser-chosen-2026");
        await page.ClickAsync("#change-password");
        // URL assertions poll the address; they do not wait for a load event that may already have fired.
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/console");

        // The queue: both complaints, soonest deadline first; find ours.
        var row = page.Locator($"#queue tr[data-number='{c.Number}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"#queue tr[data-number='{other.Number}']")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-queue.png"), FullPage = true });
        await row.Locator("a").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/console/complaints/{c.Number}");
        await Assertions.Expect(page.Locator("#complaint-status")).ToHaveTextAsync("已分派");

        await page.ClickAsync("#claim");
        await Assertions.Expect(page.Locator("#complaint-status")).ToHaveTextAsync("处理中");
        await Assertions.Expect(page.Locator("#claimed-by")).ToHaveTextAsync("陈办理");

        await page.FillAsync("#note-text", "已联系供气站核实上楼费标准");
        await page.ClickAsync("#add-note");
        await Assertions.Expect(page.Locator("#history li[data-kind='note']")).ToContainTextAsync("已联系供气站核实上楼费标准");

        await page.ClickAsync("#open-resolve");
        await page.SelectOptionAsync("#resolve-outcome", "substantiated");
        await page.FillAsync("#resolve-reply", "经核实，供气站已退还多收的二十元并整改收费公示。");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-complaint-resolving.png"), FullPage = true });
        await page.ClickAsync("#resolve");
        await Assertions.Expect(page.Locator("#complaint-status")).ToHaveTextAsync("已办结");
        await Assertions.Expect(page.Locator("#public-reply")).ToHaveTextAsync("经核实，供气站已退还多收的二十元并整改收费公示。");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-complaint.png"), FullPage = true });

        // Scan rates: from the menu, with the trend chart drawn on the server (no script on the page).
        await page.ClickAsync("#nav-rates");
        await Assertions.Expect(page.Locator("svg.trend.wide")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#csv")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^/console/scan-rates.csv"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-scan-rates.png"), FullPage = true });
        // Supervision pages from the menu: enterprise scores, detention orders, digest reports.
        await page.ClickAsync("#nav-scores");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("企业实名制与可追溯评分");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-scores.png"), FullPage = true });
        await page.ClickAsync("#nav-detentions");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("扣瓶令");
        await page.ClickAsync("#nav-digests");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("摘要报告");

        // The same console on a phone.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync($"{address}/console?state=all");
        await Assertions.Expect(page.Locator($"#queue tr[data-number='{c.Number}']")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-queue-phone.png"), FullPage = true });

        // The complainant's timeline changed.
        var after = await TimelineAsync(c);
        Assert.Equal(["submitted", "routed", "in_progress", "resolved"], after.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToArray());
        Assert.Equal("经核实，供气站已退还多收的二十元并整改收费公示。", after.GetProperty("publicReply").GetString());
        foreach (var shot in new[] { "console-queue.png", "console-complaint.png", "console-queue-phone.png", "console-scan-rates.png", "console-scores.png" })
            Assert.True(new FileInfo(Path.Combine(shots, shot)).Length > 10_000, shot);
    }

    [Fact]
    public async Task a_market_bureau_handler_works_a_fill_violation_from_the_menu_on_a_laptop_and_a_phone()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var foreign = await fx.Data.CylinderAsync(ownerId: other, stationId: other, nextInspection: today.AddYears(1));
        var batch = await client.PostOkAsync("fills", new { eventId = "B1-" + foreign.Code, cylinderCode = foreign.Code, filledAt = DateTimeOffset.UtcNow });
        Assert.Single(batch.GetProperty("violations").EnumerateArray());
        var (_, username) = await fx.Data.StaffAsync("market-350102", "handler", name: "林监管");

        await using var host = fx.AnotherInstance();
        host.UseKestrel(0);
        host.StartServer();
        var address = Address(host);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 }, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        var shots = ScreenshotFolder();
        await page.GotoAsync($"{address}/console/login");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", TestData.StaffPassword);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/console");

        // The queue from the menu, filtered to this enterprise's cases (the reference bureau holds other tests' too).
        await page.ClickAsync("#nav-violations");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("违规充装");
        await page.GotoAsync($"{address}/console/violations?enterprise={owner}");
        var row = page.Locator("#violations tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync("产权属于其他企业（体外循环）");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-violations.png"), FullPage = true });
        await row.Locator("a").ClickAsync();
        await page.ClickAsync("#claim-submit");
        await Assertions.Expect(page.Locator("#violation-status")).ToHaveTextAsync("处理中");
        await page.SelectOptionAsync("#resolve-form select[name=outcome]", "warned");
        await page.FillAsync("#resolve-form textarea[name=note]", "已约谈企业负责人，责令立即停止为非产权气瓶充装。");
        await page.ClickAsync("#resolve-submit");
        await Assertions.Expect(page.Locator("#violation-status")).ToHaveTextAsync("已办结");
        await Assertions.Expect(page.Locator("#violation-outcome")).ToContainTextAsync("责令改正并警告");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-violation.png"), FullPage = true });

        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync($"{address}/console/violations?enterprise={owner}&status=resolved");
        await Assertions.Expect(page.Locator("#violations tbody tr").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-violations-phone.png"), FullPage = true });
        await page.GotoAsync($"{address}/console/licences");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "console-licences-phone.png"), FullPage = true });
        foreach (var shot in new[] { "console-violations.png", "console-violation.png", "console-violations-phone.png" })
            Assert.True(new FileInfo(Path.Combine(shots, shot)).Length > 10_000, shot);
    }

    private static async Task<JsonElement> TimelineAsync(ConsoleScenario.Complaint c) =>
        JsonDocument.Parse(await (await c.Complainant.Http.GetAsync($"/api/mp/complaints/{c.Number}")).Content.ReadAsStringAsync()).RootElement;

    private static async Task<string?[]> TimelineKindsAsync(ConsoleScenario.Complaint c) =>
        (await TimelineAsync(c)).GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToArray();
}
