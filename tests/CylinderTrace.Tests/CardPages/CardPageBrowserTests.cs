using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Playwright;

namespace CylinderTrace.Tests.CardPages;

/// <summary>
/// The card page and a label sheet in Debian's Chromium (headless, Playwright, as the console's browser test), at a phone's size
/// with WeChat's in-app browser's user agent. Screenshots go to artifacts/screenshots/card-*.png.
/// </summary>
[Collection(Collections.Apis)]
public sealed class The_card_page_in_a_phone_browser(WebHostFixture fx)
{
    private const string WeChatAndroid =
        "Mozilla/5.0 (Linux; Android 12; V2055A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230405 MicroMessenger/8.0.35.2360(0x2800235B) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64";

    private static string Browser() =>
        new[] { Environment.GetEnvironmentVariable("CT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
        ?? throw new InvalidOperationException("Chromium is not installed: run ops/browser-up.sh (ops/test.sh does) or set CT_CHROMIUM.");

    private static string ScreenshotFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CylinderTrace.sln"))) dir = dir.Parent;
        var folder = Environment.GetEnvironmentVariable("CT_ARTIFACTS") is { Length: > 0 } a ? a : Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts");
        var shots = Path.Combine(folder, "screenshots");
        Directory.CreateDirectory(shots);
        return shots;
    }

    /// <summary>Contrast ratio of an element's text colour against its background (both opaque), per WCAG 2.x.</summary>
    private const string ContrastScript = """
        e => {
          const lum = c => {
            const [r, g, b] = c.match(/\d+/g).slice(0, 3).map(v => {
              const s = v / 255;
              return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const st = getComputedStyle(e);
          const [a, b] = [lum(st.color), lum(st.backgroundColor)].sort((x, y) => y - x);
          return (a + 0.05) / (b + 0.05);
        }
        """;

    [Fact]
    public async Task shows_every_state_first_in_large_type_and_the_printed_label_reads_back_as_its_url()
    {
        var states = await CardStates.AllAsync(fx.Data);
        await using var host = fx.AnotherInstance(new Dictionary<string, string?> { ["CardPage:PublicBaseUrl"] = "https://ct.example.gov.cn" });
        host.UseKestrel(0);
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Browser(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var phone = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 }, DeviceScaleFactor = 2, IsMobile = true, HasTouch = true,
            Locale = "zh-CN", UserAgent = WeChatAndroid, JavaScriptEnabled = false,
        });
        var page = await phone.NewPageAsync();
        var shots = ScreenshotFolder();

        foreach (var (state, cylinder) in states)
        {
            var response = await page.GotoAsync($"{address}/c/{cylinder.Code}");
            Assert.Equal(200, response!.Status);
            var card = JsonDocument.Parse(await (await host.CreateClient().GetAsync($"/api/cylinders/{cylinder.Code}/card")).Content.ReadAsStringAsync()).RootElement;
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(card.GetProperty("status").GetProperty("label").GetString()!);
            // The state is the first thing on the screen, in large type, and the page fits the phone's width.
            var box = await page.Locator("section.state").BoundingBoxAsync();
            Assert.True(box!.Y < 40 && box.Width <= 390, $"{state}: state box at {box.Y}, {box.Width} wide");
            Assert.True(await page.EvalOnSelectorAsync<double>("h1", "e => parseFloat(getComputedStyle(e).fontSize)") >= 28);
            Assert.True(await page.EvalOnSelectorAsync<double>("body", "e => parseFloat(getComputedStyle(e).fontSize)") >= 18);
            Assert.Equal(390, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
            // The state's words stand out from its colour at 7:1 or more (WCAG 2.x AAA for body text, relative luminance as defined there).
            var contrast = await page.EvalOnSelectorAsync<double>("section.state", ContrastScript);
            Assert.True(contrast >= 7, $"{state}: state text contrast {contrast:F2}");
            // Long values wrap only where they must: a licence or serial number is not split mid-number when it fits a line.
            Assert.NotEqual("break-all", await page.EvalOnSelectorAsync<string>("dd", "e => getComputedStyle(e).wordBreak"));
            // Screen readers get the heading, the landmarks and a labelled form.
            Assert.Equal(1, await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).CountAsync());
            await Assertions.Expect(page.GetByRole(AriaRole.Search)).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByLabel("查询其他气瓶：输入瓶身二维码下方的编号")).ToBeVisibleAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, $"card-{state}.png"), FullPage = true });
        }

        // Check another cylinder with the form: typed in lower case, it opens that cylinder's page.
        await page.FillAsync("#code", states[0].Cylinder.Code.ToLowerInvariant());
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/c/{states[0].Cylinder.Code}");

        var unregistered = await page.GotoAsync($"{address}/c/{TestData.UniqueCode("U")}");
        Assert.Equal(404, unregistered!.Status);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("未登记气瓶");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "card-unregistered.png"), FullPage = true });
        var invalid = await page.GotoAsync($"{address}/c/{Uri.EscapeDataString("扫错了")}");
        Assert.Equal(400, invalid!.Status);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "card-invalid.png"), FullPage = true });

        // The print page as the browser draws it: each label's QR reads back as its cylinder's card page.
        var sheets = host.Services.GetRequiredService<CylinderTrace.CardPages.LabelSheets>();
        var codes = states.Take(2).Select(s => s.Cylinder.Code).ToList();
        var labels = await sheets.ResolveAsync(new CylinderTrace.CardPages.LabelSelection(codes, null, null, null), _ => ValueTask.FromResult(true), CancellationToken.None);
        Assert.True(labels.Ok, labels.Message);
        var print = await browser.NewPageAsync(new BrowserNewPageOptions { DeviceScaleFactor = 4, ViewportSize = new ViewportSize { Width = 800, Height = 600 } });
        await print.SetContentAsync(sheets.SheetHtml(labels.Labels));
        foreach (var code in codes)
        {
            var file = Path.Combine(shots, $"card-label-{(code == codes[0] ? 1 : 2)}.png");
            await print.Locator($".label[data-code='{code}']").ScreenshotAsync(new LocatorScreenshotOptions { Path = file });
            Assert.Equal([$"https://ct.example.gov.cn/c/{code}"], Zbar.Decode(file));
        }
        // Printed: one label a page, of the label's size.
        var pdf = await print.PdfAsync(new PagePdfOptions { PreferCSSPageSize = true });
        Assert.Equal(codes.Count, System.Text.RegularExpressions.Regex.Matches(System.Text.Encoding.Latin1.GetString(pdf), @"/Type\s*/Page[^s]").Count);
    }
}
