using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// The real host, in process, against the real MariaDB and Redis. Several hosts built on the same
/// database and key prefix behave as several instances of one deployment.
/// </summary>
public sealed class CylinderTraceHost(string connectionString, string redisPrefix, IDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public static readonly string EncryptionKey = TestEnvironment.NewKey();
    public static readonly string HashKey = TestEnvironment.NewKey();
    /// <summary>Encrypts the data-protection key ring in MariaDB (a host with another one cannot read this run's cookies).</summary>
    public static readonly string KeyEncryptionKey = TestEnvironment.NewKey();
    public const string OaAppId = "wxtestofficial01";
    public const string OaToken = "ct-test-token";
    public const string MpAppId = "wxtestminiprog01";
    /// <summary>Photos of all test hosts of this run (content-addressed, so sharing is harmless).</summary>
    public static readonly string PhotoFolder = Path.Combine(Path.GetTempPath(), "cylindertrace-test-photos-" + Environment.ProcessId);
    public static readonly string OaAesKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');

    /// <summary>Runs background jobs too (Hangfire's server): the main host of a collection that opts in to workers does; extra instances serve web only, which keeps them quick to stop.</summary>
    public bool Worker { get; init; }

    /// <summary>
    /// Registers the recurring jobs when <see cref="Worker"/> is set. Off unless a test is about them: a
    /// reconciler or digest run firing on its own minute in the middle of a test changes what it counts;
    /// tests call the reconcilers they mean to run.
    /// </summary>
    public bool RecurringJobs { get; init; }

    /// <summary>The host's clock (a FakeTimeProvider the test advances), instead of the system's.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Replaces services after the host registered its own.</summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? TestServices { get; init; }

    /// <summary>Every background job this instance queued (see <see cref="QueuedJobs"/>).</summary>
    public QueuedJobs Jobs { get; } = new();

    /// <summary>Requests this instance is handling right now.</summary>
    public RequestsInFlight InFlight { get; } = new();

    /// <summary>The host's environment name; "Testing" unless a test is about another.</summary>
    public string EnvironmentName { get; init; } = "Testing";

    /// <summary>Where WeChat's servers are for this host (a WireMock server, or nothing).</summary>
    public string WeChatBaseAddress { get; init; } = "http://127.0.0.1:1/";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        Microsoft.AspNetCore.TestHost.WebHostBuilderExtensions.ConfigureTestServices(builder, services =>
        {
            if (!RecurringJobs)
                foreach (var registration in services.Where(d => d.ImplementationType == typeof(CylinderTrace.Platform.Jobs.RecurringJobs)).ToList())
                    services.Remove(registration);
            if (Clock is not null) services.AddSingleton(Clock);
            services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(InFlight);
            Jobs.Install(services);
            TestServices?.Invoke(services);
        });
        builder.ConfigureAppConfiguration(config =>
        {
            var values = new Dictionary<string, string?>
            {
                ["Database:ConnectionString"] = connectionString,
                // Longer client timeouts than the product's 1 s (RedisConnections): on a loaded two-core CI machine a reply
                // can wait that long for a CPU, and a request whose job could not be queued leaves it to a reconciler the
                // tests do not run on its schedule. What the 1 s budget does is tested with Redis processes of their own
                // (RedisOutageTests, RedisClusterTests, RedisUnreachableTests).
                ["Redis:Configuration"] = TestEnvironment.Redis + ",syncTimeout=5000,asyncTimeout=5000",
                ["Redis:KeyPrefix"] = redisPrefix,
                ["Privacy:EncryptionKey"] = EncryptionKey,
                ["Privacy:HashKey"] = HashKey,
                ["DataProtection:KeyEncryptionKey"] = KeyEncryptionKey,
                ["WeChat:ApiBaseAddress"] = WeChatBaseAddress,
                ["OfficialAccount:AppId"] = OaAppId,
                ["OfficialAccount:AppSecret"] = "test-secret",
                ["OfficialAccount:Token"] = OaToken,
                ["OfficialAccount:EncodingAesKey"] = OaAesKey,
                ["OfficialAccount:Mode"] = "Safe",
                ["MiniProgram:AppId"] = MpAppId,
                ["MiniProgram:AppSecret"] = "test-mp-secret",
                ["Photos:Folder"] = PhotoFolder,
                // Every test request comes from the same (absent) address.
                ["MiniProgram:LoginsPerIpPerMinute"] = "100000",
                ["MiniProgram:ComplaintsPerIpPerHour"] = "100000",
                ["Console:SignInFailuresPerIp"] = "100000",
                ["Hosting:Roles"] = Worker ? "web,worker" : "web",
                ["Hosting:WorkerCount"] = "8",
                ["ComplaintNotifications:AcceptedTemplateId"] = "tpl-accepted",
                ["ComplaintNotifications:RoutedTemplateId"] = "tpl-routed",
                ["ComplaintNotifications:ResolvedTemplateId"] = "tpl-resolved",
                ["ComplaintNotifications:InfoRequestedTemplateId"] = "tpl-info",
                ["StaffNotifications:AssignedTemplateId"] = "tpl-assigned",
                ["StaffNotifications:DetentionTemplateId"] = "tpl-detention",
                ["StaffNotifications:ViolationTemplateId"] = "tpl-violation",
                ["StaffNotifications:ConsoleBaseUrl"] = "https://console.test",
                // The enterprise webhook receivers of the tests listen on plain http on loopback.
                ["Integration:AllowInsecureWebhooks"] = "true",
                ["ComplaintNotifications:MiniProgramState"] = "developer",
            };
            if (settings is not null)
                foreach (var (k, v) in settings) values[k] = v;
            config.AddInMemoryCollection(values);
        });
    }

    public static string NewRedisPrefix() => $"ct-test-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}:";
}

/// <summary>
/// One database, one Redis key prefix, one WeChat stand-in and one host, shared by the tests of a
/// collection (see <see cref="Collections"/>); each collection has its own, so collections run in parallel
/// without seeing each other's rows, queues, caches or rate limits. Tests that need background jobs
/// (routing, notifications, webhooks, late replies) take a <see cref="WorkerHostFixture"/>; the others a
/// <see cref="WebHostFixture"/>, whose host queues jobs that nothing runs.
/// </summary>
public abstract class HostFixture(bool runsWorkers) : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public string RedisPrefix { get; } = CylinderTraceHost.NewRedisPrefix();
    public CylinderTraceHost Host { get; private set; } = null!;
    public TestData Data { get; private set; } = null!;
    /// <summary>Stands in for WeChat's servers, for this collection's hosts.</summary>
    public WireMock.Server.WireMockServer WeChat { get; } = WireMock.Server.WireMockServer.Start();

    private CylinderTraceHost? _second;
    private CylinderTraceHost? _loopback;
    private string? _loopbackAddress;

    public async Task InitializeAsync()
    {
        // WeChat answers by default: a token for any app, and every subscribe message accepted.
        WeChat.Given(WireMock.RequestBuilders.Request.Create().WithPath("/cgi-bin/stable_token").UsingPost()).AtPriority(100)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithBodyAsJson(new { access_token = "default-token", expires_in = 7200 }));
        WeChat.Given(WireMock.RequestBuilders.Request.Create().WithPath("/cgi-bin/message/subscribe/send").UsingPost()).AtPriority(100)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok" }));
        WeChat.Given(WireMock.RequestBuilders.Request.Create().WithPath("/cgi-bin/message/template/send").UsingPost()).AtPriority(100)
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok", msgid = 1 }));
        Database = await TestEnvironment.CreateDatabaseAsync();
        Host = new CylinderTraceHost(Database.ConnectionString, RedisPrefix) { WeChatBaseAddress = WeChat.Url + "/", Worker = runsWorkers };
        _ = Host.Server; // starts the host, which applies the migrations
        Data = new TestData(Database, Host.Services);
    }

    /// <summary>
    /// A new instance of the same deployment (same database, same Redis prefix), web only unless
    /// <paramref name="worker"/>; the test disposes it.
    /// </summary>
    public CylinderTraceHost AnotherInstance(IDictionary<string, string?>? settings = null, TimeProvider? clock = null, bool worker = false, bool recurringJobs = false) =>
        new(Database.ConnectionString, RedisPrefix, settings) { WeChatBaseAddress = WeChat.Url + "/", Clock = clock, Worker = worker, RecurringJobs = recurringJobs };

    /// <summary>
    /// A second instance of the same deployment with the same settings, shared by the collection's tests
    /// (which must not dispose it): starting a host costs about a second of CPU, and most tests only need
    /// "another instance" to show that state travels through MariaDB and Redis, not memory. (A
    /// collection's tests run one at a time, so it is made once.)
    /// </summary>
    public CylinderTraceHost SecondInstance
    {
        get
        {
            if (_second is null)
            {
                var second = AnotherInstance();
                _ = second.Server;
                _second = second;
            }
            return _second;
        }
    }

    /// <summary>A client of a shared instance of the same deployment on Kestrel on a loopback port (where the host believes X-Forwarded-*, as behind nginx).</summary>
    public HttpClient OnLoopback()
    {
        if (_loopbackAddress is null)
        {
            _loopback = AnotherInstance();
            _loopbackAddress = _loopback.StartOnLoopback().BaseAddress!.ToString();
        }
        return new HttpClient { BaseAddress = new Uri(_loopbackAddress) };
    }

    public async Task DisposeAsync()
    {
        if (_loopback is not null) await _loopback.DisposeAsync();
        if (_second is not null) await _second.DisposeAsync();
        await Host.DisposeAsync();
        await Database.DisposeAsync();
        await TestEnvironment.DeleteRedisKeysAsync(RedisPrefix);
        WeChat.Stop();
    }
}

/// <summary>A collection's host that serves HTTP only: jobs its requests queue stay queued.</summary>
public sealed class WebHostFixture() : HostFixture(runsWorkers: false);

/// <summary>A collection's host that also runs background jobs (Hangfire's server, without the recurring jobs).</summary>
public sealed class WorkerHostFixture() : HostFixture(runsWorkers: true);

/// <summary>Runs a test host on Kestrel on a loopback port (where the host believes X-Forwarded-* as it does behind nginx).</summary>
public static class LoopbackServer
{
    public static HttpClient StartOnLoopback(this CylinderTraceHost host)
    {
        host.UseKestrel(0);
        host.StartServer();
        var address = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }
}
