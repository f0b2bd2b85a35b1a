using CylinderTrace.Platform.Jobs;

namespace CylinderTrace.Integration;

/// <summary>Registers the enterprise integration API: keys, signatures, scope, ingestion.</summary>
public static class IntegrationExtensions
{
    public static IServiceCollection AddIntegration(this IServiceCollection services)
    {
        services.AddOptions<IntegrationOptions>().BindConfiguration(IntegrationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<InspectionBodies>();
        services.AddSingleton<IntegrationKeys>();
        services.AddSingleton<IntegrationScope>();
        services.AddSingleton<Ingestion>();
        services.AddSingleton<FillChecks>();
        services.AddSingleton<EnterpriseNotifications>();
        services.AddRecurringJob<EnterpriseNotifications>(EnterpriseNotifications.RecurringJobId, n => n.ReconcileAsync(CancellationToken.None), Hangfire.Cron.Minutely());
        services.AddSingleton<EnterpriseContacts>();
        services.AddHttpClient(EnterpriseNotifications.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // A redirect would carry the signed notification to an address nobody registered.
                AllowAutoRedirect = false,
                // Webhooks go straight to the checked address: through a proxy, the proxy would be what is connected to.
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<IntegrationOptions>>().Value.AllowInsecureWebhooks
                    ? null : WebhookAddresses.ConnectAsync,
            });
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, IngestionJson.Default));
        return services;
    }

    /// <summary>Signature checks for every request under /api/integration, before its endpoint reads the body.</summary>
    public static WebApplication UseIntegrationSignatures(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(IntegrationApi.Prefix), b => b.UseMiddleware<IntegrationSignature>());
        return app;
    }
}
