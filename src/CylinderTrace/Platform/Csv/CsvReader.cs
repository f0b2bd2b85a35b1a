using System.Text;
using Sylvan.Data.Csv;

namespace CylinderTrace.Platform.Csv;

/// <summary>
/// The one way the host reads CSV: RFC 4180 (quoted fields may hold commas, quotes written as two, and line
/// breaks), in the encoding the file is in (<see cref="CsvEncoding"/>: UTF-8 with or without a byte-order mark, or
/// GB18030, which includes GBK, as Chinese Excel saves "CSV (逗号分隔)"), records of any length of fields, blank lines skipped,
/// each record with the file line it starts on (for error reports a person can find in an editor).
/// Sylvan.Data.Csv parses; a malformed file (a quote closed in the middle of a field, a record past the
/// buffer, as an unclosed quote makes) is an <see cref="InvalidDataException"/> naming the line.
/// </summary>
public sealed class CsvReader : IDisposable
{
    private readonly CsvDataReader csv;
    private long lineBreaksBefore; // in the records read so far, blank ones included

    private CsvReader(CsvDataReader csv) => this.csv = csv;

    /// <summary>Reads a file in the encoding it is in (detected first: <see cref="CsvEncoding.Detect"/>; an <see cref="InvalidDataException"/> when it cannot be read).</summary>
    public static CsvReader Open(string path) => Open(path, CsvEncoding.Detect(path));

    /// <summary>Reads a file in a known encoding (a byte-order mark is skipped).</summary>
    public static CsvReader Open(string path, Encoding encoding) => Of(new StreamReader(path, encoding, detectEncodingFromByteOrderMarks: false));

    /// <summary>Reads text; a leading byte-order mark (U+FEFF, as a document made in memory starts) is skipped.</summary>
    public static CsvReader Of(TextReader text)
    {
        if (text.Peek() == '\uFEFF') text.Read();
        try
        {
            // A record may grow the buffer to 1 Mi characters; an unclosed quote stops there instead of reading the file into one field.
            return new CsvReader(CsvDataReader.Create(text, new CsvDataReaderOptions { HasHeaders = false, OwnsReader = true, MaxBufferSize = 1 << 20 }));
        }
        catch (Exception ex) when (ex is CsvFormatException or CsvRecordTooLargeException)
        {
            text.Dispose();
            throw Malformed(1, ex);
        }
    }

    /// <summary>The line (from 1) the current record starts on.</summary>
    public long Line { get; private set; }

    /// <summary>The current record's fields.</summary>
    public string[] Fields { get; private set; } = [];

    /// <summary>Moves to the next record that is not a blank line; false at the end.</summary>
    public bool Read()
    {
        while (true)
        {
            try
            {
                if (!csv.Read()) return false;
            }
            catch (Exception ex) when (ex is CsvFormatException or CsvRecordTooLargeException)
            {
                throw Malformed(lineBreaksBefore + 1, ex);
            }
            Line = lineBreaksBefore + 1;
            lineBreaksBefore += LineBreaks(csv.GetRawRecordSpan());
            var n = csv.RowFieldCount;
            if (n == 0 || (n == 1 && csv.GetFieldSpan(0).IsEmpty)) continue;
            var fields = new string[n];
            for (var i = 0; i < n; i++) fields[i] = csv.GetString(i);
            Fields = fields;
            return true;
        }
    }

    /// <summary>CRLF, LF and a lone CR each end a line.</summary>
    private static int LineBreaks(ReadOnlySpan<char> raw)
    {
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
            if (raw[i] == '\n' || (raw[i] == '\r' && (i + 1 == raw.Length || raw[i + 1] != '\n'))) n++;
        return n;
    }

    private static InvalidDataException Malformed(long line, Exception ex) => new(ex.Message.Contains("closing quote", StringComparison.Ordinal)
        ? $"第 {line} 行开始的记录有未闭合的双引号（从这个引号起，后面的行都会被读进同一个单元格）：请检查该行，单元格里的双引号须写成两个（\"\"）。"
        : ex is CsvRecordTooLargeException || ex.Message.Contains("buffer", StringComparison.OrdinalIgnoreCase)
            ? $"第 {line} 行开始的记录超过 100 万个字符，多半是该行有未闭合的双引号：请检查该行。"
            : $"第 {line} 行开始的记录格式不对（{ex.Message}）：引号须包住整个单元格，单元格里的双引号写成两个（\"\"）。", ex);

    public void Dispose() => csv.Dispose();
}
