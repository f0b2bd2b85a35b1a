using System.Text;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Csv;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Integration;

/// <summary>Registries imported from CSV with the API's own checks: an error file for every rejected row, resumable after an interruption.</summary>
[Collection(Collections.Integration)]
public sealed class Importing_a_registry_from_CSV(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    [Fact]
    public async Task stores_the_good_rows_and_lists_every_bad_one_with_its_line_and_reason()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        string a = NewCode(), b = NewCode(), c = NewCode();
        var file = Path.Combine(Path.GetTempPath(), $"ct-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, string.Join("\n",
            "code,serial,spec,manufacturer,manufactureDate,nextInspectionDate,scrapDate",
            $"{a},S-1,YSP-15,\"钢瓶厂, 福州\",2022-01-01,2026-01-01,2034-01-01",
            $"no,S-2,YSP-15,厂,2022-01-01,,",
            "",
            $"{b},S-3,YSP-15,厂,someday,,",
            $"{c},\"S-\"\"4\"\"\",YSP-15,厂,2021-06-01,,") + "\n", new UTF8Encoding(false));

        Assert.Equal(0, await CsvImport.RunAsync(fx.Host.Services, ["--kind", "cylinders", "--file", file, "--as", licence], CancellationToken.None));
        await using var conn = await fx.Database.OpenAsync();
        var stored = (await conn.QueryAsync<(string Code, string Serial, string Manufacturer)>(
            "SELECT code, serial, manufacturer FROM cylinders WHERE code IN @codes ORDER BY code", new { codes = new[] { a, b, c } })).ToList();
        Assert.Equal(2, stored.Count);
        Assert.Contains(stored, s => s.Code == a && s.Manufacturer == "钢瓶厂, 福州");
        Assert.Contains(stored, s => s.Code == c && s.Serial == "S-\"4\"");
        // The error file is for a spreadsheet (the one CSV writer: byte-order mark, quoted cells); each row names the line the record starts on.
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, (await File.ReadAllBytesAsync(file + ".errors.csv"))[..3]);
        var errors = ReadAll(file + ".errors.csv");
        Assert.Equal(["line", "field", "reason"], errors[0]);
        Assert.Equal(2, errors.Count - 1);
        Assert.Equal(["3", "code"], errors[1][..2]);
        Assert.Equal(["5", "manufactureDate"], errors[2][..2]);
        Assert.False(File.Exists(file + ".progress"));
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
        var file = Path.Combine(Path.GetTempPath(), $"ct-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, string.Join("\n",
            "eventId,cylinderCode,filledAt,netWeightKg",
            $"E1-{good.Code},{good.Code},{at},14.5",
            $"E2-{foreign.Code},{foreign.Code},{at},14.5",
            $"E3-{unregistered},{unregistered},{at},",
            $"E4-{good.Code},{good.Code},someday,") + "\n", new UTF8Encoding(true));

        Assert.Equal(0, await CsvImport.RunAsync(fx.Host.Services, ["--kind", "fills", "--file", file, "--as", licence], CancellationToken.None));
        var violations = ReadAll(file + ".violations.csv");
        Assert.Equal(["line", "eventId", "cylinderCode", "violations"], violations[0]);
        // Without a fill check every fill broke no_check; the foreign and the unregistered one more.
        Assert.Equal(["2", "3", "4"], violations.Skip(1).Select(v => v[0]).ToArray());
        Assert.Equal("产权属于其他企业（体外循环）、未经充装前检查", violations[2][3]);
        Assert.Equal("气瓶未登记、未经充装前检查", violations[3][3]);
        Assert.Equal(["5", "filledAt"], ReadAll(file + ".errors.csv")[1][..2]);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(3, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM fill_violations WHERE enterprise_id = @owner", new { owner }));
    }

    [Fact]
    public async Task refuses_a_malformed_file_before_storing_any_row()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        string a = NewCode(), b = NewCode();
        var file = Path.Combine(Path.GetTempPath(), $"ct-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, string.Join("\n",
            "code,serial,spec,manufacturer,manufactureDate",
            $"{a},S-1,YSP-15,\"钢瓶厂\n福州\",2022-01-01",
            $"{b},\"S-2\"x,YSP-15,厂,2022-01-01") + "\n", new UTF8Encoding(true));

        Assert.Equal(1, await CsvImport.RunAsync(fx.Host.Services, ["--kind", "cylinders", "--file", file, "--as", licence], CancellationToken.None));
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM cylinders WHERE code IN @codes", new { codes = new[] { a, b } }));
        Assert.False(File.Exists(file + ".errors.csv"));
    }

    private static List<string[]> ReadAll(string file)
    {
        using var reader = CsvReader.Open(file);
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(reader.Fields);
        return rows;
    }

    [Fact]
    public async Task resumes_after_the_last_committed_batch()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var codes = Enumerable.Range(0, 7).Select(_ => NewCode()).ToList();
        var file = Path.Combine(Path.GetTempPath(), $"ct-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(file, codes.Select(c => $"{c},S,YSP-15,厂,2022-01-01").Prepend("code,serial,spec,manufacturer,manufactureDate"));
        // As if an earlier run had committed the first three rows (batches of 3) and then been killed.
        await File.WriteAllTextAsync(file + ".progress", "3");

        Assert.Equal(0, await CsvImport.RunAsync(fx.Host.Services, ["--kind", "cylinders", "--file", file, "--as", licence, "--batch", "3"], CancellationToken.None));
        await using var conn = await fx.Database.OpenAsync();
        var stored = (await conn.QueryAsync<string>("SELECT code FROM cylinders WHERE code IN @codes", new { codes })).ToHashSet();
        Assert.Equal(codes.Skip(3).ToHashSet(), stored);
        Assert.False(File.Exists(file + ".progress"));

        Assert.Equal(0, await CsvImport.RunAsync(fx.Host.Services, ["--kind", "cylinders", "--file", file, "--as", licence, "--restart"], CancellationToken.None));
        Assert.Equal(7, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM cylinders WHERE code IN @codes", new { codes }));
    }
}
