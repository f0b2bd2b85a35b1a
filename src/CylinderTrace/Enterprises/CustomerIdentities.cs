using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using Dapper;

namespace CylinderTrace.Enterprises;

/// <summary>
/// Whether a customer's identity checks out (table customer_identities): a household's ID number passes GB 11643-1999
/// (<see cref="ResidentIdNumber"/>), or a business's 统一社会信用代码 passes GB 32100-2015 (<see cref="UnifiedSocialCreditCode"/>).
/// Worked out as a number arrives (ingestion, in <see cref="EnterpriseRegistry.UpsertCustomersAsync"/>); customers stored before the
/// table existed, or loaded in bulk without it, are checked by <see cref="CheckUncheckedAsync"/> (the ID number is decrypted in
/// memory, never logged or stored in clear), which the nightly score job runs before it counts real-name deliveries.
/// </summary>
public sealed class CustomerIdentities(Db db, PersonalData personal, TimeProvider clock, ILogger<CustomerIdentities> logger)
{
    public const int Batch = 5000;

    private const string UncheckedSql =
        """
        SELECT c.id, c.id_number_enc AS IdNumberEnc FROM customers c LEFT JOIN customer_identities i ON i.customer_id = c.id
        WHERE c.id > @after AND (i.customer_id IS NULL OR (i.id_number_valid IS NULL AND c.id_number_enc IS NOT NULL)) ORDER BY c.id LIMIT @take
        """;
    private const string Head = "INSERT INTO customer_identities (customer_id, id_number_valid, checked_at) VALUES ";
    private const string Tail = " ON DUPLICATE KEY UPDATE id_number_valid = VALUES(id_number_valid), checked_at = VALUES(checked_at)";

    private sealed class Unchecked
    {
        public long Id { get; init; }
        public byte[]? IdNumberEnc { get; init; }
    }

    /// <summary>A value that cannot be decrypted (a key rotated without re-encrypting) does not count as a checked identity.</summary>
    private bool Valid(byte[] idNumberEnc)
    {
        try { return ResidentIdNumber.IsValid(personal.Decrypt(idNumberEnc)); }
        catch (System.Security.Cryptography.CryptographicException) { return false; }
    }

    /// <summary>Checks every customer not checked yet (in batches); returns how many were checked.</summary>
    public async Task<int> CheckUncheckedAsync(CancellationToken ct)
    {
        var checkedCount = 0;
        long after = 0;
        while (true)
        {
            await using var conn = await db.OpenAsync(ct);
            var rows = (await conn.QueryAsync<Unchecked>(new CommandDefinition(UncheckedSql, new { after, take = Batch }, commandTimeout: 600, cancellationToken: ct))).ToList();
            if (rows.Count == 0) break;
            var now = clock.GetUtcNow().UtcDateTime;
            await MultiRow.ExecuteAsync(conn, null, Head, Tail, 3, rows,
                r => [r.Id, r.IdNumberEnc is null ? null : Valid(r.IdNumberEnc), now], ct);
            checkedCount += rows.Count;
            after = rows[^1].Id;
        }
        if (checkedCount > 0) logger.LogInformation("Checked the identity numbers of {Count} customers", checkedCount);
        return checkedCount;
    }
}
