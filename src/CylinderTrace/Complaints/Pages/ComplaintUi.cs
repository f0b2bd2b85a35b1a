namespace CylinderTrace.Complaints.Pages;

/// <summary>What the complaint pages show of states and filters.</summary>
public static class ComplaintUi
{
    public static string StatusClass(string status) => status switch
    {
        ComplaintStatus.Routed => "s-new",
        ComplaintStatus.InProgress => "s-work",
        ComplaintStatus.WaitingInfo => "s-wait",
        _ => "s-done",
    };

    public static readonly IReadOnlyList<(string Code, string Label)> StateFilters =
    [
        ("open", "未办结"), ("routed", "待认领办理"), ("in_progress", "处理中"), ("waiting_info", "待补充材料"), ("resolved", "已办结"),
        ("rejected", "不属于受理范围"), ("duplicate", "重复投诉"), ("withdrawn", "已撤回"), ("all", "全部"),
    ];

    public static readonly IReadOnlyList<(string Code, string Label)> DueFilters =
        [("", "不限"), ("overdue", "已超期"), ("24h", "24小时内到期"), ("72h", "72小时内到期")];

    public static readonly IReadOnlyList<(string Code, string Label)> ClaimFilters =
        [("", "不限"), ("me", "我认领的"), ("unclaimed", "未认领")];

    /// <summary>The district filter: every district of the city, or one.</summary>
    public static readonly IReadOnlyList<(string Code, string Label)> DistrictFilters =
        [("", "全部区县"), .. Platform.ReferenceData.Districts.InCity];
}
