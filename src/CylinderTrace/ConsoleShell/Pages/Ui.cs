using System.Globalization;

namespace CylinderTrace.ConsoleShell.Pages;

/// <summary>Formatting shared by the console's pages (times are already Asia/Shanghai).</summary>
public static class Ui
{
    public static string Time(DateTimeOffset? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";
    public static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A rate (0-1) as a percentage with one decimal; "—" when there is nothing to rate.</summary>
    public static string Percent(double? rate) => rate is double r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    /// <summary>A weekday as people say it: 1 周一 … 7 周日.</summary>
    public static string Weekday(int isoDay) => isoDay is >= 1 and <= 7 ? "周" + "一二三四五六日"[isoDay - 1] : "—";

    /// <summary>A path with the non-empty parameters as its query (for pager and filter links).</summary>
    public static string Query(string path, params (string Name, string? Value)[] parameters)
    {
        var query = string.Join("&", parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)));
        return query.Length == 0 ? path : path + "?" + query;
    }

    /// <summary>The page of a list: 1-based page number clamped into range, the rows of that page and the number of pages.</summary>
    public static (int Page, int Pages, IReadOnlyList<T> Rows) Paged<T>(IReadOnlyList<T> all, int? page, int size)
    {
        var pages = Math.Max(1, (all.Count + size - 1) / size);
        var p = Math.Clamp(page ?? 1, 1, pages);
        return (p, pages, all.Skip((p - 1) * size).Take(size).ToList());
    }
}
