using System.Net;
using System.Text;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Integration;

/// <summary>
/// Registries imported from CSV as Excel saves it (UTF-8 or GBK, Chinese or field-name headers), through the `import`
/// command as an operator runs it, with the API's own checks: a bad row costs only itself, every rejected row is in
/// the error file with its line and a Chinese reason, the counts add up, resumable after an interruption.
/// </summary>
[Collection(Collections.Integration)]
public sealed class Importing_a_registry_from_CSV(WebHostFixture fx)
{
    private static readonly Encoding Gbk = GetGbk();

    private static Encoding GetGbk()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(936);
    }

    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private static string NewFile() => Path.Combine(Path.GetTempPath(), $"ct-import-{Guid.NewGuid():N}.csv");

    private Task<Cli.Result> ImportAsync(params string[] args) => new Cli().RunAsync(fx.Host.Services, null, ["import", .. args]);

    private async Task<List<(string Code, string Serial, string Manufacturer)>> StoredAsync(params string[] codes)
    {
        await using var conn = await fx.Database.OpenAsync();
        return (await conn.QueryAsync<(string, string, string)>(
            "SELECT code, serial, manufacturer FROM cylinders WHERE code IN @codes ORDER BY code", new { codes })).ToList();
    }

    private static List<string[]> ReadAll(string file)
    {
        using var reader = CsvReader.Open(file);
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(reader.Fields);
        return rows;
    }

    [Fact]
    public async Task stores_the_good_rows_and_lists_every_bad_one_with_its_line_and_a_chinese_reason()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        string a = NewCode(), b = NewCode(), c = NewCode();
        var file = NewFile();
        await File.WriteAllTextAsync(file, string.Join("\n",
            "code,serial,spec,manufacturer,manufactureDate,nextInspectionDate,scrapDate",
            $"{a},S-1,YSP-15,\"钢瓶厂, 福州\",2022-01-01,2026-01-01,2034-01-01",
            $"no,S-2,YSP-15,厂,2022-01-01,,",
            "",
            $"{b},S-3,YSP-15,厂,someday,,",
            $"{c},\"S-\"\"4\"\"\",YSP-15,厂,2021-06-01,,") + "\n", new UTF8Encoding(false));

        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence);
        Assert.Equal(CsvImport.RowsRejected, result.Exit);
        Assert.Contains("共 4 行数据 = 保存 2 行 + 已存在 0 行 + 拒收 2 行", result.Out);
        var stored = await StoredAsync(a, b, c);
        Assert.Equal(2, stored.Count);
        Assert.Contains(stored, s => s.Code == a && s.Manufacturer == "钢瓶厂, 福州");
        Assert.Contains(stored, s => s.Code == c && s.Serial == "S-\"4\"");
        // The error file is for a spreadsheet (the one CSV writer: byte-order mark, quoted cells), in Chinese; each row names the line the record starts on.
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, (await File.ReadAllBytesAsync(file + ".errors.csv"))[..3]);
        var errors = ReadAll(file + ".errors.csv");
        Assert.Equal(["行号", "列", "原因"], errors[0]);
        Assert.Equal(2, errors.Count - 1);
        Assert.Equal(["3", "code"], errors[1][..2]);
        Assert.Contains("气瓶码格式不对", errors[1][2]);
        Assert.Equal(["5", "manufactureDate"], errors[2][..2]);
        Assert.False(File.Exists(file + ".progress"));
    }

    /// <summary>Chinese Excel's "CSV (逗号分隔)": GBK bytes, Chinese headers, dates as the computer shows them. Before: U+FFFD garbage and "1 stored".</summary>
    [Fact]
    public async Task reads_a_file_chinese_excel_saved_in_gbk_with_chinese_headers()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        string a = NewCode(), b = NewCode();
        var file = NewFile();
        var text = string.Join("\r\n",
            "气瓶码,钢印号,规格,制造单位,制造日期,下次检验日期",
            $"{a},钢-001,YSP-15,福州钢瓶制造有限公司,2022/1/5,2026/1/5",
            $"{b},钢-002,YSP-50,闽侯县液化气钢瓶厂,2021/12/31,") + "\r\n";
        var bytes = Gbk.GetBytes(text);
        Assert.Throws<DecoderFallbackException>(() => CsvEncoding.Utf8.GetString(bytes)); // really not UTF-8
        await File.WriteAllBytesAsync(file, bytes);

        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence);
        Assert.True(result.Exit == 0, result.Err + result.Out);
        Assert.Contains("GB18030/GBK", result.Out);
        Assert.Contains("共 2 行数据 = 保存 2 行 + 已存在 0 行 + 拒收 0 行", result.Out);
        var stored = await StoredAsync(a, b);
        Assert.Equal([(a, "钢-001", "福州钢瓶制造有限公司"), (b, "钢-002", "闽侯县液化气钢瓶厂")], stored.OrderBy(s => s.Serial));
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(new DateTime(2022, 1, 5), await conn.ExecuteScalarAsync<DateTime>("SELECT manufacture_date FROM cylinders WHERE code = @a", new { a }));
    }

    [Fact]
    public async Task takes_the_templates_two_header_rows_and_serves_the_template()
    {
        var template = await fx.Host.CreateClient().GetAsync("/integration/import-templates/cylinders.csv");
        Assert.Equal(HttpStatusCode.OK, template.StatusCode);
        Assert.Equal("text/csv", template.Content.Headers.ContentType?.MediaType);
        var bytes = await template.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Host.CreateClient().GetAsync("/integration/import-templates/cylinder.csv")).StatusCode);

        // The command writes the same bytes.
        var written = NewFile();
        var made = await new Cli().RunAsync((IServiceProvider?)null, null, "import-template", "--kind", "cylinders", "--out", written);
        Assert.Equal(0, made.Exit);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(written));
        var rows = ReadAll(written);
        Assert.Equal(2, rows.Count);
        Assert.Equal("气瓶码", rows[0][0]);
        Assert.Equal("code", rows[1][0]);

        // Filled in below both header rows, as Excel saves it (UTF-8 with a byte-order mark, CRLF).
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var code = NewCode();
        var file = NewFile();
        await File.WriteAllBytesAsync(file, [.. bytes, .. Encoding.UTF8.GetBytes($"{code},S-9,YSP-15,厂,2023-03-03,,,,,\r\n")]);
        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence);
        Assert.True(result.Exit == 0, result.Err + result.Out);
        Assert.Contains("共 1 行数据 = 保存 1 行", result.Out);
        Assert.Single(await StoredAsync(code));
    }

    [Fact]
    public async Task refuses_unknown_missing_and_repeated_columns_by_name_before_storing_anything()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var code = NewCode();
        var file = NewFile();
        await File.WriteAllTextAsync(file, $"气瓶码,钢印号,规格,制造日期,颜色,serialNo\n{code},S,YSP-15,2022-01-01,灰,1\n", new UTF8Encoding(true));
        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence);
        Assert.Equal(1, result.Exit);
        Assert.Contains("“颜色”", result.Err);
        Assert.Contains("“serialNo”", result.Err);
        Assert.Contains("没有导入任何一行", result.Err);
        Assert.Empty(await StoredAsync(code));

        await File.WriteAllTextAsync(file, $"code,气瓶码,spec,manufactureDate\n{code},{code},YSP-15,2022-01-01\n", new UTF8Encoding(true));
        result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence);
        Assert.Equal(1, result.Exit);
        Assert.Contains("同一列出现了两次：“气瓶码”", result.Err);
        Assert.Contains("缺少必填的列：钢印号（serial）", result.Err);
        Assert.Empty(await StoredAsync(code));
    }

    public static TheoryData<string, byte[], string> UnreadableFiles() => new()
    {
        { "UTF-16", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("code,serial\r\n")], "UTF-16" },
        { "a workbook", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], "Excel 工作簿" },
        { "neither UTF-8 nor GB18030", [.. Encoding.ASCII.GetBytes("code,serial,spec,manufactureDate\nFZ1,"), 0x81, 0x20, 0xFF, 0x0A], "既不是 UTF-8，也不是 GBK/GB18030" },
        { "a byte-order mark over GBK", [0xEF, 0xBB, 0xBF, .. Gbk.GetBytes("气瓶码,钢印号\n")], "标明是 UTF-8 编码，但第 1 行" },
    };

    [Theory]
    [MemberData(nameof(UnreadableFiles))]
    public async Task refuses_a_file_in_an_encoding_it_cannot_read_saying_how_to_save_it(string what, byte[] bytes, string expected)
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var file = NewFile();
        await File.WriteAllBytesAsync(file, bytes);
        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", await fx.Data.LicenceOfAsync(owner));
        Assert.True(result.Exit == 1, what);
        Assert.Contains(expected, result.Err);
        Assert.Contains("另存为", result.Err);
        Assert.False(File.Exists(file + ".errors.csv"));
    }

    /// <summary>An unclosed quote: the file is refused naming the line the quote opened on, and no row is stored (before: the rest of the file was one cell, and another line was blamed).</summary>
    [Fact]
    public async Task refuses_a_malformed_file_naming_the_line_before_storing_any_row()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        string a = NewCode(), b = NewCode(), c = NewCode();
        var file = NewFile();
        await File.WriteAllTextAsync(file, string.Join("\n",
            "code,serial,spec,manufacturer,manufactureDate",
            $"{a},S-1,YSP-15,\"钢瓶厂\n福州\",2022-01-01",
            $"{b},S-2,YSP-15,\"厂,2022-01-01",
            $"{c},S-3,YSP-15,厂,2022-01-01") + "\n", new UTF8Encoding(true));

        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence);
        Assert.Equal(1, result.Exit);
        Assert.Contains("第 4 行开始的记录有未闭合的双引号", result.Err);
        Assert.Empty(await StoredAsync(a, b, c));
        Assert.False(File.Exists(file + ".errors.csv"));
    }

    /// <summary>
    /// A row about another enterprise's cylinder makes the API refuse its whole batch; the import takes that row out and
    /// sends the rest again. Before: every row of such batches vanished while the summary counted only the bad rows.
    /// </summary>
    [Fact]
    public async Task rejects_a_row_of_another_enterprise_alone_never_its_batch_and_the_counts_add_up()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var theirs = await fx.Data.CylinderAsync(ownerId: other);
        var mine = Enumerable.Range(0, 9).Select(_ => NewCode()).ToList();
        var lines = mine.Select(c => $"{c},S,YSP-15,厂,2022-01-01").ToList();
        lines.Insert(2, $"{theirs.Code},S,YSP-15,厂,2022-01-01");
        lines.Insert(7, $"{NewCode()},S,YSP-15,厂,2022-01-01,多出来的");
        lines.Insert(8, $"{NewCode()},3.50102E+17,YSP-15,厂,2022-01-01");
        var file = NewFile();
        await File.WriteAllLinesAsync(file, lines.Prepend("code,serial,spec,manufacturer,manufactureDate"));

        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence, "--batch", "4");
        Assert.Equal(CsvImport.RowsRejected, result.Exit);
        Assert.Contains("共 12 行数据 = 保存 9 行 + 已存在 0 行 + 拒收 3 行", result.Out);
        Assert.Equal(mine.Order(), (await StoredAsync([.. mine])).Select(s => s.Code));
        var errors = ReadAll(file + ".errors.csv").Skip(1).ToList();
        Assert.Equal(["4", "9", "10"], errors.Select(e => e[0]));
        Assert.Contains("已登记在其他企业名下", errors[0][2]);
        Assert.Contains("表头只有 5 列", errors[1][2]);
        Assert.Equal("serial", errors[2][1]);
        Assert.Contains("科学计数法", errors[2][2]);
    }

    /// <summary>Before, rows refused before the API (a cell too many) were written at once and the API's rejections at the batch's end, so line 3 came before line 2.</summary>
    [Fact]
    public async Task the_error_file_lists_the_rejected_rows_in_line_order()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var file = NewFile();
        await File.WriteAllLinesAsync(file, [
            "code,serial,spec,manufacturer,manufactureDate",
            $"{NewCode()},S,,厂,2022-01-01",
            $"{NewCode()},S,YSP-15,厂,2022-01-01,多出来的",
            $"{NewCode()},S,YSP-15,厂,2022/13/40",
            $"{NewCode()},S,YSP-15,厂,2022-01-01"]);

        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", await fx.Data.LicenceOfAsync(owner));
        Assert.Equal(CsvImport.RowsRejected, result.Exit);
        var errors = ReadAll(file + ".errors.csv").Skip(1).ToList();
        Assert.Equal(["2", "3", "4"], errors.Select(e => e[0]));
        // A date that is none: the cell and what a date looks like (before, only "类型或格式不对").
        Assert.Equal(["manufactureDate", "“2022/13/40”不是有效的日期：请写成 2026-11-28（或 2026/11/28、2026年11月28日）。"], errors[2][1..]);
    }

    [Fact]
    public async Task fills_from_a_file_are_judged_by_the_interlock_like_the_apis()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var other = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        var good = await fx.Data.CylinderAsync(ownerId: owner, nextInspection: today.AddYears(1));
        var foreign = await fx.Data.CylinderAsync(ownerId: other, stationId: other, nextInspection: today.AddYears(1));
        var unregistered = NewCode();
        var at = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:sszzz");
        // Excel's form of a time: no offset, China Standard Time.
        var excelTime = DateTimeOffset.UtcNow.AddHours(8 - 2).ToString("yyyy/M/d H:mm");
        var file = NewFile();
        await File.WriteAllTextAsync(file, string.Join("\n",
            "事件编号,气瓶码,充装时间,净重",
            $"E1-{good.Code},{good.Code},{at},14.5",
            $"E2-{foreign.Code},{foreign.Code},{at},14.5",
            $"E3-{unregistered},{unregistered},{at},",
            $"E4-{good.Code},{good.Code},someday,",
            $"E5-{good.Code},{good.Code},{excelTime},") + "\n", new UTF8Encoding(true));

        var result = await ImportAsync("--kind", "fills", "--file", file, "--as", licence);
        Assert.Equal(CsvImport.RowsRejected, result.Exit);
        Assert.Contains("共 5 行数据 = 保存 4 行 + 已存在 0 行 + 拒收 1 行", result.Out);
        var violations = ReadAll(file + ".violations.csv");
        Assert.Equal(["行号", "事件编号", "气瓶码", "违反的规定"], violations[0]);
        // Without a fill check every fill broke no_check; the foreign and the unregistered one more.
        Assert.Equal(["2", "3", "4", "6"], violations.Skip(1).Select(v => v[0]).ToArray());
        Assert.Equal("产权属于其他企业（体外循环）、未经充装前检查", violations[2][3]);
        Assert.Equal("气瓶未登记、未经充装前检查", violations[3][3]);
        Assert.Equal(["5", "充装时间"], ReadAll(file + ".errors.csv")[1][..2]);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(4, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fill_violations WHERE enterprise_id = @owner", new { owner }));
    }

    [Fact]
    public async Task refuses_a_supply_stations_registry_file_as_a_whole_saying_why()
    {
        var filler = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: filler);
        var code = NewCode();
        var file = NewFile();
        await File.WriteAllTextAsync(file, $"code,serial,spec,manufactureDate\n{code},S,YSP-15,2022-01-01\n");
        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", await fx.Data.LicenceOfAsync(station));
        Assert.Equal(1, result.Exit);
        Assert.Contains("供应站的密钥不能登记气瓶", result.Err);
        Assert.Empty(await StoredAsync(code));
    }

    [Fact]
    public async Task resumes_after_the_last_committed_batch()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var codes = Enumerable.Range(0, 7).Select(_ => NewCode()).ToList();
        var file = NewFile();
        await File.WriteAllLinesAsync(file, codes.Select(c => $"{c},S,YSP-15,厂,2022-01-01").Prepend("code,serial,spec,manufacturer,manufactureDate"));
        // As if an earlier run had committed the first three rows (batches of 3) and then been killed.
        await File.WriteAllTextAsync(file + ".progress", "3");

        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence, "--batch", "3");
        Assert.Equal(0, result.Exit);
        Assert.Contains("共 7 行数据 = 以前的运行已处理 3 行 + 保存 4 行 + 已存在 0 行 + 拒收 0 行", result.Out);
        Assert.Contains("预计还需", result.Err);
        Assert.Equal(codes.Skip(3).Order(), (await StoredAsync([.. codes])).Select(s => s.Code));
        Assert.False(File.Exists(file + ".progress"));
        // Nothing rejected: no error file with only its header to open.
        Assert.False(File.Exists(file + ".errors.csv"));

        result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence, "--restart");
        Assert.Equal(0, result.Exit);
        Assert.Equal(7, (await StoredAsync([.. codes])).Count);
    }

    /// <summary>Stderr that cancels the run (as Ctrl+C does) once the first batch's progress is written.</summary>
    private sealed class InterruptAfterFirstBatch(CancellationTokenSource cts) : StringWriter
    {
        public override Task WriteAsync(string? value)
        {
            if (value?.Contains("预计还需", StringComparison.Ordinal) == true) cts.Cancel();
            return base.WriteAsync(value);
        }
    }

    private async Task<(int Exit, string Err)> ImportInterruptedAfterFirstBatchAsync(string file, string licence)
    {
        using var cts = new CancellationTokenSource();
        var err = new InterruptAfterFirstBatch(cts);
        var run = new CylinderTrace.Platform.Commands.CommandRun(fx.Host.Services, new System.CommandLine.RootCommand().Parse([]), new StringWriter(), err);
        var exit = await CsvImport.RunAsync(run, "cylinders", file, licence, 3, false, cts.Token);
        return (exit, err.ToString());
    }

    /// <summary>Ctrl+C in the middle: before, an unhandled OperationCanceledException (exit 134, a stack trace); now where it stopped and how to go on.</summary>
    [Fact]
    public async Task an_interrupted_import_says_where_it_stopped_and_goes_on_from_there_when_run_again()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var codes = Enumerable.Range(0, 7).Select(_ => NewCode()).ToList();
        var file = NewFile();
        await File.WriteAllLinesAsync(file, codes.Select(c => $"{c},S,YSP-15,厂,2022-01-01").Prepend("code,serial,spec,manufacturer,manufactureDate"));

        var (exit, err) = await ImportInterruptedAfterFirstBatchAsync(file, licence);
        Assert.Equal(CsvImport.Interrupted, exit);
        Assert.Contains("已中断。共 7 行数据，第 1-3 行已处理完", err);
        Assert.Contains("将从第 4 行数据接着导入", err);
        Assert.Equal(codes.Take(3).Order(), (await StoredAsync([.. codes])).Select(s => s.Code));

        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence, "--batch", "3");
        Assert.Equal(0, result.Exit);
        Assert.Contains("共 7 行数据 = 以前的运行已处理 3 行 + 保存 4 行 + 已存在 0 行 + 拒收 0 行", result.Out);
        Assert.Equal(7, (await StoredAsync([.. codes])).Count);
    }

    /// <summary>Before, the progress file held only a row count, so a file corrected after an interruption lost its first rows silently.</summary>
    [Fact]
    public async Task a_file_changed_after_an_interruption_is_imported_from_the_first_row()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var file = NewFile();
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 7).Select(_ => $"{NewCode()},S,YSP-15,厂,2022-01-01").Prepend("code,serial,spec,manufacturer,manufactureDate"));
        Assert.Equal(CsvImport.Interrupted, (await ImportInterruptedAfterFirstBatchAsync(file, licence)).Exit);

        var corrected = Enumerable.Range(0, 8).Select(_ => NewCode()).ToList();
        await File.WriteAllLinesAsync(file, corrected.Select(c => $"{c},S,YSP-15,厂,2022-01-01").Prepend("code,serial,spec,manufacturer,manufactureDate"));
        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", licence, "--batch", "3");
        Assert.Equal(0, result.Exit);
        Assert.Contains("在上次中断（进度记录", result.Err);
        Assert.Contains("共 8 行数据 = 保存 8 行", result.Out);
        Assert.Equal(corrected.Order(), (await StoredAsync([.. corrected])).Select(s => s.Code));
    }

    [Fact]
    public async Task an_unknown_licence_imports_nothing()
    {
        var file = NewFile();
        await File.WriteAllTextAsync(file, "code,serial,spec,manufactureDate\n");
        var result = await ImportAsync("--kind", "cylinders", "--file", file, "--as", "NO-SUCH-LICENCE");
        Assert.Equal(1, result.Exit);
        Assert.Contains("没有许可证号为“NO-SUCH-LICENCE”的企业", result.Err);
    }

    [Fact]
    public async Task integration_keys_are_listed_in_china_standard_time()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var created = await new Cli().RunAsync(fx.Host.Services, null, "integration-key", "create", "--licence", licence, "--tsv");
        Assert.Equal(0, created.Exit);
        var keyId = created.Out.Split('\t')[1];
        var info = (await fx.Host.Services.GetRequiredService<IntegrationKeys>().ListAsync(CancellationToken.None)).Single(k => k.KeyId == keyId);
        var list = await new Cli().RunAsync(fx.Host.Services, null, "integration-key", "list");
        Assert.Equal(0, list.Exit);
        Assert.Contains("China Standard Time", list.Out);
        var line = list.Out.Split('\n').Single(l => l.StartsWith(keyId, StringComparison.Ordinal));
        Assert.Contains("created " + info.CreatedAt.AddHours(8).ToString("yyyy-MM-dd HH:mm"), line);
    }
}
