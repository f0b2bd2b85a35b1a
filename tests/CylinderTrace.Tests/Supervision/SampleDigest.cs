using CylinderTrace.Commercial;
using CylinderTrace.Supervision;

namespace CylinderTrace.Tests.Supervision;

/// <summary>A week's digest figures made in memory (no database): every table filled, and names a page or a spreadsheet could mistake for markup or a formula.</summary>
public static class SampleDigest
{
    public const string Title = "福州市城乡建设局（燃气管理处） 周报 2026-11-23 至 2026-11-29";
    public const string Agency = "福州市城乡建设局（燃气管理处）";
    public const string MarkupName = "<b>快安</b> & \"面馆\"";
    public const string FormulaName = "=HYPERLINK(\"http://x.example\",\"点我\")";
    public const string TabName = "\t台江茶餐厅";

    public static DigestFigures Figures()
    {
        var at = new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.FromHours(8));
        return new DigestFigures(12, 7, 2, 9, 30.5, 18,
            [("black_gas", 5, 3), ("service", 4, 4), ("restaurant_hazard", 3, 2)],
            [new("complaints", "350102", 6, 5, 3, 1), new("complaints", "350111", 4, 3, 2, 0), new("complaints", "", 2, 1, 2, 1)],
            [
                new RateRow("c", 11, MarkupName, "350102", "鼓楼区", 10, 3, 0.3),
                new RateRow("c", 12, FormulaName, "350103", "台江区", 8, 4, 0.5),
                new RateRow("c", 13, TabName, "350103", "台江区", 6, 5, 5 / 6.0),
            ],
            [
                Score(21, "福州<燃气>有限公司", 58.25, "C"),
                Score(22, "-3.5 气站", 71, "B"),
            ],
            [("福州<燃气>有限公司", "B", "C", at)],
            [Order("KP20261127001", "FZ0000000042", "闽侯县A&B供气站", at.AddHours(-30), overdue: true), Order("KP20261128002", "FZ0000000043", "晋安液化气站", at.AddDays(2), overdue: false)],
            1);
    }

    private static EnterpriseScore Score(int id, string name, double composite, string grade) =>
        new(id, name, "filling", "350102", "r", new DateOnly(2026, 10, 31), new DateOnly(2026, 11, 29), DateTimeOffset.UnixEpoch,
            100, 90, 95, 80, 70, 40, 30, 0, 0, 0.9, 0.875, 0.95, 0.75, composite, grade);

    private static DetentionOrder Order(string number, string code, string enterprise, DateTimeOffset deadline, bool overdue) =>
        new(number, 1, code, "issued", "已下达", "角阀锈死", 1, Agency, 1, enterprise, "owner", deadline.AddDays(-3), deadline, overdue,
            null, null, null, null, null, null, [], []);
}
