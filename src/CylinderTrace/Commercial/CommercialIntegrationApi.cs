using CylinderTrace.Integration;
using CylinderTrace.Platform.OpenApi;
using CylinderTrace.Platform.Problems;

namespace CylinderTrace.Commercial;

/// <summary>
/// Restaurants in the enterprise integration API (docs/INTEGRATION.md): a supply station invites a commercial
/// customer's owner or staff to bind in the Mini Program, and reads today's live scan rates of its stations.
/// </summary>
public static class CommercialIntegrationApi
{
    [ContractRequest]
    public sealed record InviteRequest([property: ContractRequired] string? CustomerId, string? Role, string? Station);
    public sealed record CommercialInvite(string Code, DateTimeOffset ExpiresAt, string Role);
    public sealed record StationScanRate(string Licence, int Deliveries, int Scanned, double? Rate);
    public sealed record TodaysScanRates(DateOnly Day, ScanRate? Enterprise, IReadOnlyList<StationScanRate> Stations);

    public static IEndpointRouteBuilder MapCommercialIntegrationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapIntegrationGroup();
        api.MapPost("/commercial-invites", InviteAsync)
            .WithSummary("An invite code for a commercial customer's owner or staff to bind in the Mini Program (receiving scans).")
            .Accepts<InviteRequest>("application/json").Produces<CommercialInvite>()
            .Problems(400, "invalid-invite").Problems(403, "integration-not-yours").Problems(404, "customer-not-found").WithMetadata(new IntegrationSandbox.Rehearsed());
        api.MapGet("/scan-rates/today", ScanRatesTodayAsync).WithMetadata(new IntegrationSignature.ReadOnlyCall())
            .WithSummary("Today's live receiving-scan rates of the caller's stations (and of the filling enterprise as a whole).")
            .Produces<TodaysScanRates>();
        return app;
    }

    /// <summary>A supply station invites a commercial customer's owner or staff to bind in the Mini Program.</summary>
    public static async Task<IResult> InviteAsync(HttpContext context, IntegrationScope scopes, CommercialMembers members, CancellationToken ct)
    {
        var caller = IntegrationSignature.Caller(context);
        string? Text(string name) => IntegrationApi.TextProperty(caller.Body, name);
        var customerId = Text("customerId");
        var role = Text("role") ?? "owner";
        if (string.IsNullOrWhiteSpace(customerId) || role is not ("owner" or "staff"))
            return Problem.Of(400, "invalid-invite", "Invite incomplete", "请求体须为 {\"customerId\": 本站客户编号, \"role\": \"owner\"|\"staff\", \"station\": 供应站许可证号（可省略）}。");
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var station = tenant.Station(Text("station"));
        if (station is null) return Problem.Of(403, "integration-not-yours", "Another enterprise's station", $"供应站“{Text("station")}”不是本企业的。");
        return await members.InviteAsync(station.Id, customerId.Trim(), role, "integration:" + caller.KeyId, ct, rehearse: caller.Sandbox) switch
        {
            CommercialMembers.Invited i => TypedResults.Ok(new CommercialInvite(i.Code, i.ExpiresAt, role)),
            CommercialMembers.NotCommercial => Problem.Of(400, "invalid-invite", "Not a commercial customer", "只有商业用户（餐饮等）需要进货扫码绑定。"),
            _ => Problem.Of(404, "customer-not-found", "No such customer", $"本站没有编号为 {customerId} 的客户；请先上报客户。"),
        };
    }

    /// <summary>Today's live receiving-scan rate of the caller's stations (and of the filling enterprise as a whole, when the caller is one).</summary>
    public static async Task<IResult> ScanRatesTodayAsync(HttpContext context, IntegrationScope scopes, LiveScanRates live, CancellationToken ct)
    {
        var tenant = await scopes.ForAsync(IntegrationSignature.Caller(context).EnterpriseId, ct);
        var stations = tenant.Members.Values.Where(m => m.Kind == "supply").OrderBy(m => m.Licence, StringComparer.Ordinal).ToList();
        var subjects = stations.Select(s => new RateSubject(RateDimensions.Station, s.Id)).ToList();
        if (tenant.Caller.Kind == "filling") subjects.Add(new(RateDimensions.Enterprise, tenant.Caller.Id));
        var rates = await live.ReadAsync(subjects, ct);
        return TypedResults.Ok(new TodaysScanRates(live.Today, tenant.Caller.Kind == "filling" ? rates[^1] : null,
            stations.Select((s, i) => new StationScanRate(s.Licence, rates[i].Deliveries, rates[i].Scanned, rates[i].Rate)).ToList()));
    }
}
