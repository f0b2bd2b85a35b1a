using System.Security.Cryptography;
using System.Text;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using CylinderTrace.Supervision;

namespace CylinderTrace.Seeding;

/// <summary>
/// After the data is loaded: inspectors for each market supervision bureau (three each, with a random password nobody knows: an
/// administrator resets it before one signs in), the scores as the nightly job computes them (which also fills the licence review
/// list), this month's 双随机 plan of every bureau drawn from a seed derived from the preset's (so a seeded city draws the same
/// plan every time), and findings for about a third of the targets.
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
        return $"{created} inspectors, scores computed, {drawn} inspection plans for {InspectionPlans.MonthText(month)} with {recorded} findings";
    }
}
