using CylinderTrace.Complaints.Photos;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using CylinderTrace.Supervision.Pages;

namespace CylinderTrace.Supervision;

/// <summary>
/// 黑气线索 in the console (JSON API and page): the unregistered codes scanned in the member's jurisdiction
/// (<see cref="ConsoleAccess.RateDistricts"/>: an agency of the city sees every district), the hot spots by district and week,
/// and the agency's detentions of unregistered codes, which its inspectors close. Detention numbers are {order} in routes.
/// </summary>
public static class BlackGasConsole
{
    public static IEndpointRouteBuilder MapBlackGasConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/unregistered-scans", LeadsAsync);
        api.MapGet("/black-gas-detentions", async (StaffMember me, BlackGasDetentions d, bool? open, CancellationToken ct) =>
            TypedResults.Ok(await d.ListAsync(me.AgencyId, null, open ?? false, ct)));
        api.MapGet("/black-gas-detentions/{order}", async Task<IResult> (string order, StaffMember me, BlackGasDetentions d, CancellationToken ct) =>
            await d.GetAsync(order, ct) is { } x && ConsoleAccess.MaySeeDetention(me, x.AgencyId) ? TypedResults.Ok(x) : NotFound());
        api.MapPost("/black-gas-detentions/{order}/dispose", async Task<IResult> (string order, DisposeRequest body, StaffMember me, BlackGasDetentions d, CancellationToken ct) =>
            !ConsoleAccess.MayDetain(me) ? ConsoleProblems.Forbidden("只有执法检查人员可以确认处置。") : Result(await d.DisposeAsync(me.Id, me.AgencyId, order, body.Disposal, body.Note, ct)));

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/black-gas", PageAsync);
        pages.MapGet("/black-gas/detentions/{order}", DetentionPageAsync);
        pages.MapGet("/black-gas/detentions/{order}/photos/{sha}", PhotoAsync);
        pages.MapPost("/black-gas/detentions/{order}/dispose", DisposePageAsync);
        return app;
    }

    private static string? Check(int? days, string? district) =>
        days is < 1 or > 366 ? "days 应为1到366之间的天数。"
        : !string.IsNullOrEmpty(district) && (!Districts.Codes.Contains(district) || district == Districts.City) ? $"没有区县代码 {district}。"
        : null;

    public static async Task<IResult> LeadsAsync(StaffMember me, Agencies agencies, BlackGasLeads leads, int? days, string? district, CancellationToken ct)
    {
        if (Check(days, district) is { } error) return Problem.Of(400, "invalid-lead-query", "Query not valid", error);
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        return TypedResults.Ok(await leads.ListAsync(districts, days ?? 90, string.IsNullOrEmpty(district) ? null : district, ct));
    }

    public static async Task<IResult> PageAsync(StaffMember me, Agencies agencies, BlackGasLeads leads, BlackGasDetentions detentions, int? days, string? district,
        string? done, CancellationToken ct)
    {
        if (Check(days, district) is { } error) return ConsolePage.Message(me, 400, "查询条件不对", error);
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        return ConsolePage.Of<BlackGasPage>(new()
        {
            ["Me"] = me, ["Leads"] = await leads.ListAsync(districts, days ?? 90, string.IsNullOrEmpty(district) ? null : district, ct),
            ["Detentions"] = await detentions.ListAsync(me.AgencyId, null, false, ct), ["MayDetain"] = ConsoleAccess.MayDetain(me),
            ["Days"] = days ?? 90, ["District"] = district,
            ["Notice"] = done is { Length: > 0 } ? $"已查扣，文书编号 {done}：该码的扫码卡片已显示为“黑气瓶（已被查扣）”。" : null,
        });
    }

    /// <summary>One detention of an unregistered code, with its photos, for the members of the issuing agency (as a detention order).</summary>
    public static async Task<IResult> DetentionPageAsync(string order, StaffMember me, BlackGasDetentions detentions, string? done, CancellationToken ct)
    {
        var d = await detentions.GetAsync(order, ct);
        if (d is null || !ConsoleAccess.MaySeeDetention(me, d.AgencyId)) return ConsolePage.Message(me, 404, "没有这份查扣文书", "本单位没有这份查扣文书。");
        return ConsolePage.Of<BlackGasDetentionPage>(new()
        {
            ["Me"] = me, ["Detention"] = d, ["MayDispose"] = ConsoleAccess.MayDetain(me),
            ["Notice"] = done == "issued" ? "已查扣：该码的扫码卡片和公众号回复已显示为“黑气瓶（已被查扣）”。" : null,
        });
    }

    /// <summary>A photo of a detention, served only through the detention it belongs to.</summary>
    public static async Task<IResult> PhotoAsync(string order, string sha, StaffMember me, HttpContext c, BlackGasDetentions detentions, PhotoStore photos,
        CancellationToken ct)
    {
        var d = await detentions.GetAsync(order, ct);
        return await SupervisionPages.RecordPhotoAsync(me, c, photos, d?.AgencyId, d?.Photos, sha, "查扣文书", ct);
    }

    public static async Task<IResult> DisposePageAsync(string order, StaffMember me, IFormCollection form, BlackGasDetentions detentions, CancellationToken ct)
    {
        if (!ConsoleAccess.MayDetain(me)) return ConsolePage.Forbidden(me, "只有执法检查人员可以确认处置。");
        return await detentions.DisposeAsync(me.Id, me.AgencyId, order, form["disposal"], form["note"], ct) switch
        {
            DetentionResult.BlackGas => TypedResults.Redirect($"/console/black-gas/detentions/{order}"),
            DetentionResult.Invalid i => ConsolePage.Message(me, 400, "请补充后再提交", string.Join(" ", i.Errors.Values.SelectMany(v => v))),
            DetentionResult.Conflict x => ConsolePage.Message(me, 409, "不能处置", x.Message),
            _ => ConsolePage.Message(me, 404, "没有这份查扣文书", "本单位没有这份查扣文书。"),
        };
    }

    private static IResult NotFound() => Problem.Of(404, "detention-not-found", "No such detention", "没有这份查扣文书，或它不属于本单位。");

    private static IResult Result(DetentionResult result) => result switch
    {
        DetentionResult.BlackGas b => TypedResults.Ok(b.Detention),
        DetentionResult.Invalid i => Problem.Of(400, "invalid-detention", "Incomplete detention order", "请按提示补充后再提交。",
            new Dictionary<string, object?> { ["errors"] = i.Errors }),
        DetentionResult.Conflict c => Problem.Of(409, "detention-conflict", "Not possible now", c.Message),
        _ => NotFound(),
    };
}
