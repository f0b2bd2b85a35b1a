using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CylinderTrace.Platform.Health;

/// <summary>Ready only when the system of record answers a trivial query.</summary>
public sealed class MariaDbHealthCheck(Db db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var conn = await db.OpenAsync(ct);
            var version = await conn.ExecuteScalarAsync<string>("SELECT VERSION()");
            return HealthCheckResult.Healthy($"MariaDB/MySQL {version}");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("The database does not answer: " + ex.Message);
        }
    }
}
