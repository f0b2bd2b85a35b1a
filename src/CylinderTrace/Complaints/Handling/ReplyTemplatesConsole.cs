using CylinderTrace.Complaints.Pages;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// 常用语 in the console: <c>/api/console/reply-templates</c> (GET, POST, PUT/DELETE …/{id}) and the page
/// <c>/console/reply-templates</c>. Handlers and supervisors read their agency's; supervisors change them; another
/// agency's template is a 404 like one that does not exist.
/// </summary>
public static class ReplyTemplatesConsole
{
    private const string ManageOnly = "只有科室负责人可以维护本单位的常用语。";
    private const string UseOnly = "常用语供办理人员和科室负责人答复投诉时使用。";

    public static IEndpointRouteBuilder MapReplyTemplatesConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/reply-templates", ListAsync);
        api.MapPost("/reply-templates", AddAsync);
        api.MapPut("/reply-templates/{id:int}", UpdateAsync);
        api.MapDelete("/reply-templates/{id:int}", DeleteAsync);

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/reply-templates", (StaffMember me, ReplyTemplates t, string? done, CancellationToken ct) =>
            PageAsync(me, t, done switch { "added" => "常用语已添加。", "saved" => "常用语已保存。", "deleted" => "常用语已删除。", _ => null }, null, null, null, 200, ct));
        pages.MapPost("/reply-templates", AddPageAsync);
        pages.MapPost("/reply-templates/{id:int}", UpdatePageAsync);
        pages.MapPost("/reply-templates/{id:int}/delete", DeletePageAsync);
        return app;
    }

    private static ProblemHttpResult Invalid(Dictionary<string, string[]> errors) =>
        Problem.Of(400, "invalid-reply-template", "Incomplete", string.Join(" ", errors.Values.SelectMany(v => v)), new Dictionary<string, object?> { ["errors"] = errors });

    private static ProblemHttpResult NotFound() => Problem.Of(404, "reply-template-not-found", "Not found", "本单位没有这条常用语。");

    public static async Task<Results<Ok<IReadOnlyList<ReplyTemplate>>, ProblemHttpResult>> ListAsync(StaffMember me, ReplyTemplates t, CancellationToken ct) =>
        ConsoleAccess.MayUseReplyTemplates(me) ? TypedResults.Ok(await t.ListAsync(me.AgencyId, ct)) : ConsoleProblems.Forbidden(UseOnly);

    public static async Task<Results<Created<ReplyTemplate>, ProblemHttpResult>> AddAsync(ReplyTemplateRequest r, StaffMember me, ReplyTemplates t, CancellationToken ct)
    {
        if (!ConsoleAccess.MayManageReplyTemplates(me)) return ConsoleProblems.Forbidden(ManageOnly);
        var (id, errors) = await t.AddAsync(me.AgencyId, me.Id, r.Title, r.Body, ct);
        if (id is null) return Invalid(errors);
        var created = (await t.ListAsync(me.AgencyId, ct)).First(x => x.Id == id);
        return TypedResults.Created($"/api/console/reply-templates/{id}", created);
    }

    public static async Task<Results<Ok<ReplyTemplate>, ProblemHttpResult>> UpdateAsync(int id, ReplyTemplateRequest r, StaffMember me, ReplyTemplates t, CancellationToken ct)
    {
        if (!ConsoleAccess.MayUseReplyTemplates(me)) return NotFound();
        if (!ConsoleAccess.MayManageReplyTemplates(me)) return ConsoleProblems.Forbidden(ManageOnly);
        var (found, errors) = await t.UpdateAsync(me.AgencyId, me.Id, id, r.Title, r.Body, ct);
        if (!found) return NotFound();
        if (errors.Count > 0) return Invalid(errors);
        return TypedResults.Ok((await t.ListAsync(me.AgencyId, ct)).First(x => x.Id == id));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(int id, StaffMember me, ReplyTemplates t, CancellationToken ct)
    {
        if (!ConsoleAccess.MayUseReplyTemplates(me)) return NotFound();
        if (!ConsoleAccess.MayManageReplyTemplates(me)) return ConsoleProblems.Forbidden(ManageOnly);
        return await t.DeleteAsync(me.AgencyId, me.Id, id, ct) ? TypedResults.NoContent() : NotFound();
    }

    private static async Task<IResult> PageAsync(StaffMember me, ReplyTemplates t, string? notice, string? error, int? failedId, IFormCollection? form, int status,
        CancellationToken ct)
    {
        if (!ConsoleAccess.MayUseReplyTemplates(me)) return ConsolePage.Forbidden(me, UseOnly);
        return ConsolePage.Of<ReplyTemplatesPage>(new()
        {
            ["Me"] = me, ["Templates"] = await t.ListAsync(me.AgencyId, ct), ["Notice"] = notice, ["Error"] = error, ["FailedId"] = failedId, ["Form"] = form,
        }, status);
    }

    public static async Task<IResult> AddPageAsync(StaffMember me, IFormCollection form, ReplyTemplates t, CancellationToken ct)
    {
        if (!ConsoleAccess.MayManageReplyTemplates(me)) return ConsolePage.Forbidden(me, ManageOnly);
        var (id, errors) = await t.AddAsync(me.AgencyId, me.Id, form["title"], form["body"], ct);
        return id is null ? await PageAsync(me, t, null, string.Join(" ", errors.Values.SelectMany(v => v)), 0, form, 400, ct)
            : TypedResults.Redirect("/console/reply-templates?done=added");
    }

    public static async Task<IResult> UpdatePageAsync(int id, StaffMember me, IFormCollection form, ReplyTemplates t, CancellationToken ct)
    {
        if (!ConsoleAccess.MayUseReplyTemplates(me)) return ConsolePage.Message(me, 404, "没有这条常用语", "本单位没有这条常用语。");
        if (!ConsoleAccess.MayManageReplyTemplates(me)) return ConsolePage.Forbidden(me, ManageOnly);
        var (found, errors) = await t.UpdateAsync(me.AgencyId, me.Id, id, form["title"], form["body"], ct);
        if (!found) return ConsolePage.Message(me, 404, "没有这条常用语", "本单位没有这条常用语。");
        return errors.Count > 0 ? await PageAsync(me, t, null, string.Join(" ", errors.Values.SelectMany(v => v)), id, form, 400, ct)
            : TypedResults.Redirect("/console/reply-templates?done=saved");
    }

    public static async Task<IResult> DeletePageAsync(int id, StaffMember me, IFormCollection form, ReplyTemplates t, CancellationToken ct)
    {
        if (!ConsoleAccess.MayUseReplyTemplates(me)) return ConsolePage.Message(me, 404, "没有这条常用语", "本单位没有这条常用语。");
        if (!ConsoleAccess.MayManageReplyTemplates(me)) return ConsolePage.Forbidden(me, ManageOnly);
        if (!(await t.ListAsync(me.AgencyId, ct)).Any(x => x.Id == id)) return ConsolePage.Message(me, 404, "没有这条常用语", "本单位没有这条常用语。");
        if (form["confirm"].ToString() != "yes") return await PageAsync(me, t, null, "请勾选“确认删除”后再删除。", id, null, 400, ct);
        return await t.DeleteAsync(me.AgencyId, me.Id, id, ct) ? TypedResults.Redirect("/console/reply-templates?done=deleted")
            : ConsolePage.Message(me, 404, "没有这条常用语", "本单位没有这条常用语。");
    }
}
