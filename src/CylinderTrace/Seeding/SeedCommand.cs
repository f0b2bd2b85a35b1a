using System.Diagnostics;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Seeding;

/// <summary>`seed --preset demo|fuzhou [--replace] [--seed N]`: loads generated data into an empty database.</summary>
public static class SeedCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var presetName = CommandLine.Option(args, "preset") ?? "demo";
        var preset = SeedPreset.Named(presetName);
        if (preset is null)
        {
            System.Console.Error.WriteLine($"Unknown preset '{presetName}'. Use --preset demo or --preset fuzhou.");
            return 2;
        }
        var seedText = CommandLine.Option(args, "seed");
        var seed = 20261128;
        if (seedText is not null && !int.TryParse(seedText, out seed))
        {
            System.Console.Error.WriteLine($"--seed must be an integer, not '{seedText}'.");
            return 2;
        }

        var db = services.GetRequiredService<Db>();
        var dbOptions = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(dbOptions.MigrationLockSeconds, ct);

        await using (var conn = await db.OpenAsync(ct))
        {
            var existing = await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM enterprises");
            if (existing > 0 && !CommandLine.Flag(args, "replace"))
            {
                System.Console.WriteLine($"The database already holds {existing} enterprises; nothing loaded. Use --replace to wipe the generated tables and load again.");
                return 0;
            }
            if (existing > 0)
                await DataGenerator.WipeAsync(conn, ct);
        }

        var watch = Stopwatch.StartNew();
        var generator = new DataGenerator(db, services.GetRequiredService<Platform.Privacy.PersonalData>(), preset, seed, TimeProvider.System);
        var summary = await generator.RunAsync(ct);
        System.Console.WriteLine($"Loaded preset '{preset.Name}' (seed {seed}) in {watch.Elapsed.TotalSeconds:F1} s: {summary}");

        // Scan-rate roll-ups of the loaded days, and no live counters left from the data replaced.
        var live = services.GetRequiredService<Commercial.LiveScanRates>();
        var rollup = await services.GetRequiredService<Commercial.ScanRateRollups>().RebuildAsync(live.Today.AddDays(-preset.Days - 1), live.Today, "seed", ct);
        System.Console.WriteLine($"Scan-rate roll-ups: {rollup.Rows:N0} rows in {rollup.Took.TotalSeconds:F1} s");
        try
        {
            await live.ForgetAsync(live.Today);
            await live.ForgetAsync(live.Today.AddDays(-1));
        }
        catch (StackExchange.Redis.RedisException ex)
        {
            System.Console.Error.WriteLine($"Live scan-rate counters not dropped (Redis: {ex.Message}); drop them before serving, or wait for the nightly reconciliation.");
        }
        return 0;
    }
}
