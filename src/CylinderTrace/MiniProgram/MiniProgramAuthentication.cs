using System.Security.Claims;
using System.Text.Encodings.Web;
using CylinderTrace.Platform.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CylinderTrace.MiniProgram;

/// <summary>Authenticates `Authorization: Bearer &lt;session token&gt;` against <see cref="MiniProgramSessions"/>.</summary>
public sealed class MiniProgramAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    MiniProgramSessions sessions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "MiniProgram";
    public const string Policy = "MiniProgramUser";
    public const string UserIdClaim = "mp_user_id";
    public const string OpenIdClaim = "mp_openid";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var session = await sessions.FindAsync(header["Bearer ".Length..].Trim());
        if (session is null) return AuthenticateResult.Fail("unknown or expired session");
        var identity = new ClaimsIdentity([new Claim(UserIdClaim, session.UserId.ToString()), new Claim(OpenIdClaim, session.OpenId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = Problem.Of(StatusCodes.Status401Unauthorized, "session-required", "Sign-in required",
            "登录已失效，请重新进入小程序（重新调用 wx.login 并登录）。");
        await result.ExecuteAsync(Context);
    }
}

/// <summary>The signed-in Mini Program user of a request.</summary>
public static class MiniProgramUser
{
    public static long Id(this ClaimsPrincipal user) => long.Parse(user.FindFirstValue(MiniProgramAuthentication.UserIdClaim)!);
    public static string OpenId(this ClaimsPrincipal user) => user.FindFirstValue(MiniProgramAuthentication.OpenIdClaim)!;
}
