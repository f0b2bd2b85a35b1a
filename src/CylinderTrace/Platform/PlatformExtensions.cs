using CylinderTrace.Platform.Caching;
using CylinderTrace.Platform.Database;
using CylinderTrace.Platform.Health;
using CylinderTrace.Platform.Privacy;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace CylinderTrace.Platform;

/// <summary>Registers what every feature stands on: options, MariaDB, Redis, caching, health, problem details.</summary>
public static class PlatformExtensions
{
    /// <summary>The host's HtmlEncoder (for the console's pages and <see cref="Html.ComponentHtml"/>) and the component renderer.</summary>
    public static IServiceCollection AddHtmlRendering(this IServiceCollection services)
    {
        // Every page and mail is Chinese: encode only what HTML needs, not every CJK character as an entity.
        services.AddSingleton(System.Text.Encodings.Web.HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All));
        services.AddSingleton<Html.ComponentHtml>();
        return services;
    }

    public static IHostApplicationBuilder AddPlatform(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PrivacyOptions>().BindConfiguration(PrivacyOptions.Section).ValidateDataAnnotations()
            // A missing key is the [Required] message alone, not that and "must be Base64" too.
            .Validate(o => string.IsNullOrEmpty(o.EncryptionKey) || KeyDecodes(o.EncryptionKey, 32), "Privacy:EncryptionKey must be Base64 of exactly 32 bytes (openssl rand -base64 32).")
            .Validate(o => string.IsNullOrEmpty(o.HashKey) || KeyDecodes(o.HashKey, null), "Privacy:HashKey must be Base64 of at least 32 bytes (openssl rand -base64 32).")
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var cs = options.ConnectionString;
            MultiRow.JsonTable = options.JsonTable;
            try { return new MySqlDataSource(cs); }
            catch (ArgumentException ex) { throw new OptionsValidationException(DatabaseOptions.Section, typeof(DatabaseOptions), [$"Database:ConnectionString is malformed: {ex.Message}"]); }
        });
        services.AddSingleton<Db>();
        services.AddSingleton<ReportDb>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<PartitionMaintenance>();

        services.AddSingleton<IConnectionMultiplexer>(sp =>
            RedisConnections.Connect(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration, "Redis:Configuration", RedisOptions.Section, typeof(RedisOptions)));
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions>()
            .Configure<IServiceProvider>((o, sp) =>
            {
                var redis = sp.GetRequiredService<IConnectionMultiplexer>();
                o.ConnectionMultiplexerFactory = () => Task.FromResult(redis);
                o.InstanceName = sp.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix + "hc:";
            });
        services.AddHybridCache(o =>
        {
            o.MaximumPayloadBytes = 1 << 20;
            o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromMinutes(5) };
        });
        services.AddSingleton<CacheInvalidation>();
        services.AddHostedService(sp => sp.GetRequiredService<CacheInvalidation>());

        services.AddSingleton<PersonalData>();
        services.AddSingleton<RateLimiting.RedisRateLimiter>();
        // Hosted services start in the order they are registered: the migrations first, then the deployment's first
        // data-protection key (made once for all instances), both before data protection reads its key ring as it starts.
        services.AddHostedService<MigrateOnStart>();
        services.AddSingleton<Security.FirstKey>();
        services.AddHostedService<Security.FirstKeyOnStart>();
        // Cookies and form tokens read the same on every instance: keys in MariaDB, encrypted under DataProtection:KeyEncryptionKey.
        Security.KeyRing.AddKeyRingInDatabase(services);
        services.AddSingleton<ReferenceData.Agencies>();
        services.AddHtmlRendering();

        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.FrameworkProblems.Complete);
        services.AddExceptionHandler<Problems.DependencyUnavailableHandler>();
        services.AddExceptionHandler<Problems.BadRequestHandler>();
        // Unreadable input is answered 400 in every environment (Development would throw, and its error page make a 500).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        services.AddHealthChecks()
            .AddCheck<MariaDbHealthCheck>("mariadb", HealthStatus.Unhealthy, ["ready"])
            .Add(new HealthCheckRegistration("redis", sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>()), HealthStatus.Unhealthy, ["ready"]));
        return builder;
    }

    public static WebApplication MapPlatform(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        return app;
    }

    private static bool KeyDecodes(string value, int? exact)
    {
        try
        {
            var n = Convert.FromBase64String(value).Length;
            return exact is int e ? n == e : n >= 32;
        }
        catch (FormatException) { return false; }
    }
}

/// <summary>Applies pending migrations and adds the coming months' partitions before the host serves, when configured to.</summary>
internal sealed class MigrateOnStart(MigrationRunner runner, PartitionMaintenance partitions, IOptions<DatabaseOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (!options.Value.MigrateOnStart) return;
        await runner.MigrateAsync(options.Value.MigrationLockSeconds, ct);
        await partitions.EnsureAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>How every Redis connection of the host is made (the main one, and Jobs:Redis when set).</summary>
public static class RedisConnections
{
    /// <summary>
    /// Parses <paramref name="configuration"/> and connects without waiting for Redis. Unless the configuration names
    /// its own, commands time out after 1 s (StackExchange.Redis waits 5 s by default): a primary that stops answering
    /// (paused, cut off) then costs a request about a second per Redis call instead of five, inside WeChat's 5 s reply
    /// budget, while the cluster promotes its replica (cluster-node-timeout; docs/RELIABILITY.md has the measured window).
    /// </summary>
    public static ConnectionMultiplexer Connect(string configuration, string setting, string section, Type optionsType)
    {
        ConfigurationOptions config;
        try { config = ConfigurationOptions.Parse(configuration); }
        catch (ArgumentException ex) { throw new OptionsValidationException(section, optionsType, [$"{setting} is malformed: {ex.Message}"]); }
        // Start and keep retrying while Redis is away: the host answers from MariaDB meanwhile.
        config.AbortOnConnectFail = false;
        // While disconnected, fail at once rather than queue for the timeout: every caller has a
        // MariaDB path or a reconciler, and a request should not wait seconds per Redis call.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ClientName = "cylindertrace";
        if (!configuration.Contains("syncTimeout=", StringComparison.OrdinalIgnoreCase)) config.SyncTimeout = 1000;
        if (!configuration.Contains("asyncTimeout=", StringComparison.OrdinalIgnoreCase)) config.AsyncTimeout = 1000;
        if (!configuration.Contains("connectTimeout=", StringComparison.OrdinalIgnoreCase)) config.ConnectTimeout = 2000;
        return ConnectionMultiplexer.Connect(config);
    }
}
