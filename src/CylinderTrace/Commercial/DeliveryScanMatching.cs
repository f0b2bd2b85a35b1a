using CylinderTrace.Cylinders;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Commercial;

/// <summary>
/// Restaurants react to stored deliveries: a delivery to a restaurant counts in the live scan rates, and a scan the
/// restaurant made before the delivery record arrived is matched to it (inside the storing transaction), the scanning
/// staff told after the commit.
/// </summary>
public sealed class DeliveryScanMatching(IOptions<CommercialOptions> options, LiveScanRates liveRates, ReceivingScans receivingScans) : IDeliveryListener
{
    private sealed record Matched(List<RateEvent> ToRestaurants, List<RateEvent> AnsweredLate, List<LateMatching.Answered> LateScans);

    public async Task<object?> OnStoredAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<StoredDelivery> deliveries, CancellationToken ct)
    {
        var toRestaurants = deliveries.Where(d => d.CommercialDistrict is not null).ToList();
        var events = toRestaurants.Select(d => new RateEvent(d.Delivery.At, d.Delivery.CustomerId, d.Delivery.WorkerId, d.Delivery.StationId, d.CommercialDistrict!)).ToList();
        if (toRestaurants.Count == 0) return new Matched(events, [], []);
        var rows = toRestaurants.Select(d => d.Delivery).ToList();
        var lateScans = await LateMatching.LinkAsync(conn, tx, rows, options.Value.MatchHoursBefore, options.Value.MatchHoursAfter, ct);
        var linked = lateScans.Select(a => (a.CylinderId, a.At, a.CustomerId)).ToHashSet();
        var answeredLate = events.Where((_, i) => linked.Contains((rows[i].CylinderId, rows[i].At, rows[i].CustomerId))).ToList();
        return new Matched(events, answeredLate, lateScans);
    }

    public async Task AfterCommitAsync(object? state, CancellationToken ct)
    {
        if (state is not Matched m) return;
        await liveRates.CountAsync(m.ToRestaurants, m.AnsweredLate, ct);
        if (m.LateScans.Count > 0) await receivingScans.NoteLateMatchesAsync(m.LateScans, ct);
    }
}
