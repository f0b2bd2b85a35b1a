using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CylinderTrace.WeChat.Api;

/// <summary>One WeChat application (an Official Account or a Mini Program) and its secret.</summary>
public sealed record WeChatApp(string AppId, string AppSecret);

/// <summary>An access token and when WeChat said it expires.</summary>
public sealed record StoredToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>
/// Where access tokens live, shared by every instance (the host backs it with Redis). The refresh
/// lock makes one caller at a time, across instances, ask WeChat for a token.
/// </summary>
public interface IAccessTokenStore
{
    Task<StoredToken?> GetAsync(string appId, CancellationToken ct);
    Task SetAsync(string appId, StoredToken token, CancellationToken ct);
    /// <summary>Removes the token only if it is still <paramref name="token"/> (another caller may have replaced it).</summary>
    Task RemoveIfAsync(string appId, string token, CancellationToken ct);
    /// <summary>Takes the app's refresh lock for at most <paramref name="ttl"/>; null when someone else holds it.</summary>
    Task<IAsyncDisposable?> TryLockAsync(string appId, TimeSpan ttl, CancellationToken ct);
}

/// <summary>
/// Access tokens (WECHAT.md §2): cached centrally, refreshed before expiry by one caller at a time
/// across all instances (the others wait and read), and refreshed once when an API rejects the
/// token. Uses /cgi-bin/stable_token, which does not end tokens held elsewhere.
/// </summary>
public sealed class AccessTokenProvider(HttpClient http, WeChatApp app, IAccessTokenStore store, TimeProvider clock)
{
    /// <summary>A token this close to its expiry is refreshed.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LockTtl = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan WaitForOthers = TimeSpan.FromSeconds(10);

    public WeChatApp App => app;

    public async Task<string> GetAsync(CancellationToken ct = default)
    {
        var cached = await store.GetAsync(app.AppId, ct);
        if (IsFresh(cached)) return cached!.Value;
        return await RefreshAsync(staleToken: null, ct);
    }

    /// <summary>After an API rejected <paramref name="rejected"/>: one new token, whoever gets there first.</summary>
    public async Task<string> RefreshAfterRejectionAsync(string rejected, CancellationToken ct = default)
    {
        await store.RemoveIfAsync(app.AppId, rejected, ct);
        return await RefreshAsync(rejected, ct);
    }

    private bool IsFresh(StoredToken? t) => t is not null && t.ExpiresAt - clock.GetUtcNow() > RefreshBefore;
    private bool IsUsable(StoredToken? t, string? stale) => t is not null && t.Value != stale && t.ExpiresAt > clock.GetUtcNow();

    private async Task<string> RefreshAsync(string? staleToken, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + WaitForOthers;
        var delay = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            await using (var held = await store.TryLockAsync(app.AppId, LockTtl, ct))
            {
                if (held is not null)
                {
                    // Someone may have refreshed between our read and our lock.
                    var current = await store.GetAsync(app.AppId, ct);
                    if (IsFresh(current) && current!.Value != staleToken) return current.Value;
                    var fetched = await FetchAsync(force: staleToken is not null, ct);
                    await store.SetAsync(app.AppId, fetched, ct);
                    return fetched.Value;
                }
            }
            var other = await store.GetAsync(app.AppId, ct);
            if (IsFresh(other) && other!.Value != staleToken) return other.Value;
            if (clock.GetUtcNow() > deadline)
            {
                if (IsUsable(other, staleToken)) return other!.Value;
                throw new WeChatApiException(-1, "timed out waiting for another instance to refresh the access token", "stable_token");
            }
            await Task.Delay(delay, ct);
            if (delay < TimeSpan.FromMilliseconds(200)) delay *= 2;
        }
    }

    private async Task<StoredToken> FetchAsync(bool force, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            var body = new { grant_type = "client_credential", appid = app.AppId, secret = app.AppSecret, force_refresh = force };
            JsonNode? json;
            try
            {
                using var response = await WeChatApiClient.Transport(() => http.PostAsJsonAsync("cgi-bin/stable_token", body, ct), "stable_token", ct);
                json = await WeChatApiClient.ReadJsonAsync(response, "stable_token", ct);
            }
            catch (WeChatApiException ex) when (ex.Kind == WeChatErrorKind.Transport && attempt < 3)
            {
                await Task.Delay(backoff, ct);
                backoff *= 2;
                continue;
            }
            var errcode = WeChatApiClient.ErrCode(json);
            if (errcode == -1 && attempt < 3)
            {
                await Task.Delay(backoff, ct);
                backoff *= 2;
                continue;
            }
            if (errcode != 0) throw new WeChatApiException(errcode, WeChatApiClient.ErrMsg(json), "stable_token");
            var token = json?["access_token"]?.ToString();
            var expiresIn = int.TryParse(json?["expires_in"]?.ToString(), out var e) ? e : 0;
            if (string.IsNullOrEmpty(token) || expiresIn <= 0)
                throw new WeChatApiException(WeChatApiException.TransportErrCode, "no access_token in the answer", "stable_token");
            return new StoredToken(token, clock.GetUtcNow().AddSeconds(expiresIn));
        }
    }
}
