using System.ComponentModel.DataAnnotations;

namespace CylinderTrace.Cylinders;

/// <summary>Periods of the cylinder status rules (DESIGN.md §3); defaults follow GB 5842-2006 and GB/T 8334 (docs/INTEGRATION.md, "Inspection periods").</summary>
public sealed class CylinderRulesOptions : IValidatableObject
{
    public const string Section = "CylinderRules";

    /// <summary>Years between periodic inspections of a spec that InspectionPeriods does not name (next = last + this).</summary>
    [Range(1, 20, ErrorMessage = "CylinderRules:{0} must be between {1} and {2}.")] public int InspectionIntervalYears { get; set; } = 4;

    /// <summary>
    /// Years between periodic inspections per spec (YSP4.7, YSP12, YSP26.2, YSP35.5, YSP118 of GB 5842):
    /// household specs every 4 years (GB/T 8334); YSP118 every 3, the period older editions gave the
    /// 50 kg commercial cylinder, until the current table is confirmed (docs/INTEGRATION.md). Specs are
    /// compared without case, spaces, hyphens or a model suffix ("YSP-118-Ⅱ" is YSP118). Configuration
    /// adds to or overrides these entries.
    /// </summary>
    public Dictionary<string, int> InspectionPeriods { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["YSP4.7"] = 4, ["YSP12"] = 4, ["YSP26.2"] = 4, ["YSP35.5"] = 4, ["YSP118"] = 3,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        InspectionPeriods.Where(p => p.Value is < 1 or > 20)
            .Select(p => new ValidationResult($"CylinderRules:InspectionPeriods:{p.Key} must be between 1 and 20 (years).", [nameof(InspectionPeriods)]));

    /// <summary>Design service life in years; past it a cylinder may be used only after passing inspection.</summary>
    [Range(1, 50, ErrorMessage = "CylinderRules:{0} must be between {1} and {2}.")] public int DesignLifeYears { get; set; } = 8;

    /// <summary>Years after manufacture when a cylinder must be scrapped, whatever its inspections say.</summary>
    [Range(1, 50, ErrorMessage = "CylinderRules:{0} must be between {1} and {2}.")] public int MaxServiceLifeYears { get; set; } = 12;

    /// <summary>An inspection due within this many days is shown as due soon.</summary>
    [Range(0, 365, ErrorMessage = "CylinderRules:{0} must be between {1} and {2}.")] public int DueSoonDays { get; set; } = 30;

    /// <summary>Seconds an "unregistered" answer is cached before the database is asked again.</summary>
    [Range(1, 3600, ErrorMessage = "CylinderRules:{0} must be between {1} and {2}.")] public int UnregisteredCacheSeconds { get; set; } = 60;

    /// <summary>
    /// Keep every scan of a well-formed code no cylinder has as black-gas evidence (issue 18). Off only to measure what recording
    /// costs (ops/bench-unregistered.sh) or while the database cannot take the writes: the public channels' scans (Official
    /// Account, Mini Program card, card page) of that time are lost as evidence; inspectors' and restaurants' scans are still kept.
    /// </summary>
    public bool RecordUnregisteredScans { get; set; } = true;

    /// <summary>Minutes a card is kept in each instance's memory (Redis keeps it for CardCacheMinutes).</summary>
    [Range(1, 1440, ErrorMessage = "CylinderRules:{0} must be between {1} and {2}.")] public int CardLocalCacheMinutes { get; set; } = 10;

    /// <summary>Minutes a card is kept in Redis; writes invalidate it sooner.</summary>
    [Range(1, 10080, ErrorMessage = "CylinderRules:{0} must be between {1} and {2}.")] public int CardCacheMinutes { get; set; } = 720;
}
