using System.Security.Claims;
using CylinderTrace.Complaints;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.OpenApi;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.RateLimiting;
using CylinderTrace.WeChat.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CylinderTrace.MiniProgram;

[ContractRequest]
public sealed record LoginRequest([property: ContractRequired] string? Code);
public sealed record LoginResponse(string Token, DateTimeOffset ExpiresAt);
public sealed record PhotoUploaded(string PhotoId, string ContentType, int Bytes);

/// <summary>The Mini Program's API (/api/mp): login, cylinder cards, complaints and their photos.</summary>
public static class MiniProgramApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapMiniProgramApi(this IEndpointRouteBuilder app)
    {
        var mp = app.MapGroup("/api/mp").WithTags("MiniProgram");
        mp.MapPost("/login", LoginAsync).WithName("MpLogin")
            .WithSummary("Exchange a wx.login code for a session token (send it as Authorization: Bearer <token>).")
            .Problems(400, "login-code-required", "login-code-invalid").Problems(403, "login-refused")
            .Problems(429, "login-rate-limited", "rate-limited").Problems(503, "wechat-unavailable");
        mp.MapGet("/cylinders/card", CardAsync).WithName("MpCylinderCard")
            .WithSummary("A cylinder's card by ?code=, ?qr= (what wx.scanCode returned) or ?scene= (a Mini Program code's scene).")
            .Problems(400, "invalid-cylinder-code").Problems(404, "cylinder-not-registered");
        mp.MapGet("/complaint-categories", () => TypedResults.Ok(ComplaintCategories.All)).WithName("MpComplaintCategories")
            .WithSummary("Complaint categories with their Chinese labels and what each requires.");

        const string SignedIn = " Requires Authorization: Bearer <token> from /api/mp/login.";
        var user = mp.MapGroup("").RequireAuthorization(MiniProgramAuthentication.Policy)
            .Problems(StatusCodes.Status401Unauthorized, "session-required");
        user.MapDelete("/session", LogoutAsync).WithName("MpLogout").WithSummary("Log out: revokes this session token." + SignedIn);
        user.MapPost("/complaints", FileComplaintAsync).WithName("MpFileComplaint")
            .WithSummary("File a complaint. Retry with the same Idempotency-Key to get the same complaint." + SignedIn)
            .Produces<ComplaintDetail>(StatusCodes.Status201Created)
            .Problems(400, "idempotency-key-required", "invalid-complaint").Problems(422, "idempotency-key-reused", "content-risky")
            .Problems(429, "rate-limited");
        user.MapGet("/complaints", MyComplaintsAsync).WithName("MpMyComplaints").WithSummary("My complaints, newest first, paged." + SignedIn)
            .Problems(400, "invalid-page");
        user.MapGet("/complaints/{number}", ComplaintAsync).WithName("MpComplaint").WithSummary("One of my complaints with its public timeline." + SignedIn)
            .Problems(404, "complaint-not-found");
        user.MapPost("/complaints/{number}/withdraw", WithdrawAsync).WithName("MpWithdrawComplaint")
            .WithSummary("Withdraw a complaint that is not yet being worked on." + SignedIn)
            .Problems(404, "complaint-not-found").Problems(409, "complaint-not-withdrawable");
        user.MapPost("/complaints/{number}/rating", RateAsync).WithName("MpRateComplaint")
            .WithSummary("Rate the outcome (1-5 and a comment) once resolved; once." + SignedIn)
            .Problems(400, "invalid-rating").Problems(404, "complaint-not-found").Problems(409, "complaint-not-ratable");
        user.MapPost("/complaints/{number}/information", SupplyInformationAsync).WithName("MpSupplyInformation")
            .WithSummary("Answer a handler's request for more information (text and/or photo ids) while the complaint is waiting_info." + SignedIn)
            .Problems(400, "invalid-information").Problems(404, "complaint-not-found").Problems(409, "complaint-not-waiting-info");
        user.MapPost("/photos", UploadPhotoAsync).WithName("MpUploadPhoto").DisableAntiforgery()
            .WithSummary("Upload a photo (wx.uploadFile, multipart field 'file'): JPEG, PNG or WebP, at most MiniProgram:MaxPhotoPixels pixels; " +
                         "stored re-encoded as JPEG (PNG and lossless WebP as PNG), upright, without any metadata (no location)." + SignedIn)
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<PhotoUploaded>(StatusCodes.Status201Created)
            .Problems(400, "invalid-multipart", "photo-required").Problems(413, "photo-too-large")
            .Problems(415, "photo-type-unsupported").Problems(422, "photo-too-many-pixels", "photo-unreadable")
            .Problems(429, "rate-limited");
        user.MapGet("/photos/{id}", PhotoAsync).WithName("MpPhoto").WithSummary("A photo I uploaded." + SignedIn)
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Problems(404, "photo-not-found");
        return app;
    }

    internal static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(LoginRequest body, HttpContext context,
        [FromKeyedServices(MiniProgramExtensions.AppKey)] WeChatApiClient wechat, MiniProgramUsers users, MiniProgramSessions sessions,
        RedisRateLimiter limiter, IOptions<MiniProgramOptions> options, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Code) || body.Code.Length > 128)
            return Problem.Of(400, "login-code-required", "Login code required", "缺少登录凭证：请先调用 wx.login，把得到的 code 发送过来。");
        var limit = await limiter.HitAsync("mp-login-ip", Ip(context), options.Value.LoginsPerIpPerMinute, TimeSpan.FromMinutes(1));
        if (!limit.Allowed) return RedisRateLimiter.TooMany(context, limit, "登录");
        CodeSession session;
        try
        {
            session = await wechat.Code2SessionAsync(body.Code.Trim(), ct);
        }
        catch (WeChatApiException ex)
        {
            return ex.Kind switch
            {
                WeChatErrorKind.InvalidCode => Problem.Of(400, "login-code-invalid", "Login code invalid",
                    "登录凭证无效或已使用（有效期5分钟、只能用一次）：请重新调用 wx.login 后再登录。"),
                WeChatErrorKind.RateLimited => Problem.Of(429, "login-rate-limited", "Too many logins", "登录太频繁，请稍后再试。"),
                WeChatErrorKind.HighRiskUser => Problem.Of(403, "login-refused", "Login refused", "微信判定当前账号存在风险，暂时无法登录。"),
                _ => Problem.Of(503, "wechat-unavailable", "WeChat unavailable", "暂时无法连接微信登录服务，请稍后再试。"),
            };
        }
        var userId = await users.SignInAsync(session.OpenId, session.UnionId, ct);
        var (token, expiresAt) = await sessions.CreateAsync(new MiniProgramSession(userId, session.OpenId), ct);
        return TypedResults.Ok(new LoginResponse(token, expiresAt));
    }

    internal static async Task<NoContent> LogoutAsync(HttpContext context, MiniProgramSessions sessions)
    {
        await sessions.RevokeAsync(context.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim());
        return TypedResults.NoContent();
    }

    /// <summary>
    /// ?code= a bare code, ?qr= what wx.scanCode returned, or ?scene= a Mini Program code's scene; latitude and longitude (optional,
    /// from wx.getLocation) place the scan of an unregistered code, which is kept as evidence of black gas.
    /// </summary>
    internal static Task<Results<Ok<CylinderCard>, ProblemHttpResult>> CardAsync(string? code, string? qr, string? scene, double? latitude, double? longitude,
        HttpContext http, CylinderCards cards, UnregisteredScans unregistered, CancellationToken ct) =>
        CylindersApi.GetCardByScan(code ?? qr, scene, latitude, longitude, http, cards, unregistered, ct);

    internal static async Task<IResult> FileComplaintAsync(NewComplaint body, [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey,
        HttpContext context, ClaimsPrincipal principal,
        ComplaintService complaints, RedisRateLimiter limiter, [FromKeyedServices(MiniProgramExtensions.AppKey)] WeChatApiClient wechat,
        IOptions<MiniProgramOptions> options, ILogger<ComplaintService> logger, CancellationToken ct)
    {
        var key = idempotencyKey ?? "";
        if (key.Length is < 8 or > 64 || key.Any(ch => !char.IsAsciiLetterOrDigit(ch) && ch is not ('-' or '_')))
            return Problem.Of(400, "idempotency-key-required", "Idempotency-Key required",
                "请在请求头 Idempotency-Key 中带上本次提交的唯一编号（8-64位字母、数字、-或_，例如 UUID），重试时使用同一个编号。");
        var userId = principal.Id();
        var o = options.Value;

        var result = await complaints.FileAsync(userId, key, body, async () =>
        {
            // Distinct idempotency keys are counted, so concurrent retries of one submission count once.
            var perUser = await limiter.HitAsync("mp-complaint-user", userId.ToString(), o.ComplaintsPerUserPerHour, TimeSpan.FromHours(1), key);
            if (!perUser.Allowed) return RedisRateLimiter.TooMany(context, perUser, "提交投诉");
            var perIp = await limiter.HitAsync("mp-complaint-ip", Ip(context), o.ComplaintsPerIpPerHour, TimeSpan.FromHours(1), $"{userId}:{key}");
            if (!perIp.Allowed) return RedisRateLimiter.TooMany(context, perIp, "提交投诉");
            if (o.ScreenContent && body.Description is { } text)
            {
                try
                {
                    var check = await wechat.CheckTextAsync(principal.OpenId(), text, 1, ct);
                    if (check.Suggest == "risky")
                        return Problem.Of(422, "content-risky", "Content refused", "投诉内容包含不允许的信息，请修改描述后再提交。");
                }
                catch (WeChatApiException ex)
                {
                    // Screening is a courtesy check: a complaint about a hazard is never refused because WeChat is away.
                    logger.LogWarning("Content screening skipped: {Error}", ex.Message);
                }
            }
            return null;
        }, ct);

        switch (result)
        {
            case ComplaintService.Created created:
                return TypedResults.Created($"/api/mp/complaints/{created.Complaint.Number}", created.Complaint);
            case ComplaintService.Replayed replayed:
                context.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Created($"/api/mp/complaints/{replayed.Complaint.Number}", replayed.Complaint);
            case ComplaintService.KeyReused reused:
                return Problem.Of(422, "idempotency-key-reused", "Idempotency-Key already used",
                    $"这个 Idempotency-Key 已用于投诉 {reused.Number}，但内容不同：新的投诉请使用新的编号。",
                    new Dictionary<string, object?> { ["complaintNumber"] = reused.Number });
            case ComplaintService.Invalid invalid:
                return Problem.Of(400, "invalid-complaint", "The complaint is incomplete", "投诉内容有误，请按提示修改后再提交。",
                    new Dictionary<string, object?> { ["errors"] = invalid.Errors });
            case ComplaintService.Refused refused:
                return refused.Response;
            default:
                throw new InvalidOperationException("unknown filing result " + result);
        }
    }

    internal static async Task<Results<Ok<ComplaintPage>, ProblemHttpResult>> MyComplaintsAsync(ClaimsPrincipal principal, ComplaintService complaints,
        CancellationToken ct, int page = 1, int pageSize = 20)
    {
        if (page < 1 || pageSize is < 1 or > 100)
            return Problem.Of(400, "invalid-page", "Invalid page", "page 从1开始，pageSize 为1到100。");
        return TypedResults.Ok(await complaints.PageAsync(principal.Id(), page, pageSize, ct));
    }

    internal static async Task<Results<Ok<ComplaintDetail>, ProblemHttpResult>> ComplaintAsync(string number, ClaimsPrincipal principal,
        ComplaintService complaints, CancellationToken ct)
    {
        var complaint = await complaints.GetAsync(principal.Id(), number, ct);
        return complaint is null ? NotFound(number) : TypedResults.Ok(complaint);
    }

    internal static async Task<Results<Ok<ComplaintDetail>, ProblemHttpResult>> WithdrawAsync(string number, ClaimsPrincipal principal,
        ComplaintService complaints, CancellationToken ct)
    {
        var done = await complaints.WithdrawAsync(principal.Id(), number, ct);
        if (done is null) return NotFound(number);
        if (done == false)
            return Problem.Of(409, "complaint-not-withdrawable", "Cannot withdraw now", "投诉已在办理中或已办结，不能撤回。");
        return TypedResults.Ok((await complaints.GetAsync(principal.Id(), number, ct))!);
    }

    internal static async Task<Results<Ok<ComplaintDetail>, ProblemHttpResult>> RateAsync(string number, ComplaintRating body, ClaimsPrincipal principal,
        ComplaintService complaints, CancellationToken ct)
    {
        if (body.Score is not (>= 1 and <= 5) || body.Comment?.Length > 500)
            return Problem.Of(400, "invalid-rating", "Invalid rating", "请给出1到5星的评价，评语不超过500字。");
        var done = await complaints.RateAsync(principal.Id(), number, body.Score.Value, body.Comment, ct);
        if (done is null) return NotFound(number);
        if (done == false)
            return Problem.Of(409, "complaint-not-ratable", "Cannot rate now", "投诉办结后才能评价，且只能评价一次。");
        return TypedResults.Ok((await complaints.GetAsync(principal.Id(), number, ct))!);
    }

    internal static async Task<Results<Ok<ComplaintDetail>, ProblemHttpResult>> SupplyInformationAsync(string number, SuppliedInformation body,
        ClaimsPrincipal principal, ComplaintService complaints, CancellationToken ct)
    {
        var result = await complaints.SupplyInformationAsync(principal.Id(), number, body, ct);
        if (result is null) return NotFound(number);
        if (result.Errors is { } errors)
            return Problem.Of(400, "invalid-information", "Nothing to add", "请按提示修改后再提交。", new Dictionary<string, object?> { ["errors"] = errors });
        if (!result.Done)
            return Problem.Of(409, "complaint-not-waiting-info", "Not waiting for information", "办理单位没有请您补充材料（或已经补充过了）。");
        return TypedResults.Ok((await complaints.GetAsync(principal.Id(), number, ct))!);
    }

    internal static async Task<IResult> UploadPhotoAsync(HttpContext context, ClaimsPrincipal principal, PhotoStore photos, RedisRateLimiter limiter,
        IOptions<MiniProgramOptions> options, CancellationToken ct)
    {
        var limit = await limiter.HitAsync("mp-photo-user", principal.Id().ToString(), options.Value.PhotosPerUserPerHour, TimeSpan.FromHours(1));
        if (!limit.Allowed) return RedisRateLimiter.TooMany(context, limit, "上传照片");
        var (data, problem) = await PhotoUploads.ReadAsync(context.Request, options.Value.MaxPhotoBytes, "请用 wx.uploadFile 以 multipart/form-data 上传照片，文件字段名为 file。", ct);
        if (data is null) return problem!;
        return await photos.SaveAsync(principal.Id(), data, ct) switch
        {
            PhotoStore.Stored stored => TypedResults.Created($"/api/mp/photos/{stored.Id}", new PhotoUploaded(stored.Id, stored.ContentType, stored.Bytes)),
            var refused => ((PhotoRefused)refused).Problem(),
        };
    }

    internal static async Task<IResult> PhotoAsync(string id, HttpContext context, ClaimsPrincipal principal, PhotoStore photos, CancellationToken ct)
    {
        if (id.Length != 64 || !id.All(char.IsAsciiHexDigit))
            return Problem.Of(404, "photo-not-found", "Photo not found", "没有这张照片。");
        var found = await photos.FindForUploaderAsync(principal.Id(), id.ToLowerInvariant(), ct);
        return found is { } f
            ? PhotoStore.Serve(context, f)
            : Problem.Of(404, "photo-not-found", "Photo not found", "没有这张照片。");
    }

    private static ProblemHttpResult NotFound(string number) =>
        Problem.Of(404, "complaint-not-found", "Complaint not found", $"没有找到您的投诉 {(number.Length > 30 ? number[..30] : number)}。");

    private static string Ip(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
