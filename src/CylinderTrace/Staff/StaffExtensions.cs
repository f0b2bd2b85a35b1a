using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Database;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Staff;

/// <summary>
/// Registers staff identity: accounts and their store, sign-in settings, the console's cookie scheme and its policy;
/// and the operator's `create-admin` / `create-staff` commands.
/// </summary>
public static class StaffExtensions
{
    public static IServiceCollection AddStaff(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StaffStore>();
        services.AddSingleton<StaffAccounts>();
        services.AddAuthentication().AddCookie(ConsoleAuthentication.Scheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(ConsoleAuthentication.Scheme)
            .Configure<IOptions<ConsoleOptions>>((o, console) => ConsoleAuthentication.Configure(o, console.Value));
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleAuthentication.Policy, p => p.AddAuthenticationSchemes(ConsoleAuthentication.Scheme).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>`create-admin --username U [--agency CODE] [--name N] [--password P]`: the first administrator (prints the initial password).</summary>
    public static Task<int> CreateAdministratorCommandAsync(IServiceProvider services, string[] args, CancellationToken ct) =>
        CreateStaffAsync(services, args, StaffRoles.Administrator, ct);

    /// <summary>`create-staff --username U --role handler|supervisor|inspector|administrator --agency CODE [--name N] [--password P]`.</summary>
    public static Task<int> CreateStaffCommandAsync(IServiceProvider services, string[] args, CancellationToken ct) =>
        CreateStaffAsync(services, args, CommandLine.Option(args, "role"), ct);

    private static async Task<int> CreateStaffAsync(IServiceProvider services, string[] args, string? role, CancellationToken ct)
    {
        var username = CommandLine.Option(args, "username");
        var agency = CommandLine.Option(args, "agency") ?? "gas-350100";
        if (username is null || role is null)
        {
            System.Console.Error.WriteLine("Usage: create-admin --username NAME [--agency gas-350100] [--name 显示名] [--password INITIAL]");
            System.Console.Error.WriteLine("       create-staff --username NAME --role handler|supervisor|inspector|administrator --agency CODE [--name 显示名] [--password INITIAL]");
            return 2;
        }
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        // The operator at the server's command line stands where a city administrator stands (StaffScope.City): the
        // account is checked by the same rules as the console's, and its reach follows from its agency as it does there.
        var accounts = services.GetRequiredService<StaffAccounts>();
        var result = await accounts.CreateAsync(StaffScope.City, username, CommandLine.Option(args, "name") ?? StaffRoles.Label(role),
            role, agency, CommandLine.Option(args, "password"), ct);
        switch (result)
        {
            case StaffAccounts.Created created:
                System.Console.WriteLine($"Created {role} '{username}' of agency {created.AgencyCode}. Initial password (to be changed at first sign-in at /console/login): {created.InitialPassword}");
                if (role == StaffRoles.Administrator)
                {
                    var city = services.GetRequiredService<IOptions<ConsoleOptions>>().Value.CityAdministratorAgency;
                    System.Console.WriteLine(string.Equals(created.AgencyCode, city, StringComparison.OrdinalIgnoreCase)
                        ? $"A city administrator (agency {city}): manages every agency's staff, the routing rules and /hangfire."
                        : $"An agency administrator: manages only the staff of {created.AgencyCode}; city-wide administration belongs to {city} (Console:CityAdministratorAgency).");
                }
                return 0;
            case StaffAccounts.CreateRefused refused:
                foreach (var (field, messages) in refused.Errors) System.Console.Error.WriteLine($"{field}: {string.Join(" ", messages)}");
                return 1;
            default:
                return 1;
        }
    }
}
