using CylinderTrace.Platform.Csv;
using CylinderTrace.Supervision;

using CylinderTrace.Tests.ConsoleShell;

namespace CylinderTrace.Tests.Supervision;

/// <summary>A digest's page (Razor, through HtmlRenderer) and CSV from figures in memory: self-contained, every name encoded, every formula-looking name defused.</summary>
public sealed class A_digest_rendered
{
    private static Task<string> Html(string? consoleUrl = "https://gas.example.gov.cn/console/digests/7?a=1&b=2") =>
        DigestContent.HtmlAsync(Rendered.Html, SampleDigest.Title, SampleDigest.Agency, SampleDigest.Figures(), consoleUrl);

    [Fact]
    public async Task is_one_self_contained_page_with_its_styles_inline_and_no_script()
    {
        var html = await Html();
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<html lang=\"zh-CN\">", html);
        Assert.Equal(1, CountOf(html, "<style>"));
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain(" src=", html);
        Assert.Contains("<title>" + SampleDigest.Title + "</title>", html);
    }

    [Fact]
    public async Task shows_the_figures_with_chinese_text_as_it_is()
    {
        var html = await Html();
        foreach (var figure in new[] { "id=\"new\">12<", "id=\"open\">7<", "id=\"overdue\">2<", "id=\"closed\">9<", "id=\"detentions\">2<", "（逾期 1）",
                     "平均办理 30.5 小时，中位 18 小时", "<td>鼓楼区</td><td>6</td><td>5</td><td>3</td><td class=\"bad\">1</td>",
                     "<td>晋安区</td><td>4</td><td>3</td><td>2</td><td>0</td>", "<td>未定区县</td><td>2</td>", "<td>黑气：无证经营</td><td>5</td><td>3</td>",
                     "<td>30.0%</td>", "<td>83.3%</td>", "<td>58.3</td>", "B → C", "2026-11-27 09:30", "2026-11-26 03:30" })
            Assert.Contains(figure, html);
        Assert.DoesNotMatch("&#x[2-9A-F][0-9A-F]{3,4};", html); // CJK and punctuation are not turned into entities
        Assert.Contains("<li class=\"bad\">其中超期", html);
        Assert.Contains("<tr class=\"bad\"><td>KP20261127001</td>", html);
        Assert.Contains("<tr><td>KP20261128002</td>", html);
    }

    [Fact]
    public async Task encodes_every_name_and_the_link()
    {
        var html = await Html();
        Assert.DoesNotContain("<b>快安", html);
        Assert.Contains("<td>&lt;b&gt;快安&lt;/b&gt; &amp; &quot;面馆&quot;</td>", html);
        Assert.Contains("<td>福州&lt;燃气&gt;有限公司</td>", html);
        Assert.Contains("<td>闽侯县A&amp;B供气站</td>", html);
        Assert.Contains("<a href=\"https://gas.example.gov.cn/console/digests/7?a=1&amp;b=2\">打开管理端查看这份报告和其他报告</a>", html);
        Assert.DoesNotContain("打开管理端查看", await Html(consoleUrl: null));
    }

    [Fact]
    public async Task draws_the_categories_as_the_console_s_bar_chart_and_says_so_when_there_are_none()
    {
        var html = await Html();
        Assert.Contains("<svg class=\"bars wide\"", html);
        Assert.Contains("aria-label=\"按类别的新投诉与办结数\"", html);
        Assert.Contains(">服务、价格、拒绝供气</text>", html);

        var none = SampleDigest.Figures() with { ByCategory = [] };
        var empty = await DigestContent.HtmlAsync(Rendered.Html, SampleDigest.Title, SampleDigest.Agency, none, null);
        Assert.Contains("本期没有新投诉，也没有办结的投诉。", empty);
        Assert.DoesNotContain("<svg", empty);
        Assert.DoesNotContain("id=\"by-category\"", empty);
    }

    [Fact]
    public async Task reads_on_a_phone_and_says_so_where_a_section_is_empty()
    {
        var html = await Html();
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html);
        Assert.Contains("@media (max-width:700px)", html);
        Assert.Contains("<div class=\"scroll\"><table id=\"by-district\">", html); // wide tables scroll inside the page
        Assert.Contains("<svg class=\"bars narrow\"", html);

        var quiet = SampleDigest.Figures() with { LowestScanRates = [], LowestScores = [], GradeChanges = [], OpenDetentions = [], ByDistrict = [] };
        var empty = await DigestContent.HtmlAsync(Rendered.Html, SampleDigest.Title, SampleDigest.Agency, quiet, null);
        foreach (var said in new[] { "id=\"no-scan-rates\"", "id=\"no-scores\"", "id=\"no-grade-changes\"", "id=\"no-detentions\"", "本期没有新增、办结或未办结的案件" })
            Assert.Contains(said, empty);
        foreach (var table in new[] { "id=\"scan-rates\"", "id=\"scores\"", "id=\"grade-changes\"", "id=\"detention-orders\"" }) Assert.DoesNotContain(table, empty);
    }

    [Fact]
    public void as_CSV_defuses_formula_looking_names_including_a_leading_tab_and_keeps_numbers()
    {
        var csv = DigestContent.Csv(SampleDigest.Title, SampleDigest.Figures());
        Assert.StartsWith("\uFEFF\"部分\",\"项目\",\"值1\",\"值2\",\"值3\",\"值4\"\r\n", csv);
        using var reader = CsvReader.Of(new StringReader(csv));
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(reader.Fields);
        Assert.Contains(rows, r => r is ["投诉", "办结", "9", "30.5", "18", ""]);
        Assert.Contains(rows, r => r is ["按区县：投诉", "鼓楼区", "6", "5", "3", "1"]);
        Assert.Contains(rows, r => r is ["按区县：投诉", "未定区县", "2", "1", "2", "1"]);
        Assert.Contains(rows, r => r is ["扫码率最低", SampleDigest.MarkupName, "10", "3", "30.0%", ""]);
        Assert.Contains(rows, r => r is ["扫码率最低", "'" + SampleDigest.FormulaName, "8", "4", "50.0%", ""]);
        // Found by an outside review: a leading TAB (and CR) was not defused in the digest.
        Assert.Contains(rows, r => r is ["扫码率最低", "'" + SampleDigest.TabName, "6", "5", _, ""]);
        // A name that looks like a negative number is text, and defused; the score beside it is a number.
        Assert.Contains(rows, r => r is ["企业评分", "'-3.5 气站", "B", "71", "", ""]);
        Assert.Contains(rows, r => r is ["企业评分", "福州<燃气>有限公司", "C", "58.25", "", ""]);
        Assert.Contains(rows, r => r is ["扣瓶令", "KP20261127001", "FZ0000000042", "已下达", "逾期", ""]);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
