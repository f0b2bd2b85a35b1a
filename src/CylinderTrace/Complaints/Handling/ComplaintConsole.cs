using CylinderTrace.Complaints.Pages;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// The complaint queue in the console, as JSON under /api/console and as pages under /console: the queue, a complaint
/// with its cylinder and photos, the handler actions, and the supervisors' team view. Every call goes through
/// <see cref="ComplaintDesk"/>, which asks <see cref="ConsoleAccess"/>; a complaint the member may not see is a 404
/// exactly like a number that does not exist.
/// </summary>
public static class ComplaintConsole
{
    public static IEndpointRouteBuilder MapComplaintConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/complaints", QueueAsync);
        api.MapGet("/complaints/{number}", ComplaintAsync);
        api.MapGet("/complaints/{number}/cylinder", CylinderAsync);
        api.MapGet("/complaints/{number}/photos/{photoId}", PhotoAsync);
        api.MapPost("/complaints/{number}/claim", (string number, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.ClaimAsync(id, h, ct), ct));
        api.MapPost("/complaints/{number}/release", (string number, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.ReleaseAsync(id, h, ct), ct));
        api.MapPost("/complaints/{number}/notes", (string number, NoteRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.NoteAsync(id, h, r.Text, ct), ct));
        api.MapPost("/complaints/{number}/information-requests", (string number, InformationRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.AskForInformationAsync(id, h, r.Question, ct), ct));
        api.MapPost("/complaints/{number}/transfer", (string number, TransferRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.TransferAsync(id, h, r.Agency, r.Reason, ct), ct));
        api.MapPost("/complaints/{number}/duplicate", (string number, DuplicateRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.MarkDuplicateAsync(id, h, r.Of, ct), ct));
        api.MapPost("/complaints/{number}/resolve", (string number, ResolveRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.ResolveAsync(id, h, r.Outcome, r.Reply, ct), ct));
        api.MapPost("/complaints/{number}/reject", (string number, RejectRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.RejectAsync(id, h, r.Reason, r.Suggestion, ct), ct));
        api.MapGet("/team", TeamAsync);

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/", QueuePageAsync);
        pages.MapGet("/complaints/{number}", (string number, string? done, StaffMember me, ComplaintDesk desk, Agencies agencies, CancellationToken ct) =>
            ComplaintPageAsync(me, desk, agencies, number, done is not null ? DoneNotices.GetValueOrDefault(done) : null, null, 200, ct));
        pages.MapGet("/complaints/{number}/photos/{photoId}", PhotoPageAsync);
        pages.MapPost("/complaints/{number}/{action}", ActPageAsync);
        pages.MapGet("/team", TeamPageAsync);
        return app;
    }

    // ---- API

    public static async Task<Results<Ok<QueueResult>, ProblemHttpResult>> QueueAsync(StaffMember me, ComplaintDesk desk, string? scope, string? state,
        string? category, string? district, string? due, string? claim, int? page, string? q, CancellationToken ct)
    {
        if (page is < 1 or > 100_000) return Problem.Of(400, "invalid-page", "Invalid page", "页码应为1或更大的整数。");
        var filter = new QueueFilter(scope == "informed", state, category, district, due, claim, page ?? 1, q);
        return TypedResults.Ok(await desk.QueueAsync(me, filter, ct));
    }

    public static async Task<Results<Ok<ConsoleComplaint>, ProblemHttpResult>> ComplaintAsync(string number, StaffMember me, ComplaintDesk desk, CancellationToken ct) =>
        await desk.ComplaintAsync(me, number, ct) is { } view ? TypedResults.Ok(view) : NotFound(number);

    public static async Task<Results<Ok<ConsoleCylinder>, ProblemHttpResult>> CylinderAsync(string number, StaffMember me, ComplaintDesk desk, CancellationToken ct) =>
        await desk.CylinderAsync(me, number, ct) switch
        {
            null => NotFound(number),
            { Code: "" } => Problem.Of(404, "complaint-has-no-cylinder", "No cylinder", "这件投诉没有填写气瓶码。"),
            var view => TypedResults.Ok(view),
        };

    public static async Task<IResult> PhotoAsync(string number, string photoId, StaffMember me, HttpContext context, ComplaintDesk desk, CancellationToken ct)
    {
        var photo = await desk.PhotoAsync(me, number, photoId, ct);
        return photo is null ? Problem.Of(404, "photo-not-found", "Photo not found", "没有这张照片。") : PhotoStore.Serve(context, photo.Value);
    }

    private static async Task<IResult> ActAsync(string number, StaffMember me, ComplaintDesk desk, Func<Handler, long, Task<HandlingOutcome>> action, CancellationToken ct)
    {
        var outcome = await desk.ActAsync(me, number, action, ct);
        return outcome switch
        {
            // After a transfer the complaint is no longer this member's to see: 204.
            HandlingOutcome.Done => await desk.ComplaintAsync(me, number, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NoContent(),
            HandlingOutcome.Conflict c => Problem.Of(409, "complaint-action-not-possible", "Not possible now", c.Message),
            HandlingOutcome.Invalid i => Problem.Of(400, "invalid-complaint-action", "Incomplete", "请按提示补充后再提交。",
                new Dictionary<string, object?> { ["errors"] = i.Errors }),
            ComplaintDesk.ReadOnly => Problem.Of(403, "complaint-read-only", "Read only", "您的单位只能查看这件投诉（抄送或督办），不能办理。"),
            _ => NotFound(number),
        };
    }

    internal static ProblemHttpResult NotFound(string number) =>
        Problem.Of(404, "complaint-not-found", "Complaint not found", $"本单位没有投诉 {Short(number)}。");

    private static string Short(string number) => number.Length > 30 ? number[..30] : number;

    public static async Task<Results<Ok<TeamLoad>, ProblemHttpResult>> TeamAsync(StaffMember me, ComplaintDesk desk, CancellationToken ct) =>
        ConsoleAccess.MaySeeTeam(me) ? TypedResults.Ok(await desk.Queue.TeamAsync(me.AgencyId, ct)) : ConsoleProblems.Forbidden(TeamOnly);

    private const string TeamOnly = "只有科室负责人可以查看本单位各人员的办理量。";

    // ---- pages

    public static async Task<RazorComponentResult> QueuePageAsync(StaffMember me, ComplaintDesk desk, string? scope, string? state, string? category,
        string? district, string? due, string? claim, int? page, string? q, string? done, CancellationToken ct)
    {
        var filter = new QueueFilter(scope == "informed", state, category, district, due, claim, Math.Clamp(page ?? 1, 1, 100_000), q);
        return ConsolePage.Of<QueuePage>(new()
        {
            ["Me"] = me, ["Filter"] = filter, ["Page"] = await desk.QueueAsync(me, filter, ct), ["Notice"] = done is null ? null : DoneNotices.GetValueOrDefault(done),
        });
    }

    private static readonly Dictionary<string, string> DoneNotices = new()
    {
        ["claim"] = "已认领，投诉人将看到“正在处理”。", ["release"] = "已取消认领。", ["notes"] = "备注已添加。",
        ["information-request"] = "已请投诉人补充材料，并通过微信通知。", ["transfer"] = "已转办，这件投诉已离开本单位队列。",
        ["duplicate"] = "已标记为重复投诉。", ["resolve"] = "已办结；答复将通过微信消息发给投诉人，投诉人在小程序里也能看到。", ["reject"] = "已退回；理由将通过微信消息发给投诉人。",
    };

    private static async Task<RazorComponentResult> ComplaintPageAsync(StaffMember me, ComplaintDesk desk, Agencies agencies, string number, string? notice,
        string? error, int status, CancellationToken ct)
    {
        var view = await desk.ComplaintAsync(me, number, ct);
        if (view is null) return ConsolePage.Message(me, 404, "没有这件投诉", $"本单位没有投诉 {Short(number)}。");
        var cylinder = await desk.CylinderAsync(view, ct);
        var transferTo = view.Actions.Contains("transfer") ? await agencies.ListAsync(ct) : [];
        return ConsolePage.Of<Pages.ComplaintPage>(new()
        {
            ["Me"] = me, ["View"] = view, ["Cylinder"] = cylinder, ["Agencies"] = transferTo, ["Notice"] = notice, ["Error"] = error,
        }, status);
    }

    public static async Task<IResult> PhotoPageAsync(string number, string photoId, StaffMember me, HttpContext c, ComplaintDesk desk, CancellationToken ct)
    {
        var photo = await desk.PhotoAsync(me, number, photoId, ct);
        return photo is null
            ? ConsolePage.Message(me, 404, "没有这张照片", "照片不存在，或不属于本单位可以查看的投诉。")
            : PhotoStore.Serve(c, photo.Value);
    }

    public static async Task<IResult> ActPageAsync(string number, string action, StaffMember me, IFormCollection form, ComplaintDesk desk, Agencies agencies,
        CancellationToken ct)
    {
        string? F(string name) => form.TryGetValue(name, out var v) ? v.ToString() : null;
        Func<Handler, long, Task<HandlingOutcome>>? run = action switch
        {
            "claim" => (h, id) => desk.Handling.ClaimAsync(id, h, ct),
            "release" => (h, id) => desk.Handling.ReleaseAsync(id, h, ct),
            "notes" => (h, id) => desk.Handling.NoteAsync(id, h, F("text"), ct),
            "information-request" => (h, id) => desk.Handling.AskForInformationAsync(id, h, F("question"), ct),
            "transfer" => (h, id) => desk.TransferAsync(id, h, F("agency"), F("reason"), ct),
            "duplicate" => (h, id) => desk.Handling.MarkDuplicateAsync(id, h, F("of"), ct),
            "resolve" => (h, id) => desk.Handling.ResolveAsync(id, h, F("outcome"), F("reply"), ct),
            "reject" => (h, id) => desk.Handling.RejectAsync(id, h, F("reason"), F("suggestion"), ct),
            _ => null,
        };
        if (run is null) return ConsolePage.Message(me, 404, "没有这项操作", $"“{action}”不是投诉的办理操作。");
        return await desk.ActAsync(me, number, run, ct) switch
        {
            // A transferred complaint is no longer ours to show: back to the queue.
            HandlingOutcome.Done when action == "transfer" => TypedResults.Redirect("/console?done=transfer"),
            HandlingOutcome.Done => TypedResults.Redirect($"/console/complaints/{Uri.EscapeDataString(number)}?done={action}"),
            HandlingOutcome.Conflict c => await ComplaintPageAsync(me, desk, agencies, number, null, c.Message, 409, ct),
            HandlingOutcome.Invalid i => await ComplaintPageAsync(me, desk, agencies, number, null, string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400, ct),
            ComplaintDesk.ReadOnly => await ComplaintPageAsync(me, desk, agencies, number, null, "本单位只能查看这件投诉，不能办理。", 403, ct),
            _ => ConsolePage.Message(me, 404, "没有这件投诉", $"本单位没有投诉 {Short(number)}。"),
        };
    }

    public static async Task<RazorComponentResult> TeamPageAsync(StaffMember me, ComplaintDesk desk, CancellationToken ct) =>
        ConsoleAccess.MaySeeTeam(me)
            ? ConsolePage.Of<TeamPage>(new() { ["Me"] = me, ["Team"] = await desk.Queue.TeamAsync(me.AgencyId, ct) })
            : ConsolePage.Forbidden(me, TeamOnly);
}
