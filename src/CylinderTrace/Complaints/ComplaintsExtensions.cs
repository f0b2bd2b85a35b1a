using CylinderTrace.Complaints.Handling;
using CylinderTrace.Complaints.Notifications;
using CylinderTrace.Complaints.Photos;
using CylinderTrace.Complaints.Routing;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Staff;

namespace CylinderTrace.Complaints;

/// <summary>
/// Registers complaints: filing, photos, routing and deadlines, notifications to complainants and staff, handling in the
/// console; and maps the console's complaint pages and API, the routing-rule administration and Open311.
/// </summary>
public static class ComplaintsExtensions
{
    public static IServiceCollection AddComplaints(this IServiceCollection services)
    {
        services.AddOptions<PhotoOptions>().BindConfiguration(PhotoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PhotoSanitiser>();
        services.AddSingleton<PhotoStore>();
        services.AddSingleton<ComplaintStore>();
        services.AddSingleton<ComplaintService>();
        services.AddSingleton<CylinderComplaintList>();
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ComplaintNotifications>();
        services.AddOptions<StaffNotificationOptions>().BindConfiguration(StaffNotificationOptions.Section);
        services.AddSingleton<StaffNotifications>();
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ComplaintRouter>();
        services.AddSingleton<RoutingRules>();
        services.AddOptions<DeadlineOptions>().BindConfiguration(DeadlineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeadlineWatch>();
        services.AddRecurringJob<ComplaintNotifications>(ComplaintNotifications.RecurringJobId, n => n.ReconcileAsync(CancellationToken.None), Hangfire.Cron.Minutely());
        services.AddRecurringJob<ComplaintRouter>(ComplaintRouter.RecurringJobId, r => r.ReconcileAsync(CancellationToken.None), Hangfire.Cron.Minutely());
        services.AddRecurringJob<DeadlineWatch>(DeadlineWatch.RecurringJobId, w => w.RunAsync(CancellationToken.None), "*/5 * * * *");
        services.AddSingleton<ComplaintQueue>();
        services.AddSingleton<ComplaintHandling>();
        services.AddSingleton<ComplaintDesk>();
        services.AddSingleton<ComplaintSearch>();
        services.AddSingleton<ComplaintStatistics>();
        services.AddSingleton<ReplyTemplates>();
        services.AddRecurringJob<ComplaintSearch>(ComplaintSearch.RecurringJobId, s => s.ReconcileAsync(CancellationToken.None, 1000), "*/5 * * * *");
        services.AddConsoleMenuItem(new(100, "nav-queue", "/console", "本单位投诉", _ => true));
        services.AddConsoleMenuItem(new(110, "nav-informed", "/console?scope=informed", "抄送与督办", _ => true));
        services.AddConsoleMenuItem(new(120, "nav-statistics", "/console/complaints/statistics", "投诉统计", _ => true));
        services.AddConsoleMenuItem(new(790, "nav-templates", "/console/reply-templates", "常用语", ConsoleAccess.MayUseReplyTemplates));
        services.AddConsoleMenuItem(new(800, "nav-team", "/console/team", "办理力量", ConsoleAccess.MaySeeTeam));
        services.AddConsoleMenuItem(new(910, "nav-rules", "/console/routing-rules", "分派规则", ConsoleAccess.MayReadRouting));
        return services;
    }

    public static IEndpointRouteBuilder MapComplaints(this IEndpointRouteBuilder app)
    {
        app.MapComplaintConsole();
        app.MapRoutingRulesConsole();
        app.MapReplyTemplatesConsole();
        app.MapOpen311Api();
        return app;
    }
}
