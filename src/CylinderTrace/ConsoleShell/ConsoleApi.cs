using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CylinderTrace.ConsoleShell;

/// <summary>
/// The shell's part of the console JSON API under /api/console: the session, the member's own account, the agencies,
/// and staff administration (scoped by <see cref="ConsoleAccess.StaffAdministration"/>). Features map their own
/// routes onto <see cref="ConsoleRoutes.MapConsoleApiGroup"/>.
/// </summary>
public static class ConsoleApi
{
    public static IEndpointRouteBuilder MapConsoleShellApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenConsoleApiGroup().MapPost("/session", SignInAsync);

        var api = app.MapConsoleApiGroup();
        api.MapDelete("/session", SignOutAsync).WithMetadata(InitialPasswordGate.Allowed);
        api.MapGet("/me", GetMe).WithMetadata(InitialPasswordGate.Allowed);
        api.MapPost("/me/password", ChangePasswordAsync).WithMetadata(InitialPasswordGate.Allowed);
        api.MapPost("/me/wechat-code", NewBindCodeAsync);
        api.MapDelete("/me/wechat", UnbindAsync);
        api.MapGet("/agencies", ListAgenciesAsync);
        api.MapGet("/staff", ListStaffAsync);
        api.MapGet("/staff/{id:int}", GetStaffAsync);
        api.MapPost("/staff", CreateStaffAsync);
        api.MapPut("/staff/{id:int}", UpdateStaffAsync);
        api.MapPost("/staff/{id:int}/password-reset", ResetPasswordAsync);
        return app;
    }

    internal const string StaffOnly = "只有系统管理员可以管理人员账号。";

    internal static MeView Me(StaffMember s) =>
        new(s.Id, s.Username, s.DisplayName, s.Role, StaffRoles.Label(s.Role), s.AgencyId, s.AgencyName, s.MustChangePassword, s.WeChatBound, s.AgencyCode,
            ConsoleAccess.StaffAdministration(s) is { } scope ? (scope.AgencyId is null ? "city" : "agency") : null);

    public static async Task<Results<Ok<MeView>, ProblemHttpResult>> SignInAsync(SignInRequest r, HttpContext context, StaffAccounts accounts,
        IOptions<ConsoleOptions> options) =>
        await ConsoleAuthentication.TrySignInAsync(context, accounts, r.Username, r.Password, options) switch
        {
            StaffAccounts.SignedIn s => TypedResults.Ok(Me(accounts.Member(s.Account))),
            StaffAccounts.Throttled t => Throttled(context, t.RetryAfter),
            _ => WrongCredentials(),
        };

    internal static ProblemHttpResult WrongCredentials() =>
        Problem.Of(401, "console-sign-in-failed", "Wrong username or password", "用户名或密码不正确。连续输错多次后将暂时不能从这台电脑登录。");

    /// <summary>The same answer whether the address or the username was throttled, and whether the username exists.</summary>
    internal static ProblemHttpResult Throttled(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem.Of(429, "console-sign-in-throttled", "Too many failed sign-ins", ThrottledText(retryAfter),
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }

    internal static string ThrottledText(TimeSpan retryAfter) =>
        $"登录失败次数过多，请在{Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes))}分钟后再试。曾在本机登录过的账号不受影响；忘记密码请联系本单位系统管理员重置。";

    public static async Task<NoContent> SignOutAsync(HttpContext context, StaffAccounts accounts)
    {
        await ConsoleAuthentication.SignOutAsync(context, accounts);
        return TypedResults.NoContent();
    }

    public static Ok<MeView> GetMe(StaffMember me) => TypedResults.Ok(Me(me));

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangePasswordAsync(PasswordChange r, StaffMember me, HttpContext context,
        StaffAccounts accounts, CancellationToken ct)
    {
        if (await accounts.ChangePasswordAsync(me.Id, r.Current, r.Next, ct) is { } problem)
            return Problem.Of(400, "console-password-refused", "Password not changed", problem);
        // The stamp changed, which ends every other session; this one gets a fresh session and cookie.
        await ConsoleAuthentication.SignOutAsync(context, accounts);
        await ConsoleAuthentication.SignInAsync(context, accounts, (await accounts.FindAsync(StaffScope.City, me.Id, ct))!);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<BindCodeView>, ProblemHttpResult>> NewBindCodeAsync(StaffMember me, StaffAccounts accounts, TimeProvider clock)
    {
        if (await accounts.NewBindCodeAsync(me.Id) is not var (code, ttl))
            return Problem.Of(429, "rate-limited", "Too many binding codes", TooManyCodes, new Dictionary<string, object?> { ["retryAfterSeconds"] = 3600 });
        return TypedResults.Ok(new BindCodeView(code, clock.GetUtcNow() + ttl, BindInstruction(code, ttl)));
    }

    internal const string TooManyCodes = "一小时内最多获取10个绑定码，请使用最近获取的绑定码，或一小时后再试。";

    internal static string BindInstruction(string code, TimeSpan ttl) =>
        $"请用本人微信关注本市瓶装液化气安全公众号，并向公众号发送“绑定 {code}”（{ttl.TotalMinutes:0}分钟内有效，只能使用一次）。";

    public static async Task<NoContent> UnbindAsync(StaffMember me, StaffAccounts accounts, CancellationToken ct)
    {
        await accounts.UnbindWeChatAsync(me.Id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<AgencyView>>> ListAgenciesAsync(Agencies agencies, CancellationToken ct) =>
        TypedResults.Ok(await agencies.ListAsync(ct));

    public static async Task<Results<Ok<List<StaffView>>, ProblemHttpResult>> ListStaffAsync(StaffMember me, StaffAccounts accounts, TimeProvider clock,
        CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsoleProblems.Forbidden(StaffOnly);
        var now = clock.GetUtcNow().UtcDateTime;
        return TypedResults.Ok((await accounts.ListAsync(scope, ct)).Select(a => StaffView(a, now)).ToList());
    }

    public static async Task<Results<Ok<StaffView>, ProblemHttpResult>> GetStaffAsync(int id, StaffMember me, StaffAccounts accounts, TimeProvider clock,
        CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsoleProblems.Forbidden(StaffOnly);
        return await accounts.FindAsync(scope, id, ct) is { } a ? TypedResults.Ok(StaffView(a, clock.GetUtcNow().UtcDateTime)) : StaffNotFound();
    }

    /// <summary>Another agency's member, for an agency's administrator, is answered exactly like an id that does not exist.</summary>
    internal static ProblemHttpResult StaffNotFound() => Problem.Of(404, "staff-not-found", "No such account", "本单位没有这个人员账号。");

    internal static StaffView StaffView(StaffAccount a, DateTime now) =>
        new(a.Id, a.Username, a.DisplayName, a.Role, StaffRoles.Label(a.Role), a.AgencyCode, a.AgencyName, a.Disabled, a.MustChangePassword,
            a.WechatOpenid is not null, a.LastLoginAt is { } l ? Platform.Time.ShanghaiTime.FromUtc(l) : null);

    public static async Task<Results<Created<CreatedStaffView>, ProblemHttpResult>> CreateStaffAsync(NewStaffRequest r, StaffMember me, StaffAccounts accounts,
        CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsoleProblems.Forbidden(StaffOnly);
        return await accounts.CreateAsync(scope, r.Username, r.DisplayName, r.Role, r.Agency, r.InitialPassword, ct) switch
        {
            StaffAccounts.Created c => TypedResults.Created($"/api/console/staff/{c.Id}", new CreatedStaffView(c.Id, c.InitialPassword)),
            StaffAccounts.CreateRefused e => Problem.Of(400, "invalid-staff", "Account not created", "请按提示修改后再提交。",
                new Dictionary<string, object?> { ["errors"] = e.Errors }),
            _ => throw new InvalidOperationException(),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> UpdateStaffAsync(int id, StaffUpdate r, StaffMember me, StaffAccounts accounts,
        CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsoleProblems.Forbidden(StaffOnly);
        return await accounts.UpdateAsync(me, scope, id, r.DisplayName, r.Role, r.Agency, r.Disabled, ct) switch
        {
            StaffAccounts.UpdateNotFound => StaffNotFound(),
            StaffAccounts.UpdateRefused e => Problem.Of(400, "invalid-staff", "Account not changed", "请按提示修改后再提交。", new Dictionary<string, object?> { ["errors"] = e.Errors }),
            StaffAccounts.SelfChangeRefused self => Problem.Of(409, "staff-self-change", "Not on yourself", self.Message + "如确需调整，请由其他有权限的系统管理员办理。"),
            _ => TypedResults.NoContent(),
        };
    }

    public static async Task<Results<Ok<CreatedStaffView>, ProblemHttpResult>> ResetPasswordAsync(int id, StaffMember me, StaffAccounts accounts, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsoleProblems.Forbidden(StaffOnly);
        var password = await accounts.ResetPasswordAsync(scope, id, ct);
        return password is null ? StaffNotFound() : TypedResults.Ok(new CreatedStaffView(id, password));
    }
}
