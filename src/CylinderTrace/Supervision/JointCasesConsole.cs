using CylinderTrace.ConsoleShell;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Staff;
using CylinderTrace.Supervision.Pages;

namespace CylinderTrace.Supervision;

/// <summary>
/// Joint enforcement cases in the console (JSON API and pages, <see cref="JointCases"/>). Case numbers are {jointCase} in routes;
/// a case of agencies the member's is not among answers 404 like a number that does not exist.
/// </summary>
public static class JointCasesConsole
{
    public static IEndpointRouteBuilder MapJointCasesConsole(this IEndpointRouteBuilder app)
    {
        var api = app.MapConsoleApiGroup();
        api.MapGet("/joint-cases", async (StaffMember me, JointCases cases, CancellationToken ct) => TypedResults.Ok(await cases.ListAsync(me, ct)));
        api.MapPost("/joint-cases", async (NewJointCase body, StaffMember me, JointCases cases, CancellationToken ct) => Api(await cases.OpenAsync(me, body, ct), created: true));
        api.MapGet("/joint-cases/{jointCase}", async (string jointCase, StaffMember me, JointCases cases, CancellationToken ct) =>
            await cases.GetAsync(me, jointCase, ct) is { } c ? (IResult)TypedResults.Ok(c) : NotFound());
        api.MapPost("/joint-cases/{jointCase}/actions", async (string jointCase, JointCaseAction body, StaffMember me, JointCases cases, CancellationToken ct) =>
            Api(await cases.AddActionAsync(me, jointCase, body.Text, ct)));
        api.MapPost("/joint-cases/{jointCase}/referrals", async (string jointCase, NewReferral body, StaffMember me, JointCases cases, CancellationToken ct) =>
            Api(await cases.ReferAsync(me, jointCase, body, ct)));
        api.MapPost("/joint-cases/{jointCase}/referrals/{referral:long}/outcome", async (string jointCase, long referral, ReferralOutcome body, StaffMember me, JointCases cases,
            CancellationToken ct) => Api(await cases.RecordOutcomeAsync(me, jointCase, referral, body, ct)));
        api.MapPost("/joint-cases/{jointCase}/close", async (string jointCase, JointCaseClose body, StaffMember me, JointCases cases, CancellationToken ct) =>
            Api(await cases.CloseAsync(me, jointCase, body.Conclusion, ct)));

        var pages = app.MapConsolePageGroup();
        pages.MapGet("/joint-cases", async (StaffMember me, JointCases cases, CancellationToken ct) => ListPage(me, await cases.ListAsync(me, ct), null, 200));
        pages.MapPost("/joint-cases", async (StaffMember me, IFormCollection form, JointCases cases, CancellationToken ct) =>
        {
            var body = new NewJointCase(form["sourceKind"], form["sourceRef"], form["title"],
                form["agencies"].ToString().Split([',', '，', '、', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), form["summary"]);
            return await cases.OpenAsync(me, body, ct) switch
            {
                JointCaseResult.Done d => TypedResults.Redirect($"/console/joint-cases/{d.Case.Number}"),
                var other => ListPage(me, await cases.ListAsync(me, ct), Message(other), Status(other)),
            };
        });
        pages.MapGet("/joint-cases/{jointCase}", async (string jointCase, StaffMember me, JointCases cases, CancellationToken ct) =>
            await CasePageAsync(me, cases, jointCase, null, 200, ct));
        pages.MapPost("/joint-cases/{jointCase}/actions", (string jointCase, StaffMember me, IFormCollection form, JointCases cases, CancellationToken ct) =>
            PageActionAsync(me, cases, jointCase, cases.AddActionAsync(me, jointCase, form["text"], ct), ct));
        pages.MapPost("/joint-cases/{jointCase}/referrals", (string jointCase, StaffMember me, IFormCollection form, JointCases cases, CancellationToken ct) =>
            PageActionAsync(me, cases, jointCase, cases.ReferAsync(me, jointCase, new NewReferral(form["policeUnit"], form["reason"]), ct), ct));
        pages.MapPost("/joint-cases/{jointCase}/referrals/{referral:long}/outcome", (string jointCase, long referral, StaffMember me, IFormCollection form, JointCases cases,
            CancellationToken ct) => PageActionAsync(me, cases, jointCase, cases.RecordOutcomeAsync(me, jointCase, referral, new ReferralOutcome(form["status"], form["text"]), ct), ct));
        pages.MapPost("/joint-cases/{jointCase}/close", (string jointCase, StaffMember me, IFormCollection form, JointCases cases, CancellationToken ct) =>
            PageActionAsync(me, cases, jointCase, cases.CloseAsync(me, jointCase, form["conclusion"], ct), ct));
        return app;
    }

    private static IResult NotFound() => Problem.Of(404, "joint-case-not-found", "No such joint case", "没有这个联合执法案件，或本单位没有参加。");

    private static IResult Api(JointCaseResult result, bool created = false) => result switch
    {
        JointCaseResult.Done d when created => TypedResults.Created($"/api/console/joint-cases/{d.Case.Number}", d.Case),
        JointCaseResult.Done d => TypedResults.Ok(d.Case),
        JointCaseResult.Invalid i => Problem.Of(400, "invalid-joint-case", "Joint case not valid", "请按提示修改后再提交。",
            new Dictionary<string, object?> { ["errors"] = i.Errors }),
        JointCaseResult.Forbidden f => ConsoleProblems.Forbidden(f.Message),
        JointCaseResult.Conflict c => Problem.Of(409, "joint-case-conflict", "Not possible now", c.Message),
        _ => NotFound(),
    };

    private static string Message(JointCaseResult r) => r switch
    {
        JointCaseResult.Invalid i => string.Join(" ", i.Errors.Values.SelectMany(v => v)),
        JointCaseResult.Forbidden f => f.Message,
        JointCaseResult.Conflict c => c.Message,
        _ => "没有这个联合执法案件，或本单位没有参加。",
    };

    private static int Status(JointCaseResult r) => r switch
    {
        JointCaseResult.Invalid => 400,
        JointCaseResult.Forbidden => 403,
        JointCaseResult.Conflict => 409,
        _ => 404,
    };

    private static IResult ListPage(StaffMember me, IReadOnlyList<JointCase> cases, string? error, int status) =>
        ConsolePage.Of<JointCasesPage>(new() { ["Me"] = me, ["Cases"] = cases, ["Error"] = error }, status);

    private static async Task<IResult> CasePageAsync(StaffMember me, JointCases cases, string number, string? error, int status, CancellationToken ct) =>
        await cases.GetAsync(me, number, ct) is { } c
            ? ConsolePage.Of<JointCasePage>(new() { ["Me"] = me, ["Case"] = c, ["Error"] = error }, status)
            : ConsolePage.Message(me, 404, "没有这个联合执法案件", "没有这个联合执法案件，或本单位没有参加。");

    private static async Task<IResult> PageActionAsync(StaffMember me, JointCases cases, string number, Task<JointCaseResult> action, CancellationToken ct) =>
        await action switch
        {
            JointCaseResult.Done d => TypedResults.Redirect($"/console/joint-cases/{d.Case.Number}"),
            JointCaseResult.NotFound => ConsolePage.Message(me, 404, "没有这个联合执法案件", "没有这个联合执法案件，或本单位没有参加。"),
            var other => await CasePageAsync(me, cases, number, Message(other), Status(other), ct),
        };
}
