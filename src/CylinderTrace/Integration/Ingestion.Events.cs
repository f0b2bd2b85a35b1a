using System.Data;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform.Time;

namespace CylinderTrace.Integration;

/// <summary>Trace events: fills (judged by the fill check), deliveries (restaurants react through IDeliveryListener), returns and inspections.</summary>
public sealed partial class Ingestion
{
    /// <summary>What the fill's own record says about the interlock: its station (and its licence) and its check id.</summary>
    private sealed record FillFacts(ScopedEnterprise Station, decimal? NetWeightKg, IReadOnlyList<FillRule> Broken);

    /// <summary>
    /// Fills, each judged by the interlock's rules as of its fill day (FillRules, the fill check's rules) and stored whatever
    /// it broke: history must be true. A fill of an unregistered code is kept as an orphan. A fill without a check id broke
    /// no_check; one whose check id is not genuine, not for this cylinder and station within the day before the fill, or
    /// said no, broke check_contradicted. Every fill that broke a rule is named in the answer's violations and reaches the
    /// fill listeners (Supervision makes each a case for the district's market supervision bureau) in the same transaction.
    /// </summary>
    public async Task<BatchResult> FillsAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<FillRecord>(caller.Body, problems, out var received);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var candidates = new List<Candidate<FillFacts>>();
        var notYours = new List<RecordProblem>();
        foreach (var (i, r) in parsed)
        {
            if (!CheckEvent(i, r.EventId, r.CylinderCode, r.FilledAt, problems, out var code)) continue;
            var station = tenant.Station(r.Station);
            if (station is null) { notYours.Add(new(i, "station", $"充装站“{r.Station}”不是本企业的：只能上报本企业的充装记录。")); continue; }
            if (station.Kind != "filling") { problems.Add(new(i, "station", $"“{station.Licence}”不是充装单位（供应站不充装）；请填写充装站的许可证号。")); continue; }
            if (r.NetWeightKg is < 0 or > 1000) { problems.Add(new(i, "netWeightKg", "净重应在0到1000千克之间。")); continue; }
            var filledAt = r.FilledAt!.Value;
            var broken = new List<FillRule>(2);
            if (!station.LicensedToFill(DateOnly.FromDateTime(ShanghaiTime.ToLocal(filledAt).DateTime), options.Value.MissingFillingLicenceAllowedUntil))
                broken.Add(FillRules.UnlicensedFiller);
            if (r.CheckId is not { Length: > 0 } checkId) broken.Add(FillRules.NoCheck);
            else
            {
                // The check a fill names must be genuine, about this cylinder and station, within the day before the fill, and have said yes.
                var check = fillChecks.Read(checkId);
                if (check is not { } c || c.Code != code || c.StationId != station.Id || c.At > filledAt.AddMinutes(5) || c.At < filledAt.AddDays(-1) || !c.Allowed)
                    broken.Add(FillRules.CheckContradicted);
            }
            candidates.Add(new(i, r.EventId!.Trim(), code, Ms(filledAt), r.CheckId is { Length: > 100 } ? r.CheckId[..100] : r.CheckId, new(station, r.NetWeightKg, broken)));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        var listeners = fillListeners.ToList();
        var heard = new object?[listeners.Count];
        List<JudgedFill> judged = [];
        List<Candidate<FillFacts>> orphans = [];
        var result = await StoreEventsAsync(caller, "fill", received, candidates, problems,
            (_, _, located, _) =>
            {
                // Every attempt starts afresh: a retried one may find some of these stored by another call meanwhile.
                judged = [];
                orphans = [];
                Array.Clear(heard);
                return Task.FromResult(located);
            },
            async (conn, tx, ready) =>
            {
                if (ready.Count > 0)
                    await CylinderEvents.InsertFillsAsync(conn, tx,
                        ready.Select(r => new NewFill(r.C.At, r.Cylinder.Id, r.C.Extra.Station.Id, r.Cylinder.OwnerId, r.C.Extra.NetWeightKg, r.C.EventId)).ToList(), ct);
                judged = new List<JudgedFill>(ready.Count + orphans.Count);
                foreach (var (c, cylinder) in ready)
                {
                    var rules = new List<FillRule>();
                    fillRules.Judge(cylinder.Dates, cylinder.OwnerId, tenant.RootId, DateOnly.FromDateTime(ShanghaiTime.FromUtc(c.At).DateTime), rules);
                    rules.AddRange(c.Extra.Broken);
                    judged.Add(new(c.Index, caller.EnterpriseId, c.Extra.Station.Id, c.Extra.Station.DistrictCode, c.EventId, cylinder.Id, cylinder.Code, cylinder.OwnerId, c.At, Ordered(rules)));
                }
                foreach (var c in orphans)
                    judged.Add(new(c.Index, caller.EnterpriseId, c.Extra.Station.Id, c.Extra.Station.DistrictCode, c.EventId, null, c.Code, null, c.At,
                        Ordered([FillRules.Unregistered, .. c.Extra.Broken])));
                for (var i = 0; i < listeners.Count; i++) heard[i] = await listeners[i].OnStoredAsync(conn, tx, judged, ct);
            }, ct,
            async (conn, tx, unregistered) =>
            {
                orphans = unregistered;
                await CylinderEvents.InsertOrphanFillsAsync(conn, tx, unregistered.Select(u =>
                    new NewOrphanFill(u.At, caller.EnterpriseId, u.Extra.Station.Id, u.Code, u.Extra.NetWeightKg, u.EventId)).ToList(), clock.GetUtcNow().UtcDateTime, ct);
            });
        // A sandbox batch was rolled back: nothing happened that a listener could act on.
        if (!caller.Sandbox)
            for (var i = 0; i < listeners.Count; i++) await listeners[i].AfterCommitAsync(heard[i], ct);
        return result with
        {
            Violations = judged.Where(j => j.Broken.Count > 0).OrderBy(j => j.Index)
                .Select(j => new FillViolationNotice(j.Index, j.EventId, j.CylinderCode, j.Broken.Select(b => b.Code).ToList())).ToList(),
        };
    }

    /// <summary>The rules in the order FillRules lists them, each once.</summary>
    private static IReadOnlyList<FillRule> Ordered(IEnumerable<FillRule> rules) => FillRules.All.Where(rules.Contains).ToList();

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
        // A sandbox batch was rolled back: nothing happened that a listener could act on.
        if (!caller.Sandbox)
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

    /// <summary>
    /// Inspection records, from the cylinder's owner (its own cylinders only) or from an inspection body
    /// (any owner's cylinders, recorded under the body's registered name). A pass renews the next
    /// inspection date by the spec's period when the record gives none; a fail (判废) scraps the cylinder
    /// and must name its report.
    /// </summary>
    public async Task<BatchResult> InspectionsAsync(IntegrationCaller caller, CancellationToken ct)
    {
        var problems = new List<RecordProblem>();
        var parsed = Parse<InspectionRecord>(caller.Body, problems, out var received);
        InspectionBody? body = null;
        Tenant? tenant = null;
        if (caller.InspectionBodyId is int bodyId)
            body = await inspectionBodies.GetAsync(bodyId, ct) ?? throw new InvalidOperationException($"Inspection body {bodyId} of a valid key does not exist.");
        else
        {
            tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
            if (!tenant.OwnsRegistry) throw new NotYoursException([new(0, "", "检验记录由气瓶的产权单位（充装企业）或检验机构上报；供应站的密钥不能上报。")]);
        }
        var candidates = new List<Candidate<InspectionRecord>>();
        foreach (var (i, r) in parsed)
        {
            var at = r.InspectedOn is { } on ? new DateTimeOffset(on.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)) : (DateTimeOffset?)null;
            if (!CheckEvent(i, r.EventId, r.CylinderCode, at, problems, out var code)) continue;
            if (body is null && !Text(r.InspectionBody, 200)) { problems.Add(new(i, "inspectionBody", "缺少检验机构名称（不超过200字）。")); continue; }
            if (r.Result is not ("pass" or "fail")) { problems.Add(new(i, "result", "检验结论应为 pass（合格）或 fail（判废）。")); continue; }
            if (r.ReportNumber is { } report && report.Trim().Length > 64) { problems.Add(new(i, "reportNumber", "检验报告编号不超过64字符。")); continue; }
            if (r.Result == "fail" && string.IsNullOrWhiteSpace(r.ReportNumber)) { problems.Add(new(i, "reportNumber", "判废（fail）的记录须注明检验报告编号。")); continue; }
            if (r.Result == "fail" && r.NextInspectionDate is not null) { problems.Add(new(i, "nextInspectionDate", "判废的气瓶不再检验：fail 记录不应有下次检验日期。")); continue; }
            if (r.NextInspectionDate is { } next && next <= r.InspectedOn) { problems.Add(new(i, "nextInspectionDate", "下次检验日期须晚于本次检验日期。")); continue; }
            candidates.Add(new(i, r.EventId!.Trim(), code, r.InspectedOn!.Value.ToDateTime(TimeOnly.MinValue), null, r));
        }
        // An inspection body's event ids are its own, apart from every enterprise's (migration 0019).
        return await StoreEventsAsync(caller, body is null ? "inspection" : "ib_inspect", received, candidates, problems,
            (_, _, located, _) =>
            {
                if (tenant is null) return Task.FromResult(located);
                var foreign = located.Where(l => l.Cylinder.OwnerId != tenant.RootId)
                    .Select(l => new RecordProblem(l.C.Index, "cylinderCode", $"气瓶 {l.Cylinder.Code} 不是本企业的产权气瓶。")).ToList();
                if (foreign.Count > 0) throw new NotYoursException(foreign);
                return Task.FromResult(located);
            },
            (conn, tx, ready) => CylinderEvents.InsertInspectionsAsync(conn, tx, ready.Select(r => new NewInspection(r.C.Extra.InspectedOn!.Value, r.Cylinder.Id,
                body?.Name ?? r.C.Extra.InspectionBody!.Trim(), r.C.Extra.Result!, r.C.Extra.NextInspectionDate, r.C.Extra.ReportNumber?.Trim(), r.C.EventId)).ToList(),
                rules.InspectionPeriodYears, ct), ct);
    }
}
