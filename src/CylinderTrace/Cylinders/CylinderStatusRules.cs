using Microsoft.Extensions.Options;

namespace CylinderTrace.Cylinders;

/// <summary>The states the public sees, most severe first (DESIGN.md §3).</summary>
public enum CylinderState
{
    Unregistered,
    Scrapped,
    Detained,
    PastScrapDate,
    InspectionOverdue,
    InspectionDueSoon,
    InService,
}

/// <summary>A derived state with the plain-language words shown to the person holding the cylinder.</summary>
public sealed record CylinderAssessment(
    CylinderState State,
    string Code,
    string Label,
    bool SafeToUse,
    string Severity,
    string Warning,
    string Action);

/// <summary>The dates and flags the status is derived from.</summary>
public readonly record struct CylinderDates(
    DateOnly ManufactureDate,
    DateOnly? LastInspectionDate,
    DateOnly? RecordedNextInspectionDate,
    DateOnly? RecordedScrapDate,
    bool Scrapped,
    bool Detained,
    string? Spec = null);

/// <summary>
/// Every cylinder status rule in one place. Dates are Asia/Shanghai calendar days:
/// the next inspection is due ON its date (shown as due soon, 0 days left) and overdue from the day
/// after; the scrap date is the first day the cylinder may no longer be used.
/// </summary>
public sealed partial class CylinderStatusRules(IOptions<CylinderRulesOptions> options)
{
    private readonly CylinderRulesOptions _o = options.Value;
    private readonly Dictionary<string, int> _periods = options.Value.InspectionPeriods
        .GroupBy(p => SpecKey(p.Key)).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

    public DateOnly NextInspectionDate(CylinderDates d) =>
        d.RecordedNextInspectionDate ?? (d.LastInspectionDate ?? d.ManufactureDate).AddYears(InspectionPeriodYears(d.Spec));

    /// <summary>Years between periodic inspections of a cylinder of this spec (CylinderRules:InspectionPeriods, else InspectionIntervalYears).</summary>
    public int InspectionPeriodYears(string? spec) =>
        spec is not null && _periods.TryGetValue(SpecKey(spec), out var years) ? years : _o.InspectionIntervalYears;

    /// <summary>A spec as periods are looked up: upper case without spaces or hyphens, the model suffix dropped (YSP-118-Ⅱ → YSP118).</summary>
    public static string SpecKey(string spec)
    {
        var compact = new string(spec.Where(c => !char.IsWhiteSpace(c) && c is not ('-' or '－' or '—')).ToArray()).ToUpperInvariant();
        return YspModel().Match(compact) is { Success: true } m ? m.Value : compact;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^YSP\d+(\.\d+)?")]
    private static partial System.Text.RegularExpressions.Regex YspModel();

    public DateOnly ScrapDate(CylinderDates d) =>
        d.RecordedScrapDate ?? d.ManufactureDate.AddYears(_o.MaxServiceLifeYears);

    public bool BeyondDesignLife(CylinderDates d, DateOnly today) =>
        today >= d.ManufactureDate.AddYears(_o.DesignLifeYears);

    public static CylinderAssessment Unregistered { get; } = new(
        CylinderState.Unregistered, "unregistered", "未登记气瓶", false, "danger",
        "这个气瓶码没有在本市气瓶安全追溯系统中登记，可能是来历不明的“黑气”或假冒标签。",
        "请不要使用这个气瓶，也不要让送气人离开前把它留下；请在小程序中投诉，或拨打12345热线。");

    public CylinderAssessment Assess(CylinderDates d, DateOnly today)
    {
        if (d.Scrapped)
            return new(CylinderState.Scrapped, "scrapped", "已报废", false, "danger",
                "这个气瓶已登记为报废，严禁充装和使用。",
                "请立即停止使用，关闭瓶阀，联系供气企业收回并更换；如有人仍在销售或配送，请投诉。");
        if (d.Detained)
            return new(CylinderState.Detained, "detained", "已扣押召回", false, "danger",
                "这个气瓶已被监管部门在线扣押，正在召回处置中。",
                "请停止使用，关闭瓶阀，放在通风处，等待供气企业上门收回；不要自行转卖或充装。");
        var scrap = ScrapDate(d);
        if (today >= scrap)
            return new(CylinderState.PastScrapDate, "past_scrap_date", "超过报废年限", false, "danger",
                $"这个气瓶的报废日期是{scrap:yyyy年M月d日}，已超过使用年限。",
                "请立即停止使用，关闭瓶阀，联系供气企业更换，并在小程序中投诉销售这个气瓶的单位。");
        var next = NextInspectionDate(d);
        if (today > next)
            return new(CylinderState.InspectionOverdue, "inspection_overdue", "超期未检", false, "danger",
                $"这个气瓶应在{next:yyyy年M月d日}前定期检验，现已超期未检。",
                "请停止使用，联系供气企业更换已检验合格的气瓶，并在小程序中投诉。");
        var daysLeft = next.DayNumber - today.DayNumber;
        if (daysLeft <= _o.DueSoonDays)
            return new(CylinderState.InspectionDueSoon, "inspection_due_soon", "即将到检", true, "warning",
                daysLeft == 0
                    ? "这个气瓶今天到期检验。"
                    : $"这个气瓶将在{daysLeft}天后（{next:yyyy年M月d日}）到期检验。",
                "目前可以使用；下次换气时请供气企业更换为检验有效期内的气瓶。");
        return new(CylinderState.InService, "in_service", "正常在用", true, "ok",
            "这个气瓶已登记，在检验有效期内。",
            "请核对送气人的姓名、工号和上岗证号与下方信息一致；使用前检查瓶阀和胶管，闻到异味请关阀、开窗、勿动电器。");
    }
}
