using System.Text.Json;
using System.Text.Json.Serialization;
using CylinderTrace.CardPages;
using CylinderTrace.Commercial;
using CylinderTrace.Complaints;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Cylinders;
using CylinderTrace.Enterprises;
using CylinderTrace.Integration;
using CylinderTrace.MiniProgram;
using CylinderTrace.OfficialAccount;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Commands;
using CylinderTrace.Platform.Jobs;
using CylinderTrace.Platform.WeChat;
using CylinderTrace.Staff;
using CylinderTrace.Supervision;

namespace CylinderTrace;

/// <summary>Registers and maps every feature of the host.</summary>
public static class ApplicationExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatform();
        var services = builder.Services;
        services.AddJobs(builder.Configuration);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));

        services.AddOptions<CylinderRulesOptions>().BindConfiguration(CylinderRulesOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.DesignLifeYears <= o.MaxServiceLifeYears, "CylinderRules:DesignLifeYears may not exceed CylinderRules:MaxServiceLifeYears.")
            .ValidateOnStart();
        services.AddSingleton<CylinderStatusRules>();
        services.AddSingleton<FillRules>();
        services.AddSingleton<CylinderStore>();
        services.AddSingleton<CylinderCards>();
        services.AddSingleton<UnregisteredScans>();
        services.AddHostedService<UnregisteredScanWriter>();
        services.AddSingleton<CylinderHistory>();

        services.AddSingleton<EnterpriseDirectory>();
        services.AddSingleton<EnterpriseLicences>();
        services.AddSingleton<CustomerIdentities>();

        services.AddWeChatPlatform();
        services.AddOfficialAccount();
        services.AddMiniProgram();
        services.AddStaff();
        services.AddConsoleShell();
        services.AddComplaints();
        services.AddIntegration();
        services.AddCommercial();
        services.AddSupervision();
        services.AddCardPages();
        // The Mini Program's published contract (miniprogram-contracts/openapi.json is checked against it).
        services.AddMiniProgramContract();
        // The integration API's published contract (docs/integration-openapi.json is checked against it).
        services.AddIntegrationContract();
        return builder;
    }

    /// <summary>How the host binary's command line runs: serving HTTP by default, and the features' commands (besides Platform's `migrate` and `data-protection-keys`).</summary>
    public static CommandLineContext CommandLineContext(TextWriter? output = null, TextWriter? error = null, IServiceProvider? services = null,
        IReadOnlyDictionary<string, string?>? settings = null) => new()
        {
            Output = output ?? System.Console.Out,
            Error = error ?? System.Console.Error,
            Services = services,
            Settings = settings,
            Serve = ServeAsync,
            AddServices = b => b.AddApplicationServices(),
            Commands = tool =>
            [
                Seeding.SeedCommand.Command(tool),
            Seeding.ConsoleDemo.Command(tool),
            StaffExtensions.CreateAdministratorCommand(tool),
            StaffExtensions.CreateStaffCommand(tool),
            IntegrationCommand.Command(tool),
            CsvImport.Command(tool),
            CsvImport.TemplateCommand(tool),
            Commercial.ScanRatesCommand.Command(tool),
            Supervision.ScoresCommand.Command(tool),
            Complaints.Handling.ComplaintSearchCommand.Command(tool),
            Supervision.InspectionsCommand.Command(tool),
            OfficialAccountExtensions.MenuCommand(tool),
            LabelsCommand.Command(tool),
        ],
        };

    /// <summary>Serves HTTP (the default command): every settings problem is reported at once, before anything starts.</summary>
    public static async Task<int> ServeAsync(string[] args, CommandLineContext context)
    {
        // Options are bound and validated once at start and nothing re-reads configuration, so the files are
        // not watched for changes: reload-on-change watches the whole content root, recursively, and when the
        // host runs from a checkout (ops/run.sh, the benchmarks) MariaDB's and Redis's files under .local/
        // raise an event for every write, which the host then handles. An operator's own argument still wins.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        // The appsettings.json shipped beside the binary, under everything else: run from a checkout
        // (ops/run.sh), the content root is the checkout, where the content root's own appsettings.json is absent.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = "appsettings.json", Optional = true, ReloadOnChange = false,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
        });
        if (context.Settings is not null) builder.Configuration.AddInMemoryCollection(context.Settings);
        builder.AddApplicationServices();
        var app = builder.Build();
        if (await CommandLine.ReportSettingsProblemsAsync(app.Services, context.Error))
        {
            await app.DisposeAsync();
            return CommandLine.UsageError;
        }
        app.UseApplication();
        await app.RunAsync();
        return 0;
    }

    public static WebApplication UseApplication(this WebApplication app)
    {
        // Behind nginx (ops/deploy): the client's address and scheme come from the proxy's headers,
        // believed only from loopback and the proxies named in Hosting:TrustedProxies.
        var forwarded = new Microsoft.AspNetCore.Builder.ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
            // Every trusted proxy in the chain (a load balancer in front of nginx) is stepped over, up to the first address
            // that is not one: that is the client. Only the trusted proxies' entries are believed.
            ForwardLimit = null,
        };
        foreach (var proxy in app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostingOptions>>().Value.TrustedProxies
                     .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (System.Net.IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
            else throw new Microsoft.Extensions.Options.OptionsValidationException(HostingOptions.Section, typeof(HostingOptions), [$"Hosting:TrustedProxies: '{proxy}' is not an IP address."]);
        app.UseForwardedHeaders(forwarded);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseIntegrationSignatures();
        app.MapPlatform();
        // A worker-only instance answers its health checks and nothing else.
        if (!app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostingOptions>>().Value.ServesWeb) return app;
        app.MapCylindersApi();
        app.MapOfficialAccountApi();
        app.MapMiniProgramApi();
        app.MapConsoleShell();
        app.MapComplaints();
        app.MapIntegrationApi();
        app.MapCommercial();
        app.MapSupervision();
        app.MapCardPageFeature();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/", () => Results.Text(
            "CylinderTrace\n  GET /c/{code} (the card page a cylinder's QR opens; /qr/{code} too)\n  GET /api/cylinders/{code}/card\n  GET /api/cylinders/card?qr=...|scene=...\n  GET|POST /wechat/oa (WeChat Official Account server)\n  /api/mp/... (Mini Program API; contract at /openapi/mp.json)\n  GET /open311/v2/services.json|.xml, requests.json|.xml, requests/{id}.json|.xml (GeoReport v2)\n  GET /public/credit (enterprises' credit disclosure, HTML), /api/public/enterprises, /api/public/inspection-plans/{id}\n  /console (the handler console; API under /api/console)\n  /api/integration/v1/... (enterprises' systems, signed requests; docs/INTEGRATION.md)\n  GET /integration/import-templates/{kind}.csv (CSV import templates)\n  GET /health/live, /health/ready\n",
            "text/plain; charset=utf-8")).ExcludeFromDescription();
        return app;
    }
}

/// <summary>Source-generated JSON for the hot responses (no reflection per request).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CylinderCard))]
[JsonSerializable(typeof(CardStatus))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
