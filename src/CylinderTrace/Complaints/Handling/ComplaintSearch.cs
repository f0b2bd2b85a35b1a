using System.Data;
using System.Globalization;
using System.Text;
using CylinderTrace.Platform.Database;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Complaints.Handling;

/// <summary>
/// Full-text search over a complaint's number, cylinder code, description, address and reply, the same on MariaDB 10.11
/// and MySQL 8. Neither server's built-in full-text parser splits Chinese (MySQL's ngram parser and MariaDB's Mroonga are
/// each on one server only), so this class does: every Han character becomes the word u+hex and every pair of neighbours
/// b+hex+hex; Latin words and digit runs become q+word, and a document also holds each prefix of such a word (from two
/// characters), so what a person types matches a word's beginning. A query is the same split with every word required,
/// so a query of two Chinese characters or more finds texts holding each pair of its neighbours (the usual bigram index).
/// The words go into <c>complaint_search_terms</c> under the complaint's handling agency (migration 0029): a search reads
/// only that agency's complaints holding the words, however common the word is in the city. <c>complaint_search</c> keeps
/// the words and agency last written, so a change deletes exactly the rows it wrote. Written in the transaction that
/// changes the text or the agency (filing, routing, transfer, resolving, rejecting, reopening); the reconciler indexes
/// complaints it has not seen (older rows, bulk loads) or that changed since.
/// </summary>
public sealed class ComplaintSearch(Db db, ILogger<ComplaintSearch> logger)
{
    public const string RecurringJobId = "complaint-search-reconcile";

    /// <summary>Locks the complaints being indexed, so two writers of one complaint's words take turns and the last sees the last text.</summary>
    private const string SourceSql =
        """
        SELECT id, number, cylinder_code AS CylinderCode, description, address, public_reply AS PublicReply, COALESCE(agency_id, 0) AS AgencyId,
               updated_at AS UpdatedAt
        FROM complaints WHERE id IN @ids ORDER BY id FOR UPDATE
        """;
    private const string WrittenSql = "SELECT complaint_id AS Id, agency_id AS AgencyId, tokens FROM complaint_search WHERE complaint_id IN @ids";
    private const string UpsertHead = "INSERT INTO complaint_search (complaint_id, agency_id, tokens, source_updated_at) VALUES ";
    private const string UpsertTail =
        " ON DUPLICATE KEY UPDATE agency_id = VALUES(agency_id), tokens = VALUES(tokens), source_updated_at = VALUES(source_updated_at)";
    private const string DeleteTermsSql = "DELETE FROM complaint_search_terms WHERE agency_id = @agencyId AND complaint_id = @id AND term IN @terms";
    private const string InsertTermsHead = "INSERT INTO complaint_search_terms (agency_id, term, complaint_id) VALUES ";
    // A row already there (words deleted from complaint_search by hand, a run stopped half way) is the same row.
    private const string InsertTermsTail = " ON DUPLICATE KEY UPDATE complaint_id = VALUES(complaint_id)";
    /// <summary>Complaints without words, or whose text or agency may have changed since (updated_at moved on).</summary>
    private const string StaleSql =
        """
        SELECT c.id
        FROM complaints c LEFT JOIN complaint_search s ON s.complaint_id = c.id
        WHERE (s.complaint_id IS NULL OR s.source_updated_at < c.updated_at OR s.agency_id <> COALESCE(c.agency_id, 0)) AND c.id > @after
        ORDER BY c.id LIMIT @take
        """;

    private sealed class Source
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public string? CylinderCode { get; init; }
        public string Description { get; init; } = "";
        public string? Address { get; init; }
        public string? PublicReply { get; init; }
        public int AgencyId { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    private sealed class Written
    {
        public long Id { get; init; }
        public int AgencyId { get; init; }
        public string Tokens { get; init; } = "";
    }

    /// <summary>Writes the complaint's words inside the caller's transaction (after its text or its handling agency changed).</summary>
    public static Task IndexAsync(MySqlConnection conn, MySqlTransaction tx, long id, CancellationToken ct) => IndexAsync(conn, tx, [id], ct);

    /// <summary>
    /// Writes the words of <paramref name="ids"/>: the rows of words no longer there (or filed under another agency) deleted,
    /// the new ones inserted, complaint_search set to what was written.
    /// </summary>
    public static async Task IndexAsync(MySqlConnection conn, MySqlTransaction tx, IReadOnlyList<long> ids, CancellationToken ct)
    {
        var sources = (await conn.QueryAsync<Source>(new CommandDefinition(SourceSql, new { ids }, tx, cancellationToken: ct))).ToList();
        if (sources.Count == 0) return;
        var written = (await conn.QueryAsync<Written>(new CommandDefinition(WrittenSql, new { ids }, tx, cancellationToken: ct))).ToDictionary(w => w.Id);
        var inserts = new List<(int AgencyId, string Term, long Id)>();
        var rows = new List<(Source Source, string Tokens)>();
        foreach (var s in sources)
        {
            var words = Words(s.Number, s.CylinderCode, s.Description, s.Address, s.PublicReply);
            HashSet<string> kept = [];
            if (written.TryGetValue(s.Id, out var w) && w.Tokens.Length > 0)
            {
                var old = w.Tokens.Split(' ');
                var gone = w.AgencyId == s.AgencyId ? old.Where(t => !words.Contains(t)).ToList() : old.ToList();
                foreach (var chunk in gone.Chunk(500))
                    await conn.ExecuteAsync(new CommandDefinition(DeleteTermsSql, new { agencyId = w.AgencyId, id = s.Id, terms = chunk }, tx, cancellationToken: ct));
                if (w.AgencyId == s.AgencyId) kept = [.. old];
            }
            inserts.AddRange(words.Where(t => !kept.Contains(t)).Select(t => (s.AgencyId, t, s.Id)));
            rows.Add((s, string.Join(' ', words)));
        }
        await MultiRow.ExecuteAsync(conn, tx, InsertTermsHead, InsertTermsTail, 3, inserts, r => [r.AgencyId, r.Term, r.Id], ct);
        await MultiRow.ExecuteAsync(conn, tx, UpsertHead, UpsertTail, 4, rows, r => [r.Source.Id, r.Source.AgencyId, r.Tokens, r.Source.UpdatedAt], ct);
    }

    /// <summary>Indexes up to <paramref name="batch"/> complaints at a time until none is left; returns how many.</summary>
    public async Task<int> ReconcileAsync(CancellationToken ct, int batch = 1000)
    {
        var total = 0;
        long after = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var conn = await db.OpenAsync(ct);
            var ids = (await conn.QueryAsync<long>(new CommandDefinition(StaleSql, new { after, take = batch }, cancellationToken: ct))).ToList();
            if (ids.Count == 0) break;
            // Short transactions: each holds its complaints' row locks, which the console's actions also take.
            foreach (var chunk in ids.Chunk(100))
            {
                await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
                await IndexAsync(conn, tx, chunk, ct);
                await tx.CommitAsync(ct);
            }
            total += ids.Count;
            after = ids[^1];
        }
        if (total > 0) logger.LogInformation("Indexed {Count} complaints for search", total);
        return total;
    }

    /// <summary>The words a document is filed under (each once).</summary>
    public static HashSet<string> Words(params string?[] texts)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
            if (!string.IsNullOrEmpty(text))
                Split(text, words, query: false);
        return words;
    }

    /// <summary>The words a document is filed under, space-separated.</summary>
    public static string Document(params string?[] texts) => string.Join(' ', Words(texts));

    /// <summary>
    /// The words a complaint must hold to match what a person typed (all of them; a Latin word matches as a prefix, since
    /// documents hold each prefix), or null when it holds nothing to search by (only punctuation, or a single Latin letter or digit).
    /// </summary>
    public static IReadOnlyList<string>? Query(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed)) return null;
        var words = new HashSet<string>(StringComparer.Ordinal);
        Split(typed, words, query: true);
        return words.Count == 0 ? null : [.. words];
    }

    /// <summary>The longest prefix of a Latin word a document is filed under (codes and numbers are shorter).</summary>
    private const int PrefixMax = 24;

    private static void Split(string text, HashSet<string> words, bool query)
    {
        // NFKC folds full-width letters and digits (Ｔ２０) into ASCII, as people type them either way.
        var s = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        var han = new List<int>();
        var latin = new StringBuilder();
        void FlushHan()
        {
            if (han.Count == 0) return;
            if (!query || han.Count == 1)
                foreach (var cp in han) words.Add("u" + cp.ToString("x5", CultureInfo.InvariantCulture));
            for (var i = 0; i + 1 < han.Count; i++)
                words.Add("b" + han[i].ToString("x5", CultureInfo.InvariantCulture) + han[i + 1].ToString("x5", CultureInfo.InvariantCulture));
            han.Clear();
        }
        void FlushLatin()
        {
            if (latin.Length == 0) return;
            // A single letter or digit is not searchable (it would match most complaints and say nothing). A document holds
            // each prefix of a word up to PrefixMax characters, so that a query's word matches the beginning of a code or
            // number; a longer query word is looked up by its first PrefixMax.
            if (latin.Length >= 2)
            {
                var longest = Math.Min(latin.Length, PrefixMax);
                for (var n = query ? longest : 2; n <= longest; n++) words.Add("q" + latin.ToString(0, n));
            }
            latin.Clear();
        }
        foreach (var rune in s.EnumerateRunes())
        {
            if (rune.IsAscii && Rune.IsLetterOrDigit(rune))
            {
                FlushHan();
                if (latin.Length < 80) latin.Append((char)rune.Value);
            }
            else if (Rune.IsLetterOrDigit(rune))
            {
                FlushLatin();
                han.Add(rune.Value);
            }
            else
            {
                FlushHan();
                FlushLatin();
            }
        }
        FlushHan();
        FlushLatin();
    }
}
