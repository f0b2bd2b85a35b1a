using CylinderTrace.Platform.Database;
using Dapper;

namespace CylinderTrace.Complaints.Handling;

/// <summary>A reply template (常用语) of an agency: a short title and the text a reply starts from.</summary>
public sealed record ReplyTemplate(int Id, string Title, string Body, DateTimeOffset UpdatedAt, string? UpdatedBy);

public sealed record ReplyTemplateRequest(string? Title, string? Body);

/// <summary>
/// 常用语: texts an agency keeps so its handlers start replies from agreed wording (chosen on the complaint page). Every
/// member who handles complaints reads its own agency's; supervisors add, edit and delete them (ConsoleAccess). Another
/// agency's template answers as one that does not exist.
/// </summary>
public sealed class ReplyTemplates(Db db, TimeProvider clock)
{
    public const int MaxPerAgency = 200;

    private const string ListSql =
        """
        SELECT t.id, t.title, t.body, t.updated_at AS UpdatedAt, s.display_name AS UpdatedBy FROM complaint_reply_templates t
        LEFT JOIN staff s ON s.id = t.updated_by WHERE t.agency_id = @agencyId AND t.deleted_at IS NULL ORDER BY t.title, t.id LIMIT 200
        """;
    private const string CountSql = "SELECT COUNT(*) FROM complaint_reply_templates WHERE agency_id = @agencyId AND deleted_at IS NULL";
    private const string InsertSql =
        """
        INSERT INTO complaint_reply_templates (agency_id, title, body, created_by, created_at, updated_by, updated_at)
        VALUES (@agencyId, @title, @body, @staffId, @now, @staffId, @now);
        SELECT LAST_INSERT_ID();
        """;
    private const string UpdateSql =
        "UPDATE complaint_reply_templates SET title = @title, body = @body, updated_by = @staffId, updated_at = @now WHERE id = @id AND agency_id = @agencyId AND deleted_at IS NULL";
    private const string DeleteSql =
        "UPDATE complaint_reply_templates SET deleted_at = @now, updated_by = @staffId, updated_at = @now WHERE id = @id AND agency_id = @agencyId AND deleted_at IS NULL";

    private sealed class Row
    {
        public int Id { get; init; }
        public string Title { get; init; } = "";
        public string Body { get; init; } = "";
        public DateTime UpdatedAt { get; init; }
        public string? UpdatedBy { get; init; }
    }

    public async Task<IReadOnlyList<ReplyTemplate>> ListAsync(int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<Row>(new CommandDefinition(ListSql, new { agencyId }, cancellationToken: ct)))
            .Select(r => new ReplyTemplate(r.Id, r.Title, r.Body, Platform.Time.ShanghaiTime.FromUtc(r.UpdatedAt), r.UpdatedBy)).ToList();
    }

    public static Dictionary<string, string[]> Validate(string? title, string? body)
    {
        var e = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(title) || title.Trim().Length > 50) e["title"] = ["请填写常用语名称（不超过50字）。"];
        if (string.IsNullOrWhiteSpace(body) || body.Trim().Length < 5 || body.Trim().Length > 1000) e["body"] = ["请填写常用语内容（5-1000字）。"];
        return e;
    }

    /// <summary>Adds a template; null with errors when invalid or when the agency has the most it may keep.</summary>
    public async Task<(int? Id, Dictionary<string, string[]> Errors)> AddAsync(int agencyId, int staffId, string? title, string? body, CancellationToken ct)
    {
        var errors = Validate(title, body);
        if (errors.Count > 0) return (null, errors);
        await using var conn = await db.OpenAsync(ct);
        if (await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountSql, new { agencyId }, cancellationToken: ct)) >= MaxPerAgency)
            return (null, new() { ["title"] = [$"每个单位最多保存{MaxPerAgency}条常用语；请先删除不用的。"] });
        var id = await conn.ExecuteScalarAsync<int>(new CommandDefinition(InsertSql,
            new { agencyId, title = title!.Trim(), body = body!.Trim(), staffId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return (id, errors);
    }

    /// <summary>False: no such template of this agency.</summary>
    public async Task<(bool Found, Dictionary<string, string[]> Errors)> UpdateAsync(int agencyId, int staffId, int id, string? title, string? body, CancellationToken ct)
    {
        var errors = Validate(title, body);
        await using var conn = await db.OpenAsync(ct);
        if (errors.Count > 0) return ((await ListAsync(agencyId, ct)).Any(t => t.Id == id), errors);
        var n = await conn.ExecuteAsync(new CommandDefinition(UpdateSql,
            new { agencyId, id, title = title!.Trim(), body = body!.Trim(), staffId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return (n == 1, errors);
    }

    public async Task<bool> DeleteAsync(int agencyId, int staffId, int id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { agencyId, id, staffId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct)) == 1;
    }
}
