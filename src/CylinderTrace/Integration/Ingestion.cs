using System.Data;
using System.Text.Json;
using CylinderTrace.Cylinders;
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
public sealed partial class Ingestion(Db db, IntegrationScope scopes, CacheInvalidation invalidation, PersonalData personal, FillChecks fillChecks, IOptions<IntegrationOptions> options,
    IEnumerable<IDeliveryListener> deliveryListeners, IEnumerable<IFillListener> fillListeners, FillRules fillRules, TimeProvider clock, ILogger<Ingestion> logger,
    InspectionBodies inspectionBodies, CylinderStatusRules rules)
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
                if (UnknownField<T>(records[i]) is { } unknown)
                {
                    problems.Add(new(i, unknown, $"这类记录没有字段“{unknown}”，请检查拼写；可用的字段有：{string.Join("、", FieldsOf<T>())}。"));
                    continue;
                }
                parsed.Add((i, (T)records[i].Deserialize(typeof(T), IngestionJson.Default)!));
            }
            catch (JsonException ex)
            {
                problems.Add(new(i, ex.Path?.TrimStart('$', '.') ?? "", "类型或格式不对（日期时间用 ISO 8601，如 2026-11-28T09:30:00+08:00；日期如 2026-11-28）。"));
            }
        }
        return parsed;
    }

    /// <summary>The record's fields as the API names them (camelCase).</summary>
    private static IEnumerable<string> FieldsOf<T>() => IngestionJson.Default.GetTypeInfo(typeof(T))!.Properties.Select(p => p.Name);

    /// <summary>The first property of a record that its kind does not have (names compared without case, as they are read), or null.</summary>
    private static string? UnknownField<T>(JsonElement record)
    {
        foreach (var property in record.EnumerateObject())
            if (!FieldsOf<T>().Contains(property.Name, StringComparer.OrdinalIgnoreCase)) return property.Name;
        return null;
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
        Func<MySqlConnection, MySqlTransaction, List<(Candidate<T> C, CylinderRef Cylinder)>, Task> insert, CancellationToken ct,
        Func<MySqlConnection, MySqlTransaction, List<Candidate<T>>, Task>? keepUnregistered = null)
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
                var known = await CylinderEvents.KnownEventIdsAsync(conn, tx, caller.EventIdOwner, kind, unique.Select(c => c.EventId).ToList(), ct);
                var fresh = unique.Where(c => !known.Contains(c.EventId)).ToList();
                var cylinders = await CylinderEvents.FindAsync(conn, tx, fresh.Select(c => c.Code).Distinct().ToList(), ct);
                var located = new List<(Candidate<T>, CylinderRef)>();
                var unregistered = new List<Candidate<T>>();
                foreach (var c in fresh)
                {
                    if (cylinders.TryGetValue(c.Code, out var cylinder)) located.Add((c, cylinder));
                    else if (keepUnregistered is not null) unregistered.Add(c);
                    else attemptProblems.Add(new(c.Index, "cylinderCode", caller.InspectionBodyId is null
                        ? $"气瓶码 {c.Code} 未登记：请先登记气瓶（/api/integration/v1/cylinders），再上报它的{KindLabel(kind)}记录。"
                        : $"气瓶码 {c.Code} 未登记：请气瓶的产权单位先登记气瓶，再上报检验记录；如气瓶无产权单位，请报告市场监督管理部门。"));
                }
                var ready = await resolve(conn, tx, located, attemptProblems);
                var now = clock.GetUtcNow().UtcDateTime;
                if (ready.Count > 0 || unregistered.Count > 0)
                {
                    // Events of unregistered codes (fills only: kept as orphans) are remembered by id like any other, so a repeat is a duplicate.
                    await CylinderEvents.RecordIngestedAsync(conn, tx, caller.EventIdOwner, kind,
                        ready.Select(r => new IngestedEvent(r.Cylinder.Id, r.C.At, r.C.EventId, r.C.CheckId))
                            .Concat(unregistered.Select(u => new IngestedEvent(CylinderEvents.NoCylinder, u.At, u.EventId, u.CheckId))).ToList(), now, ct);
                    if (unregistered.Count > 0) await keepUnregistered!(conn, tx, unregistered);
                    await insert(conn, tx, ready);
                }
                if (await FinishAsync(caller, tx, ct)) await InvalidateAsync(ready.Select(r => r.Cylinder.Code).Distinct());
                problems.AddRange(attemptProblems);
                return new BatchResult(received, ready.Count + unregistered.Count, inBatchDuplicates + known.Count, problems.OrderBy(p => p.Index).ToList());
            }
            catch (MySqlException ex) when ((ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry || ex.IsTransient) && attempt < 3)
            {
                // Another call stored some of these events meanwhile (or a deadlock): do it again, it will count them as duplicates.
                logger.LogInformation("Batch of {Kind} from enterprise {Enterprise} retried: {Error}", kind, caller.EnterpriseId, ex.Message);
            }
        }
    }

    /// <summary>Commits the batch; a sandbox key's batch is rolled back instead (checked and answered, never stored). True when committed.</summary>
    private static async Task<bool> FinishAsync(IntegrationCaller caller, MySqlTransaction tx, CancellationToken ct)
    {
        if (caller.Sandbox)
        {
            await tx.RollbackAsync(ct);
            return false;
        }
        await tx.CommitAsync(ct);
        return true;
    }

    private Task InvalidateAsync(IEnumerable<string> codes) => invalidation.RemoveManyAsync(codes.Select(CylinderCards.CacheKey).ToList());

    private static string KindLabel(string kind) => kind switch { "fill" => "充装", "delivery" => "配送", "return" => "回收空瓶", _ => "检验" };

}
