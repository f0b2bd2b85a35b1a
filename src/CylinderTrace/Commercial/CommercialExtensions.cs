using CylinderTrace.ConsoleShell;
using CylinderTrace.Platform.Jobs;

namespace CylinderTrace.Commercial;

/// <summary>
/// Registers restaurants' receiving scans and scan rates, and maps their Mini Program API, their console pages and API,
/// and their part of the enterprise integration API.
/// </summary>
public static class CommercialExtensions
{
    public static IServiceCollection AddCommercial(this IServiceCollection services)
    {
        services.AddOptions<CommercialOptions>().BindConfiguration(CommercialOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CommercialMembers>();
        services.AddSingleton<ReceivingScans>();
        services.AddSingleton<DeliveryAlerts>();
        services.AddRecurringJob<DeliveryAlerts>(DeliveryAlerts.ReconcileJobId, a => a.ReconcileAsync(CancellationToken.None), Hangfire.Cron.Minutely());
        services.AddSingleton<ScanRates>();
        services.AddSingleton<LiveScanRates>();
        services.AddSingleton<ScanRateRollups>();
        services.AddRecurringJob<ScanRateRollups>(ScanRateRollups.RefreshJobId, r => r.RefreshAsync(CancellationToken.None), Hangfire.Cron.Minutely());
        services.AddRecurringJob<ScanRateRollups>(ScanRateRollups.ReconcileJobId, r => r.ReconcileAsync(CancellationToken.None), "40 2 * * *");
        services.AddSingleton<ScanRatesConsole>();
        services.AddSingleton<Cylinders.IDeliveryListener, DeliveryScanMatching>();
        services.AddConsoleMenuItem(new(200, "nav-rates", "/console/scan-rates", "进货扫码率", _ => true));
        return services;
    }

    public static IEndpointRouteBuilder MapCommercial(this IEndpointRouteBuilder app)
    {
        app.MapCommercialApi();
        app.MapCommercialConsole();
        app.MapCommercialIntegrationApi();
        return app;
    }
}
