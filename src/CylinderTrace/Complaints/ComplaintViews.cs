using System.Text.Json;

namespace CylinderTrace.Complaints;

/// <summary>What a resident submits (photos are ids from the photo upload).</summary>
[Platform.OpenApi.ContractRequest]
public sealed record NewComplaint(
    [property: Platform.OpenApi.ContractRequired] string? Category,
    [property: Platform.OpenApi.ContractRequired] string? Description,
    string? CylinderCode,
    double? Latitude,
    double? Longitude,
    string? DistrictCode,
    string? Address,
    string? ContactPhone,
    IReadOnlyList<string>? PhotoIds);

/// <summary>A complaint in the resident's list.</summary>
public sealed record ComplaintSummary(
    string Number,
    string Category,
    string CategoryLabel,
    string Status,
    string StatusLabel,
    DateTimeOffset CreatedAt,
    string? CylinderCode);

/// <summary>One public step of a complaint. MergedInto: the number of the complaint it was merged into, when the step is that one's outcome.</summary>
public sealed record TimelineEntry(DateTimeOffset At, string Kind, string Label, string? Text, string? Agency, string? MergedInto = null);

/// <summary>The complaint a duplicate was merged into, as the duplicate's complainant sees it: its state and, once decided, its reply.</summary>
public sealed record MergedComplaint(string Number, string Status, string StatusLabel, string? Agency, string? PublicReply);

/// <summary>A complaint as its complainant sees it.</summary>
public sealed record ComplaintDetail(
    string Number,
    string Category,
    string CategoryLabel,
    string Status,
    string StatusLabel,
    string Open311Status,
    string Description,
    string? CylinderCode,
    JsonElement? CardSnapshot,
    double? Latitude,
    double? Longitude,
    string? DistrictCode,
    string? Address,
    string? ContactPhoneMasked,
    IReadOnlyList<string> PhotoIds,
    string? Agency,
    string? PublicReply,
    MergedComplaint? MergedInto,
    int? Rating,
    string? RatingComment,
    bool CanWithdraw,
    bool CanRate,
    DateTimeOffset CreatedAt,
    IReadOnlyList<TimelineEntry> Timeline);

/// <summary>A page of the resident's complaints, newest first.</summary>
public sealed record ComplaintPage(IReadOnlyList<ComplaintSummary> Items, int Page, int PageSize, long Total);

[Platform.OpenApi.ContractRequest]
public sealed record ComplaintRating([property: Platform.OpenApi.ContractRequired] int? Score, string? Comment);

/// <summary>What the complainant adds when a handler asks for more: text, photos (ids from the photo upload), or both.</summary>
[Platform.OpenApi.ContractRequest]
public sealed record SuppliedInformation(string? Text, IReadOnlyList<string>? PhotoIds);
