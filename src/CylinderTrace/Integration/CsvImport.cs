using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Integration;

/// <summary>
/// `import --kind cylinders|customers|workers --file F.csv --as LICENCE [--batch N] [--restart]`: an
/// enterprise's registry from a CSV file (RFC 4180; a header row naming the fields of docs/INTEGRATION.md).
/// Rows go through the integration API's own checks and scope, as if the enterprise had sent them, in
/// batches; every rejected row is written to F.csv.errors.csv with its line, field and reason. Progress
/// (rows, rate, ETA) goes to stderr. After each committed batch the line reached is saved in
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
        if (kind is not ("cylinders" or "customers" or "workers") || file is null || licence is null || !File.Exists(file))
        {
            System.Console.Error.WriteLine("Usage: import --kind cylinders|customers|workers --file FILE.csv --as LICENCE [--batch 5000] [--restart]");
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
            _ => ingestion.WorkersAsync,
        };

        var progressFile = file + ".progress";
        var errorFile = file + ".errors.csv";
        var resumeAt = !CommandLine.Flag(args, "restart") && File.Exists(progressFile) && long.TryParse(File.ReadAllText(progressFile).Trim(), out var saved) ? saved : 0;
        var total = CountRows(file);
        await using var errors = new StreamWriter(errorFile, append: resumeAt > 0, new UTF8Encoding(false));
        if (resumeAt == 0) await errors.WriteLineAsync("line,field,reason");
        if (resumeAt > 0) System.Console.Error.WriteLine($"Resuming after data row {resumeAt:N0} (from {progressFile}; --restart to start over).");

        using var reader = new StreamReader(file, Encoding.UTF8);
        long lineBreaks = 0;
        var header = ReadRecord(reader, ref lineBreaks) ?? throw new InvalidDataException("the file is empty");
        long row = 0, stored = 0, rejected = 0, duplicates = 0;
        var watch = Stopwatch.StartNew();
        var batch = new List<(long Line, List<string> Fields)>(batchSize);
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var startLine = lineBreaks + 1; // the file line this record starts on
            var fields = ReadRecord(reader, ref lineBreaks);
            if (fields is [""]) continue; // a blank line
            if (fields is not null)
            {
                row++;
                if (row <= resumeAt) continue;
                batch.Add((startLine, fields));
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
                    await errors.WriteLineAsync($"{batch[p.Index].Line},{Csv(p.Field)},{Csv(p.Reason)}");
                }
                await errors.FlushAsync(ct);
                await File.WriteAllTextAsync(progressFile, row.ToString(CultureInfo.InvariantCulture), ct);
                batch.Clear();
            }
            if (watch.Elapsed - lastReport > TimeSpan.FromSeconds(1) || fields is null)
            {
                lastReport = watch.Elapsed;
                var done = row - resumeAt;
                var rate = done / Math.Max(0.001, watch.Elapsed.TotalSeconds);
                var eta = rate > 0 ? TimeSpan.FromSeconds((total - row) / rate) : TimeSpan.Zero;
                System.Console.Error.Write($"\r{kind}: {row:N0}/{total:N0} rows ({rate:N0} rows/s, ETA {eta:mm\\:ss})   ");
            }
            if (fields is null) break;
        }
        System.Console.Error.WriteLine();
        File.Delete(progressFile);
        System.Console.WriteLine($"Imported {kind} for {licence}: {row - resumeAt:N0} rows read in {watch.Elapsed.TotalSeconds:F1} s, {stored:N0} stored, " +
            $"{duplicates:N0} repeated within a batch, {rejected:N0} rejected" + (rejected > 0 ? $" (see {errorFile})." : "."));
        return 0;
    }

    private static async Task<BatchResult> IngestBatchAsync(Func<IntegrationCaller, CancellationToken, Task<BatchResult>> ingest, int enterpriseId,
        List<string> header, List<(long Line, List<string> Fields)> batch, CancellationToken ct)
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
                for (var c = 0; c < header.Count && c < fields.Count; c++)
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

    private static long CountRows(string file)
    {
        using var reader = new StreamReader(file, Encoding.UTF8);
        long n = -1, lines = 0; // -1: the header
        while (ReadRecord(reader, ref lines) is { } fields) if (fields is not [""]) n++;
        return Math.Max(0, n);
    }

    /// <summary>One CSV record (RFC 4180: quoted fields may hold commas, quotes as "", and line breaks), or null at the end; counts the file's line breaks in <paramref name="lines"/>.</summary>
    private static List<string>? ReadRecord(StreamReader reader, ref long lines)
    {
        if (reader.Peek() < 0) return null;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        while (true)
        {
            var c = reader.Read();
            if (c < 0) { fields.Add(field.ToString()); return fields; }
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') lines++;
                    field.Append((char)c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0: quoted = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n': lines++; fields.Add(field.ToString()); return fields;
                default: field.Append((char)c); break;
            }
        }
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') || s.Contains('\n') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
