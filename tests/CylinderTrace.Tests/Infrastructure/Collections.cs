namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// The host tests' collections. Each has a database, a Redis key prefix, a WeChat stand-in and a host of
/// its own (its fixture), so xunit runs them side by side (xunit.runner.json sets how many at once);
/// inside a collection tests run one after another. A test class opts in to background workers by
/// joining a collection whose fixture is a <see cref="WorkerHostFixture"/>. docs/DEVELOPMENT.md says
/// which kind of test goes where. Classes outside these collections make their own databases.
/// </summary>
public static class Collections
{
    /// <summary>Complaints filed, routed, notified and worked in the console, also in a real browser (workers).</summary>
    public const string Complaints = "complaints (workers)";

    /// <summary>Other work done by jobs: detention notices, digests, enterprise webhooks, late Official Account replies, receiving-scan alerts (workers).</summary>
    public const string BackgroundJobs = "background jobs (workers)";

    /// <summary>Administration pages that change routing rules, staff and digest settings: a deployment of their own, so
    /// their changes never reach the complaint tests' routing.</summary>
    public const string Administration = "administration (workers)";

    /// <summary>Staff sign-in, sessions, forms and administration; scan rates and scores in the console (web only).</summary>
    public const string Console = "console (web)";

    /// <summary>The public card, the Mini Program and Official Account APIs, and the host itself (web only).</summary>
    public const string Apis = "apis (web)";

    /// <summary>The enterprises' integration API (web only).</summary>
    public const string Integration = "integration (web)";

    /// <summary>Long runs of the stress stage (workers); see <see cref="Stage"/>.</summary>
    public const string Stress = "stress (workers)";
}

/// <summary>
/// The trait that puts a test in a stage of ops/test.sh: the main stage runs everything else
/// (<c>--filter "Stage!=stress"</c>), then the stress stage runs these (<c>--filter "Stage=stress"</c>).
/// Stress tests are the long, heavy runs (hundreds of complaints, a Redis server killed and restarted)
/// whose smaller cases the main stage keeps.
/// </summary>
public static class Stage
{
    public const string Name = "Stage";
    public const string Stress = "stress";
}

[CollectionDefinition(Collections.Complaints)]
public sealed class ComplaintsCollection : ICollectionFixture<WorkerHostFixture>;

[CollectionDefinition(Collections.Administration)]
public sealed class AdministrationCollection : ICollectionFixture<WorkerHostFixture>;

[CollectionDefinition(Collections.BackgroundJobs)]
public sealed class BackgroundJobsCollection : ICollectionFixture<WorkerHostFixture>;

[CollectionDefinition(Collections.Console)]
public sealed class ConsoleCollection : ICollectionFixture<WebHostFixture>;

[CollectionDefinition(Collections.Apis)]
public sealed class ApisCollection : ICollectionFixture<WebHostFixture>;

[CollectionDefinition(Collections.Integration)]
public sealed class IntegrationCollection : ICollectionFixture<WebHostFixture>;

[CollectionDefinition(Collections.Stress)]
public sealed class StressCollection : ICollectionFixture<WorkerHostFixture>;
