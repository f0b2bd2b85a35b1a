namespace CylinderTrace.Cylinders;

/// <summary>One rule of the filling interlock a fill may break: a stable code and the words staff and enterprises read.</summary>
public sealed record FillRule(string Code, string Label);

/// <summary>
/// The filling interlock's rules (充装联锁, DESIGN.md §3; TSG 23-2021 气瓶安全技术规程: a filling unit fills only
/// cylinders it holds the property rights of, that are registered, within their inspection period and service life,
/// not scrapped), in one place: the fill check asks them before a fill, ingestion judges every reported fill by them
/// as of the fill's day. A cylinder's inspection is overdue from the day after its next inspection date; its scrap date
/// is the first day it may not be filled (CylinderStatusRules). Whether a cylinder is scrapped or detained is what the
/// registry says when the fill is judged (neither state is dated in the registry; a scrapped cylinder never returns).
/// </summary>
public sealed class FillRules(CylinderStatusRules rules)
{
    public static readonly FillRule Unregistered = new("unregistered", "气瓶未登记");
    public static readonly FillRule Scrapped = new("scrapped", "已报废");
    public static readonly FillRule Detained = new("detained", "已扣押召回");
    public static readonly FillRule PastScrapDate = new("past_scrap_date", "超过报废年限");
    public static readonly FillRule InspectionOverdue = new("inspection_overdue", "超期未检");
    public static readonly FillRule ForeignOwner = new("owned_by_another_enterprise", "产权属于其他企业（体外循环）");
    public static readonly FillRule UnlicensedFiller = new("unlicensed_filler", "充装单位无有效气瓶充装许可证");
    public static readonly FillRule NoCheck = new("no_check", "未经充装前检查");
    public static readonly FillRule CheckContradicted = new("check_contradicted", "充装前检查不允许充装，或检查编号无效");

    /// <summary>Every rule a reported fill can break, in the order they are listed.</summary>
    public static readonly IReadOnlyList<FillRule> All = [Unregistered, Scrapped, Detained, PastScrapDate, InspectionOverdue, ForeignOwner, UnlicensedFiller, NoCheck, CheckContradicted];

    private static readonly Dictionary<string, FillRule> ByCode = All.ToDictionary(r => r.Code, StringComparer.Ordinal);

    public static FillRule? Find(string code) => ByCode.GetValueOrDefault(code);

    /// <summary>The Chinese words for a list of codes, joined with 、.</summary>
    public static string Labels(IEnumerable<string> codes) => string.Join("、", codes.Select(c => Find(c)?.Label ?? c));

    /// <summary>
    /// The rules about the cylinder itself that a fill on <paramref name="day"/> (Asia/Shanghai) by the filling
    /// enterprise <paramref name="fillerRootId"/> breaks, added to <paramref name="broken"/> in the order of <see cref="All"/>.
    /// </summary>
    public void Judge(CylinderDates dates, int ownerId, int fillerRootId, DateOnly day, List<FillRule> broken)
    {
        if (dates.Scrapped) broken.Add(Scrapped);
        if (dates.Detained) broken.Add(Detained);
        if (day >= rules.ScrapDate(dates)) broken.Add(PastScrapDate);
        if (day > rules.NextInspectionDate(dates)) broken.Add(InspectionOverdue);
        if (ownerId != fillerRootId) broken.Add(ForeignOwner);
    }
}

/// <summary>A fill as it was stored and judged: the rules it broke (none: a lawful fill). CylinderId null: an unregistered code (kept in orphan_fills).</summary>
public sealed record JudgedFill(int Index, int EnterpriseId, int StationId, string StationDistrict, string EventId, long? CylinderId, string CylinderCode, int? OwnerId, DateTime FilledAtUtc,
    IReadOnlyList<FillRule> Broken);

/// <summary>
/// A feature that reacts to fills as they are stored (Supervision turns broken rules into violations), without the writer
/// knowing it; the same two steps as <see cref="IDeliveryListener"/>: inside the storing transaction (which a conflict
/// may run again), then once after it commits.
/// </summary>
public interface IFillListener
{
    Task<object?> OnStoredAsync(MySqlConnector.MySqlConnection conn, MySqlConnector.MySqlTransaction tx, IReadOnlyList<JudgedFill> fills, CancellationToken ct);

    Task AfterCommitAsync(object? state, CancellationToken ct);
}
