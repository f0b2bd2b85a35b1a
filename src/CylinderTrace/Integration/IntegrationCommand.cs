using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Time;

namespace CylinderTrace.Integration;

/// <summary>
/// `integration-key create --licence L[,L…] [--tsv] [--sandbox] | create --inspection-body APPROVAL [--name N --district D] | rotate --key K | revoke --key K | list`:
/// enterprises' and inspection bodies' API keys, for administrators. Times are China Standard Time.
/// </summary>
public static class IntegrationCommand
{
    public static System.CommandLine.Command Command(CommandLineContext tool)
    {
        var command = new System.CommandLine.Command("integration-key", "Enterprises' and inspection bodies' keys for the integration API (docs/INTEGRATION.md).");

        var create = new System.CommandLine.Command("create", "A new key for an enterprise (--licence) or an inspection body (--inspection-body); prints the key id and the secret once.");
        var licence = new System.CommandLine.Option<string?>("--licence") { Description = "The enterprise's licence number; several, comma-separated, for onboarding many.", HelpName = "LICENCE[,LICENCE…]" };
        var tsv = new System.CommandLine.Option<bool>("--tsv") { Description = "Print one line per key: licence<TAB>key id<TAB>secret." };
        // A sandbox key rehearses writes against production without storing them (IntegrationSandbox).
        var sandbox = new System.CommandLine.Option<bool>("--sandbox") { Description = "A sandbox key: its writes are checked and answered like production, never stored (to test an integration safely)." };
        var body = new System.CommandLine.Option<string?>("--inspection-body") { Description = "The inspection body's approval (核准证) number.", HelpName = "APPROVAL" };
        var bodyName = new System.CommandLine.Option<string?>("--name") { Description = "With --inspection-body: register the body (or update it) under this name first." };
        var district = new System.CommandLine.Option<string?>("--district") { Description = "With --name: the body's district code, e.g. 350102." };
        district.AcceptOnlyFromAmong([.. Platform.ReferenceData.Districts.All.Select(d => d.Code)]);
        create.Add(licence);
        create.Add(tsv);
        create.Add(sandbox);
        create.Add(body);
        create.Add(bodyName);
        create.Add(district);
        create.Validators.Add(r =>
        {
            var (l, b) = (r.GetValue(licence), r.GetValue(body));
            if (l is null == b is null) r.AddError("Give either --licence or --inspection-body.");
            if (l is not null && (r.GetValue(bodyName) is not null || r.GetValue(district) is not null)) r.AddError("--name and --district go with --inspection-body.");
            if (b is not null && r.GetValue(tsv)) r.AddError("--tsv goes with --licence.");
            if (b is not null && r.GetValue(sandbox)) r.AddError("--sandbox goes with --licence (inspection bodies have no sandbox keys).");
            if (b is not null && r.GetValue(bodyName) is null != r.GetValue(district) is null) r.AddError("Registering an inspection body takes both --name and --district.");
        });
        create.SetAction((parse, _) => tool.RunAsync(parse, async (run, ct) =>
        {
            await run.MigrateAsync(ct);
            var keys = run.Services.GetRequiredService<IntegrationKeys>();
            if (run.Value(body) is { } approval)
                return await CreateForInspectionBodyAsync(run, keys, approval.Trim(), run.Value(bodyName), run.Value(district), ct);
            foreach (var one in run.Value(licence)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (await keys.CreateAsync(one, ct, run.Value(sandbox)) is not { } created)
                {
                    await run.Err.WriteLineAsync($"No enterprise has licence number '{one}'.");
                    return 1;
                }
                await run.Out.WriteLineAsync(run.Value(tsv) ? $"{one}\t{created.KeyId}\t{created.Secret}"
                    : $"licence: {one}\nkey id: {created.KeyId}{(run.Value(sandbox) ? " (sandbox: its writes are checked and answered, never stored)" : "")}\nsecret: {created.Secret}\nGive both to the enterprise over a safe channel; the secret is not shown again.");
            }
            return 0;
        }));

        var rotate = new System.CommandLine.Command("rotate", "A new key in place of a key; the old one keeps working for Integration:RotationGraceDays.");
        var rotateKey = new System.CommandLine.Option<string>("--key") { Description = "The key id (ck_…).", Required = true };
        rotate.Add(rotateKey);
        rotate.SetAction((parse, _) => tool.RunAsync(parse, async (run, ct) =>
        {
            await run.MigrateAsync(ct);
            var key = run.Value(rotateKey)!;
            if (await run.Services.GetRequiredService<IntegrationKeys>().RotateAsync(key, ct) is not { } rotated)
            {
                await run.Err.WriteLineAsync($"No usable key '{key}'.");
                return 1;
            }
            await run.Out.WriteLineAsync($"new key id: {rotated.KeyId}\nsecret: {rotated.Secret}\nThe old key {key} works until {Cst(rotated.OldExpiresAt)} (China Standard Time).");
            return 0;
        }));

        var revoke = new System.CommandLine.Command("revoke", "Refuse a key from now on (each instance within Integration:KeyCacheSeconds).");
        var revokeKey = new System.CommandLine.Option<string>("--key") { Description = "The key id (ck_…).", Required = true };
        revoke.Add(revokeKey);
        revoke.SetAction((parse, _) => tool.RunAsync(parse, async (run, ct) =>
        {
            await run.MigrateAsync(ct);
            var key = run.Value(revokeKey)!;
            var revoked = await run.Services.GetRequiredService<IntegrationKeys>().RevokeAsync(key, ct);
            await (revoked ? run.Out : run.Err).WriteLineAsync(revoked ? $"Revoked {key}." : $"No active key '{key}'.");
            return revoked ? 0 : 1;
        }));

        var list = new System.CommandLine.Command("list", "Every key: whose, created, revoked or expiring, last used (China Standard Time).");
        list.SetAction((parse, _) => tool.RunAsync(parse, async (run, ct) =>
        {
            await run.MigrateAsync(ct);
            await run.Out.WriteLineAsync("All times are China Standard Time (UTC+8).");
            foreach (var k in await run.Services.GetRequiredService<IntegrationKeys>().ListAsync(ct))
                await run.Out.WriteLineAsync($"{k.KeyId}  {(k.InspectionBodyId is null ? "" : "inspection body ")}{(k.Sandbox ? "sandbox " : "")}{k.Licence}  {k.Enterprise}  created {Cst(k.CreatedAt)}" +
                    (k.RevokedAt is { } r ? $"  revoked {Cst(r)}" : k.ExpiresAt is { } e ? $"  expires {Cst(e)}" : "  active") +
                    (k.LastUsedAt is { } u ? $"  last used {Cst(u)}" : ""));
            return 0;
        }));

        command.Add(create);
        command.Add(rotate);
        command.Add(revoke);
        command.Add(list);
        return command;
    }

    /// <summary>An instant as a person in China reads it: "2026-12-01 18:30".</summary>
    internal static string Cst(DateTime utc) => ShanghaiTime.FromUtc(utc).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    internal static string Cst(DateTimeOffset at) => ShanghaiTime.ToLocal(at).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A key for an inspection body; with --name and --district the body is registered (or its name and district updated) first.</summary>
    private static async Task<int> CreateForInspectionBodyAsync(CommandRun run, IntegrationKeys keys, string approval, string? name, string? district, CancellationToken ct)
    {
        if (approval.Length is 0 or > 64)
        {
            run.Err.WriteLine("--inspection-body takes the body's approval (核准证) number, 1-64 characters.");
            return 2;
        }
        if (name is not null || district is not null)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200 || district is null || !Platform.ReferenceData.Districts.Codes.Contains(district))
            {
                run.Err.WriteLine("Registering an inspection body takes --name (1-200 characters) and --district (one of: " +
                    string.Join(", ", Platform.ReferenceData.Districts.All.Select(d => d.Code)) + ").");
                return 2;
            }
            await run.Services.GetRequiredService<InspectionBodies>().RegisterAsync(approval, name.Trim(), district, ct);
        }
        if (await keys.CreateForInspectionBodyAsync(approval, ct) is not { } created)
        {
            run.Err.WriteLine($"No inspection body has approval number '{approval}': register it with --name and --district.");
            return 1;
        }
        run.Out.WriteLine($"inspection body: {approval}\nkey id: {created.KeyId}\nsecret: {created.Secret}\n" +
            "Give both to the inspection body over a safe channel; the secret is not shown again. The key reports inspections only.");
        return 0;
    }
}
