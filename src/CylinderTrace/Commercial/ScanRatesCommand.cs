using System.Diagnostics;
using System.Globalization;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Commercial;

/// <summary>
/// `scan-rates rebuild [--days N | --from yyyy-MM-dd --to yyyy-MM-dd] [--clear]`: recomputes the
/// scan-rate roll-ups (days, and the weeks and months holding them) from the records, as the nightly
/// job does; --clear first empties the roll-up tables (a rebuild from scratch). Prints what it did and how long it took.
/// </summary>
public static class ScanRatesCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        if (args.FirstOrDefault() != "rebuild")
        {
            System.Console.Error.WriteLine("usage: scan-rates rebuild [--days N | --from yyyy-MM-dd --to yyyy-MM-dd] [--clear]");
            return 2;
        }
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        var rollups = services.GetRequiredService<ScanRateRollups>();
        var today = services.GetRequiredService<LiveScanRates>().Today;
        DateOnly first, last;
        if (CommandLine.Option(args, "from") is { } from && CommandLine.Option(args, "to") is { } to)
        {
            if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out first)
                || !DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out last) || last < first)
            {
                System.Console.Error.WriteLine("--from and --to must be dates (yyyy-MM-dd), --from not after --to.");
                return 2;
            }
        }
        else
        {
            var days = int.TryParse(CommandLine.Option(args, "days") ?? "30", out var n) && n is > 0 and <= 800 ? n : -1;
            if (days < 0) { System.Console.Error.WriteLine("--days must be 1-800."); return 2; }
            (first, last) = (today.AddDays(-days + 1), today);
        }
        var watch = Stopwatch.StartNew();
        if (CommandLine.Flag(args, "clear"))
        {
            await using var conn = await services.GetRequiredService<Db>().OpenAsync(ct);
            var removed = await conn.ExecuteAsync(new CommandDefinition("DELETE FROM scan_rate_rollups", commandTimeout: 600, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition("DELETE FROM scan_rate_refreshes", cancellationToken: ct));
            System.Console.WriteLine($"cleared {removed} roll-up rows in {watch.Elapsed.TotalSeconds:0.00} s");
        }
        var run = await rollups.RebuildAsync(first, last, "command", ct);
        System.Console.WriteLine($"rebuilt {first:yyyy-MM-dd}..{last:yyyy-MM-dd}: {run.Deliveries} deliveries to restaurants, {run.Rows} roll-up rows " +
            $"(days, weeks, months) in {run.Took.TotalSeconds:0.00} s; total {watch.Elapsed.TotalSeconds:0.00} s");
        return 0;
    }
}
