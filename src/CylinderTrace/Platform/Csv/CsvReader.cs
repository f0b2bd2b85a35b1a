using System.Text;
using Sylvan.Data.Csv;

namespace CylinderTrace.Platform.Csv;

/// <summary>
/// The one way the host reads CSV: RFC 4180 (quoted fields may hold commas, quotes written as two, and line
/// breaks), UTF-8 with or without a byte-order mark, records of any length of fields, blank lines skipped,
/// each record with the file line it starts on (for error reports a person can find in an editor).
/// Sylvan.Data.Csv parses; a malformed file (a quote closed in the middle of a field, a record past the
/// buffer, as an unclosed quote makes) is an <see cref="InvalidDataException"/> naming the line.
/// </summary>
public sealed class CsvReader : IDisposable
{
    private readonly CsvDataReader csv;
    private long lineBreaksBefore; // in the records read so far, blank ones included

    private CsvReader(CsvDataReader csv) => this.csv = csv;

    /// <summary>Reads a file as UTF-8 (a byte-order mark is recognised and skipped).</summary>
    public static CsvReader Open(string path) => Of(new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true));

    /// <summary>Reads text; a leading byte-order mark (U+FEFF, as a document made in memory starts) is skipped.</summary>
    public static CsvReader Of(TextReader text)
    {
        if (text.Peek() == '\uFEFF') text.Read();
        try
        {
            // A record may grow the buffer to 1 Mi characters; an unclosed quote stops there instead of reading the file into one field.
            return new CsvReader(CsvDataReader.Create(text, new CsvDataReaderOptions { HasHeaders = false, OwnsReader = true, MaxBufferSize = 1 << 20 }));
        }
        catch (CsvFormatException ex)
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
            catch (CsvFormatException ex)
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

    private static InvalidDataException Malformed(long line, Exception ex) =>
        new($"The CSV file is malformed in the record starting on line {line}: {ex.Message}", ex);

    public void Dispose() => csv.Dispose();
}
