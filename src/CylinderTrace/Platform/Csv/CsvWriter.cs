using System.Globalization;
using System.Text;

namespace CylinderTrace.Platform.Csv;

/// <summary>
/// The one way the host writes CSV for people to open in a spreadsheet: RFC 4180 (every cell in double
/// quotes, a quote written as two, CRLF after each record), UTF-8 with a byte-order mark (without it
/// Excel reads the file in the system's ANSI code page and shows Chinese as mojibake), and text cells
/// that start with = + - @ TAB or CR prefixed with an apostrophe, so a spreadsheet shows them instead of
/// running them as a formula (OWASP, "CSV Injection"). Numbers (<see cref="CsvCell"/>) are never prefixed.
/// </summary>
public sealed class CsvWriter(TextWriter output)
{
    /// <summary>UTF-8 that writes the byte-order mark at the start of a stream (a <see cref="StreamWriter"/> appending to a non-empty file writes none).</summary>
    public static readonly Encoding Utf8WithBom = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);

    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>A whole document in memory. The text begins with U+FEFF, so its UTF-8 bytes (<see cref="Utf8"/>) carry the byte-order mark.</summary>
    public static string Document(Action<CsvWriter> write)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        text.Write('\uFEFF');
        write(new CsvWriter(text));
        return text.ToString();
    }

    /// <summary>The UTF-8 bytes of a document made by <see cref="Document"/> (the byte-order mark is its first character).</summary>
    public static byte[] Utf8(string document) => Encoding.UTF8.GetBytes(document);

    public void WriteRow(params ReadOnlySpan<CsvCell> cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0) output.Write(',');
            WriteCell(cells[i]);
        }
        output.Write("\r\n");
    }

    /// <summary>Whether a spreadsheet would take text starting with this character for a formula.</summary>
    public static bool StartsFormula(char c) => c is '=' or '+' or '-' or '@' or '\t' or '\r';

    private void WriteCell(CsvCell cell)
    {
        var text = cell.Text.AsSpan();
        output.Write('"');
        if (!cell.IsNumber && text.Length > 0 && StartsFormula(text[0])) output.Write('\'');
        int quote;
        while ((quote = text.IndexOf('"')) >= 0)
        {
            output.Write(text[..(quote + 1)]);
            output.Write('"');
            text = text[(quote + 1)..];
        }
        output.Write(text);
        output.Write('"');
    }
}
