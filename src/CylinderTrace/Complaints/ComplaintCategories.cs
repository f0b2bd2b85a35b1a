using CylinderTrace.Cylinders;

namespace CylinderTrace.Complaints;

/// <summary>
/// One complaint category (DESIGN.md §4): public wording, the lead agency kind, and what it needs. An urgent
/// category is an immediate danger: the Mini Program shows its SafetyAdvice before the form, and routing
/// gives it a deadline of hours (Routing:UrgentDeadlineHours at most) and informs the district's fire brigade.
/// </summary>
public sealed record ComplaintCategory(
    string Code,
    string Label,
    string Description,
    string LeadAgencyKind,
    bool RequiresCylinder,
    bool RequiresLocation,
    bool SuggestsPhotos,
    bool Urgent,
    string? SafetyAdvice);

/// <summary>The fixed list of categories; routing rules (a later issue) refer to them by Code.</summary>
public static class ComplaintCategories
{
    public static readonly IReadOnlyList<ComplaintCategory> All =
    [
        new("seller_mismatch", "送气单位与登记不符", "上门送气的单位或供气站与气瓶登记信息不一致。", "gas_authority", true, false, true, false, null),
        new("worker_mismatch", "送气人员不符或无证", "送气人员与登记信息不一致，或没有上岗证。", "gas_authority", false, false, true, false, null),
        new("cylinder_overdue", "气瓶超期未检或超过报废年限", "气瓶已超过检验有效期，或已超过报废年限仍在使用。", "market_supervision", true, false, true, false, null),
        new("foreign_filled", "非产权单位充装", "气瓶由不拥有产权的企业充装（体外循环）。", "market_supervision", true, false, false, false, null),
        new("black_gas", "黑气：无证经营", "无证门店、流动车辆或网络渠道销售液化气。", "gas_authority", false, true, true, false, null),
        new("illegal_storage", "非法储存气瓶", "在居民区、地下室等场所违规储存大量气瓶。", "police", false, true, true, false, null),
        new("short_weight", "缺斤少两", "气瓶充装量不足。", "market_supervision", true, false, true, false, null),
        new("gas_quality", "气质问题（掺混二甲醚、异味）", "燃气火焰异常、有刺激性异味，怀疑掺混二甲醚。", "market_supervision", false, false, false, false, null),
        new("valve_leak", "瓶阀、胶管漏气", "气瓶瓶阀、减压阀或胶管漏气，闻到燃气味或听到漏气声。", "gas_authority", false, true, false,
            true, GasLeakAdvice.Urgent),
        new("damaged_cylinder", "气瓶或瓶阀损坏、无码", "气瓶锈蚀、变形，瓶阀或护罩损坏（漏气请选“瓶阀、胶管漏气”），或没有追溯二维码。", "market_supervision", false, false, true, false, null),
        new("restaurant_hazard", "餐饮场所用气隐患", "餐饮场所气瓶存放、管线、报警装置等存在隐患。", "gas_authority", false, true, true, false, null),
        new("unsafe_transport", "运输车辆不安全", "运输气瓶的车辆无资质、超载或混装。", "transport", false, true, true, false, null),
        new("service", "服务、价格、拒绝供气", "乱收费、拒绝供气、服务态度等问题。", "gas_authority", false, false, false, false, null),
    ];

    private static readonly Dictionary<string, ComplaintCategory> ByCode = All.ToDictionary(c => c.Code);

    public static ComplaintCategory? Find(string? code) => code is not null && ByCode.TryGetValue(code, out var c) ? c : null;
}

/// <summary>Complaint states: Open311's open/closed split with finer states inside.</summary>
public static class ComplaintStatus
{
    public const string Submitted = "submitted";
    public const string Routed = "routed";
    public const string InProgress = "in_progress";
    public const string WaitingInfo = "waiting_info";
    public const string Resolved = "resolved";
    public const string Rejected = "rejected";
    public const string Duplicate = "duplicate";
    public const string Closed = "closed";
    public const string Withdrawn = "withdrawn";

    public static string Label(string status) => status switch
    {
        Submitted => "已提交",
        Routed => "已分派",
        InProgress => "处理中",
        WaitingInfo => "待补充材料",
        Resolved => "已办结",
        Rejected => "不属于受理范围",
        Duplicate => "重复投诉",
        Closed => "已关闭",
        Withdrawn => "已撤回",
        _ => status,
    };

    /// <summary>
    /// The public note of a state (Open311's status_notes): neutral wording only, so nothing a
    /// handler or complainant wrote (names, phones, addresses) reaches the public.
    /// </summary>
    public static string PublicNote(string status, string? outcome, string? duplicateOf) => status switch
    {
        Submitted => "已受理：投诉已登记，正在确定承办单位。",
        Routed => "已分派：已交承办单位办理。",
        InProgress => "处理中：承办单位正在核查处理。",
        WaitingInfo => "处理中：承办单位已请投诉人补充材料。",
        Resolved => Handling.HandlingOutcomes.PublicNote(outcome),
        Rejected => "已退回：经核查，不属于本单位职责，已告知投诉人向有关单位反映。",
        Duplicate => duplicateOf is null ? "已合并办理：与另一件投诉反映的是同一问题。" : $"已合并办理：与投诉 {duplicateOf} 反映的是同一问题。",
        Closed => "已关闭：投诉已办理完毕。",
        Withdrawn => "已撤回：投诉人已撤回投诉。",
        _ => Label(status),
    };

    /// <summary>Open311 GeoReport v2 status.</summary>
    public static string Open311(string status) => status is Submitted or Routed or InProgress or WaitingInfo ? "open" : "closed";

    public static bool CanWithdraw(string status) => status is Submitted or Routed;
    public static bool CanRate(string status) => status is Resolved or Closed;
}
