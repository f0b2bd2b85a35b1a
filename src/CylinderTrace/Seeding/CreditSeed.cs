using System.Security.Cryptography;
using System.Text;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using CylinderTrace.Supervision;
using Dapper;

namespace CylinderTrace.Seeding;

/// <summary>
/// After the data is loaded: inspectors for each market supervision bureau (three each, with a random password nobody knows: an
/// administrator resets it before one signs in), the scores as the nightly job computes them (which also fills the licence review
/// list), this month's 双随机 plan of every bureau drawn from a seed derived from the preset's (so a seeded city draws the same
/// plan every time), and findings for about a third of the targets. Before the scores, each bureau seizes a few of the loaded
/// black-gas leads in its district, most traced to the station of the worker who delivered them, so the black_gas deduction, the
/// seizure's page and its disclosure have something to show.
/// </summary>
internal static class CreditSeed
{
    private static readonly string[] InspectorNames = ["郑立新", "王海燕", "林志强", "陈晓东", "黄丽华", "吴建平", "刘文斌", "张秀英", "李国华", "杨伟"];

    private static readonly (string Outcome, string Findings)[] Findings =
    [
        ("no_problem", "现场检查充装记录、气瓶登记和充装前检查记录，未发现问题。"),
        ("no_problem", "抽查在库气瓶20只，均已登记、在检验有效期内；送气工持证上岗。"),
        ("rectification_ordered", "发现2只气瓶充装前检查记录缺失，已责令限期改正。"),
        ("rectification_ordered", "库房内空瓶与实瓶混放，未设置标识，已责令立即改正。"),
        ("case_opened", "发现为非自有产权气瓶充装，已立案调查。"),
    ];

    private static readonly string[] SeizurePlaces = ["小吃店后厨", "路边流动售气三轮车", "城中村出租屋楼道", "农贸市场熟食摊位"];

    private const string LeadsSql =
        """
        SELECT cylinder_code AS Code, MIN(district_code) AS District FROM unregistered_scans WHERE district_code IS NOT NULL
        GROUP BY cylinder_code ORDER BY cylinder_code LIMIT 24
        """;
    private const string WorkersSql = "SELECT id, enterprise_id FROM delivery_workers WHERE status = 'active' AND permit_number IS NOT NULL ORDER BY id LIMIT 500";
    private const string SeizureSql =
        """
        INSERT INTO black_gas_detentions (cylinder_code, agency_id, issued_by, hazard, place, district_code, worker_id, worker_text, station_id, status, issued_at,
                                          closed_at, closed_by, disposal, disposal_note)
        VALUES (@code, @agencyId, @staffId, '气瓶码未在本市气瓶安全追溯系统登记，来源不明，属非法经营的“黑气瓶”。', @place, @district, @workerId, @workerText,
                @stationId, @status, @issuedAt, @closedAt, @closedBy, @disposal, @note);
        SELECT LAST_INSERT_ID();
        """;

    /// <summary>Seizures of loaded leads (once: none when the bureaus already seized some), three of four traced to a worker's station.</summary>
    private static async Task<int> SeizeAsync(Db db, StaffStore store, List<AgencyView> bureaus, int seed, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenAsync(ct);
        if (await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM black_gas_detentions", cancellationToken: ct)) > 0) return 0;
        var leads = (await conn.QueryAsync<(string Code, string District)>(new CommandDefinition(LeadsSql, cancellationToken: ct))).ToList();
        var workers = (await conn.QueryAsync<(int Id, int StationId)>(new CommandDefinition(WorkersSql, cancellationToken: ct))).ToList();
        if (workers.Count == 0) return 0;
        var rng = new Random(seed + 13);
        var now = clock.GetUtcNow().UtcDateTime;
        var seized = 0;
        foreach (var (lead, i) in leads.Select((l, i) => (l, i)))
        {
            var bureau = bureaus.FirstOrDefault(b => b.DistrictCode == lead.District);
            if (bureau is null || i % 2 == 1) continue;
            if (await store.FindByUsernameAsync($"zf-{bureau.DistrictCode}-1", ct) is not { } inspector) continue;
            var traced = seized % 4 != 3;
            var worker = workers[rng.Next(workers.Count)];
            var issuedAt = now.AddDays(-rng.Next(2, 21)).AddMinutes(-rng.Next(0, 600));
            var disposal = (seized % 3) switch { 0 => null, 1 => "confiscated", _ => "destroyed" };
            var id = await conn.ExecuteScalarAsync<long>(new CommandDefinition(SeizureSql, new
            {
                code = lead.Code, agencyId = bureau.Id, staffId = inspector.Id, place = Districts.Name(lead.District) + SeizurePlaces[rng.Next(SeizurePlaces.Length)],
                district = lead.District, workerId = traced ? worker.Id : (int?)null, workerText = traced ? null : "自称“小林”，无上岗证",
                stationId = traced ? worker.StationId : (int?)null, status = disposal is null ? "open" : "closed", issuedAt,
                closedAt = disposal is null ? (DateTime?)null : issuedAt.AddDays(1), closedBy = disposal is null ? (int?)null : inspector.Id, disposal,
                note = disposal is null ? null : "已移交指定存放点",
            }, cancellationToken: ct));
            var number = $"HQ{Platform.Time.ShanghaiTime.FromUtc(issuedAt):yyyyMMdd}{id:D6}";
            await conn.ExecuteAsync(new CommandDefinition("UPDATE black_gas_detentions SET number = @number WHERE id = @id", new { number, id }, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT IGNORE INTO black_gas_codes (cylinder_code, detention_number, detained_at) VALUES (@code, @number, @issuedAt)",
                new { code = lead.Code, number, issuedAt }, cancellationToken: ct));
            seized++;
        }
        return seized;
    }

    public static async Task<string> RunAsync(IServiceProvider services, int seed, CancellationToken ct)
    {
        var accounts = services.GetRequiredService<StaffAccounts>();
        var store = services.GetRequiredService<StaffStore>();
        var bureaus = (await services.GetRequiredService<Agencies>().ListAsync(ct)).Where(a => a.Kind == "market_supervision").ToList();
        var created = 0;
        foreach (var (bureau, b) in bureaus.Select((a, i) => (a, i)))
            for (var k = 1; k <= 3; k++)
            {
                var username = $"zf-{bureau.DistrictCode}-{k}";
                if (await store.FindByUsernameAsync(username, ct) is not null) continue;
                var password = "Seed-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
                if (await accounts.CreateAsync(StaffScope.City, username, InspectorNames[(b * 3 + k) % InspectorNames.Length], StaffRoles.Inspector, bureau.Code, password, ct)
                    is StaffAccounts.CreateRefused refused)
                    throw new InvalidOperationException($"{username}: {string.Join(" ", refused.Errors.Values.SelectMany(v => v))}");
                created++;
            }

        var seized = await SeizeAsync(services.GetRequiredService<Db>(), store, bureaus, seed, services.GetRequiredService<TimeProvider>(), ct);
        await services.GetRequiredService<EnterpriseScores>().RunNightlyAsync(ct);

        var plans = services.GetRequiredService<InspectionPlans>();
        var today = Platform.Time.ShanghaiTime.Today(services.GetRequiredService<TimeProvider>());
        var month = new DateOnly(today.Year, today.Month, 1);
        var rng = new Random(seed + 11);
        int drawn = 0, recorded = 0;
        foreach (var bureau in bureaus)
        {
            var planSeed = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"seed {seed} {bureau.Code} {InspectionPlans.MonthText(month)}")))[..32];
            if (await plans.DrawAsync(bureau.Id, month, planSeed, null, ct) is not PlanResult.Done done) continue;
            drawn++;
            foreach (var target in done.Plan.Targets.Where(t => t.Status == "pending" && t.InspectorA is not null))
            {
                if (rng.NextDouble() > 0.35) continue;
                var (outcome, findings) = Findings[rng.Next(Findings.Length)];
                var inspector = new StaffMember(target.InspectorA!.Value, "", target.InspectorAName ?? "", StaffRoles.Inspector, bureau.Id, bureau.Name, false, false, bureau.Code);
                var day = month.AddDays(rng.Next(0, Math.Max(1, today.DayNumber - month.DayNumber + 1)));
                if (await plans.RecordFindingAsync(inspector, done.Plan.Summary.Id, target.EnterpriseId, new FindingRequest(outcome, findings, day, []), ct) is PlanResult.Done)
                    recorded++;
            }
        }
        return $"{created} inspectors, {seized} black-gas seizures, scores computed, {drawn} inspection plans for {InspectionPlans.MonthText(month)} with {recorded} findings";
    }
}
