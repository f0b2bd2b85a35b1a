using CylinderTrace.ConsoleShell;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using CylinderTrace.Supervision.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Supervision;

public sealed record ViolationNoteRequest(string? Text);
public sealed record ViolationResolveRequest(string? Outcome, string? Note);

/// <summary>
/// The fill-violation cases in the console (JSON API and pages); the enterprise reads its own violations through the
/// integration API. Violation numbers are {violation} in routes.
/// </summary>
public static class ViolationsConsole
{
    public const int PageSize = 50;

    public static IEndpointRouteBuilder MapViolationsConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/violations", ListAsync);
        api.MapGet("/violations/{violation}", GetAsync);
        api.MapPost("/violations/{violation}/claim", (string violation, StaffMember me, FillViolations v, CancellationToken ct) => ApiResult(v.ClaimAsync(me, violation, ct)));
        api.MapPost("/violations/{violation}/notes", (string violation, ViolationNoteRequest body, StaffMember me, FillViolations v, CancellationToken ct) =>
            ApiResult(v.NoteAsync(me, violation, body.Text, ct)));
        api.MapPost("/violations/{violation}/resolve", (string violation, ViolationResolveRequest body, StaffMember me, FillViolations v, CancellationToken ct) =>
            ApiResult(v.ResolveAsync(me, violation, body.Outcome, body.Note, ct)));

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/violations", ViolationsPageAsync);
        pages.MapGet("/violations/{violation}", (string violation, StaffMember me, FillViolations v, string? done, CancellationToken ct) =>
            ViolationPageAsync(me, v, violation, done switch { "claimed" => "已认领。", "noted" => "备注已保存。", "resolved" => "已办结；处理结果将通知企业（企业在数据接口中可以查到）。", _ => null }, null, null, 200, ct));
        pages.MapPost("/violations/{violation}/claim", (string violation, StaffMember me, FillViolations v, CancellationToken ct) =>
            PageAction(me, v, violation, "claimed", null, v.ClaimAsync(me, violation, ct), ct));
        pages.MapPost("/violations/{violation}/notes", (string violation, StaffMember me, IFormCollection form, FillViolations v, CancellationToken ct) =>
            PageAction(me, v, violation, "noted", form, v.NoteAsync(me, violation, form["text"], ct), ct));
        pages.MapPost("/violations/{violation}/resolve", (string violation, StaffMember me, IFormCollection form, FillViolations v, CancellationToken ct) =>
            PageAction(me, v, violation, "resolved", form, v.ResolveAsync(me, violation, form["outcome"], form["note"], ct), ct));
        return app;
    }

    /// <summary>The queue's filters read from the query; an unknown value is a 400 that names it, never silently ignored.</summary>
    private static (FillViolations.QueueFilter? Filter, string? Error) Filter(string? status, string? kind, int? enterprise, string? district, int? page)
    {
        if (status is not (null or "" or "open" or "in_progress" or "resolved")) return (null, "status 应为 open（待处理）、in_progress（处理中）或 resolved（已办结）。");
        if (!string.IsNullOrEmpty(kind) && FillRules.Find(kind) is null) return (null, "kind 应为以下之一：" + string.Join("、", FillRules.All.Select(r => $"{r.Code}（{r.Label}）")) + "。");
        if (!string.IsNullOrEmpty(district) && !Districts.Codes.Contains(district)) return (null, $"没有行政区划代码 {district}。");
        if (page is < 1 or > 10000) return (null, "page 应为1到10000之间的页码。");
        return (new(string.IsNullOrEmpty(status) ? null : status, string.IsNullOrEmpty(kind) ? null : kind, enterprise, string.IsNullOrEmpty(district) ? null : district,
            page ?? 1, PageSize), null);
    }

    public static async Task<Results<Ok<ViolationQueue>, ProblemHttpResult>> ListAsync(StaffMember me, FillViolations violations, string? status, string? kind,
        int? enterprise, string? district, int? page, CancellationToken ct)
    {
        var (filter, error) = Filter(status, kind, enterprise, district, page);
        if (filter is null) return Problem.Of(400, "invalid-violation-query", "Unknown filter value", error!);
        return TypedResults.Ok(await violations.QueueAsync(me.AgencyId, filter, ct));
    }

    public static async Task<Results<Ok<FillViolation>, ProblemHttpResult>> GetAsync(string violation, StaffMember me, FillViolations violations, CancellationToken ct) =>
        await violations.GetAsync(violation, ct) is { } v && await violations.AccessAsync(me, v, ct) != ComplaintAccess.None ? TypedResults.Ok(v) : NotFound();

    private static ProblemHttpResult NotFound() => Problem.Of(404, "violation-not-found", "No such violation", "没有这起违规充装记录，或它不归本单位办理。");

    private static async Task<IResult> ApiResult(Task<FillViolations.ActionResult> action) => await action switch
    {
        FillViolations.Done d => TypedResults.Ok(d.Violation),
        FillViolations.Invalid i => Problem.Of(400, "invalid-violation-action", "Not valid", i.Message, new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [i.Field] = [i.Message] } }),
        FillViolations.Conflict c => Problem.Of(409, "violation-conflict", "Not possible now", c.Message),
        _ => NotFound(),
    };

    public static async Task<IResult> ViolationsPageAsync(StaffMember me, FillViolations violations, string? status, string? kind, int? enterprise, string? district,
        int? page, CancellationToken ct)
    {
        var (filter, error) = Filter(status, kind, enterprise, district, page);
        if (filter is null)
            return ConsolePage.Of<ViolationsPage>(new() { ["Me"] = me, ["Error"] = error, ["Filter"] = new FillViolations.QueueFilter(null, null, null, null, 1, PageSize) }, 400);
        return ConsolePage.Of<ViolationsPage>(new() { ["Me"] = me, ["Page"] = await violations.QueueAsync(me.AgencyId, filter, ct), ["Filter"] = filter });
    }

    public static async Task<IResult> ViolationPageAsync(StaffMember me, FillViolations violations, string number, string? notice, string? error, IFormCollection? form,
        int status, CancellationToken ct)
    {
        if (await violations.GetAsync(number, ct) is not { } v || await violations.AccessAsync(me, v, ct) is var access && access == ComplaintAccess.None)
            return ConsolePage.Message(me, 404, "没有这起违规", "没有这起违规充装记录，或它不归本单位办理。");
        return ConsolePage.Of<ViolationPage>(new()
        {
            ["Me"] = me, ["Violation"] = v, ["MayAct"] = access == ComplaintAccess.Act, ["Notice"] = notice, ["Error"] = error,
            ["TypedNote"] = form?["note"].ToString(), ["TypedText"] = form?["text"].ToString(), ["TypedOutcome"] = form?["outcome"].ToString(),
        }, status);
    }

    /// <summary>Post/redirect/get: a done action redirects to the case; a refused one shows it again with the typed text kept.</summary>
    private static async Task<IResult> PageAction(StaffMember me, FillViolations violations, string number, string done, IFormCollection? form,
        Task<FillViolations.ActionResult> action, CancellationToken ct) => await action switch
        {
            FillViolations.Done d => TypedResults.Redirect($"/console/violations/{d.Violation.Number}?done={done}"),
            FillViolations.Invalid i => await ViolationPageAsync(me, violations, number, null, i.Message, form, 400, ct),
            FillViolations.Conflict c => await ViolationPageAsync(me, violations, number, null, c.Message, form, 409, ct),
            _ => ConsolePage.Message(me, 404, "没有这起违规", "没有这起违规充装记录，或它不归本单位办理。"),
        };
}
