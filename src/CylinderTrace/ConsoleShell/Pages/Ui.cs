using System.Globalization;

namespace CylinderTrace.ConsoleShell.Pages;

/// <summary>Formatting shared by the console's pages (times are already Asia/Shanghai).</summary>
public static class Ui
{
    public static string Time(DateTimeOffset? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";
    public static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A rate (0-1) as a percentage with one decimal; "—" when there is nothing to rate.</summary>
    public static string Percent(double? rate) => rate is double r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";
}
