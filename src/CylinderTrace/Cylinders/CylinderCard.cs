namespace CylinderTrace.Cylinders;

/// <summary>What anyone who scans a cylinder sees (DESIGN.md §2-3); no buyer data, workers masked.</summary>
public sealed record CylinderCard(
    string Code,
    CardStatus Status,
    CardCylinder Cylinder,
    CardEnterprise Owner,
    CardEnterprise? SupplyStation,
    CardFill? LastFill,
    CardDelivery? LastDelivery,
    DateOnly AsOfDate);

/// <summary>
/// The state in words. SuggestedComplaintCategory (a complaint category code) is set when the advice is to
/// complain, for the Mini Program to prefill; GasLeakAdvice is the same line on every card.
/// </summary>
public sealed record CardStatus(string Code, string Label, bool SafeToUse, string Severity, string Warning, string Action,
    string? SuggestedComplaintCategory, string GasLeakAdvice)
{
    public static CardStatus From(CylinderAssessment a) =>
        new(a.Code, a.Label, a.SafeToUse, a.Severity, a.Warning, a.Action, a.SuggestedComplaintCategory, Cylinders.GasLeakAdvice.Line);
}

public sealed record CardCylinder(
    string Serial,
    string Spec,
    string Manufacturer,
    DateOnly ManufactureDate,
    DateOnly? LastInspectionDate,
    DateOnly NextInspectionDate,
    DateOnly ScrapDate,
    bool BeyondDesignLife);

public sealed record CardEnterprise(string Name, string LicenceNumber);

/// <summary>The newest fill; FilledByOwner is false when a station that does not own the cylinder filled it.</summary>
public sealed record CardFill(DateTimeOffset Time, CardEnterprise? Station, bool FilledByOwner);

public sealed record CardDelivery(DateTimeOffset Time, CardEnterprise? Station, CardWorker? Worker);

/// <summary>Enough to check the person at the door, no more.</summary>
public sealed record CardWorker(string MaskedName, string EmployeeNumber, string PermitNumber, bool PermitValid);
