using Dapper;
using MySqlConnector;

namespace CylinderTrace.Complaints;

/// <summary>One step of a complaint's history: who did what, when, why; public steps are the complainant's timeline.</summary>
/// <param name="Actor">"complainant", "system" or "staff:&lt;id&gt;".</param>
/// <param name="AgencyId">The agency the step concerns (routed to, informed, escalated to, transferred to), if any.</param>
public sealed record ComplaintStep(long ComplaintId, DateTime At, string Kind, string Actor, bool Public, string? Text = null, int? AgencyId = null);

/// <summary>The one way a step is added to a complaint's history (complaint_events), inside the caller's transaction.</summary>
public static class ComplaintHistory
{
    private const string AppendSql =
        """
        INSERT INTO complaint_events (complaint_id, at, kind, actor, is_public, text, agency_id)
        VALUES (@ComplaintId, @At, @Kind, @Actor, @Public, @Text, @AgencyId);
        SELECT LAST_INSERT_ID();
        """;

    /// <summary>Appends the step; returns its id.</summary>
    public static Task<long> AppendAsync(MySqlConnection conn, MySqlTransaction? tx, ComplaintStep step, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(AppendSql, step, tx, cancellationToken: ct));
}
