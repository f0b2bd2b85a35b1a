using CylinderTrace.Cylinders;
using System.Reflection;
using CylinderTrace.Complaints.Handling;
using CylinderTrace.Complaints.Routing;
using CylinderTrace.Console.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Console;

/// <summary>
/// The console's server-rendered pages under /console (Razor components, no front-end build): sign-in,
/// password, the queue, a complaint with its actions, the team view, the member's account and staff
/// administration. Forms post with an antiforgery token and redirect back (post/redirect/get).
/// </summary>
public static class ConsolePages
{
    private static readonly byte[] Stylesheet = ReadStylesheet();

    public static IEndpointRouteBuilder MapConsolePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/console.css", (HttpContext c) =>
        {
            c.Response.Headers.CacheControl = "public, max-age=3600";
            return TypedResults.File(Stylesheet, "text/css; charset=utf-8");
        }).ExcludeFromDescription();

        // Every form post of the console is checked for its antiforgery token, whether or not the handler reads the form
        // (minimal APIs check by themselves only where a handler binds form data).
        var open = app.MapGroup("/console").AddEndpointFilter<PageHeaders>().AddEndpointFilter<FormTokenGate>()
            .WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        open.MapGet("/login", (string? returnUrl) => Page<LoginPage>(new() { ["ReturnUrl"] = LocalReturnUrl(returnUrl) }));
        open.MapPost("/login", SignInAsync);

        var pages = app.MapGroup("/console").RequireAuthorization(ConsoleAuthentication.Policy).AddEndpointFilter<PageHeaders>()
            .AddEndpointFilter<InitialPasswordGate>().AddEndpointFilter<FormTokenGate>().WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        pages.MapPost("/logout", async (HttpContext c, StaffAccounts accounts) =>
        {
            await ConsoleAuthentication.SignOutAsync(c, accounts);
            return TypedResults.Redirect("/console/login");
        }).WithMetadata(InitialPasswordGate.Allowed);
        pages.MapGet("/password", (HttpContext c, IOptions<ConsoleOptions> o) =>
            Page<PasswordPage>(new() { ["Me"] = ConsoleAccess.Staff(c), ["MinLength"] = o.Value.MinPasswordLength })).WithMetadata(InitialPasswordGate.Allowed);
        pages.MapPost("/password", ChangePasswordAsync).WithMetadata(InitialPasswordGate.Allowed);
        pages.MapGet("/forbidden", (HttpContext c) => Message(ConsoleAccess.Staff(c), 403, "无权访问", "您的角色不能使用这项功能。"));

        pages.MapGet("/", QueueAsync);
        pages.MapGet("/complaints/{number}", ComplaintAsync);
        pages.MapGet("/complaints/{number}/photos/{photoId}", async (string number, string photoId, HttpContext c, ConsoleDesk desk, CancellationToken ct) =>
        {
            var photo = await desk.PhotoAsync(ConsoleAccess.Staff(c), number, photoId, ct);
            if (photo is null) return (IResult)Message(ConsoleAccess.Staff(c), 404, "没有这张照片", "照片不存在，或不属于本单位可以查看的投诉。");
            return Complaints.Photos.PhotoStore.Serve(c, photo.Value);
        });
        pages.MapPost("/complaints/{number}/{action}", ActAsync);

        pages.MapGet("/team", async (HttpContext c, ConsoleDesk desk, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MaySeeTeam(me)) return Message(me, 403, "无权访问", "只有科室负责人可以查看本单位各人员的办理量。");
            return Page<TeamPage>(new() { ["Me"] = me, ["Team"] = await desk.Handling.TeamAsync(me.AgencyId, ct) });
        });
        pages.MapGet("/scan-rates", async (HttpContext c, ConsoleScanRates rates, string? dimension, string? period, string? date, string? subject, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            var (query, error) = rates.Parse(dimension, period, date, subject);
            if (query is null) return Message(me, 400, "查询条件有误", error!);
            return Page<ScanRatesPage>(new() { ["Me"] = me, ["View"] = await rates.ViewAsync(me, query, all: false, ct) });
        });
        pages.MapGet("/scan-rates.csv", async (HttpContext c, ConsoleScanRates rates, string? dimension, string? period, string? date, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            var (query, error) = rates.Parse(dimension, period, date, null);
            if (query is null) return (IResult)Message(me, 400, "查询条件有误", error!);
            var view = await rates.ViewAsync(me, query, all: true, ct);
            return TypedResults.File(ConsoleScanRates.Csv(view), "text/csv; charset=utf-8", $"scan-rates-{view.Dimension}-{view.Period}-{Ui.Date(view.Start)}.csv");
        });
        pages.MapGet("/cylinders", (HttpContext c, string? code) =>
        {
            if (string.IsNullOrWhiteSpace(code)) return (IResult)Page<CylinderFilePage>(new() { ["Me"] = ConsoleAccess.Staff(c) });
            return CylinderCode.TryNormalise(code, out var normal) && normal is not null
                ? TypedResults.Redirect("/console/cylinders/" + normal)
                : Page<CylinderFilePage>(new() { ["Me"] = ConsoleAccess.Staff(c), ["Error"] = "气瓶码格式不对。" + CylinderCode.Rule }, 400);
        });
        pages.MapGet("/cylinders/{code}", (string code, HttpContext c, ConsoleDesk desk, Supervision.DetentionOrders orders, IOptions<Supervision.SupervisionOptions> o,
            CancellationToken ct) => CylinderFileAsync(c, desk, orders, o.Value, code, null, 200, ct));
        pages.MapPost("/cylinders/{code}/detentions", async (string code, HttpContext c, IFormCollection form, ConsoleDesk desk, Supervision.DetentionOrders orders,
            IOptions<Supervision.SupervisionOptions> o, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayDetain(me)) return Message(me, 403, "无权访问", "只有执法检查人员可以下达扣瓶令。");
            if (form.Files.Count > Supervision.DetentionOrders.MaxPhotos)
                return await CylinderFileAsync(c, desk, orders, o.Value, code, $"最多上传{Supervision.DetentionOrders.MaxPhotos}张照片。", 400, ct);
            var ids = new List<string>();
            foreach (var file in form.Files)
            {
                if (file.Length == 0) continue;
                if (file.Length > Supervision.DetentionOrders.MaxPhotoBytes)
                    return await CylinderFileAsync(c, desk, orders, o.Value, code, $"照片 {file.FileName} 超过{Supervision.DetentionOrders.MaxPhotoBytes / 1024 / 1024}MB。", 400, ct);
                using var buffer = new MemoryStream();
                await file.CopyToAsync(buffer, ct);
                var upload = await orders.UploadPhotoAsync(me.Id, buffer.ToArray(), ct);
                if (upload is not Complaints.Photos.PhotoStore.Stored stored)
                    return await CylinderFileAsync(c, desk, orders, o.Value, code, $"{file.FileName}：{((Complaints.Photos.PhotoRefused)upload).Detail}", 400, ct);
                ids.Add(stored.Id);
            }
            var hours = int.TryParse(form["deadlineHours"], out var h) ? h : (int?)null;
            var result = await orders.IssueAsync(me.Id, me.AgencyId, new Supervision.NewDetention(code, form["hazard"], hours, form["responsibility"], ids), ct);
            return result switch
            {
                Supervision.DetentionResult.Done d => TypedResults.Redirect($"/console/detentions/{d.Order.Number}?done=issued"),
                Supervision.DetentionResult.Invalid i => await CylinderFileAsync(c, desk, orders, o.Value, code, string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400, ct),
                Supervision.DetentionResult.Conflict x => await CylinderFileAsync(c, desk, orders, o.Value, code, x.Message, 409, ct),
                _ => await CylinderFileAsync(c, desk, orders, o.Value, code, "没有这个气瓶。", 404, ct),
            };
        });
        pages.MapGet("/detentions", async (HttpContext c, Supervision.DetentionOrders orders, bool? open, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            return Page<DetentionsPage>(new() { ["Me"] = me, ["Orders"] = await orders.ListAsync(me.AgencyId, null, open ?? true, ct), ["Open"] = open ?? true });
        });
        pages.MapGet("/detentions/{order}", (string order, HttpContext c, Supervision.DetentionOrders orders, string? done, CancellationToken ct) =>
            DetentionPageAsync(c, orders, order, done switch { "issued" => "扣瓶令已下达，气瓶已标记为扣押，责任企业已收到通知。", "closed" => "已确认处置并结案。", _ => null }, null, 200, ct));
        pages.MapPost("/detentions/{order}/dispose", async (string order, HttpContext c, IFormCollection form, Supervision.DetentionOrders orders, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayDetain(me)) return Message(me, 403, "无权访问", "只有执法检查人员可以确认处置。");
            return await orders.DisposeAsync(me.Id, me.AgencyId, order, form["disposal"], form["note"], ct) switch
            {
                Supervision.DetentionResult.Done d => TypedResults.Redirect($"/console/detentions/{d.Order.Number}?done=closed"),
                Supervision.DetentionResult.Invalid i => await DetentionPageAsync(c, orders, order, null, string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400, ct),
                Supervision.DetentionResult.Conflict x => await DetentionPageAsync(c, orders, order, null, x.Message, 409, ct),
                _ => Message(me, 404, "没有这个扣瓶令", "本单位没有这个扣瓶令。"),
            };
        });
        pages.MapGet("/detentions/{order}/photos/{sha}", async (string order, string sha, HttpContext c, Supervision.DetentionOrders orders,
            Complaints.Photos.PhotoStore photos, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            var o = await orders.GetAsync(order, ct);
            if (o is null || !ConsoleAccess.MaySeeDetention(me, o.AgencyId) || !o.Photos.Contains(sha.ToLowerInvariant()))
                return (IResult)Message(me, 404, "没有这张照片", "照片不存在，或不属于本单位的扣瓶令。");
            var file = await photos.FindAsync(sha.ToLowerInvariant(), ct);
            if (file is null) return Message(me, 404, "没有这张照片", "照片文件不存在。");
            return Complaints.Photos.PhotoStore.Serve(c, file.Value);
        });
        pages.MapGet("/digests", async (HttpContext c, Supervision.Digests digests, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            return Page<DigestsPage>(new() { ["Me"] = me, ["Digests"] = await digests.ListAsync(me.AgencyId, ct), ["Settings"] = await digests.SettingsAsync(me.AgencyId, ct) });
        });
        pages.MapGet("/digests/{id:long}", async (long id, HttpContext c, Supervision.Digests digests, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (await digests.GetAsync(me.AgencyId, id, ct) is not { } d) return (IResult)Message(me, 404, "没有这份报告", "本单位没有这份摘要报告。");
            // The archived page carries its own <style> block (it is also the e-mail's body); still no scripts.
            c.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
            return TypedResults.Content(d.Html, "text/html; charset=utf-8");
        });
        pages.MapGet("/digests/{id:long}.csv", async (long id, HttpContext c, Supervision.Digests digests, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (await digests.GetAsync(me.AgencyId, id, ct) is not { } d) return (IResult)Message(me, 404, "没有这份报告", "本单位没有这份摘要报告。");
            return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(d.Csv), "text/csv; charset=utf-8", $"digest-{d.Summary.Kind}-{d.Summary.PeriodStart:yyyyMMdd}.csv");
        });
        pages.MapGet("/scores", async (HttpContext c, ConsoleScanRates rates, Supervision.EnterpriseScores scores, IOptions<Supervision.ScoreOptions> o, string? period,
            CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            period = period == Supervision.EnterpriseScores.Month ? period : Supervision.EnterpriseScores.Rolling;
            var agencyDistrict = await rates.AgencyDistrictAsync(me.AgencyId, ct);
            var districts = ConsoleAccess.RateDistricts(agencyDistrict);
            return Page<ScoresPage>(new()
            {
                ["Me"] = me, ["Scores"] = await scores.LatestAsync(period, districts, ct), ["Period"] = period, ["Options"] = o.Value,
                ["Jurisdiction"] = districts is null ? "全市" : Ui.Districts.FirstOrDefault(d => d.Code == agencyDistrict).Label ?? agencyDistrict,
            });
        });
        pages.MapGet("/scores/{enterpriseId:int}", async (int enterpriseId, HttpContext c, ConsoleScanRates rates, Supervision.EnterpriseScores scores, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            var districts = ConsoleAccess.RateDistricts(await rates.AgencyDistrictAsync(me.AgencyId, ct));
            var rolling = await scores.HistoryAsync(enterpriseId, Supervision.EnterpriseScores.Rolling, 90, ct);
            if (rolling.Count == 0 || (districts is not null && !districts.Contains(rolling[^1].DistrictCode)))
                return Message(me, 404, "没有这家企业的评分", "本单位辖区内没有这家企业的评分。");
            var latest = rolling[^1];
            return Page<ScorePage>(new()
            {
                ["Me"] = me, ["Latest"] = latest, ["Rolling"] = rolling, ["Months"] = await scores.HistoryAsync(enterpriseId, Supervision.EnterpriseScores.Month, 12, ct),
                ["Changes"] = await scores.GradeChangesAsync(enterpriseId, ct),
                ["Lowering"] = await scores.LoweringRecordsAsync(enterpriseId, latest.PeriodStart, latest.PeriodEnd, ct),
            });
        });
        pages.MapPost("/commercial-invites", async (HttpContext c, IFormCollection form, ConsoleScanRates rates, Commercial.CommercialMembers members,
            IOptions<Commercial.CommercialOptions> options, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayInviteRestaurants(me)) return Message(me, 403, "无权访问", "只有系统管理员可以为商户生成邀请码。");
            var role = form["role"].ToString() is "staff" ? "staff" : "owner";
            if (!long.TryParse(form["customerId"], out var customerId)) return Message(me, 400, "没有商户编号", "请从商户扫码率列表中选择商户。");
            var districts = ConsoleAccess.RateDistricts(await rates.AgencyDistrictAsync(me.AgencyId, ct));
            return await members.InviteByIdAsync(customerId, districts, role, me.Actor, ct) switch
            {
                Commercial.CommercialMembers.Invited i => Message(me, 200, "商户邀请码",
                    $"邀请码：{i.Code}（{(role == "owner" ? "负责人" : "扫码人员")}，一次有效，{Ui.Time(Platform.Time.ShanghaiTime.ToLocal(i.ExpiresAt))} 前使用）。" +
                    "请交给商户：在小程序“商户进货扫码”中输入邀请码绑定。邀请码只显示这一次。"),
                Commercial.CommercialMembers.NotCommercial => Message(me, 400, "不是商户", "这是居民用户，不需要进货扫码。"),
                _ => Message(me, 404, "没有这个商户", "本单位辖区内没有这个商户。"),
            };
        });
        pages.MapGet("/account", (HttpContext c, string? done) =>
            Page<AccountPage>(new() { ["Me"] = ConsoleAccess.Staff(c), ["Notice"] = done == "unbound" ? "已解除微信绑定。" : null }));
        pages.MapPost("/account/wechat-code", async (HttpContext c, StaffAccounts accounts, TimeProvider clock) =>
        {
            var me = ConsoleAccess.Staff(c);
            var (code, ttl) = await accounts.NewBindCodeAsync(me.Id);
            return Page<AccountPage>(new() { ["Me"] = me, ["BindCode"] = new BindCodeView(code, clock.GetUtcNow() + ttl, ConsoleApi.BindInstruction(code, ttl)) });
        });
        pages.MapPost("/account/wechat-unbind", async (HttpContext c, StaffAccounts accounts, CancellationToken ct) =>
        {
            await accounts.UnbindWeChatAsync(ConsoleAccess.Staff(c).Id, ct);
            return TypedResults.Redirect("/console/account?done=unbound");
        });

        pages.MapGet("/staff", (HttpContext c, ConsoleDesk desk, StaffAccounts accounts, TimeProvider clock, CancellationToken ct) =>
            StaffPageAsync(c, desk, accounts, clock, null, null, 200, ct));
        pages.MapPost("/staff", async (HttpContext c, IFormCollection form, StaffAccounts accounts, ConsoleDesk desk, TimeProvider clock, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (ConsoleAccess.StaffAdministration(me) is not { } scope) return Message(me, 403, "无权访问", ConsoleApi.StaffOnly);
            var result = await accounts.CreateAsync(scope, form["username"], form["displayName"], form["role"], form["agency"], null, ct);
            return result is StaffAccounts.Created created
                ? await StaffPageAsync(c, desk, accounts, clock, $"已创建账号 {form["username"]}，初始密码：{created.InitialPassword}（只显示这一次，请当面或电话告知本人；首次登录须修改）。", null, 200, ct)
                : await StaffPageAsync(c, desk, accounts, clock, null, string.Join(" ", ((StaffAccounts.CreateRefused)result).Errors.Values.SelectMany(v => v)), 400, ct);
        });
        pages.MapPost("/staff/{id:int}/reset", async (int id, HttpContext c, StaffAccounts accounts, ConsoleDesk desk, TimeProvider clock, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (ConsoleAccess.StaffAdministration(me) is not { } scope) return Message(me, 403, "无权访问", ConsoleApi.StaffOnly);
            var password = await accounts.ResetPasswordAsync(scope, id, ct);
            return password is null
                ? await StaffPageAsync(c, desk, accounts, clock, null, "本单位没有这个账号。", 404, ct)
                : await StaffPageAsync(c, desk, accounts, clock, $"密码已重置，新的初始密码：{password}（只显示这一次）。", null, 200, ct);
        });
        pages.MapPost("/staff/{id:int}/{state:regex(^(enable|disable)$)}", async (int id, string state, HttpContext c, StaffAccounts accounts, ConsoleDesk desk, TimeProvider clock, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (ConsoleAccess.StaffAdministration(me) is not { } scope) return Message(me, 403, "无权访问", ConsoleApi.StaffOnly);
            var a = await accounts.FindAsync(scope, id, ct);
            if (a is null) return await StaffPageAsync(c, desk, accounts, clock, null, "本单位没有这个账号。", 404, ct);
            return await accounts.UpdateAsync(me, scope, id, a.DisplayName, a.Role, a.AgencyCode, state == "disable", ct) switch
            {
                StaffAccounts.Updated => await StaffPageAsync(c, desk, accounts, clock, state == "disable" ? $"已停用 {a.Username}。" : $"已启用 {a.Username}。", null, 200, ct),
                StaffAccounts.SelfChangeRefused self => await StaffPageAsync(c, desk, accounts, clock, null, self.Message, 409, ct),
                StaffAccounts.UpdateRefused e => await StaffPageAsync(c, desk, accounts, clock, null, string.Join(" ", e.Errors.Values.SelectMany(v => v)), 400, ct),
                _ => await StaffPageAsync(c, desk, accounts, clock, null, "本单位没有这个账号。", 404, ct),
            };
        });
        pages.MapGet("/routing-rules", (HttpContext c, string? category, RoutingRules rules, ConsoleDesk desk, CancellationToken ct) =>
            RulesPageAsync(c, rules, desk, category, null, null, ct));
        pages.MapPost("/routing-rules", async (HttpContext c, IFormCollection form, RoutingRules rules, ConsoleDesk desk, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayAdministerRouting(me)) return Message(me, 403, "无权访问", ConsoleApi.RoutingOnly);
            var input = new RoutingRuleInput(form["category"], form["district"], form["agency"],
                int.TryParse(form["deadlineHours"], out var h) ? h : null, form["informs"].ToString().Split([',', '，', ' '], StringSplitOptions.RemoveEmptyEntries));
            return await rules.SaveAsync(input, me.Actor, ct) switch
            {
                RoutingRules.Saved saved => await RulesPageAsync(c, rules, desk, saved.Rule.Category,
                    $"已保存：{saved.Rule.CategoryLabel} · {saved.Rule.DistrictName} → {saved.Rule.AgencyName}，时限{saved.Rule.DeadlineHours}小时。", null, ct),
                RoutingRules.Refused refused => await RulesPageAsync(c, rules, desk, input.Category, null, string.Join(" ", refused.Errors.Values.SelectMany(v => v)), ct),
                _ => throw new InvalidOperationException(),
            };
        });
        pages.MapPost("/routing-rules/{id:int}/delete", async (int id, HttpContext c, RoutingRules rules, ConsoleDesk desk, CancellationToken ct) =>
        {
            var me = ConsoleAccess.Staff(c);
            if (!ConsoleAccess.MayAdministerRouting(me)) return Message(me, 403, "无权访问", ConsoleApi.RoutingOnly);
            return await rules.DeleteAsync(id, me.Actor, ct) switch
            {
                true => await RulesPageAsync(c, rules, desk, null, "规则已删除；这类投诉改按全市默认规则分派。", null, ct),
                false => await RulesPageAsync(c, rules, desk, null, null, "全市默认规则只能修改，不能删除。", ct),
                null => await RulesPageAsync(c, rules, desk, null, null, "没有这条规则。", ct),
            };
        });
        return app;
    }

    private static async Task<IResult> RulesPageAsync(HttpContext c, RoutingRules rules, ConsoleDesk desk, string? category, string? notice, string? error, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(c);
        if (!ConsoleAccess.MayReadRouting(me)) return Message(me, 403, "无权访问", ConsoleApi.RoutingReadOnly);
        return Page<RoutingRulesPage>(new()
        {
            ["Me"] = me, ["Rules"] = await rules.ListAsync(category, null, ct), ["Agencies"] = await desk.AgenciesAsync(ct), ["Category"] = category,
            ["Notice"] = notice, ["Error"] = error, ["MayEdit"] = ConsoleAccess.MayAdministerRouting(me),
        }, error is null ? 200 : 400);
    }

    private static RazorComponentResult Page<T>(Dictionary<string, object?> parameters, int status = 200) where T : Microsoft.AspNetCore.Components.IComponent =>
        new RazorComponentResult<T>(parameters) { StatusCode = status };

    private static RazorComponentResult Message(StaffMember? me, int status, string title, string text) =>
        Page<MessagePage>(new() { ["Me"] = me, ["Title"] = title, ["Text"] = text }, status);

    private static async Task<IResult> SignInAsync(HttpContext context, IFormCollection form, StaffAccounts accounts, IOptions<ConsoleOptions> options)
    {
        var username = form["username"].ToString();
        var returnUrl = LocalReturnUrl(form["returnUrl"].ToString());
        switch (await ConsoleAuthentication.TrySignInAsync(context, accounts, username, form["password"], options))
        {
            case StaffAccounts.SignedIn s:
                return TypedResults.Redirect(s.Account.MustChangePassword ? "/console/password" : returnUrl ?? "/console");
            case StaffAccounts.Throttled t:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(t.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Page<LoginPage>(new() { ["Username"] = username, ["ReturnUrl"] = returnUrl, ["Error"] = ConsoleApi.ThrottledText(t.RetryAfter) }, 429);
            default:
                return Page<LoginPage>(new() { ["Username"] = username, ["ReturnUrl"] = returnUrl, ["Error"] = "用户名或密码不正确。" }, 401);
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

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, IFormCollection form, StaffAccounts accounts, StaffStore store,
        IOptions<ConsoleOptions> options, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        if (await accounts.ChangePasswordAsync(me.Id, form["current"], form["next"], ct) is { } problem)
            return Page<PasswordPage>(new() { ["Me"] = me, ["Error"] = problem, ["MinLength"] = options.Value.MinPasswordLength }, 400);
        // The stamp changed, which ends every other session; this one gets a fresh session and cookie.
        await ConsoleAuthentication.SignOutAsync(context, accounts);
        await ConsoleAuthentication.SignInAsync(context, accounts, (await store.FindAsync(me.Id, ct))!);
        return TypedResults.Redirect("/console");
    }

    private static async Task<IResult> QueueAsync(HttpContext context, ConsoleDesk desk, string? scope, string? state, string? category, string? district,
        string? due, string? claim, int? page, string? q, string? done, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        var filter = new QueueFilter(scope == "informed", state, category, district, due, claim, Math.Clamp(page ?? 1, 1, 100_000), q);
        return Page<QueuePage>(new()
        {
            ["Me"] = me, ["Filter"] = filter, ["Page"] = await desk.QueueAsync(me, filter, ct), ["Notice"] = done is null ? null : DoneNotices.GetValueOrDefault(done),
        });
    }

    private static readonly Dictionary<string, string> DoneNotices = new()
    {
        ["claim"] = "已认领，投诉人将看到“正在处理”。", ["release"] = "已取消认领。", ["notes"] = "备注已添加。",
        ["information-request"] = "已请投诉人补充材料，并通过微信通知。", ["transfer"] = "已转办，这件投诉已离开本单位队列。",
        ["duplicate"] = "已标记为重复投诉。", ["resolve"] = "已办结，答复已推送给投诉人。", ["reject"] = "已退回，理由已告知投诉人。",
    };

    private static async Task<IResult> ComplaintAsync(string number, string? done, HttpContext context, ConsoleDesk desk, CancellationToken ct) =>
        await ComplaintPageAsync(context, desk, number, done is not null ? DoneNotices.GetValueOrDefault(done) : null, null, 200, ct);

    private static async Task<IResult> ComplaintPageAsync(HttpContext context, ConsoleDesk desk, string number, string? notice, string? error, int status, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        var view = await desk.ComplaintAsync(me, number, ct);
        if (view is null) return Message(me, 404, "没有这件投诉", $"本单位没有投诉 {(number.Length > 30 ? number[..30] : number)}。");
        var cylinder = await desk.CylinderAsync(view, ct);
        var agencies = view.Actions.Contains("transfer") ? await desk.AgenciesAsync(ct) : [];
        return Page<ComplaintPage>(new()
        {
            ["Me"] = me, ["View"] = view, ["Cylinder"] = cylinder, ["Agencies"] = agencies, ["Notice"] = notice, ["Error"] = error,
        }, status);
    }

    private static async Task<IResult> ActAsync(string number, string action, HttpContext context, IFormCollection form, ConsoleDesk desk, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(context);
        string? F(string name) => form.TryGetValue(name, out var v) ? v.ToString() : null;
        Func<Handler, long, Task<HandlingOutcome>>? run = action switch
        {
            "claim" => (h, id) => desk.Handling.ClaimAsync(id, h, ct),
            "release" => (h, id) => desk.Handling.ReleaseAsync(id, h, ct),
            "notes" => (h, id) => desk.Handling.NoteAsync(id, h, F("text"), ct),
            "information-request" => (h, id) => desk.Handling.AskForInformationAsync(id, h, F("question"), ct),
            "transfer" => (h, id) => desk.TransferAsync(id, h, F("agency"), F("reason"), ct),
            "duplicate" => (h, id) => desk.Handling.MarkDuplicateAsync(id, h, F("of"), ct),
            "resolve" => (h, id) => desk.Handling.ResolveAsync(id, h, F("outcome"), F("reply"), ct),
            "reject" => (h, id) => desk.Handling.RejectAsync(id, h, F("reason"), F("suggestion"), ct),
            _ => null,
        };
        if (run is null) return Message(me, 404, "没有这项操作", $"“{action}”不是投诉的办理操作。");
        var outcome = await desk.ActAsync(me, number, run, ct);
        return outcome switch
        {
            // A transferred complaint is no longer ours to show: back to the queue.
            HandlingOutcome.Done when action == "transfer" => TypedResults.Redirect("/console?done=transfer"),
            HandlingOutcome.Done => TypedResults.Redirect($"/console/complaints/{Uri.EscapeDataString(number)}?done={action}"),
            HandlingOutcome.Conflict c => await ComplaintPageAsync(context, desk, number, null, c.Message, 409, ct),
            HandlingOutcome.Invalid i => await ComplaintPageAsync(context, desk, number, null, string.Join(" ", i.Errors.Values.SelectMany(v => v)), 400, ct),
            ConsoleDesk.ReadOnly => await ComplaintPageAsync(context, desk, number, null, "本单位只能查看这件投诉，不能办理。", 403, ct),
            _ => Message(me, 404, "没有这件投诉", $"本单位没有投诉 {(number.Length > 30 ? number[..30] : number)}。"),
        };
    }

    private static async Task<IResult> CylinderFileAsync(HttpContext c, ConsoleDesk desk, Supervision.DetentionOrders orders, Supervision.SupervisionOptions options,
        string code, string? error, int status, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(c);
        if (!CylinderCode.TryNormalise(code, out var normal) || normal is null)
            return Page<CylinderFilePage>(new() { ["Me"] = me, ["Error"] = "气瓶码格式不对。" + CylinderCode.Rule }, 400);
        var (cylinder, id) = await desk.CylinderFileAsync(normal, ct);
        return Page<CylinderFilePage>(new()
        {
            ["Me"] = me, ["Cylinder"] = cylinder, ["Orders"] = id is long cid ? await orders.ForCylinderAsync(cid, ct) : [],
            ["MayDetain"] = ConsoleAccess.MayDetain(me), ["DefaultHours"] = options.DetentionDeadlineHours, ["Error"] = error,
        }, status);
    }

    private static async Task<IResult> DetentionPageAsync(HttpContext c, Supervision.DetentionOrders orders, string number, string? notice, string? error, int status,
        CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(c);
        var order = await orders.GetAsync(number, ct);
        if (order is null || !ConsoleAccess.MaySeeDetention(me, order.AgencyId))
            return Message(me, 404, "没有这个扣瓶令", "本单位没有这个扣瓶令。");
        return Page<DetentionPage>(new()
        {
            ["Me"] = me, ["Order"] = order, ["MayDispose"] = ConsoleAccess.MayDetain(me), ["Notice"] = notice, ["Error"] = error,
        }, status);
    }

    private static async Task<IResult> StaffPageAsync(HttpContext c, ConsoleDesk desk, StaffAccounts accounts, TimeProvider clock, string? notice, string? error,
        int status, CancellationToken ct)
    {
        var me = ConsoleAccess.Staff(c);
        if (ConsoleAccess.StaffAdministration(me) is not { } scope) return Message(me, 403, "无权访问", ConsoleApi.StaffOnly);
        var now = clock.GetUtcNow().UtcDateTime;
        var agencies = await desk.AgenciesAsync(ct);
        return Page<StaffPage>(new()
        {
            ["Me"] = me, ["Staff"] = (await accounts.ListAsync(scope, ct)).Select(a => ConsoleApi.StaffView(a, now)).ToList(),
            ["Agencies"] = agencies.Where(a => scope.Covers(a.Id)).ToList(), ["CityWide"] = scope.AgencyId is null, ["Notice"] = notice, ["Error"] = error,
        }, status);
    }

    private static byte[] ReadStylesheet()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CylinderTrace.Console.Pages.console.css")
            ?? throw new InvalidOperationException("console.css is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Every state-changing request to the pages carries a valid form token (the antiforgery middleware checks it for
    /// the whole group; minimal APIs reject a bad one by themselves only where a handler binds the form, so this gate
    /// rejects it everywhere else).
    /// </summary>
    private sealed class FormTokenGate : IEndpointFilter
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
                : Message(ConsoleAccess.TryStaff(http), 400, "页面已过期", "表单已过期或不是从本系统页面提交的。请返回、刷新页面后重新提交。");
        }
    }

    /// <summary>
    /// Security headers of every console page: only our own stylesheet, images and form targets; no
    /// scripts at all (the pages have none); never framed; no referrer leaving the console.
    /// </summary>
    private sealed class PageHeaders : IEndpointFilter
    {
        public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var headers = context.HttpContext.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XContentTypeOptions = "nosniff";
            return next(context);
        }
    }
}
