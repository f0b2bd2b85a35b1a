using System.Diagnostics;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Supervision;

/// <summary>`scores compute`: the enterprise scores as the nightly job computes them (rolling 30 days to yesterday, this month so far).</summary>
public static class ScoresCommand
{
    public static System.CommandLine.Command Command(Platform.Commands.CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("scores", "Enterprise scores.");
        var compute = new System.CommandLine.Command("compute", "Compute the enterprise scores as the nightly job does (rolling 30 days to yesterday, the month so far); logs in China Standard Time.");
        compute.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => RunAsync(run, ct)));
        command.Add(compute);
        return command;
    }

    private static async Task<int> RunAsync(Platform.Commands.CommandRun run, CancellationToken ct)
    {
        var services = run.Services;
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        var watch = Stopwatch.StartNew();
        await services.GetRequiredService<EnterpriseScores>().RunNightlyAsync(ct);
        run.Out.WriteLine($"enterprise scores computed in {watch.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
}
