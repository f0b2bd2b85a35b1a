using CylinderTrace.Commercial.Pages;
using CylinderTrace.ConsoleShell;
using CylinderTrace.ConsoleShell.Pages;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Commercial;

public sealed record CommercialInviteRequest(long? CustomerId, string? Role);

/// <summary>
/// Restaurants in the console: scan rates of the member's jurisdiction (API, page and CSV, every role) and invites
/// that bind a restaurant's owner or staff in the Mini Program (administrators, within their jurisdiction).
/// </summary>
public static class CommercialConsole
{
    public static IEndpointRouteBuilder MapCommercialConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/scan-rates", ScanRatesAsync);
        api.MapPost("/commercial-invites", InviteAsync);

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/scan-rates", ScanRatesPageAsync);
        pages.MapGet("/scan-rates.csv", ScanRatesCsvAsync);
        pages.MapPost("/commercial-invites", InvitePageAsync);
        return app;
    }

    private const string InviteOnly = "只有系统管理员可以在管理端为商户生成邀请码（供气站可通过对接接口生成）。";

    public static async Task<Results<Ok<RatesView>, ProblemHttpResult>> ScanRatesAsync(StaffMember me, ScanRatesConsole rates, string? dimension, string? period,
        string? date, string? subject, bool? all, CancellationToken ct)
    {
        var (query, error) = rates.Parse(dimension, period, date, subject);
        if (query is null) return Problem.Of(400, "invalid-rate-query", "Invalid scan-rate query", error!);
        return TypedResults.Ok(await rates.ViewAsync(me, query, all == true, ct));
    }

    public static async Task<IResult> InviteAsync(StaffMember me, CommercialInviteRequest body, Agencies agencies, CommercialMembers members, CancellationToken ct)
    {
        if (!ConsoleAccess.MayInviteRestaurants(me)) return ConsoleProblems.Forbidden(InviteOnly);
        if (body.CustomerId is not long customerId || body.Role is not ("owner" or "staff"))
            return Problem.Of(400, "invalid-invite", "Customer and role required", "请给出商户编号 customerId 和角色 role（owner 负责人或 staff 扫码人员）。");
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        return await members.InviteByIdAsync(customerId, districts, body.Role, me.Actor, ct) switch
        {
            CommercialMembers.Invited i => TypedResults.Ok(new { code = i.Code, expiresAt = i.ExpiresAt, role = body.Role, customerId }),
            CommercialMembers.NotCommercial => Problem.Of(400, "invalid-invite", "Not a commercial customer", "这是居民用户，不是商户：只有商户需要进货扫码。"),
            _ => Problem.Of(404, "customer-not-found", "No such customer", "本单位辖区内没有这个商户编号。"),
        };
    }

    public static async Task<RazorComponentResult> ScanRatesPageAsync(StaffMember me, ScanRatesConsole rates, string? dimension, string? period, string? date,
        string? subject, CancellationToken ct)
    {
        var (query, error) = rates.Parse(dimension, period, date, subject);
        if (query is null) return ConsolePage.Message(me, 400, "查询条件有误", error!);
        return ConsolePage.Of<ScanRatesPage>(new() { ["Me"] = me, ["View"] = await rates.ViewAsync(me, query, all: false, ct) });
    }

    public static async Task<IResult> ScanRatesCsvAsync(StaffMember me, ScanRatesConsole rates, string? dimension, string? period, string? date, CancellationToken ct)
    {
        var (query, error) = rates.Parse(dimension, period, date, null);
        if (query is null) return ConsolePage.Message(me, 400, "查询条件有误", error!);
        var view = await rates.ViewAsync(me, query, all: true, ct);
        return TypedResults.File(ScanRatesConsole.Csv(view), Platform.Csv.CsvWriter.ContentType, $"scan-rates-{view.Dimension}-{view.Period}-{Ui.Date(view.Start)}.csv");
    }

    public static async Task<RazorComponentResult> InvitePageAsync(StaffMember me, IFormCollection form, Agencies agencies, CommercialMembers members, CancellationToken ct)
    {
        if (!ConsoleAccess.MayInviteRestaurants(me)) return ConsolePage.Forbidden(me, "只有系统管理员可以为商户生成邀请码。");
        var role = form["role"].ToString() is "staff" ? "staff" : "owner";
        if (!long.TryParse(form["customerId"], out var customerId)) return ConsolePage.Message(me, 400, "没有商户编号", "请从商户扫码率列表中选择商户。");
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        return await members.InviteByIdAsync(customerId, districts, role, me.Actor, ct) switch
        {
            CommercialMembers.Invited i => ConsolePage.Message(me, 200, "商户邀请码",
                $"邀请码：{i.Code}（{(role == "owner" ? "负责人" : "扫码人员")}，一次有效，{Ui.Time(Platform.Time.ShanghaiTime.ToLocal(i.ExpiresAt))} 前使用）。" +
                "请交给商户：在小程序“商户进货扫码”中输入邀请码绑定。邀请码只显示这一次。"),
            CommercialMembers.NotCommercial => ConsolePage.Message(me, 400, "不是商户", "这是居民用户，不需要进货扫码。"),
            _ => ConsolePage.Message(me, 404, "没有这个商户", "本单位辖区内没有这个商户。"),
        };
    }
}
