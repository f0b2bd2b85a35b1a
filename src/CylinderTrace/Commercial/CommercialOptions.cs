using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Commercial;

/// <summary>Receiving scans of commercial users (DESIGN.md §5).</summary>
public sealed class CommercialOptions
{
    public const string Section = "Commercial";

    /// <summary>A scan matches a delivery to this customer made up to this many hours before it…</summary>
    [Range(1, 24 * 14, ErrorMessage = "Commercial:{0} must be between {1} and {2}.")]
    public int MatchHoursBefore { get; set; } = 48;

    /// <summary>…or up to this many hours after it (the delivery record may be sent late).</summary>
    [Range(0, 72, ErrorMessage = "Commercial:{0} must be between {1} and {2}.")]
    public int MatchHoursAfter { get; set; } = 2;

    /// <summary>Days an invite code stays usable.</summary>
    [Range(1, 90, ErrorMessage = "Commercial:{0} must be between {1} and {2}.")]
    public int InviteDays { get; set; } = 7;

    /// <summary>Cylinder codes one scan request may carry.</summary>
    [Range(1, 200, ErrorMessage = "Commercial:{0} must be between {1} and {2}.")]
    public int MaxCodesPerScan { get; set; } = 20;
}
