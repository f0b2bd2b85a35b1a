using System.Linq.Expressions;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CylinderTrace.Platform.Jobs;

/// <summary>A recurring job a feature registers: a stable id, the job, when (cron, Asia/Shanghai).</summary>
public sealed record RecurringJob(string Id, string Cron, Action<IRecurringJobManager, RecurringJobOptions> AddOrUpdate);

public static class RecurringJobExtensions
{
    /// <summary>Registers a recurring job of the feature (added to Hangfire when an instance with the worker role starts).</summary>
    public static IServiceCollection AddRecurringJob<T>(this IServiceCollection services, string id, Expression<Func<T, Task>> job, string cron) =>
        services.AddSingleton(new RecurringJob(id, cron, (jobs, options) => jobs.AddOrUpdate(id, job, cron, options)));
}

/// <summary>Adds every feature's recurring jobs (stable ids, Asia/Shanghai time) when this instance runs workers.</summary>
internal sealed class RecurringJobs(IServiceProvider services, IEnumerable<RecurringJob> jobs, IOptions<HostingOptions> hosting, ILogger<RecurringJobs> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!hosting.Value.RunsWorker) return Task.CompletedTask;
        try
        {
            var manager = services.GetRequiredService<IRecurringJobManager>();
            var shanghai = new RecurringJobOptions { TimeZone = Time.ShanghaiTime.Zone };
            foreach (var job in jobs) job.AddOrUpdate(manager, shanghai);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            logger.LogWarning("Recurring jobs not registered (Redis unavailable): {Error}; the next start registers them", ex.Message);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
