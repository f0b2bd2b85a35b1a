using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Database;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Integration;

/// <summary>
/// `integration-key create --licence L[,L…] [--tsv] [--sandbox] | create --inspection-body APPROVAL [--name N --district D] | rotate --key K | revoke --key K | list`:
/// enterprises' and inspection bodies' API keys, for administrators.
/// </summary>
public static class IntegrationCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        var keys = services.GetRequiredService<IntegrationKeys>();
        switch (args.FirstOrDefault())
        {
            case "create" when CommandLine.Option(args, "inspection-body") is { } approval:
                return await CreateForInspectionBodyAsync(services, keys, approval.Trim(), CommandLine.Option(args, "name"), CommandLine.Option(args, "district"), ct);
            case "create" when CommandLine.Option(args, "licence") is { } licences:
                // Several licences (comma-separated) for onboarding many enterprises; --tsv prints "licence<TAB>key id<TAB>secret" lines.
                var tsv = CommandLine.Flag(args, "tsv");
                // A sandbox key rehearses batches against production without storing them (IntegrationSandbox).
                var sandbox = CommandLine.Flag(args, "sandbox");
                foreach (var licence in licences.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (await keys.CreateAsync(licence, ct, sandbox) is not { } created)
                    {
                        System.Console.Error.WriteLine($"No enterprise has licence number '{licence}'.");
                        return 1;
                    }
                    System.Console.WriteLine(tsv ? $"{licence}\t{created.KeyId}\t{created.Secret}"
                        : $"licence: {licence}\nkey id: {created.KeyId}{(sandbox ? " (sandbox: batches are checked and answered, never stored)" : "")}\nsecret: {created.Secret}\nGive both to the enterprise over a safe channel; the secret is not shown again.");
                }
                return 0;
            case "rotate" when CommandLine.Option(args, "key") is { } key:
                if (await keys.RotateAsync(key, ct) is not { } rotated)
                {
                    System.Console.Error.WriteLine($"No usable key '{key}'.");
                    return 1;
                }
                System.Console.WriteLine($"new key id: {rotated.KeyId}\nsecret: {rotated.Secret}\nThe old key {key} works until {rotated.OldExpiresAt:yyyy-MM-dd HH:mm} UTC.");
                return 0;
            case "revoke" when CommandLine.Option(args, "key") is { } key:
                var revoked = await keys.RevokeAsync(key, ct);
                System.Console.WriteLine(revoked ? $"Revoked {key}." : $"No active key '{key}'.");
                return revoked ? 0 : 1;
            case "list":
                foreach (var k in await keys.ListAsync(ct))
                    System.Console.WriteLine($"{k.KeyId}  {(k.InspectionBodyId is null ? "" : "inspection body ")}{(k.Sandbox ? "sandbox " : "")}{k.Licence}  {k.Enterprise}  created {k.CreatedAt:yyyy-MM-dd}" +
                        (k.RevokedAt is { } r ? $"  revoked {r:yyyy-MM-dd}" : k.ExpiresAt is { } e ? $"  expires {e:yyyy-MM-dd HH:mm}" : "  active") +
                        (k.LastUsedAt is { } u ? $"  last used {u:yyyy-MM-dd HH:mm}" : ""));
                return 0;
            default:
                System.Console.Error.WriteLine("Usage: integration-key create --licence LICENCE[,LICENCE…] [--tsv] [--sandbox] | create --inspection-body APPROVAL_NUMBER [--name NAME --district CODE]"
                    + " | rotate --key KEY_ID | revoke --key KEY_ID | list");
                return 2;
        }
    }

    /// <summary>A key for an inspection body; with --name and --district the body is registered (or its name and district updated) first.</summary>
    private static async Task<int> CreateForInspectionBodyAsync(IServiceProvider services, IntegrationKeys keys, string approval, string? name, string? district, CancellationToken ct)
    {
        if (approval.Length is 0 or > 64)
        {
            System.Console.Error.WriteLine("--inspection-body takes the body's approval (核准证) number, 1-64 characters.");
            return 2;
        }
        if (name is not null || district is not null)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200 || district is null || !Platform.ReferenceData.Districts.Codes.Contains(district))
            {
                System.Console.Error.WriteLine("Registering an inspection body takes --name (1-200 characters) and --district (one of: " +
                    string.Join(", ", Platform.ReferenceData.Districts.All.Select(d => d.Code)) + ").");
                return 2;
            }
            await services.GetRequiredService<InspectionBodies>().RegisterAsync(approval, name.Trim(), district, ct);
        }
        if (await keys.CreateForInspectionBodyAsync(approval, ct) is not { } created)
        {
            System.Console.Error.WriteLine($"No inspection body has approval number '{approval}': register it with --name and --district.");
            return 1;
        }
        System.Console.WriteLine($"inspection body: {approval}\nkey id: {created.KeyId}\nsecret: {created.Secret}\n" +
            "Give both to the inspection body over a safe channel; the secret is not shown again. The key reports inspections only.");
        return 0;
    }
}
