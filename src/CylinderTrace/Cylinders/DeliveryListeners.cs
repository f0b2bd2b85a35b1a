using MySqlConnector;

namespace CylinderTrace.Cylinders;

/// <summary>A delivery as it is stored, with the district of the commercial customer it went to (null: a household).</summary>
public sealed record StoredDelivery(NewDelivery Delivery, string? CommercialDistrict);

/// <summary>
/// A feature that reacts to deliveries as they are stored (restaurants' scans answer them), without the writer knowing
/// the feature: first inside the storing transaction, which a conflict may run again (each attempt starts afresh), then
/// once after it commits, with what the committed attempt returned.
/// </summary>
public interface IDeliveryListener
{
    /// <summary>Inside the storing transaction; what it returns reaches <see cref="AfterCommitAsync"/> when this attempt commits.</summary>
    Task<object?> OnStoredAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<StoredDelivery> deliveries, CancellationToken ct);

    /// <summary>After the commit: work that must not hold the transaction (counters in Redis, notifications).</summary>
    Task AfterCommitAsync(object? state, CancellationToken ct);
}
