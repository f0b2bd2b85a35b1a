using CylinderTrace.ConsoleShell;
using CylinderTrace.Enterprises;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using CylinderTrace.Staff;
using CylinderTrace.Supervision.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Supervision;

public sealed record LicenceRequest(string? LicenceNumber, string? Issuer, DateOnly? ValidFrom, DateOnly? ValidUntil, string? Status);


/// <summary>
/// Enterprises' licences in the console: the agencies that issue them record them (JSON API and a form), and every
/// member lists those of its jurisdiction that end soon or lapsed lately. The fill check reads them (IntegrationScope).
/// </summary>
public static class LicencesConsole
{
    public static IEndpointRouteBuilder MapLicencesConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/licences", ListLicencesAsync);
        api.MapPut("/enterprises/{enterpriseId:int}/licences/{kind}", SetLicenceAsync);
        var pages = app.MapConsolePageGroup();
        pages.MapGet("/licences", (StaffMember me, Agencies agencies, EnterpriseLicences licences, TimeProvider clock, int? days, string? done, CancellationToken ct) =>
            LicencesPageAsync(me, agencies, licences, clock, days, done, null, null, 200, ct));
        pages.MapPost("/licences", SetLicenceFormAsync);
        return app;
    }

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
