using System.ComponentModel.DataAnnotations;
using System.Data;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Cylinders;
using CylinderTrace.Integration;
using CylinderTrace.Platform.Caching;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Time;
using Dapper;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Supervision;

/// <summary>Online detention (DESIGN.md §6).</summary>
public sealed class SupervisionOptions
{
    public const string Section = "Supervision";

    /// <summary>Hours the responsible enterprise has to recall a detained cylinder, unless the inspector sets another deadline.</summary>
    [Range(1, 24 * 30, ErrorMessage = "Supervision:{0} must be between {1} and {2}.")]
    public int DetentionDeadlineHours { get; set; } = 72;
}

public sealed record DetentionEvent(DateTimeOffset At, string Kind, string Label, string Actor, string? Text);

public sealed record DetentionOrder(string Number, long CylinderId, string CylinderCode, string Status, string StatusLabel, string Hazard, int AgencyId, string Agency,
    int ResponsibleEnterpriseId, string ResponsibleEnterprise, string Responsibility, DateTimeOffset IssuedAt, DateTimeOffset DeadlineAt, bool Overdue,
    DateTimeOffset? AcknowledgedAt, DateTimeOffset? RecalledAt, string? RecallPlace, DateTimeOffset? EscalatedAt, DateTimeOffset? ClosedAt, string? Disposal,
    IReadOnlyList<string> Photos, IReadOnlyList<DetentionEvent> Events);

/// <summary>
/// An inspector's order. For a code no cylinder has (black gas) the order is a seizure: Place is where it was found (else the
/// restaurant of the newest alert listing the code), and the deliverer fields name who brought it, when known.
/// </summary>
public sealed record NewDetention(string? CylinderCode, string? Hazard, int? DeadlineHours, string? Responsibility, IReadOnlyList<string>? Photos,
    string? Place = null, string? DistrictCode = null, string? WorkerPermitNumber = null, string? WorkerName = null, string? StationName = null,
    string? VehiclePlate = null);

public abstract record DetentionResult
{
    public sealed record Done(DetentionOrder Order) : DetentionResult;
    /// <summary>The code is not registered: detained as black gas.</summary>
    public sealed record BlackGas(BlackGasDetention Detention) : DetentionResult;
    public sealed record Invalid(IDictionary<string, string[]> Errors) : DetentionResult;
    public sealed record NotFound : DetentionResult;
    public sealed record Conflict(string Message) : DetentionResult;
}

/// <summary>
/// Detention orders (在线扣瓶): an inspector issues one for a cylinder (hazard, photos, deadline,
/// responsible enterprise: the owner, or the supply station of the last delivery); in the same
/// transaction the cylinder becomes detained (cylinders.detained = 1) and a notification for the
/// enterprise is written (integration webhook and pull channel); the card caches are dropped on every
/// instance after commit, so the public card, the fill check and receiving scans say "detained" at
/// once. The enterprise acknowledges and reports the cylinder recalled to a designated place (integration
/// API); an inspector of the issuing agency confirms disposal: released (detained cleared), sent to
/// inspection (detained cleared, next inspection date set to yesterday, so fill checks refuse it as
/// overdue until an inspection record arrives), or scrapped (status scrapped). Only one order is open per
/// cylinder. Orders not recalled by their deadline are escalated by a job every five minutes.
/// An order's photos are its inspector's own uploads for detention (detention_photo_uploads), each used
/// by one order only; a photo is served only through the order it belongs to.
/// </summary>
public sealed class DetentionOrders(Db db, CacheInvalidation invalidation, EnterpriseNotifications notifications, IOptions<SupervisionOptions> options,
    PhotoStore photoStore, BlackGasDetentions blackGas, IServiceProvider services, TimeProvider clock, ILogger<DetentionOrders> logger)
{
    /// <summary>Largest photo an inspector may upload for an order, in bytes.</summary>
    public const int MaxPhotoBytes = 10 * 1024 * 1024;
    public const int MaxPhotos = 6;

    /// <summary>Why photo ids were refused (a detention order and a black-gas detention alike).</summary>
    public const string PhotosNotOwn = "照片编号无效：扣瓶令只能使用您本人为扣瓶令上传、尚未用于其他扣瓶令的照片。请先上传现场照片，再使用返回的编号。";

    public const string EscalationJobId = "detention-escalation";
    public static readonly string[] OpenStates = ["open", "acknowledged", "recalled"];

    // Resolved lazily: DetentionNotices reads orders through this class.
    private DetentionNotices Notices => services.GetRequiredService<DetentionNotices>();

    public static string StatusLabel(string status) => status switch
    {
        "open" => "待企业确认",
        "acknowledged" => "企业已确认，召回中",
        "recalled" => "已召回，待处置确认",
        "closed" => "已处置结案",
        _ => status,
    };

    public static string DisposalLabel(string? disposal) => disposal switch
    {
        "released" => "解除扣押，放行",
        "inspection" => "送检验",
        "scrapped" => "报废",
        _ => "",
    };

    public static string EventLabel(string kind) => kind switch
    {
        "issued" => "下达扣瓶令",
        "acknowledged" => "企业确认收到",
        "recalled" => "企业报告已召回",
        "escalated" => "逾期未召回，升级督办",
        "closed" => "处置结案",
        _ => kind,
    };

    private const string OpenOrderSql = "SELECT number FROM detention_orders WHERE cylinder_id = @cylinderId AND status IN ('open', 'acknowledged', 'recalled') LIMIT 1";
    private const string InsertSql =
        """
        INSERT INTO detention_orders (cylinder_id, cylinder_code, agency_id, issued_by, hazard, responsible_enterprise_id, responsibility, status, issued_at, deadline_at)
        VALUES (@cylinderId, @code, @agencyId, @staffId, @hazard, @enterpriseId, @responsibility, 'open', @now, @deadline);
        SELECT LAST_INSERT_ID();
        """;
    private const string NumberSql = "UPDATE detention_orders SET number = @number WHERE id = @id";
    private const string EventSql = "INSERT INTO detention_events (order_id, at, kind, actor, text) VALUES (@id, @now, @kind, @actor, @text)";
    private const string PhotoSql = "INSERT INTO detention_photos (order_id, sha256, position) VALUES (@id, @sha, @position)";
    private const string InsertUploadSql = "INSERT INTO detention_photo_uploads (sha256, staff_id, uploaded_at) VALUES (@sha, @staffId, @now)";
    // The issuing inspector's uploads not used by any order or black-gas detention yet, locked until the order is stored.
    private const string UnusedUploadsSql =
        """
        SELECT sha256 FROM detention_photo_uploads u WHERE staff_id = @staffId AND order_id IS NULL AND sha256 IN @photos
          AND NOT EXISTS (SELECT 1 FROM black_gas_detention_photos b WHERE b.upload_id = u.id) FOR UPDATE
        """;
    // A statement of its own after the lock: it sees a black-gas detention that took the upload while this order waited for it.
    private const string ClaimUploadSql =
        """
        UPDATE detention_photo_uploads SET order_id = @id WHERE staff_id = @staffId AND order_id IS NULL AND sha256 = @sha
          AND NOT EXISTS (SELECT 1 FROM black_gas_detention_photos b WHERE b.upload_id = detention_photo_uploads.id) ORDER BY id LIMIT 1
        """;
    // Links made before migration 0017 that named a complainant's photo have no upload behind them: not listed, not served.
    private const string OrderPhotosSql =
        """
        SELECT p.sha256 FROM detention_photos p
        WHERE p.order_id = @Id AND EXISTS (SELECT 1 FROM detention_photo_uploads u WHERE u.order_id = p.order_id AND u.sha256 = p.sha256)
        ORDER BY p.position
        """;

    private const string OrderSql =
        """
        SELECT o.id, o.number, o.cylinder_id AS CylinderId, o.cylinder_code AS CylinderCode, o.status, o.hazard, o.agency_id AS AgencyId, a.name AS Agency,
               o.responsible_enterprise_id AS ResponsibleEnterpriseId, e.name AS ResponsibleEnterprise, o.responsibility, o.issued_at AS IssuedAt,
               o.deadline_at AS DeadlineAt, o.acknowledged_at AS AcknowledgedAt, o.recalled_at AS RecalledAt, o.recall_place AS RecallPlace,
               o.escalated_at AS EscalatedAt, o.closed_at AS ClosedAt, o.disposal
        FROM detention_orders o JOIN agencies a ON a.id = o.agency_id JOIN enterprises e ON e.id = o.responsible_enterprise_id
        """;

    private sealed class OrderRow
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public long CylinderId { get; init; }
        public string CylinderCode { get; init; } = "";
        public string Status { get; init; } = "";
        public string Hazard { get; init; } = "";
        public int AgencyId { get; init; }
        public string Agency { get; init; } = "";
        public int ResponsibleEnterpriseId { get; init; }
        public string ResponsibleEnterprise { get; init; } = "";
        public string Responsibility { get; init; } = "";
        public DateTime IssuedAt { get; init; }
        public DateTime DeadlineAt { get; init; }
        public DateTime? AcknowledgedAt { get; init; }
        public DateTime? RecalledAt { get; init; }
        public string? RecallPlace { get; init; }
        public DateTime? EscalatedAt { get; init; }
        public DateTime? ClosedAt { get; init; }
        public string? Disposal { get; init; }
    }

    /// <summary>An inspector issues an order. Actor is "staff:&lt;id&gt;".</summary>
    public async Task<DetentionResult> IssueAsync(int staffId, int agencyId, NewDetention request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!CylinderCode.TryNormalise(request.CylinderCode ?? "", out var code) || code is null) errors["cylinderCode"] = ["气瓶码格式不对。" + CylinderCode.Rule];
        var hazard = request.Hazard?.Trim() ?? "";
        if (hazard.Length is < 4 or > 1000) errors["hazard"] = ["请写明隐患（4到1000字）。"];
        var hours = request.DeadlineHours ?? options.Value.DetentionDeadlineHours;
        if (hours is < 1 or > 24 * 30) errors["deadlineHours"] = ["召回期限应为1小时到30天。"];
        var responsibility = string.IsNullOrEmpty(request.Responsibility) ? "owner" : request.Responsibility;
        if (responsibility is not ("owner" or "last_delivery")) errors["responsibility"] = ["责任企业应为 owner（产权单位）或 last_delivery（最近一次配送的供气站）。"];
        var photos = (request.Photos ?? []).Select(p => p?.ToLowerInvariant() ?? "").Distinct().ToList();
        if (photos.Count > MaxPhotos || photos.Any(p => p.Length != 64 || !p.All(char.IsAsciiHexDigit))) errors["photos"] = [$"最多{MaxPhotos}张照片，使用上传后返回的编号。"];
        if (errors.Count > 0) return new DetentionResult.Invalid(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        long id, notification;
        await using (var conn = await db.OpenAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            var cylinder = await CylinderEvents.LockForDetentionAsync(conn, tx, code!, ct);
            if (cylinder is null)
            {
                // A well-formed code no cylinder has: black gas, seized on the spot (no owner to recall it).
                await tx.RollbackAsync(ct);
                return await blackGas.IssueAsync(staffId, agencyId, code!, request, ct);
            }
            if (await conn.ExecuteScalarAsync<string?>(new CommandDefinition(OpenOrderSql, new { cylinderId = cylinder.Id }, tx, cancellationToken: ct)) is { } open)
                return new DetentionResult.Conflict($"这个气瓶已有未结案的扣瓶令 {open}。");
            if (cylinder.Status == "scrapped") return new DetentionResult.Conflict("这个气瓶已报废。");
            if (photos.Count > 0 && (await conn.QueryAsync<string>(new CommandDefinition(UnusedUploadsSql, new { staffId, photos }, tx, cancellationToken: ct))).Distinct().Count() != photos.Count)
                return new DetentionResult.Invalid(new Dictionary<string, string[]>
                {
                    ["photos"] = [PhotosNotOwn],
                });
            int? enterpriseId = responsibility == "owner" ? cylinder.OwnerId : cylinder.LastDeliveryStationId;
            if (enterpriseId is null)
                return new DetentionResult.Invalid(new Dictionary<string, string[]> { ["responsibility"] = ["这个气瓶没有配送记录：请选择产权单位（owner）为责任企业。"] });
            var deadline = now.AddHours(hours);
            id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, new
            {
                cylinderId = cylinder.Id, code, agencyId, staffId, hazard, enterpriseId, responsibility, now, deadline,
            }, tx, cancellationToken: ct));
            var number = $"KP{ShanghaiTime.FromUtc(now):yyyyMMdd}{id:D6}";
            await conn.ExecuteAsync(new CommandDefinition(NumberSql, new { number, id }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(EventSql, new { id, now, kind = "issued", actor = "staff:" + staffId, text = hazard }, tx, cancellationToken: ct));
            for (var i = 0; i < photos.Count; i++)
            {
                if (await conn.ExecuteAsync(new CommandDefinition(ClaimUploadSql, new { id, staffId, sha = photos[i] }, tx, cancellationToken: ct)) != 1)
                    return new DetentionResult.Invalid(new Dictionary<string, string[]> { ["photos"] = [PhotosNotOwn] });
                await conn.ExecuteAsync(new CommandDefinition(PhotoSql, new { id, position = i, sha = photos[i] }, tx, cancellationToken: ct));
            }
            await CylinderEvents.DetainAsync(conn, tx, cylinder.Id, ct);
            notification = await EnterpriseNotifications.InsertAsync(conn, tx, enterpriseId.Value, "detention.issued", new
            {
                number, cylinderCode = code, hazard, deadline = ShanghaiTime.FromUtc(deadline), responsibility,
                instructions = "请确认收到（POST /api/integration/v1/detention-orders/{number}/acknowledge），在期限前将气瓶召回到指定地点并报告（…/recalled）。",
            }, now, ct);
            await tx.CommitAsync(ct);
        }
        notifications.Enqueue(notification);
        await invalidation.RemoveAsync(CylinderCards.CacheKey(code!), ct);
        var issued = (await GetByIdAsync(id, ct))!;
        Notices.Enqueue(issued.Number, "issued");
        return new DetentionResult.Done(issued);
    }

    /// <summary>
    /// An inspector's photo for a detention order: cleaned and stored by the photo store, and recorded as
    /// this inspector's upload, which one order of theirs may then name. <see cref="PhotoRefused"/> when the bytes are not a photo we can clean.
    /// </summary>
    public async Task<PhotoOutcome> UploadPhotoAsync(int staffId, byte[] data, CancellationToken ct)
    {
        var outcome = await photoStore.SaveAsync(null, data, ct);
        if (outcome is not PhotoStore.Stored stored) return outcome;
        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(InsertUploadSql, new { sha = stored.Id, staffId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return stored;
    }

    /// <summary>The responsible enterprise (or, for a station, its filling enterprise) acknowledges an open order.</summary>
    /// <remarks>Rehearsed (a sandbox key): the step is made and the order read back inside the transaction, which is then rolled back.</remarks>
    public Task<DetentionResult> AcknowledgeAsync(Func<int, bool> mayActFor, string actor, string number, CancellationToken ct, bool rehearse = false) =>
        EnterpriseStepAsync(mayActFor, actor, number, "acknowledged", ["open"], null, rehearse, ct);

    /// <summary>The enterprise reports the cylinder recalled to a designated place (rehearsed as AcknowledgeAsync).</summary>
    public Task<DetentionResult> ReportRecalledAsync(Func<int, bool> mayActFor, string actor, string number, string? place, CancellationToken ct, bool rehearse = false)
    {
        place = place?.Trim();
        if (string.IsNullOrEmpty(place) || place.Length > 300)
            return Task.FromResult<DetentionResult>(new DetentionResult.Invalid(new Dictionary<string, string[]> { ["place"] = ["请写明召回存放的地点（不超过300字）。"] }));
        return EnterpriseStepAsync(mayActFor, actor, number, "recalled", ["open", "acknowledged"], place, rehearse, ct);
    }

    private async Task<DetentionResult> EnterpriseStepAsync(Func<int, bool> mayActFor, string actor, string number, string step, string[] from, string? place,
        bool rehearse, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        long id;
        await using (var conn = await db.OpenAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            var order = await conn.QuerySingleOrDefaultAsync<(long Id, int EnterpriseId, string Status)>(new CommandDefinition(
                "SELECT id, responsible_enterprise_id, status FROM detention_orders WHERE number = @number FOR UPDATE", new { number }, tx, cancellationToken: ct));
            if (order.Id == 0 || !mayActFor(order.EnterpriseId)) return new DetentionResult.NotFound();
            id = order.Id;
            if (order.Status == step) return new DetentionResult.Done((await GetByIdAsync(id, ct))!); // a repeat changes nothing
            if (!from.Contains(order.Status)) return new DetentionResult.Conflict($"扣瓶令当前状态为“{StatusLabel(order.Status)}”，不能再{EventLabel(step)}。");
            var sql = step == "acknowledged"
                ? "UPDATE detention_orders SET status = 'acknowledged', acknowledged_at = @now WHERE id = @id"
                : "UPDATE detention_orders SET status = 'recalled', recalled_at = @now, recall_place = @place, acknowledged_at = COALESCE(acknowledged_at, @now) WHERE id = @id";
            await conn.ExecuteAsync(new CommandDefinition(sql, new { id, now, place }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(EventSql, new { id, now, kind = step, actor, text = place }, tx, cancellationToken: ct));
            if (rehearse)
            {
                var rehearsed = await conn.QuerySingleAsync<OrderRow>(new CommandDefinition(OrderSql + " WHERE o.id = @id", new { id }, tx, cancellationToken: ct));
                var view = await ViewAsync(conn, rehearsed, ct, tx: tx);
                await tx.RollbackAsync(ct);
                return new DetentionResult.Done(view);
            }
            await tx.CommitAsync(ct);
        }
        return new DetentionResult.Done((await GetByIdAsync(id, ct))!);
    }

    /// <summary>An inspector of the issuing agency confirms the disposal and closes the order.</summary>
    public async Task<DetentionResult> DisposeAsync(int staffId, int agencyId, string number, string? disposal, string? note, CancellationToken ct)
    {
        if (disposal is not ("released" or "inspection" or "scrapped"))
            return new DetentionResult.Invalid(new Dictionary<string, string[]> { ["disposal"] = ["处置方式应为 released（放行）、inspection（送检）或 scrapped（报废）。"] });
        note = note?.Trim();
        if (note is { Length: > 1000 }) return new DetentionResult.Invalid(new Dictionary<string, string[]> { ["note"] = ["说明不超过1000字。"] });
        var now = clock.GetUtcNow().UtcDateTime;
        long id;
        string code;
        long notification;
        await using (var conn = await db.OpenAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            var order = await conn.QuerySingleOrDefaultAsync<(long Id, int AgencyId, long CylinderId, string Code, int EnterpriseId, string Status)>(new CommandDefinition(
                "SELECT id, agency_id, cylinder_id, cylinder_code, responsible_enterprise_id, status FROM detention_orders WHERE number = @number FOR UPDATE",
                new { number }, tx, cancellationToken: ct));
            if (order.Id == 0 || order.AgencyId != agencyId) return new DetentionResult.NotFound();
            if (order.Status == "closed") return new DetentionResult.Conflict("扣瓶令已结案。");
            (id, code) = (order.Id, order.Code);
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE detention_orders SET status = 'closed', closed_at = @now, disposal = @disposal WHERE id = @id", new { id, now, disposal }, tx, cancellationToken: ct));
            await CylinderEvents.ReleaseFromDetentionAsync(conn, tx, order.CylinderId, disposal, ShanghaiTime.Today(clock).AddDays(-1), ct);
            await conn.ExecuteAsync(new CommandDefinition(EventSql, new { id, now, kind = "closed", actor = "staff:" + staffId, text = DisposalLabel(disposal) + (note is { Length: > 0 } ? "：" + note : "") },
                tx, cancellationToken: ct));
            notification = await EnterpriseNotifications.InsertAsync(conn, tx, order.EnterpriseId, "detention.closed",
                new { number, cylinderCode = order.Code, disposal, note }, now, ct);
            await tx.CommitAsync(ct);
        }
        notifications.Enqueue(notification);
        await invalidation.RemoveAsync(CylinderCards.CacheKey(code), ct);
        Notices.Enqueue(number, "closed");
        return new DetentionResult.Done((await GetByIdAsync(id, ct))!);
    }

    private const string OverdueSql =
        """
        SELECT id, number, cylinder_code, responsible_enterprise_id, deadline_at FROM detention_orders
        WHERE status IN ('open', 'acknowledged') AND deadline_at < @now AND escalated_at IS NULL ORDER BY deadline_at LIMIT 500
        """;

    /// <summary>Escalates open orders past their deadline that were not recalled (once each); returns how many.</summary>
    public async Task<int> EscalateAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var escalated = 0;
        await using var conn = await db.OpenAsync(ct);
        var due = (await conn.QueryAsync<(long Id, string Number, string Code, int EnterpriseId, DateTime Deadline)>(
            new CommandDefinition(OverdueSql, new { now }, cancellationToken: ct))).ToList();
        foreach (var o in due)
        {
            long notification;
            await using (var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct))
            {
                if (await conn.ExecuteAsync(new CommandDefinition(
                        "UPDATE detention_orders SET escalated_at = @now WHERE id = @id AND escalated_at IS NULL AND status IN ('open', 'acknowledged')",
                        new { id = o.Id, now }, tx, cancellationToken: ct)) == 0)
                    continue;
                await conn.ExecuteAsync(new CommandDefinition(EventSql, new { id = o.Id, now, kind = "escalated", actor = "system", text = (string?)null }, tx, cancellationToken: ct));
                notification = await EnterpriseNotifications.InsertAsync(conn, tx, o.EnterpriseId, "detention.escalated",
                    new { number = o.Number, cylinderCode = o.Code, deadline = ShanghaiTime.FromUtc(o.Deadline) }, now, ct);
                await tx.CommitAsync(ct);
            }
            notifications.Enqueue(notification);
            Notices.Enqueue(o.Number, "escalated");
            escalated++;
        }
        if (escalated > 0) logger.LogInformation("Escalated {Count} detention orders past their deadline", escalated);
        return escalated;
    }

    public async Task<DetentionOrder?> GetAsync(string number, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(OrderSql + " WHERE o.number = @number", new { number }, cancellationToken: ct));
        return row is null ? null : await ViewAsync(conn, row, ct);
    }

    private async Task<DetentionOrder?> GetByIdAsync(long id, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(OrderSql + " WHERE o.id = @id", new { id }, cancellationToken: ct));
        return row is null ? null : await ViewAsync(conn, row, ct);
    }

    /// <summary>Orders of an agency (or for some enterprises), open first, then by deadline.</summary>
    public async Task<IReadOnlyList<DetentionOrder>> ListAsync(int? agencyId, IReadOnlyCollection<int>? enterpriseIds, bool openOnly, CancellationToken ct)
    {
        var where = new List<string>();
        if (agencyId is not null) where.Add("o.agency_id = @agencyId");
        if (enterpriseIds is not null) where.Add("o.responsible_enterprise_id IN @enterpriseIds");
        if (openOnly) where.Add("o.status IN ('open', 'acknowledged', 'recalled')");
        var sql = OrderSql + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                  " ORDER BY o.status = 'closed', o.deadline_at LIMIT 500";
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<OrderRow>(new CommandDefinition(sql, new { agencyId, enterpriseIds }, cancellationToken: ct));
        var list = new List<DetentionOrder>();
        foreach (var r in rows) list.Add(await ViewAsync(conn, r, ct, withEvents: false));
        return list;
    }

    /// <summary>Orders of one cylinder, newest first.</summary>
    public async Task<IReadOnlyList<DetentionOrder>> ForCylinderAsync(long cylinderId, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var rows = await conn.QueryAsync<OrderRow>(new CommandDefinition(OrderSql + " WHERE o.cylinder_id = @cylinderId ORDER BY o.issued_at DESC LIMIT 50",
            new { cylinderId }, cancellationToken: ct));
        var list = new List<DetentionOrder>();
        foreach (var r in rows) list.Add(await ViewAsync(conn, r, ct, withEvents: false));
        return list;
    }

    private async Task<DetentionOrder> ViewAsync(MySqlConnection conn, OrderRow r, CancellationToken ct, bool withEvents = true, MySqlTransaction? tx = null)
    {
        var photos = withEvents
            ? (await conn.QueryAsync<string>(new CommandDefinition(OrderPhotosSql, new { r.Id }, tx, cancellationToken: ct))).ToList()
            : [];
        var events = withEvents
            ? (await conn.QueryAsync<(DateTime At, string Kind, string Actor, string? Text)>(new CommandDefinition(
                "SELECT at, kind, actor, text FROM detention_events WHERE order_id = @Id ORDER BY at, id", new { r.Id }, tx, cancellationToken: ct)))
                .Select(e => new DetentionEvent(ShanghaiTime.FromUtc(e.At), e.Kind, EventLabel(e.Kind), e.Actor, e.Text)).ToList()
            : [];
        var now = clock.GetUtcNow().UtcDateTime;
        return new DetentionOrder(r.Number, r.CylinderId, r.CylinderCode, r.Status, StatusLabel(r.Status), r.Hazard, r.AgencyId, r.Agency, r.ResponsibleEnterpriseId,
            r.ResponsibleEnterprise, r.Responsibility, ShanghaiTime.FromUtc(r.IssuedAt), ShanghaiTime.FromUtc(r.DeadlineAt),
            r.Status is "open" or "acknowledged" && r.DeadlineAt < now,
            Opt(r.AcknowledgedAt), Opt(r.RecalledAt), r.RecallPlace, Opt(r.EscalatedAt), Opt(r.ClosedAt), r.Disposal, photos, events);
    }

    private static DateTimeOffset? Opt(DateTime? utc) => utc is { } v ? ShanghaiTime.FromUtc(v) : null;
}
