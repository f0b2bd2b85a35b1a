using System.ComponentModel.DataAnnotations;
using Hangfire;
using Hangfire.Redis.StackExchange;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Platform.Jobs;

/// <summary>What this instance does: serve HTTP ("web"), run background jobs ("worker"), or both.</summary>
public sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>Comma-separated roles: web, worker.</summary>
    [Required, RegularExpression(@"^\s*(web|worker)\s*(,\s*(web|worker)\s*)?$", ErrorMessage = "Hosting:Roles must be 'web', 'worker' or 'web,worker'.")]
    public string Roles { get; set; } = "web,worker";

    /// <summary>Hangfire worker threads of a worker instance.</summary>
    [Range(1, 100, ErrorMessage = "Hosting:{0} must be between {1} and {2}.")]
    public int WorkerCount { get; set; } = 4;

    /// <summary>
    /// Addresses of reverse proxies (comma-separated IPs) whose X-Forwarded-For/-Proto are believed, in
    /// addition to loopback: the client address feeds rate limits, and the scheme makes cookies Secure.
    /// </summary>
    public string TrustedProxies { get; set; } = "";

    public bool RunsWorker => Roles.Contains("worker", StringComparison.OrdinalIgnoreCase);
    public bool ServesWeb => Roles.Contains("web", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Where Hangfire keeps its jobs (section "Jobs").</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>
    /// A Redis of their own for the job queues (a StackExchange.Redis configuration string), so job traffic does not
    /// pin one shard of a Redis Cluster (Hangfire's keys must share a hash slot); empty: the main Redis.
    /// </summary>
    public string Redis { get; set; } = "";

    /// <summary>
    /// Prefix of Hangfire's keys; empty: "{&lt;Redis:KeyPrefix&gt;hangfire}:", a hash tag, so its multi-key
    /// transactions stay in one slot of a cluster. A deployment upgraded from a release that used "&lt;prefix&gt;hangfire:"
    /// may set that here until its queues have drained (docs/OPERATIONS.md, "Beyond one city").
    /// </summary>
    [RegularExpression(@"^[a-z0-9:_{}-]{0,60}$", ErrorMessage = "Jobs:KeyPrefix must be up to 60 characters of a-z, 0-9, ':', '_', '-', '{' or '}'.")]
    public string KeyPrefix { get; set; } = "";

    /// <summary>The prefix in force: the setting, or the hash-tagged default under <paramref name="redisKeyPrefix"/>.</summary>
    public string PrefixUnder(string redisKeyPrefix) => KeyPrefix.Length > 0 ? KeyPrefix : "{" + redisKeyPrefix + "hangfire}:";
}

/// <summary>
/// Hangfire with its storage in Redis (Hangfire.Redis.StackExchange, pinned). The storage is a DI
/// singleton built on our multiplexer and key prefix, never the static JobStorage.Current, so
/// several hosts in one process (tests) keep their own. Jobs take ids; every job is idempotent.
/// </summary>
public static class JobsExtensions
{
    /// <summary>The DI key of the Redis connection that holds Hangfire's storage (the main one unless Jobs:Redis is set).</summary>
    public const string JobsRedisKey = "jobs";

    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HostingOptions>().BindConfiguration(HostingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<RecurringJobs>();
        // Months ahead get their partitions even on a host that is never restarted (04:30, after the night's jobs).
        services.AddRecurringJob<Database.PartitionMaintenance>(Database.PartitionMaintenance.RecurringJobId, p => p.RunAsync(CancellationToken.None), "30 4 * * *");
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddKeyedSingleton<IConnectionMultiplexer>(JobsRedisKey, (sp, _) =>
            sp.GetRequiredService<IOptions<JobsOptions>>().Value.Redis is { Length: > 0 } own
                ? RedisConnections.Connect(own, "Jobs:Redis", JobsOptions.Section, typeof(JobsOptions))
                : sp.GetRequiredService<IConnectionMultiplexer>());
        services.AddSingleton<JobStorage>(sp => new RedisStorage(sp.GetRequiredKeyedService<IConnectionMultiplexer>(JobsRedisKey), new RedisStorageOptions
        {
            Prefix = sp.GetRequiredService<IOptions<JobsOptions>>().Value.PrefixUnder(sp.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix),
            InvisibilityTimeout = TimeSpan.FromMinutes(30),
            // Workers wake on new jobs through pub/sub; this only bounds how long a stopping worker waits.
            FetchTimeout = TimeSpan.FromSeconds(3),
        }));
        // This host's own activator. Hangfire.NetCore's default is the process-wide JobActivator.Current, set by whichever
        // host configured Hangfire last: a host could run its jobs in another host's container, and once that one was
        // disposed every job failed with ObjectDisposedException (CI, December 2026). Registered first, so AddHangfire's
        // TryAdd keeps it.
        services.AddSingleton<JobActivator>(sp =>
        {
            // As Hangfire's own registration does: the (process-wide) configuration is applied before any job runs.
            sp.GetRequiredService<IGlobalConfiguration>();
            return new HostJobActivator(sp.GetRequiredService<IServiceScopeFactory>());
        });
        services.AddHangfire((sp, c) => c
            .UseLogProvider(new HostBoundLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        if (!string.IsNullOrEmpty(configuration[JobsOptions.Section + ":Redis"]))
            services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("redis-jobs",
                sp => new Health.RedisHealthCheck(sp.GetRequiredKeyedService<IConnectionMultiplexer>(JobsRedisKey), "Jobs:Redis"),
                Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, ["ready"]));
        var hosting = configuration.GetSection(HostingOptions.Section).Get<HostingOptions>() ?? new HostingOptions();
        if (hosting.RunsWorker) services.AddHostedService<HangfireWorker>();
        return services;
    }
}

/// <summary>
/// The Hangfire server of a worker instance. It starts once Redis answers and keeps trying until then,
/// so a worker started during a Redis outage does not fail its host (the storage needs Redis to be built).
/// </summary>
internal sealed class HangfireWorker(IServiceProvider services, IOptions<HostingOptions> hosting, ILogger<HangfireWorker> logger) : BackgroundService
{
    private BackgroundJobServer? _server;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var options = new BackgroundJobServerOptions
                {
                    WorkerCount = hosting.Value.WorkerCount,
                    ShutdownTimeout = TimeSpan.FromSeconds(5),
                    SchedulePollingInterval = TimeSpan.FromSeconds(1),
                };
                // The constructor that takes the DI container's services (activator, filters, factory),
                // as Hangfire.AspNetCore's own hosted service does; marked obsolete for 2.0.
#pragma warning disable CS0618
                var filters = services.GetRequiredService<Hangfire.Common.IJobFilterProvider>();
                BackgroundJobServer? server = null;
                // A server that outlived its host stops itself at the first job it cannot start (see HostBoundActivator).
                var activator = new HostBoundActivator(services.GetRequiredService<JobActivator>(), () => Volatile.Read(ref server)?.SendStop());
                server = new BackgroundJobServer(options, services.GetRequiredService<JobStorage>(), [], filters, activator,
                    new Hangfire.Client.BackgroundJobFactory(filters), new Hangfire.Server.BackgroundJobPerformer(filters, activator),
                    new Hangfire.States.BackgroundJobStateChanger(filters));
                _server = server;
#pragma warning restore CS0618
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Redis away (the storage cannot be built yet), or anything else: log, wait, try again.
                logger.LogWarning(ex, "Background jobs not started yet: {Error}", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // After this no new server is made (the start loop has ended).
        await base.StopAsync(cancellationToken);
        var server = Interlocked.Exchange(ref _server, null);
        if (server is null) return;
        server.SendStop();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try { await server.WaitForShutdownAsync(timeout.Token); }
        catch (OperationCanceledException) { logger.LogWarning("Background jobs did not stop within 10 s; they resume elsewhere (jobs are idempotent)"); }
        // Hangfire's servers must be disposed, not only stopped: a server left undisposed could go on taking jobs
        // after the host's container was gone. Dispose blocks for up to the server's ShutdownTimeout.
        await Task.Run(server.Dispose, CancellationToken.None);
    }

    public override void Dispose()
    {
        // A host disposed without being stopped (its start failed) still ends its server.
        Interlocked.Exchange(ref _server, null)?.Dispose();
        base.Dispose();
    }
}

/// <summary>A job runs in a DI scope of its own host's container (one scope per job, disposed after it).</summary>
internal sealed class HostJobActivator(IServiceScopeFactory scopes) : JobActivator
{
    public override object ActivateJob(Type jobType) =>
        throw new InvalidOperationException("Jobs are activated in a scope (BeginScope); " + jobType + " asked for none.");

    public override JobActivatorScope BeginScope(JobActivatorContext context) => new Scope(scopes.CreateAsyncScope());

#pragma warning disable CS0672 // Hangfire's older entry point, kept working for any caller that still uses it.
    public override JobActivatorScope BeginScope() => new Scope(scopes.CreateAsyncScope());
#pragma warning restore CS0672

    private sealed class Scope(AsyncServiceScope scope) : JobActivatorScope
    {
        public override object Resolve(Type type) => ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, type);
        // Hangfire disposes a scope synchronously; services that can only be disposed asynchronously are disposed so too.
        public override void DisposeScope() => scope.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

/// <summary>
/// Stops the host's Hangfire server when the host's container is gone. Hangfire's servers run on threads of their own;
/// a server that outlived its host would take job after job and fail each with ObjectDisposedException. Now the first
/// such job fails (its retry goes to a live server) and this server takes no more.
/// </summary>
internal sealed class HostBoundActivator(JobActivator inner, Action stopServer) : JobActivator
{
    public override object ActivateJob(Type jobType) => inner.ActivateJob(jobType);

    public override JobActivatorScope BeginScope(JobActivatorContext context) => Guard(() => inner.BeginScope(context));

#pragma warning disable CS0618, CS0672 // Hangfire's older entry point, passed on like the current one.
    public override JobActivatorScope BeginScope() => Guard(inner.BeginScope);
#pragma warning restore CS0618, CS0672

    private JobActivatorScope Guard(Func<JobActivatorScope> begin)
    {
        try { return begin(); }
        catch (ObjectDisposedException)
        {
            stopServer();
            throw;
        }
    }
}
