using CylinderTrace.Tests.Infrastructure;
using Hangfire;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// A worker instance that stops leaves no Hangfire server behind: a server that went on fetching jobs after its host
/// (and its DI container) had gone failed every job it took with ObjectDisposedException, and the deployment's
/// complaints went unrouted (CI, 2026-12-01).
/// </summary>
[Collection(Collections.BackgroundJobs)]
public sealed class A_stopped_worker_instance(WorkerHostFixture fx)
{
    [Fact]
    public async Task leaves_the_deployments_jobs_to_the_live_workers_even_when_stopped_as_it_starts()
    {
        for (var i = 0; i < 6; i++)
        {
            await using var worker = fx.AnotherInstance(worker: true);
            _ = worker.Server;
        }
        var numbers = new List<string>();
        for (var i = 0; i < 30; i++)
            numbers.Add((await (await M.SignInAsync(fx.Host, fx.WeChat)).FileOkAsync(new { category = "service", description = $"第{i}件：送气工态度差", districtCode = "350102" })).GetProperty("number").GetString()!);
        foreach (var number in numbers) await fx.Data.WaitUntilRoutedAsync(number);

        // No job of this deployment failed on a container that was gone (a retry's reason names the exception).
        var monitoring = fx.Host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var ids = monitoring.SucceededJobs(0, 5000).Select(j => j.Key)
            .Concat(monitoring.ScheduledJobs(0, 1000).Select(j => j.Key))
            .Concat(monitoring.FailedJobs(0, 1000).Select(j => j.Key));
        var disposedFailures = ids.SelectMany(id => monitoring.JobDetails(id)?.History ?? [])
            .Count(h => (h.Reason ?? "").Contains("disposed object", StringComparison.Ordinal)
                        || h.Data.Values.Any(v => v.Contains("ObjectDisposedException", StringComparison.Ordinal)));
        // Should one of them outlive its host anyway, it stops at the first job it cannot start (HostBoundActivator):
        // at most one job per worker thread (8) of each of the six.
        Assert.InRange(disposedFailures, 0, 6 * 8);
    }
}
