using CylinderTrace.Staff;

namespace CylinderTrace.ConsoleShell;

/// <summary>
/// Registers the console's shell: form tokens, Razor pages, the menu entries of the shell's own pages and the jobs
/// dashboard. Features register their own services, menu entries and routes (onto <see cref="ConsoleRoutes"/>' groups).
/// </summary>
public static class ConsoleExtensions
{
    public static IServiceCollection AddConsoleShell(this IServiceCollection services)
    {
        // The form-token cookie: Secure whenever the request is HTTPS (behind nginx, X-Forwarded-Proto says so), never sent cross-site.
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ct_console_af";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        JobsDashboard.AddPolicy(services.AddAuthorizationBuilder());
        services.AddRazorComponents();
        services.AddHttpContextAccessor(); // the layout shows the notice a redirect left (ConsoleFlash)
        services.AddConsoleMenuItem(new(900, "nav-staff", "/console/staff", "人员账号", s => s.IsAdministrator));
        services.AddConsoleMenuItem(new(920, "nav-jobs", JobsDashboard.Path, "后台任务", ConsoleAccess.MayViewJobs));
        return services;
    }

    /// <summary>An entry of the console's menu (the layout shows those the member may see, by order).</summary>
    public static IServiceCollection AddConsoleMenuItem(this IServiceCollection services, ConsoleMenuItem item) => services.AddSingleton(item);

    public static IEndpointRouteBuilder MapConsoleShell(this IEndpointRouteBuilder app)
    {
        app.MapConsoleShellApi();
        app.MapConsoleShellPages();
        app.MapJobsDashboard();
        return app;
    }
}
