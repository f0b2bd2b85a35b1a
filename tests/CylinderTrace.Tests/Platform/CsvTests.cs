using System.Text;
using CylinderTrace.Platform.Csv;

namespace CylinderTrace.Tests.Platform;

/// <summary>The one CSV writer (RFC 4180, UTF-8 with a byte-order mark, CRLF, formula-looking text defused) and the one reader.</summary>
public sealed class Csv_written_for_spreadsheets
{
    private static string Row(params CsvCell[] cells) => CsvWriter.Document(w => w.WriteRow(cells))[1..];

    [Fact]
    public void quotes_every_cell_doubles_quotes_and_ends_records_with_CRLF()
    {
        var text = CsvWriter.Document(w =>
        {
            w.WriteRow("名称", "a,b", "say \"hi\"", "two\nlines", "");
            w.WriteRow("x");
        });
        Assert.Equal("\uFEFF\"名称\",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\r\n\"x\"\r\n", text);
    }

    [Theory]
    [InlineData("=1+2")]
    [InlineData("+86 591")]
    [InlineData("-2+3")]
    [InlineData("-3.5")]
    [InlineData("@SUM(A1)")]
    [InlineData("\t=1+2")]
    [InlineData("\r=1+2")]
    [InlineData("=HYPERLINK(\"http://x.example\",\"点我\")")]
    public void text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe(string text)
    {
        Assert.Equal("\"'" + text.Replace("\"", "\"\"") + "\"\r\n", Row(text));
    }

    [Theory]
    [InlineData("福州燃气")]
    [InlineData("a=b")]
    [InlineData("3-2")]
    [InlineData("'quoted already")]
    public void other_text_is_written_as_it_is(string text) => Assert.Equal("\"" + text + "\"\r\n", Row(text));

    [Fact]
    public void numbers_are_never_prefixed_so_negative_ones_stay_numbers()
    {
        Assert.Equal("\"-3.5\",\"-2\",\"-7\",\"-0.2500\",\"0.6666666666666666\",\"\"\r\n",
            Row(-3.5, -2, -7L, CsvCell.Number(-0.25, "0.0000"), 2 / 3.0, (double?)null));
        // The same characters as text are defused: the cell's type decides, not its look.
        Assert.Equal("\"'-3.5\"\r\n", Row("-3.5"));
        // Not a number a spreadsheet can hold: written as text, and defused.
        Assert.Equal("\"'-Infinity\",\"NaN\"\r\n", Row(double.NegativeInfinity, double.NaN));
    }

    [Fact]
    public void a_document_is_UTF8_with_a_byte_order_mark()
    {
        var bytes = CsvWriter.Utf8(CsvWriter.Document(w => w.WriteRow("鼓楼区", 1)));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Equal("\"鼓楼区\",\"1\"\r\n", new UTF8Encoding(false, true).GetString(bytes[3..]));
    }

    [Fact]
    public async Task a_file_gets_the_byte_order_mark_once_even_when_appended_to()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ct-csv-{Guid.NewGuid():N}.csv");
        try
        {
            await using (var stream = new StreamWriter(file, append: false, CsvWriter.Utf8WithBom)) new CsvWriter(stream).WriteRow("第一行");
            await using (var stream = new StreamWriter(file, append: true, CsvWriter.Utf8WithBom)) new CsvWriter(stream).WriteRow("第二行");
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
            Assert.Equal("\"第一行\"\r\n\"第二行\"\r\n", new UTF8Encoding(false, true).GetString(bytes[3..]));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void what_the_writer_writes_the_reader_reads_back()
    {
        string[] cells = ["plain", "a,b", "\"quoted\"", "two\r\nlines", "one\nline", "", "福州市鼓楼区", " spaced "];
        using var reader = CsvReader.Of(new StringReader(CsvWriter.Document(w => { w.WriteRow("h"); w.WriteRow([.. cells.Select(c => (CsvCell)c)]); })));
        Assert.True(reader.Read());
        Assert.Equal(["h"], reader.Fields);
        Assert.True(reader.Read());
        Assert.Equal(cells, reader.Fields);
        Assert.Equal(2, reader.Line);
        Assert.False(reader.Read());
    }
}

public sealed class Csv_read_from_files
{
    /// <summary>Each record as "line: field|field|…".</summary>
    private static List<string> ReadAll(string text)
    {
        using var reader = CsvReader.Of(new StringReader(text));
        var records = new List<string>();
        while (reader.Read()) records.Add($"{reader.Line}: {string.Join('|', reader.Fields)}");
        return records;
    }

    [Fact]
    public void quoted_fields_hold_commas_quotes_and_line_breaks_and_each_record_knows_its_first_line()
    {
        var records = ReadAll(
            "code,serial,manufacturer\n" +
            "A,S-1,\"钢瓶厂, 福州\"\n" +
            "B,\"S-\"\"4\"\"\",\"two\r\nlines\"\r\n" +
            "\n" +
            "C,S-3,\"three\nline\nnote\"\n" +
            "D,S-4\n" +
            "E,S-5,x,extra\n" +
            "F,S-6,last line without a break");
        Assert.Equal([
            "1: code|serial|manufacturer",
            "2: A|S-1|钢瓶厂, 福州",
            "3: B|S-\"4\"|two\r\nlines",
            "6: C|S-3|three\nline\nnote",
            "9: D|S-4",
            "10: E|S-5|x|extra",
            "11: F|S-6|last line without a break",
        ], records);
    }

    [Fact]
    public void blank_lines_are_skipped_but_a_line_of_spaces_is_a_record()
    {
        var records = ReadAll("a\n\n\r\n   \n\"\"\nb\n");
        Assert.Equal(["1: a", "4:    ", "6: b"], records);
    }

    [Fact]
    public async Task a_file_reads_the_same_with_or_without_a_byte_order_mark()
    {
        var text = "code,名称\r\nFZ1,\"鼓楼, 一号\"\r\n";
        foreach (var bom in new[] { true, false })
        {
            var file = Path.Combine(Path.GetTempPath(), $"ct-csv-{Guid.NewGuid():N}.csv");
            try
            {
                await File.WriteAllTextAsync(file, text, new UTF8Encoding(bom));
                Assert.Equal(bom, (await File.ReadAllBytesAsync(file))[0] == 0xEF);
                using var reader = CsvReader.Open(file);
                Assert.True(reader.Read());
                Assert.Equal(["code", "名称"], reader.Fields);
                Assert.True(reader.Read());
                Assert.Equal(["FZ1", "鼓楼, 一号"], reader.Fields);
                Assert.False(reader.Read());
            }
            finally { File.Delete(file); }
        }
    }

    [Theory]
    [InlineData("a,b\n1,2\n\"F\"x,y\n", 3)]          // text after a closing quote
    [InlineData("a,b\n1,2\n\n3,\"never closed\n4,5\n", 4)] // an unclosed quote runs to the end
    [InlineData("a,b\n\"x\ny\"\n5,\"never closed\n", 4)] // after a record of two lines
    public void a_malformed_file_names_the_line_of_the_bad_record(string text, int line)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ReadAll(text));
        Assert.StartsWith($"第 {line} 行开始的记录", ex.Message);
    }
}
