using CylinderTrace.Tests.Infrastructure;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;
using static CylinderTrace.Tests.ConsoleShell.The_console_in_a_browser;

namespace CylinderTrace.Tests.ConsoleShell;

/// <summary>
/// Administrators and inspectors in Chromium (issue 19, items 4, 6, 7 and 8), at laptop and phone sizes: forms that keep
/// what was typed, confirmation pages, staff and rule editing, the digest settings, every menu page without sideways
/// scrolling on a phone, and the camera scan fed a QR code through Chromium's fake camera (a Y4M video drawn here).
/// The screenshots are the Chinese user guide's (docs/zh/): with CT_GUIDE_SCREENSHOTS=1 (ops/guide-screenshots.sh) they
/// are written there, as small palette PNGs; otherwise to artifacts/screenshots.
/// </summary>
[Collection(Collections.Administration)]
public sealed class The_console_for_administrators_and_inspectors_in_a_browser(WorkerHostFixture fx)
{
    private readonly ConsoleScenario scenario = new(fx);

    private static readonly ViewportSize Laptop = new() { Width = 1280, Height = 800 };
    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    internal static string GuideFolder()
    {
        if (Environment.GetEnvironmentVariable("CT_GUIDE_SCREENSHOTS") != "1") return ScreenshotFolder();
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CylinderTrace.sln"))) dir = dir.Parent;
        var folder = Path.Combine(dir!.FullName, "docs", "zh", "images");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A screenshot reduced to 64 colours (text and flat colours survive; the file stays a few tens of KB).</summary>
    internal static async Task ShotAsync(IPage page, string name, bool fullPage = false)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = fullPage });
        using var image = Image.Load<Rgba32>(bytes);
        var path = Path.Combine(GuideFolder(), name);
        await image.SaveAsPngAsync(path, new PngEncoder
        {
            ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8, CompressionLevel = PngCompressionLevel.BestCompression,
            Quantizer = new WuQuantizer(new QuantizerOptions { MaxColors = 64, Dither = null }),
        });
        Assert.True(new FileInfo(path).Length is > 5_000 and < 400_000, $"{name}: {new FileInfo(path).Length} bytes");
    }

    private static async Task SignInAsync(IPage page, string address, string username)
    {
        await page.GotoAsync($"{address}/console/login");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", TestData.StaffPassword);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/console");
    }

    /// <summary>On a phone no page scrolls sideways: wide tables scroll inside themselves, the menu is one scrolling line.</summary>
    private static async Task AssertFitsAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (content, viewport) = (widths[0], widths[1]);
        Assert.True(content <= viewport + 1, $"{what}: {content}px wide in a {viewport}px window");
    }

    [Fact]
    public async Task a_city_administrator_manages_staff_rules_and_digests_on_a_laptop_and_every_menu_page_fits_a_phone()
    {
        var (_, username) = await fx.Data.StaffAsync(ConsoleScenario.CityAgency, "administrator", name: "市级管理员");
        var newcomer = "g" + TestData.UniqueCode().ToLowerInvariant();
        await using var host = fx.AnotherInstance();
        host.UseKestrel(0);
        host.StartServer();
        var address = Address(host);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = Laptop, Locale = "zh-CN" });
        var page = await context.NewPageAsync();
        await SignInAsync(page, address, username);

        // A refused account keeps what was typed; the corrected one shows its initial password once.
        await page.ClickAsync("#nav-staff");
        await page.FillAsync("#new-username", username); // taken
        await page.FillAsync("#new-display-name", "林新人");
        await page.SelectOptionAsync("#new-role", "inspector");
        await page.ClickAsync("#create-staff");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("已被使用");
        await Assertions.Expect(page.Locator("#new-display-name")).ToHaveValueAsync("林新人");
        await Assertions.Expect(page.Locator("#new-role")).ToHaveValueAsync("inspector");
        await page.FillAsync("#new-username", newcomer);
        await page.ClickAsync("#create-staff");
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/console/staff");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("初始密码");
        await page.GotoAsync($"{address}/console/staff?q={newcomer}");
        await ShotAsync(page, "admin-staff.png");

        // Edit the role in the page, then disable with a confirmation.
        var row = page.Locator($"#staff tr[data-username='{newcomer}']");
        await row.Locator("a.edit").ClickAsync();
        await page.SelectOptionAsync("#edit-role", "supervisor");
        await ShotAsync(page, "admin-staff-edit.png");
        await page.ClickAsync("#save-staff");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync($"已保存 {newcomer}");
        await page.GotoAsync($"{address}/console/staff?q={newcomer}");
        await Assertions.Expect(row).ToContainTextAsync("科室负责人");
        await row.Locator("button.disable").ClickAsync();
        await Assertions.Expect(page.Locator("#confirm h1")).ToContainTextAsync("停用 林新人");
        await ShotAsync(page, "admin-confirm.png");
        await page.ClickAsync("#confirm-submit");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync($"已停用 {newcomer}");

        // Routing rules by name, each row editable, with its history.
        await page.ClickAsync("#nav-rules");
        await page.GotoAsync($"{address}/console/routing-rules?category=service");
        await ShotAsync(page, "admin-routing-rules.png");
        await page.Locator("#rules tbody tr").First.Locator("a.edit").ClickAsync();
        await Assertions.Expect(page.Locator("#rule-editor h2")).ToContainTextAsync("修改规则");
        await Assertions.Expect(page.Locator("#rule-changes")).ToBeVisibleAsync();
        await ShotAsync(page, "admin-routing-rule-edit.png", fullPage: true);

        // The digests' schedule in words, and its form.
        await page.ClickAsync("#nav-digests");
        await Assertions.Expect(page.Locator("#digest-schedule")).ToContainTextAsync("每周一");
        await page.ClickAsync("#digest-settings summary");
        await ShotAsync(page, "admin-digest-settings.png");

        // Every page of the menu on a phone.
        await page.SetViewportSizeAsync(Phone.Width, Phone.Height);
        var links = await page.Locator("header nav a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        foreach (var href in links.Where(h => h.StartsWith("/console")).Append("/console/cylinders").Append($"/console/staff?q={newcomer}").Distinct())
        {
            await page.GotoAsync(address + href);
            await AssertFitsAsync(page, href);
        }
        await page.GotoAsync($"{address}/console/routing-rules?category=service");
        await ShotAsync(page, "admin-routing-rules-phone.png");
        await page.GotoAsync($"{address}/console/staff");
        await ShotAsync(page, "admin-staff-phone.png");
    }

    /// <summary>A Y4M video (YUV 4:2:0) of one still frame: the QR code of <paramref name="text"/> on white, for Chromium's fake camera.</summary>
    private static string QrVideo(string text)
    {
        const int width = 640, height = 480;
        using var generator = new QRCoder.QRCodeGenerator();
        var modules = generator.CreateQrCode(text, QRCoder.QRCodeGenerator.ECCLevel.M).ModuleMatrix;
        var n = modules.Count;
        var scale = 360 / n;
        var (left, top) = ((width - n * scale) / 2, (height - n * scale) / 2);
        var luma = new byte[width * height];
        Array.Fill(luma, (byte)235);
        for (var y = 0; y < n * scale; y++)
            for (var x = 0; x < n * scale; x++)
                if (modules[y / scale][x / scale]) luma[(top + y) * width + left + x] = 16;
        var chroma = new byte[width / 2 * (height / 2)];
        Array.Fill(chroma, (byte)128);
        var path = Path.Combine(Path.GetTempPath(), $"ct-qr-{Guid.NewGuid():N}.y4m");
        using var file = File.Create(path);
        file.Write(System.Text.Encoding.ASCII.GetBytes($"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n"));
        for (var frame = 0; frame < 3; frame++)
        {
            file.Write("FRAME\n"u8);
            file.Write(luma);
            file.Write(chroma);
            file.Write(chroma);
        }
        return path;
    }

    [Fact]
    public async Task an_inspector_scans_a_cylinder_with_the_phone_camera_and_scrapping_it_asks_first()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var cylinder = await fx.Data.CylinderAsync(nextInspection: today.AddYears(2));
        var agency = await scenario.AgencyAsync();
        var complaint = await scenario.RoutedComplaintAsync(agency.Id,
            MiniProgramClient.Complaint("damaged_cylinder", "瓶身锈蚀严重，阀门处有划痕", cylinderCode: cylinder.Code));
        var (_, inspector) = await fx.Data.StaffAsync(agency.Code, "inspector", name: "郑检查");
        var (_, handler) = await fx.Data.StaffAsync(agency.Code, "handler", name: "陈办理");
        var video = QrVideo($"https://gas.example.gov.cn/c/{cylinder.Code}");

        await using var host = fx.AnotherInstance();
        host.UseKestrel(0);
        host.StartServer();
        var address = Address(host);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            "--use-file-for-fake-video-capture=" + video);
        var phone = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = Phone, Locale = "zh-CN", IsMobile = true, HasTouch = true, DeviceScaleFactor = 1, Permissions = ["camera"],
        });
        var page = await phone.NewPageAsync();
        await SignInAsync(page, address, inspector);

        await page.ClickAsync("#nav-cylinders");
        await Assertions.Expect(page.Locator("#scan-start")).ToBeVisibleAsync(); // the script ran under the page's policy
        await ShotAsync(page, "inspector-scan-phone.png");
        await page.ClickAsync("#scan-start");
        await Assertions.Expect(page).ToHaveURLAsync($"{address}/console/cylinders/{cylinder.Code}");
        await Assertions.Expect(page.Locator("#card-status")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"#complaints li[data-number='{complaint.Number}']")).ToBeVisibleAsync();
        await AssertFitsAsync(page, "cylinder file");
        await ShotAsync(page, "inspector-cylinder-phone.png");

        // Issue an order from the file; scrapping it asks first.
        await page.FillAsync("#detain-hazard", "瓶体严重锈蚀，钢印无法辨认");
        await page.ClickAsync("#detain-submit");
        await Assertions.Expect(page.Locator("#order-status")).ToHaveTextAsync("待企业确认");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("系统正在通知责任企业");
        await AssertFitsAsync(page, "detention order");
        await page.SelectOptionAsync("#dispose-disposal", "scrapped");
        await page.FillAsync("#dispose-note", "现场确认无法修复");
        await page.ClickAsync("#dispose-submit");
        await Assertions.Expect(page.Locator("#confirm h1")).ToContainTextAsync($"确认将气瓶 {cylinder.Code} 报废");
        await ShotAsync(page, "inspector-scrap-confirm-phone.png");
        await page.ClickAsync("#confirm-submit");
        await Assertions.Expect(page.Locator("#order-status")).ToHaveTextAsync("已处置结案");

        // The same file on a laptop; the complaint links back to it.
        await page.SetViewportSizeAsync(Laptop.Width, Laptop.Height);
        await page.GotoAsync($"{address}/console/cylinders/{cylinder.Code}");
        await ShotAsync(page, "inspector-cylinder.png");

        // A handler's day, for the guide: the queue and a complaint whose cylinder code opens the file.
        var desk = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = Laptop, Locale = "zh-CN" });
        var handlerPage = await desk.NewPageAsync();
        await SignInAsync(handlerPage, address, handler);
        await ShotAsync(handlerPage, "handler-queue.png");
        await handlerPage.GotoAsync($"{address}/console/complaints/{complaint.Number}");
        await ShotAsync(handlerPage, "handler-complaint.png");
        await handlerPage.ClickAsync("#cylinder-file-link");
        await Assertions.Expect(handlerPage).ToHaveURLAsync($"{address}/console/cylinders/{cylinder.Code}");
        await handlerPage.SetViewportSizeAsync(Phone.Width, Phone.Height);
        await handlerPage.GotoAsync($"{address}/console/complaints/{complaint.Number}");
        await AssertFitsAsync(handlerPage, "complaint");
        await handlerPage.GotoAsync($"{address}/console");
        await ShotAsync(handlerPage, "handler-queue-phone.png");
        File.Delete(video);
    }

    /// <summary>
    /// 黑气瓶 on the street, on a phone: the file of an unregistered code offers the seizure form, a photo from the phone goes with it,
    /// and the detention's page (its photo, its closing form, then its disposal) and the leads page fit the phone's width.
    /// </summary>
    [Fact]
    public async Task an_inspector_seizes_an_unregistered_cylinder_with_a_photo_on_a_phone_and_closes_it()
    {
        var agency = await scenario.AgencyAsync();
        var (_, inspector) = await fx.Data.StaffAsync(agency.Code, "inspector", name: "黄检查");
        var code = "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        var photo = Path.Combine(Path.GetTempPath(), $"ct-scene-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(photo, SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));

        await using var host = fx.AnotherInstance();
        host.UseKestrel(0);
        host.StartServer();
        var address = Address(host);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var phone = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = Phone, Locale = "zh-CN", IsMobile = true, HasTouch = true, DeviceScaleFactor = 1,
        });
        var page = await phone.NewPageAsync();
        await SignInAsync(page, address, inspector);

        await page.GotoAsync($"{address}/console/cylinders/{code}");
        await Assertions.Expect(page.Locator("#unregistered")).ToContainTextAsync("可以用本页“查扣黑气瓶”表单就地查扣");
        await AssertFitsAsync(page, "unregistered cylinder file");
        await page.FillAsync("#seize-form input[name=place]", "鼓楼区某小区门口三轮车上");
        await page.FillAsync("#seize-form input[name=vehiclePlate]", "闽A12345");
        await page.SetInputFilesAsync("#seize-form input[name=photos]", photo);
        await ShotAsync(page, "inspector-seize-phone.png", fullPage: true);
        await page.ClickAsync("#seize-submit");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/console/black-gas/detentions/HQ\d+\?done=issued$"));
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("黑气瓶（已被查扣）");
        await Assertions.Expect(page.Locator("#detention-photos img")).ToHaveCountAsync(1);
        Assert.True(await page.Locator("#detention-photos img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the photo loads");
        await AssertFitsAsync(page, "black-gas detention");
        await ShotAsync(page, "inspector-black-gas-detention-phone.png", fullPage: true);

        await page.SelectOptionAsync("#dispose-form select[name=disposal]", "confiscated");
        await page.FillAsync("#dispose-form textarea[name=note]", "已没收，移交指定存放点");
        await page.ClickAsync("#dispose-form button[type=submit]");
        await Assertions.Expect(page.Locator("#detention-status")).ToHaveTextAsync("已处置结案");
        await Assertions.Expect(page.Locator("#dispose-form")).ToHaveCountAsync(0);
        await page.GotoAsync($"{address}/console/cylinders/{code}"); // closed: the form is offered again, not while one is open
        await Assertions.Expect(page.Locator("#seize-form")).ToHaveCountAsync(1);
        await page.GoBackAsync();
        await AssertFitsAsync(page, "closed black-gas detention");
        var detention = page.Url;

        await page.GotoAsync($"{address}/console/black-gas");
        await Assertions.Expect(page.Locator($"a[href^='/console/black-gas/detentions/HQ']").First).ToBeVisibleAsync();
        await AssertFitsAsync(page, "black-gas leads");

        await page.SetViewportSizeAsync(Laptop.Width, Laptop.Height);
        await page.GotoAsync(detention);
        await Assertions.Expect(page.Locator("#detention-status")).ToHaveTextAsync("已处置结案");
        await ShotAsync(page, "inspector-black-gas-detention.png");
        File.Delete(photo);
    }
}
