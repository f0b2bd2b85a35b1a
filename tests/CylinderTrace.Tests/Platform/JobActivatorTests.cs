using CylinderTrace.Platform.Jobs;
using Hangfire;
using Hangfire.Common;
using Hangfire.Server;
using Microsoft.Extensions.Configuration;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// Several hosts in one process (the test run; any process hosting two instances) each run jobs with their own
/// container. Hangfire.NetCore registers the job activator as the process-wide JobActivator.Current, which the last
/// host to configure Hangfire sets: a host could run its jobs in another host's container, and once that host was
/// disposed every job failed with ObjectDisposedException and its complaints were never routed (CI, December 2026).
/// </summary>
public sealed class Each_host_runs_its_jobs_in_its_own_container
{
    private sealed record Marker(string Host);

    private static ServiceProvider Container(string name)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hosting:Roles"] = "web" }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(new Marker(name));
        services.AddJobs(configuration);
        return services.BuildServiceProvider();
    }

    private static object? ResolveInJob(IServiceProvider host)
    {
        var job = new BackgroundJob("1", Job.FromExpression<Marker>(m => m.ToString()), DateTime.UtcNow);
        using var scope = host.GetRequiredService<JobActivator>().BeginScope(new JobActivatorContext(new NoConnection(), job, new JobCancellationToken(false)));
        return scope.Resolve(typeof(Marker));
    }

    [Fact]
    public void even_when_another_host_configured_hangfire_after_it_and_has_since_been_disposed()
    {
        using var first = Container("first");
        first.GetRequiredService<IGlobalConfiguration>();
        var second = Container("second");
        // The second host configures Hangfire (process-wide) after the first, and stops.
        second.GetRequiredService<IGlobalConfiguration>();
        second.Dispose();

        Assert.Equal(new Marker("first"), ResolveInJob(first));
    }

    /// <summary>The activator's context wants a storage connection; the activator never uses it.</summary>
    private sealed class NoConnection : Hangfire.Storage.JobStorageConnection
    {
        public override IDisposable AcquireDistributedLock(string resource, TimeSpan timeout) => throw new NotSupportedException();
        public override string CreateExpiredJob(Job job, IDictionary<string, string> parameters, DateTime createdAt, TimeSpan expireIn) => throw new NotSupportedException();
        public override Hangfire.Storage.IWriteOnlyTransaction CreateWriteTransaction() => throw new NotSupportedException();
        public override void AnnounceServer(string serverId, ServerContext context) => throw new NotSupportedException();
        public override Hangfire.Storage.IFetchedJob FetchNextJob(string[] queues, CancellationToken cancellationToken) => throw new NotSupportedException();
        public override Dictionary<string, string> GetAllEntriesFromHash(string key) => throw new NotSupportedException();
        public override HashSet<string> GetAllItemsFromSet(string key) => throw new NotSupportedException();
        public override string GetFirstByLowestScoreFromSet(string key, double fromScore, double toScore) => throw new NotSupportedException();
        public override Hangfire.Storage.JobData GetJobData(string jobId) => throw new NotSupportedException();
        public override string GetJobParameter(string id, string name) => throw new NotSupportedException();
        public override Hangfire.Storage.StateData GetStateData(string jobId) => throw new NotSupportedException();
        public override void Heartbeat(string serverId) => throw new NotSupportedException();
        public override void RemoveServer(string serverId) => throw new NotSupportedException();
        public override int RemoveTimedOutServers(TimeSpan timeOut) => throw new NotSupportedException();
        public override void SetJobParameter(string id, string name, string value) => throw new NotSupportedException();
        public override void SetRangeInHash(string key, IEnumerable<KeyValuePair<string, string>> keyValuePairs) => throw new NotSupportedException();
    }
}
