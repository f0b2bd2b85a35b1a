using Microsoft.Extensions.Options;

namespace CylinderTrace.Cylinders;

/// <summary>The states the public sees, most severe first (DESIGN.md §3).</summary>
public enum CylinderState
{
    Unregistered,
    BlackGasDetained,
    Scrapped,
    Detained,
    PastScrapDate,
    ForeignFilled,
    InspectionOverdue,
    InspectionOverdueFilledInTime,
    InspectionDueSoon,
    InService,
}

/// <summary>
/// A derived state with the plain-language words shown to the person holding the cylinder, and the
/// complaint category (ComplaintCategories code) to prefill when the advice is to complain.
/// </summary>
public sealed record CylinderAssessment(
    CylinderState State,
    string Code,
    string Label,
    bool SafeToUse,
    string Severity,
    string Warning,
    string Action,
    string? SuggestedComplaintCategory = null);

/// <summary>
/// The dates and flags the status is derived from. LastFillDate is the Asia/Shanghai day of the newest
/// fill (null: none recorded); LastFillByOwner is false when the station that filled it is not its owner.
/// </summary>
public readonly record struct CylinderDates(
    DateOnly ManufactureDate,
    DateOnly? LastInspectionDate,
    DateOnly? RecordedNextInspectionDate,
    DateOnly? RecordedScrapDate,
    bool Scrapped,
    bool Detained,
    string? Spec = null,
    DateOnly? LastFillDate = null,
    bool LastFillByOwner = true);

/// <summary>
/// What to do about leaking gas, in the words every channel shows (card, Official Account, Mini Program
/// complaint categories): the usual advice of the fire service for LPG leaks.
/// </summary>
public static class GasLeakAdvice
{
    /// <summary>One line under every card and Official Account answer.</summary>
    public const string Line =
        "闻到燃气味或听到漏气声：立即关闭瓶阀，打开门窗通风，严禁开关电器和使用明火，到室外安全处拨打119。";

    /// <summary>Shown before the form of a leak complaint: safety first, the complaint afterwards.</summary>
    public const string Urgent =
        "请先确保安全，再投诉：\n" +
        "1. 立即关闭气瓶瓶阀（顺时针拧紧）；\n" +
        "2. 打开门窗通风，人员离开漏气房间；\n" +
        "3. 严禁开关电灯、排气扇等任何电器，不要插拔插头，严禁使用明火；\n" +
        "4. 不要在室内打电话，到室外安全处拨打119；\n" +
        "5. 瓶阀关不住或已经起火时，不要自行处置，远离现场等待消防救援。";
}

/// <summary>
/// Every cylinder status rule in one place. Dates are Asia/Shanghai calendar days:
/// the next inspection is due ON its date (shown as due soon, 0 days left) and overdue from the day
/// after; the scrap date is the first day the cylinder may no longer be used. A newest fill by a
/// station that does not own the cylinder (体外循环, forbidden by TSG 23-2021) outranks an overdue
/// inspection. An overdue cylinder filled on or before its due date holds gas filled legally: TSG 23-2021
/// and GB/T 8334 forbid filling a cylinder past its inspection date, not using up gas filled within it, and
/// the cylinder passed the filler's pre-fill check that day; so the resident may use it up and needs no
/// complaint (the next refill is what must not happen). Filled after its due date (or with no fill on
/// record, so no legal fill can be shown) it is an illegal fill: stop and complain.
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
        "请不要使用这个气瓶，也不要让送气人把它留下；请在小程序中选择“黑气：无证经营”投诉，或拨打12345热线。",
        "black_gas");

    /// <summary>An unregistered code that an inspector detained as black gas (issue 18): the card says so in plain words.</summary>
    public static CylinderAssessment BlackGasDetained { get; } = new(
        CylinderState.BlackGasDetained, "black_gas_detained", "黑气瓶（已被查扣）", false, "danger",
        "这个气瓶码没有在本市气瓶安全追溯系统中登记，已被监管部门作为“黑气瓶”（非法气瓶）依法查扣。",
        "严禁使用：请立即关闭瓶阀，把气瓶放在室外通风处，远离火源，不要充装、转卖或自行处理，等待监管部门处置；如果有人仍在配送或使用这类气瓶，请在小程序中选择“黑气：无证经营”投诉，或拨打12345热线。",
        "black_gas");

    public CylinderAssessment Assess(CylinderDates d, DateOnly today)
    {
        if (d.Scrapped)
            return new(CylinderState.Scrapped, "scrapped", "已报废", false, "danger",
                "这个气瓶已登记为报废，严禁充装和使用。",
                "请立即停止使用，关闭瓶阀，联系供气企业收回并更换；如有人仍在销售或配送，请在小程序中选择“气瓶超期未检或超过报废年限”投诉。",
                "cylinder_overdue");
        if (d.Detained)
            return new(CylinderState.Detained, "detained", "已扣押召回", false, "danger",
                "这个气瓶已被监管部门在线扣押，正在召回处置中。",
                "请停止使用，关闭瓶阀，放在通风处，等待供气企业上门收回；不要自行转卖或充装。");
        var scrap = ScrapDate(d);
        if (today >= scrap)
            return new(CylinderState.PastScrapDate, "past_scrap_date", "超过报废年限", false, "danger",
                $"这个气瓶的报废日期是{scrap:yyyy年M月d日}，已超过使用年限。",
                "请立即停止使用，关闭瓶阀，联系供气企业更换，并在小程序中选择“气瓶超期未检或超过报废年限”投诉销售这个气瓶的单位。",
                "cylinder_overdue");
        if (d.LastFillDate is not null && !d.LastFillByOwner)
            return new(CylinderState.ForeignFilled, "foreign_filled", "非产权单位充装（体外循环）", false, "danger",
                "这个气瓶最近一次是由不拥有它产权的企业充装的（俗称“体外循环”），属于违法充装：充装前是否检查过气瓶、充装量是否合格都无人负责。",
                "请不要继续使用，关闭瓶阀，放在通风处，联系产权单位更换气瓶，并在小程序中选择“非产权单位充装”投诉。",
                "foreign_filled");
        var next = NextInspectionDate(d);
        if (today > next)
        {
            if (d.LastFillDate is { } filled && filled <= next)
                return new(CylinderState.InspectionOverdueFilledInTime, "inspection_overdue_filled_in_time", "超期未检（到期前充装）", true, "warning",
                    $"这个气瓶应在{next:yyyy年M月d日}前定期检验，现已超期；这瓶气是{filled:yyyy年M月d日}在检验到期前合规充装的。",
                    "这瓶气可以继续用完，无需投诉；用完后这个气瓶不能再充装，下次换气时（或送气上门时）请要求供气企业更换检验有效期内的气瓶。");
            return new(CylinderState.InspectionOverdue, "inspection_overdue", "超期未检", false, "danger",
                d.LastFillDate is { } late
                    ? $"这个气瓶应在{next:yyyy年M月d日}前定期检验，却在超期后的{late:yyyy年M月d日}被充装，属于违法充装。"
                    : $"这个气瓶应在{next:yyyy年M月d日}前定期检验，现已超期未检，且没有检验到期前的充装记录，瓶内的气可能是违法充装的。",
                "请停止使用，关闭瓶阀，联系供气企业更换已检验合格的气瓶，并在小程序中选择“气瓶超期未检或超过报废年限”投诉。",
                "cylinder_overdue");
        }
        var daysLeft = next.DayNumber - today.DayNumber;
        if (daysLeft <= _o.DueSoonDays)
            return new(CylinderState.InspectionDueSoon, "inspection_due_soon", "即将到检", true, "warning",
                daysLeft == 0
                    ? "这个气瓶今天到期检验。"
                    : $"这个气瓶将在{daysLeft}天后（{next:yyyy年M月d日}）到期检验。",
                "目前可以使用；下次换气时请供气企业更换为检验有效期内的气瓶。");
        return new(CylinderState.InService, "in_service", "正常在用", true, "ok",
            "这个气瓶已登记，在检验有效期内。",
            "请核对送气人的姓名、工号和上岗证号与下方信息一致；使用前检查瓶阀和胶管是否完好。");
    }
}
