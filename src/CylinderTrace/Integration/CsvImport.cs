using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Csv;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Integration;

/// <summary>
/// `import --kind K --file F.csv --as LICENCE [--batch N] [--restart]`: an enterprise's registry or trace events
/// from a CSV file as Excel saves it. The encoding is found from the bytes (UTF-8 with or without a byte-order mark,
/// or GB18030/GBK as Chinese Excel's "CSV (逗号分隔)"; anything else is refused, saying how to save the file).
/// The header names each column by its field name or its Chinese name (<see cref="ImportColumns"/>), and a
/// second header row in the other form (as in the template) is skipped; a column the kind does not have, a
/// required column missing or a column named twice refuses the file before anything is stored, as does a
/// malformed file (an unclosed quote: the line its record starts on is named). Rows go through the integration
/// API's own checks and scope in batches, as if the enterprise had sent them; a bad row is rejected alone, never
/// its batch (a row about another enterprise's data is taken out and the rest of the batch sent again). Every
/// rejected row is written to F.csv.errors.csv (行号, 列, 原因; Chinese, UTF-8 with a byte-order mark, for a
/// spreadsheet); every stored fill that broke the filling interlock to F.csv.violations.csv. Progress (rows, rate,
/// ETA) goes to stderr after each batch; after each committed batch the rows done are saved in F.csv.progress (with
/// the file's length and write time), so an interrupted import (Ctrl+C, SIGTERM, a crash) resumes there when run again
/// on the same file (registries are upserts, events are idempotent); a file changed since is imported from the top, as
/// --restart does.
/// The summary's counts add up to the file's data rows. Exit code: 0 all rows stored or already there, 1 the file
/// was refused (nothing imported), 2 the command line was wrong, 3 imported with rejected rows, 130 interrupted.
/// </summary>
public static partial class CsvImport
{
    /// <summary>Exit code of an import that stored what it could but rejected rows.</summary>
    public const int RowsRejected = 3;

    /// <summary>Exit code of an import stopped by Ctrl+C or SIGTERM (128 + SIGINT, as a shell reports it); run it again to resume.</summary>
    public const int Interrupted = CommandLineContext.Interrupted;

    public static Command Command(CommandLineContext tool)
    {
        var command = new Command("import",
            "Import an enterprise's registry or trace events from a CSV file (UTF-8 or GBK as Excel saves it; header by field name or Chinese name, see import-template) " +
            "through the integration API's checks. Rejected rows go to FILE.errors.csv. Exit code 0: all stored; 1: file refused, nothing imported; 3: some rows rejected; 130: interrupted (run it again to resume).");
        var kind = new Option<string>("--kind") { Description = "What the file holds.", Required = true };
        kind.AcceptOnlyFromAmong([.. ImportColumns.Kinds]);
        var file = new Option<FileInfo>("--file") { Description = "The CSV file.", Required = true, HelpName = "FILE.csv" };
        file.AcceptExistingOnly();
        var licence = new Option<string>("--as") { Description = "The enterprise's licence number: the rows are imported as if it had sent them.", Required = true, HelpName = "LICENCE" };
        var batch = new Option<int?>("--batch") { Description = "Rows per batch (default and most: Integration:MaxBatchRecords).", HelpName = "N" };
        // On the token, not the value: a value that is no number has its own error already, and reading it would throw.
        batch.Validators.Add(r => { if (int.TryParse(r.Tokens.FirstOrDefault()?.Value, out var n) && n < 1) r.AddError("--batch must be at least 1."); });
        var restart = new Option<bool>("--restart") { Description = "Start from the first row even if FILE.progress says an earlier run got further." };
        command.Add(kind);
        command.Add(file);
        command.Add(licence);
        command.Add(batch);
        command.Add(restart);
        command.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) =>
            RunAsync(run, run.Value(kind)!, run.Value(file)!.FullName, run.Value(licence)!, run.Value(batch), run.Value(restart), ct)));
        return command;
    }

    public static Command TemplateCommand(CommandLineContext tool)
    {
        var command = new Command("import-template",
            "Write the CSV template of an import kind: UTF-8 with a byte-order mark (Excel opens it as it is), the Chinese header row, then the field names' row. " +
            "Also served at /integration/import-templates/KIND.csv.");
        var kind = new Option<string>("--kind") { Description = "The import kind.", Required = true };
        kind.AcceptOnlyFromAmong([.. ImportColumns.Kinds]);
        var output = new Option<FileInfo?>("--out") { Description = "Where to write it (default: import-template-KIND.csv here).", HelpName = "FILE.csv" };
        command.Add(kind);
        command.Add(output);
        // No host needed: the template is the column table.
        command.SetAction(async (parse, ct) =>
        {
            var k = parse.GetValue(kind)!;
            var path = parse.GetValue(output)?.FullName ?? Path.GetFullPath($"import-template-{k}.csv");
            await File.WriteAllBytesAsync(path, CsvWriter.Utf8(ImportColumns.Template(k)), ct);
            await tool.Output.WriteLineAsync($"已写入 {path}：{KindLabel(k)}模板，共 {ImportColumns.ByKind[k].Count} 列，必填：" +
                string.Join("、", ImportColumns.ByKind[k].Where(c => c.Required).Select(c => $"{c.Label}（{c.Field}）")) + "。各列的说明见 docs/INTEGRATION.md。");
            return 0;
        });
        return command;
    }

    /// <summary>A data row: the line its record starts on, and its cells.</summary>
    private sealed record Row(long Line, string[] Cells);

    /// <summary>What the header says: which column each cell is (by position), and the header rows' count (1 or 2).</summary>
    private sealed record Header(ImportColumn?[] Columns, string[] Names, int Rows);

    internal static async Task<int> RunAsync(CommandRun run, string kind, string file, string licence, int? batchOption, bool restart, CancellationToken ct)
    {
        var services = run.Services;
        await run.MigrateAsync(ct);
        var id = await services.GetRequiredService<Enterprises.EnterpriseDirectory>().IdByLicenceAsync(licence, ct);
        if (id is null) { await run.Err.WriteLineAsync($"没有许可证号为“{licence}”的企业，没有导入任何一行。"); return 1; }
        var enterpriseId = id.Value;
        var batchSize = Math.Clamp(batchOption ?? int.MaxValue, 1, services.GetRequiredService<IOptions<IntegrationOptions>>().Value.MaxBatchRecords);
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

        // Everything that refuses the whole file is found before a row is stored: the encoding, the header, the CSV's own form.
        Encoding encoding;
        Header header;
        long total;
        try
        {
            encoding = CsvEncoding.Detect(file);
            (header, total) = Survey(file, encoding, kind);
        }
        catch (InvalidDataException ex)
        {
            await run.Err.WriteLineAsync($"{file}：{ex.Message}");
            await run.Err.WriteLineAsync("整个文件未被接受，没有导入任何一行。");
            return 1;
        }

        var progressFile = file + ".progress";
        var errorFile = file + ".errors.csv";
        var fileStamp = Stamp(file);
        var resumeAt = 0L;
        if (!restart && ReadProgress(progressFile) is { } saved)
        {
            // A file changed since the interrupted run (rows fixed, added or removed) is not the file those rows were counted in.
            if (saved.Stamp is null || saved.Stamp == fileStamp) resumeAt = Math.Min(saved.Rows, total);
            else await run.Err.WriteLineAsync($"{file} 在上次中断（进度记录 {progressFile}）之后改过，不能接着导入：从第一行数据重新导入。");
        }
        // The error file is for the enterprise's staff to open in a spreadsheet: the one CSV writer (byte-order mark, quoted, defused), reasons in Chinese.
        await using var errorStream = new StreamWriter(errorFile, append: resumeAt > 0, CsvWriter.Utf8WithBom);
        var errors = new CsvWriter(errorStream);
        string[] errorHeader = ["行号", "列", "原因"], violationHeader = ["行号", "事件编号", "气瓶码", "违反的规定"];
        if (errorStream.BaseStream.Length == 0) errors.WriteRow([.. errorHeader]);
        var violationFile = file + ".violations.csv";
        await using var violationStream = kind == "fills" ? new StreamWriter(violationFile, append: resumeAt > 0, CsvWriter.Utf8WithBom) : null;
        var violationRows = violationStream is null ? null : new CsvWriter(violationStream);
        if (violationStream is { BaseStream.Length: 0 }) violationRows!.WriteRow([.. violationHeader]);
        await run.Err.WriteLineAsync($"{file}：按 {CsvEncoding.Describe(encoding)} 读取，{KindLabel(kind)}，共 {total:N0} 行数据，列：" +
            string.Join("、", header.Columns.Where(c => c is not null).Select(c => $"{c!.Label}（{c.Field}）")) + "。");
        if (resumeAt > 0) await run.Err.WriteLineAsync($"接着上次的进度，从第 {resumeAt + 1:N0} 行数据导入（进度记录 {progressFile}；要从头导入请加 --restart）。");

        long row = 0, stored = 0, rejected = 0, repeated = 0, violations = 0;
        var committed = resumeAt; // data rows up to which every row is stored or listed in the error file
        var watch = Stopwatch.StartNew();
        var batch = new List<Row>(Math.Min(batchSize, 10_000));
        // Rows refused before the API sees them; written with the batch's own rejections in line order.
        var refusedEarly = new List<(long Line, string Column, string Reason)>();
        using var reader = CsvReader.Open(file, encoding);
        for (var i = 0; i < header.Rows; i++) reader.Read();
        try
        {
            while (true)
            {
                var more = reader.Read();
                if (more)
                {
                    row++;
                    if (row <= resumeAt) continue;
                    if (RowProblem(reader.Fields, header) is { } problem) refusedEarly.Add((reader.Line, problem.Column, problem.Reason));
                    else batch.Add(new Row(reader.Line, reader.Fields));
                    if (batch.Count + refusedEarly.Count < batchSize) continue;
                }
                if (batch.Count + refusedEarly.Count > 0)
                {
                    var outcome = batch.Count > 0 ? await IngestAsync(ingest, enterpriseId, header, batch, ct) : new Outcome(0, 0, [], [], null);
                    if (outcome.Refusal is { } refusal)
                    {
                        // The key's enterprise may not send this kind at all (a supply station's cylinders): no row of the file can be stored.
                        await run.Err.WriteLineAsync();
                        await run.Err.WriteLineAsync($"{file}：{refusal}");
                        await run.Err.WriteLineAsync(stored + repeated == 0 ? "整个文件未被接受，没有导入任何一行。" : $"在第 {row:N0} 行数据处停止；此前已保存 {stored:N0} 行。");
                        return 1;
                    }
                    stored += outcome.Stored;
                    repeated += outcome.Repeated;
                    foreach (var (line, column, reason) in refusedEarly.Concat(outcome.Rejected).OrderBy(r => r.Line))
                    {
                        rejected++;
                        errors.WriteRow(line, column, reason);
                    }
                    foreach (var (line, v) in outcome.Violations)
                    {
                        violations++;
                        violationRows?.WriteRow(line, v.EventId, v.CylinderCode, Cylinders.FillRules.Labels(v.Kinds));
                    }
                    await errorStream.FlushAsync(CancellationToken.None);
                    if (violationStream is not null) await violationStream.FlushAsync(CancellationToken.None);
                    await WriteProgressAsync(progressFile, row, fileStamp);
                    committed = row;
                    batch.Clear();
                    refusedEarly.Clear();
                    // After every batch (a line rewritten in place): the rows done, the rate and the time left.
                    var done = row - resumeAt;
                    var rate = done / Math.Max(0.001, watch.Elapsed.TotalSeconds);
                    var eta = rate > 0 ? TimeSpan.FromSeconds((total - row) / rate) : TimeSpan.Zero;
                    await run.Err.WriteAsync($"\r{KindLabel(kind)}：{row:N0}/{total:N0} 行（每秒 {rate:N0} 行，预计还需 {eta:hh\\:mm\\:ss}）   ");
                }
                if (!more) break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C or a stop: the batch in flight was either committed whole or not at all, so the next run starts after the last saved batch.
            await run.Err.WriteLineAsync();
            if (committed == 0)
            {
                await run.Err.WriteLineAsync("已中断：第一批还没有保存，没有导入任何一行。再运行一次同一条命令即可导入这个文件。");
                return Interrupted;
            }
            await run.Err.WriteLineAsync($"已中断。共 {total:N0} 行数据，第 1-{committed:N0} 行已处理完（本次保存 {stored:N0} 行、已存在 {repeated:N0} 行、拒收 {rejected:N0} 行）；" +
                $"再运行一次同一条命令，将从第 {committed + 1:N0} 行数据接着导入（进度记录 {progressFile}），加 --restart 则从头导入。");
            return Interrupted;
        }
        await run.Err.WriteLineAsync();
        File.Delete(progressFile);
        // An error or violation file with nothing under its header would only make someone open it to find nothing.
        await errorStream.DisposeAsync();
        DeleteIfOnlyHeader(errorFile, errorHeader);
        if (violationStream is not null)
        {
            await violationStream.DisposeAsync();
            DeleteIfOnlyHeader(violationFile, violationHeader);
        }
        var read = row - resumeAt;
        await run.Out.WriteLineAsync($"已为 {licence} 导入{KindLabel(kind)}：{Path.GetFileName(file)}（{CsvEncoding.Describe(encoding)}），用时 {watch.Elapsed.TotalSeconds:F1} 秒。" +
            $"共 {row:N0} 行数据 = " + (resumeAt > 0 ? $"以前的运行已处理 {resumeAt:N0} 行 + " : "") +
            $"保存 {stored:N0} 行 + 已存在 {repeated:N0} 行 + 拒收 {rejected:N0} 行" + (rejected > 0 ? $"（每一行的行号和原因见 {errorFile}）" : "") + "。" +
            (kind == "fills" ? $"保存的充装中有 {violations:N0} 次违反充装联锁规则" + (violations > 0 ? $"（见 {file}.violations.csv；每一次都是所在区市场监管部门的一个案件）。" : "。") : ""));
        if (stored + repeated + rejected != read)
            await run.Err.WriteLineAsync($"警告：各项计数之和与本次读取的 {read:N0} 行对不上，请报告这个问题。");
        return rejected > 0 ? RowsRejected : 0;
    }

    private static void DeleteIfOnlyHeader(string path, string[] header)
    {
        var empty = CsvWriter.Utf8(CsvWriter.Document(w => w.WriteRow([.. header]))).Length;
        if (File.Exists(path) && new FileInfo(path).Length <= empty) File.Delete(path);
    }

    /// <summary>What identifies the file's content for a resume: its length and last write time.</summary>
    private static string Stamp(string file)
    {
        var info = new FileInfo(file);
        return $"{info.Length} {info.LastWriteTimeUtc.Ticks}";
    }

    /// <summary>The progress file: the data rows done, then the stamp of the file they were counted in (absent in files an older version wrote).</summary>
    private static (long Rows, string? Stamp)? ReadProgress(string progressFile)
    {
        if (!File.Exists(progressFile)) return null;
        var lines = File.ReadAllLines(progressFile);
        if (lines.Length == 0 || !long.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var rows)) return null;
        return (rows, lines.Length > 1 ? lines[1].Trim() : null);
    }

    // Not cancelled with the import: the batch it records is committed already.
    private static Task WriteProgressAsync(string progressFile, long rows, string stamp) =>
        File.WriteAllTextAsync(progressFile, rows.ToString(CultureInfo.InvariantCulture) + "\n" + stamp + "\n", CancellationToken.None);

    /// <summary>Reads the whole file once: the header (refusing unknown, missing or repeated columns), the data rows' count, and the CSV's form (malformed: refused).</summary>
    private static (Header Header, long Rows) Survey(string file, Encoding encoding, string kind)
    {
        using var reader = CsvReader.Open(file, encoding);
        if (!reader.Read()) throw new InvalidDataException("文件是空的：第一行应为表头（列名），见导入模板。");
        var header = ReadHeader(reader.Fields, kind);
        long rows = 0;
        var first = true;
        while (reader.Read())
        {
            // The template's second header row (the field names under the Chinese ones, or the other way round).
            if (first && IsHeaderAgain(reader.Fields, header)) header = header with { Rows = 2 };
            else rows++;
            first = false;
        }
        return (header, rows);
    }

    private static Header ReadHeader(string[] cells, string kind)
    {
        var columns = ImportColumns.ByKind[kind];
        var names = cells.Select(c => c.Trim().TrimStart('\uFEFF')).ToArray();
        // Cells after the last named one that are empty (a spreadsheet's trailing commas) are no column.
        var width = names.Length;
        while (width > 0 && names[width - 1].Length == 0) width--;
        var found = new ImportColumn?[width];
        var unknown = new List<string>();
        var twice = new List<string>();
        for (var i = 0; i < width; i++)
        {
            var column = columns.FirstOrDefault(c => c.Names(names[i]));
            if (column is null) { unknown.Add(names[i].Length == 0 ? $"第{i + 1}列（无列名）" : $"“{names[i]}”"); continue; }
            if (found.Contains(column)) twice.Add($"“{names[i]}”");
            found[i] = column;
        }
        var problems = new List<string>();
        if (unknown.Count > 0)
            problems.Add($"表头有{KindLabel(kind)}导入不认识的列：{string.Join("、", unknown)}。可用的列：{string.Join("、", columns.Select(c => $"{c.Label}（{c.Field}）"))}");
        if (twice.Count > 0) problems.Add($"同一列出现了两次：{string.Join("、", twice)}");
        var missing = columns.Where(c => c.Required && !found.Contains(c)).ToList();
        if (missing.Count > 0) problems.Add($"缺少必填的列：{string.Join("、", missing.Select(c => $"{c.Label}（{c.Field}）"))}");
        if (problems.Count > 0) throw new InvalidDataException(string.Join("；", problems) + "。请按导入模板（import-template，或 /integration/import-templates/" + kind + ".csv）填写第一行。");
        return new Header(found, names[..width], 1);
    }

    private static bool IsHeaderAgain(string[] cells, Header header)
    {
        var any = false;
        for (var i = 0; i < cells.Length; i++)
        {
            var cell = cells[i].Trim();
            if (cell.Length == 0) continue;
            if (i >= header.Columns.Length || header.Columns[i] is not { } column || !column.Names(cell)) return false;
            any = true;
        }
        return any;
    }

    [GeneratedRegex(@"^\d(\.\d+)?E\+\d+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ScientificNotation();

    /// <summary>What is wrong with a row before the API sees it: cells past the header, or a number Excel turned into scientific notation.</summary>
    private static (string Column, string Reason)? RowProblem(string[] cells, Header header)
    {
        for (var i = header.Columns.Length; i < cells.Length; i++)
            if (cells[i].Trim().Length > 0)
                return ("", $"这一行有 {cells.Length} 个单元格，表头只有 {header.Columns.Length} 列：多出的第{i + 1}列是“{Truncate(cells[i])}”。单元格里有逗号时须用双引号包住整个单元格。");
        for (var i = 0; i < header.Columns.Length && i < cells.Length; i++)
            if (ScientificNotation().IsMatch(cells[i].Trim()))
                return (header.Names[i], $"“{cells[i].Trim()}”是 Excel 把长数字显示成的科学计数法，原来的数字已经丢失：请把该列设为“文本”格式后重新填写，再另存为 CSV。");
        // A date the API would only call "of the wrong type or format": say which cell and what a date looks like.
        for (var i = 0; i < header.Columns.Length && i < cells.Length; i++)
            if (header.Columns[i] is { IsDate: true } && cells[i].Trim() is { Length: > 0 } value
                && !DateOnly.TryParseExact(value, DateForms, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                return (header.Names[i], $"“{Truncate(value)}”不是有效的日期：请写成 2026-11-28（或 2026/11/28、2026年11月28日）。");
        return null;
    }

    private static string Truncate(string text) => text.Length > 30 ? text[..30] + "…" : text;

    private static string KindLabel(string kind) => kind switch
    {
        "cylinders" => "气瓶档案",
        "workers" => "送气工",
        "customers" => "用户",
        "fills" => "充装记录",
        "deliveries" => "配送记录",
        "returns" => "空瓶回收记录",
        _ => "检验记录",
    };

    private sealed record Outcome(int Stored, int Repeated, List<(long Line, string Column, string Reason)> Rejected, List<(long Line, FillViolationNotice Violation)> Violations, string? Refusal);

    /// <summary>
    /// One batch through the API's own code. A row about another enterprise's data refuses the API's whole batch
    /// (as the API must); here that row is rejected and the rest sent again, so one bad row never costs its batch.
    /// </summary>
    private static async Task<Outcome> IngestAsync(Func<IntegrationCaller, CancellationToken, Task<BatchResult>> ingest, int enterpriseId,
        Header header, List<Row> batch, CancellationToken ct)
    {
        var rejected = new List<(long, string, string)>();
        var rows = batch;
        while (true)
        {
            if (rows.Count == 0) return new Outcome(0, 0, rejected, [], null);
            try
            {
                var result = await ingest(new IntegrationCaller("import", enterpriseId, Json(header, rows)), ct);
                rejected.AddRange(result.Rejected.Select(p => (rows[p.Index].Line, ColumnName(header, p.Field), p.Reason)));
                return new Outcome(result.Stored, result.Duplicates, rejected,
                    (result.Violations ?? []).Select(v => (rows[v.Index].Line, v)).ToList(), null);
            }
            catch (NotYoursException ex)
            {
                if (ex.Records.Any(r => r.Field.Length == 0)) return new Outcome(0, 0, rejected, [], ex.Records.First(r => r.Field.Length == 0).Reason);
                var refused = ex.Records.Select(r => r.Index).ToHashSet();
                rejected.AddRange(ex.Records.Select(p => (rows[p.Index].Line, ColumnName(header, p.Field), p.Reason)));
                rows = rows.Where((_, i) => !refused.Contains(i)).ToList();
            }
        }
    }

    /// <summary>The column as the file names it (its header cell), for a field the API names.</summary>
    private static string ColumnName(Header header, string field)
    {
        for (var i = 0; i < header.Columns.Length; i++)
            if (header.Columns[i] is { } c && string.Equals(c.Field, field, StringComparison.OrdinalIgnoreCase)) return header.Names[i];
        return field;
    }

    /// <summary>The rows as the API's own JSON batch, so they meet exactly the API's checks and scope. Empty cells are absent fields; dates and times as Excel writes them are put in ISO 8601.</summary>
    private static ReadOnlyMemory<byte> Json(Header header, List<Row> rows)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("records");
            foreach (var row in rows)
            {
                json.WriteStartObject();
                for (var c = 0; c < header.Columns.Length && c < row.Cells.Length; c++)
                {
                    var value = row.Cells[c].Trim();
                    if (value.Length > 0 && header.Columns[c] is { } column) json.WriteString(column.Field, Normalise(column, value));
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static readonly string[] DateForms = ["yyyy-M-d", "yyyy/M/d", "yyyy.M.d", "yyyy年M月d日", "yyyyMMdd"];
    private static readonly string[] LocalTimeForms = ["yyyy-M-d H:mm", "yyyy-M-d H:mm:ss", "yyyy/M/d H:mm", "yyyy/M/d H:mm:ss", "yyyy-M-dTH:mm:ss", "yyyy-M-dTH:mm"];

    /// <summary>
    /// Excel rewrites dates in the form the computer shows them (2026/11/28, 2026/11/28 9:30) when it saves a CSV:
    /// such a date becomes 2026-11-28, and a time without an offset is China Standard Time (+08:00). Anything else is left for the API to judge.
    /// </summary>
    private static string Normalise(ImportColumn column, string value)
    {
        if (column.IsDate && DateOnly.TryParseExact(value, DateForms, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (column.IsTime && DateTime.TryParseExact(value, LocalTimeForms, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return new DateTimeOffset(local, TimeSpan.FromHours(8)).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);
        return value;
    }
}
