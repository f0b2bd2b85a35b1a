using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.Privacy;
using Dapper;
using Hangfire;
using MySqlConnector;

namespace CylinderTrace.Integration;

/// <summary>A notification as the enterprise reads it (pull endpoint, and the body of a webhook call).</summary>
public sealed record EnterpriseNotification(long Id, string Kind, JsonElement Payload, DateTimeOffset CreatedAt, bool Delivered);

/// <summary>
/// The outbound channel to enterprises (issue 7; detention orders use it). A notification is a row
/// (the outbox) written in the transaction of what it announces. A Hangfire job pushes it to the
/// enterprise's webhook, signed (X-CT-Signature = Base64(HMAC-SHA256(webhook secret, X-CT-Timestamp \n
/// body))), and retries with growing pauses until a 2xx; a recurring job finds rows whose job was lost.
/// Whether or not a webhook is set, the enterprise can pull its notifications (signed API) and
/// acknowledge them, which also stops the pushing. Delivery is at least once: receivers use the id.
/// Pushes go only to public https addresses, checked after resolution as the connection is made
/// (WebhookAddresses), unless Integration:AllowInsecureWebhooks.
/// </summary>
public sealed class EnterpriseNotifications(Db db, PersonalData personal, IHttpClientFactory httpClients, IServiceProvider services, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<IntegrationOptions> options, ILogger<EnterpriseNotifications> logger)
{
    public const string RecurringJobId = "enterprise-notifications-reconcile";
    public const string HttpClientName = "enterprise-webhooks";
    public const int MaxAttempts = 12;

    private const string InsertSql =
        "INSERT INTO enterprise_notifications (enterprise_id, kind, payload, created_at, next_attempt_at) VALUES (@enterpriseId, @kind, @payload, @now, @now); SELECT LAST_INSERT_ID();";
    private const string LoadSql =
        """
        SELECT n.id, n.enterprise_id AS EnterpriseId, n.kind, n.payload, n.created_at AS CreatedAt, n.attempts, n.delivered_at AS DeliveredAt, w.url, w.secret_enc AS SecretEnc
        FROM enterprise_notifications n LEFT JOIN enterprise_webhooks w ON w.enterprise_id = n.enterprise_id WHERE n.id = @id
        """;
    private const string DeliveredSql = "UPDATE enterprise_notifications SET delivered_at = @now, delivered_by = @by, attempts = attempts + @tried WHERE id = @id AND delivered_at IS NULL";
    private const string FailedSql = "UPDATE enterprise_notifications SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE id = @id AND delivered_at IS NULL";
    private const string DueSql =
        "SELECT id FROM enterprise_notifications WHERE delivered_at IS NULL AND next_attempt_at < @before AND attempts < @max ORDER BY id LIMIT 500";
    private const string PullSql =
        """
        SELECT id, kind, payload, created_at AS CreatedAt, delivered_at IS NOT NULL AS Delivered FROM enterprise_notifications
        WHERE enterprise_id = @enterpriseId AND id > @after ORDER BY id LIMIT @limit
        """;
    private const string AckSql =
        "UPDATE enterprise_notifications SET delivered_at = @now, delivered_by = 'pull' WHERE enterprise_id = @enterpriseId AND id <= @upTo AND delivered_at IS NULL";
    private const string UnacknowledgedSql =
        "SELECT COUNT(*) FROM enterprise_notifications WHERE enterprise_id = @enterpriseId AND id <= @upTo AND delivered_at IS NULL";
    private const string SetWebhookSql =
        """
        INSERT INTO enterprise_webhooks (enterprise_id, url, secret_enc, updated_at) VALUES (@enterpriseId, @url, @secret, @now)
        ON DUPLICATE KEY UPDATE url = @url, secret_enc = @secret, updated_at = @now
        """;
    private const string RemoveWebhookSql = "DELETE FROM enterprise_webhooks WHERE enterprise_id = @enterpriseId";

    /// <summary>Writes a notification in the caller's transaction; returns its id. Call <see cref="Enqueue"/> after commit.</summary>
    public static Task<long> InsertAsync(MySqlConnection conn, MySqlTransaction? tx, int enterpriseId, string kind, object payload, DateTime now, CancellationToken ct) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql,
            new { enterpriseId, kind, payload = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), now }, tx, cancellationToken: ct));

    /// <summary>Writes and queues a notification on its own.</summary>
    public async Task<long> PublishAsync(int enterpriseId, string kind, object payload, CancellationToken ct)
    {
        long id;
        await using (var conn = await db.OpenAsync(ct))
            id = await InsertAsync(conn, null, enterpriseId, kind, payload, clock.GetUtcNow().UtcDateTime, ct);
        Enqueue(id);
        return id;
    }

    public void Enqueue(long id)
    {
        services.TryEnqueue<EnterpriseNotifications>(n => n.DeliverAsync(id, CancellationToken.None), logger, $"enterprise notification {id}: the reconciler will queue it");
    }

    private sealed class Row
    {
        public long Id { get; init; }
        public int EnterpriseId { get; init; }
        public string Kind { get; init; } = "";
        public string Payload { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public int Attempts { get; init; }
        public DateTime? DeliveredAt { get; init; }
        public string? Url { get; init; }
        public byte[]? SecretEnc { get; init; }
    }

    /// <summary>The Hangfire job: one push attempt; a failure is recorded and retried later by the reconciler (growing pauses).</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task DeliverAsync(long id, CancellationToken ct)
    {
        Row? row;
        await using (var conn = await db.OpenAsync(ct))
            row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(LoadSql, new { id }, cancellationToken: ct));
        if (row is null || row.DeliveredAt is not null || row.Url is null || row.SecretEnc is null) return; // gone, delivered, or pull only
        var body = JsonSerializer.SerializeToUtf8Bytes(new EnterpriseNotification(row.Id, row.Kind, JsonDocument.Parse(row.Payload).RootElement,
            Platform.Time.ShanghaiTime.FromUtc(row.CreatedAt), false), JsonSerializerOptions.Web);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var secret = Convert.FromBase64String(personal.Decrypt(row.SecretEnc)!);
        var signed = Encoding.UTF8.GetBytes(timestamp + "\n").Concat(body).ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, row.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-CT-Event-Id", row.Id.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-CT-Timestamp", timestamp);
        request.Headers.Add("X-CT-Signature", Convert.ToBase64String(HMACSHA256.HashData(secret, signed)));
        string? error;
        if (request.RequestUri!.Scheme != Uri.UriSchemeHttps && !options.Value.AllowInsecureWebhooks)
            error = "webhook-address-refused: 只向 https:// 地址推送；请重新登记 https 地址。";
        else
            try
            {
                // The address itself is checked as the connection is made (WebhookAddresses.ConnectAsync): a refusal is an HttpRequestException naming it.
                using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
                error = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                error = ex.Message;
            }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var done = await db.OpenAsync(ct);
        if (error is null)
            await done.ExecuteAsync(new CommandDefinition(DeliveredSql, new { id, now, by = "webhook", tried = 1 }, cancellationToken: ct));
        else
        {
            // 30 s, 1 min, 2 min, … capped at 6 h; after MaxAttempts only the pull endpoint has it.
            var pause = TimeSpan.FromSeconds(Math.Min(30 * Math.Pow(2, row.Attempts), 6 * 3600));
            await done.ExecuteAsync(new CommandDefinition(FailedSql, new { id, error = error.Length > 500 ? error[..500] : error, next = now + pause }, cancellationToken: ct));
            logger.LogWarning("Webhook of enterprise {Enterprise} refused notification {Id}: {Error}; next try in {Pause}", row.EnterpriseId, id, error, pause);
        }
    }

    /// <summary>Recurring: pushes again what is due (failed attempts after their pause, and rows whose job was lost).</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        foreach (var id in await conn.QueryAsync<long>(new CommandDefinition(DueSql,
            new { before = clock.GetUtcNow().UtcDateTime.AddSeconds(-30), max = MaxAttempts }, cancellationToken: ct)))
            Enqueue(id);
    }

    private sealed class PullRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string Payload { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public bool Delivered { get; init; }
    }

    public async Task<IReadOnlyList<EnterpriseNotification>> PullAsync(int enterpriseId, long after, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return (await conn.QueryAsync<PullRow>(new CommandDefinition(PullSql, new { enterpriseId, after, limit }, cancellationToken: ct)))
            .Select(r => new EnterpriseNotification(r.Id, r.Kind, JsonDocument.Parse(r.Payload).RootElement.Clone(), Platform.Time.ShanghaiTime.FromUtc(r.CreatedAt), r.Delivered))
            .ToList();
    }

    /// <summary>The enterprise has everything up to this id: stop pushing those.</summary>
    public async Task<int> AcknowledgeAsync(int enterpriseId, long upTo, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(AckSql, new { enterpriseId, upTo, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
    }

    /// <summary>How many notifications an acknowledgement up to this id would mark received (a sandbox key's rehearsal of it).</summary>
    public async Task<int> UnacknowledgedAsync(int enterpriseId, long upTo, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(UnacknowledgedSql, new { enterpriseId, upTo }, cancellationToken: ct));
    }

    /// <summary>A webhook signing secret (Base64, 32 random bytes).</summary>
    public static string NewWebhookSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Sets the enterprise's webhook; returns the new signing secret (Base64), shown once.</summary>
    public async Task<string> SetWebhookAsync(int enterpriseId, string url, CancellationToken ct)
    {
        var secret = NewWebhookSecret();
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(SetWebhookSql, new { enterpriseId, url, secret = personal.Encrypt(secret), now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return secret;
    }

    public async Task RemoveWebhookAsync(int enterpriseId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(RemoveWebhookSql, new { enterpriseId }, cancellationToken: ct));
    }
}
