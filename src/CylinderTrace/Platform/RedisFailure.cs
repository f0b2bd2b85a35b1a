using StackExchange.Redis;

namespace CylinderTrace.Platform;

/// <summary>
/// Every way a Redis call fails that the host degrades around (the record is in MariaDB): unreachable or cut
/// (RedisConnectionException), too slow (RedisTimeoutException, a TimeoutException), refused by the server
/// (RedisServerException: READONLY, CLUSTERDOWN, TRYAGAIN, MASTERDOWN, LOADING while a cluster fails over), and
/// refused by the client before it is sent (RedisCommandException, not a RedisException: a command a cluster
/// cannot route, such as one whose keys span hash slots). The last is a defect, so it is logged like the others.
/// </summary>
public static class RedisFailure
{
    public static bool Is(Exception ex) => ex is RedisException or RedisCommandException or TimeoutException;

    /// <summary>The server's answers that mean "the cluster is failing over or not ready": worth a 503, not a 500.</summary>
    public static bool IsClusterTransition(RedisServerException ex) =>
        ex.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || ex.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || ex.Message.StartsWith("READONLY", StringComparison.Ordinal) || ex.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || ex.Message.StartsWith("LOADING", StringComparison.Ordinal);
}
