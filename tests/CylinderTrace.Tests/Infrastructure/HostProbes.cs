using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>A background job a host queued: its class, method and arguments (ids, as every job here takes).</summary>
public sealed record QueuedJob(Type Type, string Method, IReadOnlyList<object?> Args)
{
    public bool Is<T>(string method, object argument) => Type == typeof(T) && Method == method && Args.Count > 0 && Equals(Args[0], argument);
}

/// <summary>
/// Every job a test host queues through Hangfire's client, in order, after it was handed to the real
/// client (so it is queued in Redis as usual). Lets a test say "the reconciler queued nothing for this
/// row" the moment the reconciler returns, instead of waiting to see that nothing happened.
/// </summary>
public sealed class QueuedJobs
{
    private readonly ConcurrentQueue<QueuedJob> _jobs = new();

    /// <summary>How many so far: a mark to compare with later.</summary>
    public int Count => _jobs.Count;

    /// <summary>The jobs queued after <paramref name="mark"/> (a <see cref="Count"/> taken earlier).</summary>
    public IReadOnlyList<QueuedJob> Since(int mark) => _jobs.Skip(mark).ToList();

    internal void Add(Job job) => _jobs.Enqueue(new QueuedJob(job.Type, job.Method.Name, job.Args.ToList()));

    /// <summary>Wraps the host's IBackgroundJobClient (built lazily, as the host builds it: its storage needs Redis).</summary>
    internal void Install(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IBackgroundJobClient))
            ?? throw new InvalidOperationException("the host registers no IBackgroundJobClient");
        services.Replace(ServiceDescriptor.Singleton<IBackgroundJobClient>(sp => new RecordingClient(Build(registered, sp), this)));
    }

    private static IBackgroundJobClient Build(ServiceDescriptor d, IServiceProvider sp) =>
        (IBackgroundJobClient)(d.ImplementationInstance ?? d.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));

    private sealed class RecordingClient(IBackgroundJobClient inner, QueuedJobs record) : IBackgroundJobClientV2
    {
        public JobStorage Storage => inner is IBackgroundJobClientV2 v2 ? v2.Storage : throw new NotSupportedException("the host's job client has no storage");

        public string Create(Job job, IState state)
        {
            var id = inner.Create(job, state);
            record.Add(job);
            return id;
        }

        public string Create(Job job, IState state, IDictionary<string, object> parameters)
        {
            var id = inner is IBackgroundJobClientV2 v2 ? v2.Create(job, state, parameters) : inner.Create(job, state);
            record.Add(job);
            return id;
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => inner.ChangeState(jobId, state, expectedState);
    }
}

/// <summary>
/// How many requests the host is handling right now, counted around its whole pipeline: lets a test
/// wait until requests its client abandoned have finished on the server, rather than sleeping.
/// </summary>
public sealed class RequestsInFlight : IStartupFilter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, inner) =>
        {
            Interlocked.Increment(ref _count);
            try { await inner(context); }
            finally { Interlocked.Decrement(ref _count); }
        });
        next(app);
    };
}
