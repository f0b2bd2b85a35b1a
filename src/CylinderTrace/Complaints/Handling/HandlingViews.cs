namespace CylinderTrace.Complaints.Handling;

public sealed record NoteRequest(string? Text);
public sealed record InformationRequest(string? Question);
public sealed record TransferRequest(string? Agency, string? Reason);
public sealed record DuplicateRequest(string? Of);
public sealed record ResolveRequest(string? Outcome, string? Reply);
public sealed record RejectRequest(string? Reason, string? Suggestion);

/// <summary>Who acts: a staff member of an agency (supervisors may act on complaints others claimed).</summary>
public sealed record Handler(int StaffId, int AgencyId, bool Supervisor)
{
    public string Actor => "staff:" + StaffId;

    /// <summary>A console member acting on a complaint of their agency.</summary>
    public static Handler Of(Staff.StaffMember s) => new(s.Id, s.AgencyId, s.IsSupervisor);
}

/// <summary>What an action came to.</summary>
public abstract record HandlingOutcome
{
    public sealed record Done : HandlingOutcome;
    /// <summary>No such complaint for this agency (also when it moved to another agency meanwhile).</summary>
    public sealed record NotFound : HandlingOutcome;
    /// <summary>Not possible in the complaint's present state (or claimed by someone else).</summary>
    public sealed record Conflict(string Message) : HandlingOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : HandlingOutcome;
}

/// <summary>How a resolved complaint turned out (internal; the public reply is what the complainant reads).</summary>
public static class HandlingOutcomes
{
    public static readonly IReadOnlyList<(string Code, string Label)> All =
    [
        ("substantiated", "属实，已处理"),
        ("partly", "部分属实，已处理"),
        ("unsubstantiated", "经核查不属实"),
        ("mediated", "已协调解决"),
        ("case_opened", "已立案查处"),
    ];

    public static string? Label(string? code) => All.FirstOrDefault(o => o.Code == code).Label;

    /// <summary>
    /// What the public (Open311) reads of a resolved complaint: fixed wording per outcome, never the
    /// reply, which is written to the complainant and may name people, phones and addresses.
    /// </summary>
    public static string PublicNote(string? code) => code switch
    {
        "substantiated" => "已办结：经核查，反映问题属实，已依法处理。",
        "partly" => "已办结：经核查，反映问题部分属实，已依法处理。",
        "unsubstantiated" => "已办结：经核查，反映问题不属实。",
        "mediated" => "已办结：经协调，问题已解决。",
        "case_opened" => "已办结：经核查，已立案查处。",
        _ => "已办结：经核查，问题已处理。",
    };
}

/// <summary>Queue filters; null means any. Claim: "me", "unclaimed", or "staff:&lt;id&gt;" (one member's claims).</summary>
public sealed record QueueFilter(
    bool Informed = false,
    string? State = null,
    string? Category = null,
    string? District = null,
    string? Due = null,
    string? Claim = null,
    int Page = 1,
    /// <summary>A complaint number or a cylinder code (any state).</summary>
    string? Search = null);

public sealed record QueueItem(
    string Number,
    string Category,
    string CategoryLabel,
    string Status,
    string StatusLabel,
    string? DistrictCode,
    string? DistrictName,
    string Summary,
    string? CylinderCode,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DueAt,
    bool Overdue,
    int? ClaimedBy,
    string? ClaimedByName,
    string? HandlingAgency);

public sealed record QueueResult(IReadOnlyList<QueueItem> Items, int Page, int PageSize, long Total, IReadOnlyDictionary<string, int> CountsByState);

/// <summary>A handler's open claimed complaints and how many of them are overdue.</summary>
public sealed record HandlerLoad(int StaffId, string Name, string Role, int Open, int Overdue);

public sealed record TeamLoad(IReadOnlyList<HandlerLoad> Handlers, int UnclaimedOpen, int UnclaimedOverdue, int Open, int Overdue);

/// <summary>One step of the full history, as staff see it.</summary>
public sealed record HistoryEntry(DateTimeOffset At, string Kind, string Label, string Actor, bool Public, string? Text, string? Agency);

/// <summary>A complaint as its handling (or an informed) agency sees it.</summary>
public sealed record StaffComplaint(
    long Id,
    string Number,
    string Category,
    string CategoryLabel,
    string Status,
    string StatusLabel,
    string Description,
    string? CylinderCode,
    string? CardSnapshotJson,
    double? Latitude,
    double? Longitude,
    string? DistrictCode,
    string? DistrictName,
    string? Address,
    string? ContactPhoneMasked,
    IReadOnlyList<string> PhotoIds,
    int? AgencyId,
    string? Agency,
    string? PublicReply,
    int? Rating,
    string? RatingComment,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DueAt,
    bool Overdue,
    int? ClaimedBy,
    string? ClaimedByName,
    string? DuplicateOf,
    string? Outcome,
    string? OutcomeLabel,
    IReadOnlyList<HistoryEntry> History);
