using CylinderTrace.Complaints.Handling;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Console;

/// <summary>Registers the handler console: staff accounts and sign-in, access rules, complaint handling, pages and API.</summary>
public static class ConsoleExtensions
{
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StaffNotificationOptions>().BindConfiguration(StaffNotificationOptions.Section);
        services.AddSingleton<StaffStore>();
        services.AddSingleton<StaffAccounts>();
        services.AddSingleton<ComplaintHandling>();
        services.AddSingleton<ConsoleAccess>();
        services.AddSingleton<ConsoleDesk>();
        services.AddSingleton<ConsoleScanRates>();
        services.AddSingleton<CylinderHistory>();
        services.AddSingleton<StaffNotifications>();
        services.AddSingleton<Complaints.Routing.RoutingRules>();

        // Cookies and form tokens read the same on every instance: keys in MariaDB, encrypted under DataProtection:KeyEncryptionKey.
        services.AddKeyRingInDatabase();

        // The form-token cookie: Secure whenever the request is HTTPS (behind nginx, X-Forwarded-Proto says so), never sent cross-site.
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ct_console_af";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        services.AddAuthentication().AddCookie(ConsoleAuthentication.Scheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(ConsoleAuthentication.Scheme)
            .Configure<IOptions<ConsoleOptions>>((o, console) => ConsoleAuthentication.Configure(o, console.Value));
        var authorization = services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleAuthentication.Policy, p => p.AddAuthenticationSchemes(ConsoleAuthentication.Scheme).RequireAuthenticatedUser());
        JobsDashboard.AddPolicy(authorization);
        // Pages are Chinese: encode only what HTML needs, not every CJK character as an entity.
        services.AddSingleton(System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All));
        services.AddRazorComponents();
        return services;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapConsoleApi();
        app.MapConsolePages();
        app.MapJobsDashboard();
        return app;
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
