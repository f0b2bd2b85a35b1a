using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.ConsoleShell;

/// <summary>
/// Post/redirect/get for the console's forms: a successful post redirects to a page, and the notice it has to say ("已保存",
/// a new initial password shown once) travels in a short-lived, data-protected cookie that the next page of the console
/// shows and deletes. A reload then repeats neither the action nor the notice. Refusals are not redirected: the form is
/// shown again with what was typed and the reason.
/// </summary>
public static class ConsoleFlash
{
    internal const string CookieName = "ct_console_flash";
    private const string ItemKey = "ct.flash";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>Redirects to <paramref name="url"/> (a path of the console), which will show <paramref name="notice"/> once.</summary>
    public static RedirectHttpResult Redirect(HttpContext context, string url, string notice)
    {
        var protector = Protector(context);
        context.Response.Cookies.Append(CookieName, protector.Protect(notice, Lifetime), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/console", MaxAge = Lifetime, IsEssential = true,
        });
        return TypedResults.Redirect(url);
    }

    /// <summary>The notice a redirect left for this page, taken once (read by the layout).</summary>
    public static string? Notice(HttpContext? context) => context?.Items[ItemKey] as string;

    /// <summary>On a page's GET: moves the cookie's notice into the request and deletes the cookie.</summary>
    internal static void Take(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value)) return;
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/console", Secure = context.Request.IsHttps, SameSite = SameSiteMode.Strict });
        try { context.Items[ItemKey] = Protector(context).Unprotect(value); }
        catch (System.Security.Cryptography.CryptographicException) { } // expired or not ours: nothing to show
    }

    private static ITimeLimitedDataProtector Protector(HttpContext context) =>
        context.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("CylinderTrace.ConsoleFlash").ToTimeLimitedDataProtector();
}
