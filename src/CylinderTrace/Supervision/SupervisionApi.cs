using CylinderTrace.Complaints.Photos;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.OpenApi;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Supervision;

public sealed record DisposeRequest(string? Disposal, string? Note);

/// <summary>
/// Detention orders over HTTP: the console's JSON API for inspectors (/api/console/detentions, the same
/// checks as the pages: ConsoleAccess) and the integration API for the responsible enterprise
/// (/api/integration/v1/detention-orders: list, acknowledge, report recalled). The order number is
/// {order} in routes ({number} is a complaint's, which the console's access test walks).
/// </summary>
public static class SupervisionApi
{
    public static IServiceCollection AddSupervision(this IServiceCollection services)
    {
        services.AddOptions<SupervisionOptions>().BindConfiguration(SupervisionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DetentionOrders>();
        services.AddSingleton<BlackGasDetentions>();
        services.AddSingleton<BlackGasLeads>();
        services.AddSingleton<JointCases>();
        services.AddSingleton<CylinderFiles>();
        services.AddSingleton<DetentionNotices>();
        services.AddSingleton<FillViolations>();
        services.AddSingleton<Cylinders.IFillListener>(sp => sp.GetRequiredService<FillViolations>());
        services.AddSingleton<ViolationNotices>();
        services.AddOptions<ScoreOptions>().BindConfiguration(ScoreOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.GradeA >= o.GradeB && o.GradeB >= o.GradeC, "Scores:GradeA >= Scores:GradeB >= Scores:GradeC is required.")
            .Validate(o => o.RealNameWeight + o.TraceabilityWeight + o.DeliveryWeight + o.ScanWeight > 0, "At least one Scores:*Weight must be above 0.")
            .ValidateOnStart();
        services.AddSingleton<EnterpriseScores>();
        services.AddOptions<RandomInspectionOptions>().BindConfiguration(RandomInspectionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PublicCreditOptions>().BindConfiguration(PublicCreditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<InspectionPlans>();
        services.AddSingleton<LicenceReviews>();
        services.AddSingleton<PublicCredit>();
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DigestContent>();
        services.AddSingleton<DigestStore>();
        services.AddSingleton<DigestDelivery>();
        services.AddSingleton<Digests>();
        services.AddRecurringJob<DetentionOrders>(DetentionOrders.EscalationJobId, d => d.EscalateAsync(CancellationToken.None), "*/5 * * * *");
        // After the scan-rate reconciliation (02:40), which the scan rate part reads.
        services.AddRecurringJob<EnterpriseScores>(EnterpriseScores.JobId, s => s.RunNightlyAsync(CancellationToken.None), "10 3 * * *");
        // 06:00 on the first of each month (Asia/Shanghai): the month's 双随机 plans, after the night's scores.
        services.AddRecurringJob<InspectionPlans>(InspectionPlans.JobId, p => p.RunMonthlyAsync(CancellationToken.None), "0 6 1 * *");
        services.AddRecurringJob<Digests>(Digests.JobId, d => d.RunDueAsync(CancellationToken.None), "*/15 * * * *");
        services.AddConsoleMenuItem(new(250, "nav-violations", "/console/violations", "违规充装", _ => true));
        services.AddConsoleMenuItem(new(300, "nav-detentions", "/console/detentions", "扣瓶令", _ => true));
        services.AddConsoleMenuItem(new(320, "nav-black-gas", "/console/black-gas", "黑气线索", _ => true));
        services.AddConsoleMenuItem(new(340, "nav-joint-cases", "/console/joint-cases", "联合执法", _ => true));
        services.AddConsoleMenuItem(new(400, "nav-scores", "/console/scores", "企业评分", _ => true));
        services.AddConsoleMenuItem(new(150, "nav-cylinders", "/console/cylinders", "气瓶档案", _ => true));
        services.AddConsoleMenuItem(new(500, "nav-digests", "/console/digests", "摘要报告", _ => true));
        services.AddConsoleMenuItem(new(550, "nav-licences", "/console/licences", "许可证", _ => true));
        services.AddConsoleMenuItem(new(560, "nav-licence-reviews", "/console/licence-reviews", "许可复核", _ => true));
        services.AddConsoleMenuItem(new(450, "nav-inspection-plans", "/console/inspection-plans", "双随机抽查", _ => true));
        return services;
    }

    public static IEndpointRouteBuilder MapSupervision(this IEndpointRouteBuilder app)
    {
        app.MapSupervisionConsoleApi();
        app.MapSupervisionPages();
        app.MapViolationsConsole();
        app.MapLicencesConsole();
        app.MapBlackGasConsole();
        app.MapJointCasesConsole();
        app.MapInspectionPlansConsole();
        app.MapPublicCredit();
        app.MapSupervisionIntegrationApi();
        return app;
    }

    /// <summary>Supervision's routes in the console's JSON API (digests, scores, detention orders and their photos).</summary>
    public static IEndpointRouteBuilder MapSupervisionConsoleApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/digests", ListDigestsAsync);
        api.MapGet("/digest-settings", DigestSettingsAsync);
        api.MapPut("/digest-settings", SaveDigestSettingsAsync);
        api.MapGet("/scores", ScoresAsync);
        api.MapGet("/scores/{enterpriseId:int}", ScoreAsync);
        api.MapPost("/detentions", IssueAsync);
        // An inspector's photo for an order (multipart field "file"); the order then names it by the returned id.
        api.MapPost("/detention-photos", UploadPhotoAsync).DisableAntiforgery();
        api.MapGet("/detentions", ListDetentionsAsync);
        api.MapGet("/detentions/{order}", DetentionAsync);
        api.MapPost("/detentions/{order}/dispose", DisposeAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<DigestSummary>>> ListDigestsAsync(StaffMember me, Digests digests, CancellationToken ct) =>
        TypedResults.Ok(await digests.ListAsync(me.AgencyId, ct));

    public static async Task<Ok<DigestSettings>> DigestSettingsAsync(StaffMember me, Digests digests, CancellationToken ct) =>
        TypedResults.Ok(await digests.SettingsAsync(me.AgencyId, ct));

    public static async Task<Results<Ok<DigestSettings>, ProblemHttpResult>> SaveDigestSettingsAsync(StaffMember me, DigestSettings body, Digests digests,
        CancellationToken ct)
    {
        if (!ConsoleAccess.MayAdministerDigests(me)) return ConsoleProblems.Forbidden("只有系统管理员和科室负责人可以设置本单位的摘要报告。");
        var errors = await digests.SaveSettingsAsync(me.AgencyId, body with { EmailTo = body.EmailTo ?? [] }, ct);
        return errors.Count > 0
            ? Problem.Of(400, "invalid-digest-settings", "Settings not valid", "请按提示修改后再保存。", new Dictionary<string, object?> { ["errors"] = errors })
            : TypedResults.Ok(await digests.SettingsAsync(me.AgencyId, ct));
    }

    public static async Task<Results<Ok<IReadOnlyList<EnterpriseScore>>, ProblemHttpResult>> ScoresAsync(StaffMember me, Agencies agencies, EnterpriseScores scores,
        string? period, CancellationToken ct)
    {
        if (period is not (null or EnterpriseScores.Rolling or EnterpriseScores.Month))
            return Problem.Of(400, "invalid-score-query", "Unknown period", "period 应为 rolling30（近30天）或 month（本月）。");
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        return TypedResults.Ok(await scores.LatestAsync(period ?? EnterpriseScores.Rolling, districts, ct));
    }

    /// <summary>An enterprise's score with its history, grade changes and what lowered it.</summary>
    public sealed record ScoreView(EnterpriseScore Latest, IReadOnlyList<EnterpriseScore> Months, IReadOnlyList<EnterpriseScore> Rolling,
        IReadOnlyList<GradeChange> GradeChanges, IReadOnlyList<ScoreRecord> Lowering, IReadOnlyList<ScoreDeduction> Deductions);

    public static async Task<Results<Ok<ScoreView>, ProblemHttpResult>> ScoreAsync(int enterpriseId, StaffMember me, Agencies agencies, EnterpriseScores scores,
        CancellationToken ct)
    {
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        var history = await scores.HistoryAsync(enterpriseId, EnterpriseScores.Rolling, 90, ct);
        if (history.Count == 0 || (districts is not null && !districts.Contains(history[^1].DistrictCode)))
            return Problem.Of(404, "score-not-found", "No score", "本单位辖区内没有这家企业的评分。");
        var latest = history[^1];
        return TypedResults.Ok(new ScoreView(latest, await scores.HistoryAsync(enterpriseId, EnterpriseScores.Month, 12, ct), history,
            await scores.GradeChangesAsync(enterpriseId, ct), await scores.LoweringRecordsAsync(enterpriseId, latest.PeriodStart, latest.PeriodEnd, ct),
            await scores.DeductionsAsync(enterpriseId, EnterpriseScores.Rolling, latest.PeriodStart, ct)));
    }

    public static async Task<IResult> IssueAsync(StaffMember me, NewDetention body, DetentionOrders orders, CancellationToken ct) =>
        ConsoleAccess.MayDetain(me)
            ? Result(await orders.IssueAsync(me.Id, me.AgencyId, body, ct), created: true)
            : ConsoleProblems.Forbidden("只有执法检查人员可以下达扣瓶令。");

    /// <summary>An inspector's photo as stored: the order names it by <paramref name="PhotoId"/>.</summary>
    public sealed record DetentionPhotoUploaded(string PhotoId, string ContentType, int Bytes);

    public static async Task<Results<Created<DetentionPhotoUploaded>, ProblemHttpResult>> UploadPhotoAsync(StaffMember me, HttpContext c, DetentionOrders orders,
        CancellationToken ct)
    {
        if (!ConsoleAccess.MayDetain(me)) return ConsoleProblems.Forbidden("只有执法检查人员可以为扣瓶令上传照片。");
        var (data, problem) = await PhotoUploads.ReadAsync(c.Request, DetentionOrders.MaxPhotoBytes, "请以 multipart/form-data 上传照片，文件字段名为 file。", ct);
        if (data is null) return problem!;
        return await orders.UploadPhotoAsync(me.Id, data, ct) switch
        {
            PhotoStore.Stored stored => TypedResults.Created((string?)null, new DetentionPhotoUploaded(stored.Id, stored.ContentType, stored.Bytes)),
            var refused => ((PhotoRefused)refused).Problem(),
        };
    }

    public static async Task<Ok<IReadOnlyList<DetentionOrder>>> ListDetentionsAsync(StaffMember me, DetentionOrders orders, bool? open, CancellationToken ct) =>
        TypedResults.Ok(await orders.ListAsync(me.AgencyId, null, open ?? true, ct));

    public static async Task<IResult> DetentionAsync(string order, StaffMember me, DetentionOrders orders, CancellationToken ct) =>
        await orders.GetAsync(order, ct) is { } o && ConsoleAccess.MaySeeDetention(me, o.AgencyId) ? TypedResults.Ok(o) : NotFound();

    public static async Task<IResult> DisposeAsync(string order, DisposeRequest body, StaffMember me, DetentionOrders orders, CancellationToken ct) =>
        ConsoleAccess.MayDetain(me)
            ? Result(await orders.DisposeAsync(me.Id, me.AgencyId, order, body.Disposal, body.Note, ct))
            : ConsoleProblems.Forbidden("只有执法检查人员可以确认处置。");

    /// <summary>An enterprise's (or station's) score as its own key reads it.</summary>
    public sealed record EnterpriseScoreSummary(string Licence, EnterpriseScore? Rolling30, EnterpriseScore? Month, IReadOnlyList<GradeChange> GradeChanges);

    /// <summary>Where a recalled cylinder is kept (optional).</summary>
    [ContractRequest]
    public sealed record DetentionRecalledReport(string? Place);

    /// <summary>Supervision's routes in the enterprise integration API (/api/integration/v1, signed): its score and its detention orders.</summary>
    public static IEndpointRouteBuilder MapSupervisionIntegrationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapIntegrationGroup();
        // The enterprise's own score: the latest rolling 30 days and this month, with the counts behind them, for itself and its stations.
        api.MapGet("/score", async (HttpContext c, IntegrationScope scopes, EnterpriseScores scores, CancellationToken ct) =>
        {
            var tenant = await scopes.ForAsync(IntegrationSignature.Caller(c).EnterpriseId, ct);
            var result = new List<EnterpriseScoreSummary>();
            foreach (var id in tenant.Members.Keys.Order())
            {
                var rolling = await scores.HistoryAsync(id, EnterpriseScores.Rolling, 1, ct);
                var month = await scores.HistoryAsync(id, EnterpriseScores.Month, 1, ct);
                result.Add(new EnterpriseScoreSummary(tenant.Members[id].Licence, rolling.FirstOrDefault(), month.FirstOrDefault(),
                    (await scores.GradeChangesAsync(id, ct)).Take(10).ToList()));
            }
            return TypedResults.Ok(result);
        }).WithMetadata(new IntegrationSignature.ReadOnlyCall()).Produces<IReadOnlyList<EnterpriseScoreSummary>>()
            .WithSummary("The enterprise's own score (rolling 30 days and this month) and grade changes, for itself and its stations.");
        api.MapGet("/detention-orders", async (HttpContext c, IntegrationScope scopes, DetentionOrders orders, bool? open, CancellationToken ct) =>
        {
            var tenant = await scopes.ForAsync(IntegrationSignature.Caller(c).EnterpriseId, ct);
            return TypedResults.Ok(await orders.ListAsync(null, tenant.Members.Keys.ToList(), open ?? true, ct));
        }).WithMetadata(new IntegrationSignature.ReadOnlyCall()).Produces<IReadOnlyList<DetentionOrder>>()
            .WithSummary("Detention orders (扣瓶令) against the enterprise's cylinders; open ones unless open=false.");
        // The enterprise's own fill violations (and their outcomes), newest first; and the licences recorded for it and its stations.
        api.MapGet("/violations", async Task<IResult> (HttpContext c, IntegrationScope scopes, FillViolations violations, string? status, int? page, CancellationToken ct) =>
        {
            if (status is not (null or "" or "open" or "in_progress" or "resolved"))
                return Problem.Of(400, "invalid-violation-query", "Unknown filter value", "status 应为 open（待处理）、in_progress（处理中）或 resolved（已办结）。");
            if (page is < 1 or > 10000) return Problem.Of(400, "invalid-violation-query", "Unknown page", "page 应为1到10000之间的页码。");
            // Violations are the filling enterprise's (only fillers fill); a supply station's key sees none of its parent's.
            var caller = IntegrationSignature.Caller(c);
            var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
            if (tenant.Caller.Kind != "filling") return TypedResults.Ok(new ViolationQueue([], 0, page ?? 1, ViolationsConsole.PageSize));
            return TypedResults.Ok(await violations.OfEnterpriseAsync(caller.EnterpriseId, string.IsNullOrEmpty(status) ? null : status, page ?? 1, ViolationsConsole.PageSize, ct));
        }).WithMetadata(new IntegrationSignature.ReadOnlyCall()).Produces<ViolationQueue>().Problems(400, "invalid-violation-query")
            .WithSummary("The filling enterprise's own fill violations and their outcomes, newest first.");
        api.MapGet("/licences", async (HttpContext c, IntegrationScope scopes, Enterprises.EnterpriseLicences licences, CancellationToken ct) =>
        {
            var tenant = await scopes.ForAsync(IntegrationSignature.Caller(c).EnterpriseId, ct);
            return TypedResults.Ok(await licences.OfAsync(tenant.Members.Keys.ToList(), ct));
        }).WithMetadata(new IntegrationSignature.ReadOnlyCall()).Produces<IReadOnlyList<Enterprises.EnterpriseLicence>>()
            .WithSummary("The licences recorded for the enterprise and its stations, with their validity.");
        api.MapPost("/detention-orders/{order}/acknowledge", async (string order, HttpContext c, IntegrationScope scopes, DetentionOrders orders, CancellationToken ct) =>
        {
            var caller = IntegrationSignature.Caller(c);
            var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
            return Result(await orders.AcknowledgeAsync(tenant.MayActFor, "key:" + caller.KeyId, order, ct, rehearse: caller.Sandbox));
        }).WithMetadata(new IntegrationSandbox.Rehearsed()).Produces<DetentionOrder>().Problems(404, "detention-not-found").Problems(409, "detention-conflict")
            .WithSummary("Acknowledge a detention order (the enterprise has received it and will recall the cylinder).");
        api.MapPost("/detention-orders/{order}/recalled", async (string order, HttpContext c, IntegrationScope scopes, DetentionOrders orders, CancellationToken ct) =>
        {
            var caller = IntegrationSignature.Caller(c);
            var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
            string? place = null;
            try { place = System.Text.Json.JsonDocument.Parse(caller.Body).RootElement.TryGetProperty("place", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.String ? p.GetString() : null; }
            catch (System.Text.Json.JsonException) { }
            return Result(await orders.ReportRecalledAsync(tenant.MayActFor, "key:" + caller.KeyId, order, place, ct, rehearse: caller.Sandbox));
        }).WithMetadata(new IntegrationSandbox.Rehearsed()).Accepts<DetentionRecalledReport>("application/json").Produces<DetentionOrder>()
            .Problems(400, "invalid-detention").Problems(404, "detention-not-found").Problems(409, "detention-conflict")
            .WithSummary("Report the detained cylinder recalled, and where it is kept.");
        return app;
    }

    private static IResult NotFound() => Problem.Of(404, "detention-not-found", "No such detention order", "没有这个扣瓶令，或它不属于您。");

    private static IResult Result(DetentionResult result, bool created = false) => result switch
    {
        DetentionResult.Done d when created => TypedResults.Created($"/api/console/detentions/{d.Order.Number}", d.Order),
        DetentionResult.BlackGas b when created => TypedResults.Created($"/api/console/black-gas-detentions/{b.Detention.Number}", b.Detention),
        DetentionResult.BlackGas b => TypedResults.Ok(b.Detention),
        DetentionResult.Done d => TypedResults.Ok(d.Order),
        DetentionResult.Invalid i => Problem.Of(400, "invalid-detention", "Incomplete detention order", "请按提示补充后再提交。",
            new Dictionary<string, object?> { ["errors"] = i.Errors }),
        DetentionResult.Conflict c => Problem.Of(409, "detention-conflict", "Not possible now", c.Message),
        _ => Problem.Of(404, "detention-not-found", "Not found", "没有这个气瓶或扣瓶令，或它不属于您。"),
    };
}
