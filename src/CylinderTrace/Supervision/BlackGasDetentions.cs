using System.Data;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Caching;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Platform.Time;
using Dapper;

namespace CylinderTrace.Supervision;

/// <summary>An inspector's detention of an unregistered code as black gas (黑气瓶查扣).</summary>
public sealed record BlackGasDetention(string Number, string CylinderCode, string Status, string StatusLabel, string Hazard, string Place,
    string? DistrictCode, string District, int AgencyId, string Agency, string? Worker, string? WorkerPermit, string? Station, string? VehiclePlate,
    long? AlertId, DateTimeOffset IssuedAt, DateTimeOffset? ClosedAt, string? Disposal, string? DisposalLabel, string? DisposalNote, IReadOnlyList<string> Photos);

/// <summary>
/// Detention of a well-formed code that no cylinder has (issue 18): there is no owner to recall it, so the order is the
/// inspector's seizure on the spot. It names the place and, when known, who delivered it: what the inspector writes, else what the
/// restaurant reported on the newest alert listing the code; a permit number known to the registry names the worker and the station
/// he works for. In the same transaction the code is marked as black gas (Cylinders' <see cref="UnregisteredScans.MarkDetainedAsync"/>),
/// and after commit the card's cache is dropped on every instance, so the card, the Official Account and receiving scans say
/// 黑气瓶（已被查扣） at once. One open detention per code. The issuing agency's inspector closes it: confiscated (没收), destroyed (销毁),
/// or returned_registered (it turned out to be a real cylinder whose owner has now registered it: the mark ends).
/// Its photos are, as a detention order's, the issuing inspector's own uploads for detention (detention_photo_uploads), each taken
/// by one detention only (black_gas_detention_photos) and served only through the detention.
/// </summary>
public sealed class BlackGasDetentions(Db db, CacheInvalidation invalidation, UnregisteredScans unregistered, Agencies agencies, TimeProvider clock)
{
    public static string StatusLabel(string status) => status == "open" ? "已查扣，待处置" : "已处置结案";

    public static string? DisposalLabel(string? disposal) => disposal switch
    {
        "confiscated" => "依法没收",
        "destroyed" => "已作销毁处理",
        "returned_registered" => "补办登记后发还产权单位",
        _ => null,
    };

    private const string OpenSql = "SELECT number FROM black_gas_detentions WHERE cylinder_code = @code AND status = 'open' LIMIT 1 FOR UPDATE";
    private const string InsertSql =
        """
        INSERT INTO black_gas_detentions (cylinder_code, agency_id, issued_by, hazard, place, district_code, worker_id, worker_text, station_id, station_text,
                                          vehicle_plate, alert_id, status, issued_at)
        VALUES (@code, @agencyId, @staffId, @hazard, @place, @district, @workerId, @workerText, @stationId, @stationText, @plate, @alertId, 'open', @now);
        SELECT LAST_INSERT_ID();
        """;
    private const string NumberSql = "UPDATE black_gas_detentions SET number = @number WHERE id = @id";
    // The issuing inspector's uploads not taken by a detention order, locked until the detention is stored; then (a statement of
    // its own, so it sees what committed while this one waited for the lock) those a black-gas detention took already.
    private const string OwnUploadsSql =
        "SELECT id, sha256 FROM detention_photo_uploads WHERE staff_id = @staffId AND order_id IS NULL AND sha256 IN @photos ORDER BY id FOR UPDATE";
    private const string TakenUploadsSql = "SELECT upload_id FROM black_gas_detention_photos WHERE upload_id IN @ids";
    private const string PhotoSql =
        "INSERT INTO black_gas_detention_photos (detention_id, upload_id, sha256, position) VALUES (@id, @uploadId, @sha, @position)";
    private const string PhotosSql = "SELECT detention_id AS DetentionId, sha256 AS Sha FROM black_gas_detention_photos WHERE detention_id IN @ids ORDER BY position";
    // The newest alert of a restaurant that listed the code, with what it reported of the deliverer.
    private const string AlertSql =
        """
        SELECT a.id AS Id, a.district_code AS DistrictCode, a.worker_permit AS WorkerPermit, a.worker_name AS WorkerName, a.vehicle_plate AS VehiclePlate,
               a.supplier_name AS SupplierName, cu.business_name AS BusinessName, cu.business_address AS BusinessAddress
        FROM delivery_alert_codes c JOIN delivery_alerts a ON a.id = c.alert_id JOIN customers cu ON cu.id = a.customer_id
        WHERE c.cylinder_code = @code ORDER BY a.created_at DESC LIMIT 1
        """;
    private const string WorkerSql =
        """
        SELECT w.id AS Id, w.name AS Name, w.enterprise_id AS StationId, e.name AS Station FROM delivery_workers w JOIN enterprises e ON e.id = w.enterprise_id
        WHERE w.permit_number = @permit ORDER BY w.status = 'active' DESC, w.id DESC LIMIT 1
        """;
    private const string ViewSql =
        """
        SELECT d.id, d.number, d.cylinder_code AS CylinderCode, d.status, d.hazard, d.place, d.district_code AS DistrictCode, d.agency_id AS AgencyId, a.name AS Agency,
               COALESCE(w.name, d.worker_text) AS Worker, w.permit_number AS WorkerPermit, COALESCE(e.name, d.station_text) AS Station, d.vehicle_plate AS VehiclePlate,
               d.alert_id AS AlertId, d.issued_at AS IssuedAt, d.closed_at AS ClosedAt, d.disposal, d.disposal_note AS DisposalNote
        FROM black_gas_detentions d JOIN agencies a ON a.id = d.agency_id
        LEFT JOIN delivery_workers w ON w.id = d.worker_id LEFT JOIN enterprises e ON e.id = d.station_id
        """;

    private sealed class AlertRow
    {
        public long Id { get; init; }
        public string? DistrictCode { get; init; }
        public string? WorkerPermit { get; init; }
        public string? WorkerName { get; init; }
        public string? VehiclePlate { get; init; }
        public string? SupplierName { get; init; }
        public string? BusinessName { get; init; }
        public string? BusinessAddress { get; init; }
    }

    private sealed class ViewRow
    {
        public long Id { get; init; }
        public string Number { get; init; } = "";
        public string CylinderCode { get; init; } = "";
        public string Status { get; init; } = "";
        public string Hazard { get; init; } = "";
        public string Place { get; init; } = "";
        public string? DistrictCode { get; init; }
        public int AgencyId { get; init; }
        public string Agency { get; init; } = "";
        public string? Worker { get; init; }
        public string? WorkerPermit { get; init; }
        public string? Station { get; init; }
        public string? VehiclePlate { get; init; }
        public long? AlertId { get; init; }
        public DateTime IssuedAt { get; init; }
        public DateTime? ClosedAt { get; init; }
        public string? Disposal { get; init; }
        public string? DisposalNote { get; init; }
    }

    /// <summary>Issues the detention of an unregistered code (the caller checked that no cylinder has it).</summary>
    public async Task<DetentionResult> IssueAsync(int staffId, int agencyId, string code, NewDetention request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var hazard = request.Hazard?.Trim() ?? "";
        if (hazard.Length is < 4 or > 1000) errors["hazard"] = ["请写明隐患（4到1000字），例如“未登记的液化气瓶，无追溯标签对应记录”。"];
        var place = request.Place?.Trim();
        if (place is { Length: > 300 }) errors["place"] = ["查扣地点不超过300字。"];
        if (request.DistrictCode is { Length: > 0 } d && (d == Districts.City || !Districts.Codes.Contains(d))) errors["districtCode"] = ["区县代码不对（如鼓楼区 350102）。"];
        var photos = (request.Photos ?? []).Select(p => p?.ToLowerInvariant() ?? "").Distinct().ToList();
        if (photos.Count > DetentionOrders.MaxPhotos || photos.Any(p => p.Length != 64 || !p.All(char.IsAsciiHexDigit)))
            errors["photos"] = [$"最多{DetentionOrders.MaxPhotos}张照片，使用上传后返回的编号。"];
        var plate = Commercial.DeliveryAlerts.NormalisePlate(request.VehiclePlate);
        if (!string.IsNullOrWhiteSpace(request.VehiclePlate) && plate is null) errors["vehiclePlate"] = ["车牌号格式不对，例如“闽A12345”。"];
        var permit = request.WorkerPermitNumber?.Trim();
        if (permit is { Length: > 40 }) errors["workerPermitNumber"] = ["上岗证号不超过40个字符。"];
        var workerName = request.WorkerName?.Trim();
        if (workerName is { Length: > 50 }) errors["workerName"] = ["送气人姓名不超过50个字。"];
        var stationName = request.StationName?.Trim();
        if (stationName is { Length: > 200 }) errors["stationName"] = ["供气单位名称不超过200个字。"];
        if (errors.Count > 0) return new DetentionResult.Invalid(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        long id;
        string number;
        await using (var conn = await db.OpenAsync(ct))
        {
            var alert = await conn.QuerySingleOrDefaultAsync<AlertRow>(new CommandDefinition(AlertSql, new { code }, cancellationToken: ct));
            place = string.IsNullOrEmpty(place) ? alert is null ? null : $"{alert.BusinessName}（{alert.BusinessAddress}）" : place;
            if (string.IsNullOrEmpty(place))
                return new DetentionResult.Invalid(new Dictionary<string, string[]> { ["place"] = ["请写明查扣地点（如餐馆名称和地址、路段）。"] });
            // Who delivered it: the inspector's own findings first, then the restaurant's report on its alert.
            permit = Empty(permit) ?? alert?.WorkerPermit;
            workerName = Empty(workerName) ?? alert?.WorkerName;
            plate ??= alert?.VehiclePlate;
            stationName = Empty(stationName) ?? alert?.SupplierName;
            var worker = permit is null ? default : await conn.QuerySingleOrDefaultAsync<(int Id, string Name, int StationId, string Station)>(
                new CommandDefinition(WorkerSql, new { permit }, cancellationToken: ct));
            var agencyDistrict = await agencies.DistrictAsync(agencyId, ct);
            var district = Empty(request.DistrictCode) ?? alert?.DistrictCode ?? (agencyDistrict == Districts.City ? null : agencyDistrict);
            var workerText = worker.Id != 0 ? null : Join(workerName, permit is null ? null : "上岗证 " + permit);

            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            if (await conn.ExecuteScalarAsync<string?>(new CommandDefinition(OpenSql, new { code }, tx, cancellationToken: ct)) is { } open)
                return new DetentionResult.Conflict($"这个气瓶码已有未结案的查扣文书 {open}。");
            var uploads = new List<(long UploadId, string Sha)>();
            if (photos.Count > 0)
            {
                var own = (await conn.QueryAsync<(long Id, string Sha)>(new CommandDefinition(OwnUploadsSql, new { staffId, photos }, tx, cancellationToken: ct))).ToList();
                var taken = own.Count == 0 ? [] : (await conn.QueryAsync<long>(new CommandDefinition(TakenUploadsSql, new { ids = own.Select(u => u.Id).ToList() }, tx,
                    cancellationToken: ct))).ToHashSet();
                foreach (var sha in photos)
                {
                    var free = own.FirstOrDefault(u => u.Sha == sha && !taken.Contains(u.Id));
                    if (free.Id == 0)
                        return new DetentionResult.Invalid(new Dictionary<string, string[]> { ["photos"] = [DetentionOrders.PhotosNotOwn] });
                    uploads.Add((free.Id, sha));
                }
            }
            id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(InsertSql, new
            {
                code, agencyId, staffId, hazard, place = Cut(place, 300), district, workerId = worker.Id == 0 ? (int?)null : worker.Id, workerText,
                stationId = worker.Id == 0 ? (int?)null : worker.StationId, stationText = Cut(stationName, 200), plate, alertId = alert?.Id, now,
            }, tx, cancellationToken: ct));
            number = $"HQ{ShanghaiTime.FromUtc(now):yyyyMMdd}{id:D6}";
            await conn.ExecuteAsync(new CommandDefinition(NumberSql, new { number, id }, tx, cancellationToken: ct));
            for (var i = 0; i < uploads.Count; i++)
                await conn.ExecuteAsync(new CommandDefinition(PhotoSql, new { id, uploads[i].UploadId, sha = uploads[i].Sha, position = i }, tx, cancellationToken: ct));
            await UnregisteredScans.MarkDetainedAsync(conn, tx, code, number, now, ct);
            await tx.CommitAsync(ct);
            // The inspector had the code in hand: that is a scan too.
            await unregistered.RecordAsync(new UnregisteredScan(code, ScanChannel.Inspector, now, DistrictCode: district, Scanner: "staff:" + staffId,
                AgencyId: agencyId, SourceKey: "bg:" + number), ct);
        }
        await invalidation.RemoveAsync(CylinderCards.CacheKey(code), ct);
        return new DetentionResult.BlackGas((await GetAsync(number, ct))!);
    }

    /// <summary>The issuing agency's inspector closes a detention.</summary>
    public async Task<DetentionResult> DisposeAsync(int staffId, int agencyId, string number, string? disposal, string? note, CancellationToken ct)
    {
        if (DisposalLabel(disposal) is null)
            return new DetentionResult.Invalid(new Dictionary<string, string[]>
            {
                ["disposal"] = ["处置方式应为 confiscated（依法没收）、destroyed（销毁）或 returned_registered（补办登记后发还）。"],
            });
        note = note?.Trim();
        if (note is { Length: > 1000 }) return new DetentionResult.Invalid(new Dictionary<string, string[]> { ["note"] = ["说明不超过1000字。"] });
        var now = clock.GetUtcNow().UtcDateTime;
        string code;
        await using (var conn = await db.OpenAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
            var row = await conn.QuerySingleOrDefaultAsync<(long Id, int AgencyId, string Code, string Status)>(new CommandDefinition(
                "SELECT id, agency_id, cylinder_code, status FROM black_gas_detentions WHERE number = @number FOR UPDATE", new { number }, tx, cancellationToken: ct));
            if (row.Id == 0 || row.AgencyId != agencyId) return new DetentionResult.NotFound();
            if (row.Status != "open") return new DetentionResult.Conflict("这份查扣文书已结案。");
            code = row.Code;
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE black_gas_detentions SET status = 'closed', closed_at = @now, closed_by = @staffId, disposal = @disposal, disposal_note = @note WHERE id = @id",
                new { id = row.Id, now, staffId, disposal, note = Empty(note) }, tx, cancellationToken: ct));
            // Confiscated or destroyed, the code stays black gas on the card; returned to a registered owner, the card is the cylinder's own.
            if (disposal == "returned_registered") await UnregisteredScans.ReleaseAsync(conn, tx, code, number, now, ct);
            await tx.CommitAsync(ct);
        }
        await invalidation.RemoveAsync(CylinderCards.CacheKey(code), ct);
        return new DetentionResult.BlackGas((await GetAsync(number, ct))!);
    }

    public async Task<BlackGasDetention?> GetAsync(string number, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<ViewRow>(new CommandDefinition(ViewSql + " WHERE d.number = @number", new { number }, cancellationToken: ct));
        return row is null ? null : View(row, await PhotosAsync(conn, [row.Id], ct));
    }

    /// <summary>Detentions in a jurisdiction (null: all districts), or of one agency; open first, newest first.</summary>
    public async Task<IReadOnlyList<BlackGasDetention>> ListAsync(int? agencyId, IReadOnlyCollection<string>? districts, bool openOnly, CancellationToken ct,
        string? code = null)
    {
        var where = new List<string>();
        if (code is not null) where.Add("d.cylinder_code = @code");
        if (agencyId is not null) where.Add("d.agency_id = @agencyId");
        if (districts is not null) where.Add("d.district_code IN @districts");
        if (openOnly) where.Add("d.status = 'open'");
        await using var conn = await db.OpenAsync(ct);
        var rows = (await conn.QueryAsync<ViewRow>(new CommandDefinition(ViewSql + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
            " ORDER BY d.status = 'closed', d.issued_at DESC LIMIT 500", new { agencyId, districts, code }, cancellationToken: ct))).ToList();
        var photos = await PhotosAsync(conn, rows.Select(r => r.Id).ToList(), ct);
        return rows.Select(r => View(r, photos)).ToList();
    }

    private static async Task<ILookup<long, string>> PhotosAsync(MySqlConnector.MySqlConnection conn, List<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? Array.Empty<(long, string)>().ToLookup(p => p.Item1, p => p.Item2)
            : (await conn.QueryAsync<(long DetentionId, string Sha)>(new CommandDefinition(PhotosSql, new { ids }, cancellationToken: ct))).ToLookup(p => p.DetentionId, p => p.Sha);

    private static BlackGasDetention View(ViewRow r, ILookup<long, string> photos) => new(r.Number, r.CylinderCode, r.Status, StatusLabel(r.Status), r.Hazard, r.Place, r.DistrictCode,
        r.DistrictCode is null ? "未定区县" : Districts.Name(r.DistrictCode), r.AgencyId, r.Agency, r.Worker, r.WorkerPermit, r.Station, r.VehiclePlate, r.AlertId,
        ShanghaiTime.FromUtc(r.IssuedAt), r.ClosedAt is { } c ? ShanghaiTime.FromUtc(c) : null, r.Disposal, DisposalLabel(r.Disposal), r.DisposalNote,
        photos[r.Id].ToList());

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    private static string? Cut(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
    private static string? Join(params string?[] parts) => parts.All(p => p is null) ? null : Cut(string.Join(" ", parts.OfType<string>()), 100);
}
