using CylinderTrace.Complaints.Pages;
using CylinderTrace.ConsoleShell;
using CylinderTrace.ConsoleShell.Pages;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Complaints.Routing;

/// <summary>
/// Routing rules in the console: every administrator reads them (/api/console/routing-rules, /console/routing-rules);
/// only city administrators change them, since they decide which agency receives every complaint.
/// </summary>
public static class RoutingRulesConsole
{
    internal const string EditOnly = "只有市级系统管理员可以修改分派规则（规则决定全市各单位收到哪些投诉）。";
    internal const string ReadOnly = "只有系统管理员可以查看分派规则。";

    public static IEndpointRouteBuilder MapRoutingRulesConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/routing-rules", ListAsync);
        api.MapGet("/routing-rules/resolve", ResolveAsync);
        api.MapPut("/routing-rules", SaveAsync);
        api.MapDelete("/routing-rules/{id:int}", DeleteAsync);

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/routing-rules", (StaffMember me, string? category, string? district, int? page, RoutingRules rules, Agencies agencies, CancellationToken ct) =>
            PageAsync(me, rules, agencies, new(category, district, page), null, null, null, 200, ct));
        pages.MapGet("/routing-rules/{id:int}", EditPageAsync);
        pages.MapPost("/routing-rules", SavePageAsync);
        pages.MapPost("/routing-rules/{id:int}/delete", DeletePageAsync);
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<RoutingRuleView>>, ProblemHttpResult>> ListAsync(StaffMember me, RoutingRules rules, string? category,
        string? district, CancellationToken ct) =>
        ConsoleAccess.MayReadRouting(me) ? TypedResults.Ok(await rules.ListAsync(category, district, ct)) : ConsoleProblems.Forbidden(ReadOnly);

    public static async Task<Results<Ok<RoutingRuleView>, ProblemHttpResult>> ResolveAsync(StaffMember me, RoutingRules rules, string? category,
        string? district, CancellationToken ct)
    {
        if (!ConsoleAccess.MayReadRouting(me)) return ConsoleProblems.Forbidden(ReadOnly);
        if (string.IsNullOrWhiteSpace(category) || string.IsNullOrWhiteSpace(district))
            return Problem.Of(400, "invalid-routing-query", "Category and district required", "请给出投诉类别 category 和区县代码 district。");
        var rule = await rules.ResolveAsync(category, district, ct);
        return rule is null ? Problem.Of(404, "no-routing-rule", "No rule", "没有适用的分派规则：这类投诉将进入分拣队列。") : TypedResults.Ok(rule);
    }

    public static async Task<Results<Ok<RoutingRuleView>, ProblemHttpResult>> SaveAsync(StaffMember me, RoutingRules rules, RoutingRuleInput body, CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerRouting(me)) return ConsoleProblems.Forbidden(EditOnly);
        return await rules.SaveAsync(body, me.Actor, ct) switch
        {
            RoutingRules.Saved saved => TypedResults.Ok(saved.Rule),
            RoutingRules.Refused refused => Problem.Of(400, "invalid-routing-rule", "Rule not saved", "请按提示修改后再保存。",
                new Dictionary<string, object?> { ["errors"] = refused.Errors }),
            _ => throw new InvalidOperationException(),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(int id, StaffMember me, RoutingRules rules, CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerRouting(me)) return ConsoleProblems.Forbidden(EditOnly);
        return await rules.DeleteAsync(id, me.Actor, ct) switch
        {
            null => Problem.Of(404, "routing-rule-not-found", "No such rule", "没有这条分派规则。"),
            false => Problem.Of(409, "routing-rule-is-default", "City-wide default", "全市默认规则只能修改，不能删除（否则这类投诉无规则可用）。"),
            true => TypedResults.NoContent(),
        };
    }

    /// <summary>Rules listed per page (12 categories × 14 districts and the city-wide defaults are about 180).</summary>
    public const int PageSize = 50;

    /// <summary>The list's filters and page, kept across a save or a refusal.</summary>
    public sealed record ListView(string? Category, string? District, int? Page)
    {
        public string Href => Ui.Query("/console/routing-rules", ("category", Category), ("district", District));
    }

    public static async Task<IResult> SavePageAsync(StaffMember me, HttpContext context, IFormCollection form, RoutingRules rules, Agencies agencies, CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerRouting(me)) return ConsolePage.Forbidden(me, EditOnly);
        var input = new RoutingRuleInput(form["category"], form["district"], form["agency"],
            int.TryParse(form["deadlineHours"], out var h) ? h : null,
            form["informs"].SelectMany(v => (v ?? "").Split([',', '，', ' '], StringSplitOptions.RemoveEmptyEntries)).ToList());
        var list = new ListView(form["listCategory"].ToString() is { Length: > 0 } lc ? lc : input.Category, form["listDistrict"], null);
        var typed = ConsolePages.Typed(form);
        // A city-wide default decides every district without a rule of its own: it is never changed by a slip of the district list.
        if (input.District?.Trim() == ComplaintRouter.CityDistrict && !ConsoleConfirmation.Confirmed(form)
            && ComplaintCategories.Find(input.Category) is { } category && (await rules.ListAsync(category.Code, ComplaintRouter.CityDistrict, ct)).Count > 0)
            return ConsoleConfirmation.Ask(me, form, $"修改“{category.Label}”的全市默认规则？",
                $"全市默认规则决定所有没有本区县规则的区县里“{category.Label}”投诉交给谁办理。只想调整一个区县，请返回并选择该区县。",
                "/console/routing-rules", "确认修改全市默认规则", list.Href);
        return await rules.SaveAsync(input, me.Actor, ct) switch
        {
            RoutingRules.Saved saved => ConsoleFlash.Redirect(context, list.Href,
                $"已保存：{saved.Rule.CategoryLabel} · {saved.Rule.DistrictName} → {saved.Rule.AgencyName}，时限{saved.Rule.DeadlineHours}小时"
                + (saved.Rule.InformNames.Count > 0 ? $"，抄送{string.Join("、", saved.Rule.InformNames)}。" : "。")),
            RoutingRules.Refused refused => await PageAsync(me, rules, agencies, list, form["ruleId"].ToString() is { Length: > 0 } rid && int.TryParse(rid, out var id) ? id : null,
                typed, ConsolePages.Errors(refused.Errors), 400, ct),
            _ => throw new InvalidOperationException(),
        };
    }

    public static async Task<IResult> EditPageAsync(int id, StaffMember me, RoutingRules rules, Agencies agencies, CancellationToken ct)
    {
        if (!ConsoleAccess.MayReadRouting(me)) return ConsolePage.Forbidden(me, ReadOnly);
        if (await rules.FindAsync(id, ct) is not { } rule) return ConsolePage.Message(me, 404, "没有这条分派规则", "没有这条分派规则，可能已被删除。");
        return await PageAsync(me, rules, agencies, new(rule.Category, null, null), id, null, null, 200, ct);
    }

    public static async Task<IResult> DeletePageAsync(int id, StaffMember me, HttpContext context, IFormCollection form, RoutingRules rules, Agencies agencies,
        CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerRouting(me)) return ConsolePage.Forbidden(me, EditOnly);
        if (await rules.FindAsync(id, ct) is not { } rule) return ConsolePage.Message(me, 404, "没有这条分派规则", "没有这条分派规则，可能已被删除。");
        var list = new ListView(rule.Category, null, null);
        if (rule.DistrictCode != ComplaintRouter.CityDistrict && !ConsoleConfirmation.Confirmed(form))
            return ConsoleConfirmation.Ask(me, form, $"删除“{rule.CategoryLabel} · {rule.DistrictName}”的规则？",
                $"删除后，{rule.DistrictName}的“{rule.CategoryLabel}”投诉改按全市默认规则分派；已分派的投诉不受影响。",
                $"/console/routing-rules/{id}/delete", "确认删除", list.Href);
        return await rules.DeleteAsync(id, me.Actor, ct) switch
        {
            true => ConsoleFlash.Redirect(context, list.Href, $"已删除“{rule.CategoryLabel} · {rule.DistrictName}”的规则；这类投诉改按全市默认规则分派。"),
            false => await PageAsync(me, rules, agencies, list, null, null, "全市默认规则只能修改，不能删除（否则这类投诉无规则可用）。", 409, ct),
            null => ConsolePage.Message(me, 404, "没有这条分派规则", "没有这条分派规则，可能已被删除。"),
        };
    }

    private static async Task<RazorComponentResult> PageAsync(StaffMember me, RoutingRules rules, Agencies agencies, ListView list, int? editing,
        IReadOnlyDictionary<string, string>? typed, string? error, int status, CancellationToken ct)
    {
        if (!ConsoleAccess.MayReadRouting(me)) return ConsolePage.Forbidden(me, ReadOnly);
        var all = await rules.ListAsync(list.Category, list.District, ct);
        var (number, pages, rows) = Ui.Paged(all, list.Page, PageSize);
        var rule = editing is int id ? await rules.FindAsync(id, ct) : null;
        return ConsolePage.Of<RoutingRulesPage>(new()
        {
            ["Me"] = me, ["Rules"] = rows, ["Total"] = all.Count, ["PageNumber"] = number, ["Pages"] = pages, ["List"] = list,
            ["Agencies"] = await agencies.ListAsync(ct), ["Editing"] = rule, ["Form"] = typed,
            ["Changes"] = await rules.ChangesAsync(rule?.Category ?? list.Category, rule?.DistrictCode ?? list.District, 30, ct),
            ["Error"] = error, ["MayEdit"] = ConsoleAccess.MayAdministerRouting(me),
        }, status);
    }
}
