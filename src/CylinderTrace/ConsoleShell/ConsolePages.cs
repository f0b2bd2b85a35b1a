using System.Reflection;
using CylinderTrace.ConsoleShell.Pages;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CylinderTrace.ConsoleShell;

/// <summary>
/// The shell's server-rendered pages under /console (Razor components, no front-end build): sign-in, sign-out, the
/// password, the member's account and staff administration, and the stylesheet. Forms post with an antiforgery token
/// and redirect back (post/redirect/get). Features map their own pages onto <see cref="ConsoleRoutes.MapConsolePageGroup"/>.
/// </summary>
public static class ConsolePages
{
    private static readonly byte[] Stylesheet = ReadStylesheet();

    public static IEndpointRouteBuilder MapConsoleShellPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/console.css", GetStylesheet).ExcludeFromDescription();

        var open = app.MapOpenConsolePageGroup();
        open.MapGet("/login", (string? returnUrl) => ConsolePage.Of<LoginPage>(new() { ["ReturnUrl"] = LocalReturnUrl(returnUrl) }));
        open.MapPost("/login", SignInAsync);

        var pages = app.MapConsolePageGroup();
        pages.MapPost("/logout", SignOutAsync).WithMetadata(InitialPasswordGate.Allowed);
        pages.MapGet("/password", (StaffMember me, IOptions<ConsoleOptions> o) =>
            ConsolePage.Of<PasswordPage>(new() { ["Me"] = me, ["MinLength"] = o.Value.MinPasswordLength })).WithMetadata(InitialPasswordGate.Allowed);
        pages.MapPost("/password", ChangePasswordAsync).WithMetadata(InitialPasswordGate.Allowed);
        pages.MapGet("/forbidden", (StaffMember me) => ConsolePage.Message(me, 403, "无权访问", "您的角色不能使用这项功能。"));
        pages.MapGet("/account", (StaffMember me, string? done) =>
            ConsolePage.Of<AccountPage>(new() { ["Me"] = me, ["Notice"] = done == "unbound" ? "已解除微信绑定。" : null }));
        pages.MapPost("/account/wechat-code", NewBindCodeAsync);
        pages.MapPost("/account/wechat-unbind", UnbindAsync);
        pages.MapGet("/staff", (StaffMember me, Agencies agencies, StaffAccounts accounts, TimeProvider clock, CancellationToken ct) =>
            StaffPageAsync(me, agencies, accounts, clock, null, null, 200, ct));
        pages.MapPost("/staff", CreateStaffAsync);
        pages.MapPost("/staff/{id:int}/reset", ResetPasswordAsync);
        pages.MapPost("/staff/{id:int}/{state:regex(^(enable|disable)$)}", SetEnabledAsync);
        return app;
    }

    public static FileContentHttpResult GetStylesheet(HttpContext c)
    {
        c.Response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.File(Stylesheet, "text/css; charset=utf-8");
    }

    public static async Task<IResult> SignInAsync(HttpContext context, IFormCollection form, StaffAccounts accounts, IOptions<ConsoleOptions> options)
    {
        var username = form["username"].ToString();
        var returnUrl = LocalReturnUrl(form["returnUrl"].ToString());
        switch (await ConsoleAuthentication.TrySignInAsync(context, accounts, username, form["password"], options))
        {
            case StaffAccounts.SignedIn s:
                return TypedResults.Redirect(s.Account.MustChangePassword ? "/console/password" : returnUrl ?? "/console");
            case StaffAccounts.Throttled t:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(t.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ConsolePage.Of<LoginPage>(new() { ["Username"] = username, ["ReturnUrl"] = returnUrl, ["Error"] = ConsoleApi.ThrottledText(t.RetryAfter) }, 429);
            default:
                return ConsolePage.Of<LoginPage>(new() { ["Username"] = username, ["ReturnUrl"] = returnUrl, ["Error"] = "用户名或密码不正确。" }, 401);
        }
    }

    /// <summary>
    /// Where to go after signing in: a path of the console itself and nothing else (no other host, no scheme-relative or
    /// backslash tricks, no control characters that would split the Location header). Null when it is not one.
    /// Non-ASCII characters are percent-encoded (RFC 3986 §2.1), since a header carries ASCII only.
    /// </summary>
    internal static string? LocalReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 2000) return null;
        if (returnUrl.Any(ch => char.IsControl(ch) || ch == '\\' || char.IsWhiteSpace(ch))) return null;
        if (!(returnUrl == "/console" || returnUrl.StartsWith("/console/", StringComparison.Ordinal) || returnUrl.StartsWith("/console?", StringComparison.Ordinal)))
            return null;
        if (returnUrl.Contains("//", StringComparison.Ordinal) || returnUrl.Contains("/..", StringComparison.Ordinal)) return null;
        var ascii = new System.Text.StringBuilder(returnUrl.Length);
        foreach (var rune in returnUrl.EnumerateRunes())
            if (rune.IsAscii) ascii.Append((char)rune.Value);
            else ascii.Append(Uri.EscapeDataString(rune.ToString()));
        return ascii.ToString();
    }

    public static async Task<RedirectHttpResult> SignOutAsync(HttpContext c, StaffAccounts accounts)
    {
        await ConsoleAuthentication.SignOutAsync(c, accounts);
        return TypedResults.Redirect("/console/login");
    }

    public static async Task<IResult> ChangePasswordAsync(StaffMember me, HttpContext context, IFormCollection form, StaffAccounts accounts,
        IOptions<ConsoleOptions> options, CancellationToken ct)
    {
        if (await accounts.ChangePasswordAsync(me.Id, form["current"], form["next"], ct) is { } problem)
            return ConsolePage.Of<PasswordPage>(new() { ["Me"] = me, ["Error"] = problem, ["MinLength"] = options.Value.MinPasswordLength }, 400);
        // The stamp changed, which ends every other session; this one gets a fresh session and cookie.
        await ConsoleAuthentication.SignOutAsync(context, accounts);
        await ConsoleAuthentication.SignInAsync(context, accounts, (await accounts.FindAsync(StaffScope.City, me.Id, ct))!);
        return TypedResults.Redirect("/console");
    }

    public static async Task<RazorComponentResult> NewBindCodeAsync(StaffMember me, StaffAccounts accounts, TimeProvider clock)
    {
        if (await accounts.NewBindCodeAsync(me.Id) is not var (code, ttl)) return ConsolePage.Message(me, 429, "绑定码获取过于频繁", ConsoleApi.TooManyCodes);
        return ConsolePage.Of<AccountPage>(new() { ["Me"] = me, ["BindCode"] = new BindCodeView(code, clock.GetUtcNow() + ttl, ConsoleApi.BindInstruction(code, ttl)) });
    }

    public static async Task<RedirectHttpResult> UnbindAsync(StaffMember me, StaffAccounts accounts, CancellationToken ct)
    {
        await accounts.UnbindWeChatAsync(me.Id, ct);
        return TypedResults.Redirect("/console/account?done=unbound");
    }

    public static async Task<RazorComponentResult> CreateStaffAsync(StaffMember me, IFormCollection form, StaffAccounts accounts, Agencies agencies,
        TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        var result = await accounts.CreateAsync(scope, form["username"], form["displayName"], form["role"], form["agency"], null, ct);
        return result is StaffAccounts.Created created
            ? await StaffPageAsync(me, agencies, accounts, clock, $"已创建账号 {form["username"]}，初始密码：{created.InitialPassword}（只显示这一次，请当面或电话告知本人；首次登录须修改）。", null, 200, ct)
            : await StaffPageAsync(me, agencies, accounts, clock, null, string.Join(" ", ((StaffAccounts.CreateRefused)result).Errors.Values.SelectMany(v => v)), 400, ct);
    }

    public static async Task<RazorComponentResult> ResetPasswordAsync(int id, StaffMember me, StaffAccounts accounts, Agencies agencies, TimeProvider clock,
        CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        var password = await accounts.ResetPasswordAsync(scope, id, ct);
        return password is null
            ? await StaffPageAsync(me, agencies, accounts, clock, null, "本单位没有这个账号。", 404, ct)
            : await StaffPageAsync(me, agencies, accounts, clock, $"密码已重置，新的初始密码：{password}（只显示这一次）。", null, 200, ct);
    }

    public static async Task<RazorComponentResult> SetEnabledAsync(int id, string state, StaffMember me, StaffAccounts accounts, Agencies agencies,
        TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        var a = await accounts.FindAsync(scope, id, ct);
        if (a is null) return await StaffPageAsync(me, agencies, accounts, clock, null, "本单位没有这个账号。", 404, ct);
        return await accounts.UpdateAsync(me, scope, id, a.DisplayName, a.Role, a.AgencyCode, state == "disable", ct) switch
        {
            StaffAccounts.Updated => await StaffPageAsync(me, agencies, accounts, clock, state == "disable" ? $"已停用 {a.Username}。" : $"已启用 {a.Username}。", null, 200, ct),
            StaffAccounts.SelfChangeRefused self => await StaffPageAsync(me, agencies, accounts, clock, null, self.Message, 409, ct),
            StaffAccounts.UpdateRefused e => await StaffPageAsync(me, agencies, accounts, clock, null, string.Join(" ", e.Errors.Values.SelectMany(v => v)), 400, ct),
            _ => await StaffPageAsync(me, agencies, accounts, clock, null, "本单位没有这个账号。", 404, ct),
        };
    }

    private static async Task<RazorComponentResult> StaffPageAsync(StaffMember me, Agencies agencies, StaffAccounts accounts, TimeProvider clock, string? notice,
        string? error, int status, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        var now = clock.GetUtcNow().UtcDateTime;
        return ConsolePage.Of<StaffPage>(new()
        {
            ["Me"] = me, ["Staff"] = (await accounts.ListAsync(scope, ct)).Select(a => ConsoleApi.StaffView(a, now)).ToList(),
            ["Agencies"] = (await agencies.ListAsync(ct)).Where(a => scope.Covers(a.Id)).ToList(), ["CityWide"] = scope.AgencyId is null,
            ["Notice"] = notice, ["Error"] = error,
        }, status);
    }

    private static byte[] ReadStylesheet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CylinderTrace.ConsoleShell.Pages.console.css")
            ?? throw new InvalidOperationException("console.css is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
