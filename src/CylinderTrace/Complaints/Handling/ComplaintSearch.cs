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
/// b+hex+hex; Latin words and digit runs become q+word. The words go into <c>complaint_search.tokens</c> (a FULLTEXT
/// index); a query is the same split, each word required (<c>+word</c>, boolean mode), Latin words as prefixes. A query
/// of two Chinese characters or more therefore finds texts holding each pair of its neighbours (the usual bigram index).
/// Written in the transaction that changes the text (filing, resolving, rejecting, reopening); the reconciler indexes
/// complaints it has not seen (older rows, bulk loads) or that changed since.
/// </summary>
public sealed class ComplaintSearch(Db db, ILogger<ComplaintSearch> logger)
{
    public const string RecurringJobId = "complaint-search-reconcile";

    private const string SourceSql =
        "SELECT number, cylinder_code AS CylinderCode, description, address, public_reply AS PublicReply, updated_at AS UpdatedAt FROM complaints WHERE id = @id";
    private const string UpsertSql =
        """
        INSERT INTO complaint_search (complaint_id, tokens, source_updated_at) VALUES (@id, @tokens, @updatedAt)
        ON DUPLICATE KEY UPDATE tokens = VALUES(tokens), source_updated_at = VALUES(source_updated_at)
        """;
    /// <summary>Complaints without tokens, or whose text may have changed since (updated_at moved on).</summary>
    private const string StaleSql =
        """
        SELECT c.id, c.number, c.cylinder_code AS CylinderCode, c.description, c.address, c.public_reply AS PublicReply, c.updated_at AS UpdatedAt
        FROM complaints c LEFT JOIN complaint_search s ON s.complaint_id = c.id
        WHERE (s.complaint_id IS NULL OR s.source_updated_at < c.updated_at) AND c.id > @after
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
        public DateTime UpdatedAt { get; init; }
    }

    /// <summary>Writes the complaint's tokens inside the caller's transaction (after its text changed).</summary>
    public static async Task IndexAsync(MySqlConnection conn, MySqlTransaction tx, long id, CancellationToken ct)
    {
        var s = await conn.QuerySingleOrDefaultAsync<Source>(new CommandDefinition(SourceSql, new { id }, tx, cancellationToken: ct));
        if (s is null) return;
        await conn.ExecuteAsync(new CommandDefinition(UpsertSql, new { id, tokens = Tokens(s), updatedAt = s.UpdatedAt }, tx, cancellationToken: ct));
    }

    private static string Tokens(Source s) => Document(s.Number, s.CylinderCode, s.Description, s.Address, s.PublicReply);

    /// <summary>Indexes up to <paramref name="batch"/> complaints at a time until none is left; returns how many.</summary>
    public async Task<int> ReconcileAsync(CancellationToken ct, int batch = 1000)
    {
        var total = 0;
        long after = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var conn = await db.OpenAsync(ct);
            var rows = (await conn.QueryAsync<Source>(new CommandDefinition(StaleSql, new { after, take = batch }, cancellationToken: ct))).ToList();
            if (rows.Count == 0) break;
            await using (var tx = await conn.BeginTransactionAsync(ct))
            {
                foreach (var r in rows)
                    await conn.ExecuteAsync(new CommandDefinition(UpsertSql, new { id = r.Id, tokens = Tokens(r), updatedAt = r.UpdatedAt }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
            }
            total += rows.Count;
            after = rows[^1].Id;
        }
        if (total > 0) logger.LogInformation("Indexed {Count} complaints for search", total);
        return total;
    }

    /// <summary>The words a document is indexed under, space-separated.</summary>
    public static string Document(params string?[] texts)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
            if (!string.IsNullOrEmpty(text))
                Split(text, words, query: false);
        return string.Join(' ', words);
    }

    /// <summary>
    /// The boolean-mode expression for what a person typed (every word required; Latin words as prefixes), or null when
    /// it holds nothing to search by (only punctuation, or a single Latin letter or digit).
    /// </summary>
    public static string? Query(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed)) return null;
        var words = new HashSet<string>(StringComparer.Ordinal);
        Split(typed, words, query: true);
        return words.Count == 0 ? null : string.Join(' ', words.Select(w => "+" + w));
    }

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
            // q + one character is shorter than the servers' smallest indexed word (3): a single letter or digit is not searchable.
            if (latin.Length >= 2) words.Add("q" + latin + (query ? "*" : ""));
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
