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
    public static System.CommandLine.Command Command(CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("seed", "Load a generated data set (a city's enterprises, cylinders and 30 days of trace) into an empty database.");
        var preset = new System.CommandLine.Option<string>("--preset") { Description = "demo (small) or fuzhou (a city's size).", DefaultValueFactory = _ => "demo" };
        preset.AcceptOnlyFromAmong("demo", "fuzhou");
        var replace = new System.CommandLine.Option<bool>("--replace") { Description = "Wipe the generated tables first when the database already holds data." };
        var seed = new System.CommandLine.Option<int>("--seed") { Description = "The random generator's seed (the same seed loads the same city).", DefaultValueFactory = _ => 20261128 };
        command.Add(preset);
        command.Add(replace);
        command.Add(seed);
        command.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => RunAsync(run, SeedPreset.Named(run.Value(preset)!)!, run.Value(seed), run.Value(replace), ct)));
        return command;
    }

    private static async Task<int> RunAsync(CommandRun run, SeedPreset preset, int seed, bool replace, CancellationToken ct)
    {
        var services = run.Services;

        var db = services.GetRequiredService<Db>();
        var dbOptions = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(dbOptions.MigrationLockSeconds, ct);

        await using (var conn = await db.OpenAsync(ct))
        {
            var existing = await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM enterprises");
            if (existing > 0 && !replace)
            {
                run.Out.WriteLine($"The database already holds {existing} enterprises; nothing loaded. Use --replace to wipe the generated tables and load again.");
                return 0;
            }
            if (existing > 0)
                await DataGenerator.WipeAsync(conn, ct);
        }

        var watch = Stopwatch.StartNew();
        var generator = new DataGenerator(db, services.GetRequiredService<Platform.Privacy.PersonalData>(), preset, seed, TimeProvider.System);
        var summary = await generator.RunAsync(ct);
        run.Out.WriteLine($"Loaded preset '{preset.Name}' (seed {seed}) in {watch.Elapsed.TotalSeconds:F1} s: {summary}");

        // Scan-rate roll-ups of the loaded days, and no live counters left from the data replaced.
        var live = services.GetRequiredService<Commercial.LiveScanRates>();
        var rollup = await services.GetRequiredService<Commercial.ScanRateRollups>().RebuildAsync(live.Today.AddDays(-preset.Days - 1), live.Today, "seed", ct);
        run.Out.WriteLine($"Scan-rate roll-ups: {rollup.Rows:N0} rows in {rollup.Took.TotalSeconds:F1} s");
        try
        {
            await live.ForgetAsync(live.Today);
            await live.ForgetAsync(live.Today.AddDays(-1));
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            run.Err.WriteLine($"Live scan-rate counters not dropped (Redis: {ex.Message}); drop them before serving, or wait for the nightly reconciliation.");
        }
        // Inspectors, scores, the licence review list and this month's 双随机 plans with some findings.
        run.Out.WriteLine("Credit: " + await CreditSeed.RunAsync(services, seed, ct));
        return 0;
    }
}
