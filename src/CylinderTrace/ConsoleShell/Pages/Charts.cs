using System.Globalization;

namespace CylinderTrace.ConsoleShell.Pages;

/// <summary>
/// One day of a <see cref="TrendChart"/>: its value as a share of the axis (0 to 1; none breaks the line), and
/// optionally a volume (drawn as a faint bar, scaled to the largest) with a note that names it.
/// </summary>
public sealed record ChartPoint(DateOnly Day, double? Value, int Volume = 0, string? VolumeNote = null);

/// <summary>A series of a <see cref="BarChart"/>: its name in the legend and its colour.</summary>
public sealed record ChartSeries(string Name, string Colour);

/// <summary>A row of a <see cref="BarChart"/>: its label and one count per series.</summary>
public sealed record ChartBars(string Label, IReadOnlyList<int> Values);

/// <summary>Coordinates as SVG wants them: invariant, at most one decimal.</summary>
internal static class SvgNumber
{
    public static string Of(double x) => x.ToString("0.#", CultureInfo.InvariantCulture);
}
