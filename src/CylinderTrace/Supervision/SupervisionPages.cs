using CylinderTrace.Complaints;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using CylinderTrace.Supervision.Pages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Supervision;

/// <summary>A cylinder's file for an inspector: its card (null: not registered) and its trace.</summary>
/// <param name="Complaints">Complaints naming the cylinder that the member may open, and how many others there are.</param>
/// <param name="Violations">Fill violations about the cylinder, each with whether the member may open the case.</param>
/// <param name="BlackGas">For an unregistered code, its detentions as black gas.</param>
public sealed record CylinderFile(string Code, CylinderCard? Card, IReadOnlyList<TraceEvent> Trace, CylinderComplaints Complaints,
    IReadOnlyList<(FillViolation Violation, bool MayOpen)> Violations, IReadOnlyList<BlackGasDetention>? BlackGas = null);

/// <summary>
/// Supervision's console pages: an inspector's cylinder file with the detention form, detention orders, enterprise
/// scores and the agency's digest reports. The same checks as the JSON API (<see cref="ConsoleAccess"/>).
/// </summary>
public static class SupervisionPages
{
    /// <summary>Trace events shown in an inspector's cylinder file: in practice a cylinder's whole life (a few hundred fills and deliveries).</summary>
    public const int TraceLimit = 2000;

    public static IEndpointRouteBuilder MapSupervisionPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapConsolePageGroup();
        pages.MapGet("/cylinders", FindCylinder);
        pages.MapGet("/cylinders/{code}", (string code, StaffMember me, CylinderFiles files, DetentionOrders orders, IOptions<SupervisionOptions> o, CancellationToken ct) =>
            CylinderFilePageAsync(me, files, orders, o.Value, code, null, 200, ct, lookUp: true));
        pages.MapGet("/cylinders/scan.js", CylinderScan.Script);
        pages.MapGet("/cylinders/" + CylinderScan.DecoderFile, CylinderScan.Decoder);
        pages.MapPost("/cylinders/{code}/detentions", IssueAsync);
        pages.MapGet("/detentions", DetentionsPageAsync);
        pages.MapGet("/detentions/{order}", (string order, StaffMember me, DetentionOrders orders, string? done, CancellationToken ct) =>
            DetentionPageAsync(me, orders, order, done switch { "issued" => "扣瓶令已下达，气瓶已标记为扣押。系统正在通知责任企业；企业确认后，“经过”中会出现“企业确认收到”。", "closed" => "已确认处置并结案。", _ => null }, null, 200, ct));
        pages.MapPost("/detentions/{order}/dispose", DisposeAsync);
        pages.MapGet("/detentions/{order}/photos/{sha}", DetentionPhotoAsync);
        pages.MapGet("/digests", DigestsPageAsync);
        pages.MapPost("/digest-settings", SaveDigestSettingsAsync);
        pages.MapGet("/digests/{id:long}", DigestAsync);
        pages.MapGet("/digests/{id:long}.csv", DigestCsvAsync);
        pages.MapGet("/scores", ScoresPageAsync);
        pages.MapGet("/scores/{enterpriseId:int}", ScorePageAsync);
        return app;
    }

    public static IResult FindCylinder(StaffMember me, HttpContext c, string? code)
    {
        CylinderScan.AllowScript(c);
        if (string.IsNullOrWhiteSpace(code)) return ConsolePage.Of<CylinderFilePage>(new() { ["Me"] = me });
        return CylinderCode.TryNormalise(code, out var normal) && normal is not null
            ? TypedResults.Redirect("/console/cylinders/" + normal)
            : ConsolePage.Of<CylinderFilePage>(new() { ["Me"] = me, ["Error"] = "气瓶码格式不对。" + CylinderCode.Rule, ["Typed"] = code }, 400);
    }

    public static async Task<IResult> IssueAsync(string code, StaffMember me, IFormCollection form, CylinderFiles files, DetentionOrders orders,
        IOptions<SupervisionOptions> o, CancellationToken ct)
    {
        if (!ConsoleAccess.MayDetain(me)) return ConsolePage.Forbidden(me, "只有执法检查人员可以下达扣瓶令。");
        var typed = ConsolePages.Typed(form);
        Task<RazorComponentResult> Again(string error, int status) => CylinderFilePageAsync(me, files, orders, o.Value, code, error, status, ct, typed);
        if (form.Files.Count > DetentionOrders.MaxPhotos) return await Again($"最多上传{DetentionOrders.MaxPhotos}张照片。", 400);
        var ids = new List<string>();
        foreach (var file in form.Files)
        {
            if (file.Length == 0) continue;
            if (file.Length > DetentionOrders.MaxPhotoBytes) return await Again($"照片 {file.FileName} 超过{DetentionOrders.MaxPhotoBytes / 1024 / 1024}MB。", 400);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            var upload = await orders.UploadPhotoAsync(me.Id, buffer.ToArray(), ct);
            if (upload is not PhotoStore.Stored stored) return await Again($"{file.FileName}：{((PhotoRefused)upload).Detail}", 400);
            ids.Add(stored.Id);
        }
        var hours = int.TryParse(form["deadlineHours"], out var h) ? h : (int?)null;
        return await orders.IssueAsync(me.Id, me.AgencyId, new NewDetention(code, form["hazard"], hours, form["responsibility"], ids, form["place"],
            form["districtCode"], form["workerPermitNumber"], form["workerName"], form["stationName"], form["vehiclePlate"]), ct) switch
        {
            DetentionResult.Done d => TypedResults.Redirect($"/console/detentions/{d.Order.Number}?done=issued"),
            DetentionResult.BlackGas b => TypedResults.Redirect($"/console/black-gas/detentions/{b.Detention.Number}?done=issued"),
            DetentionResult.Invalid i => await Again(string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400),
            DetentionResult.Conflict x => await Again(x.Message, 409),
            _ => await Again("没有这个气瓶。", 404),
        };
    }

    public static async Task<RazorComponentResult> DetentionsPageAsync(StaffMember me, DetentionOrders orders, bool? open, CancellationToken ct) =>
        ConsolePage.Of<DetentionsPage>(new() { ["Me"] = me, ["Orders"] = await orders.ListAsync(me.AgencyId, null, open ?? true, ct), ["Open"] = open ?? true });

    public static async Task<IResult> DisposeAsync(string order, StaffMember me, IFormCollection form, DetentionOrders orders, CancellationToken ct)
    {
        if (!ConsoleAccess.MayDetain(me)) return ConsolePage.Forbidden(me, "只有执法检查人员可以确认处置。");
        var typed = ConsolePages.Typed(form);
        if (form["disposal"] == "scrapped" && !ConsoleConfirmation.Confirmed(form))
        {
            var o = await orders.GetAsync(order, ct);
            if (o is null || !ConsoleAccess.MaySeeDetention(me, o.AgencyId)) return ConsolePage.Message(me, 404, "没有这个扣瓶令", "本单位没有这个扣瓶令。");
            return ConsoleConfirmation.Ask(me, form, $"确认将气瓶 {o.CylinderCode} 报废？",
                "报废不可撤销：气瓶将永久标记为报废，不能再充装、配送或使用，公众扫码会看到“已报废”。请确认已核实现场情况。",
                $"/console/detentions/{o.Number}/dispose", "确认报废并结案", $"/console/detentions/{o.Number}");
        }
        return await orders.DisposeAsync(me.Id, me.AgencyId, order, form["disposal"], form["note"], ct) switch
        {
            DetentionResult.Done d => TypedResults.Redirect($"/console/detentions/{d.Order.Number}?done=closed"),
            DetentionResult.Invalid i => await DetentionPageAsync(me, orders, order, null, string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400, ct, typed),
            DetentionResult.Conflict x => await DetentionPageAsync(me, orders, order, null, x.Message, 409, ct, typed),
            _ => ConsolePage.Message(me, 404, "没有这个扣瓶令", "本单位没有这个扣瓶令。"),
        };
    }

    public static async Task<IResult> DetentionPhotoAsync(string order, string sha, StaffMember me, HttpContext c, DetentionOrders orders, PhotoStore photos,
        CancellationToken ct)
    {
        var o = await orders.GetAsync(order, ct);
        return await RecordPhotoAsync(me, c, photos, o?.AgencyId, o?.Photos, sha, "扣瓶令", ct);
    }

    /// <summary>
    /// A photo served only through the detention record it belongs to (a detention order, a black-gas detention): 404 unless the
    /// record is there, the viewer's agency may see it and the photo is one of the record's own.
    /// </summary>
    internal static async Task<IResult> RecordPhotoAsync(StaffMember me, HttpContext c, PhotoStore photos, int? agencyId, IReadOnlyList<string>? recordPhotos,
        string sha, string recordName, CancellationToken ct)
    {
        sha = sha.ToLowerInvariant();
        if (agencyId is not { } agency || !ConsoleAccess.MaySeeDetention(me, agency) || recordPhotos?.Contains(sha) != true)
            return ConsolePage.Message(me, 404, "没有这张照片", $"照片不存在，或不属于本单位的{recordName}。");
        var file = await photos.FindAsync(sha, ct);
        return file is null ? ConsolePage.Message(me, 404, "没有这张照片", "照片文件不存在。") : PhotoStore.Serve(c, file.Value);
    }

    public static Task<RazorComponentResult> DigestsPageAsync(StaffMember me, Digests digests, CancellationToken ct) => RenderDigestsPageAsync(me, digests, null, null, 200, ct);

    private static async Task<RazorComponentResult> RenderDigestsPageAsync(StaffMember me, Digests digests, string? error, IReadOnlyDictionary<string, string>? typed,
        int status, CancellationToken ct) =>
        ConsolePage.Of<DigestsPage>(new()
        {
            ["Me"] = me, ["Digests"] = await digests.ListAsync(me.AgencyId, ct), ["Settings"] = await digests.SettingsAsync(me.AgencyId, ct),
            ["MayEdit"] = ConsoleAccess.MayAdministerDigests(me), ["Error"] = error, ["Form"] = typed,
        }, status);

    /// <summary>The agency's digest schedule and recipients from the page (the same rules as PUT /api/console/digest-settings).</summary>
    public static async Task<IResult> SaveDigestSettingsAsync(StaffMember me, HttpContext context, IFormCollection form, Digests digests, CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerDigests(me)) return ConsolePage.Forbidden(me, "只有系统管理员和科室负责人可以设置本单位的摘要报告。");
        var typed = ConsolePages.Typed(form);
        var hour = int.TryParse(form["sendHour"], out var h) ? h : -1;
        var day = int.TryParse(form["weeklyDay"], out var d) ? d : 0;
        var emails = form["emailTo"].ToString().Split(['\n', '\r', ',', '，', ';', '；', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = await digests.SaveSettingsAsync(me.AgencyId, new DigestSettings(form["daily"] == "true", form["weekly"] == "true", hour, day, emails), ct);
        return errors.Count > 0
            ? await RenderDigestsPageAsync(me, digests, ConsolePages.Errors(errors), typed, 400, ct)
            : ConsoleFlash.Redirect(context, "/console/digests", "摘要报告设置已保存：" + DigestsPage.Schedule(await digests.SettingsAsync(me.AgencyId, ct)));
    }

    public static async Task<IResult> DigestAsync(long id, StaffMember me, HttpContext c, Digests digests, CancellationToken ct)
    {
        if (await digests.GetAsync(me.AgencyId, id, ct) is not { } d) return ConsolePage.Message(me, 404, "没有这份报告", "本单位没有这份摘要报告。");
        // The archived page carries its own <style> block (it is also the e-mail's body); still no scripts.
        c.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        // The archive is also the e-mail; in the console it gets a way back at the top.
        var body = d.Html.IndexOf("<body>", StringComparison.Ordinal);
        var html = body < 0 ? d.Html
            : d.Html.Insert(body + "<body>".Length, "<p class=\"back\" id=\"back-to-console\"><a href=\"/console/digests\">← 返回摘要报告列表</a></p>");
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    public static async Task<IResult> DigestCsvAsync(long id, StaffMember me, Digests digests, CancellationToken ct)
    {
        if (await digests.GetAsync(me.AgencyId, id, ct) is not { } d) return ConsolePage.Message(me, 404, "没有这份报告", "本单位没有这份摘要报告。");
        return TypedResults.File(CsvWriter.Utf8(d.Csv), CsvWriter.ContentType, $"digest-{d.Summary.Kind}-{d.Summary.PeriodStart:yyyyMMdd}.csv");
    }

    public static async Task<RazorComponentResult> ScoresPageAsync(StaffMember me, Agencies agencies, EnterpriseScores scores, IOptions<ScoreOptions> o,
        string? period, CancellationToken ct)
    {
        period = period == EnterpriseScores.Month ? period : EnterpriseScores.Rolling;
        var agencyDistrict = await agencies.DistrictAsync(me.AgencyId, ct);
        var districts = ConsoleAccess.RateDistricts(agencyDistrict);
        return ConsolePage.Of<ScoresPage>(new()
        {
            ["Me"] = me, ["Scores"] = await scores.LatestAsync(period, districts, ct), ["Period"] = period, ["Options"] = o.Value,
            ["Jurisdiction"] = districts is null ? "全市" : Districts.Name(agencyDistrict),
        });
    }

    public static async Task<RazorComponentResult> ScorePageAsync(int enterpriseId, StaffMember me, Agencies agencies, EnterpriseScores scores, CancellationToken ct)
    {
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        var rolling = await scores.HistoryAsync(enterpriseId, EnterpriseScores.Rolling, 90, ct);
        if (rolling.Count == 0 || (districts is not null && !districts.Contains(rolling[^1].DistrictCode)))
            return ConsolePage.Message(me, 404, "没有这家企业的评分", "本单位辖区内没有这家企业的评分。");
        var latest = rolling[^1];
        return ConsolePage.Of<ScorePage>(new()
        {
            ["Me"] = me, ["Latest"] = latest, ["Rolling"] = rolling, ["Months"] = await scores.HistoryAsync(enterpriseId, EnterpriseScores.Month, 12, ct),
            ["Changes"] = await scores.GradeChangesAsync(enterpriseId, ct),
            ["Lowering"] = await scores.LoweringRecordsAsync(enterpriseId, latest.PeriodStart, latest.PeriodEnd, ct),
            ["Deductions"] = await scores.DeductionsAsync(enterpriseId, EnterpriseScores.Rolling, latest.PeriodStart, ct),
        });
    }

    private static async Task<RazorComponentResult> CylinderFilePageAsync(StaffMember me, CylinderFiles files, DetentionOrders orders, SupervisionOptions options,
        string code, string? error, int status, CancellationToken ct, IReadOnlyDictionary<string, string>? typed = null, bool lookUp = false)
    {
        CylinderScan.AllowScript(files.Http);
        if (!CylinderCode.TryNormalise(code, out var normal) || normal is null)
            return ConsolePage.Of<CylinderFilePage>(new() { ["Me"] = me, ["Error"] = "气瓶码格式不对。" + CylinderCode.Rule, ["Typed"] = code }, 400);
        var (cylinder, id) = await files.FileAsync(me, normal, TraceLimit, ct, lookUp);
        return ConsolePage.Of<CylinderFilePage>(new()
        {
            ["Me"] = me, ["Cylinder"] = cylinder, ["Orders"] = id is long cid ? await orders.ForCylinderAsync(cid, ct) : [],
            ["MayDetain"] = ConsoleAccess.MayDetain(me), ["DefaultHours"] = options.DetentionDeadlineHours, ["Error"] = error, ["Form"] = typed,
        }, status);
    }

    private static async Task<RazorComponentResult> DetentionPageAsync(StaffMember me, DetentionOrders orders, string number, string? notice, string? error,
        int status, CancellationToken ct, IReadOnlyDictionary<string, string>? typed = null)
    {
        var order = await orders.GetAsync(number, ct);
        if (order is null || !ConsoleAccess.MaySeeDetention(me, order.AgencyId))
            return ConsolePage.Message(me, 404, "没有这个扣瓶令", "本单位没有这个扣瓶令。");
        return ConsolePage.Of<DetentionPage>(new()
        {
            ["Me"] = me, ["Order"] = order, ["MayDispose"] = ConsoleAccess.MayDetain(me), ["Notice"] = notice, ["Error"] = error, ["Form"] = typed,
        }, status);
    }
}

/// <summary>A cylinder's file for an inspector: its card, its id and its trace (through Cylinders' public services).</summary>
public sealed class CylinderFiles(CylinderCards cards, CylinderStore cylinders, CylinderHistory history, CylinderComplaintList complaints,
    FillViolations violations, IHttpContextAccessor http, UnregisteredScans unregistered, BlackGasDetentions blackGas, TimeProvider clock)
{
    internal HttpContext? Http => http.HttpContext;

    /// <summary>The file of a code; an inspector's look-up (<paramref name="lookUp"/>) of an unregistered code is kept as evidence of black gas.</summary>
    public async Task<(CylinderFile File, long? Id)> FileAsync(StaffMember me, string code, int traceLimit, CancellationToken ct, bool lookUp = false)
    {
        var card = await cards.GetCardAsync(code, ct);
        var facts = card is null ? null : await cylinders.FindByCodeAsync(code, ct);
        if (card is null && lookUp)
            await unregistered.RecordAsync(new UnregisteredScan(code, ScanChannel.Inspector, clock.GetUtcNow().UtcDateTime, Scanner: "staff:" + me.Id,
                AgencyId: me.AgencyId), ct);
        var seized = card is null ? await blackGas.ListAsync(null, null, false, ct, code) : [];
        // Complaints and violations are listed for unregistered codes too: a black-gas cylinder is complained about by its code.
        return (new CylinderFile(code, card, facts is null ? [] : await history.RecentAsync(facts.Id, traceLimit, ct),
            await complaints.OfCylinderAsync(me, code, ct), await violations.OfCylinderAsync(me, code, ct), seized), facts?.Id);
    }
}
