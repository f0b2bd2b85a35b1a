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

    /// <summary>Days back the nightly reconciliation recomputes the scan-rate roll-ups from scratch (covers a month and its weeks).</summary>
    [Range(2, 400, ErrorMessage = "Commercial:{0} must be between {1} and {2}.")]
    public int RollupReconcileDays { get; set; } = 35;

    /// <summary>The console's rate lists leave out subjects with fewer deliveries than this in the period (a rate of 0 of 1 says little).</summary>
    [Range(1, 1000, ErrorMessage = "Commercial:{0} must be between {1} and {2}.")]
    public int MinDeliveriesListed { get; set; } = 1;
}
