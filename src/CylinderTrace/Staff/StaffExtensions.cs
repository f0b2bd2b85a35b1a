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
    public static System.CommandLine.Command CreateAdministratorCommand(CommandLineContext tool) =>
        StaffCommand(tool, "create-admin", "Create a console administrator (of the city's gas authority unless --agency names another agency); prints the initial password, to be changed at first sign-in.", withRole: false);

    /// <summary>`create-staff --username U --role handler|supervisor|inspector|administrator --agency CODE [--name N] [--password P]`.</summary>
    public static System.CommandLine.Command CreateStaffCommand(CommandLineContext tool) =>
        StaffCommand(tool, "create-staff", "Create a console account of any role in an agency; prints the initial password, to be changed at first sign-in.", withRole: true);

    private static System.CommandLine.Command StaffCommand(CommandLineContext tool, string name, string description, bool withRole)
    {
        var command = new System.CommandLine.Command(name, description);
        var username = new System.CommandLine.Option<string>("--username") { Description = "The sign-in name.", Required = true };
        var role = new System.CommandLine.Option<string>("--role") { Description = "The account's role.", Required = true };
        role.AcceptOnlyFromAmong(StaffRoles.Handler, StaffRoles.Supervisor, StaffRoles.Inspector, StaffRoles.Administrator);
        var agency = new System.CommandLine.Option<string>("--agency") { Description = "The agency's code, e.g. gas-350100 (the city's gas authority), market-350102.", Required = withRole };
        if (!withRole) agency.DefaultValueFactory = _ => "gas-350100";
        var displayName = new System.CommandLine.Option<string?>("--name") { Description = "The name shown in the console (default: the role's name)." };
        var password = new System.CommandLine.Option<string?>("--password") { Description = "The initial password (generated when not given)." };
        command.Add(username);
        if (withRole) command.Add(role);
        command.Add(agency);
        command.Add(displayName);
        command.Add(password);
        command.SetAction((parse, _) => tool.RunAsync(parse, (run, ct) => CreateStaffAsync(run, run.Value(username)!, withRole ? run.Value(role)! : StaffRoles.Administrator,
            run.Value(agency)!, run.Value(displayName), run.Value(password), ct)));
        return command;
    }

    private static async Task<int> CreateStaffAsync(CommandRun run, string username, string role, string agency, string? displayName, string? password, CancellationToken ct)
    {
        var services = run.Services;
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(options.MigrationLockSeconds, ct);
        // The operator at the server's command line stands where a city administrator stands (StaffScope.City): the
        // account is checked by the same rules as the console's, and its reach follows from its agency as it does there.
        var accounts = services.GetRequiredService<StaffAccounts>();
        var result = await accounts.CreateAsync(StaffScope.City, username, displayName ?? StaffRoles.Label(role),
            role, agency, password, ct);
        switch (result)
        {
            case StaffAccounts.Created created:
                run.Out.WriteLine($"Created {role} '{username}' of agency {created.AgencyCode}. Initial password (to be changed at first sign-in at /console/login): {created.InitialPassword}");
                if (role == StaffRoles.Administrator)
                {
                    var city = services.GetRequiredService<IOptions<ConsoleOptions>>().Value.CityAdministratorAgency;
                    run.Out.WriteLine(string.Equals(created.AgencyCode, city, StringComparison.OrdinalIgnoreCase)
                        ? $"A city administrator (agency {city}): manages every agency's staff, the routing rules and /hangfire."
                        : $"An agency administrator: manages only the staff of {created.AgencyCode}; city-wide administration belongs to {city} (Console:CityAdministratorAgency).");
                }
                return 0;
            case StaffAccounts.CreateRefused refused:
                foreach (var (field, messages) in refused.Errors) run.Err.WriteLine($"{field}: {string.Join(" ", messages)}");
                return 1;
            default:
                return 1;
        }
    }
}
