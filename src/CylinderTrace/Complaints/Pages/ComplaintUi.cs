using CylinderTrace.Complaints.Handling;

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

    public static IReadOnlyList<(string Code, string Label)> StateFilters => QueueFilter.StateChoices;

    public static IReadOnlyList<(string Code, string Label)> DueFilters => QueueFilter.DueWindows;

    /// <summary>Time left to the deadline as a handler says it: 剩余2天3小时, 剩余3小时20分, 超期5小时; empty when there is no open deadline.</summary>
    public static string TimeLeft(long? minutes)
    {
        if (minutes is not { } m) return "";
        var span = Math.Abs(m);
        var (d, h, min) = (span / 1440, span % 1440 / 60, span % 60);
        var text = d > 0 ? $"{d}天{h}小时" : h > 0 ? $"{h}小时{min}分" : $"{min}分钟";
        return (m < 0 ? "超期" : "剩余") + text;
    }

    /// <summary>The row's colour by the time left: overdue, due within 4 hours, due within 24 hours.</summary>
    public static string SlaClass(string? sla) => sla switch { "overdue" => "sla-overdue", "4h" => "sla-4h", "24h" => "sla-24h", _ => "" };

    public static string SlaLabel(string? sla) => sla switch { "overdue" => "已超期", "4h" => "4小时内到期", "24h" => "24小时内到期", _ => "" };

    public static readonly IReadOnlyList<(string Code, string Label)> ClaimFilters =
        [("", "不限"), ("me", "我认领的"), ("unclaimed", "未认领")];

    /// <summary>The district filter: every district of the city, or one.</summary>
    public static readonly IReadOnlyList<(string Code, string Label)> DistrictFilters =
        [("", "全部区县"), .. Platform.ReferenceData.Districts.InCity];
}
