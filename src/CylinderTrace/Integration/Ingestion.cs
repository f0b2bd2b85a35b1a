using System.Data;
using System.Text.Json;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Caching;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Privacy;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CylinderTrace.Integration;

/// <summary>
/// Batches from enterprises' systems into the registry and the trace (issue 7). Each record is parsed
/// and checked on its own: a bad record is rejected with its index, field and reason, the good ones
/// are stored. A record about another enterprise's data refuses the whole batch (403, naming it),
/// storing nothing. Events are idempotent by the enterprise's own event id (ingested_events), so a
/// repeated batch stores nothing twice; a concurrent duplicate loses on the primary key and the batch
/// is retried. All of a batch is one transaction; the changed cylinders' cards are invalidated on every
/// instance after it commits.
/// </summary>
public sealed class Ingestion(Db db, IntegrationScope scopes, CacheInvalidation invalidation, PersonalData personal, FillChecks fillChecks, IOptions<IntegrationOptions> options,
    IEnumerable<IDeliveryListener> deliveryListeners, TimeProvider clock, ILogger<Ingestion> logger)
{
    /// <summary>The batch is not one this API can read (not JSON, no records array, too many records).</summary>
    public sealed class BadBatchException(string message) : Exception(message);

    private List<(int Index, T Record)> Parse<T>(ReadOnlyMemory<byte> body, List<RecordProblem> problems, out int received) where T : class
    {
        // The usual batch is well-formed: read it straight into typed records, once. Only when that
        // fails is it read again record by record, to name each bad record.
        if (TryParseTyped<T>(body) is { } typed)
        {
            if (typed.Count > options.Value.MaxBatchRecords) throw new BadBatchException($"一批最多 {options.Value.MaxBatchRecords} 条记录，这批有 {typed.Count} 条；请分批提交。");
            received = typed.Count;
            var all = new List<(int, T)>(typed.Count);
            for (var i = 0; i < typed.Count; i++)
                if (typed[i] is { } record) all.Add((i, record));
                else problems.Add(new(i, "", "每条记录须为一个JSON对象。"));
            return all;
        }
        Batch? batch;
        try { batch = JsonSerializer.Deserialize(body.Span, IngestionJson.Default.Batch); }
        catch (JsonException ex) { throw new BadBatchException($"请求体不是正确的JSON（{ex.Message}）。格式：{{\"records\": [ … ]}}"); }
        if (batch?.Records is not { } records) throw new BadBatchException("请求体须为 {\"records\": [ … ]}。");
        if (records.Count > options.Value.MaxBatchRecords) throw new BadBatchException($"一批最多 {options.Value.MaxBatchRecords} 条记录，这批有 {records.Count} 条；请分批提交。");
        received = records.Count;
        var parsed = new List<(int, T)>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            try
            {
                if (records[i].ValueKind != JsonValueKind.Object) { problems.Add(new(i, "", "每条记录须为一个JSON对象。")); continue; }
                parsed.Add((i, (T)records[i].Deserialize(typeof(T), IngestionJson.Default)!));
            }
            catch (JsonException ex)
            {
                problems.Add(new(i, ex.Path?.TrimStart('$', '.') ?? "", "类型或格式不对（日期时间用 ISO 8601，如 2026-11-28T09:30:00+08:00；日期如 2026-11-28）。"));
            }
        }
        return parsed;
    }

    /// <summary>{"records": [ … ]} as a list of T, or null if anything in it does not fit.</summary>
    private static List<T?>? TryParseTyped<T>(ReadOnlyMemory<byte> body) where T : class
    {
        try
        {
            var reader = new Utf8JsonReader(body.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            List<T?>? records = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRecords = reader.ValueTextEquals("records"u8);
                reader.Read();
                if (isRecords && reader.TokenType == JsonTokenType.StartArray)
                    records = (List<T?>?)JsonSerializer.Deserialize(ref reader, IngestionJson.Default.GetTypeInfo(typeof(List<T?>))!);
                else reader.Skip();
            }
            return records;
        }
        catch (JsonException) { return null; }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>UTC, cut to whole milliseconds: what DATETIME(3) keeps (MariaDB cuts, MySQL rounds), so the stored time and later comparisons agree.</summary>
    private static DateTime Ms(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
    }

    private static bool Text(string? value, int max) => !string.IsNullOrWhiteSpace(value) && value.Trim().Length <= max;

    private bool CheckEvent(int i, string? eventId, string? code, DateTimeOffset? at, List<RecordProblem> problems, out string normalised)
    {
        normalised = "";
        if (!Text(eventId, 64)) { problems.Add(new(i, "eventId", "缺少事件编号（本企业系统中的唯一编号，最长64字符），用于防止重复入库。")); return false; }
        if (!CylinderCode.TryNormalise(code ?? "", out var c) || c is null) { problems.Add(new(i, "cylinderCode", "气瓶码格式不对。" + CylinderCode.Rule)); return false; }
        normalised = c;
        if (at is null) { problems.Add(new(i, "time", "缺少事件时间。")); return false; }
        var now = clock.GetUtcNow();
        if (at > now.AddMinutes(10)) { problems.Add(new(i, "time", "事件时间晚于当前时间；请校准系统时钟。")); return false; }
        if (at < now.AddYears(-2)) { problems.Add(new(i, "time", "事件时间早于两年前，不再补录。")); return false; }
        return true;
    }

    private sealed record Candidate<T>(int Index, string EventId, string Code, DateTime At, string? CheckId, T Extra);

    /// <summary>The common path of every event kind: cylinders by code, duplicates, then the kind's own resolution and insert, in one transaction.</summary>
    private async Task<BatchResult> StoreEventsAsync<T>(IntegrationCaller caller, string kind, int received, List<Candidate<T>> candidates, List<RecordProblem> problems,
        Func<MySqlConnection, MySqlTransaction, List<(Candidate<T> C, CylinderRef Cylinder)>, List<RecordProblem>, Task<List<(Candidate<T> C, CylinderRef Cylinder)>>> resolve,
        Func<MySqlConnection, MySqlTransaction, List<(Candidate<T> C, CylinderRef Cylinder)>, Task> insert, CancellationToken ct)
    {
        // The same event id twice in one batch: the first counts, the others are duplicates.
        var unique = candidates.GroupBy(c => c.EventId, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var inBatchDuplicates = candidates.Count - unique.Count;
        for (var attempt = 1; ; attempt++)
        {
            var attemptProblems = new List<RecordProblem>();
            try
            {
                await using var conn = await db.OpenAsync(ct);
                await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
                var known = await CylinderEvents.KnownEventIdsAsync(conn, tx, caller.EnterpriseId, kind, unique.Select(c => c.EventId).ToList(), ct);
                var fresh = unique.Where(c => !known.Contains(c.EventId)).ToList();
                var cylinders = await CylinderEvents.FindAsync(conn, tx, fresh.Select(c => c.Code).Distinct().ToList(), ct);
                var located = new List<(Candidate<T>, CylinderRef)>();
                foreach (var c in fresh)
                {
                    if (cylinders.TryGetValue(c.Code, out var cylinder)) located.Add((c, cylinder));
                    else attemptProblems.Add(new(c.Index, "cylinderCode", $"气瓶码 {c.Code} 未登记：请先登记气瓶（/api/integration/v1/cylinders），再上报它的{KindLabel(kind)}记录。"));
                }
                var ready = await resolve(conn, tx, located, attemptProblems);
                var now = clock.GetUtcNow().UtcDateTime;
                if (ready.Count > 0)
                {
                    await CylinderEvents.RecordIngestedAsync(conn, tx, caller.EnterpriseId, kind,
                        ready.Select(r => new IngestedEvent(r.Cylinder.Id, r.C.At, r.C.EventId, r.C.CheckId)).ToList(), now, ct);
                    await insert(conn, tx, ready);
                }
                await tx.CommitAsync(ct);
                await InvalidateAsync(ready.Select(r => r.Cylinder.Code).Distinct());
                problems.AddRange(attemptProblems);
                return new BatchResult(received, ready.Count, inBatchDuplicates + known.Count, problems.OrderBy(p => p.Index).ToList());
            }
            catch (MySqlException ex) when ((ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry || ex.IsTransient) && attempt < 3)
            {
                // Another call stored some of these events meanwhile (or a deadlock): do it again, it will count them as duplicates.
                logger.LogInformation("Batch of {Kind} from enterprise {Enterprise} retried: {Error}", kind, caller.EnterpriseId, ex.Message);
            }
        }
    }

    private Task InvalidateAsync(IEnumerable<string> codes) => invalidation.RemoveManyAsync(codes.Select(CylinderCards.CacheKey).ToList());

    private static string KindLabel(string kind) => kind switch { "fill" => "充装", "delivery" => "配送", "return" => "回收空瓶", _ => "检验" };

    public async Task<BatchResult> FillsAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<FillRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var candidates = new List<Candidate<(int Station, decimal? NetWeightKg)>>();
        var notYours = new List<RecordProblem>();
        foreach (var (i, r) in parsed)
        {
            if (!CheckEvent(i, r.EventId, r.CylinderCode, r.FilledAt, problems, out var code)) continue;
            var station = tenant.Station(r.Station);
            if (station is null) { notYours.Add(new(i, "station", $"充装站“{r.Station}”不是本企业的：只能上报本企业的充装记录。")); continue; }
            if (station.Kind != "filling") { problems.Add(new(i, "station", $"“{station.Licence}”不是充装单位（供应站不充装）；请填写充装站的许可证号。")); continue; }
            if (r.NetWeightKg is < 0 or > 1000) { problems.Add(new(i, "netWeightKg", "净重应在0到1000千克之间。")); continue; }
            if (r.CheckId is { Length: > 0 } checkId)
            {
                // A fill may name the check it passed: it must be genuine and about this cylinder, station and time.
                var check = fillChecks.Read(checkId);
                if (check is not { } c || c.Code != code || c.StationId != station.Id || c.At > r.FilledAt!.Value.AddMinutes(5) || c.At < r.FilledAt.Value.AddDays(-1))
                { problems.Add(new(i, "checkId", "充装检查编号无效，或不是这个气瓶、这个充装站在充装前24小时内的检查。")); continue; }
            }
            candidates.Add(new(i, r.EventId!.Trim(), code, Ms(r.FilledAt!.Value), r.CheckId, (station.Id, r.NetWeightKg)));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        return await StoreEventsAsync(caller, "fill", received, candidates, problems,
            (_, _, located, _) => Task.FromResult(located),
            (conn, tx, ready) => CylinderEvents.InsertFillsAsync(conn, tx,
                ready.Select(r => new NewFill(r.C.At, r.Cylinder.Id, r.C.Extra.Station, r.Cylinder.OwnerId, r.C.Extra.NetWeightKg, r.C.EventId)).ToList(), ct), ct);
    }

    public async Task<BatchResult> DeliveriesAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<DeliveryRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var candidates = new List<Candidate<DeliveryRecord>>();
        var stations = new Dictionary<int, int>();
        var notYours = new List<RecordProblem>();
        foreach (var (i, r) in parsed)
        {
            if (!CheckEvent(i, r.EventId, r.CylinderCode, r.DeliveredAt, problems, out var code)) continue;
            var station = tenant.Station(r.Station);
            if (station is null) { notYours.Add(new(i, "station", $"供应站“{r.Station}”不是本企业的：只能上报本企业的配送记录。")); continue; }
            if (station.Kind != "supply") { problems.Add(new(i, "station", "配送记录须注明供应站（许可证号）。")); continue; }
            if (!Text(r.CustomerId, 64)) { problems.Add(new(i, "customerId", "缺少客户编号（本站系统中的客户编号，须先上报客户）。")); continue; }
            stations[i] = station.Id;
            candidates.Add(new(i, r.EventId!.Trim(), code, Ms(r.DeliveredAt!.Value), null, r));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        var resolved = new Dictionary<int, (int Station, int? Worker, long Customer, string? RestaurantDistrict)>();
        // What each listener made of the committed attempt's deliveries (a retried attempt starts afresh), for after the commit.
        var listeners = deliveryListeners.ToList();
        var heard = new object?[listeners.Count];
        var result = await StoreEventsAsync(caller, "delivery", received, candidates, problems,
            async (conn, tx, located, rejected) =>
            {
                var ok = new List<(Candidate<DeliveryRecord>, CylinderRef)>();
                foreach (var group in located.GroupBy(l => stations[l.C.Index]))
                {
                    var workers = await EnterpriseRegistry.WorkerIdsAsync(conn, tx, group.Key,
                        group.Select(g => g.C.Extra.WorkerEmployeeNumber?.Trim()).OfType<string>().Where(w => w.Length > 0).Distinct().ToList(), ct);
                    var customers = await EnterpriseRegistry.CustomersAsync(conn, tx, group.Key, group.Select(g => g.C.Extra.CustomerId!.Trim()).Distinct().ToList(), ct);
                    foreach (var l in group)
                    {
                        var w = l.C.Extra.WorkerEmployeeNumber?.Trim();
                        int? workerId = null;
                        if (!string.IsNullOrEmpty(w))
                        {
                            if (!workers.TryGetValue(w, out var id)) { rejected.Add(new(l.C.Index, "workerEmployeeNumber", $"本站没有工号为 {w} 的送气工；请先上报送气工。")); continue; }
                            workerId = id;
                        }
                        if (!customers.TryGetValue(l.C.Extra.CustomerId!.Trim(), out var customer))
                        { rejected.Add(new(l.C.Index, "customerId", $"本站没有编号为 {l.C.Extra.CustomerId} 的客户；请先上报客户。")); continue; }
                        resolved[l.C.Index] = (group.Key, workerId, customer.Id, customer.Kind == "commercial" ? customer.DistrictCode : null);
                        ok.Add(l);
                    }
                }
                return ok;
            },
            async (conn, tx, ready) =>
            {
                var rows = ready.Select(r =>
                {
                    var (station, worker, customer, _) = resolved[r.C.Index];
                    return new NewDelivery(r.C.At, r.Cylinder.Id, station, worker, customer, r.C.EventId);
                }).ToList();
                await CylinderEvents.InsertDeliveriesAsync(conn, tx, rows, ct);
                var stored = rows.Select((d, i) => new StoredDelivery(d, resolved[ready[i].C.Index].RestaurantDistrict)).ToList();
                for (var i = 0; i < listeners.Count; i++) heard[i] = await listeners[i].OnStoredAsync(conn, tx, stored, ct);
            }, ct);
        for (var i = 0; i < listeners.Count; i++) await listeners[i].AfterCommitAsync(heard[i], ct);
        return result;
    }

    public async Task<BatchResult> ReturnsAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<ReturnRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var candidates = new List<Candidate<(int Station, string? Customer)>>();
        var notYours = new List<RecordProblem>();
        foreach (var (i, r) in parsed)
        {
            if (!CheckEvent(i, r.EventId, r.CylinderCode, r.ReturnedAt, problems, out var code)) continue;
            var station = tenant.Station(r.Station);
            if (station is null) { notYours.Add(new(i, "station", $"“{r.Station}”不是本企业的站点。")); continue; }
            candidates.Add(new(i, r.EventId!.Trim(), code, Ms(r.ReturnedAt!.Value), null, (station.Id, string.IsNullOrWhiteSpace(r.CustomerId) ? null : r.CustomerId.Trim())));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        var customerIds = new Dictionary<int, long?>();
        return await StoreEventsAsync(caller, "return", received, candidates, problems,
            async (conn, tx, located, rejected) =>
            {
                var ok = new List<(Candidate<(int Station, string? Customer)>, CylinderRef)>();
                foreach (var group in located.GroupBy(l => l.C.Extra.Station))
                {
                    var customers = await EnterpriseRegistry.CustomerIdsAsync(conn, tx, group.Key, group.Select(g => g.C.Extra.Customer).OfType<string>().Distinct().ToList(), ct);
                    foreach (var l in group)
                    {
                        if (l.C.Extra.Customer is { } external)
                        {
                            if (!customers.TryGetValue(external, out var id)) { rejected.Add(new(l.C.Index, "customerId", $"本站没有编号为 {external} 的客户。")); continue; }
                            customerIds[l.C.Index] = id;
                        }
                        else customerIds[l.C.Index] = null;
                        ok.Add(l);
                    }
                }
                return ok;
            },
            (conn, tx, ready) => CylinderEvents.InsertReturnsAsync(conn, tx,
                ready.Select(r => new NewReturn(r.C.At, r.Cylinder.Id, r.C.Extra.Station, customerIds[r.C.Index], r.C.EventId)).ToList(), ct), ct);
    }

    public async Task<BatchResult> InspectionsAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<InspectionRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        if (!tenant.OwnsRegistry) throw new NotYoursException([new(0, "", "检验记录由气瓶的产权单位（充装企业）上报；供应站的密钥不能上报。")]);
        var candidates = new List<Candidate<InspectionRecord>>();
        foreach (var (i, r) in parsed)
        {
            var at = r.InspectedOn is { } on ? new DateTimeOffset(on.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)) : (DateTimeOffset?)null;
            if (!CheckEvent(i, r.EventId, r.CylinderCode, at, problems, out var code)) continue;
            if (!Text(r.InspectionBody, 200)) { problems.Add(new(i, "inspectionBody", "缺少检验机构名称（不超过200字）。")); continue; }
            if (r.Result is not ("pass" or "fail")) { problems.Add(new(i, "result", "检验结论应为 pass（合格）或 fail（不合格）。")); continue; }
            if (r.NextInspectionDate is { } next && next <= r.InspectedOn) { problems.Add(new(i, "nextInspectionDate", "下次检验日期须晚于本次检验日期。")); continue; }
            candidates.Add(new(i, r.EventId!.Trim(), code, r.InspectedOn!.Value.ToDateTime(TimeOnly.MinValue), null, r));
        }
        return await StoreEventsAsync(caller, "inspection", received, candidates, problems,
            (_, _, located, _) =>
            {
                var foreign = located.Where(l => l.Cylinder.OwnerId != tenant.RootId)
                    .Select(l => new RecordProblem(l.C.Index, "cylinderCode", $"气瓶 {l.Cylinder.Code} 不是本企业的产权气瓶。")).ToList();
                if (foreign.Count > 0) throw new NotYoursException(foreign);
                return Task.FromResult(located);
            },
            (conn, tx, ready) => CylinderEvents.InsertInspectionsAsync(conn, tx, ready.Select(r => new NewInspection(r.C.Extra.InspectedOn!.Value, r.Cylinder.Id,
                r.C.Extra.InspectionBody!.Trim(), r.C.Extra.Result!, r.C.Extra.NextInspectionDate, r.C.Extra.ReportNumber?.Trim(), r.C.EventId)).ToList(), ct), ct);
    }

    public async Task<BatchResult> CylindersAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<CylinderRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        if (!tenant.OwnsRegistry) throw new NotYoursException([new(0, "", "气瓶档案由产权单位（充装企业）登记；供应站的密钥不能登记气瓶。")]);
        var rows = new List<(int Index, CylinderUpsert Row)>();
        var notYours = new List<RecordProblem>();
        foreach (var (i, r) in parsed)
        {
            if (!CylinderCode.TryNormalise(r.Code ?? "", out var code) || code is null) { problems.Add(new(i, "code", "气瓶码格式不对。" + CylinderCode.Rule)); continue; }
            if (!Text(r.Serial, 64)) { problems.Add(new(i, "serial", "缺少钢印编号（不超过64字符）。")); continue; }
            if (!Text(r.Spec, 16)) { problems.Add(new(i, "spec", "缺少规格（如 YSP-15）。")); continue; }
            if (r.ManufactureDate is not { } made || made > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)) { problems.Add(new(i, "manufactureDate", "缺少或不正确的制造日期。")); continue; }
            if (r.Status is not (null or "in_service" or "scrapped")) { problems.Add(new(i, "status", "状态应为 in_service 或 scrapped。")); continue; }
            if (r.ScrapDate is { } scrap && scrap <= made) { problems.Add(new(i, "scrapDate", "报废日期须晚于制造日期。")); continue; }
            int? stationId = null;
            if (!string.IsNullOrWhiteSpace(r.SupplyStation))
            {
                var station = tenant.Station(r.SupplyStation);
                if (station is null) { notYours.Add(new(i, "supplyStation", $"供应站“{r.SupplyStation}”不是本企业的。")); continue; }
                stationId = station.Id;
            }
            rows.Add((i, new CylinderUpsert(code, r.Serial!.Trim(), r.Spec!.Trim(), r.Manufacturer?.Trim() ?? "", made, tenant.RootId, stationId,
                r.LastInspectionDate, r.NextInspectionDate, r.ScrapDate, r.Status ?? "in_service")));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        // The same code twice in a batch: the last one wins, as a later update would.
        var unique = rows.GroupBy(r => r.Row.Code).Select(g => g.Last()).ToList();
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var existing = await CylinderEvents.FindAsync(conn, tx, unique.Select(u => u.Row.Code).ToList(), ct);
        var foreign = unique.Where(u => existing.TryGetValue(u.Row.Code, out var c) && c.OwnerId != tenant.RootId)
            .Select(u => new RecordProblem(u.Index, "code", $"气瓶 {u.Row.Code} 已登记在其他企业名下：产权变更须经主管部门办理。")).ToList();
        if (foreign.Count > 0) throw new NotYoursException(foreign);
        await CylinderEvents.UpsertCylindersAsync(conn, tx, unique.Select(u => u.Row).ToList(), ct);
        await tx.CommitAsync(ct);
        await InvalidateAsync(unique.Select(u => u.Row.Code));
        return new BatchResult(received, unique.Count, rows.Count - unique.Count, problems.OrderBy(p => p.Index).ToList());
    }

    public async Task<BatchResult> WorkersAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<WorkerRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var rows = new List<WorkerUpsert>();
        var notYours = new List<RecordProblem>();
        foreach (var (i, r) in parsed)
        {
            var station = tenant.Station(r.Station);
            if (station is null) { notYours.Add(new(i, "station", $"供应站“{r.Station}”不是本企业的。")); continue; }
            if (station.Kind != "supply") { problems.Add(new(i, "station", "送气工属于供应站：请填写供应站的许可证号。")); continue; }
            if (!Text(r.EmployeeNumber, 32)) { problems.Add(new(i, "employeeNumber", "缺少工号（不超过32字符）。")); continue; }
            if (!Text(r.Name, 50)) { problems.Add(new(i, "name", "缺少姓名（不超过50字）。")); continue; }
            if (r.PermitNumber?.Length > 64) { problems.Add(new(i, "permitNumber", "上岗证号过长。")); continue; }
            if (r.Status is not (null or "active" or "left")) { problems.Add(new(i, "status", "状态应为 active（在岗）或 left（离职）。")); continue; }
            rows.Add(new WorkerUpsert(station.Id, r.Name!.Trim(), r.EmployeeNumber!.Trim(), r.PermitNumber?.Trim() ?? "", r.PermitValidUntil,
                personal.Encrypt(string.IsNullOrWhiteSpace(r.Phone) ? null : r.Phone.Trim()), r.Status ?? "active"));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        var unique = rows.GroupBy(r => (r.StationId, r.EmployeeNumber)).Select(g => g.Last()).ToList();
        var ids = new List<int>();
        await using (var conn = await db.OpenAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct))
        {
            await EnterpriseRegistry.UpsertWorkersAsync(conn, tx, unique, ct);
            foreach (var group in unique.GroupBy(u => u.StationId))
                ids.AddRange((await EnterpriseRegistry.WorkerIdsAsync(conn, tx, group.Key, group.Select(g => g.EmployeeNumber).ToList(), ct)).Values);
            await tx.CommitAsync(ct);
        }
        // Cards show the last delivery's worker: drop the cached workers.
        await invalidation.RemoveManyAsync(ids.Select(EnterpriseDirectory.WorkerKey).ToList());
        return new BatchResult(received, unique.Count, rows.Count - unique.Count, problems.OrderBy(p => p.Index).ToList());
    }

    public async Task<BatchResult> CustomersAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<CustomerRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var rows = new List<CustomerUpsert>();
        var notYours = new List<RecordProblem>();
        foreach (var (i, r) in parsed)
        {
            var station = tenant.Station(r.Station);
            if (station is null) { notYours.Add(new(i, "station", $"供应站“{r.Station}”不是本企业的。")); continue; }
            if (station.Kind != "supply") { problems.Add(new(i, "station", "客户属于供应站：请填写供应站的许可证号。")); continue; }
            if (!Text(r.CustomerId, 64)) { problems.Add(new(i, "customerId", "缺少客户编号（本站系统中的编号，不超过64字符）。")); continue; }
            if (r.Kind is not ("household" or "commercial")) { problems.Add(new(i, "kind", "客户类型应为 household（居民）或 commercial（商业用户）。")); continue; }
            if (r.DistrictCode is null || !Platform.ReferenceData.Districts.Codes.Contains(r.DistrictCode)) { problems.Add(new(i, "districtCode", "区县代码不是福州市的区县。")); continue; }
            if (r.Kind == "commercial" && !Text(r.BusinessName, 200)) { problems.Add(new(i, "businessName", "商业用户须填写单位名称（不超过200字）。")); continue; }
            if (r.Kind == "household" && !Text(r.Name, 50)) { problems.Add(new(i, "name", "居民用户须实名登记姓名（不超过50字）。")); continue; }
            string? phone = string.IsNullOrWhiteSpace(r.Phone) ? null : r.Phone.Trim(), idNumber = string.IsNullOrWhiteSpace(r.IdNumber) ? null : r.IdNumber.Trim().ToUpperInvariant();
            rows.Add(new CustomerUpsert(station.Id, r.CustomerId!.Trim(), r.Kind, r.DistrictCode, r.BusinessName?.Trim(), r.BusinessAddress?.Trim(),
                personal.Encrypt(r.Name?.Trim()), personal.Encrypt(phone), personal.Hash(phone), personal.Encrypt(idNumber), personal.Hash(idNumber), personal.Encrypt(r.Address?.Trim())));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        var unique = rows.GroupBy(r => (r.StationId, r.ExternalId)).Select(g => g.Last()).ToList();
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await EnterpriseRegistry.UpsertCustomersAsync(conn, tx, unique, ct);
        await tx.CommitAsync(ct);
        return new BatchResult(received, unique.Count, rows.Count - unique.Count, problems.OrderBy(p => p.Index).ToList());
    }
}

/// <summary>Source-generated JSON for the batch records (no reflection per record).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Batch))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FillRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DeliveryRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReturnRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(InspectionRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(CylinderRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(WorkerRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(CustomerRecord))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FillCheckRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(FillCheckResult))]
[System.Text.Json.Serialization.JsonSerializable(typeof(BatchResult))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<FillRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<DeliveryRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<ReturnRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<InspectionRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<CylinderRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<WorkerRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<CustomerRecord>))]
internal sealed partial class IngestionJson : System.Text.Json.Serialization.JsonSerializerContext;
