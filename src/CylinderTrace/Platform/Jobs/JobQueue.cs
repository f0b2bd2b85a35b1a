using System.Linq.Expressions;
using Hangfire;

namespace CylinderTrace.Platform.Jobs;

/// <summary>
/// Queues a job now, or leaves it for later: the database row that says what must happen is already committed, so a
/// job that cannot be queued (Redis away) is found again by the feature's reconciler, or its information reaches the
/// reader another way. The job client is resolved here, not injected: building Hangfire's storage needs Redis, and
/// the caller's work is done whether or not Redis answers.
/// </summary>
public static class JobQueue
{
    /// <summary>True when queued; false (logged with <paramref name="otherwise"/>: what happens instead) when not.</summary>
    public static bool TryEnqueue<T>(this IServiceProvider services, Expression<Func<T, Task>> job, ILogger logger, string otherwise)
    {
        try
        {
            services.GetRequiredService<IBackgroundJobClient>().Enqueue(job);
            return true;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Job not queued now ({Otherwise})", otherwise);
            return false;
        }
    }
}
