using CylinderTrace.ConsoleShell;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using CylinderTrace.Staff;
using CylinderTrace.Supervision.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Supervision;

public sealed record ViolationNoteRequest(string? Text);
public sealed record ViolationResolveRequest(string? Outcome, string? Note);
public sealed record LicenceRequest(string? LicenceNumber, string? Issuer, DateOnly? ValidFrom, DateOnly? ValidUntil, string? Status);

/// <summary>
/// The fill-violation cases (JSON API and pages) and the licences the licensing agencies record, in the console; the
/// enterprise reads its own violations through the integration API. Violation numbers are {violation} in routes.
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
        api.MapGet("/licences", ListLicencesAsync);
        api.MapPut("/enterprises/{enterpriseId:int}/licences/{kind}", SetLicenceAsync);

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/violations", ViolationsPageAsync);
        pages.MapGet("/violations/{violation}", (string violation, StaffMember me, FillViolations v, string? done, CancellationToken ct) =>
            ViolationPageAsync(me, v, violation, done switch { "claimed" => "已认领。", "noted" => "备注已保存。", "resolved" => "已办结，企业已收到处理结果。", _ => null }, null, null, 200, ct));
        pages.MapPost("/violations/{violation}/claim", (string violation, StaffMember me, FillViolations v, CancellationToken ct) =>
            PageAction(me, v, violation, "claimed", null, v.ClaimAsync(me, violation, ct), ct));
        pages.MapPost("/violations/{violation}/notes", (string violation, StaffMember me, IFormCollection form, FillViolations v, CancellationToken ct) =>
            PageAction(me, v, violation, "noted", form, v.NoteAsync(me, violation, form["text"], ct), ct));
        pages.MapPost("/violations/{violation}/resolve", (string violation, StaffMember me, IFormCollection form, FillViolations v, CancellationToken ct) =>
            PageAction(me, v, violation, "resolved", form, v.ResolveAsync(me, violation, form["outcome"], form["note"], ct), ct));
        pages.MapGet("/licences", (StaffMember me, Agencies agencies, EnterpriseLicences licences, TimeProvider clock, int? days, string? done, CancellationToken ct) =>
            LicencesPageAsync(me, agencies, licences, clock, days, done, null, null, 200, ct));
        pages.MapPost("/licences", SetLicenceFormAsync);
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

    // ---- licences ----

    /// <summary>Licences ending within the next <paramref name="days"/> days (default 90), in the member's jurisdiction.</summary>
    public static async Task<Results<Ok<IReadOnlyList<LicenceListing>>, ProblemHttpResult>> ListLicencesAsync(StaffMember me, Agencies agencies, EnterpriseLicences licences,
        TimeProvider clock, int? days, CancellationToken ct)
    {
        if (days is < 0 or > 3660) return Problem.Of(400, "invalid-licence-query", "Unknown range", "days 应为0到3660之间的天数。");
        var today = ShanghaiTime.Today(clock);
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        return TypedResults.Ok(await licences.ExpiringAsync(today.AddDays(-90), today.AddDays(days ?? 90), districts, ct));
    }

    /// <summary>What recording a licence came to: the licence, or the status, code and message of the refusal (with field errors).</summary>
    public sealed record LicenceOutcome(EnterpriseLicence? Licence, int Status, string Code, string Message, Dictionary<string, string[]>? Errors);

    /// <summary>
    /// Records an enterprise's licence: supervisors and administrators of the agency kind that issues it (market supervision
    /// for 气瓶充装许可证, the gas authority for 燃气经营许可证), of the enterprise's district or the city. The API and the page share it.
    /// </summary>
    public static async Task<LicenceOutcome> RecordLicenceAsync(int enterpriseId, string kind, LicenceRequest body, StaffMember me, Agencies agencies,
        EnterpriseDirectory directory, EnterpriseLicences licences, IntegrationScope scopes, CancellationToken ct)
    {
        if (!LicenceKinds.All.Contains(kind))
            return new(null, 400, "invalid-licence", "许可证种类应为 gas_supply（燃气经营许可证）或 cylinder_filling（气瓶充装许可证）。", null);
        var enterprise = await directory.ReadEnterpriseAsync(enterpriseId, ct);
        var mine = (await agencies.ListAsync(ct)).FirstOrDefault(a => a.Id == me.AgencyId);
        if (enterprise is null || mine is null || (mine.DistrictCode != Districts.City && mine.DistrictCode != enterprise.DistrictCode))
            return new(null, 404, "enterprise-not-found", "本单位辖区内没有这家企业。", null);
        if (mine.Kind != LicenceKinds.IssuingAgencyKind(kind) || !(me.IsSupervisor || me.IsAdministrator))
            return new(null, 403, "console-forbidden",
                $"{LicenceKinds.Label(kind)}由{(kind == LicenceKinds.CylinderFilling ? "市场监督管理部门" : "燃气管理部门")}的科室负责人或系统管理员登记。", null);
        if (kind == LicenceKinds.CylinderFilling && enterprise.Kind != "filling")
            return new(null, 400, "invalid-licence", "气瓶充装许可证只登记在充装单位名下（供应站不充装）。", null);
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.LicenceNumber) || body.LicenceNumber.Trim().Length > 64) errors["licenceNumber"] = ["请填写许可证编号（不超过64个字符）。"];
        if (string.IsNullOrWhiteSpace(body.Issuer) || body.Issuer.Trim().Length > 100) errors["issuer"] = ["请填写发证机关（不超过100字）。"];
        if (body.ValidFrom is null) errors["validFrom"] = ["请填写有效期起始日期（如 2024-01-01）。"];
        if (body.ValidUntil is null) errors["validUntil"] = ["请填写有效期截止日期（如 2028-12-31）。"];
        else if (body.ValidFrom is { } from && body.ValidUntil < from) errors["validUntil"] = ["有效期截止日期不能早于起始日期。"];
        var status = string.IsNullOrEmpty(body.Status) ? "valid" : body.Status;
        if (!LicenceKinds.Statuses.Contains(status)) errors["status"] = ["状态应为 valid（有效）、suspended（暂停）或 revoked（吊销）。"];
        if (errors.Count > 0) return new(null, 400, "invalid-licence", "请按提示修改后再保存。", errors);
        var licence = new EnterpriseLicence(enterpriseId, kind, body.LicenceNumber!.Trim(), body.Issuer!.Trim(), body.ValidFrom!.Value, body.ValidUntil!.Value, status);
        await licences.SetAsync(licence, me.Id, ct);
        // The fill check reads licences through the tenant: this instance at once, others within its minute.
        scopes.Forget(enterprise.Id);
        if (enterprise.ParentId is int parent) scopes.Forget(parent);
        return new(licence, 200, "", "", null);
    }

    public static async Task<Results<Ok<EnterpriseLicence>, ProblemHttpResult>> SetLicenceAsync(int enterpriseId, string kind, LicenceRequest body, StaffMember me,
        Agencies agencies, EnterpriseDirectory directory, EnterpriseLicences licences, IntegrationScope scopes, CancellationToken ct)
    {
        var outcome = await RecordLicenceAsync(enterpriseId, kind, body, me, agencies, directory, licences, scopes, ct);
        if (outcome.Licence is { } licence) return TypedResults.Ok(licence);
        return outcome.Status == 403 ? ConsoleProblems.Forbidden(outcome.Message)
            : Problem.Of(outcome.Status, outcome.Code, outcome.Status == 404 ? "No such enterprise" : "Licence not valid", outcome.Message,
                outcome.Errors is null ? null : new Dictionary<string, object?> { ["errors"] = outcome.Errors });
    }

    /// <summary>The page's form: the enterprise named by its 燃气经营许可证 number (as on its documents); post/redirect/get, the typed values kept on a refusal.</summary>
    public static async Task<IResult> SetLicenceFormAsync(StaffMember me, IFormCollection form, Agencies agencies, EnterpriseDirectory directory, EnterpriseLicences licences,
        IntegrationScope scopes, TimeProvider clock, CancellationToken ct)
    {
        var holder = form["enterprise"].ToString().Trim();
        var id = holder.Length == 0 ? null : await directory.IdByLicenceAsync(holder, ct);
        LicenceOutcome outcome;
        if (id is null) outcome = new(null, 400, "enterprise-not-found", $"没有持有燃气经营许可证“{holder}”的企业；请填写企业的燃气经营许可证编号。", null);
        else
        {
            static DateOnly? Day(string v) => DateOnly.TryParseExact(v, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : null;
            outcome = await RecordLicenceAsync(id.Value, form["kind"].ToString(),
                new LicenceRequest(form["licenceNumber"], form["issuer"], Day(form["validFrom"].ToString()), Day(form["validUntil"].ToString()), form["status"]),
                me, agencies, directory, licences, scopes, ct);
        }
        if (outcome.Licence is not null) return TypedResults.Redirect("/console/licences?done=1");
        var error = outcome.Errors is { } e ? string.Join(" ", e.Values.SelectMany(v => v)) : outcome.Message;
        return await LicencesPageAsync(me, agencies, licences, clock, null, null, error, form, outcome.Status == 404 ? 400 : outcome.Status, ct);
    }

    public static async Task<IResult> LicencesPageAsync(StaffMember me, Agencies agencies, EnterpriseLicences licences, TimeProvider clock, int? days, string? done,
        string? error, IFormCollection? form, int status, CancellationToken ct)
    {
        if (days is < 0 or > 3660) return ConsolePage.Message(me, 400, "天数不对", "days 应为0到3660之间的天数。");
        var today = ShanghaiTime.Today(clock);
        var mine = (await agencies.ListAsync(ct)).FirstOrDefault(a => a.Id == me.AgencyId);
        var districts = ConsoleAccess.RateDistricts(mine?.DistrictCode ?? Districts.City);
        // Which kind of licence this member records, if any (the kind its agency issues; supervisors and administrators).
        var records = (me.IsSupervisor || me.IsAdministrator) ? LicenceKinds.All.FirstOrDefault(k => LicenceKinds.IssuingAgencyKind(k) == mine?.Kind) : null;
        return ConsolePage.Of<LicencesPage>(new()
        {
            ["Me"] = me, ["Licences"] = await licences.ExpiringAsync(today.AddDays(-90), today.AddDays(days ?? 90), districts, ct), ["Days"] = days ?? 90, ["Today"] = today,
            ["RecordsKind"] = records, ["Notice"] = done is null ? null : "许可证已登记；充装检查在一分钟内按新的许可证判断。", ["Error"] = error, ["Form"] = form,
        }, status);
    }
}
