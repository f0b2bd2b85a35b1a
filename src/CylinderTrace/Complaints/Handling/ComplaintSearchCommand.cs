using System.Diagnostics;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// `complaint-search reindex`: writes the search words of every complaint that has none or changed since, as the
/// recurring job does every five minutes (after a bulk load, or on a city that ran before migration 0024).
/// </summary>
public static class ComplaintSearchCommand
{
    public static System.CommandLine.Command Command(Platform.Commands.CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("complaint-search", "The complaints' full-text search words.");
        var reindex = new System.CommandLine.Command("reindex", "Write the search words of every complaint that has none or changed since, as the five-minute job does.");
        reindex.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => RunAsync(run, ct)));
        command.Add(reindex);
        return command;
    }

    private static async Task<int> RunAsync(Platform.Commands.CommandRun run, CancellationToken ct)
    {
        var services = run.Services;
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        var watch = Stopwatch.StartNew();
        var n = await services.GetRequiredService<ComplaintSearch>().ReconcileAsync(ct);
        run.Out.WriteLine($"complaint search: {n} complaints indexed in {watch.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
}
