using System.Data;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CylinderTrace.Complaints;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.Time;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.WeChat.Api;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Commercial;

/// <summary>The deliverer as the restaurant reports it (all optional, at least one thing), with photos uploaded through POST /api/mp/photos.</summary>
public sealed record DelivererReport(string? WorkerPermitNumber, string? WorkerName, string? VehiclePlate, string? SupplierName, IReadOnlyList<string>? PhotoIds);

public sealed record DeliveryAlertCode(string CylinderCode, string Outcome, string? StatusCode, long ScanId);

/// <summary>One alert of one delivery: every flagged code, the complaint it was filed as, and the deliverer once reported.</summary>
public sealed record DeliveryAlert(long Id, long CustomerId, string Category, string CategoryLabel, string? ComplaintNumber, DateTimeOffset CreatedAt,
    IReadOnlyList<DeliveryAlertCode> Codes, bool DelivererReported, string? WorkerPermitNumber, string? WorkerName, string? VehiclePlate, string? SupplierName,
    string? AskDeliverer);

/// <summary>
/// Restaurant alerts per delivery (issue 18, item 2). A receiving-scan session (one POST /api/mp/commercial/scans: the cylinders
/// one deliverer brought) that finds unsafe or unmatched cylinders raises ONE alert, listing every such code: the alert is stored
/// with its codes (and, for each of the restaurant's owners who did not scan, a notice row) in one transaction, then filed as one
/// complaint of the scanning member (key delivery-alert-&lt;id&gt;; category: black gas before a station without contract before an
/// unsafe cylinder), so it is routed to the district's market supervision bureau as a lead like any complaint. The restaurant is
/// asked for the deliverer (worker permit number or name, vehicle plate, supplier as printed on the receipt, photos), which is added
/// to the complaint and to the alert, where the black-gas leads page shows it. The owner hears of the alert by subscribe message
/// (<see cref="SendNoticeAsync"/>); the scanning member by the complaint's own messages. A recurring job files what a crash left unfiled
/// and re-queues lost notices.
/// </summary>
public sealed partial class DeliveryAlerts(Db db, ComplaintService complaints, [FromKeyedServices(WeChatApps.MiniProgram)] WeChatApiClient wechat,
    IComplainantAddresses addresses, IOptions<NotificationOptions> notificationOptions, IServiceProvider services, TimeProvider clock, ILogger<DeliveryAlerts> logger)
{
    public const string ReconcileJobId = "delivery-alerts-reconcile";
    public const string AskDeliverer =
        "请补充送气人信息：送气工的上岗证号或姓名、送气车辆车牌号、送货单上印的供气单位名称，并拍下送货单、车辆和气瓶的照片。这些是查处“黑气”的关键线索。";

    private const string InsertAlertSql =
        """
        INSERT INTO delivery_alerts (customer_id, user_id, district_code, created_at, scanned_at, category)
        VALUES (@customerId, @userId, @district, @now, @scannedAt, @category);
        SELECT LAST_INSERT_ID();
        """;
    private const string InsertCodeSql =
        "INSERT INTO delivery_alert_codes (alert_id, cylinder_code, scan_id, outcome, status_code) VALUES (@id, @CylinderCode, @ScanId, @Outcome, @StatusCode)";
    private const string OwnersSql =
        "SELECT user_id FROM commercial_members WHERE customer_id = @customerId AND role = 'owner' AND removed_at IS NULL AND user_id <> @userId";
    private const string InsertNoticeSql =
        """
        INSERT IGNORE INTO delivery_alert_notices (alert_id, user_id, status, created_at, updated_at) VALUES (@id, @userId, 'pending', @now, @now);
        SELECT id FROM delivery_alert_notices WHERE alert_id = @id AND user_id = @userId;
        """;
    private const string AlertSql =
        """
        SELECT id, customer_id AS CustomerId, user_id AS UserId, district_code AS DistrictCode, created_at AS CreatedAt, category, complaint_number AS ComplaintNumber,
               worker_permit AS WorkerPermit, worker_name AS WorkerName, vehicle_plate AS VehiclePlate, supplier_name AS SupplierName,
               deliverer_reported_at AS DelivererReportedAt
        FROM delivery_alerts
        """;
    private const string CodesSql =
        "SELECT alert_id AS AlertId, cylinder_code AS CylinderCode, outcome, status_code AS StatusCode, scan_id AS ScanId FROM delivery_alert_codes WHERE alert_id IN @ids ORDER BY cylinder_code";
    private const string SetNumberSql = "UPDATE delivery_alerts SET complaint_number = @number WHERE id = @id";
    private const string ReportSql =
        """
        UPDATE delivery_alerts SET worker_permit = @permit, worker_name = @name, vehicle_plate = @plate, supplier_name = @supplier,
               deliverer_reported_at = @now, deliverer_reported_by = @userId
        WHERE id = @id AND customer_id = @customerId
        """;
    private const string AlertOfScanSql =
        "SELECT a.id, a.user_id FROM delivery_alert_codes c JOIN delivery_alerts a ON a.id = c.alert_id WHERE c.scan_id = @scanId LIMIT 1";
    private const string UnfiledSql = "SELECT id FROM delivery_alerts WHERE complaint_number IS NULL AND created_at < @before ORDER BY id LIMIT 200";
    private const string StaleNoticesSql =
        """
        SELECT id FROM delivery_alert_notices
        WHERE (status = 'pending' AND updated_at < @pendingBefore AND attempts < 5) OR (status = 'sending' AND updated_at < @sendingBefore) ORDER BY id LIMIT 500
        """;
    private const string ClaimNoticeSql = "UPDATE delivery_alert_notices SET status = 'sending', attempts = attempts + 1, updated_at = @now WHERE id = @id AND status IN ('pending')";
    private const string ResetNoticeSql = "UPDATE delivery_alert_notices SET status = 'pending', updated_at = @now WHERE id = @id AND status = 'sending'";
    private const string FinishNoticeSql = "UPDATE delivery_alert_notices SET status = @status, detail = @detail, updated_at = @now WHERE id = @id";
    private const string NoticeSql =
        """
        SELECT n.user_id AS UserId, n.attempts, a.id AS AlertId, a.created_at AS CreatedAt, a.category, a.complaint_number AS ComplaintNumber,
               (SELECT COUNT(*) FROM delivery_alert_codes c WHERE c.alert_id = a.id) AS Codes
        FROM delivery_alert_notices n JOIN delivery_alerts a ON a.id = n.alert_id WHERE n.id = @id
        """;

    private sealed class AlertRow
    {
        public long Id { get; init; }
        public long CustomerId { get; init; }
        public long UserId { get; init; }
        public string DistrictCode { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public string Category { get; init; } = "";
        public string? ComplaintNumber { get; init; }
        public string? WorkerPermit { get; init; }
        public string? WorkerName { get; init; }
        public string? VehiclePlate { get; init; }
        public string? SupplierName { get; init; }
        public DateTime? DelivererReportedAt { get; init; }
    }

    private sealed class CodeRow
    {
        public long AlertId { get; init; }
        public string CylinderCode { get; init; } = "";
        public string Outcome { get; init; } = "";
        public string? StatusCode { get; init; }
        public long ScanId { get; init; }
    }

    private sealed class NoticeRow
    {
        public long UserId { get; init; }
        public int Attempts { get; init; }
        public long AlertId { get; init; }
        public DateTime CreatedAt { get; init; }
        public string Category { get; init; } = "";
        public string? ComplaintNumber { get; init; }
        public int Codes { get; init; }
    }

    /// <summary>The complaint category of a delivery's alert: the most telling of its cylinders.</summary>
    public static string CategoryOf(IEnumerable<DeliveryAlertCode> codes)
    {
        var list = codes.ToList();
        if (list.Any(c => c.Outcome == ReceivingScans.NoMatchingDelivery || c.StatusCode is "unregistered" or "black_gas_detained")) return "black_gas";
        if (list.Any(c => c.Outcome == ReceivingScans.NotContracted)) return "seller_mismatch";
        return "cylinder_overdue";
    }

    /// <summary>Raises the alert of a session's flagged scans (new scans only; none: nothing). Returns the alert.</summary>
    public async Task<DeliveryAlert?> RaiseAsync(long userId, long customerId, ReceivingScans.Restaurant restaurant, IReadOnlyList<DeliveryAlertCode> flagged,
        DateTime scannedAt, CancellationToken ct)
    {
        if (flagged.Count == 0) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        var category = CategoryOf(flagged);
        long id;
        var notices = new List<long>();
        await using (var conn = await db.OpenAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertAlertSql,
                new { customerId, userId, district = restaurant.DistrictCode, now, scannedAt, category }, tx, cancellationToken: ct));
            foreach (var c in flagged)
                await conn.ExecuteAsync(new CommandDefinition(InsertCodeSql, new { id, c.CylinderCode, c.ScanId, c.Outcome, c.StatusCode }, tx, cancellationToken: ct));
            foreach (var owner in await conn.QueryAsync<long>(new CommandDefinition(OwnersSql, new { customerId, userId }, tx, cancellationToken: ct)))
                notices.Add(await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertNoticeSql, new { id, userId = owner, now }, tx, cancellationToken: ct)));
            await tx.CommitAsync(ct);
        }
        try
        {
            await FileAsync(id, restaurant.BusinessName, restaurant.BusinessAddress, ct);
        }
        catch (Exception ex) when (ex is MySqlConnector.MySqlException or TimeoutException)
        {
            // The alert is stored: the reconciler files it.
            logger.LogWarning("Delivery alert {Alert} stored, its complaint not filed yet: {Error}", id, ex.Message);
        }
        foreach (var n in notices) EnqueueNotice(n);
        return (await ListAsync(customerId, [id], ct)).Single();
    }

    /// <summary>Files the alert's complaint (idempotent by its key) and records its number on the alert.</summary>
    private async Task FileAsync(long id, string? businessName, string? businessAddress, CancellationToken ct)
    {
        AlertRow alert;
        List<CodeRow> codes;
        await using (var conn = await db.OpenAsync(ct))
        {
            alert = await conn.QuerySingleAsync<AlertRow>(new CommandDefinition(AlertSql + " WHERE id = @id", new { id }, cancellationToken: ct));
            codes = (await conn.QueryAsync<CodeRow>(new CommandDefinition(CodesSql, new { ids = new[] { id } }, cancellationToken: ct))).ToList();
        }
        var text = new StringBuilder();
        text.Append("进货查验预警（系统自动上报）：").Append(businessName ?? "商户").Append("在")
            .Append(ShanghaiTime.FromUtc(alert.CreatedAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
            .Append("收货扫码，同一批配送中有").Append(codes.Count).Append("个气瓶存在问题：");
        foreach (var c in codes) text.Append(c.CylinderCode).Append('（').Append(OutcomeLabel(c.Outcome, c.StatusCode)).Append("）；");
        text.Append("送气人信息待商户补充。");
        var description = text.Length > 1000 ? text.ToString(0, 999) + "…" : text.ToString();
        var complaint = new NewComplaint(alert.Category, description, codes[0].CylinderCode, null, null, alert.DistrictCode,
            Cut(businessAddress ?? businessName, 200), null, []);
        var filed = await complaints.FileAsync(alert.UserId, "delivery-alert-" + id, complaint, () => Task.FromResult<IResult?>(null), ct);
        var number = filed switch
        {
            ComplaintService.Created c => c.Complaint.Number,
            ComplaintService.Replayed r => r.Complaint.Number,
            ComplaintService.KeyReused k => k.Number,
            _ => null,
        };
        if (number is null)
        {
            logger.LogError("Delivery alert {Alert} could not be filed as a complaint: {Result}", id, filed);
            return;
        }
        await using var c2 = await db.OpenAsync(ct);
        await c2.ExecuteAsync(new CommandDefinition(SetNumberSql, new { number, id }, cancellationToken: ct));
    }

    public static string OutcomeLabel(string outcome, string? statusCode) => outcome switch
    {
        ReceivingScans.NoMatchingDelivery => "没有对应的配送记录",
        ReceivingScans.NotContracted => "非签约供气站配送",
        _ when statusCode is "unregistered" => "未登记气瓶",
        _ when statusCode is "black_gas_detained" => "已查扣的黑气瓶",
        _ when statusCode is "scrapped" => "已报废",
        _ when statusCode is "detained" => "已扣押召回",
        _ when statusCode is "past_scrap_date" => "超过报废年限",
        _ when statusCode is "foreign_filled" => "非产权单位充装",
        _ when statusCode is "inspection_overdue" => "超期未检",
        _ => "不安全",
    };

    /// <summary>The restaurant's alerts, newest first (or the given ones).</summary>
    public async Task<IReadOnlyList<DeliveryAlert>> ListAsync(long customerId, IReadOnlyList<long>? ids, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<AlertRow>(new CommandDefinition(AlertSql +
            (ids is null ? " WHERE customer_id = @customerId ORDER BY created_at DESC, id DESC LIMIT 50" : " WHERE customer_id = @customerId AND id IN @ids"),
            new { customerId, ids }, cancellationToken: ct))).ToList();
        if (rows.Count == 0) return [];
        var codes = (await conn.QueryAsync<CodeRow>(new CommandDefinition(CodesSql, new { ids = rows.Select(r => r.Id).ToList() }, cancellationToken: ct)))
            .ToLookup(c => c.AlertId);
        return rows.Select(r => new DeliveryAlert(r.Id, r.CustomerId, r.Category, ComplaintCategories.Find(r.Category)?.Label ?? r.Category, r.ComplaintNumber,
            ShanghaiTime.FromUtc(r.CreatedAt), codes[r.Id].Select(c => new DeliveryAlertCode(c.CylinderCode, c.Outcome, c.StatusCode, c.ScanId)).ToList(),
            r.DelivererReportedAt is not null, r.WorkerPermit, r.WorkerName, r.VehiclePlate, r.SupplierName,
            r.DelivererReportedAt is null ? AskDeliverer : null)).ToList();
    }

    // GA 36-2018 plates: a province's character, the authority's letter, then five (seven-seat numbering) or six (new energy)
    // letters and digits (no I or O), optionally ending in 挂/学/警/港/澳. Spaces and the middle dot are dropped first.
    [GeneratedRegex(@"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,6}[挂学警港澳]?$")]
    private static partial Regex PlateRegex();

    /// <summary>A plate as written on the alert (upper case, no spaces or dots), or null when it is not a Chinese plate.</summary>
    public static string? NormalisePlate(string? plate)
    {
        if (string.IsNullOrWhiteSpace(plate)) return null;
        var compact = new string(plate.Where(c => !char.IsWhiteSpace(c) && c is not ('·' or '•' or '-' or '.')).ToArray()).ToUpperInvariant();
        return PlateRegex().IsMatch(compact) && compact.Length <= 9 ? compact : null;
    }

    public abstract record ReportResult
    {
        public sealed record Done(DeliveryAlert Alert) : ReportResult;
        public sealed record Invalid(Dictionary<string, string[]> Errors) : ReportResult;
        public sealed record NotFound : ReportResult;
    }

    /// <summary>A member of the restaurant reports the deliverer of an alert's delivery (may report again to correct it).</summary>
    public async Task<ReportResult> ReportDelivererAsync(long userId, long customerId, long alertId, DelivererReport body, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var permit = body.WorkerPermitNumber?.Trim();
        var name = body.WorkerName?.Trim();
        var supplier = body.SupplierName?.Trim();
        var plate = NormalisePlate(body.VehiclePlate);
        if (permit is { Length: > 40 }) errors["workerPermitNumber"] = ["上岗证号不超过40个字符。"];
        if (name is { Length: > 50 }) errors["workerName"] = ["姓名不超过50个字。"];
        if (supplier is { Length: > 100 }) errors["supplierName"] = ["供气单位名称不超过100个字。"];
        if (!string.IsNullOrWhiteSpace(body.VehiclePlate) && plate is null) errors["vehiclePlate"] = ["车牌号格式不对，例如“闽A12345”或新能源车“闽AD12345”。"];
        var photos = body.PhotoIds ?? [];
        if (string.IsNullOrEmpty(permit) && string.IsNullOrEmpty(name) && plate is null && string.IsNullOrEmpty(supplier) && photos.Count == 0 && errors.Count == 0)
            errors["deliverer"] = ["请至少填写一项：上岗证号、姓名、车牌号、供气单位名称，或上传照片。"];
        if (errors.Count > 0) return new ReportResult.Invalid(errors);
        var alert = (await ListAsync(customerId, [alertId], ct)).SingleOrDefault();
        if (alert is null) return new ReportResult.NotFound();
        if (alert.ComplaintNumber is null) return new ReportResult.Invalid(new() { ["alert"] = ["这条预警正在上报，请稍后再补充。"] });
        long complainantId;
        await using (var conn = await db.OpenAsync(ct))
            complainantId = await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT user_id FROM delivery_alerts WHERE id = @alertId", new { alertId }, cancellationToken: ct));
        var text = "送气人信息：" + string.Join("；", new[]
        {
            string.IsNullOrEmpty(permit) ? null : "上岗证号 " + permit,
            string.IsNullOrEmpty(name) ? null : "姓名 " + name,
            plate is null ? null : "车牌 " + plate,
            string.IsNullOrEmpty(supplier) ? null : "送货单上的供气单位 " + supplier,
        }.OfType<string>().DefaultIfEmpty("见照片")) + "。";
        if (await complaints.AddAlertEvidenceAsync(complainantId, "delivery-alert-" + alertId, userId, text, photos, ct) is { } photoErrors)
            return new ReportResult.Invalid(photoErrors);
        await using (var conn = await db.OpenAsync(ct))
            await conn.ExecuteAsync(new CommandDefinition(ReportSql, new
            {
                id = alertId, customerId, userId, now = clock.GetUtcNow().UtcDateTime, permit = Empty(permit), name = Empty(name), plate, supplier = Empty(supplier),
            }, cancellationToken: ct));
        return new ReportResult.Done((await ListAsync(customerId, [alertId], ct)).Single());
    }

    /// <summary>After a late delivery record matched a scan: the note goes on the alert the scan belongs to (or, for scans before alerts per delivery, its own).</summary>
    public async Task NoteLateMatchAsync(long scanUserId, long scanId, string text, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var alert = await conn.QuerySingleOrDefaultAsync<(long Id, long UserId)>(new CommandDefinition(AlertOfScanSql, new { scanId }, cancellationToken: ct));
        if (alert.Id == 0) await complaints.NoteScanAlertAsync(scanUserId, scanId, text, ct);
        else await complaints.NoteAlertAsync(alert.UserId, "delivery-alert-" + alert.Id, "scan_matched", text, ct);
    }

    private void EnqueueNotice(long noticeId) =>
        services.TryEnqueue<DeliveryAlerts>(a => a.SendNoticeAsync(noticeId, CancellationToken.None), logger, $"delivery alert notice {noticeId}: the reconciler will queue it");

    /// <summary>Tells a restaurant's owner of an alert a staff member's scan raised (subscribe message; once per row).</summary>
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900])]
    public async Task SendNoticeAsync(long noticeId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var conn = await db.OpenAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(ClaimNoticeSql, new { id = noticeId, now }, cancellationToken: ct)) != 1) return;
        var row = await conn.QuerySingleAsync<NoticeRow>(new CommandDefinition(NoticeSql, new { id = noticeId }, cancellationToken: ct));
        var o = notificationOptions.Value;
        async Task Finish(string status, string? detail) =>
            await conn.ExecuteAsync(new CommandDefinition(FinishNoticeSql, new { id = noticeId, status, detail, now }, cancellationToken: ct));
        if (string.IsNullOrEmpty(o.AcceptedTemplateId)) { await Finish("skipped", "no template configured"); return; }
        var openId = await addresses.OpenIdAsync(row.UserId, ct);
        if (openId is null) { await Finish("skipped", "the owner's WeChat account is unknown"); return; }
        var number = row.ComplaintNumber ?? "预警" + row.AlertId.ToString(CultureInfo.InvariantCulture);
        var message = new SubscribeMessage(openId, o.AcceptedTemplateId, o.Page.Replace("{number}", number, StringComparison.Ordinal), new Dictionary<string, string>
        {
            [o.NumberKey] = Cut(number, 32)!,
            [o.CategoryKey] = Cut(ComplaintCategories.Find(row.Category)?.Label ?? "进货查验预警", 20)!,
            [o.StatusKey] = "待补充",
            [o.TimeKey] = ShanghaiTime.FromUtc(row.CreatedAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            [o.RemarkKey] = Cut($"店员收货发现{row.Codes}个问题气瓶，请补充送气人信息", 20)!,
        }, o.MiniProgramState);
        try
        {
            await wechat.SendSubscribeMessageAsync(message, ct);
            await Finish("sent", null);
        }
        catch (WeChatApiException ex) when (ex.Kind is WeChatErrorKind.NotConsented or WeChatErrorKind.TemplateDataMismatch or WeChatErrorKind.InvalidOpenId
                                              or WeChatErrorKind.InvalidTemplate)
        {
            await Finish(ex.Kind == WeChatErrorKind.NotConsented ? "declined" : "failed", Cut($"{ex.ErrCode} {ex.ErrMsg}", 500));
        }
        catch (WeChatApiException ex)
        {
            await Finish(row.Attempts + 1 >= 5 ? "failed" : "pending", Cut($"{ex.ErrCode} {ex.ErrMsg}", 500));
            if (row.Attempts + 1 < 5) throw;
        }
    }

    /// <summary>Recurring: files alerts a crash left without a complaint, and re-queues notices whose job was lost.</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<long> unfiled, stale;
        await using (var conn = await db.OpenAsync(ct))
        {
            unfiled = (await conn.QueryAsync<long>(new CommandDefinition(UnfiledSql, new { before = now.AddMinutes(-1) }, cancellationToken: ct))).ToList();
            stale = (await conn.QueryAsync<long>(new CommandDefinition(StaleNoticesSql,
                new { pendingBefore = now.AddMinutes(-1), sendingBefore = now.AddMinutes(-5) }, cancellationToken: ct))).ToList();
            foreach (var id in stale) await conn.ExecuteAsync(new CommandDefinition(ResetNoticeSql, new { id, now }, cancellationToken: ct));
        }
        foreach (var id in unfiled) await FileAsync(id, null, null, ct);
        foreach (var id in stale) EnqueueNotice(id);
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    private static string? Cut(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
