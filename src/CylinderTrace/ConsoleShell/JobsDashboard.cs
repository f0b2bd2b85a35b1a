using CylinderTrace.Staff;
using Hangfire;
using Hangfire.Dashboard;

namespace CylinderTrace.ConsoleShell;

/// <summary>
/// Hangfire's dashboard at /hangfire, for console administrators only (it shows job arguments and can
/// delete or requeue jobs). The dashboard's pipeline is built on first use, not at start, because
/// building the Redis job storage needs Redis and the host must start without it.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/hangfire";
    public const string Policy = "ConsoleAdministrator";

    public static void AddPolicy(Microsoft.AspNetCore.Authorization.AuthorizationBuilder authorization) =>
        authorization.AddPolicy(Policy, p => p.AddAuthenticationSchemes(ConsoleAuthentication.Scheme).RequireAuthenticatedUser()
            .RequireAssertion(ctx => ctx.Resource is HttpContext h && ConsoleAccess.TryStaff(h) is { } s && ConsoleAccess.MayViewJobs(s)));

    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        RequestDelegate? pipeline = null;
        var gate = new object();
        RequestDelegate handler = async context =>
        {
            if (pipeline is null)
                lock (gate)
                    pipeline ??= Build(app);
            var (pathBase, path) = (context.Request.PathBase, context.Request.Path);
            context.Request.Path.StartsWithSegments(Path, out var rest);
            context.Request.PathBase = pathBase.Add(Path);
            context.Request.Path = rest.HasValue ? rest : "/";
            try { await pipeline(context); }
            catch (InvalidOperationException e) when (!context.Response.HasStarted)
            {
                // Hangfire's own endpoints read forms and throw on a request of another shape (a GET of a POST endpoint,
                // a wrong content type): the request was wrong, not the server.
                context.RequestServices.GetRequiredService<ILogger<DashboardOptions>>().LogInformation("Jobs dashboard refused a request: {Error}", e.Message);
                await Platform.Problems.Problem.Of(400, "bad-request", "Request not readable", "后台任务页面不接受这种请求。请从后台任务页面上操作。").ExecuteAsync(context);
            }
            finally { (context.Request.PathBase, context.Request.Path) = (pathBase, path); }
        };
        app.Map(Path, handler).RequireAuthorization(Policy).ExcludeFromDescription();
        app.Map(Path + "/{**rest}", handler).RequireAuthorization(Policy).ExcludeFromDescription();
        return app;
    }

    private static RequestDelegate Build(IEndpointRouteBuilder app)
    {
        var storage = app.ServiceProvider.GetRequiredService<JobStorage>();
        var options = new DashboardOptions
        {
            // Who may see it was decided by the endpoint's policy; this filter says so to Hangfire.
            Authorization = [new AdministratorsOnly()],
            AppPath = "/console",
            DisplayStorageConnectionString = false,
        };
        return app.CreateApplicationBuilder()
            .UseMiddleware<AspNetCoreDashboardMiddleware>(storage, options, DashboardRoutes.Routes)
            .Build();
    }

    private sealed class AdministratorsOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            return ConsoleAccess.TryStaff(context.GetHttpContext()) is { } s && ConsoleAccess.MayViewJobs(s);
        }
    }
}
