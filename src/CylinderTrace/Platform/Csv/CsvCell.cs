using System.Globalization;

namespace CylinderTrace.Platform.Csv;

/// <summary>
/// One cell of a CSV file we write: text (which <see cref="CsvWriter"/> defuses when a spreadsheet would read it
/// as a formula) or a number formatted here, invariantly (never defused, so "-3.5" stays a number).
/// Whether a cell is a number is decided by its type, never by how its text looks: a name typed as
/// "-3.5" or "=1+2" is text and gets the apostrophe.
/// </summary>
public readonly record struct CsvCell
{
    private CsvCell(string text, bool isNumber) => (Text, IsNumber) = (text, isNumber);

    public string Text { get; }
    public bool IsNumber { get; }

    public static readonly CsvCell Empty = new("", false);

    public static implicit operator CsvCell(string? text) => new(text ?? "", false);
    public static implicit operator CsvCell(int number) => new(number.ToString(CultureInfo.InvariantCulture), true);
    public static implicit operator CsvCell(long number) => new(number.ToString(CultureInfo.InvariantCulture), true);
    public static implicit operator CsvCell(double? number) => Number(number, null);

    /// <summary>A number in the given .NET format (invariant culture); empty when there is none. NaN and infinities are text.</summary>
    public static CsvCell Number(double? number, string? format) => number switch
    {
        null => Empty,
        double n when double.IsFinite(n) => new(n.ToString(format, CultureInfo.InvariantCulture), true),
        double n => new(n.ToString(CultureInfo.InvariantCulture), false),
    };
}
