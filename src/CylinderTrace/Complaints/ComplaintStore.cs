using System.Data;
using CylinderTrace.Platform.Database;
using Dapper;
using MySqlConnector;

namespace CylinderTrace.Complaints;

/// <summary>The complaint tables: complaints, complaint_events, complaint_photos, complaint_numbers.</summary>
public sealed class ComplaintStore(Db db)
{
    // `last_value` is a reserved word in MySQL 8 (a window function): always quoted (docs/ARCHITECTURE.md, "MySQL 8 words").
    private const string NextNumberSql =
        """
        INSERT INTO complaint_numbers (day, `last_value`) VALUES (@day, LAST_INSERT_ID(1))
        ON DUPLICATE KEY UPDATE `last_value` = LAST_INSERT_ID(`last_value` + 1);
        SELECT LAST_INSERT_ID();
        """;

    private const string InsertSql =
        """
        INSERT INTO complaints (number, user_id, idempotency_key, request_hash, category, description, cylinder_code, card_snapshot,
                                latitude, longitude, district_code, address, contact_phone_enc, contact_phone_hash, contact_phone_masked,
                                status, created_at, updated_at)
        VALUES (@Number, @UserId, @IdempotencyKey, @RequestHash, @Category, @Description, @CylinderCode, @CardSnapshot,
                @Latitude, @Longitude, @DistrictCode, @Address, @ContactPhoneEnc, @ContactPhoneHash, @ContactPhoneMasked,
                'submitted', @Now, @Now);
        SELECT LAST_INSERT_ID();
        """;

    /// <summary>Lets an agency read a complaint it does not handle (run in the caller's transaction).</summary>
    public const string InformAgencySql =
        "INSERT IGNORE INTO complaint_informed_agencies (agency_id, complaint_id, reason, since) VALUES (@agencyId, @id, @reason, @now)";

    private const string InsertPhotoSql = "INSERT INTO complaint_photos (complaint_id, sha256, position) VALUES (@ComplaintId, @Sha256, @Position)";


    private const string ByIdempotencyKeySql = "SELECT number, request_hash AS RequestHash FROM complaints WHERE user_id = @userId AND idempotency_key = @key";

    private const string OwnPhotosSql = "SELECT COUNT(*) FROM photo_uploads WHERE user_id = @userId AND sha256 IN @ids";

    private const string DetailSql =
        """
        SELECT c.id, c.number, c.category, c.status, c.description, c.cylinder_code AS CylinderCode, c.card_snapshot AS CardSnapshot,
               c.latitude, c.longitude, c.district_code AS DistrictCode, c.address, c.contact_phone_masked AS ContactPhoneMasked,
               a.name AS Agency, c.public_reply AS PublicReply, c.rating, c.rating_comment AS RatingComment, c.created_at AS CreatedAt
        FROM complaints c LEFT JOIN agencies a ON a.id = c.agency_id
        WHERE c.number = @number AND c.user_id = @userId
        """;

    private const string TimelineSql =
        """
        SELECT e.at, e.kind, e.text, a.name AS Agency FROM complaint_events e LEFT JOIN agencies a ON a.id = e.agency_id
        WHERE e.complaint_id = @id AND e.is_public = 1 ORDER BY e.at, e.id
        """;

    /// <summary>The complaint a duplicate was merged into, as its complainant may see it.</summary>
    private const string SurvivorSql =
        """
        SELECT s.id, s.number, s.status, s.public_reply AS PublicReply, a.name AS Agency
        FROM complaint_handling h JOIN complaints s ON s.id = h.duplicate_of LEFT JOIN agencies a ON a.id = s.agency_id
        WHERE h.complaint_id = @id
        """;

    /// <summary>Only the surviving complaint's outcome reaches the merged one's timeline: its other steps are another person's.</summary>
    private const string SurvivorOutcomeSql =
        """
        SELECT e.at, e.kind, e.text, a.name AS Agency FROM complaint_events e LEFT JOIN agencies a ON a.id = e.agency_id
        WHERE e.complaint_id = @id AND e.is_public = 1 AND e.kind IN ('resolved', 'rejected', 'closed') ORDER BY e.at, e.id
        """;

    private const string PhotosOfSql = "SELECT sha256 FROM complaint_photos WHERE complaint_id = @id ORDER BY position";

    private const string PageSql =
        """
        SELECT number, category, status, created_at AS CreatedAt, cylinder_code AS CylinderCode FROM complaints
        WHERE user_id = @userId ORDER BY created_at DESC, id DESC LIMIT @take OFFSET @skip
        """;

    private const string CountSql = "SELECT COUNT(*) FROM complaints WHERE user_id = @userId";

    private const string WithdrawSql =
        "UPDATE complaints SET status = 'withdrawn', updated_at = @now WHERE id = @id AND user_id = @userId AND status IN ('submitted', 'routed')";

    private const string RateSql =
        """
        UPDATE complaints SET rating = @score, rating_comment = @comment, rated_at = @now, updated_at = @now
        WHERE id = @id AND user_id = @userId AND status IN ('resolved', 'closed') AND rating IS NULL
        """;

    /// <summary>A merged complaint is rated once the complaint it was merged into is resolved or closed (a multi-table UPDATE: MySQL and MariaDB alike).</summary>
    private const string RateMergedSql =
        """
        UPDATE complaints c JOIN complaint_handling h ON h.complaint_id = c.id JOIN complaints s ON s.id = h.duplicate_of
        SET c.rating = @score, c.rating_comment = @comment, c.rated_at = @now, c.updated_at = @now
        WHERE c.id = @id AND c.user_id = @userId AND c.status = 'duplicate' AND s.status IN ('resolved', 'closed') AND c.rating IS NULL
        """;

    public sealed record NewRow(string Number, long UserId, string IdempotencyKey, string RequestHash, string Category, string Description,
        string? CylinderCode, string? CardSnapshot, double? Latitude, double? Longitude, string? DistrictCode, string? Address,
        byte[]? ContactPhoneEnc, byte[]? ContactPhoneHash, string? ContactPhoneMasked, DateTime Now);

    public sealed record Existing(string Number, string RequestHash);

    /// <summary>
    /// Inserts a complaint, its photos, its first timeline entry, its "accepted" notification and its
    /// pending routing in one transaction; returns its id, number and the notification's id.
    /// </summary>
    public async Task<(long Id, string Number, long NotificationId)> InsertAsync(Func<int, string> number, DateOnly day, NewRow row, IReadOnlyList<string> photoIds, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var seq = await conn.ExecuteScalarAsync<int>(new CommandDefinition(NextNumberSql, new { day = day.ToDateTime(TimeOnly.MinValue) }, tx, cancellationToken: ct));
        var withNumber = row with { Number = number(seq) };
        var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, withNumber, tx, cancellationToken: ct));
        for (var i = 0; i < photoIds.Count; i++)
            await conn.ExecuteAsync(new CommandDefinition(InsertPhotoSql, new { ComplaintId = id, Sha256 = photoIds[i], Position = i }, tx, cancellationToken: ct));
        await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(id, row.Now, "submitted", "complainant", true), ct);
        var notification = await conn.ExecuteScalarAsync<long>(new CommandDefinition(Notifications.ComplaintNotifications.InsertSql,
            new { ComplaintId = id, Kind = Notifications.ComplaintNotifications.Accepted, row.Now }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(Routing.ComplaintRouter.InsertPendingSql, new { ComplaintId = id, row.Now }, tx, cancellationToken: ct));
        await Handling.ComplaintSearch.IndexAsync(conn, tx, id, ct);
        await tx.CommitAsync(ct);
        return (id, withNumber.Number, notification);
    }

    public async Task<Existing?> FindByIdempotencyKeyAsync(long userId, string key, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<Existing>(new CommandDefinition(ByIdempotencyKeySql, new { userId, key }, cancellationToken: ct));
    }

    public async Task<bool> OwnsPhotosAsync(long userId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return true;
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(OwnPhotosSql, new { userId, ids }, cancellationToken: ct)) == ids.Count;
    }

    public sealed class DetailRow
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
        public string? Address { get; init; }
        public string? ContactPhoneMasked { get; init; }
        public string? Agency { get; init; }
        public string? PublicReply { get; init; }
        public sbyte? Rating { get; init; }
        public string? RatingComment { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    public sealed class EventRow
    {
        public DateTime At { get; init; }
        public string Kind { get; init; } = "";
        public string? Text { get; init; }
        public string? Agency { get; init; }
    }

    public sealed class SurvivorRow
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public string Status { get; init; } = "";
        public string? PublicReply { get; init; }
        public string? Agency { get; init; }
    }

    /// <summary>A merged complaint's survivor and that one's outcome steps; null when the complaint is not merged.</summary>
    public async Task<(SurvivorRow Row, IReadOnlyList<EventRow> Outcome)?> SurvivorAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<SurvivorRow>(new CommandDefinition(SurvivorSql, new { id }, cancellationToken: ct));
        if (row is null) return null;
        var events = (await conn.QueryAsync<EventRow>(new CommandDefinition(SurvivorOutcomeSql, new { id = row.Id }, cancellationToken: ct))).ToList();
        return (row, events);
    }

    public sealed class SummaryRow
    {
        public string Number { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public string? CylinderCode { get; init; }
    }

    /// <summary>The complaint with its public timeline and photos, only if it is this user's.</summary>
    public async Task<(DetailRow Row, IReadOnlyList<EventRow> Events, IReadOnlyList<string> Photos)?> FindOwnAsync(long userId, string number, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<DetailRow>(new CommandDefinition(DetailSql, new { userId, number }, cancellationToken: ct));
        if (row is null) return null;
        var events = (await conn.QueryAsync<EventRow>(new CommandDefinition(TimelineSql, new { id = row.Id }, cancellationToken: ct))).ToList();
        var photos = (await conn.QueryAsync<string>(new CommandDefinition(PhotosOfSql, new { id = row.Id }, cancellationToken: ct))).ToList();
        return (row, events, photos);
    }

    public async Task<(IReadOnlyList<SummaryRow> Rows, long Total)> PageAsync(long userId, int page, int pageSize, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<SummaryRow>(new CommandDefinition(PageSql, new { userId, take = pageSize, skip = (page - 1) * pageSize }, cancellationToken: ct))).ToList();
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, new { userId }, cancellationToken: ct));
        return (rows, total);
    }

    /// <summary>Applies a guarded update and, if it changed the complaint, records the public event, in one transaction.</summary>
    public async Task<bool> TransitionAsync(string sql, object args, long complaintId, string kind, string? text, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct)) != 1) return false;
        await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(complaintId, now, kind, "complainant", true, text), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private const string SupplySql =
        "UPDATE complaints SET status = 'in_progress', updated_at = @now WHERE id = @id AND user_id = @userId AND status = 'waiting_info'";
    private const string NextPhotoPositionSql = "SELECT COALESCE(MAX(position) + 1, 0) FROM complaint_photos WHERE complaint_id = @id";
    private const string AddPhotoSql = "INSERT IGNORE INTO complaint_photos (complaint_id, sha256, position) VALUES (@ComplaintId, @Sha256, @Position)";

    /// <summary>The complainant answers a request for information: back to in progress, with the text and any new photos, in one transaction.</summary>
    public async Task<bool> SupplyInformationAsync(long userId, long id, string text, IReadOnlyList<string> photoIds, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(SupplySql, new { id, userId, now }, tx, cancellationToken: ct)) != 1) return false;
        var position = await conn.ExecuteScalarAsync<int>(new CommandDefinition(NextPhotoPositionSql, new { id }, tx, cancellationToken: ct));
        for (var i = 0; i < photoIds.Count; i++)
            await conn.ExecuteAsync(new CommandDefinition(AddPhotoSql, new { ComplaintId = id, Sha256 = photoIds[i], Position = position + i }, tx, cancellationToken: ct));
        await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(id, now, "info_supplied", "complainant", true, text), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    public Task<bool> WithdrawAsync(long userId, long id, DateTime now, CancellationToken ct) =>
        TransitionAsync(WithdrawSql, new { id, userId, now }, id, "withdrawn", null, now, ct);

    public Task<bool> RateAsync(long userId, long id, int score, string? comment, DateTime now, CancellationToken ct) =>
        TransitionAsync(RateSql, new { id, userId, score, comment, now }, id, "rated", RatingText(score, comment), now, ct);

    private static string RatingText(int score, string? comment) => $"{score}星" + (string.IsNullOrWhiteSpace(comment) ? "" : "：" + comment);

    /// <summary>
    /// Rates a merged complaint: the rating is this complainant's and stays on this complaint, and it judges the handling
    /// of the complaint it was merged into, so that one's history gets an internal step naming it (its handlers see it).
    /// </summary>
    public async Task<bool> RateMergedAsync(long userId, long id, long survivorId, string number, int score, string? comment, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(RateMergedSql, new { id, userId, score, comment, now }, tx, cancellationToken: ct)) != 1) return false;
        var text = RatingText(score, comment);
        await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(id, now, "rated", "complainant", true, text), ct);
        await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(survivorId, now, "merged_rated", "complainant", false, $"合并办理的投诉 {number} 的投诉人评价：{text}"), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    public static bool IsDuplicateKey(Exception ex) => ex is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };

    /// <summary>An internal system event on the complaint a user filed under this idempotency key, if there is one.</summary>
    /// <summary>Adds a step and photos to the complaint a user's key filed (any state); false when there is no such complaint.</summary>
    public async Task<bool> AddEvidenceAsync(long userId, string idempotencyKey, string text, IReadOnlyList<string> photoIds, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var complaint = await conn.QuerySingleOrDefaultAsync<(long Id, int? AgencyId)>(new CommandDefinition(
            "SELECT id, agency_id FROM complaints WHERE user_id = @userId AND idempotency_key = @idempotencyKey FOR UPDATE", new { userId, idempotencyKey }, tx, cancellationToken: ct));
        if (complaint.Id == 0) return false;
        var position = await conn.ExecuteScalarAsync<int>(new CommandDefinition(NextPhotoPositionSql, new { id = complaint.Id }, tx, cancellationToken: ct));
        for (var i = 0; i < photoIds.Count; i++)
            await conn.ExecuteAsync(new CommandDefinition(AddPhotoSql, new { ComplaintId = complaint.Id, Sha256 = photoIds[i], Position = position + i }, tx, cancellationToken: ct));
        await ComplaintHistory.AppendAsync(conn, tx, new ComplaintStep(complaint.Id, now, "evidence_added", "complainant", true, text, complaint.AgencyId), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task AddSystemNoteAsync(long userId, string idempotencyKey, string kind, string text, DateTime now, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var complaint = await conn.QuerySingleOrDefaultAsync<(long Id, int? AgencyId)>(new CommandDefinition(
            "SELECT id, agency_id FROM complaints WHERE user_id = @userId AND idempotency_key = @idempotencyKey", new { userId, idempotencyKey }, cancellationToken: ct));
        if (complaint.Id == 0) return;
        await ComplaintHistory.AppendAsync(conn, null, new ComplaintStep(complaint.Id, now, kind, "system", false, text, complaint.AgencyId), ct);
    }
}
