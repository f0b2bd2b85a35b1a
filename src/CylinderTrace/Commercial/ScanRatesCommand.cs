using System.Diagnostics;
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
    public static System.CommandLine.Command Command(CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("scan-rates", "Restaurants' receiving-scan rates.");
        var rebuild = new System.CommandLine.Command("rebuild", "Recompute the scan-rate roll-ups (days, and the weeks and months holding them) from the records, as the nightly job does.");
        var days = new System.CommandLine.Option<int>("--days") { Description = "The last N days, today included (1-800; default 30).", DefaultValueFactory = _ => 30 };
        // On the token, not the value: a value that is no number has its own error already, and reading it would throw.
        days.Validators.Add(r => { if (int.TryParse(r.Tokens.FirstOrDefault()?.Value, out var n) && n is < 1 or > 800) r.AddError("--days must be 1-800."); });
        var from = new System.CommandLine.Option<DateOnly?>("--from") { Description = "First day (yyyy-MM-dd), with --to instead of --days.", HelpName = "yyyy-MM-dd" };
        var to = new System.CommandLine.Option<DateOnly?>("--to") { Description = "Last day (yyyy-MM-dd).", HelpName = "yyyy-MM-dd" };
        var clear = new System.CommandLine.Option<bool>("--clear") { Description = "Empty the roll-up tables first (a rebuild from scratch)." };
        rebuild.Add(days);
        rebuild.Add(from);
        rebuild.Add(to);
        rebuild.Add(clear);
        rebuild.Validators.Add(r =>
        {
            DateOnly? f, t;
            try { (f, t) = (r.GetValue(from), r.GetValue(to)); }
            catch (InvalidOperationException) { return; } // a date that did not parse has its own error

            if (f is null != t is null) r.AddError("--from and --to go together.");
            else if (f > t) r.AddError("--from may not be after --to.");
            else if (f is not null && r.GetResult(days) is { Implicit: false }) r.AddError("Give either --days or --from and --to.");
        });
        rebuild.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => RunAsync(run, run.Value(days), run.Value(from), run.Value(to), run.Value(clear), ct)));
        command.Add(rebuild);
        return command;
    }

    private static async Task<int> RunAsync(CommandRun run, int days, DateOnly? from, DateOnly? to, bool clearFirst, CancellationToken ct)
    {
        var services = run.Services;
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        var rollups = services.GetRequiredService<ScanRateRollups>();
        var today = services.GetRequiredService<LiveScanRates>().Today;
        var (first, last) = from is { } f && to is { } t ? (f, t) : (today.AddDays(-days + 1), today);
        var watch = Stopwatch.StartNew();
        if (clearFirst)
        {
            await using var conn = await services.GetRequiredService<Db>().OpenAsync(ct);
            var removed = await conn.ExecuteAsync(new CommandDefinition("DELETE FROM scan_rate_rollups", commandTimeout: 600, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition("DELETE FROM scan_rate_refreshes", cancellationToken: ct));
            run.Out.WriteLine($"cleared {removed} roll-up rows in {watch.Elapsed.TotalSeconds:0.00} s");
        }
        var rebuilt = await rollups.RebuildAsync(first, last, "command", ct);
        run.Out.WriteLine($"rebuilt {first:yyyy-MM-dd}..{last:yyyy-MM-dd}: {rebuilt.Deliveries} deliveries to restaurants, {rebuilt.Rows} roll-up rows " +
            $"(days, weeks, months) in {rebuilt.Took.TotalSeconds:0.00} s; total {watch.Elapsed.TotalSeconds:0.00} s");
        return 0;
    }
}
