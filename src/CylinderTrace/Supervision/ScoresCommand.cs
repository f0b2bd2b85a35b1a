using System.Diagnostics;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Supervision;

/// <summary>`scores compute`: the enterprise scores as the nightly job computes them (rolling 30 days to yesterday, this month so far).</summary>
public static class ScoresCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        if (args.FirstOrDefault() != "compute")
        {
            System.Console.Error.WriteLine("usage: scores compute");
            return 2;
        }
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        var watch = Stopwatch.StartNew();
        await services.GetRequiredService<EnterpriseScores>().RunNightlyAsync(ct);
        System.Console.WriteLine($"enterprise scores computed in {watch.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
}
