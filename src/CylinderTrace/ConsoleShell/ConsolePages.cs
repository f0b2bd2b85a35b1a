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
        pages.MapGet("/staff", (StaffMember me, Agencies agencies, StaffAccounts accounts, TimeProvider clock, string? q, string? agency, int? page,
            CancellationToken ct) => StaffPageAsync(me, agencies, accounts, clock, q, agency, page, null, 200, ct));
        pages.MapPost("/staff", CreateStaffAsync);
        pages.MapGet("/staff/{id:int}", StaffEditPageAsync);
        pages.MapPost("/staff/{id:int}", UpdateStaffAsync);
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

    /// <summary>Staff listed per page: an agency has dozens, the city a few hundred.</summary>
    public const int StaffPageSize = 50;

    public static async Task<IResult> CreateStaffAsync(StaffMember me, HttpContext context, IFormCollection form, StaffAccounts accounts, Agencies agencies,
        TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        var result = await accounts.CreateAsync(scope, form["username"], form["displayName"], form["role"], form["agency"], null, ct);
        return result is StaffAccounts.Created created
            ? ConsoleFlash.Redirect(context, "/console/staff",
                $"已创建账号 {form["username"].ToString().Trim()}，初始密码：{created.InitialPassword}（只显示这一次，请当面或电话告知本人；首次登录须修改）。")
            : await StaffPageAsync(me, agencies, accounts, clock, null, null, null, Errors(((StaffAccounts.CreateRefused)result).Errors), 400, ct, Typed(form));
    }

    public static async Task<IResult> StaffEditPageAsync(int id, StaffMember me, StaffAccounts accounts, Agencies agencies, TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        return await accounts.FindAsync(scope, id, ct) is { } a
            ? await StaffEditAsync(me, scope, a, agencies, clock, null, null, 200, ct)
            : NoSuchAccount(me);
    }

    public static async Task<IResult> UpdateStaffAsync(int id, StaffMember me, HttpContext context, IFormCollection form, StaffAccounts accounts, Agencies agencies,
        TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        if (await accounts.FindAsync(scope, id, ct) is not { } a) return NoSuchAccount(me);
        return await accounts.UpdateAsync(me, scope, id, form["displayName"], form["role"], form["agency"], a.Disabled, ct) switch
        {
            StaffAccounts.Updated => ConsoleFlash.Redirect(context, "/console/staff", $"已保存 {a.Username} 的账号信息。"),
            StaffAccounts.SelfChangeRefused self => await StaffEditAsync(me, scope, a, agencies, clock, self.Message, Typed(form), 409, ct),
            StaffAccounts.UpdateRefused e => await StaffEditAsync(me, scope, a, agencies, clock, Errors(e.Errors), Typed(form), 400, ct),
            _ => NoSuchAccount(me),
        };
    }

    public static async Task<IResult> ResetPasswordAsync(int id, StaffMember me, HttpContext context, IFormCollection form, StaffAccounts accounts,
        CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        if (await accounts.FindAsync(scope, id, ct) is not { } a) return NoSuchAccount(me);
        if (!ConsoleConfirmation.Confirmed(form))
            return ConsoleConfirmation.Ask(me, form, $"重置 {a.DisplayName}（{a.Username}）的密码？",
                "重置后原密码立即失效，该账号已登录的会话全部退出；系统生成一个新的初始密码，只显示一次，本人首次登录须修改。",
                $"/console/staff/{id}/reset", "确认重置密码", "/console/staff");
        var password = await accounts.ResetPasswordAsync(scope, id, ct);
        return password is null
            ? NoSuchAccount(me)
            : ConsoleFlash.Redirect(context, "/console/staff", $"{a.Username} 的密码已重置，新的初始密码：{password}（只显示这一次，请当面或电话告知本人）。");
    }

    public static async Task<IResult> SetEnabledAsync(int id, string state, StaffMember me, HttpContext context, IFormCollection form, StaffAccounts accounts,
        Agencies agencies, TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        var a = await accounts.FindAsync(scope, id, ct);
        if (a is null) return NoSuchAccount(me);
        var disable = state == "disable";
        if (disable && a.Id != me.Id && !ConsoleConfirmation.Confirmed(form))
            return ConsoleConfirmation.Ask(me, form, $"停用 {a.DisplayName}（{a.Username}）的账号？",
                "停用后该账号立即退出登录、不能再登录，也不再收到微信提醒；已认领的投诉请先由科室负责人改派。需要时可以重新启用。",
                $"/console/staff/{id}/disable", "确认停用", "/console/staff");
        return await accounts.UpdateAsync(me, scope, id, a.DisplayName, a.Role, a.AgencyCode, disable, ct) switch
        {
            StaffAccounts.Updated => ConsoleFlash.Redirect(context, "/console/staff", disable ? $"已停用 {a.Username}。" : $"已启用 {a.Username}。"),
            StaffAccounts.SelfChangeRefused self => await StaffPageAsync(me, agencies, accounts, clock, null, null, null, self.Message, 409, ct),
            StaffAccounts.UpdateRefused e => await StaffPageAsync(me, agencies, accounts, clock, null, null, null, Errors(e.Errors), 400, ct),
            _ => NoSuchAccount(me),
        };
    }

    private static RazorComponentResult NoSuchAccount(StaffMember me) => ConsolePage.Message(me, 404, "没有这个账号", "本单位没有这个人员账号。");

    internal static string Errors(IDictionary<string, string[]> errors) => string.Join(" ", errors.Values.SelectMany(v => v));

    /// <summary>What was typed into a form, to show it again after a refusal (never a password or the form token).</summary>
    internal static Dictionary<string, string> Typed(IFormCollection form) =>
        form.Where(f => f.Key is not ("__RequestVerificationToken" or "password" or "current" or "next"))
            .ToDictionary(f => f.Key, f => string.Join(",", f.Value.Where(v => v is not null)));

    public static async Task<RazorComponentResult> StaffPageAsync(StaffMember me, Agencies agencies, StaffAccounts accounts, TimeProvider clock, string? q,
        string? agency, int? page, string? error, int status, CancellationToken ct, IReadOnlyDictionary<string, string>? typed = null)
    {
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return ConsolePage.Forbidden(me, ConsoleApi.StaffOnly);
        var now = clock.GetUtcNow().UtcDateTime;
        var all = (await accounts.ListAsync(scope, ct))
            .Where(a => string.IsNullOrWhiteSpace(q) || a.Username.Contains(q.Trim(), StringComparison.OrdinalIgnoreCase) || a.DisplayName.Contains(q.Trim()))
            .Where(a => string.IsNullOrEmpty(agency) || a.AgencyCode == agency)
            .Select(a => ConsoleApi.StaffView(a, now)).ToList();
        var (number, pages, rows) = Ui.Paged(all, page, StaffPageSize);
        return ConsolePage.Of<StaffPage>(new()
        {
            ["Me"] = me, ["Staff"] = rows, ["Total"] = all.Count, ["PageNumber"] = number, ["Pages"] = pages, ["Query"] = q, ["AgencyFilter"] = agency,
            ["Agencies"] = (await agencies.ListAsync(ct)).Where(a => scope.Covers(a.Id)).ToList(), ["CityWide"] = scope.AgencyId is null,
            ["Error"] = error, ["Form"] = typed,
        }, status);
    }

    private static async Task<RazorComponentResult> StaffEditAsync(StaffMember me, StaffScope scope, StaffAccount a, Agencies agencies, TimeProvider clock,
        string? error, IReadOnlyDictionary<string, string>? typed, int status, CancellationToken ct) =>
        ConsolePage.Of<StaffEditPage>(new()
        {
            ["Me"] = me, ["Account"] = ConsoleApi.StaffView(a, clock.GetUtcNow().UtcDateTime),
            ["Agencies"] = (await agencies.ListAsync(ct)).Where(x => scope.Covers(x.Id)).ToList(), ["Error"] = error, ["Form"] = typed,
        }, status);

    private static byte[] ReadStylesheet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CylinderTrace.ConsoleShell.Pages.console.css")
            ?? throw new InvalidOperationException("console.css is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
