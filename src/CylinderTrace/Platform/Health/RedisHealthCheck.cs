using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace CylinderTrace.Platform.Health;

/// <summary>
/// Ready when Redis answers: every primary this instance is connected to answers PING (no admin command, so it works
/// on a cluster whose client has no admin mode, unlike CLUSTER INFO). On a cluster, a primary that is down while its
/// replica takes over makes the check Degraded (200, named in the answer), not Unhealthy: the host degrades around
/// Redis failures, and one shard failing over must not take every instance out of the load balancer at once.
/// </summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis, string name = "Redis") : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var servers = redis.GetServers();
            var primaries = servers.Where(s => !s.IsReplica).ToList();
            var connected = primaries.Where(s => s.IsConnected).ToList();
            if (connected.Count == 0) return HealthCheckResult.Unhealthy($"{name} does not answer (no primary connected)");
            foreach (var server in connected) await server.PingAsync();
            var cluster = servers.Any(s => s.ServerType == ServerType.Cluster);
            return connected.Count < primaries.Count && cluster
                ? HealthCheckResult.Degraded($"{name} cluster: {connected.Count} of {primaries.Count} primaries answer; the others' slots fail over to their replicas")
                : HealthCheckResult.Healthy(cluster ? $"{name} cluster: {connected.Count} primaries answer" : $"{name} answers");
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return HealthCheckResult.Unhealthy($"{name} does not answer: " + ex.Message);
        }
    }
}
