using System.Security.Claims;
using CylinderTrace.Platform.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Staff;

/// <summary>How far a staff member may go with one complaint.</summary>
public enum ComplaintAccess
{
    /// <summary>Not theirs: answered as 404, exactly like a number that does not exist.</summary>
    None,
    /// <summary>Read only: an agency informed of it, or an inspector/administrator of the handling agency.</summary>
    Read,
    /// <summary>A handler or supervisor of the agency handling it.</summary>
    Act,
}

/// <summary>
/// Every authorization decision of the console, in one place. A member belongs to one agency. The
/// agency handling a complaint may act on it (handlers and supervisors) or read it (inspectors,
/// administrators); an agency a rule informs, or the office an overdue complaint escalated to, may
/// read it (its text and history; photos are for the handling agency only, as issue 4 asks); every other complaint is
/// a 404 for the API and the pages alike. Supervisors see their
/// agency's team load and may act on complaints another member claimed; administrators manage staff.
/// </summary>
public static class ConsoleAccess
{
    private const string ItemKey = "console.staff";

    /// <summary>The signed-in member (set when the session was validated).</summary>
    public static StaffMember Staff(HttpContext context) =>
        context.Items[ItemKey] as StaffMember ?? throw new InvalidOperationException("No console member on this request; is the endpoint in the console group?");

    /// <summary>The signed-in member, or null on a request the console did not authenticate.</summary>
    public static StaffMember? TryStaff(HttpContext context) => context.Items[ItemKey] as StaffMember;

    internal static void SetStaff(HttpContext context, StaffMember member) => context.Items[ItemKey] = member;

    public static bool MaySeeTeam(StaffMember s) => s.IsSupervisor;
    public static bool MayAdministerStaff(StaffMember s) => s.IsAdministrator;

    /// <summary>
    /// Whose accounts an administrator manages: a city administrator (of <c>Console:CityAdministratorAgency</c>) every
    /// agency's; any other administrator its own agency's only: it creates accounts (administrators too) only there, and
    /// other agencies' members answer 404 as if they did not exist. Null for members who are not administrators.
    /// </summary>
    public static StaffScope? StaffAdministration(StaffMember s) =>
        !s.IsAdministrator ? null : s.CityAdministrator ? StaffScope.City : new StaffScope(s.AgencyId);

    /// <summary>Nobody changes their own role or agency, or disables themselves: that is another administrator's decision.</summary>
    public static string? SelfChangeRefusal(StaffMember s, int targetId, string? role, int? agencyId, bool disabled) =>
        targetId != s.Id ? null
        : disabled ? "不能停用自己的账号。"
        : role != s.Role ? "不能更改自己的角色。"
        : agencyId is not null && agencyId != s.AgencyId ? "不能把自己调到其他单位。"
        : null;
    /// <summary>Complaint photos are shown to the complainant and to the staff of the agency handling the complaint only.</summary>
    public static bool MaySeePhotos(StaffMember s, int? handlingAgencyId) => handlingAgencyId == s.AgencyId;

    /// <summary>Every administrator reads the routing rules; only city administrators change them (they route every agency's complaints).</summary>
    public static bool MayReadRouting(StaffMember s) => s.IsAdministrator;
    public static bool MayAdministerRouting(StaffMember s) => s.IsAdministrator && s.CityAdministrator;
    /// <summary>The jobs dashboard shows every agency's job arguments and can requeue or delete jobs: city administrators only.</summary>
    public static bool MayViewJobs(StaffMember s) => s.IsAdministrator && s.CityAdministrator && !s.MustChangePassword;
    /// <summary>Inspectors issue detention orders (any cylinder they find) and confirm their disposal (their agency's orders).</summary>
    public static bool MayDetain(StaffMember s) => s.Role == StaffRoles.Inspector;
    /// <summary>Every member of the issuing agency reads its detention orders.</summary>
    public static bool MaySeeDetention(StaffMember s, int orderAgencyId) => s.AgencyId == orderAgencyId;
    /// <summary>Every member reads its agency's digests; administrators and supervisors set their schedule and recipients.</summary>
    public static bool MayAdministerDigests(StaffMember s) => s.IsAdministrator || s.IsSupervisor;
    /// <summary>Administrators issue invites for restaurants (in their agency's jurisdiction, <see cref="RateDistricts"/>), as supply stations do through the integration API.</summary>
    public static bool MayInviteRestaurants(StaffMember s) => s.IsAdministrator;

    /// <summary>Cylinder QR labels: an agency's administrators print them, for owners in the agency's jurisdiction (RateDistricts).</summary>
    public static bool MayPrintLabels(StaffMember s) => s.IsAdministrator;

    /// <summary>
    /// Scan rates: every member (any role) reads the rates of its agency's jurisdiction. An agency of
    /// the city sees every district (null); a district's agency sees the subjects of its own district.
    /// </summary>
    public static IReadOnlyCollection<string>? RateDistricts(string agencyDistrictCode) =>
        agencyDistrictCode == Platform.ReferenceData.Districts.City ? null : [agencyDistrictCode];

    /// <summary>派单, deciding extension requests and 重办: the supervisors of the agency handling the complaint (the desk checks the agency).</summary>
    public static bool MaySupervise(StaffMember s) => s.IsSupervisor;

    /// <summary>
    /// 催办/督办: a supervisor of the agency handling the complaint, or a handler or supervisor of an agency that reads it
    /// without handling it (informed of it, or the handling agency's superior agency).
    /// </summary>
    public static bool MayUrge(StaffMember s, int? handlingAgencyId) => handlingAgencyId == s.AgencyId ? s.IsSupervisor : s.HandlesComplaints;

    /// <summary>The complainant's full phone number (to call back): the staff who work the complaint, i.e. its handling agency's handlers and supervisors.</summary>
    public static bool MayRevealPhone(StaffMember s, int? handlingAgencyId) => handlingAgencyId == s.AgencyId && s.HandlesComplaints;

    /// <summary>Reply templates (常用语): handlers and supervisors use their agency's; supervisors keep them.</summary>
    public static bool MayUseReplyTemplates(StaffMember s) => s.HandlesComplaints;
    public static bool MayManageReplyTemplates(StaffMember s) => s.IsSupervisor;

    /// <summary>
    /// The member's access to a complaint, from the agency handling it and whether the member's agency is informed of
    /// it (a co-agency a rule informs, or the office an overdue complaint escalated to).
    /// </summary>
    /// <param name="informed">The member's agency is informed of the complaint, or is the handling agency's superior (<c>agencies.parent_id</c>), which oversees it (督办).</param>
    public static ComplaintAccess ForComplaint(StaffMember s, int? handlingAgencyId, bool informed) =>
        handlingAgencyId == s.AgencyId ? (s.HandlesComplaints ? ComplaintAccess.Act : ComplaintAccess.Read)
        : informed ? ComplaintAccess.Read
        : ComplaintAccess.None;
}

/// <summary>
/// The console's sign-in: a cookie (HttpOnly, SameSite=Strict) holding the member's id, security stamp and a server-side
/// session's token, all checked on every request (one indexed read); signing out revokes the session on the server.
/// </summary>
public static class ConsoleAuthentication
{
    public const string Scheme = "Console";
    public const string Policy = "ConsoleStaff";
    public const string CookieName = "ct_console";
    public const string StaffIdClaim = "staff_id";
    public const string StampClaim = "staff_stamp";

    public const string SessionClaim = "staff_session";
    public const string DeviceCookieName = "ct_console_device";

    private static ClaimsPrincipal Principal(StaffAccount a, string session) =>
        new(new ClaimsIdentity([new Claim(StaffIdClaim, a.Id.ToString()), new Claim(StampClaim, a.SecurityStamp), new Claim(SessionClaim, session),
            new Claim(ClaimTypes.Name, a.Username)], Scheme));

    /// <summary>Opens a server-side session for the member and gives the browser its cookie.</summary>
    public static async Task SignInAsync(HttpContext context, StaffAccounts accounts, StaffAccount account)
    {
        var session = await accounts.StartSessionAsync(account.Id, context.RequestAborted);
        await context.SignInAsync(Scheme, Principal(account, session));
    }

    /// <summary>Ends this request's session on the server (every copy of the cookie stops working) and clears the cookie.</summary>
    public static async Task SignOutAsync(HttpContext context, StaffAccounts accounts)
    {
        if (context.User.FindFirstValue(SessionClaim) is { } session) await accounts.EndSessionAsync(session, context.RequestAborted);
        await context.SignOutAsync(Scheme);
    }

    /// <summary>A sign-in attempt from this request (client address, known-device cookie); on success the session is opened and the device remembered.</summary>
    public static async Task<StaffAccounts.SignInResult> TrySignInAsync(HttpContext context, StaffAccounts accounts, string? username, string? password,
        IOptions<ConsoleOptions> options)
    {
        var result = await accounts.SignInAsync(username, password, context.Connection.RemoteIpAddress?.ToString(), context.Request.Cookies[DeviceCookieName],
            context.RequestAborted);
        if (result is StaffAccounts.SignedIn signedIn)
        {
            await SignInAsync(context, accounts, signedIn.Account);
            context.Response.Cookies.Append(DeviceCookieName, signedIn.Device, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/",
                MaxAge = TimeSpan.FromDays(options.Value.KnownDeviceDays), IsEssential = true,
            });
        }
        return result;
    }

    internal static void Configure(CookieAuthenticationOptions o, ConsoleOptions options)
    {
        o.Cookie.Name = CookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.Cookie.Path = "/";
        o.ExpireTimeSpan = TimeSpan.FromHours(options.SessionHours);
        o.SlidingExpiration = true;
        o.LoginPath = "/console/login";
        o.AccessDeniedPath = "/console/forbidden";
        o.Events.OnValidatePrincipal = async ctx =>
        {
            var id = ctx.Principal?.FindFirstValue(StaffIdClaim);
            var stamp = ctx.Principal?.FindFirstValue(StampClaim);
            var session = ctx.Principal?.FindFirstValue(SessionClaim);
            var accounts = ctx.HttpContext.RequestServices.GetRequiredService<StaffAccounts>();
            var member = int.TryParse(id, out var staffId) && stamp is not null && session is not null
                ? await accounts.ResolveAsync(staffId, stamp, session, ctx.HttpContext.RequestAborted)
                : null;
            if (member is null)
            {
                // Signed out, past the session's absolute end, disabled, deleted, or the password/role changed since this cookie was issued.
                ctx.RejectPrincipal();
                await ctx.HttpContext.SignOutAsync(Scheme);
                return;
            }
            ConsoleAccess.SetStaff(ctx.HttpContext, member);
        };
        o.Events.OnRedirectToLogin = ctx => IsApi(ctx.Request)
            ? Problem.Of(401, "console-sign-in-required", "Sign-in required", "请先登录管理后台（POST /api/console/session）。").ExecuteAsync(ctx.HttpContext)
            : Redirect(ctx);
        o.Events.OnRedirectToAccessDenied = ctx => IsApi(ctx.Request)
            ? Problem.Of(403, "console-forbidden", "Not allowed", "您的角色不能使用这项功能。").ExecuteAsync(ctx.HttpContext)
            : Redirect(ctx);
    }

    private static Task Redirect<T>(RedirectContext<T> ctx) where T : AuthenticationSchemeOptions
    {
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    private static bool IsApi(HttpRequest r) => r.Path.StartsWithSegments("/api");
}
