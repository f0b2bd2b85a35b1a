using System.Data;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Complaints.Routing;

/// <summary>A routing rule as administrators see it.</summary>
public sealed record RoutingRuleView(int Id, string Category, string CategoryLabel, string DistrictCode, string DistrictName, string AgencyCode,
    string AgencyName, int DeadlineHours, IReadOnlyList<string> Informs, DateTimeOffset UpdatedAt)
{
    /// <summary>The informed agencies' names, in the order of <see cref="Informs"/>.</summary>
    public IReadOnlyList<string> InformNames { get; init; } = [];
}

/// <summary>One change of a rule as the history shows it: who (a name), when, and what the rule became (names, not codes).</summary>
public sealed record RoutingRuleChange(DateTimeOffset At, string Actor, string Action, string Category, string CategoryLabel, string DistrictCode,
    string DistrictName, string? AgencyName, int? DeadlineHours, IReadOnlyList<string> InformNames);

/// <summary>A rule to create or replace for (category, district); district 350100 is the category's city-wide default.</summary>
public sealed record RoutingRuleInput(string? Category, string? District, string? Agency, int? DeadlineHours, IReadOnlyList<string>? Informs);

/// <summary>
/// Administration of routing rules (DESIGN.md §4): one rule per (category, district), the district's
/// rule before the city-wide one (the router's own order). Validation answers every problem at once;
/// no rule can point at a missing agency; the city-wide default of a category can be changed but not
/// deleted, so no category is left without a rule; an urgent category's deadline is at most
/// Routing:UrgentDeadlineHours. Every change is kept in routing_rule_changes.
/// </summary>
public sealed class RoutingRules(Db db, TimeProvider clock, Microsoft.Extensions.Options.IOptions<RoutingOptions> options)
{
    public const int MaxDeadlineHours = 24 * 30;
    public const int MaxInforms = 5;

    private const string ListSql =
        """
        SELECT r.id, r.category, r.district_code AS DistrictCode, d.name AS DistrictName, a.code AS AgencyCode, a.name AS AgencyName,
               r.deadline_hours AS DeadlineHours, r.updated_at AS UpdatedAt
        FROM routing_rules r JOIN districts d ON d.code = r.district_code JOIN agencies a ON a.id = r.agency_id
        WHERE (@category IS NULL OR r.category = @category) AND (@district IS NULL OR r.district_code = @district)
        ORDER BY r.category, r.district_code
        """;
    private const string InformsSql =
        "SELECT i.rule_id AS RuleId, a.code, a.name FROM routing_rule_informs i JOIN agencies a ON a.id = i.agency_id WHERE i.rule_id IN @ids ORDER BY a.code";
    private const string RuleSql =
        """
        SELECT r.id, r.category, r.district_code AS DistrictCode, d.name AS DistrictName, a.code AS AgencyCode, a.name AS AgencyName,
               r.deadline_hours AS DeadlineHours, r.updated_at AS UpdatedAt
        FROM routing_rules r JOIN districts d ON d.code = r.district_code JOIN agencies a ON a.id = r.agency_id
        WHERE r.id = @id
        """;
    private const string ChangesSql =
        """
        SELECT c.at, c.actor, c.action, c.category, c.district_code AS DistrictCode, COALESCE(d.name, c.district_code) AS DistrictName, a.name AS AgencyName,
               c.deadline_hours AS DeadlineHours, c.informs
        FROM routing_rule_changes c LEFT JOIN districts d ON d.code = c.district_code LEFT JOIN agencies a ON a.id = c.agency_id
        WHERE (@category IS NULL OR c.category = @category) AND (@district IS NULL OR c.district_code = @district)
        ORDER BY c.at DESC, c.id DESC LIMIT @limit
        """;
    private const string StaffNamesSql = "SELECT id, display_name FROM staff WHERE id IN @ids";
    private const string AgencyNamesSql = "SELECT code, name FROM agencies WHERE code IN @codes";
    private const string DistrictExistsSql = "SELECT COUNT(*) FROM districts WHERE code = @code";
    private const string AgencyIdsSql = "SELECT code, id FROM agencies WHERE code IN @codes";
    private const string UpsertSql =
        """
        INSERT INTO routing_rules (category, district_code, agency_id, deadline_hours, updated_at) VALUES (@category, @district, @agencyId, @hours, @now)
        ON DUPLICATE KEY UPDATE agency_id = @agencyId, deadline_hours = @hours, updated_at = @now, id = LAST_INSERT_ID(id);
        SELECT LAST_INSERT_ID();
        """;
    private const string ClearInformsSql = "DELETE FROM routing_rule_informs WHERE rule_id = @id";
    private const string AddInformSql = "INSERT INTO routing_rule_informs (rule_id, agency_id) VALUES (@id, @agencyId)";
    private const string RuleByIdSql = "SELECT category, district_code AS DistrictCode FROM routing_rules WHERE id = @id FOR UPDATE";
    private const string DeleteSql = "DELETE FROM routing_rules WHERE id = @id";
    private const string ChangeSql =
        """
        INSERT INTO routing_rule_changes (at, actor, action, category, district_code, agency_id, deadline_hours, informs)
        VALUES (@now, @actor, @action, @category, @district, @agencyId, @hours, @informs)
        """;

    private sealed class Row
    {
        public int Id { get; init; }
        public string Category { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string DistrictName { get; init; } = "";
        public string AgencyCode { get; init; } = "";
        public string AgencyName { get; init; } = "";
        public int DeadlineHours { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    public async Task<IReadOnlyList<RoutingRuleView>> ListAsync(string? category, string? district, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(ListSql,
            new { category = Blank(category), district = Blank(district) }, cancellationToken: ct))).ToList();
        return await ViewsAsync(conn, rows, ct);
    }

    private static async Task<IReadOnlyList<RoutingRuleView>> ViewsAsync(MySqlConnector.MySqlConnection conn, List<Row> rows, CancellationToken ct)
    {
        var pairs = rows.Count == 0 ? [] : await conn.QueryAsync<(int RuleId, string Code, string Name)>(new CommandDefinition(InformsSql,
            new { ids = rows.Select(r => r.Id).ToList() }, cancellationToken: ct));
        var informs = pairs.ToLookup(x => x.RuleId);
        return rows.Select(r => new RoutingRuleView(r.Id, r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.DistrictCode,
            r.DistrictName, r.AgencyCode, r.AgencyName, r.DeadlineHours, informs[r.Id].Select(x => x.Code).ToList(), ShanghaiTime.FromUtc(r.UpdatedAt))
        { InformNames = informs[r.Id].Select(x => x.Name).ToList() }).ToList();
    }

    /// <summary>One rule by id, or null.</summary>
    public async Task<RoutingRuleView?> FindAsync(int id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(RuleSql, new { id }, cancellationToken: ct))).ToList();
        return (await ViewsAsync(conn, rows, ct)).SingleOrDefault();
    }

    private sealed class ChangeRow
    {
        public DateTime At { get; init; }
        public string Actor { get; init; } = "";
        public string Action { get; init; } = "";
        public string Category { get; init; } = "";
        public string DistrictCode { get; init; } = "";
        public string DistrictName { get; init; } = "";
        public string? AgencyName { get; init; }
        public int? DeadlineHours { get; init; }
        public string? Informs { get; init; }
    }

    /// <summary>The newest changes (of a category and/or district when given), with the names of who changed them and of the agencies.</summary>
    public async Task<IReadOnlyList<RoutingRuleChange>> ChangesAsync(string? category, string? district, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<ChangeRow>(new CommandDefinition(ChangesSql,
            new { category = Blank(category), district = Blank(district), limit }, cancellationToken: ct))).ToList();
        var staffIds = rows.Select(r => r.Actor.StartsWith("staff:", StringComparison.Ordinal) && int.TryParse(r.Actor.AsSpan(6), out var id) ? id : 0)
            .Where(id => id > 0).Distinct().ToList();
        var staff = staffIds.Count == 0 ? new Dictionary<string, string>()
            : (await conn.QueryAsync<(int Id, string Name)>(new CommandDefinition(StaffNamesSql, new { ids = staffIds }, cancellationToken: ct)))
                .ToDictionary(x => "staff:" + x.Id, x => x.Name);
        var codes = rows.SelectMany(r => (r.Informs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).Distinct().ToList();
        var agencies = codes.Count == 0 ? new Dictionary<string, string>()
            : (await conn.QueryAsync<(string Code, string Name)>(new CommandDefinition(AgencyNamesSql, new { codes }, cancellationToken: ct))).ToDictionary(x => x.Code, x => x.Name);
        return rows.Select(r => new RoutingRuleChange(ShanghaiTime.FromUtc(r.At), staff.GetValueOrDefault(r.Actor) ?? ActorLabel(r.Actor), r.Action, r.Category,
            ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.DistrictCode, r.DistrictName, r.AgencyName, r.DeadlineHours,
            (r.Informs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => agencies.GetValueOrDefault(c) ?? c).ToList())).ToList();
    }

    /// <summary>Who made a change that no staff account made (the seed, a migration, an operator's command).</summary>
    private static string ActorLabel(string actor) => actor.StartsWith("staff:", StringComparison.Ordinal) ? "已删除的账号" : "系统";

    /// <summary>The rule the router would use for this (category, district): the district's own, else the city-wide one.</summary>
    public async Task<RoutingRuleView?> ResolveAsync(string category, string district, CancellationToken ct)
    {
        var candidates = await ListAsync(category, null, ct);
        return candidates.FirstOrDefault(r => r.DistrictCode == district) ?? candidates.FirstOrDefault(r => r.DistrictCode == ComplaintRouter.CityDistrict);
    }

    public abstract record SaveResult;
    public sealed record Saved(RoutingRuleView Rule) : SaveResult;
    public sealed record Refused(Dictionary<string, string[]> Errors) : SaveResult;

    /// <summary>Creates or replaces the rule of (category, district).</summary>
    public async Task<SaveResult> SaveAsync(RoutingRuleInput input, string actor, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var category = input.Category?.Trim();
        var district = input.District?.Trim();
        if (string.IsNullOrEmpty(category)) errors["category"] = ["请选择投诉类别。"];
        else if (ComplaintCategories.Find(category) is null) errors["category"] = [$"没有“{category}”这个投诉类别。"];
        if (input.DeadlineHours is not (>= 1 and <= MaxDeadlineHours)) errors["deadlineHours"] = [$"办理时限应为1到{MaxDeadlineHours}小时。"];
        else if (ComplaintCategories.Find(category) is { Urgent: true } urgent && input.DeadlineHours > options.Value.UrgentDeadlineHours)
            errors["deadlineHours"] = [$"“{urgent.Label}”是紧急投诉，办理时限不能超过{options.Value.UrgentDeadlineHours}小时。"];
        var informCodes = (input.Informs ?? []).Select(c => c?.Trim() ?? "").Where(c => c.Length > 0).Distinct().ToList();
        if (informCodes.Count > MaxInforms) errors["informs"] = [$"抄送单位最多{MaxInforms}个。"];
        var agencyCode = input.Agency?.Trim() ?? "";

        await using var conn = await db.OpenAsync(ct);
        if (string.IsNullOrEmpty(district)) errors["district"] = ["请选择区县；要改全市默认规则，请明确选择“全市默认”。"];
        else if (await conn.ExecuteScalarAsync<int>(new CommandDefinition(DistrictExistsSql, new { code = district }, cancellationToken: ct)) == 0)
            errors["district"] = [$"没有代码为“{district}”的区县（全市默认规则的代码是 350100）。"];
        var codes = informCodes.Append(agencyCode).Where(c => c.Length > 0).ToList();
        var ids = codes.Count == 0 ? new Dictionary<string, int>()
            : (await conn.QueryAsync<(string Code, int Id)>(new CommandDefinition(AgencyIdsSql, new { codes }, cancellationToken: ct))).ToDictionary(x => x.Code, x => x.Id);
        if (agencyCode.Length == 0) errors["agency"] = ["请选择承办单位。"];
        else if (!ids.ContainsKey(agencyCode)) errors["agency"] = [$"没有代码为“{agencyCode}”的承办单位。"];
        var missing = informCodes.Where(c => !ids.ContainsKey(c)).ToList();
        if (missing.Count > 0) errors["informs"] = [$"抄送单位不存在：{string.Join("、", missing)}。"];
        else if (informCodes.Contains(agencyCode)) errors["informs"] = ["承办单位不必再抄送给自己。"];
        if (errors.Count > 0) return new Refused(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        await using (var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct))
        {
            var args = new { category, district, agencyId = ids[agencyCode], hours = input.DeadlineHours, now };
            var id = await conn.ExecuteScalarAsync<int>(new CommandDefinition(UpsertSql, args, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(ClearInformsSql, new { id }, tx, cancellationToken: ct));
            foreach (var code in informCodes)
                await conn.ExecuteAsync(new CommandDefinition(AddInformSql, new { id, agencyId = ids[code] }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(ChangeSql, new
            {
                now, actor, action = "save", category, district, agencyId = ids[agencyCode], hours = input.DeadlineHours,
                informs = informCodes.Count == 0 ? null : string.Join(",", informCodes),
            }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        return new Saved((await ListAsync(category, district, ct)).Single());
    }

    /// <summary>Null: no such rule. False: a city-wide default, which may be changed but not deleted.</summary>
    public async Task<bool?> DeleteAsync(int id, string actor, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var rule = await conn.QuerySingleOrDefaultAsync<(string Category, string DistrictCode)?>(new CommandDefinition(RuleByIdSql, new { id }, tx, cancellationToken: ct));
        if (rule is not { } r) return null;
        if (r.DistrictCode == ComplaintRouter.CityDistrict) return false;
        await conn.ExecuteAsync(new CommandDefinition(ClearInformsSql, new { id }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { id }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(ChangeSql, new
        {
            now = clock.GetUtcNow().UtcDateTime, actor, action = "delete", category = r.Category, district = r.DistrictCode,
            agencyId = (int?)null, hours = (int?)null, informs = (string?)null,
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
