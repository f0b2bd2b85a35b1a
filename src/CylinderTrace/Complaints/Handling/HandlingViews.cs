namespace CylinderTrace.Complaints.Handling;

public sealed record NoteRequest(string? Text);
public sealed record InformationRequest(string? Question);
public sealed record TransferRequest(string? Agency, string? Reason);
public sealed record DuplicateRequest(string? Of);
public sealed record ResolveRequest(string? Outcome, string? Reply);
public sealed record RejectRequest(string? Reason, string? Suggestion);
public sealed record AssignRequest(int? StaffId);
public sealed record UrgeRequest(string? Text);
public sealed record ExtensionRequest(int? Hours, string? Reason);
public sealed record ExtensionDecision(bool? Approve, string? Note);
public sealed record ReopenRequest(string? Reason, int? Hours);
public sealed record BulkRequest(IReadOnlyList<string>? Numbers, int? StaffId);
public sealed record BulkResult(IReadOnlyList<BulkItem> Items, int Done, int Failed);
public sealed record BulkItem(string Number, bool Done, string? Message);
public sealed record RevealedPhone(string Number, string? Phone, DateTimeOffset RevealedAt);

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
    /// <param name="Notify">Whom to tell by Official Account message after commit (a member, or the handling agency's staff), with what.</param>
    public sealed record Done(StaffNotice? Notify = null) : HandlingOutcome;
    /// <summary>No such complaint for this agency (also when it moved to another agency meanwhile).</summary>
    public sealed record NotFound : HandlingOutcome;
    /// <summary>Not possible in the complaint's present state (or claimed by someone else).</summary>
    public sealed record Conflict(string Message) : HandlingOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : HandlingOutcome;
    /// <summary>The member's role may not take this action (e.g. 派单 by a handler).</summary>
    public sealed record Forbidden(string Message) : HandlingOutcome;
}

/// <summary>A message to staff after an action: to one member (StaffId), else to the handling agency's bound staff.</summary>
public sealed record StaffNotice(int? StaffId, string Note, string Key);

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

/// <summary>
/// Queue filters as the query string carries them (the page, the API, the export and "back" share it); null or empty
/// means any. Scope: handling (default), informed, subordinate (the agencies under this one). Claim: "me", "unclaimed",
/// or "staff:&lt;id&gt;". Flag: extension (a request waits for a decision), low_rated (rated 1-2 stars), urged. Unknown
/// values are errors (<see cref="Errors"/>), never ignored.
/// </summary>
public sealed record QueueFilter(
    string? Scope = null,
    string? State = null,
    string? Category = null,
    string? District = null,
    string? Due = null,
    string? Claim = null,
    int Page = 1,
    /// <summary>Full text: number, cylinder code, description, address, reply (any state unless one is chosen).</summary>
    string? Search = null,
    string? Sort = null,
    string? Dir = null,
    string? Flag = null)
{
    public static readonly IReadOnlyList<(string Code, string Label)> Scopes = [("handling", "本单位承办"), ("informed", "抄送与督办"), ("subordinate", "下级单位")];
    public static readonly IReadOnlyList<(string Code, string Label)> Sorts =
        [("due", "办理时限"), ("created", "提交时间"), ("number", "编号"), ("category", "类别"), ("district", "区县"), ("status", "状态"), ("claimant", "认领人")];
    public static readonly IReadOnlyList<(string Code, string Label)> Flags =
        [("", "不限"), ("extension", "延期待审批"), ("urged", "被催办"), ("low_rated", "差评待复核（1-2星）")];
    public static readonly IReadOnlyList<(string Code, string Label)> DueWindows =
        [("", "不限"), ("overdue", "已超期"), ("4h", "4小时内到期"), ("24h", "24小时内到期"), ("72h", "72小时内到期")];
    public static readonly IReadOnlyList<(string Code, string Label)> StateChoices =
    [
        ("open", "未办结"), ("routed", "待认领办理"), ("in_progress", "处理中"), ("waiting_info", "待补充材料"), ("resolved", "已办结"),
        ("rejected", "不属于受理范围"), ("duplicate", "重复投诉"), ("withdrawn", "已撤回"), ("closed", "已关闭"), ("all", "全部"),
    ];

    public string ScopeCode => string.IsNullOrEmpty(Scope) ? "handling" : Scope;
    public bool Informed => Scope == "informed";
    public bool Handling => ScopeCode == "handling";
    /// <summary>Open complaints by deadline; closed ones, all of them, and search results newest first (unless a column is chosen).</summary>
    public string SortCode => !string.IsNullOrEmpty(Sort) ? Sort
        : State is "open" or "routed" or "in_progress" or "waiting_info" || (string.IsNullOrEmpty(State) && string.IsNullOrWhiteSpace(Search)) ? "due" : "created";
    public string DirCode => string.IsNullOrEmpty(Dir) ? (SortCode is "due" or "number" or "category" or "district" or "status" or "claimant" ? "asc" : "desc") : Dir;

    /// <summary>What is wrong with the values (field → message), empty when every value is known.</summary>
    public Dictionary<string, string[]> Errors()
    {
        var e = new Dictionary<string, string[]>();
        static bool Known(string? v, IEnumerable<(string Code, string Label)> list) => string.IsNullOrEmpty(v) || list.Any(x => x.Code == v);
        if (!Known(Scope, Scopes)) e["scope"] = [$"范围“{Cut(Scope)}”不存在，可选：{string.Join("、", Scopes.Select(x => x.Code + "（" + x.Label + "）"))}。"];
        if (!Known(State, StateChoices)) e["state"] = [$"状态“{Cut(State)}”不存在，可选：{string.Join("、", StateChoices.Select(x => x.Code))}。"];
        if (!string.IsNullOrEmpty(Category) && ComplaintCategories.Find(Category) is null) e["category"] = [$"投诉类别“{Cut(Category)}”不存在。"];
        if (!string.IsNullOrEmpty(District) && !Platform.ReferenceData.Districts.InCity.Any(d => d.Code == District))
            e["district"] = [$"区县代码“{Cut(District)}”不是本市的区县。"];
        if (!Known(Due, DueWindows)) e["due"] = [$"时限“{Cut(Due)}”不存在，可选：overdue、4h、24h、72h。"];
        if (!string.IsNullOrEmpty(Claim) && Claim is not ("me" or "unclaimed") && ClaimedStaff is null)
            e["claim"] = [$"认领条件“{Cut(Claim)}”不存在，可选：me、unclaimed 或 staff:人员编号。"];
        if (!Known(Sort, Sorts)) e["sort"] = [$"排序“{Cut(Sort)}”不存在，可选：{string.Join("、", Sorts.Select(x => x.Code))}。"];
        if (!string.IsNullOrEmpty(Dir) && Dir is not ("asc" or "desc")) e["dir"] = [$"排序方向“{Cut(Dir)}”不存在，可选：asc（升序）、desc（降序）。"];
        if (!Known(Flag, Flags)) e["flag"] = [$"标记“{Cut(Flag)}”不存在，可选：extension、urged、low_rated。"];
        if (Search?.Length > 100) e["q"] = ["搜索内容不超过100字。"];
        return e;
    }

    private static string Cut(string? v) => v is null ? "" : v.Length > 30 ? v[..30] + "…" : v;

    /// <summary>"staff:12" → 12: the complaints one member claimed (the supervisors' view of a member's load).</summary>
    public int? ClaimedStaff =>
        Claim is not null && Claim.StartsWith("staff:", StringComparison.Ordinal) && int.TryParse(Claim.AsSpan(6), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>The filter as a query string (without "?"), optionally with another page or order.</summary>
    public string QueryString(int? page = null, string? sort = null, string? dir = null) =>
        string.Join("&", new (string, string?)[]
        {
            ("scope", Handling ? null : Scope), ("state", State), ("category", Category), ("district", District), ("due", Due), ("claim", Claim),
            ("flag", Flag), ("q", Search), ("sort", sort ?? Sort), ("dir", dir ?? Dir),
            ("page", (page ?? Page) > 1 ? (page ?? Page).ToString(System.Globalization.CultureInfo.InvariantCulture) : null),
        }.Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => p.Item1 + "=" + Uri.EscapeDataString(p.Item2!)));

    /// <summary>The filter a query string describes (the "from" a complaint page carries back to its queue).</summary>
    public static QueueFilter Parse(string? query)
    {
        var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query is null ? "" : query.StartsWith('?') ? query : "?" + query);
        string? V(string k) => q.TryGetValue(k, out var v) && v.Count > 0 ? v[0] : null;
        return new QueueFilter(V("scope"), V("state"), V("category"), V("district"), V("due"), V("claim"),
            int.TryParse(V("page"), out var p) ? Math.Clamp(p, 1, 100_000) : 1, V("q"), V("sort"), V("dir"), V("flag"));
    }
}

/// <param name="Sla">overdue, 4h (due within 4 hours), 24h (within 24 hours), or null; only for open complaints.</param>
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
    string? HandlingAgency,
    string? Sla = null,
    long? MinutesLeft = null,
    int Urges = 0,
    bool ExtensionPending = false,
    int? Rating = null);

public sealed record QueueResult(IReadOnlyList<QueueItem> Items, int Page, int PageSize, long Total, IReadOnlyDictionary<string, int> CountsByState)
{
    public int Pages => (int)Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>A queue row with every column the export writes.</summary>
public sealed record ExportRow(QueueItem Item, string Description, string? Address, string? PublicReply);

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
    IReadOnlyList<HistoryEntry> History,
    PendingExtension? Extension = null,
    int Urges = 0,
    int? LastHandlerId = null,
    bool HasPhone = false);

/// <summary>An extension request that waits for a supervisor's decision.</summary>
public sealed record PendingExtension(long Id, int RequestedById, string RequestedBy, DateTimeOffset RequestedAt, int Hours, string Reason);
