using System.Text.Json;
using System.Text.Json.Serialization;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using CylinderTrace.Platform;

namespace CylinderTrace;

/// <summary>Registers and maps every feature of the host.</summary>
public static class ApplicationExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatform();
        var services = builder.Services;
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));

        services.AddOptions<CylinderRulesOptions>().BindConfiguration(CylinderRulesOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.DesignLifeYears <= o.MaxServiceLifeYears, "CylinderRules:DesignLifeYears may not exceed CylinderRules:MaxServiceLifeYears.")
            .ValidateOnStart();
        services.AddSingleton<CylinderStatusRules>();
        services.AddSingleton<CylinderStore>();
        services.AddSingleton<CylinderCards>();

        services.AddSingleton<EnterpriseDirectory>();
        return builder;
    }

    public static WebApplication UseApplication(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapPlatform();
        app.MapCylindersApi();
        app.MapGet("/", () => Results.Text(
            "CylinderTrace\n  GET /api/cylinders/{code}/card\n  GET /api/cylinders/card?qr=...|scene=...\n  GET /health/live, /health/ready\n",
            "text/plain; charset=utf-8")).ExcludeFromDescription();
        return app;
    }
}

/// <summary>Source-generated JSON for the hot responses (no reflection per request).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CylinderCard))]
[JsonSerializable(typeof(CardStatus))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
