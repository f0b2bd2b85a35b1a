using System.Globalization;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.ReferenceData;

namespace CylinderTrace.Supervision;

/// <summary>
/// `inspections draw [--month 2026-12] [--agency market-350102] [--seed S]`: the month's 双随机 plans as the monthly job draws them
/// (every agency with at least two inspectors, or the one named; a plan already drawn is left as it is).
/// `inspections verify --plan N`: runs the draw again from the plan's published seed and candidate list and says whether it matches.
/// </summary>
public static class InspectionsCommand
{
    public static System.CommandLine.Command Command(CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("inspections", "双随机 inspection plans (docs/SCORING.md).");
        var draw = new System.CommandLine.Command("draw", "Draw the month's plans as the monthly job does (a plan already drawn is kept).");
        var month = new System.CommandLine.Option<string?>("--month") { Description = "The month, as 2026-12 (default: this month, China Standard Time)." };
        var agency = new System.CommandLine.Option<string?>("--agency") { Description = "Only this agency's plan (its code, e.g. market-350102); default: every agency with two or more inspectors." };
        var seed = new System.CommandLine.Option<string?>("--seed") { Description = "The seed to publish (8-64 letters or digits; with --agency); default: 128 random bits." };
        draw.Add(month);
        draw.Add(agency);
        draw.Add(seed);
        draw.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => DrawAsync(run, run.Value(month), run.Value(agency), run.Value(seed), ct)));
        var verify = new System.CommandLine.Command("verify", "Run a plan's draw again from its published seed and lists, and say whether it matches.");
        var plan = new System.CommandLine.Option<long>("--plan") { Description = "The plan's id.", Required = true };
        verify.Add(plan);
        verify.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => VerifyAsync(run, run.Value(plan), ct)));
        command.Add(draw);
        command.Add(verify);
        return command;
    }

    private static async Task<int> VerifyAsync(CommandRun run, long id, CancellationToken ct)
    {
        await run.MigrateAsync(ct);
        if (await run.Services.GetRequiredService<InspectionPlans>().GetAsync(id, ct) is not { } plan)
        {
            run.Err.WriteLine($"No plan {id}.");
            return CommandLine.UsageError;
        }
        var again = InspectionDraw.Draw(plan.Summary.Seed, plan.Candidates, plan.Inspectors, plan.Rates);
        var same = again.Select(t => (t.EnterpriseId, t.InspectorA, t.InspectorB)).SequenceEqual(plan.Targets.Select(t => (t.EnterpriseId, t.InspectorA, t.InspectorB)));
        run.Out.WriteLine(same
            ? $"plan {id}: the draw from seed {plan.Summary.Seed} gives the published {again.Count} targets and pairs."
            : $"plan {id}: the draw does NOT match the published targets.");
        return same ? 0 : 1;
    }

    private static async Task<int> DrawAsync(CommandRun run, string? monthText, string? agencyCode, string? seed, CancellationToken ct)
    {
        DateOnly month;
        if (monthText is null)
        {
            var today = Platform.Time.ShanghaiTime.Today(run.Services.GetRequiredService<TimeProvider>());
            month = new DateOnly(today.Year, today.Month, 1);
        }
        else if (!DateOnly.TryParseExact(monthText + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month))
        {
            run.Err.WriteLine($"--month must look like 2026-12, not '{monthText}'.");
            return CommandLine.UsageError;
        }
        await run.MigrateAsync(ct);
        var plans = run.Services.GetRequiredService<InspectionPlans>();
        if (agencyCode is null)
        {
            run.Out.WriteLine($"{await plans.DrawAllAsync(month, ct)} plans for {InspectionPlans.MonthText(month)} (agencies with fewer than two active inspectors draw none).");
            return 0;
        }
        var agency = (await run.Services.GetRequiredService<Agencies>().ListAsync(ct)).FirstOrDefault(a => a.Code == agencyCode);
        if (agency is null)
        {
            run.Err.WriteLine($"No agency '{agencyCode}'.");
            return CommandLine.UsageError;
        }
        switch (await plans.DrawAsync(agency.Id, month, seed, null, ct))
        {
            case PlanResult.Done d:
                run.Out.WriteLine($"plan {d.Plan.Summary.Id} of {agency.Code} for {d.Plan.Summary.Month}: seed {d.Plan.Summary.Seed}, {d.Plan.Summary.Targets} of {d.Plan.Summary.Candidates} enterprises.");
                return 0;
            case PlanResult.Conflict c:
                run.Err.WriteLine(c.Message);
                return 1;
            case PlanResult.Invalid i:
                run.Err.WriteLine(string.Join(" ", i.Errors.Values.SelectMany(v => v)));
                return CommandLine.UsageError;
            default:
                return 1;
        }
    }
}
