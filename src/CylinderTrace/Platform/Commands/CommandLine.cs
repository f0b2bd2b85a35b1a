using CylinderTrace.Platform.Database;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Platform.Commands;

/// <summary>
/// The host's commands: `migrate` (pending migrations and the coming months' partitions),
/// `data-protection-keys` (the console's key ring) and those that features register (`seed`, `oa-menu`, ...). Each builds the same service container as the web host.
/// </summary>
public static class CommandLine
{
    /// <summary>A command: the services of the host, its arguments after the command word, and a cancel token.</summary>
    public delegate Task<int> Command(IServiceProvider services, string[] args, CancellationToken ct);

    private static readonly Dictionary<string, Command> Commands = new()
    {
        ["migrate"] = MigrateAsync,
        ["data-protection-keys"] = Security.KeyRing.CommandAsync,
    };

    /// <summary>Features add their commands here (from the composition root, before Main runs them).</summary>
    public static void Register(string name, Command command) => Commands[name] = command;

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.ContainsKey(args[0]);

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.Configure<HostOptions>(_ => { });
        builder.AddApplicationServices();
        // Commands do their own migrating; no background services.
        builder.Services.Configure<DatabaseOptions>(o => o.MigrateOnStart = false);
        using var host = builder.Build();
        using var cts = new CancellationTokenSource();
        System.Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        try
        {
            return await Commands[args[0]](host.Services, args[1..], cts.Token);
        }
        catch (OptionsValidationException ex)
        {
            System.Console.Error.WriteLine("Configuration error: " + string.Join(" ", ex.Failures));
            return 2;
        }
    }

    private static async Task<int> MigrateAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var applied = await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        System.Console.WriteLine(applied.Count == 0 ? "Database is up to date." : $"Applied migrations: {string.Join(", ", applied)}");
        var partitions = await services.GetRequiredService<PartitionMaintenance>().EnsureAsync(ct);
        if (partitions.Count > 0) System.Console.WriteLine($"Added partitions: {string.Join(", ", partitions)}");
        return 0;
    }

    /// <summary>Value of --name in args, or null.</summary>
    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static bool Flag(string[] args, string name) => args.Contains("--" + name);
}
