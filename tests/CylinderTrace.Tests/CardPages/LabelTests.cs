using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using CylinderTrace.CardPages;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.CardPages;

/// <summary>Reads QR codes back with Debian's zbarimg (zbar-tools; ops/test.sh installs it).</summary>
internal static class Zbar
{
    public static string[] Decode(string imagePath)
    {
        var exe = new[] { "/usr/bin/zbarimg", "/usr/local/bin/zbarimg" }.FirstOrDefault(File.Exists)
                  ?? throw new InvalidOperationException("zbarimg is not installed: apt-get install zbar-tools (ops/test.sh does).");
        using var p = Process.Start(new ProcessStartInfo(exe, ["--raw", "-q", imagePath]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// A PNG label is the whole label, not the QR alone: 50 × 30 mm at 300 dpi (recorded in the file, so it prints at its
    /// size), with ink right of the QR (owner, hotline) and under it (the code).
    /// </summary>
    public static void AssertWholeLabel(string pngPath)
    {
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(pngPath);
        Assert.Equal((591, 354), (image.Width, image.Height));
        // PNG's pHYs chunk counts pixels per metre: 300 dpi is 11811.
        Assert.Equal(SixLabors.ImageSharp.Metadata.PixelResolutionUnit.PixelsPerMeter, image.Metadata.ResolutionUnits);
        Assert.Equal(300, Math.Round(image.Metadata.HorizontalResolution * 0.0254));
        Assert.Equal(300, Math.Round(image.Metadata.VerticalResolution * 0.0254));
        int Dark(int x0, int y0, int x1, int y1)
        {
            var n = 0;
            for (var y = y0; y < y1; y++)
                for (var x = x0; x < x1; x++)
                    if (image[x, y].PackedValue < 128) n++;
            return n;
        }
        // QR square: (30 - 6.5) mm ≈ 278 px wide from 0.5 mm; text from ≈ 295 px; the code below ≈ 283 px.
        Assert.True(Dark(300, 0, 591, 354) > 2000, "owner, hotline and the 119 line are drawn right of the QR");
        Assert.True(Dark(0, 290, 290, 354) > 500, "the code is drawn under the QR");
    }

    public static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ct-labels-" + TestData.UniqueCode());
        Directory.CreateDirectory(dir);
        return dir;
    }
}

[Collection(Collections.Apis)]
public sealed class Labels_are_printed_for_registered_cylinders(WebHostFixture fx)
{
    private const string Base = "https://ct.example.gov.cn";

    private CylinderTraceHost LabelHost() => fx.AnotherInstance(new Dictionary<string, string?> { ["CardPage:PublicBaseUrl"] = Base });

    private static byte[] Json(object o) => JsonSerializer.SerializeToUtf8Bytes(o);

    [Fact]
    public void and_the_owner_is_named_short()
    {
        Assert.Equal("华福燃气", LabelSheets.ShortName("福州华福燃气有限公司", "福州市"));
        Assert.Equal("闽侯燃气", LabelSheets.ShortName("福州市闽侯燃气股份有限公司", "福州市"));
        Assert.Equal("华福燃气鼓楼区第1供应站", LabelSheets.ShortName("华福燃气鼓楼区第1供应站", "福州市"));
        Assert.Equal("福州公司", LabelSheets.ShortName("福州公司", "福州市"));
    }

    [Fact]
    public async Task by_an_enterprise_through_the_api_only_for_its_own_cylinders_and_every_qr_reads_back_as_the_card_page()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", name: "福州华福燃气有限公司");
        var a = await fx.Data.CylinderAsync(ownerId: owner);
        var b = await fx.Data.CylinderAsync(ownerId: owner);
        var strangers = await fx.Data.CylinderAsync();
        await using var host = LabelHost();
        var enterprise = await IntegrationClient.ForAsync(host, await fx.Data.LicenceOfAsync(owner));

        var sheet = await enterprise.PostAsync("labels", Json(new { codes = new[] { a.Code, b.Code.ToLowerInvariant() } }));
        Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
        Assert.Equal("text/html", sheet.Content.Headers.ContentType!.MediaType);
        var html = await sheet.Content.ReadAsStringAsync();
        Assert.Contains("@page{size:50mm 30mm;margin:0}", html);
        Assert.Equal(2, html.Split("<svg ").Length - 1);
        Assert.Contains($">{a.Code}</text>", html);
        Assert.Contains($">{b.Code}</text>", html);
        Assert.Contains(">华福燃气</text>", html);
        Assert.Contains(">12345</text>", html);

        var zip = await enterprise.PostAsync("labels", Json(new { codes = new[] { a.Code, b.Code }, format = "png", hotline = "0591-87654321" }));
        Assert.Equal("application/zip", zip.Content.Headers.ContentType!.MediaType);
        var folder = Zbar.TempFolder();
        using (var archive = new ZipArchive(await zip.Content.ReadAsStreamAsync()))
            archive.ExtractToDirectory(folder);
        foreach (var c in new[] { a, b })
        {
            var file = Path.Combine(folder, c.Code + ".png");
            Assert.Equal([$"{Base}/c/{c.Code}"], Zbar.Decode(file));
            Zbar.AssertWholeLabel(file);
        }

        var svg = await enterprise.PostAsync("labels", Json(new { codes = new[] { a.Code }, format = "svg", hotline = "0591-87654321" }));
        using (var archive = new ZipArchive(await svg.Content.ReadAsStreamAsync()))
        {
            using var reader = new StreamReader(archive.GetEntry(a.Code + ".svg")!.Open());
            var text = await reader.ReadToEndAsync();
            Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"50mm\" height=\"30mm\"", text);
            Assert.Contains(">0591-87654321</text>", text);
        }

        var theirs = await enterprise.PostAsync("labels", Json(new { codes = new[] { a.Code, strangers.Code } }));
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        var problem = JsonDocument.Parse(await theirs.Content.ReadAsStringAsync()).RootElement;
        Assert.EndsWith("labels-not-yours", problem.GetProperty("type").GetString());
        Assert.Equal([strangers.Code], problem.GetProperty("codes").EnumerateArray().Select(e => e.GetString()).ToArray());

        var unknown = TestData.UniqueCode("U");
        var missing = await enterprise.PostAsync("labels", Json(new { codes = new[] { a.Code, unknown } }));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains(unknown, await missing.Content.ReadAsStringAsync());

        foreach (var bad in new object[] { new { codes = "x" }, new { codes = new[] { a.Code }, from = a.Code, to = a.Code }, new { }, new { codes = new[] { "<x>" } }, new { codes = new[] { a.Code }, format = "pdf" }, new { codes = new[] { a.Code }, hotline = "call me" } })
            Assert.Equal(HttpStatusCode.BadRequest, (await enterprise.PostAsync("labels", Json(bad))).StatusCode);
    }

    [Fact]
    public async Task by_an_enterprise_for_a_range_where_other_enterprises_codes_interleave_and_only_its_own_are_labelled()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", name: "福州华福燃气有限公司");
        var stem = "Q" + TestData.UniqueCode("")[..8];
        var ours = new List<string>();
        string? theirs = null;
        for (var i = 1; i <= 4; i++)
        {
            var mine = i != 2;
            var c = mine ? await fx.Data.CylinderAsync(ownerId: owner) : await fx.Data.CylinderAsync();
            var code = $"{stem}{i:D3}";
            await using var conn = await fx.Database.OpenAsync();
            await conn.ExecuteAsync("UPDATE cylinders SET code = @code WHERE id = @Id", new { code, c.Id });
            if (mine) ours.Add(code); else theirs = code;
        }
        await using var host = LabelHost();
        var enterprise = await IntegrationClient.ForAsync(host, await fx.Data.LicenceOfAsync(owner));

        var sheet = await enterprise.PostAsync("labels", Json(new { from = $"{stem}001", to = $"{stem}999" }));
        Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
        var html = await sheet.Content.ReadAsStringAsync();
        Assert.Equal(ours, System.Text.RegularExpressions.Regex.Matches(html, "data-code=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList());
        Assert.DoesNotContain(theirs!, html);

        // A range holding only another enterprise's cylinder labels nothing, and names nothing of theirs.
        var none = await enterprise.PostAsync("labels", Json(new { from = theirs, to = theirs }));
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.DoesNotContain("\"codes\"", await none.Content.ReadAsStringAsync());
        // A list naming it is still refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await enterprise.PostAsync("labels", Json(new { codes = new[] { ours[0], theirs } }))).StatusCode);
    }

    [Fact]
    public async Task for_a_range_of_codes_from_the_command_line_and_the_qr_reads_back()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", name: "福州市闽侯燃气股份有限公司");
        var stem = "R" + TestData.UniqueCode("")[..8];
        var codes = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            var c = await fx.Data.CylinderAsync(ownerId: owner);
            var code = $"{stem}{i:D3}";
            await using var conn = await fx.Database.OpenAsync();
            await conn.ExecuteAsync("UPDATE cylinders SET code = @code WHERE id = @Id", new { code, c.Id });
            codes.Add(code);
        }
        await using var host = LabelHost();
        var folder = Zbar.TempFolder();
        Assert.Equal(0, (await new Cli().RunAsync(host.Services, null, "labels", "--from", codes[0], "--to", $"{stem}999", "--out", folder, "--format", "png")).Exit);
        Assert.Equal(codes, Directory.GetFiles(folder).Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList());
        foreach (var code in codes)
        {
            Assert.Equal([$"{Base}/c/{code}"], Zbar.Decode(Path.Combine(folder, code + ".png")));
            Zbar.AssertWholeLabel(Path.Combine(folder, code + ".png"));
        }

        var sheet = Path.Combine(folder, "sheet.html");
        Assert.Equal(0, (await new Cli().RunAsync(host.Services, null, "labels", "--codes", codes[1], "--out", sheet)).Exit);
        Assert.Contains(">闽侯燃气</text>", await File.ReadAllTextAsync(sheet));
        // A range across patterns, or one the wrong way round, is refused.
        Assert.Equal(1, (await new Cli().RunAsync(host.Services, null, "labels", "--from", codes[2], "--to", codes[0], "--out", sheet)).Exit);
        Assert.Equal(1, (await new Cli().RunAsync(host.Services, null, "labels", "--from", codes[0], "--to", "X" + codes[0][1..], "--out", sheet)).Exit);
    }

    [Fact]
    public async Task by_administrators_in_the_console_for_owners_in_their_jurisdiction()
    {
        var owner = await fx.Data.EnterpriseAsync("filling", district: "350102");
        var cylinder = await fx.Data.CylinderAsync(ownerId: owner);
        var home = await fx.Data.AgencyAsync(district: "350102");
        var elsewhere = await fx.Data.AgencyAsync(district: "350103");
        await using var host = LabelHost();
        var admin = await ConsoleClient.SignInAsync(host, (await fx.Data.StaffAsync(home.Code, "administrator")).Username, TestData.StaffPassword);
        var handler = await ConsoleClient.SignInAsync(host, (await fx.Data.StaffAsync(home.Code, "handler")).Username, TestData.StaffPassword);
        var stranger = await ConsoleClient.SignInAsync(host, (await fx.Data.StaffAsync(elsewhere.Code, "administrator")).Username, TestData.StaffPassword);

        var page = await admin.Http.GetAsync("/console/labels");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("id=\"labels-form\"", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.Http.GetAsync("/console/labels")).StatusCode);

        var token = await admin.FormTokenAsync("/console/labels");
        var sheet = await admin.PostFormAsync("/console/labels", token, new Dictionary<string, string> { ["codes"] = cylinder.Code + "\n", ["format"] = "html" });
        Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
        Assert.Contains($">{cylinder.Code}</text>", await sheet.Content.ReadAsStringAsync());
        Assert.Contains("style-src 'unsafe-inline'", sheet.Headers.GetValues("Content-Security-Policy").Single());

        var refused = await stranger.PostFormAsync("/console/labels", await stranger.FormTokenAsync("/console/labels"), new Dictionary<string, string> { ["codes"] = cylinder.Code });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("不属于您的单位（或辖区）", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        var nothing = await admin.PostFormAsync("/console/labels", token, new Dictionary<string, string> { ["codes"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
        Assert.Contains("二者选一", WebUtility.HtmlDecode(await nothing.Content.ReadAsStringAsync()));
    }
}
