using System.Collections.Concurrent;
using CylinderTrace.WeChat.Api;

namespace CylinderTrace.WeChat.Tests.Api;

/// <summary>The token store contract in one process, for the library's own tests (the host uses Redis).</summary>
public sealed class InMemoryTokenStore : IAccessTokenStore
{
    private readonly ConcurrentDictionary<string, StoredToken> _tokens = new();
    private readonly ConcurrentDictionary<string, byte> _locks = new();

    public Task<StoredToken?> GetAsync(string appId, CancellationToken ct) =>
        Task.FromResult(_tokens.TryGetValue(appId, out var t) ? t : null);

    public Task SetAsync(string appId, StoredToken token, CancellationToken ct)
    {
        _tokens[appId] = token;
        return Task.CompletedTask;
    }

    public Task RemoveIfAsync(string appId, string token, CancellationToken ct)
    {
        if (_tokens.TryGetValue(appId, out var t) && t.Value == token) _tokens.TryRemove(KeyValuePair.Create(appId, t));
        return Task.CompletedTask;
    }

    public Task<IAsyncDisposable?> TryLockAsync(string appId, TimeSpan ttl, CancellationToken ct) =>
        Task.FromResult<IAsyncDisposable?>(_locks.TryAdd(appId, 0) ? new Release(() => _locks.TryRemove(appId, out _)) : null);

    private sealed class Release(Action release) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            release();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}
