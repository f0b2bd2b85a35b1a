using System.Data;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;

namespace CylinderTrace.Integration;

/// <summary>The registry an enterprise keeps: its cylinders, its delivery workers and its customers (personal data encrypted).</summary>
public sealed partial class Ingestion
{
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
        if (await FinishAsync(caller, tx, ct)) await InvalidateAsync(unique.Select(u => u.Row.Code));
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
            if (!await FinishAsync(caller, tx, ct)) ids.Clear();
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
            var creditCode = string.IsNullOrWhiteSpace(r.CreditCode) ? null : r.CreditCode.Trim().ToUpperInvariant();
            if (creditCode is { Length: not 18 }) { problems.Add(new(i, "creditCode", "统一社会信用代码应为18位（见营业执照）。")); continue; }
            // A number with a wrong check character is stored all the same (the customer exists), but does not count as real-name (docs/SCORING.md).
            rows.Add(new CustomerUpsert(station.Id, r.CustomerId!.Trim(), r.Kind, r.DistrictCode, r.BusinessName?.Trim(), r.BusinessAddress?.Trim(),
                personal.Encrypt(r.Name?.Trim()), personal.Encrypt(phone), personal.Hash(phone), personal.Encrypt(idNumber), personal.Hash(idNumber), personal.Encrypt(r.Address?.Trim()),
                creditCode, idNumber is null ? null : ResidentIdNumber.IsValid(idNumber)));
        }
        if (notYours.Count > 0) throw new NotYoursException(notYours);
        var unique = rows.GroupBy(r => (r.StationId, r.ExternalId)).Select(g => g.Last()).ToList();
        await using var conn = await db.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await EnterpriseRegistry.UpsertCustomersAsync(conn, tx, unique, ct);
        await FinishAsync(caller, tx, ct);
        return new BatchResult(received, unique.Count, rows.Count - unique.Count, problems.OrderBy(p => p.Index).ToList());
    }
}
