using Microsoft.Extensions.Time.Testing;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>
/// An instance of the collection's deployment on a fake clock, for a test class whose tests need time to
/// pass without sleeping (WeChat's retry interval) or to stand still (fixed rate-limit windows, which a
/// test on the real clock may straddle). The clock starts at the real time and moves only when told: a
/// test first brings it to now (<see cref="Now"/>), then advances it if it needs to.
/// </summary>
public sealed class FakeClockInstance : IAsyncLifetime
{
    private CylinderTraceHost? _host;
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public CylinderTraceHost For(HostFixture fx) => _host ??= fx.AnotherInstance(clock: Clock);

    /// <summary>Brings the clock to the real time (it may be ahead from an earlier test: then it stays).</summary>
    public void Now()
    {
        var now = DateTimeOffset.UtcNow;
        if (now > Clock.GetUtcNow()) Clock.SetUtcNow(now);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}
