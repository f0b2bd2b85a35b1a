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
        api.MapPost("/complaints/{number}/assign", (string number, AssignRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.AssignAsync(id, h, r.StaffId, ct), ct));
        api.MapPost("/complaints/{number}/urge", UrgeAsync);
        api.MapPost("/complaints/{number}/extension-requests", (string number, ExtensionRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.RequestExtensionAsync(id, h, r.Hours, r.Reason, ct), ct));
        api.MapPost("/complaints/{number}/extension-decision", (string number, ExtensionDecision r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.DecideExtensionAsync(id, h, r.Approve, r.Note, ct), ct));
        api.MapPost("/complaints/{number}/reopen", (string number, ReopenRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) =>
            ActAsync(number, me, d, (h, id) => d.Handling.ReopenAsync(id, h, r.Reason, r.Hours, ct), ct));
        api.MapPost("/complaints/{number}/phone", RevealPhoneAsync);
        api.MapPost("/complaints/bulk-claim", (BulkRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) => BulkAsync("claim", r, me, d, ct));
        api.MapPost("/complaints/bulk-assign", (BulkRequest r, StaffMember me, ComplaintDesk d, CancellationToken ct) => BulkAsync("assign", r, me, d, ct));
        api.MapGet("/complaint-statistics", StatisticsAsync);
        api.MapGet("/team", TeamAsync);

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/", QueuePageAsync);
        pages.MapGet("/complaints/export.xlsx", ExportAsync);
        pages.MapGet("/complaints/next", NextPageAsync);
        pages.MapPost("/complaints/bulk", BulkPageAsync);
        pages.MapGet("/complaints/statistics", StatisticsPageAsync);
        pages.MapGet("/complaints/statistics.csv", StatisticsCsvAsync);
        pages.MapGet("/complaints/statistics.xlsx", StatisticsXlsxAsync);
        pages.MapGet("/complaints/{number}", (string number, string? done, string? from, int? template, StaffMember me, ComplaintDesk desk, Agencies agencies,
            ReplyTemplates templates, CancellationToken ct) =>
            ComplaintPageAsync(me, desk, agencies, templates, number, new PageState(done is not null ? DoneNotices.GetValueOrDefault(done) : null, null, From(from))
            {
                Template = template,
            }, 200, ct));
        pages.MapGet("/complaints/{number}/print", PrintPageAsync);
        pages.MapGet("/complaints/{number}/photos/{photoId}", PhotoPageAsync);
        pages.MapPost("/complaints/{number}/{action}", ActPageAsync);
        pages.MapGet("/team", TeamPageAsync);
        return app;
    }

    // ---- API

    public static async Task<Results<Ok<QueueResult>, ProblemHttpResult>> QueueAsync(StaffMember me, ComplaintDesk desk, string? scope, string? state,
        string? category, string? district, string? due, string? claim, int? page, string? q, string? sort, string? dir, string? flag, CancellationToken ct)
    {
        if (page is < 1 or > 100_000) return Problem.Of(400, "invalid-page", "Invalid page", "页码应为1或更大的整数。");
        var filter = new QueueFilter(scope, state, category, district, due, claim, page ?? 1, q, sort, dir, flag);
        if (filter.Errors() is { Count: > 0 } errors) return InvalidFilter(errors);
        return TypedResults.Ok(await desk.QueueAsync(me, filter, ct));
    }

    private static ProblemHttpResult InvalidFilter(Dictionary<string, string[]> errors) =>
        Problem.Of(400, "invalid-queue-filter", "Unknown filter value", string.Join(" ", errors.Values.SelectMany(v => v)),
            new Dictionary<string, object?> { ["errors"] = errors });

    public static async Task<IResult> UrgeAsync(string number, UrgeRequest r, StaffMember me, ComplaintDesk desk, CancellationToken ct) =>
        await Answer(number, me, desk, await desk.UrgeAsync(me, number, r.Text, ct), ct);

    /// <summary>回访: the complainant's full phone, for the handling agency's handlers and supervisors; each call is logged. A POST, never cached.</summary>
    public static async Task<IResult> RevealPhoneAsync(string number, StaffMember me, ComplaintDesk desk, HttpContext context, CancellationToken ct)
    {
        context.Response.Headers.CacheControl = "no-store";
        return await desk.RevealPhoneAsync(me, number, ct) switch
        {
            ComplaintDesk.PhoneOutcome.Revealed p => TypedResults.Ok(new RevealedPhone(number, p.Phone, p.At)),
            ComplaintDesk.PhoneOutcome.NoPhone => Problem.Of(404, "complainant-phone-missing", "No phone", "投诉人没有留下联系电话。"),
            ComplaintDesk.PhoneOutcome.Forbidden => ConsoleProblems.Forbidden("只有承办单位的办理人员和科室负责人可以查看投诉人的完整电话。"),
            _ => NotFound(number),
        };
    }

    /// <summary>批量认领 / 批量派单: each complaint on its own (one may fail while the others are done); at most 100 at once.</summary>
    public static async Task<IResult> BulkAsync(string op, BulkRequest r, StaffMember me, ComplaintDesk desk, CancellationToken ct)
    {
        var numbers = r.Numbers?.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).Distinct().ToList() ?? [];
        if (numbers.Count is 0 or > 100)
            return Problem.Of(400, "invalid-bulk-request", "Choose complaints", "请选择1-100件投诉。", new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["numbers"] = ["请选择1-100件投诉。"] } });
        if (op == "assign" && !ConsoleAccess.MaySupervise(me)) return ConsoleProblems.Forbidden("只有科室负责人可以派单。");
        return TypedResults.Ok(await BulkRunAsync(op, numbers, r.StaffId, me, desk, ct));
    }

    private static async Task<BulkResult> BulkRunAsync(string op, IReadOnlyList<string> numbers, int? staffId, StaffMember me, ComplaintDesk desk, CancellationToken ct)
    {
        var items = new List<BulkItem>();
        foreach (var number in numbers)
        {
            var outcome = await desk.ActAsync(me, number, (h, id) => op == "assign" ? desk.Handling.AssignAsync(id, h, staffId, ct) : desk.Handling.ClaimAsync(id, h, ct), ct);
            items.Add(new BulkItem(number, outcome is HandlingOutcome.Done, outcome switch
            {
                HandlingOutcome.Done => null,
                HandlingOutcome.Conflict c => c.Message,
                HandlingOutcome.Invalid i => string.Join(" ", i.Errors.Values.SelectMany(v => v)),
                HandlingOutcome.Forbidden f => f.Message,
                ComplaintDesk.ReadOnly => "本单位只能查看这件投诉，不能办理。",
                _ => "本单位没有这件投诉。",
            }));
        }
        return new BulkResult(items, items.Count(i => i.Done), items.Count(i => !i.Done));
    }

    public static async Task<Results<Ok<ComplaintStatisticsView>, ProblemHttpResult>> StatisticsAsync(StaffMember me, ComplaintStatistics statistics, string? period,
        string? date, string? from, string? to, CancellationToken ct)
    {
        var (f, t, error) = statistics.Range(period, date, from, to);
        if (error is not null) return Problem.Of(400, "invalid-statistics-period", "Invalid period", error);
        return TypedResults.Ok(await statistics.ComputeAsync(me.AgencyId, string.IsNullOrEmpty(period) ? "month" : period, f, t, ct));
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

    private static async Task<IResult> ActAsync(string number, StaffMember me, ComplaintDesk desk, Func<Handler, long, Task<HandlingOutcome>> action, CancellationToken ct) =>
        await Answer(number, me, desk, await desk.ActAsync(me, number, action, ct), ct);

    private static async Task<IResult> Answer(string number, StaffMember me, ComplaintDesk desk, HandlingOutcome outcome, CancellationToken ct)
    {
        return outcome switch
        {
            HandlingOutcome.Forbidden f => ConsoleProblems.Forbidden(f.Message),
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

    /// <summary>What a complaint page shows besides the complaint: a notice or error, the queue it was opened from, and the form to keep after an error.</summary>
    public sealed record PageState(string? Notice, string? Error, QueueFilter From)
    {
        /// <summary>The action whose form failed, and what was typed into it (shown again).</summary>
        public string? FailedAction { get; init; }
        public IFormCollection? Form { get; init; }
        public int? Template { get; init; }
    }

    /// <summary>The queue a page was opened from, re-made from its query string (only known filter values; anything else is dropped).</summary>
    internal static QueueFilter From(string? from)
    {
        var f = QueueFilter.Parse(from?.Length > 1000 ? null : from);
        return f.Errors().Count > 0 ? new QueueFilter() : f;
    }

    private static string Back(QueueFilter from, string? extra = null)
    {
        var q = string.Join("&", new[] { from.QueryString(), extra }.Where(x => !string.IsNullOrEmpty(x)));
        return q.Length == 0 ? "/console" : "/console?" + q;
    }

    internal static string ComplaintLink(string number, QueueFilter from, string? extra = null)
    {
        var q = string.Join("&", new[] { extra, from.QueryString() is { Length: > 0 } f ? "from=" + Uri.EscapeDataString(f) : null }.Where(x => !string.IsNullOrEmpty(x)));
        return $"/console/complaints/{Uri.EscapeDataString(number)}" + (q.Length == 0 ? "" : "?" + q);
    }

    public static async Task<RazorComponentResult> QueuePageAsync(StaffMember me, ComplaintDesk desk, StaffStore staff, string? scope, string? state, string? category,
        string? district, string? due, string? claim, int? page, string? q, string? sort, string? dir, string? flag, string? done, int? ok, int? failed, CancellationToken ct)
    {
        var filter = new QueueFilter(scope, state, category, district, due, claim, Math.Clamp(page ?? 1, 1, 100_000), q, sort, dir, flag);
        var errors = filter.Errors();
        var team = ConsoleAccess.MaySupervise(me) ? await TeamChoicesAsync(me, staff, ct) : [];
        var notice = done switch
        {
            null => null,
            "bulk-claim" or "bulk-assign" => $"{(done == "bulk-claim" ? "已认领" : "已派单")} {ok ?? 0} 件" + (failed > 0 ? $"；{failed} 件未能办理（已由他人认领、已不在本单位队列或状态不允许），请刷新后查看。" : "。"),
            "no-next" => "这个队列里没有下一件投诉了。",
            _ => DoneNotices.GetValueOrDefault(done),
        };
        if (errors.Count > 0)
            return ConsolePage.Of<QueuePage>(new()
            {
                ["Me"] = me, ["Filter"] = filter, ["Page"] = new QueueResult([], 1, 1, 0, new Dictionary<string, int>()), ["Team"] = team,
                ["Error"] = "筛选条件有误：" + string.Join(" ", errors.Values.SelectMany(v => v)),
            }, 400);
        return ConsolePage.Of<QueuePage>(new()
        {
            ["Me"] = me, ["Filter"] = filter, ["Page"] = await desk.QueueAsync(me, filter, ct), ["Notice"] = notice, ["Team"] = team,
        });
    }

    /// <summary>The members a supervisor may assign to: the agency's active handlers and supervisors.</summary>
    private static async Task<IReadOnlyList<(int Id, string Name)>> TeamChoicesAsync(StaffMember me, StaffStore staff, CancellationToken ct) =>
        (await staff.ListAsync(me.AgencyId, ct)).Where(a => !a.Disabled && a.Role is StaffRoles.Handler or StaffRoles.Supervisor)
            .Select(a => (a.Id, a.DisplayName)).OrderBy(a => a.DisplayName, StringComparer.Ordinal).ToList();

    private static readonly Dictionary<string, string> DoneNotices = new()
    {
        ["claim"] = "已认领，投诉人将看到“正在处理”。", ["release"] = "已取消认领。", ["notes"] = "备注已添加。",
        ["information-request"] = "已请投诉人补充材料，微信通知已排队发送。", ["transfer"] = "已转办，这件投诉已离开本单位队列。",
        ["duplicate"] = "已标记为重复投诉。", ["resolve"] = "已办结，答复已写入投诉人的办理进度，微信通知已排队发送。", ["reject"] = "已退回，理由已写入投诉人的办理进度。",
        ["assign"] = "已派单，承办人会收到通知（已绑定微信的）。", ["urge"] = "已催办，已记入办理记录。", ["extension-request"] = "延期申请已提交，等待科室负责人审批。",
        ["extension-decision"] = "已审批延期申请。", ["reopen"] = "已退回重新办理，投诉人将看到“重新办理”。", ["reveal-phone"] = "已显示完整号码；本次查看已记入办理记录。",
    };

    private static async Task<IResult> ComplaintPageAsync(StaffMember me, ComplaintDesk desk, Agencies agencies, ReplyTemplates templates, string number,
        PageState state, int status, CancellationToken ct)
    {
        var view = await desk.ComplaintAsync(me, number, ct);
        if (view is null) return ConsolePage.Message(me, 404, "没有这件投诉", $"本单位没有投诉 {Short(number)}。");
        var cylinder = await desk.CylinderAsync(view, ct);
        var transferTo = view.Actions.Contains("transfer") ? await agencies.ListAsync(ct) : [];
        var replies = view.Actions.Contains("resolve") && ConsoleAccess.MayUseReplyTemplates(me) ? await templates.ListAsync(me.AgencyId, ct) : [];
        var team = view.Actions.Contains("assign") ? (await desk.Queue.TeamAsync(me.AgencyId, ct)).Handlers : [];
        return ConsolePage.Of<Pages.ComplaintPage>(new()
        {
            ["Me"] = me, ["View"] = view, ["Cylinder"] = cylinder, ["Agencies"] = transferTo, ["Notice"] = state.Notice, ["Error"] = state.Error,
            ["From"] = state.From, ["FailedAction"] = state.FailedAction, ["Form"] = state.Form, ["Templates"] = replies, ["Template"] = state.Template,
            ["Team"] = team, ["Phone"] = await desk.RecentlyRevealedPhoneAsync(me, view, ct),
        }, status);
    }

    public static async Task<IResult> PrintPageAsync(string number, StaffMember me, ComplaintDesk desk, CancellationToken ct)
    {
        var view = await desk.ComplaintAsync(me, number, ct);
        if (view is null) return ConsolePage.Message(me, 404, "没有这件投诉", $"本单位没有投诉 {Short(number)}。");
        return ConsolePage.Of<Pages.WorkOrderPage>(new() { ["Me"] = me, ["View"] = view });
    }

    public static async Task<IResult> PhotoPageAsync(string number, string photoId, StaffMember me, HttpContext c, ComplaintDesk desk, CancellationToken ct)
    {
        var photo = await desk.PhotoAsync(me, number, photoId, ct);
        return photo is null
            ? ConsolePage.Message(me, 404, "没有这张照片", "照片不存在，或不属于本单位可以查看的投诉。")
            : PhotoStore.Serve(c, photo.Value);
    }

    /// <summary>Actions that undo work or send the complaint away: their forms carry a confirmation box (the pages run no scripts).</summary>
    private static readonly HashSet<string> Confirmed = ["transfer", "duplicate", "reject", "reopen"];

    public static async Task<IResult> ActPageAsync(string number, string action, StaffMember me, IFormCollection form, ComplaintDesk desk, Agencies agencies,
        ReplyTemplates templates, CancellationToken ct)
    {
        string? F(string name) => form.TryGetValue(name, out var v) ? v.ToString() : null;
        int? I(string name) => int.TryParse(F(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
        var from = From(F("from"));
        if (action == "reveal-phone")
            return await desk.RevealPhoneAsync(me, number, ct) switch
            {
                ComplaintDesk.PhoneOutcome.Revealed => TypedResults.Redirect(ComplaintLink(number, from, "done=reveal-phone") + "#phone"),
                ComplaintDesk.PhoneOutcome.NoPhone => await ComplaintPageAsync(me, desk, agencies, templates, number, new PageState(null, "投诉人没有留下联系电话。", from), 404, ct),
                ComplaintDesk.PhoneOutcome.Forbidden => await ComplaintPageAsync(me, desk, agencies, templates, number,
                    new PageState(null, "只有承办单位的办理人员和科室负责人可以查看投诉人的完整电话。", from), 403, ct),
                _ => ConsolePage.Message(me, 404, "没有这件投诉", $"本单位没有投诉 {Short(number)}。"),
            };
        var needsConfirmation = new HandlingOutcome.Invalid(new() { ["confirm"] = ["请勾选确认后再提交（这项操作会把投诉转走、合并、退回或重新打开）。"] });
        Task<HandlingOutcome> Checked(Func<Task<HandlingOutcome>> run) =>
            Confirmed.Contains(action) && F("confirm") != "yes" ? Task.FromResult<HandlingOutcome>(needsConfirmation) : run();
        Func<Handler, long, Task<HandlingOutcome>>? run = action switch
        {
            "claim" => (h, id) => desk.Handling.ClaimAsync(id, h, ct),
            "release" => (h, id) => desk.Handling.ReleaseAsync(id, h, ct),
            "notes" => (h, id) => desk.Handling.NoteAsync(id, h, F("text"), ct),
            "information-request" => (h, id) => desk.Handling.AskForInformationAsync(id, h, F("question"), ct),
            "transfer" => (h, id) => Checked(() => desk.TransferAsync(id, h, F("agency"), F("reason"), ct)),
            "duplicate" => (h, id) => Checked(() => desk.Handling.MarkDuplicateAsync(id, h, F("of"), ct)),
            "resolve" => (h, id) => desk.Handling.ResolveAsync(id, h, F("outcome"), F("reply"), ct),
            "reject" => (h, id) => Checked(() => desk.Handling.RejectAsync(id, h, F("reason"), F("suggestion"), ct)),
            "assign" => (h, id) => desk.Handling.AssignAsync(id, h, I("staffId"), ct),
            "extension-request" => (h, id) => desk.Handling.RequestExtensionAsync(id, h, I("hours"), F("reason"), ct),
            "extension-decision" => (h, id) => desk.Handling.DecideExtensionAsync(id, h, F("decision") switch { "approve" => true, "refuse" => false, _ => null }, F("note"), ct),
            "reopen" => (h, id) => Checked(() => desk.Handling.ReopenAsync(id, h, F("reason"), string.IsNullOrWhiteSpace(F("hours")) ? null : I("hours") ?? -1, ct)),
            "urge" => (_, _) => Task.FromResult<HandlingOutcome>(new HandlingOutcome.NotFound()),
            _ => null,
        };
        if (run is null) return ConsolePage.Message(me, 404, "没有这项操作", $"“{Short(action)}”不是投诉的办理操作。");
        var outcome = action == "urge" ? await desk.UrgeAsync(me, number, F("text"), ct) : await desk.ActAsync(me, number, run, ct);
        PageState Failed(string error) => new(null, error, from) { FailedAction = action, Form = form };
        return outcome switch
        {
            // A transferred complaint is no longer ours to show: back to the queue it came from.
            HandlingOutcome.Done when action == "transfer" => TypedResults.Redirect(Back(from, "done=transfer")),
            HandlingOutcome.Done => TypedResults.Redirect(ComplaintLink(number, from, "done=" + action)),
            HandlingOutcome.Conflict c => await ComplaintPageAsync(me, desk, agencies, templates, number, Failed(c.Message), 409, ct),
            HandlingOutcome.Invalid i => await ComplaintPageAsync(me, desk, agencies, templates, number, Failed(string.Join(" ", i.Errors.Values.SelectMany(v => v))), 400, ct),
            HandlingOutcome.Forbidden f => await ComplaintPageAsync(me, desk, agencies, templates, number, Failed(f.Message), 403, ct),
            ComplaintDesk.ReadOnly => await ComplaintPageAsync(me, desk, agencies, templates, number, Failed("本单位只能查看这件投诉，不能办理。"), 403, ct),
            _ => ConsolePage.Message(me, 404, "没有这件投诉", $"本单位没有投诉 {Short(number)}。"),
        };
    }

    /// <summary>下一件: the complaint after this one in the queue the member came from.</summary>
    public static async Task<IResult> NextPageAsync(StaffMember me, ComplaintDesk desk, string? from, string? after, CancellationToken ct)
    {
        var filter = From(from);
        return await desk.NextAsync(me, filter, after ?? "", ct) is { } next
            ? TypedResults.Redirect(ComplaintLink(next, filter))
            : TypedResults.Redirect(Back(filter, "done=no-next"));
    }

    public static async Task<IResult> BulkPageAsync(StaffMember me, IFormCollection form, ComplaintDesk desk, CancellationToken ct)
    {
        var from = From(form["from"].ToString());
        var op = form["op"].ToString() == "assign" ? "assign" : "claim";
        var numbers = form["numbers"].Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n!.Trim()).Distinct().Take(100).ToList();
        if (numbers.Count == 0) return ConsolePage.Message(me, 400, "没有选择投诉", "请在队列中勾选要认领或派单的投诉，再点按钮。");
        if (op == "assign" && !ConsoleAccess.MaySupervise(me)) return ConsolePage.Forbidden(me, "只有科室负责人可以派单。");
        int? staffId = int.TryParse(form["staffId"].ToString(), out var sid) ? sid : null;
        if (op == "assign" && staffId is null) return ConsolePage.Message(me, 400, "没有选择承办人", "请先选择要派单给谁，再点“派单给所选人员”。");
        var result = await BulkRunAsync(op, numbers, staffId, me, desk, ct);
        return TypedResults.Redirect(Back(from, $"done=bulk-{op}&ok={result.Done}&failed={result.Failed}"));
    }

    /// <summary>The filtered queue as an Excel workbook (MiniExcel), every page of it up to <see cref="MaxExport"/> rows, Chinese headers.</summary>
    public static async Task<IResult> ExportAsync(StaffMember me, ComplaintDesk desk, string? scope, string? state, string? category, string? district, string? due,
        string? claim, string? q, string? sort, string? dir, string? flag, TimeProvider clock, CancellationToken ct)
    {
        var filter = new QueueFilter(scope, state, category, district, due, claim, 1, q, sort, dir, flag);
        if (filter.Errors() is { Count: > 0 } errors)
            return ConsolePage.Message(me, 400, "筛选条件有误", string.Join(" ", errors.Values.SelectMany(v => v)));
        var rows = await desk.ExportAsync(me, filter, MaxExport, ct);
        var sheet = rows.Select(r => new Dictionary<string, object?>
        {
            ["编号"] = r.Item.Number, ["类别"] = r.Item.CategoryLabel, ["状态"] = r.Item.StatusLabel, ["区县"] = r.Item.DistrictName ?? "",
            ["提交时间"] = r.Item.CreatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            ["办理时限"] = r.Item.DueAt?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "",
            ["剩余时间"] = ComplaintUi.TimeLeft(r.Item.MinutesLeft), ["认领人"] = r.Item.ClaimedByName ?? "", ["承办单位"] = r.Item.HandlingAgency ?? "",
            ["气瓶码"] = r.Item.CylinderCode ?? "", ["地址"] = r.Address ?? "", ["投诉内容"] = r.Description, ["答复"] = r.PublicReply ?? "",
            ["催办次数"] = r.Item.Urges, ["评价"] = r.Item.Rating is { } stars ? $"{stars}星" : "",
        }).ToList();
        if (sheet.Count == 0) sheet.Add(new Dictionary<string, object?> { ["编号"] = "（没有符合条件的投诉）" });
        using var stream = new MemoryStream();
        MiniExcelLibs.MiniExcel.SaveAs(stream, sheet, sheetName: "投诉队列");
        var day = Platform.Time.ShanghaiTime.Today(clock).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.File(stream.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"complaints-{day}.xlsx");
    }

    public const int MaxExport = 10_000;

    public static async Task<IResult> StatisticsPageAsync(StaffMember me, ComplaintStatistics statistics, string? period, string? date, string? from, string? to,
        CancellationToken ct)
    {
        var (f, t, error) = statistics.Range(period, date, from, to);
        var chosen = new Dictionary<string, string?> { ["period"] = period, ["date"] = date, ["from"] = from, ["to"] = to };
        if (error is not null) return ConsolePage.Of<StatisticsPage>(new() { ["Me"] = me, ["Chosen"] = chosen, ["Error"] = error }, 400);
        return ConsolePage.Of<StatisticsPage>(new()
        {
            ["Me"] = me, ["Chosen"] = chosen, ["View"] = await statistics.ComputeAsync(me.AgencyId, string.IsNullOrEmpty(period) ? "month" : period, f, t, ct),
        });
    }

    public static async Task<IResult> StatisticsCsvAsync(StaffMember me, ComplaintStatistics statistics, string? period, string? date, string? from, string? to,
        CancellationToken ct)
    {
        var (f, t, error) = statistics.Range(period, date, from, to);
        if (error is not null) return ConsolePage.Message(me, 400, "时段有误", error);
        var view = await statistics.ComputeAsync(me.AgencyId, string.IsNullOrEmpty(period) ? "month" : period, f, t, ct);
        return TypedResults.File(ComplaintStatistics.Csv(view), Platform.Csv.CsvWriter.ContentType, $"complaint-statistics-{f:yyyyMMdd}-{t:yyyyMMdd}.csv");
    }

    public static async Task<IResult> StatisticsXlsxAsync(StaffMember me, ComplaintStatistics statistics, string? period, string? date, string? from, string? to,
        CancellationToken ct)
    {
        var (f, t, error) = statistics.Range(period, date, from, to);
        if (error is not null) return ConsolePage.Message(me, 400, "时段有误", error);
        var view = await statistics.ComputeAsync(me.AgencyId, string.IsNullOrEmpty(period) ? "month" : period, f, t, ct);
        return TypedResults.File(ComplaintStatistics.Xlsx(view), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            $"complaint-statistics-{f:yyyyMMdd}-{t:yyyyMMdd}.xlsx");
    }

    public static async Task<RazorComponentResult> TeamPageAsync(StaffMember me, ComplaintDesk desk, CancellationToken ct) =>
        ConsoleAccess.MaySeeTeam(me)
            ? ConsolePage.Of<TeamPage>(new() { ["Me"] = me, ["Team"] = await desk.Queue.TeamAsync(me.AgencyId, ct) })
            : ConsolePage.Forbidden(me, TeamOnly);
}
