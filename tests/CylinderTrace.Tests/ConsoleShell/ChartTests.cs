using System.Text.RegularExpressions;
using CylinderTrace.ConsoleShell.Pages;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Html;
using Microsoft.AspNetCore.Components;

namespace CylinderTrace.Tests.ConsoleShell;

/// <summary>Razor components rendered to HTML as the host renders them (its HtmlEncoder), without a host.</summary>
internal static class Rendered
{
    public static readonly ComponentHtml Html = new ServiceCollection().AddLogging().AddHtmlRendering().BuildServiceProvider().GetRequiredService<ComponentHtml>();

    public static Task<string> Of<T>(Dictionary<string, object?> parameters) where T : IComponent => Html.RenderAsync<T>(parameters);
}

/// <summary>The console's SVG charts, shared by its pages and the digests: named for screen readers, labelled, and within the console's CSP (no style attributes).</summary>
public sealed partial class Charts_drawn_on_the_server
{
    private static readonly DateOnly Day0 = new(2026, 11, 1);

    private static Task<string> Trend(IReadOnlyList<ChartPoint> points, string label, string? unit = null)
    {
        var p = new Dictionary<string, object?> { ["Points"] = points, ["Label"] = label };
        if (unit is not null) p["Unit"] = unit;
        return Wide(Rendered.Of<TrendChart>(p));
    }

    /// <summary>The laptop's drawing of a chart (the first of its two).</summary>
    private static async Task<string> Wide(Task<string> html) => Drawings(await html)[0];

    private static string[] Drawings(string html) =>
        Regex.Matches(html, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => m.Value).ToArray();

    [Fact]
    public async Task each_chart_has_a_phone_drawing_whose_labels_keep_their_size()
    {
        var trend = Drawings(await Rendered.Of<TrendChart>(new() { ["Points"] = new List<ChartPoint> { new(Day0, 0.5), new(Day0.AddDays(1), 0.6) }, ["Label"] = "走势" }));
        Assert.Equal(2, trend.Length);
        Assert.StartsWith("<svg class=\"trend wide\"", trend[0]);
        Assert.StartsWith("<svg class=\"trend narrow\"", trend[1]);
        // 360 units drawn on a phone's ~360 px: the 11-unit labels stay about 11 px (the wide one would shrink them to half).
        Assert.Contains("viewBox=\"0 0 360 220\"", trend[1]);
        Assert.All(Regex.Matches(trend[1], "font-size=\"(\\d+)\"").Select(m => int.Parse(m.Groups[1].Value)), size => Assert.True(size >= 11));
        Assert.Equal(Regex.Count(trend[0], "<circle "), Regex.Count(trend[1], "<circle "));

        var bars = Drawings(await Rendered.Of<BarChart>(new()
        {
            ["Label"] = "按类别", ["Series"] = new List<ChartSeries> { new("新投诉", "#0969da") }, ["Rows"] = new List<ChartBars> { new("瓶阀、胶管漏气", [4]) },
        }));
        Assert.Equal(2, bars.Length);
        Assert.StartsWith("<svg class=\"bars narrow\" xmlns=\"http://www.w3.org/2000/svg\" width=\"360\"", bars[1]);
        Assert.Contains("font-size=\"12\" fill=\"#1d2733\">瓶阀、胶管漏气</text>", bars[1]);
    }

    [Fact]
    public async Task the_trend_breaks_its_line_on_days_without_a_value_and_draws_each_volume_with_its_note()
    {
        double?[] values = [0.5, 0.75, null, 1, 0.9, 0.8, null, 0.25];
        var points = values.Select((v, i) => new ChartPoint(Day0.AddDays(i), v, v is null ? 0 : 10 + i, v is null ? null : $"第{i}天 配送 {10 + i}")).ToList();
        var svg = await Trend(points, "鼓楼区近8天每日扫码率");

        Assert.StartsWith("<svg class=\"trend wide\"", svg);
        Assert.Contains("role=\"img\" aria-label=\"鼓楼区近8天每日扫码率\"", svg);
        Assert.Contains("<title>鼓楼区近8天每日扫码率</title>", svg);
        // Two runs of two or more days are lines; the last day alone is only a dot.
        Assert.Equal(2, Regex.Count(svg, "<polyline "));
        Assert.Equal(6, Regex.Count(svg, "<circle "));
        Assert.Equal(6, Regex.Count(svg, "<rect "));
        Assert.Contains("<title>第7天 配送 17</title>", svg);
        // The axis (0, 50, 100 %) and the first, middle and last day are labelled.
        foreach (var label in new[] { ">0%<", ">50%<", ">100%<", ">11-01<", ">11-05<", ">11-08<" }) Assert.Contains(label, svg);
        Assert.DoesNotContain("style", svg);
        // The first day's 50 % lies half way down the plot (top 12, height 180), in the middle of its eighth of 664 units from 44, invariantly formatted.
        Assert.Contains("cx=\"85.5\" cy=\"102\"", svg);
    }

    [Fact]
    public async Task a_score_trend_has_no_percent_signs_and_an_empty_trend_still_names_itself()
    {
        var svg = await Trend([new ChartPoint(Day0, 0.825), new ChartPoint(Day0.AddDays(1), 0.8)], "某企业综合分走势", unit: "");
        Assert.Contains(">100<", svg);
        Assert.DoesNotContain("%", svg);
        Assert.DoesNotContain("<rect", svg);

        var empty = await Trend([], "无数据");
        Assert.Contains("<title>无数据</title>", empty);
        Assert.DoesNotContain("<polyline", empty);
    }

    [Fact]
    public async Task names_are_encoded_in_the_title_and_the_label()
    {
        var svg = await Trend([new ChartPoint(Day0, 0.5)], "<script>alert(1)</script> & \"x\"");
        Assert.DoesNotContain("<script", svg);
        Assert.Contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</title>", svg);
        Assert.Contains("aria-label=\"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;\"", svg);
    }

    [Fact]
    public async Task bars_carry_their_counts_and_a_legend_scaled_to_the_largest()
    {
        var svg = await Wide(Rendered.Of<BarChart>(new()
        {
            ["Label"] = "按类别的新投诉与办结数",
            ["Series"] = new List<ChartSeries> { new("新投诉", "#0969da"), new("办结", "#2da44e") },
            ["Rows"] = new List<ChartBars> { new("黑气：无证经营", [5, 3]), new("A&B <类>", [0, 10]) },
        }));
        Assert.StartsWith("<svg class=\"bars wide\"", svg);
        Assert.Contains("width=\"640\" height=\"82\" viewBox=\"0 0 640 82\" role=\"img\" aria-label=\"按类别的新投诉与办结数\"", svg);
        Assert.Contains("<title>按类别的新投诉与办结数</title>", svg);
        Assert.Contains(">A&amp;B &lt;类&gt;</text>", svg);
        // 10 is the longest bar (450 units); 5 is half of it, 0 has no length, and each count is written after its bar.
        Assert.Contains("width=\"450\" height=\"10\" fill=\"#2da44e\"", svg);
        Assert.Contains("width=\"225\" height=\"10\" fill=\"#0969da\"", svg);
        Assert.Contains("width=\"0\" height=\"10\"", svg);
        foreach (var count in new[] { ">5<", ">3<", ">0<", ">10<", ">新投诉<", ">办结<" }) Assert.Contains(count, svg);
        Assert.DoesNotContain("style", svg);
    }
}
