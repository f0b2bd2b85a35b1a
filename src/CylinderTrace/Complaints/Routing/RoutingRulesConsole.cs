using CylinderTrace.Complaints.Pages;
using CylinderTrace.ConsoleShell;
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
        pages.MapGet("/routing-rules", (StaffMember me, string? category, RoutingRules rules, Agencies agencies, CancellationToken ct) =>
            PageAsync(me, rules, agencies, category, null, null, ct));
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

    public static async Task<RazorComponentResult> SavePageAsync(StaffMember me, IFormCollection form, RoutingRules rules, Agencies agencies, CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerRouting(me)) return ConsolePage.Forbidden(me, EditOnly);
        var input = new RoutingRuleInput(form["category"], form["district"], form["agency"],
            int.TryParse(form["deadlineHours"], out var h) ? h : null, form["informs"].ToString().Split([',', '，', ' '], StringSplitOptions.RemoveEmptyEntries));
        return await rules.SaveAsync(input, me.Actor, ct) switch
        {
            RoutingRules.Saved saved => await PageAsync(me, rules, agencies, saved.Rule.Category,
                $"已保存：{saved.Rule.CategoryLabel} · {saved.Rule.DistrictName} → {saved.Rule.AgencyName}，时限{saved.Rule.DeadlineHours}小时。", null, ct),
            RoutingRules.Refused refused => await PageAsync(me, rules, agencies, input.Category, null, string.Join(" ", refused.Errors.Values.SelectMany(v => v)), ct),
            _ => throw new InvalidOperationException(),
        };
    }

    public static async Task<RazorComponentResult> DeletePageAsync(int id, StaffMember me, RoutingRules rules, Agencies agencies, CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerRouting(me)) return ConsolePage.Forbidden(me, EditOnly);
        return await rules.DeleteAsync(id, me.Actor, ct) switch
        {
            true => await PageAsync(me, rules, agencies, null, "规则已删除；这类投诉改按全市默认规则分派。", null, ct),
            false => await PageAsync(me, rules, agencies, null, null, "全市默认规则只能修改，不能删除。", ct),
            null => await PageAsync(me, rules, agencies, null, null, "没有这条规则。", ct),
        };
    }

    private static async Task<RazorComponentResult> PageAsync(StaffMember me, RoutingRules rules, Agencies agencies, string? category, string? notice,
        string? error, CancellationToken ct)
    {
        if (!ConsoleAccess.MayReadRouting(me)) return ConsolePage.Forbidden(me, ReadOnly);
        return ConsolePage.Of<RoutingRulesPage>(new()
        {
            ["Me"] = me, ["Rules"] = await rules.ListAsync(category, null, ct), ["Agencies"] = await agencies.ListAsync(ct), ["Category"] = category,
            ["Notice"] = notice, ["Error"] = error, ["MayEdit"] = ConsoleAccess.MayAdministerRouting(me),
        }, error is null ? 200 : 400);
    }
}
