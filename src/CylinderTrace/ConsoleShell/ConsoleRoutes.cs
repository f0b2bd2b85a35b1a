using CylinderTrace.ConsoleShell.Pages;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Staff;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.ConsoleShell;

/// <summary>
/// The route groups every feature maps its console endpoints onto, so each feature owns its pages and API while the
/// shell owns what they all need: sign-in required, the initial-password gate, and for pages the security headers
/// and the form-token check, for the API the same-origin check.
/// </summary>
public static class ConsoleRoutes
{
    /// <summary>Authenticated console pages under /console (server-rendered; every form post checked for its token).</summary>
    public static RouteGroupBuilder MapConsolePageGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/console").RequireAuthorization(ConsoleAuthentication.Policy).AddEndpointFilter<PageHeaders>()
            .AddEndpointFilter<InitialPasswordGate>().AddEndpointFilter<FormTokenGate>().WithMetadata(new RequireAntiforgeryTokenAttribute())
            .ExcludeFromDescription();

    /// <summary>Pages open without sign-in (the sign-in page itself), with the same headers and form-token check.</summary>
    public static RouteGroupBuilder MapOpenConsolePageGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/console").AddEndpointFilter<PageHeaders>().AddEndpointFilter<FormTokenGate>().WithMetadata(new RequireAntiforgeryTokenAttribute())
            .ExcludeFromDescription();

    /// <summary>The authenticated console JSON API under /api/console.</summary>
    public static RouteGroupBuilder MapConsoleApiGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/console").RequireAuthorization(ConsoleAuthentication.Policy).AddEndpointFilter<SameOriginGate>()
            .AddEndpointFilter<InitialPasswordGate>().ExcludeFromDescription();

    /// <summary>The console API open without sign-in (signing in).</summary>
    public static RouteGroupBuilder MapOpenConsoleApiGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/console").AddEndpointFilter<SameOriginGate>().ExcludeFromDescription();
}

/// <summary>Results of console pages: a Razor component in the console's layout, or a message page.</summary>
public static class ConsolePage
{
    public static RazorComponentResult Of<T>(Dictionary<string, object?> parameters, int status = 200) where T : Microsoft.AspNetCore.Components.IComponent =>
        new RazorComponentResult<T>(parameters) { StatusCode = status };

    public static RazorComponentResult Message(StaffMember? me, int status, string title, string text) =>
        Of<MessagePage>(new() { ["Me"] = me, ["Title"] = title, ["Text"] = text }, status);

    public static RazorComponentResult Forbidden(StaffMember me, string text) => Message(me, 403, "无权访问", text);
}

/// <summary>Problems the console API answers alike across features.</summary>
public static class ConsoleProblems
{
    public static ProblemHttpResult Forbidden(string detail) => Problem.Of(403, "console-forbidden", "Not allowed", detail);
}

/// <summary>
/// An entry of the console's menu, registered by the feature whose page it opens (shown in <see cref="Order"/>, to the
/// members <see cref="Visible"/> lets see it).
/// </summary>
public sealed record ConsoleMenuItem(int Order, string Id, string Href, string Label, Func<StaffMember, bool> Visible);

/// <summary>
/// Security headers of every console page: only our own stylesheet, images and form targets; no scripts (the pages have
/// none; the cylinder pages' camera scan widens its own policy to this host's scripts, Supervision's CylinderScan); never
/// framed; no referrer leaving the console. A GET also takes the notice a redirect left (<see cref="ConsoleFlash"/>).
/// </summary>
internal sealed class PageHeaders : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        if (HttpMethods.IsGet(context.HttpContext.Request.Method)) ConsoleFlash.Take(context.HttpContext);
        return next(context);
    }
}

/// <summary>
/// Every state-changing request to the pages carries a valid form token (the antiforgery middleware checks it for the
/// whole group; minimal APIs reject a bad one by themselves only where a handler binds the form, so this gate rejects
/// it everywhere else).
/// </summary>
internal sealed class FormTokenGate : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)) return await next(context);
        var valid = http.Features.Get<IAntiforgeryValidationFeature>()?.IsValid
            ?? await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http);
        return valid
            ? await next(context)
            : ConsolePage.Message(ConsoleAccess.TryStaff(http), 400, "页面已过期", "表单已过期或不是从本系统页面提交的。请返回、刷新页面后重新提交。");
    }
}

/// <summary>
/// Cross-site request forgery, second line (the first is the SameSite=Strict cookie): a state-changing API call that a
/// browser marks as coming from another origin (Origin header, or Sec-Fetch-Site cross-site) is refused. Calls without
/// those headers (scripts, other servers) carry no browser cookie by accident. The pages' forms carry antiforgery tokens instead.
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

/// <summary>Destructive console actions ask first: a post without confirm=yes shows <see cref="Pages.ConfirmPage"/> and changes nothing.</summary>
public static class ConsoleConfirmation
{
    public static bool Confirmed(IFormCollection form) => form["confirm"] == "yes";

    /// <summary>The question page; <paramref name="form"/>'s fields (but the form token and confirm) are posted again.</summary>
    public static RazorComponentResult Ask(StaffMember me, IFormCollection? form, string title, string text, string action, string button, string cancel) =>
        ConsolePage.Of<ConfirmPage>(new()
        {
            ["Me"] = me, ["Title"] = title, ["Text"] = text, ["Action"] = action, ["Button"] = button, ["Cancel"] = cancel,
            ["Fields"] = form is null ? new List<KeyValuePair<string, string>>()
                : form.Where(f => f.Key is not ("confirm" or "__RequestVerificationToken")).SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? ""))).ToList(),
        });
}
