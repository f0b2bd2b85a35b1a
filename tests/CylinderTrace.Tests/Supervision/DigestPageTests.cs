using CylinderTrace.Platform.Csv;
using CylinderTrace.Supervision;

namespace CylinderTrace.Tests.Supervision;

/// <summary>A digest's CSV from figures in memory: every formula-looking name defused, numbers kept.</summary>
public sealed class A_digest_rendered
{
    [Fact]
    public void as_CSV_defuses_formula_looking_names_including_a_leading_tab_and_keeps_numbers()
    {
        var csv = DigestContent.Csv(SampleDigest.Title, SampleDigest.Figures());
        Assert.StartsWith("\uFEFF\"部分\",\"项目\",\"值1\",\"值2\",\"值3\"\r\n", csv);
        using var reader = CsvReader.Of(new StringReader(csv));
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(reader.Fields);
        Assert.Contains(rows, r => r is ["投诉", "办结", "9", "30.5", "18"]);
        Assert.Contains(rows, r => r is ["按区县", "鼓楼区", "6", "", ""]);
        Assert.Contains(rows, r => r is ["扫码率最低", SampleDigest.MarkupName, "10", "3", "0.3"]);
        Assert.Contains(rows, r => r is ["扫码率最低", "'" + SampleDigest.FormulaName, "8", "4", "0.5"]);
        // Found by an outside review: a leading TAB (and CR) was not defused in the digest.
        Assert.Contains(rows, r => r is ["扫码率最低", "'" + SampleDigest.TabName, "6", "5", _]);
        // A name that looks like a negative number is text, and defused; the score beside it is a number.
        Assert.Contains(rows, r => r is ["企业评分", "'-3.5 气站", "B", "71", ""]);
        Assert.Contains(rows, r => r is ["企业评分", "福州<燃气>有限公司", "C", "58.25", ""]);
        Assert.Contains(rows, r => r is ["扣瓶令", "KP20261127001", "FZ0000000042", "已下达", "逾期"]);
    }
}
