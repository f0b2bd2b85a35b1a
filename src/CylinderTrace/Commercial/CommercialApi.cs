using System.Security.Claims;
using CylinderTrace.Cylinders;
using CylinderTrace.MiniProgram;
using CylinderTrace.Platform.OpenApi;
using CylinderTrace.Platform.Problems;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Commercial;

[ContractRequest]
public sealed record BindRequest([property: ContractRequired] string? Code);

/// <summary>A receiving scan's answer: an outcome per recognised code, and the codes that are not cylinder codes.</summary>
/// <summary>Each code's outcome, the codes that could not be read, and the delivery's alert when any cylinder was unsafe or unmatched (null: none, or raised before).</summary>
public sealed record ScanAnswer(IReadOnlyList<ScanOutcome> Results, IReadOnlyList<string> InvalidCodes, DeliveryAlert? Alert = null);

/// <summary>The restaurant side of the Mini Program (/api/mp/commercial): bind with an invite, see memberships, scan received cylinders.</summary>
public static class CommercialApi
{
    public static IEndpointRouteBuilder MapCommercialApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/mp/commercial").RequireAuthorization(MiniProgramAuthentication.Policy).WithTags("commercial")
            .Problems(StatusCodes.Status401Unauthorized, "session-required");
        api.MapPost("/bind", BindAsync).WithName("MpCommercialBind")
            .WithSummary("Bind this user to a commercial customer (restaurant) with the invite code its supply station gave.")
            .Produces<Membership>().Problems(400, "invite-invalid");
        api.MapGet("/memberships", async (ClaimsPrincipal p, CommercialMembers members, CancellationToken ct) => TypedResults.Ok(await members.MembershipsAsync(p.Id(), ct)))
            .WithName("MpCommercialMemberships").WithSummary("The restaurants this user scans for.");
        api.MapGet("/{customerId:long}/rate", RateAsync).WithName("MpCommercialRate")
            .WithSummary("The restaurant's scan rate (today, last 7 and 30 days) and its unscanned deliveries of the last 7 days.")
            .Produces<RestaurantRate>().Problems(404, "commercial-customer-not-found");
        api.MapGet("/{customerId:long}/members", async (long customerId, ClaimsPrincipal p, CommercialMembers members, CancellationToken ct) =>
            await members.RoleAsync(p.Id(), customerId, ct) switch
            {
                "owner" => (IResult)TypedResults.Ok(await members.MembersAsync(p.Id(), customerId, ct)),
                null => NotYours(),
                _ => Problem.Of(403, "commercial-owner-only", "Owners only", "只有商户负责人可以查看和管理扫码人员。"),
            }).WithName("MpCommercialMembers").WithSummary("The restaurant's people (owner only).")
            .Produces<IReadOnlyList<CommercialMembers.Member>>().Problems(403, "commercial-owner-only").Problems(404, "commercial-customer-not-found");
        api.MapDelete("/{customerId:long}/members/{memberId:long}", async (long customerId, long memberId, ClaimsPrincipal p, CommercialMembers members, CancellationToken ct) =>
            await members.RoleAsync(p.Id(), customerId, ct) switch
            {
                "owner" => await members.RemoveStaffAsync(customerId, memberId, ct)
                    ? (IResult)TypedResults.NoContent()
                    : Problem.Of(404, "commercial-member-not-found", "No such staff member", "没有这名扫码人员（负责人本人不能在这里移除）。"),
                null => NotYours(),
                _ => Problem.Of(403, "commercial-owner-only", "Owners only", "只有商户负责人可以查看和管理扫码人员。"),
            }).WithName("MpCommercialRemoveMember").WithSummary("The owner removes a staff member from the restaurant.")
            .Produces(StatusCodes.Status204NoContent).Problems(403, "commercial-owner-only").Problems(404, "commercial-customer-not-found", "commercial-member-not-found");
        api.MapPost("/scans", ScanAsync).WithName("MpCommercialScan")
            .WithSummary("Receiving scan of the cylinders of one delivery for a restaurant this user belongs to; an outcome for each at once, and one alert for the delivery if any is unsafe or unmatched.")
            .Produces<ScanAnswer>().Problems(400, "invalid-scan").Problems(404, "commercial-customer-not-found");
        api.MapGet("/{customerId:long}/alerts", async (long customerId, ClaimsPrincipal p, ReceivingScans scans, DeliveryAlerts alerts, CancellationToken ct) =>
            await scans.MemberRestaurantAsync(p.Id(), customerId, ct) is null ? NotYours() : TypedResults.Ok(await alerts.ListAsync(customerId, null, ct)))
            .WithName("MpCommercialAlerts").WithSummary("The restaurant's delivery alerts, newest first (50), with their codes and the deliverer reported.")
            .Produces<IReadOnlyList<DeliveryAlert>>().Problems(404, "commercial-customer-not-found");
        api.MapPost("/{customerId:long}/alerts/{alertId:long}/deliverer", ReportDelivererAsync).WithName("MpCommercialReportDeliverer")
            .WithSummary("A member of the restaurant reports who delivered an alert's cylinders: permit number or name, vehicle plate, supplier on the receipt, photos.")
            .Produces<DeliveryAlert>().Problems(400, "invalid-deliverer-report").Problems(404, "commercial-customer-not-found", "delivery-alert-not-found");
        return app;
    }

    private static async Task<IResult> BindAsync(BindRequest body, ClaimsPrincipal principal, CommercialMembers members, CancellationToken ct)
    {
        var membership = await members.JoinAsync(principal.Id(), body.Code, ct);
        return membership is null
            ? Problem.Of(400, "invite-invalid", "Invite code not valid", "邀请码无效、已使用或已过期：请向您的签约供气站重新索取。")
            : TypedResults.Ok(membership);
    }

    private static async Task<IResult> ReportDelivererAsync(long customerId, long alertId, DelivererReport body, ClaimsPrincipal principal, ReceivingScans scans,
        DeliveryAlerts alerts, CancellationToken ct)
    {
        if (await scans.MemberRestaurantAsync(principal.Id(), customerId, ct) is null) return NotYours();
        return await alerts.ReportDelivererAsync(principal.Id(), customerId, alertId, body, ct) switch
        {
            DeliveryAlerts.ReportResult.Done d => TypedResults.Ok(d.Alert),
            DeliveryAlerts.ReportResult.Invalid i => Problem.Of(400, "invalid-deliverer-report", "Deliverer report not valid", "请按提示修改后再提交。",
                new Dictionary<string, object?> { ["errors"] = i.Errors }),
            _ => Problem.Of(404, "delivery-alert-not-found", "No such alert", "这个商户没有这条进货预警。"),
        };
    }

    private static IResult NotYours() =>
        Problem.Of(404, "commercial-customer-not-found", "Not your restaurant", "您没有绑定这个商户：请先用供气站给的邀请码绑定。");

    private static async Task<IResult> RateAsync(long customerId, ClaimsPrincipal principal, ReceivingScans scans, ScanRates rates, CancellationToken ct)
    {
        if (await scans.MemberRestaurantAsync(principal.Id(), customerId, ct) is null)
            return Problem.Of(404, "commercial-customer-not-found", "Not your restaurant", "您没有绑定这个商户：请先用供气站给的邀请码绑定。");
        return TypedResults.Ok(await rates.ForRestaurantAsync(customerId, ct));
    }

    private static async Task<IResult> ScanAsync(ScanRequest body, ClaimsPrincipal principal, ReceivingScans scans, TimeProvider clock,
        IOptions<CommercialOptions> options, CancellationToken ct)
    {
        var codes = body.Codes ?? [];
        if (body.CustomerId is not long customerId)
            return Problem.Of(400, "invalid-scan", "Restaurant required", "请选择为哪个商户扫码（customerId，见 GET /api/mp/commercial/memberships）。");
        if (codes.Count == 0 || codes.Count > options.Value.MaxCodesPerScan)
            return Problem.Of(400, "invalid-scan", "Codes required", $"请扫描1到{options.Value.MaxCodesPerScan}个气瓶码。");
        var restaurant = await scans.MemberRestaurantAsync(principal.Id(), customerId, ct);
        if (restaurant is null)
            return Problem.Of(404, "commercial-customer-not-found", "Not your restaurant", "您没有绑定这个商户：请先用供气站给的邀请码绑定。");
        var now = clock.GetUtcNow().UtcDateTime;
        var scannedAt = body.ScannedAt?.UtcDateTime ?? now;
        if (scannedAt > now.AddMinutes(10) || scannedAt < now.AddDays(-3))
            return Problem.Of(400, "invalid-scan", "Scan time out of range", "扫码时间应为当前时间（可补传三天内离线扫码的记录）。");
        var valid = new List<string>();
        var invalid = new List<string>();
        foreach (var raw in codes.Distinct())
        {
            if (!CylinderCode.TryNormalise(raw, out var code)) { invalid.Add(raw); continue; }
            if (!valid.Contains(code)) valid.Add(code);
        }
        var (results, alert) = await scans.ScanSessionAsync(principal.Id(), customerId, restaurant, valid, scannedAt, body.Latitude, body.Longitude, ct);
        return TypedResults.Ok(new ScanAnswer(results, invalid, alert));
    }
}
