using System.Data;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// The read side of working a complaint inside its agency (DESIGN.md §4): which agency handles a complaint and who is
/// informed of it, the queue with its filters and counts, the team's load, and a complaint's full record and history.
/// The actions are <see cref="ComplaintHandling"/>'s.
/// </summary>
public sealed class ComplaintQueue(Db db, TimeProvider clock)
{
    public static readonly string[] OpenStates = [ComplaintStatus.Routed, ComplaintStatus.InProgress, ComplaintStatus.WaitingInfo];
    public static readonly string[] AllStates =
    [
        ComplaintStatus.Routed, ComplaintStatus.InProgress, ComplaintStatus.WaitingInfo, ComplaintStatus.Resolved, ComplaintStatus.Rejected,
        ComplaintStatus.Duplicate, ComplaintStatus.Closed, ComplaintStatus.Withdrawn,
    ];

    /// <summary>Informed: a rule or the deadline watch informed the member's agency, or it is the handling agency's superior (督办).</summary>
    private const string ScopeSql =
        """
        SELECT c.id, c.agency_id AS AgencyId,
               (EXISTS (SELECT 1 FROM complaint_informed_agencies i WHERE i.agency_id = @agencyId AND i.complaint_id = c.id)
                OR EXISTS (SELECT 1 FROM agencies pa WHERE pa.id = c.agency_id AND pa.parent_id = @agencyId)) AS Informed
        FROM complaints c WHERE c.number = @number
        """;

    /// <summary>
    /// A page is found as ids first (filter, order, limit over the narrow joined rows), then its rows are read by id: the sort
    /// never carries descriptions and replies, and the per-row counts are read for the page only.
    /// </summary>
    private const string QueueColumns = "SELECT c.id";
    private const string RowsByIdSql =
        """
        SELECT c.id, c.number, c.category, c.status, c.district_code AS DistrictCode, d.name AS DistrictName, c.description, c.cylinder_code AS CylinderCode,
               c.created_at AS CreatedAt, r.due_at AS DueAt, h.claimed_by AS ClaimedBy, s.display_name AS ClaimedByName, a.name AS HandlingAgency,
               c.rating, c.address, c.public_reply AS PublicReply
        FROM complaints c
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        LEFT JOIN staff s ON s.id = h.claimed_by
        LEFT JOIN districts d ON d.code = c.district_code
        LEFT JOIN agencies a ON a.id = c.agency_id
        WHERE c.id IN @ids
        """;
    private const string UrgeCountsSql = "SELECT complaint_id, COUNT(*) FROM complaint_oversight WHERE kind = 'urge' AND complaint_id IN @ids GROUP BY complaint_id";
    private const string PendingExtensionsSql = "SELECT DISTINCT complaint_id FROM complaint_extensions WHERE status = 'pending' AND complaint_id IN @ids";
    /// <summary>
    /// Filters on the complaint's own columns, and on routing and handling through EXISTS guarded by their parameter: a filter
    /// not chosen costs nothing (the server folds "NULL IS NULL OR …" away), so a count or a page of a year's complaints
    /// reads the complaints' index alone. The routing row's district is one lookup by id, asked only of a complaint whose
    /// own district differs (as an EXISTS after OR, the server read every routing row of the city to build a set first).
    /// </summary>
    private const string QueueFilters =
        """
          AND c.status IN @states
          AND (@category IS NULL OR c.category = @category)
          AND (@district IS NULL OR c.district_code = @district
               OR (SELECT rd.district_code FROM complaint_routing rd WHERE rd.complaint_id = c.id) = @district)
          AND (@dueBefore IS NULL OR (c.status IN ('routed', 'in_progress', 'waiting_info')
               AND EXISTS (SELECT 1 FROM complaint_routing rt WHERE rt.complaint_id = c.id AND rt.due_at < @dueBefore)))
          AND (@claim IS NULL
               OR (@claim = 'unclaimed' AND NOT EXISTS (SELECT 1 FROM complaint_handling hu WHERE hu.complaint_id = c.id AND hu.claimed_by IS NOT NULL))
               OR (@claim IN ('me', 'staff') AND EXISTS (SELECT 1 FROM complaint_handling hc WHERE hc.complaint_id = c.id
                   AND hc.claimed_by = CASE WHEN @claim = 'me' THEN @me ELSE @claimedBy END)))
          AND (@flag IS NULL
               OR (@flag = 'extension' AND EXISTS (SELECT 1 FROM complaint_extensions x WHERE x.complaint_id = c.id AND x.status = 'pending'))
               OR (@flag = 'urged' AND EXISTS (SELECT 1 FROM complaint_oversight o WHERE o.complaint_id = c.id AND o.kind = 'urge'))
               OR (@flag = 'low_rated' AND c.rating <= 2))
        """;
    private const string CodeFilter = " AND (@q IS NULL OR c.number = @q OR c.cylinder_code = @q) ";
    /// <summary>
    /// A search: the complaints filed under the agency (or agencies) with every word (ComplaintSearch, one index range per
    /// word, however common the word is elsewhere in the city), and a number or cylinder code exactly; then the complaints
    /// themselves, where the agency is checked again from the complaint (a word row left behind never shows a complaint outside
    /// the view; until the reconciler moves it, it can add one to the total of a search over every state, see MatchesSql).
    /// </summary>
    private const string WordsOf = " SELECT t.complaint_id AS id FROM complaint_search_terms t WHERE t.term IN @terms AND t.agency_id ";
    private const string WordsAll = " GROUP BY t.complaint_id HAVING COUNT(*) = @termCount" +
        " UNION SELECT x.id FROM complaints x WHERE x.number = @q UNION SELECT x.id FROM complaints x WHERE x.cylinder_code = @q";
    // STRAIGHT_JOIN: the matches first, then their complaints by id. Left to itself (with COUNT(*) OVER) the optimizer read
    // every complaint of the agency and looked each up in the matches: 33,777 rows instead of 5,457 for a common word.
    private const string HandlingTextFrom = " FROM (" + WordsOf + "= @agencyId" + WordsAll + ") m STRAIGHT_JOIN complaints c ON c.id = m.id WHERE c.agency_id = @agencyId ";
    private const string SubordinateAgencies = "(SELECT sa.id FROM agencies sa WHERE sa.parent_id = @agencyId)";
    private const string SubordinateTextFrom = " FROM (" + WordsOf + "IN " + SubordinateAgencies + WordsAll + ") m STRAIGHT_JOIN complaints c ON c.id = m.id" +
        " WHERE c.agency_id IN " + SubordinateAgencies + " ";
    /// <summary>What an agency is informed of is few complaints: each is checked for the words where its handling agency filed them.</summary>
    private const string InformedTextFilter =
        """
          AND (c.number = @q OR c.cylinder_code = @q
               OR (SELECT COUNT(*) FROM complaint_search_terms t WHERE t.agency_id = COALESCE(c.agency_id, 0) AND t.term IN @terms AND t.complaint_id = c.id) = @termCount)
        """;
    /// <summary>
    /// How many of the agency's complaints hold every word (or have the number or code): the word rows alone, read in the
    /// (agency, word) index without touching a complaint. It decides the plan of a search (<see cref="FrequentWords"/>) and is
    /// the total of a search over every state with no other filter.
    /// </summary>
    private const string MatchesSql = "SELECT COUNT(*) FROM (" + WordsOf + "= @agencyId" + " GROUP BY t.complaint_id HAVING COUNT(*) = @termCount" +
        " UNION SELECT x.id FROM complaints x WHERE x.number = @q AND x.agency_id = @agencyId" +
        " UNION SELECT x.id FROM complaints x WHERE x.cylinder_code = @q AND x.agency_id = @agencyId) m";

    /// <summary>
    /// A word in most of the agency's complaints (a single common character such as 气): reading its matches first would read
    /// nearly every complaint and sort them all for one page. The complaints are read in the page's order instead, each checked
    /// for the words by primary key, and the page is full after about as many rows as it shows.
    /// </summary>
    private static bool FrequentWords(long matches, long candidates) => matches * 2 > candidates;

    private const string DueOf = "(SELECT ro.due_at FROM complaint_routing ro WHERE ro.complaint_id = c.id)";
    private const string ClaimantOf = "(SELECT so.display_name FROM complaint_handling ho JOIN staff so ON so.id = ho.claimed_by WHERE ho.complaint_id = c.id)";

    /// <summary>
    /// Each column sorts either way; ties in the number's order (the same direction). A plain ORDER BY per choice (made of
    /// constants, never of input), so the server can read an index in order and stop at the page (ix_complaints_created
    /// for the newest first).
    /// </summary>
    private static string QueueOrder(string sort, string dir)
    {
        var d = dir == "desc" ? " DESC" : "";
        var key = sort switch
        {
            "due" => DueOf + " IS NULL, " + DueOf + d + ", ",
            "created" => "c.created_at" + d + ", ",
            "category" => "c.category" + d + ", ",
            "district" => "c.district_code" + d + ", ",
            "status" => "c.status" + d + ", ",
            "claimant" => ClaimantOf + d + ", ",
            _ => "",
        };
        return " ORDER BY " + key + "c.id" + d + " LIMIT @take OFFSET @skip";
    }

    private const string HandlingFrom = " FROM complaints c WHERE c.agency_id = @agencyId ";
    private const string InformedFrom = " FROM complaint_informed_agencies i JOIN complaints c ON c.id = i.complaint_id" +
        " WHERE i.agency_id = @agencyId AND (c.agency_id IS NULL OR c.agency_id <> @agencyId) ";
    private const string SubordinateFrom = " FROM complaints c WHERE c.agency_id IN " + SubordinateAgencies + " ";

    private static (string From, string Filter) QueryParts(string scope, bool words, bool frequent) => (scope, words) switch
    {
        ("handling", true) when frequent => (HandlingFrom, InformedTextFilter),
        ("informed", false) => (InformedFrom, CodeFilter),
        ("informed", true) => (InformedFrom, InformedTextFilter),
        ("subordinate", false) => (SubordinateFrom, CodeFilter),
        ("subordinate", true) => (SubordinateTextFrom, ""),
        (_, false) => (HandlingFrom, CodeFilter),
        (_, true) => (HandlingTextFrom, ""),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Scope, bool Words, bool Frequent, string Sort, string Dir), Statement> Statements = new();

    /// <summary>
    /// A page's statements. <c>List</c> reads the ids alone and stops at the page where an index gives the order (the newest
    /// first, no search); <c>Counted</c> reads them with the total (COUNT(*) OVER ()), for orders that have to read every
    /// row anyway (a search, a sort on the deadline or a column), so the rows are found once, not twice.
    /// </summary>
    private sealed record Statement(string List, string Counted, string Count, bool StopsEarly);

    /// <summary>The statements of a scope, a search or not, and an order: made of the constants above, once each.</summary>
    private static Statement StatementsFor(string scope, bool words, bool frequent, string sort, string dir) =>
        Statements.GetOrAdd((scope, words, frequent, sort, dir), k =>
        {
            var (from, filter) = QueryParts(k.Scope, k.Words, k.Frequent);
            var where = from + QueueFilters + filter;
            return new Statement(QueueColumns + where + QueueOrder(k.Sort, k.Dir), QueueColumns + ", COUNT(*) OVER () AS Total" + where + QueueOrder(k.Sort, k.Dir),
                "SELECT COUNT(*)" + where, (!k.Words || k.Frequent) && k.Sort is "created" or "number");
        });

    private const string CountsSql = "SELECT status, COUNT(*) AS n FROM complaints WHERE agency_id = @agencyId GROUP BY status";

    private const string TeamSql =
        """
        SELECT s.id AS StaffId, s.display_name AS Name, s.role,
               COUNT(c.id) AS Open, COALESCE(SUM(CASE WHEN r.due_at < @now THEN 1 ELSE 0 END), 0) AS Overdue
        FROM staff s
        LEFT JOIN complaint_handling h ON h.claimed_by = s.id
        LEFT JOIN complaints c ON c.id = h.complaint_id AND c.agency_id = @agencyId AND c.status IN @open
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        WHERE s.agency_id = @agencyId AND s.disabled = 0 AND s.role IN ('handler', 'supervisor')
        GROUP BY s.id, s.display_name, s.role ORDER BY Overdue DESC, Open DESC, s.display_name
        """;
    private const string AgencyOpenSql =
        """
        SELECT COUNT(*) AS Open, COALESCE(SUM(CASE WHEN r.due_at < @now THEN 1 ELSE 0 END), 0) AS Overdue,
               COALESCE(SUM(CASE WHEN h.claimed_by IS NULL THEN 1 ELSE 0 END), 0) AS UnclaimedOpen,
               COALESCE(SUM(CASE WHEN h.claimed_by IS NULL AND r.due_at < @now THEN 1 ELSE 0 END), 0) AS UnclaimedOverdue
        FROM complaints c LEFT JOIN complaint_routing r ON r.complaint_id = c.id LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        WHERE c.agency_id = @agencyId AND c.status IN @open
        """;

    private const string DetailSql =
        """
        SELECT c.id, c.number, c.category, c.status, c.description, c.cylinder_code AS CylinderCode, c.card_snapshot AS CardSnapshot,
               c.latitude, c.longitude, c.district_code AS DistrictCode, d.name AS DistrictName, c.address, c.contact_phone_masked AS ContactPhoneMasked,
               c.agency_id AS AgencyId, a.name AS Agency, c.public_reply AS PublicReply, c.rating, c.rating_comment AS RatingComment, c.created_at AS CreatedAt,
               r.due_at AS DueAt, h.claimed_by AS ClaimedBy, s.display_name AS ClaimedByName, dup.number AS DuplicateOf, h.outcome,
               h.closed_by AS ClosedBy, c.contact_phone_enc IS NOT NULL AS HasPhone
        FROM complaints c
        LEFT JOIN districts d ON d.code = c.district_code
        LEFT JOIN agencies a ON a.id = c.agency_id
        LEFT JOIN complaint_routing r ON r.complaint_id = c.id
        LEFT JOIN complaint_handling h ON h.complaint_id = c.id
        LEFT JOIN staff s ON s.id = h.claimed_by
        LEFT JOIN complaints dup ON dup.id = h.duplicate_of
        WHERE c.id = @id
        """;
    private const string HistorySql =
        """
        SELECT e.at, e.kind, e.actor, e.is_public AS IsPublic, e.text, a.name AS Agency FROM complaint_events e LEFT JOIN agencies a ON a.id = e.agency_id
        WHERE e.complaint_id = @id ORDER BY e.at, e.id
        """;
    private const string StaffNamesSql = "SELECT s.id, s.display_name AS Name, a.name AS Agency FROM staff s JOIN agencies a ON a.id = s.agency_id WHERE s.id IN @ids";
    private const string PhotosSql = "SELECT sha256 FROM complaint_photos WHERE complaint_id = @id ORDER BY position";
    private const string PendingExtensionSql =
        """
        SELECT x.id, x.requested_by AS RequestedById, s.display_name AS RequestedBy, x.requested_at AS RequestedAt, x.hours, x.reason
        FROM complaint_extensions x JOIN staff s ON s.id = x.requested_by WHERE x.complaint_id = @id AND x.status = 'pending'
        """;
    private const string UrgesSql = "SELECT COUNT(*) FROM complaint_oversight WHERE complaint_id = @id AND kind = 'urge'";

    private const string AgencySql = "SELECT agency_id FROM complaints WHERE id = @id";
    private const string RevealedPhoneSql =
        """
        SELECT c.contact_phone_enc FROM complaints c
        WHERE c.id = @id AND EXISTS (SELECT 1 FROM complaint_oversight o WHERE o.complaint_id = c.id AND o.kind = 'phone_reveal' AND o.staff_id = @staffId AND o.at >= @since)
        """;

    /// <summary>The phone's ciphertext if this member revealed it since <paramref name="since"/>.</summary>
    public async Task<byte[]?> RevealedPhoneAsync(long id, int staffId, DateTime since, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<byte[]?>(new CommandDefinition(RevealedPhoneSql, new { id, staffId, since }, cancellationToken: ct));
    }

    /// <summary>The complaint's handling agency and photo ids (what a photo request needs, without the history).</summary>
    public async Task<(int? AgencyId, IReadOnlyList<string> PhotoIds)> PhotosAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var agencyId = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(AgencySql, new { id }, cancellationToken: ct));
        var photos = (await conn.QueryAsync<string>(new CommandDefinition(PhotosSql, new { id }, cancellationToken: ct))).ToList();
        return (agencyId, photos);
    }

    public sealed record Scope(long Id, int? AgencyId, bool Informed);

    private sealed class ScopeRow
    {
        public long Id { get; init; }
        public int? AgencyId { get; init; }
        public long Informed { get; init; }
    }

    public async Task<Scope?> ScopeAsync(string number, int agencyId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<ScopeRow>(new CommandDefinition(ScopeSql, new { number, agencyId }, cancellationToken: ct));
        return r is null ? null : new Scope(r.Id, r.AgencyId, r.Informed != 0);
    }

    private sealed class QueueRow
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public string? DistrictCode { get; init; }
        public string? DistrictName { get; init; }
        public string Description { get; init; } = "";
        public string? CylinderCode { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? DueAt { get; init; }
        public int? ClaimedBy { get; init; }
        public string? ClaimedByName { get; init; }
        public string? HandlingAgency { get; init; }
        public sbyte? Rating { get; init; }
        public string? Address { get; init; }
        public string? PublicReply { get; init; }
        public long Urges { get; set; }
        public long ExtensionPending { get; set; }
    }

    /// <summary>The queue (of the agency, of what it is informed of, or of the agencies under it), one page, with counts per state.</summary>
    public async Task<QueueResult> QueueAsync(int agencyId, int staffId, QueueFilter f, int pageSize, CancellationToken ct)
    {
        Dictionary<string, int> counts;
        await using (var conn = await db.OpenAsync(ct))
            counts = (await conn.QueryAsync<(string Status, long N)>(new CommandDefinition(CountsSql, new { agencyId }, cancellationToken: ct)))
                .ToDictionary(x => x.Status, x => (int)x.N);
        var (rows, total, now) = await RowsAsync(agencyId, staffId, f, pageSize, (Math.Max(1, f.Page) - 1) * pageSize, withTotal: true, ct, counts);
        return new QueueResult(rows.Select(r => Item(r, now)).ToList(), Math.Max(1, f.Page), pageSize, total, counts);
    }

    /// <summary>Every row of the filtered queue in its order, up to <paramref name="max"/> (the export, "next complaint").</summary>
    public async Task<IReadOnlyList<ExportRow>> AllAsync(int agencyId, int staffId, QueueFilter f, int max, CancellationToken ct)
    {
        var (rows, _, now) = await RowsAsync(agencyId, staffId, f, max, 0, withTotal: false, ct);
        return rows.Select(r => new ExportRow(Item(r, now), r.Description, r.Address, r.PublicReply)).ToList();
    }

    /// <param name="countsByState">The agency's complaints per state (<see cref="CountsSql"/>): the total of its own queue filtered by state only.</param>
    private async Task<(List<QueueRow> Rows, long Total, DateTime Now)> RowsAsync(int agencyId, int staffId, QueueFilter f, int take, int skip, bool withTotal,
        CancellationToken ct, IReadOnlyDictionary<string, int>? countsByState = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var q = Blank(f.Search);
        var terms = ComplaintSearch.Query(q);
        var states = f.Flag == "low_rated" ? [ComplaintStatus.Resolved, ComplaintStatus.Closed] : f.State switch
        {
            null or "" => q is null ? OpenStates : AllStates,
            "open" => OpenStates,
            "all" => AllStates,
            var s => [s],
        };
        DateTime? dueBefore = f.Due switch { "overdue" => now, "4h" => now.AddHours(4), "24h" => now.AddHours(24), "72h" => now.AddHours(72), _ => null };
        var args = new
        {
            agencyId, states, q = q?.ToUpperInvariant(), terms, termCount = terms?.Count ?? 0, category = Blank(f.Category), district = Blank(f.District), dueBefore,
            claim = f.Claim is "me" or "unclaimed" ? f.Claim : f.ClaimedStaff is null ? null : "staff", claimedBy = f.ClaimedStaff, me = staffId,
            flag = Blank(f.Flag), take, skip,
        };
        await using var conn = await db.OpenAsync(ct);
        var noOtherFilter = f.Handling && args.category is null && args.district is null && dueBefore is null && args.claim is null && args.flag is null;
        // A search of the agency's own queue: how common are its words among the complaints the page chooses from?
        long? matches = null;
        var frequent = false;
        if (terms is not null && f.Handling && countsByState is not null && f.SortCode is "created" or "number")
        {
            matches = await conn.ExecuteScalarAsync<long>(new CommandDefinition(MatchesSql, args, cancellationToken: ct));
            frequent = FrequentWords(matches.Value, states.Sum(s => countsByState.GetValueOrDefault(s)));
        }
        var sql = StatementsFor(f.ScopeCode, terms is not null, frequent, f.SortCode, f.DirCode);
        List<long> ids;
        long total;
        if (!withTotal || sql.StopsEarly)
        {
            ids = (await conn.QueryAsync<long>(new CommandDefinition(sql.List, args, cancellationToken: ct))).ToList();
            total = !withTotal ? ids.Count
                : noOtherFilter && q is null && countsByState is not null ? states.Sum(s => countsByState.GetValueOrDefault(s))
                // Every state and no other filter: the matches are the total (a word row left behind by a move made outside
                // the application counts until the reconciler moves it; the page itself checks the agency on the complaint).
                : noOtherFilter && matches is not null && ReferenceEquals(states, AllStates) ? matches.Value
                : await conn.ExecuteScalarAsync<long>(new CommandDefinition(sql.Count, args, cancellationToken: ct));
        }
        else
        {
            var page = (await conn.QueryAsync<(long Id, long Total)>(new CommandDefinition(sql.Counted, args, cancellationToken: ct))).ToList();
            ids = page.Select(p => p.Id).ToList();
            // Past the last page there is no row to carry the total.
            total = page.Count > 0 ? page[0].Total : await conn.ExecuteScalarAsync<long>(new CommandDefinition(sql.Count, args, cancellationToken: ct));
        }
        if (ids.Count == 0) return ([], total, now);
        var byId = (await conn.QueryAsync<QueueRow>(new CommandDefinition(RowsByIdSql, new { ids }, cancellationToken: ct))).ToDictionary(r => r.Id);
        foreach (var (id, n) in await conn.QueryAsync<(long, long)>(new CommandDefinition(UrgeCountsSql, new { ids }, cancellationToken: ct)))
            if (byId.TryGetValue(id, out var r)) r.Urges = n;
        foreach (var id in await conn.QueryAsync<long>(new CommandDefinition(PendingExtensionsSql, new { ids }, cancellationToken: ct)))
            if (byId.TryGetValue(id, out var r)) r.ExtensionPending = 1;
        var rows = ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        return (rows, total, now);
    }

    private static QueueItem Item(QueueRow r, DateTime now)
    {
        var open = OpenStates.Contains(r.Status);
        long? left = open && r.DueAt is { } due ? (long)Math.Floor((due - now).TotalMinutes) : null;
        var sla = left switch { null => null, < 0 => "overdue", <= 240 => "4h", <= 1440 => "24h", _ => null };
        return new QueueItem(r.Number, r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.Status,
            ComplaintStatus.Label(r.Status), r.DistrictCode, r.DistrictName, r.Description.Length > 60 ? r.Description[..60] + "…" : r.Description,
            r.CylinderCode, ShanghaiTime.FromUtc(r.CreatedAt), r.DueAt is { } d ? ShanghaiTime.FromUtc(d) : null,
            r.DueAt < now && open, r.ClaimedBy, r.ClaimedByName, r.HandlingAgency, sla, left, (int)r.Urges, r.ExtensionPending != 0, r.Rating);
    }

    private sealed class AgencyOpenRow
    {
        public long Open { get; init; }
        public decimal Overdue { get; init; }
        public decimal UnclaimedOpen { get; init; }
        public decimal UnclaimedOverdue { get; init; }
    }

    private sealed class HandlerRow
    {
        public int StaffId { get; init; }
        public string Name { get; init; } = "";
        public string Role { get; init; } = "";
        public long Open { get; init; }
        public decimal Overdue { get; init; }
    }

    /// <summary>Per-handler load and overdue counts of an agency, for its supervisors.</summary>
    public async Task<TeamLoad> TeamAsync(int agencyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        var handlers = (await conn.QueryAsync<HandlerRow>(new CommandDefinition(TeamSql, new { agencyId, now, open = OpenStates }, cancellationToken: ct)))
            .Select(h => new HandlerLoad(h.StaffId, h.Name, h.Role, (int)h.Open, (int)h.Overdue)).ToList();
        var a = await conn.QuerySingleAsync<AgencyOpenRow>(new CommandDefinition(AgencyOpenSql, new { agencyId, now, open = OpenStates }, cancellationToken: ct));
        return new TeamLoad(handlers, (int)a.UnclaimedOpen, (int)a.UnclaimedOverdue, (int)a.Open, (int)a.Overdue);
    }

    private sealed class DetailRow
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public string Description { get; init; } = "";
        public string? CylinderCode { get; init; }
        public string? CardSnapshot { get; init; }
        public decimal? Latitude { get; init; }
        public decimal? Longitude { get; init; }
        public string? DistrictCode { get; init; }
        public string? DistrictName { get; init; }
        public string? Address { get; init; }
        public string? ContactPhoneMasked { get; init; }
        public int? AgencyId { get; init; }
        public string? Agency { get; init; }
        public string? PublicReply { get; init; }
        public sbyte? Rating { get; init; }
        public string? RatingComment { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? DueAt { get; init; }
        public int? ClaimedBy { get; init; }
        public string? ClaimedByName { get; init; }
        public string? DuplicateOf { get; init; }
        public string? Outcome { get; init; }
        public int? ClosedBy { get; init; }
        public long HasPhone { get; init; }
    }

    private sealed class ExtensionRow
    {
        public long Id { get; init; }
        public int RequestedById { get; init; }
        public string RequestedBy { get; init; } = "";
        public DateTime RequestedAt { get; init; }
        public int Hours { get; init; }
        public string Reason { get; init; } = "";
    }

    private sealed class HistoryRow
    {
        public DateTime At { get; init; }
        public string Kind { get; init; } = "";
        public string Actor { get; init; } = "";
        public bool IsPublic { get; init; }
        public string? Text { get; init; }
        public string? Agency { get; init; }
    }

    /// <summary>The complaint with its photos and its full history (internal steps too). Callers check access first.</summary>
    public async Task<StaffComplaint?> DetailAsync(long id, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<DetailRow>(new CommandDefinition(DetailSql, new { id }, cancellationToken: ct));
        if (r is null) return null;
        var photos = (await conn.QueryAsync<string>(new CommandDefinition(PhotosSql, new { id }, cancellationToken: ct))).ToList();
        var x = await conn.QuerySingleOrDefaultAsync<ExtensionRow>(new CommandDefinition(PendingExtensionSql, new { id }, cancellationToken: ct));
        var urges = await conn.ExecuteScalarAsync<int>(new CommandDefinition(UrgesSql, new { id }, cancellationToken: ct));
        var events = (await conn.QueryAsync<HistoryRow>(new CommandDefinition(HistorySql, new { id }, cancellationToken: ct))).ToList();
        var staffIds = events.Select(e => StaffId(e.Actor)).OfType<int>().Distinct().ToList();
        var names = staffIds.Count == 0 ? new Dictionary<int, string>()
            : (await conn.QueryAsync<(int Id, string Name, string Agency)>(new CommandDefinition(StaffNamesSql, new { ids = staffIds }, cancellationToken: ct)))
                .ToDictionary(x => x.Id, x => $"{x.Name}（{x.Agency}）");
        var history = events.Select(e => new HistoryEntry(ShanghaiTime.FromUtc(e.At), e.Kind, KindLabel(e.Kind), e.Actor switch
        {
            "complainant" => "投诉人",
            "system" => "系统",
            var a when StaffId(a) is int s => names.GetValueOrDefault(s, a),
            var a => a,
        }, e.IsPublic, e.Text, e.Agency)).ToList();
        return new StaffComplaint(r.Id, r.Number, r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.Status, ComplaintStatus.Label(r.Status),
            r.Description, r.CylinderCode, r.CardSnapshot, (double?)r.Latitude, (double?)r.Longitude, r.DistrictCode, r.DistrictName, r.Address,
            r.ContactPhoneMasked, photos, r.AgencyId, r.Agency, r.PublicReply, r.Rating, r.RatingComment, ShanghaiTime.FromUtc(r.CreatedAt),
            r.DueAt is { } d ? ShanghaiTime.FromUtc(d) : null, r.DueAt < now && OpenStates.Contains(r.Status), r.ClaimedBy, r.ClaimedByName,
            r.DuplicateOf, r.Outcome, HandlingOutcomes.Label(r.Outcome), history,
            x is null ? null : new PendingExtension(x.Id, x.RequestedById, x.RequestedBy, ShanghaiTime.FromUtc(x.RequestedAt), x.Hours, x.Reason),
            urges, r.ClosedBy, r.HasPhone != 0);
    }

    private static int? StaffId(string actor) => actor.StartsWith("staff:", StringComparison.Ordinal) && int.TryParse(actor.AsSpan(6), out var id) ? id : null;

    public static string KindLabel(string kind) => kind switch
    {
        "submitted" => "提交投诉",
        "routed" => "分派",
        "informed" => "抄送",
        "claimed" => "认领",
        "released" => "取消认领",
        "in_progress" => "开始办理",
        "note" => "内部备注",
        "waiting_info" => "请投诉人补充材料",
        "info_supplied" => "投诉人补充材料",
        "transferred" => "转办",
        "duplicate" => "标记为重复投诉",
        "resolved" => "办结",
        "rejected" => "退回（不属于本单位职责）",
        "deadline_warning" => "即将到期提醒",
        "escalated" => "超期升级督办",
        "withdrawn" => "投诉人撤回",
        "rated" => "投诉人评价",
        "merged_rated" => "合并投诉的投诉人评价",
        "closed" => "关闭",
        "scan_matched" => "配送记录补报，进货扫码已核对",
        "assigned" => "派单",
        "urged" => "催办",
        "extension_requested" => "申请延期",
        "extension_approved" => "同意延期",
        "extension_refused" => "不同意延期",
        "reopened" => "重新办理",
        "reopen_reason" => "重办原因",
        "phone_revealed" => "查看投诉人完整电话",
        _ => kind,
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

}
