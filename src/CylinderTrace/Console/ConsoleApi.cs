using CylinderTrace.Complaints.Handling;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Complaints.Routing;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Console;

/// <summary>
/// The console's JSON API under /api/console (the same services and the same ConsoleAccess checks as
/// the pages): session, the member's account, the queue, a complaint and its actions, the team view
/// for supervisors, staff administration for administrators.
/// </summary>
public static class ConsoleApi
{
    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder app)
    {
        var open = app.MapGroup("/api/console").AddEndpointFilter<SameOriginGate>().ExcludeFromDescription();
        open.MapPost("/session", SignInAsync);

        var api = app.MapGroup("/api/console").RequireAuthorization(ConsoleAuthentication.Policy).AddEndpointFilter<SameOriginGate>()
            .AddEndpointFilter<InitialPasswordGate>().ExcludeFromDescription();
        api.MapDelete("/session", (Delegate)SignOutAsync).WithMetadata(InitialPasswordGate.Allowed);
        api.MapGet("/me", (HttpContext c) => (IResult)TypedResults.Ok(Me(ConsoleAccess.Staff(c)))).WithMetadata(InitialPasswordGate.Allowed);
        api.MapPost("/me/password", ChangePasswordAsync).WithMetadata(InitialPasswordGate.Allowed);
        api.MapPost("/me/wechat-code", NewBindCodeAsync);
        api.MapDelete("/me/wechat", UnbindAsync);
        api.MapGet("/agencies", AgenciesAsync);
        Supervision.SupervisionApi.MapDetentionConsoleApi(api);
        api.MapPost("/commercial-invites", async (HttpContext c, CommercialInviteRequest body, ConsoleScanRates rates, Commercial.CommercialMembers members, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayInviteRestaurants(me))
                return Forbidden("只有系统管理员可以在管理端为商户生成邀请码（供气站可通过对接接口生成）。");
            if (body.CustomerId is not long customerId || body.Role is not ("owner" or "staff"))
                return Problem.Of(400, "invalid-invite", "Customer and role required", "请给出商户编号 customerId 和角色 role（owner 负责人或 staff 扫码人员）。");
            var districts = ConsoleAccess.RateDistricts(await rates.AgencyDistrictAsync(me.AgencyId, ct));
            return await members.InviteByIdAsync(customerId, districts, body.Role, me.Actor, ct) switch
            {
                Commercial.CommercialMembers.Invited i => TypedResults.Ok(new { code = i.Code, expiresAt = i.ExpiresAt, role = body.Role, customerId }),
                Commercial.CommercialMembers.NotCommercial => Problem.Of(400, "invalid-invite", "Not a commercial customer", "这是居民用户，不是商户：只有商户需要进货扫码。"),
                _ => Problem.Of(404, "customer-not-found", "No such customer", "本单位辖区内没有这个商户编号。"),
            };
        });
        api.MapGet("/scan-rates", async (HttpContext c, ConsoleScanRates rates, string? dimension, string? period, string? date, string? subject, bool? all, CancellationToken ct) =>
        {
            var (query, error) = rates.Parse(dimension, period, date, subject);
            if (query is null) return Problem.Of(400, "invalid-rate-query", "Invalid scan-rate query", error!);
            return (IResult)TypedResults.Ok(await rates.ViewAsync(ConsoleAccess.Staff(c), query, all == true, ct));
        });

        api.MapGet("/complaints", QueueAsync);
        api.MapGet("/complaints/{number}", ComplaintAsync);
        api.MapGet("/complaints/{number}/cylinder", CylinderAsync);
        api.MapGet("/complaints/{number}/photos/{photoId}", PhotoAsync);
        api.MapPost("/complaints/{number}/claim", (string number, HttpContext c, ConsoleDesk d, CancellationToken ct) => ActAsync(number, c, d, (h, id) => d.Handling.ClaimAsync(id, h, ct), ct));
        api.MapPost("/complaints/{number}/release", (string number, HttpContext c, ConsoleDesk d, CancellationToken ct) => ActAsync(number, c, d, (h, id) => d.Handling.ReleaseAsync(id, h, ct), ct));
        api.MapPost("/complaints/{number}/notes", (string number, NoteRequest r, HttpContext c, ConsoleDesk d, CancellationToken ct) =>
            ActAsync(number, c, d, (h, id) => d.Handling.NoteAsync(id, h, r.Text, ct), ct));
        api.MapPost("/complaints/{number}/information-requests", (string number, InformationRequest r, HttpContext c, ConsoleDesk d, CancellationToken ct) =>
            ActAsync(number, c, d, (h, id) => d.Handling.AskForInformationAsync(id, h, r.Question, ct), ct));
        api.MapPost("/complaints/{number}/transfer", (string number, TransferRequest r, HttpContext c, ConsoleDesk d, CancellationToken ct) =>
            ActAsync(number, c, d, (h, id) => d.TransferAsync(id, h, r.Agency, r.Reason, ct), ct));
        api.MapPost("/complaints/{number}/duplicate", (string number, DuplicateRequest r, HttpContext c, ConsoleDesk d, CancellationToken ct) =>
            ActAsync(number, c, d, (h, id) => d.Handling.MarkDuplicateAsync(id, h, r.Of, ct), ct));
        api.MapPost("/complaints/{number}/resolve", (string number, ResolveRequest r, HttpContext c, ConsoleDesk d, CancellationToken ct) =>
            ActAsync(number, c, d, (h, id) => d.Handling.ResolveAsync(id, h, r.Outcome, r.Reply, ct), ct));
        api.MapPost("/complaints/{number}/reject", (string number, RejectRequest r, HttpContext c, ConsoleDesk d, CancellationToken ct) =>
            ActAsync(number, c, d, (h, id) => d.Handling.RejectAsync(id, h, r.Reason, r.Suggestion, ct), ct));

        api.MapGet("/routing-rules", async (HttpContext c, RoutingRules rules, string? category, string? district, CancellationToken ct) =>
            ConsoleAccess.MayReadRouting(ConsoleAccess.Staff(c)) ? TypedResults.Ok(await rules.ListAsync(category, district, ct)) : Forbidden(RoutingReadOnly));
        api.MapGet("/routing-rules/resolve", async (HttpContext c, RoutingRules rules, string? category, string? district, CancellationToken ct) =>
        {
            if (!ConsoleAccess.MayReadRouting(ConsoleAccess.Staff(c))) return Forbidden(RoutingReadOnly);
            if (string.IsNullOrWhiteSpace(category) || string.IsNullOrWhiteSpace(district))
                return Problem.Of(400, "invalid-routing-query", "Category and district required", "请给出投诉类别 category 和区县代码 district。");
            var rule = await rules.ResolveAsync(category, district, ct);
            return rule is null ? Problem.Of(404, "no-routing-rule", "No rule", "没有适用的分派规则：这类投诉将进入分拣队列。") : TypedResults.Ok(rule);
        });
        api.MapPut("/routing-rules", async (HttpContext c, RoutingRules rules, RoutingRuleInput body, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayAdministerRouting(me)) return Forbidden(RoutingOnly);
            return await rules.SaveAsync(body, me.Actor, ct) switch
            {
                RoutingRules.Saved saved => TypedResults.Ok(saved.Rule),
                RoutingRules.Refused refused => Problem.Of(400, "invalid-routing-rule", "Rule not saved", "请按提示修改后再保存。",
                    new Dictionary<string, object?> { ["errors"] = refused.Errors }),
                _ => throw new InvalidOperationException(),
            };
        });
        api.MapDelete("/routing-rules/{id:int}", async (int id, HttpContext c, RoutingRules rules, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayAdministerRouting(me)) return Forbidden(RoutingOnly);
            return await rules.DeleteAsync(id, me.Actor, ct) switch
            {
                null => Problem.Of(404, "routing-rule-not-found", "No such rule", "没有这条分派规则。"),
                false => Problem.Of(409, "routing-rule-is-default", "City-wide default", "全市默认规则只能修改，不能删除（否则这类投诉无规则可用）。"),
                true => TypedResults.NoContent(),
            };
        });

        api.MapGet("/team", TeamAsync);
        api.MapGet("/staff", StaffAsync);
        api.MapGet("/staff/{id:int}", OneStaffAsync);
        api.MapPost("/staff", CreateStaffAsync);
        api.MapPut("/staff/{id:int}", UpdateStaffAsync);
        api.MapPost("/staff/{id:int}/password-reset", ResetPasswordAsync);
        return app;
    }

    internal static MeView Me(StaffMember s) =>
        new(s.Id, s.Username, s.DisplayName, s.Role, StaffRoles.Label(s.Role), s.AgencyId, s.AgencyName, s.MustChangePassword, s.WeChatBound, s.AgencyCode,
            ConsoleAccess.StaffAdministration(s) is { } scope ? (scope.AgencyId is null ? "city" : "agency") : null);

    private static async Task<IResult> SignInAsync(SignInRequest r, HttpContext context, StaffAccounts accounts, IOptions<ConsoleOptions> options)
    {
        return await ConsoleAuthentication.TrySignInAsync(context, accounts, r.Username, r.Password, options) switch
        {
            StaffAccounts.SignedIn s => TypedResults.Ok(Me(accounts.Member(s.Account))),
            StaffAccounts.Throttled t => Throttled(context, t.RetryAfter),
            _ => WrongCredentials(),
        };
    }

    internal static IResult WrongCredentials() =>
        Problem.Of(401, "console-sign-in-failed", "Wrong username or password", "用户名或密码不正确。连续输错多次后将暂时不能从这台电脑登录。");

    /// <summary>The same answer whether the address or the username was throttled, and whether the username exists.</summary>
    internal static IResult Throttled(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem.Of(429, "console-sign-in-throttled", "Too many failed sign-ins", ThrottledText(retryAfter),
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }

    internal static string ThrottledText(TimeSpan retryAfter) =>
        $"登录失败次数过多，请在{Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes))}分钟后再试。曾在本机登录过的账号不受影响；忘记密码请联系本单位系统管理员重置。";

    private static async Task<IResult> SignOutAsync(HttpContext context, StaffAccounts accounts)
    {
        await ConsoleAuthentication.SignOutAsync(context, accounts);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ChangePasswordAsync(PasswordChange r, HttpContext context, StaffAccounts accounts, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        if (await accounts.ChangePasswordAsync(me.Id, r.Current, r.Next, ct) is { } problem)
            return Problem.Of(400, "console-password-refused", "Password not changed", problem);
        // The stamp changed, which ends every other session; this one gets a fresh session and cookie.
        await ConsoleAuthentication.SignOutAsync(context, accounts);
        var account = await context.RequestServices.GetRequiredService<StaffStore>().FindAsync(me.Id, ct);
        await ConsoleAuthentication.SignInAsync(context, accounts, account!);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> NewBindCodeAsync(HttpContext context, StaffAccounts accounts, TimeProvider clock)
    {
        var (code, ttl) = await accounts.NewBindCodeAsync(ConsoleAccess.Staff(context).Id);
        return TypedResults.Ok(new BindCodeView(code, clock.GetUtcNow() + ttl, BindInstruction(code, ttl)));
    }

    internal static string BindInstruction(string code, TimeSpan ttl) =>
        $"请用本人微信关注本市瓶装液化气安全公众号，并向公众号发送“绑定 {code}”（{ttl.TotalMinutes:0}分钟内有效，只能使用一次）。";

    private static async Task<IResult> UnbindAsync(HttpContext context, StaffAccounts accounts, CancellationToken ct)
    {
        await accounts.UnbindWeChatAsync(ConsoleAccess.Staff(context).Id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> AgenciesAsync(ConsoleDesk desk, CancellationToken ct) => TypedResults.Ok(await desk.AgenciesAsync(ct));

    private static async Task<IResult> QueueAsync(HttpContext context, ConsoleDesk desk, string? scope, string? state, string? category, string? district,
        string? due, string? claim, int? page, string? q, CancellationToken ct)
    {
        if (page is < 1 or > 100_000) return Problem.Of(400, "invalid-page", "Invalid page", "页码应为1或更大的整数。");
        var filter = new QueueFilter(scope == "informed", state, category, district, due, claim, page ?? 1, q);
        return TypedResults.Ok(await desk.QueueAsync(ConsoleAccess.Staff(context), filter, ct));
    }

    private static async Task<IResult> ComplaintAsync(string number, HttpContext context, ConsoleDesk desk, CancellationToken ct)
    {
        var view = await desk.ComplaintAsync(ConsoleAccess.Staff(context), number, ct);
        return view is null ? NotFound(number) : TypedResults.Ok(view);
    }

    private static async Task<IResult> CylinderAsync(string number, HttpContext context, ConsoleDesk desk, CancellationToken ct)
    {
        var view = await desk.CylinderAsync(ConsoleAccess.Staff(context), number, ct);
        return view switch
        {
            null => NotFound(number),
            { Code: "" } => Problem.Of(404, "complaint-has-no-cylinder", "No cylinder", "这件投诉没有填写气瓶码。"),
            _ => TypedResults.Ok(view),
        };
    }

    private static async Task<IResult> PhotoAsync(string number, string photoId, HttpContext context, ConsoleDesk desk, CancellationToken ct)
    {
        var photo = await desk.PhotoAsync(ConsoleAccess.Staff(context), number, photoId, ct);
        if (photo is null) return Problem.Of(404, "photo-not-found", "Photo not found", "没有这张照片。");
        return PhotoStore.Serve(context, photo.Value);
    }

    private static async Task<IResult> ActAsync(string number, HttpContext context, ConsoleDesk desk, Func<Handler, long, Task<HandlingOutcome>> action, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        var outcome = await desk.ActAsync(me, number, action, ct);
        return outcome switch
        {
            // After a transfer the complaint is no longer this member's to see: 204.
            HandlingOutcome.Done => await desk.ComplaintAsync(me, number, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NoContent(),
            HandlingOutcome.Conflict c => Problem.Of(409, "complaint-action-not-possible", "Not possible now", c.Message),
            HandlingOutcome.Invalid i => Problem.Of(400, "invalid-complaint-action", "Incomplete", "请按提示补充后再提交。",
                new Dictionary<string, object?> { ["errors"] = i.Errors }),
            ConsoleDesk.ReadOnly => Problem.Of(403, "complaint-read-only", "Read only", "您的单位只能查看这件投诉（抄送或督办），不能办理。"),
            _ => NotFound(number),
        };
    }

    internal static IResult NotFound(string number) =>
        Problem.Of(404, "complaint-not-found", "Complaint not found", $"本单位没有投诉 {(number.Length > 30 ? number[..30] : number)}。");

    private static async Task<IResult> TeamAsync(HttpContext context, ConsoleDesk desk, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        if (!ConsoleAccess.MaySeeTeam(me)) return Forbidden("只有科室负责人可以查看本单位各人员的办理量。");
        return TypedResults.Ok(await desk.Handling.TeamAsync(me.AgencyId, ct));
    }

    internal const string RoutingOnly = "只有市级系统管理员可以修改分派规则（规则决定全市各单位收到哪些投诉）。";
    internal const string RoutingReadOnly = "只有系统管理员可以查看分派规则。";
    internal const string StaffOnly = "只有系统管理员可以管理人员账号。";

    internal static IResult Forbidden(string detail) => Problem.Of(403, "console-forbidden", "Not allowed", detail);

    private static async Task<IResult> StaffAsync(HttpContext context, StaffAccounts accounts, TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(ConsoleAccess.Staff(context)) is not { } scope) return Forbidden(StaffOnly);
        var now = clock.GetUtcNow().UtcDateTime;
        return TypedResults.Ok((await accounts.ListAsync(scope, ct)).Select(a => StaffView(a, now)).ToList());
    }

    private static async Task<IResult> OneStaffAsync(int id, HttpContext context, StaffAccounts accounts, TimeProvider clock, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(ConsoleAccess.Staff(context)) is not { } scope) return Forbidden(StaffOnly);
        return await accounts.FindAsync(scope, id, ct) is { } a ? TypedResults.Ok(StaffView(a, clock.GetUtcNow().UtcDateTime)) : StaffNotFound();
    }

    /// <summary>Another agency's member, for an agency's administrator, is answered exactly like an id that does not exist.</summary>
    internal static IResult StaffNotFound() => Problem.Of(404, "staff-not-found", "No such account", "本单位没有这个人员账号。");

    internal static StaffView StaffView(StaffAccount a, DateTime now) =>
        new(a.Id, a.Username, a.DisplayName, a.Role, StaffRoles.Label(a.Role), a.AgencyCode, a.AgencyName, a.Disabled, a.MustChangePassword,
            a.WechatOpenid is not null, a.LastLoginAt is { } l ? Platform.Time.ShanghaiTime.FromUtc(l) : null);

    private static async Task<IResult> CreateStaffAsync(NewStaffRequest r, HttpContext context, StaffAccounts accounts, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(ConsoleAccess.Staff(context)) is not { } scope) return Forbidden(StaffOnly);
        return await accounts.CreateAsync(scope, r.Username, r.DisplayName, r.Role, r.Agency, r.InitialPassword, ct) switch
        {
            StaffAccounts.Created c => TypedResults.Created($"/api/console/staff/{c.Id}", new CreatedStaffView(c.Id, c.InitialPassword)),
            StaffAccounts.CreateRefused e => Problem.Of(400, "invalid-staff", "Account not created", "请按提示修改后再提交。",
                new Dictionary<string, object?> { ["errors"] = e.Errors }),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<IResult> UpdateStaffAsync(int id, StaffUpdate r, HttpContext context, StaffAccounts accounts, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return Forbidden(StaffOnly);
        return await accounts.UpdateAsync(me, scope, id, r.DisplayName, r.Role, r.Agency, r.Disabled, ct) switch
        {
            StaffAccounts.UpdateNotFound => StaffNotFound(),
            StaffAccounts.UpdateRefused e => Problem.Of(400, "invalid-staff", "Account not changed", "请按提示修改后再提交。", new Dictionary<string, object?> { ["errors"] = e.Errors }),
            StaffAccounts.SelfChangeRefused self => Problem.Of(409, "staff-self-change", "Not on yourself", self.Message + "如确需调整，请由其他有权限的系统管理员办理。"),
            _ => TypedResults.NoContent(),
        };
    }

    private static async Task<IResult> ResetPasswordAsync(int id, HttpContext context, StaffAccounts accounts, CancellationToken ct)
    {
        if (ConsoleAccess.StaffAdministration(ConsoleAccess.Staff(context)) is not { } scope) return Forbidden(StaffOnly);
        var password = await accounts.ResetPasswordAsync(scope, id, ct);
        return password is null ? StaffNotFound() : TypedResults.Ok(new CreatedStaffView(id, password));
    }
}

/// <summary>
/// Cross-site request forgery, second line (the first is the SameSite=Strict cookie): a state-changing
/// API call that a browser marks as coming from another origin (Origin header, or Sec-Fetch-Site
/// cross-site) is refused. Calls without those headers (scripts, other servers) carry no browser cookie
/// by accident. The pages' forms carry antiforgery tokens instead.
/// </summary>
public sealed class SameOriginGate : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) return await next(context);
        var crossSite = request.Headers["Sec-Fetch-Site"].ToString() is "cross-site";
        if (request.Headers.Origin.ToString() is { Length: > 0 } origin
            && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
            crossSite = true;
        return crossSite
            ? Problem.Of(403, "console-cross-site", "Cross-site request refused", "管理后台只接受来自本站页面的操作请求。")
            : await next(context);
    }
}

/// <summary>Until a member replaces their initial password, only signing out and changing the password are open.</summary>
public sealed class InitialPasswordGate : IEndpointFilter
{
    /// <summary>Endpoint metadata: open with an initial password.</summary>
    public static readonly object Allowed = new AllowedWithInitialPassword();

    public sealed class AllowedWithInitialPassword;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!ConsoleAccess.Staff(http).MustChangePassword || http.GetEndpoint()?.Metadata.GetMetadata<AllowedWithInitialPassword>() is not null)
            return await next(context);
        if (http.Request.Path.StartsWithSegments("/api"))
            return Problem.Of(403, "console-password-change-required", "Change your password first", "首次登录（或密码被重置后）请先修改密码：POST /api/console/me/password。");
        return TypedResults.Redirect("/console/password");
    }
}

public sealed record CommercialInviteRequest(long? CustomerId, string? Role);
