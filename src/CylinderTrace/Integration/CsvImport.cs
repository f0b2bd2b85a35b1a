using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Platform.Database;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Integration;

/// <summary>
/// `import --kind cylinders|customers|workers|fills|deliveries|returns|inspections --file F.csv --as LICENCE [--batch N] [--restart]`: an
/// enterprise's registry or trace events from a CSV file (RFC 4180, UTF-8 with or without a byte-order mark; a header row
/// naming the fields of docs/INTEGRATION.md; read by Platform/Csv's reader, and a malformed file is refused
/// before anything is stored). Rows go through the integration API's own checks and scope, as if the
/// enterprise had sent them, in batches; every rejected row is written to F.csv.errors.csv with its line,
/// field and reason (by the one CSV writer, for a spreadsheet); fills are judged by the interlock's rules as the API judges
/// them, and every stored fill that broke one is written to F.csv.violations.csv (line, event id, code, rules). Progress (rows, rate, ETA) goes to stderr. After each committed batch the line reached is saved in
/// F.csv.progress, so an interrupted import resumes there (registries are upserts: a batch done twice
/// changes nothing); --restart starts from the top.
/// </summary>
public static class CsvImport
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var kind = CommandLine.Option(args, "kind");
        var file = CommandLine.Option(args, "file");
        var licence = CommandLine.Option(args, "as");
        var batchSize = int.TryParse(CommandLine.Option(args, "batch"), out var b) ? b : 5000;
        if (kind is not ("cylinders" or "customers" or "workers" or "fills" or "deliveries" or "returns" or "inspections") || file is null || licence is null || !File.Exists(file))
        {
            System.Console.Error.WriteLine("Usage: import --kind cylinders|customers|workers|fills|deliveries|returns|inspections --file FILE.csv --as LICENCE [--batch 5000] [--restart]");
            if (kind is not ("cylinders" or "customers" or "workers" or "fills" or "deliveries" or "returns" or "inspections"))
                System.Console.Error.WriteLine(kind is null ? "Missing --kind." : $"Unknown --kind '{kind}'.");
            if (file is null) System.Console.Error.WriteLine("Missing --file.");
            else if (!File.Exists(file)) System.Console.Error.WriteLine($"No such file: {file}");
            if (licence is null) System.Console.Error.WriteLine("Missing --as (the enterprise's licence number).");
            return 2;
        }
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        var id = await services.GetRequiredService<Enterprises.EnterpriseDirectory>().IdByLicenceAsync(licence, ct);
        if (id is null) { System.Console.Error.WriteLine($"No enterprise has licence number '{licence}'."); return 1; }
        var enterpriseId = id.Value;
        batchSize = Math.Clamp(batchSize, 1, services.GetRequiredService<IOptions<IntegrationOptions>>().Value.MaxBatchRecords);
        var ingestion = services.GetRequiredService<Ingestion>();
        Func<IntegrationCaller, CancellationToken, Task<BatchResult>> ingest = kind switch
        {
            "cylinders" => ingestion.CylindersAsync,
            "customers" => ingestion.CustomersAsync,
            "workers" => ingestion.WorkersAsync,
            "fills" => ingestion.FillsAsync,
            "deliveries" => ingestion.DeliveriesAsync,
            "returns" => ingestion.ReturnsAsync,
            _ => ingestion.InspectionsAsync,
        };

        var progressFile = file + ".progress";
        var errorFile = file + ".errors.csv";
        var resumeAt = !CommandLine.Flag(args, "restart") && File.Exists(progressFile) && long.TryParse(File.ReadAllText(progressFile).Trim(), out var saved) ? saved : 0;
        long total;
        try { total = CountRows(file); }
        catch (InvalidDataException ex)
        {
            System.Console.Error.WriteLine($"{file}: {ex.Message} No row was imported in this run.");
            return 1;
        }
        // The error file is for the enterprise's staff to open in a spreadsheet: the one CSV writer (byte-order mark, quoted, defused).
        await using var errorStream = new StreamWriter(errorFile, append: resumeAt > 0, CsvWriter.Utf8WithBom);
        var errors = new CsvWriter(errorStream);
        if (errorStream.BaseStream.Length == 0) errors.WriteRow("line", "field", "reason");
        await using var violationStream = kind == "fills" ? new StreamWriter(file + ".violations.csv", append: resumeAt > 0, CsvWriter.Utf8WithBom) : null;
        var violationRows = violationStream is null ? null : new CsvWriter(violationStream);
        if (violationStream is { BaseStream.Length: 0 }) violationRows!.WriteRow("line", "eventId", "cylinderCode", "violations");
        long violations = 0;
        if (resumeAt > 0) System.Console.Error.WriteLine($"Resuming after data row {resumeAt:N0} (from {progressFile}; --restart to start over).");

        using var reader = CsvReader.Open(file);
        if (!reader.Read()) { System.Console.Error.WriteLine($"{file} is empty."); return 1; }
        var header = reader.Fields;
        long row = 0, stored = 0, rejected = 0, duplicates = 0;
        var watch = Stopwatch.StartNew();
        var batch = new List<(long Line, string[] Fields)>(batchSize);
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var more = reader.Read();
            if (more)
            {
                row++;
                if (row <= resumeAt) continue;
                batch.Add((reader.Line, reader.Fields));
                if (batch.Count < batchSize) continue;
            }
            if (batch.Count > 0)
            {
                var result = await IngestBatchAsync(ingest, enterpriseId, header, batch, ct);
                stored += result.Stored;
                duplicates += result.Duplicates;
                foreach (var p in result.Rejected)
                {
                    rejected++;
                    errors.WriteRow(batch[p.Index].Line, p.Field, p.Reason);
                }
                foreach (var v in result.Violations ?? [])
                {
                    violations++;
                    violationRows?.WriteRow(batch[v.Index].Line, v.EventId, v.CylinderCode, Cylinders.FillRules.Labels(v.Kinds));
                }
                await errorStream.FlushAsync(ct);
                if (violationStream is not null) await violationStream.FlushAsync(ct);
                await File.WriteAllTextAsync(progressFile, row.ToString(CultureInfo.InvariantCulture), ct);
                batch.Clear();
            }
            if (watch.Elapsed - lastReport > TimeSpan.FromSeconds(1) || !more)
            {
                lastReport = watch.Elapsed;
                var done = row - resumeAt;
                var rate = done / Math.Max(0.001, watch.Elapsed.TotalSeconds);
                var eta = rate > 0 ? TimeSpan.FromSeconds((total - row) / rate) : TimeSpan.Zero;
                System.Console.Error.Write($"\r{kind}: {row:N0}/{total:N0} rows ({rate:N0} rows/s, ETA {eta:mm\\:ss})   ");
            }
            if (!more) break;
        }
        System.Console.Error.WriteLine();
        File.Delete(progressFile);
        System.Console.WriteLine($"Imported {kind} for {licence}: {row - resumeAt:N0} rows read in {watch.Elapsed.TotalSeconds:F1} s, {stored:N0} stored, " +
            $"{duplicates:N0} repeated, {rejected:N0} rejected" + (rejected > 0 ? $" (see {errorFile})" : "") +
            (kind == "fills" ? $", {violations:N0} stored fills broke the filling interlock" + (violations > 0 ? $" (see {file}.violations.csv; each is a case for the district's market supervision bureau)." : ".") : "."));
        return 0;
    }

    private static async Task<BatchResult> IngestBatchAsync(Func<IntegrationCaller, CancellationToken, Task<BatchResult>> ingest, int enterpriseId,
        string[] header, List<(long Line, string[] Fields)> batch, CancellationToken ct)
    {
        // The rows become the API's own JSON, so they meet exactly the API's checks and scope.
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("records");
            foreach (var (_, fields) in batch)
            {
                json.WriteStartObject();
                for (var c = 0; c < header.Length && c < fields.Length; c++)
                    if (fields[c].Length > 0) json.WriteString(header[c], fields[c]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        try
        {
            return await ingest(new IntegrationCaller("import", enterpriseId, buffer.GetBuffer().AsMemory(0, (int)buffer.Length)), ct);
        }
        catch (NotYoursException ex)
        {
            // Another enterprise's data: the whole batch was refused; say so row by row.
            return new BatchResult(batch.Count, 0, 0, ex.Records.Select(r => r with { Reason = "整批未入库：" + r.Reason }).ToList());
        }
    }

    /// <summary>The data rows (records after the header, blank lines not counted); reading them all first also refuses a malformed file before anything is stored.</summary>
    private static long CountRows(string file)
    {
        using var reader = CsvReader.Open(file);
        long n = -1; // the header
        while (reader.Read()) n++;
        return Math.Max(0, n);
    }
}
