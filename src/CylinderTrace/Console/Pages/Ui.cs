using System.Globalization;

namespace CylinderTrace.Console.Pages;

/// <summary>Formatting shared by the console's pages (times are already Asia/Shanghai).</summary>
public static class Ui
{
    public static string Time(DateTimeOffset? t) => t is { } v ? v.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";
    public static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string StatusClass(string status) => status switch
    {
        ComplaintsStatus.Routed => "s-new",
        ComplaintsStatus.InProgress => "s-work",
        ComplaintsStatus.WaitingInfo => "s-wait",
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

    public static readonly IReadOnlyList<(string Code, string Label)> Districts =
    [
        ("", "全部区县"), ("350102", "鼓楼区"), ("350103", "台江区"), ("350104", "仓山区"), ("350105", "马尾区"), ("350111", "晋安区"), ("350112", "长乐区"),
        ("350121", "闽侯县"), ("350122", "连江县"), ("350123", "罗源县"), ("350124", "闽清县"), ("350125", "永泰县"), ("350128", "平潭县"), ("350181", "福清市"),
    ];

    /// <summary>Aliases so the pages read the state names without a clash with the Console namespace.</summary>
    private static class ComplaintsStatus
    {
        public const string Routed = CylinderTrace.Complaints.ComplaintStatus.Routed;
        public const string InProgress = CylinderTrace.Complaints.ComplaintStatus.InProgress;
        public const string WaitingInfo = CylinderTrace.Complaints.ComplaintStatus.WaitingInfo;
    }
}
