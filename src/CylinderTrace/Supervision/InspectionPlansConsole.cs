using System.Globalization;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Staff;
using CylinderTrace.Supervision.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Supervision;

public sealed record DrawRequest(string? Month, string? Seed);
public sealed record ReviewDecisionRequest(string? Decision, string? Note);

/// <summary>
/// 双随机 inspection plans and the licence review list in the console (JSON API and pages). A plan is its agency's: every other
/// member gets 404, as for complaints and detention orders. Supervisors and administrators draw; the drawn pair records findings.
/// Route parameters are {plan} and {review} (the other route-walking tests look for {number} and {id}).
/// </summary>
public static class InspectionPlansConsole
{
    public static IEndpointRouteBuilder MapInspectionPlansConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/inspection-plans", ListAsync);
        api.MapPost("/inspection-plans", DrawAsync);
        api.MapGet("/inspection-plans/{plan:long}", GetAsync);
        api.MapPost("/inspection-plans/{plan:long}/targets/{enterpriseId:int}/finding", RecordFindingAsync);
        // An inspector's photo for a finding (multipart field "file"); the finding then names it by the returned id.
        api.MapPost("/inspection-photos", UploadPhotoAsync).DisableAntiforgery();
        api.MapGet("/licence-reviews", ListReviewsAsync);
        api.MapPost("/licence-reviews/{review:long}/decision", DecideAsync);
        var pages = app.MapConsolePageGroup();
        pages.MapGet("/inspection-plans", (StaffMember me, InspectionPlans plans, TimeProvider clock, CancellationToken ct) => PlansPageAsync(me, plans, clock, null, 200, ct));
        pages.MapPost("/inspection-plans", DrawFormAsync);
        pages.MapGet("/inspection-plans/{plan:long}", (long plan, StaffMember me, InspectionPlans plans, string? done, CancellationToken ct) =>
            PlanPageAsync(me, plans, plan, done is null ? null : "检查结果已记录，将在信用信息公示页公开。", null, 200, ct));
        pages.MapPost("/inspection-plans/{plan:long}/targets/{enterpriseId:int}/finding", FindingFormAsync);
        pages.MapGet("/inspection-plans/{plan:long}/targets/{enterpriseId:int}/photos/{sha}", PhotoAsync);
        pages.MapGet("/licence-reviews", (StaffMember me, LicenceReviews reviews, string? done, CancellationToken ct) =>
            ReviewsPageAsync(me, reviews, done is null ? null : "复核决定已记录。", null, 200, ct));
        pages.MapPost("/licence-reviews/{review:long}/decision", DecideFormAsync);
        return app;
    }

    private static bool MayDraw(StaffMember me) => me.IsSupervisor || me.IsAdministrator;

    private static DateOnly? Month(string? text, TimeProvider clock)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            var today = Platform.Time.ShanghaiTime.Today(clock);
            return new DateOnly(today.Year, today.Month, 1);
        }
        return DateOnly.TryParseExact(text.Trim() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var m) ? m : null;
    }

    public static async Task<Ok<IReadOnlyList<InspectionPlanSummary>>> ListAsync(StaffMember me, InspectionPlans plans, CancellationToken ct) =>
        TypedResults.Ok(await plans.ListAsync(me.AgencyId, ct));

    public static async Task<Results<Ok<InspectionPlan>, ProblemHttpResult>> GetAsync(long plan, StaffMember me, InspectionPlans plans, CancellationToken ct)
    {
        var p = await plans.GetAsync(plan, ct);
        return p is null || p.Summary.AgencyId != me.AgencyId
            ? Problem.Of(404, "plan-not-found", "No such plan", "本单位没有这份抽查计划。")
            : TypedResults.Ok(p);
    }

    public static async Task<Results<Ok<InspectionPlan>, ProblemHttpResult>> DrawAsync(DrawRequest body, StaffMember me, InspectionPlans plans, TimeProvider clock,
        CancellationToken ct)
    {
        if (!MayDraw(me)) return ConsoleProblems.Forbidden("抽查计划由科室负责人或系统管理员抽取。");
        if (Month(body.Month, clock) is not { } month) return Problem.Of(400, "invalid-plan", "Month not valid", "月份应写成 2026-12 这样的格式。");
        return await plans.DrawAsync(me.AgencyId, month, string.IsNullOrWhiteSpace(body.Seed) ? null : body.Seed.Trim(), me.Id, ct) switch
        {
            PlanResult.Done d => TypedResults.Ok(d.Plan),
            PlanResult.Invalid i => Problem.Of(400, "invalid-plan", "Plan not valid", "请按提示修改后再抽取。", new Dictionary<string, object?> { ["errors"] = i.Errors }),
            PlanResult.Conflict c => Problem.Of(409, "plan-not-drawable", "Cannot draw", c.Message),
            _ => Problem.Of(404, "plan-not-found", "No such agency", "没有这个单位。"),
        };
    }

    private static ProblemHttpResult Refusal(PlanResult result) => result switch
    {
        PlanResult.Invalid i => Problem.Of(400, "invalid-finding", "Finding not valid", "请按提示修改后再提交。", new Dictionary<string, object?> { ["errors"] = i.Errors }),
        PlanResult.Forbidden f => ConsoleProblems.Forbidden(f.Message),
        PlanResult.Conflict c => Problem.Of(409, "finding-recorded", "Already recorded", c.Message),
        _ => Problem.Of(404, "plan-not-found", "No such target", "本单位的抽查计划中没有这家企业。"),
    };

    public static async Task<Results<Ok<InspectionPlan>, ProblemHttpResult>> RecordFindingAsync(long plan, int enterpriseId, FindingRequest body, StaffMember me,
        InspectionPlans plans, CancellationToken ct)
    {
        var result = await plans.RecordFindingAsync(me, plan, enterpriseId, body, ct);
        return result is PlanResult.Done d ? TypedResults.Ok(d.Plan) : Refusal(result);
    }

    public static async Task<Results<Ok<PhotoUploaded>, ProblemHttpResult>> UploadPhotoAsync(StaffMember me, HttpRequest request, InspectionPlans plans, CancellationToken ct)
    {
        if (me.Role != StaffRoles.Inspector) return ConsoleProblems.Forbidden("只有执法检查人员可以上传检查照片。");
        if (!request.HasFormContentType) return Problem.Of(400, "photo-missing", "No photo", "请用 multipart/form-data 上传照片（字段 file）。");
        var form = await request.ReadFormAsync(ct);
        if (form.Files.GetFile("file") is not { Length: > 0 } file) return Problem.Of(400, "photo-missing", "No photo", "请用 multipart/form-data 上传照片（字段 file）。");
        if (file.Length > DetentionOrders.MaxPhotoBytes) return Problem.Of(413, "photo-too-large", "Photo too large", $"照片不能超过{DetentionOrders.MaxPhotoBytes / 1024 / 1024}MB。");
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        return await plans.UploadPhotoAsync(buffer.ToArray(), ct) switch
        {
            PhotoStore.Stored s => TypedResults.Ok(new PhotoUploaded(s.Id)),
            PhotoRefused r => Problem.Of(422, "photo-unreadable", "Photo refused", r.Detail),
            _ => Problem.Of(422, "photo-unreadable", "Photo refused", "照片无法读取。"),
        };
    }

    public sealed record PhotoUploaded(string PhotoId);

    public static async Task<Ok<IReadOnlyList<LicenceReview>>> ListReviewsAsync(StaffMember me, LicenceReviews reviews, CancellationToken ct) =>
        TypedResults.Ok(await reviews.ListAsync(me, ct));

    public static async Task<Results<NoContent, ProblemHttpResult>> DecideAsync(long review, ReviewDecisionRequest body, StaffMember me, LicenceReviews reviews,
        IntegrationScope scopes, CancellationToken ct)
    {
        var (status, message, enterpriseId) = await reviews.DecideAsync(me, review, body.Decision, body.Note, ct);
        if (status == 200)
        {
            scopes.Forget(enterpriseId);
            return TypedResults.NoContent();
        }
        return status switch
        {
            403 => ConsoleProblems.Forbidden(message),
            404 => Problem.Of(404, "review-not-found", "No such review", message),
            409 => Problem.Of(409, "review-decided", "Already decided", message),
            _ => Problem.Of(400, "invalid-review-decision", "Decision not valid", message),
        };
    }

    // Pages.

    public static async Task<RazorComponentResult> PlansPageAsync(StaffMember me, InspectionPlans plans, TimeProvider clock, string? error, int status, CancellationToken ct) =>
        ConsolePage.Of<InspectionPlansPage>(new()
        {
            ["Me"] = me, ["Plans"] = await plans.ListAsync(me.AgencyId, ct), ["MayDraw"] = MayDraw(me), ["Error"] = error,
            ["ThisMonth"] = InspectionPlans.MonthText(Month(null, clock)!.Value),
        }, status);

    public static async Task<IResult> DrawFormAsync(StaffMember me, IFormCollection form, InspectionPlans plans, TimeProvider clock, CancellationToken ct)
    {
        if (!MayDraw(me)) return ConsolePage.Forbidden(me, "抽查计划由科室负责人或系统管理员抽取。");
        if (Month(form["month"], clock) is not { } month) return await PlansPageAsync(me, plans, clock, "月份应写成 2026-12 这样的格式。", 400, ct);
        var seed = form["seed"].ToString().Trim();
        return await plans.DrawAsync(me.AgencyId, month, seed.Length == 0 ? null : seed, me.Id, ct) switch
        {
            PlanResult.Done d => TypedResults.Redirect($"/console/inspection-plans/{d.Plan.Summary.Id}"),
            PlanResult.Invalid i => await PlansPageAsync(me, plans, clock, string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400, ct),
            PlanResult.Conflict c => await PlansPageAsync(me, plans, clock, c.Message, 409, ct),
            _ => await PlansPageAsync(me, plans, clock, "没有这个单位。", 404, ct),
        };
    }

    public static async Task<RazorComponentResult> PlanPageAsync(StaffMember me, InspectionPlans plans, long planId, string? notice, string? error, int status, CancellationToken ct)
    {
        var plan = await plans.GetAsync(planId, ct);
        if (plan is null || plan.Summary.AgencyId != me.AgencyId) return ConsolePage.Message(me, 404, "没有这份抽查计划", "本单位没有这份抽查计划。");
        return ConsolePage.Of<InspectionPlanPage>(new() { ["Me"] = me, ["Plan"] = plan, ["Notice"] = notice, ["Error"] = error }, status);
    }

    public static async Task<IResult> FindingFormAsync(long plan, int enterpriseId, StaffMember me, IFormCollection form, InspectionPlans plans, CancellationToken ct)
    {
        var exists = await plans.GetAsync(plan, ct);
        if (exists is null || exists.Summary.AgencyId != me.AgencyId || exists.Targets.All(t => t.EnterpriseId != enterpriseId))
            return ConsolePage.Message(me, 404, "没有这份抽查计划", "本单位的抽查计划中没有这家企业。");
        if (me.Role != StaffRoles.Inspector) return ConsolePage.Forbidden(me, "检查结果由执法检查人员记录。");
        if (form.Files.Count > InspectionPlans.MaxPhotos) return await PlanPageAsync(me, plans, plan, null, $"最多上传{InspectionPlans.MaxPhotos}张照片。", 400, ct);
        var ids = new List<string>();
        foreach (var file in form.Files)
        {
            if (file.Length == 0) continue;
            if (file.Length > DetentionOrders.MaxPhotoBytes) return await PlanPageAsync(me, plans, plan, null, $"照片 {file.FileName} 超过{DetentionOrders.MaxPhotoBytes / 1024 / 1024}MB。", 400, ct);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            var upload = await plans.UploadPhotoAsync(buffer.ToArray(), ct);
            if (upload is not PhotoStore.Stored stored) return await PlanPageAsync(me, plans, plan, null, $"{file.FileName}：{((PhotoRefused)upload).Detail}", 400, ct);
            ids.Add(stored.Id);
        }
        DateOnly? day = DateOnly.TryParseExact(form["inspectedOn"].ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        var result = await plans.RecordFindingAsync(me, plan, enterpriseId, new FindingRequest(form["outcome"], form["findings"], day, ids), ct);
        return result switch
        {
            PlanResult.Done => TypedResults.Redirect($"/console/inspection-plans/{plan}?done=1"),
            PlanResult.Invalid i => await PlanPageAsync(me, plans, plan, null, string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400, ct),
            PlanResult.Forbidden f => ConsolePage.Forbidden(me, f.Message),
            PlanResult.Conflict c => await PlanPageAsync(me, plans, plan, null, c.Message, 409, ct),
            _ => ConsolePage.Message(me, 404, "没有这份抽查计划", "本单位的抽查计划中没有这家企业。"),
        };
    }

    public static async Task<IResult> PhotoAsync(long plan, int enterpriseId, string sha, StaffMember me, HttpContext c, InspectionPlans plans, CancellationToken ct) =>
        await plans.PhotoAsync(me, plan, enterpriseId, sha, ct) is { } file
            ? PhotoStore.Serve(c, file)
            : ConsolePage.Message(me, 404, "没有这张照片", "照片不存在，或不属于本单位的抽查计划。");

    public static async Task<RazorComponentResult> ReviewsPageAsync(StaffMember me, LicenceReviews reviews, string? notice, string? error, int status, CancellationToken ct) =>
        ConsolePage.Of<LicenceReviewsPage>(new()
        {
            ["Me"] = me, ["Reviews"] = await reviews.ListAsync(me, ct), ["MayDecide"] = me.IsSupervisor || me.IsAdministrator, ["Notice"] = notice, ["Error"] = error,
        }, status);

    public static async Task<IResult> DecideFormAsync(long review, StaffMember me, IFormCollection form, LicenceReviews reviews, IntegrationScope scopes, CancellationToken ct)
    {
        var (status, message, enterpriseId) = await reviews.DecideAsync(me, review, form["decision"], form["note"], ct);
        if (status == 200)
        {
            // The fill check reads licences through the tenant: this instance at once, others within their minute.
            scopes.Forget(enterpriseId);
            return TypedResults.Redirect("/console/licence-reviews?done=1");
        }
        return status switch
        {
            403 => ConsolePage.Forbidden(me, message),
            404 => ConsolePage.Message(me, 404, "没有这一项", message),
            _ => await ReviewsPageAsync(me, reviews, null, message, status, ct),
        };
    }
}
