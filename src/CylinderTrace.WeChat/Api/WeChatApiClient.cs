using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CylinderTrace.WeChat.Api;

/// <summary>Result of jscode2session. SessionKey never leaves the server.</summary>
public sealed record CodeSession(string OpenId, string SessionKey, string? UnionId);

/// <summary>A Mini Program subscribe message (WECHAT.md §3); Data maps template keys to values.</summary>
public sealed record SubscribeMessage(string ToUser, string TemplateId, string? Page, IReadOnlyDictionary<string, string> Data,
    string MiniProgramState = "formal", string Lang = "zh_CN");

/// <summary>An Official Account template message (WECHAT.md §4); ClientMsgId de-duplicates retries.</summary>
public sealed record TemplateMessage(string ToUser, string TemplateId, IReadOnlyDictionary<string, string> Data,
    string? Url = null, string? MiniProgramAppId = null, string? MiniProgramPagePath = null, string? ClientMsgId = null);

/// <summary>msg_sec_check's verdict: pass, review or risky.</summary>
public sealed record ContentCheck(string Suggest, int Label, string? TraceId);

/// <summary>
/// The WeChat server APIs CylinderTrace calls, over one HttpClient whose BaseAddress is configuration
/// (https://api.weixin.qq.com/ by default; WireMock in tests). Errors are <see cref="WeChatApiException"/>:
/// a rejected token is refreshed once and the call retried once; -1 is retried with back-off;
/// configuration errors (40013, 40125, 40164) and the daily limit (45009) are never retried.
/// </summary>
public sealed class WeChatApiClient(HttpClient http, AccessTokenProvider tokens)
{
    private const int BusyAttempts = 3;

    /// <summary>The last configuration error seen (40013/40125/40164), for health checks; null once a call succeeds.</summary>
    public WeChatApiException? ConfigurationProblem { get; private set; }

    public WeChatApp App => tokens.App;

    public async Task<CodeSession> Code2SessionAsync(string jsCode, CancellationToken ct = default)
    {
        var url = $"sns/jscode2session?appid={Uri.EscapeDataString(App.AppId)}&secret={Uri.EscapeDataString(App.AppSecret)}&js_code={Uri.EscapeDataString(jsCode)}&grant_type=authorization_code";
        var json = await SendWithoutTokenAsync(() => new HttpRequestMessage(HttpMethod.Get, url), "jscode2session", ct);
        var openId = json?["openid"]?.ToString();
        var sessionKey = json?["session_key"]?.ToString();
        if (string.IsNullOrEmpty(openId) || string.IsNullOrEmpty(sessionKey))
            throw new WeChatApiException(WeChatApiException.TransportErrCode, "no openid/session_key in the answer", "jscode2session");
        return new CodeSession(openId, sessionKey, json?["unionid"]?.ToString());
    }

    public Task SendSubscribeMessageAsync(SubscribeMessage m, CancellationToken ct = default) =>
        PostAsync("cgi-bin/message/subscribe/send", new JsonObject
        {
            ["touser"] = m.ToUser,
            ["template_id"] = m.TemplateId,
            ["page"] = m.Page,
            ["miniprogram_state"] = m.MiniProgramState,
            ["lang"] = m.Lang,
            ["data"] = Values(m.Data),
        }, "subscribe/send", ct);

    /// <summary>Returns WeChat's msgid.</summary>
    public async Task<long> SendTemplateMessageAsync(TemplateMessage m, CancellationToken ct = default)
    {
        var body = new JsonObject { ["touser"] = m.ToUser, ["template_id"] = m.TemplateId, ["data"] = Values(m.Data) };
        if (m.Url is not null) body["url"] = m.Url;
        if (m.MiniProgramAppId is not null) body["miniprogram"] = new JsonObject { ["appid"] = m.MiniProgramAppId, ["pagepath"] = m.MiniProgramPagePath };
        if (m.ClientMsgId is not null) body["client_msg_id"] = m.ClientMsgId;
        var json = await PostAsync("cgi-bin/message/template/send", body, "template/send", ct);
        return long.TryParse(json?["msgid"]?.ToString(), out var msgId) ? msgId : 0;
    }

    /// <summary>Customer-service text message: allowed within 48 hours of the user's last interaction.</summary>
    public Task SendCustomerServiceTextAsync(string openId, string content, CancellationToken ct = default) =>
        PostAsync("cgi-bin/message/custom/send", new JsonObject
        {
            ["touser"] = openId,
            ["msgtype"] = "text",
            ["text"] = new JsonObject { ["content"] = content },
        }, "custom/send", ct);

    public Task SendCustomerServiceNewsAsync(string openId, string title, string description, string url, string picUrl = "", CancellationToken ct = default) =>
        PostAsync("cgi-bin/message/custom/send", new JsonObject
        {
            ["touser"] = openId,
            ["msgtype"] = "news",
            ["news"] = new JsonObject
            {
                ["articles"] = new JsonArray(new JsonObject { ["title"] = title, ["description"] = description, ["url"] = url, ["picurl"] = picUrl }),
            },
        }, "custom/send", ct);

    /// <summary>Creates the Official Account menu; <paramref name="menu"/> is the documented {"button":[…]} object.</summary>
    public Task CreateMenuAsync(JsonObject menu, CancellationToken ct = default) => PostAsync("cgi-bin/menu/create", menu, "menu/create", ct);

    /// <summary>A Mini Program code image (PNG/JPEG bytes) for a scene of at most 32 visible characters.</summary>
    public async Task<byte[]> GetUnlimitedWxaCodeAsync(string scene, string page, bool checkPath = true, string envVersion = "release", CancellationToken ct = default)
    {
        if (scene.Length is 0 or > 32) throw new ArgumentException("scene must be 1-32 characters", nameof(scene));
        var body = new JsonObject { ["scene"] = scene, ["page"] = page, ["check_path"] = checkPath, ["env_version"] = envVersion };
        return await WithTokenAsync(async token =>
        {
            using var response = await Transport(() => http.PostAsJsonAsync($"wxa/getwxacodeunlimit?access_token={Uri.EscapeDataString(token)}", body, ct), "getwxacodeunlimit", ct);
            var type = response.Content.Headers.ContentType?.MediaType ?? "";
            if (response.IsSuccessStatusCode && type.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
                return (await response.Content.ReadAsByteArrayAsync(ct), (JsonNode?)null);
            return ((byte[]?)null, await ReadJsonAsync(response, "getwxacodeunlimit", ct));
        }, "getwxacodeunlimit", ct) ?? throw new WeChatApiException(WeChatApiException.TransportErrCode, "no image in the answer", "getwxacodeunlimit");
    }

    /// <summary>
    /// A URL Link (https://wxaurl.cn/…) that opens a Mini Program page from a web page, inside WeChat or in another browser:
    /// POST wxa/generate_urllink. Since 2022-04-11 every link expires within 30 days (expire_type 1, expire_interval 1-30);
    /// since 2023-12-19 one link may be opened by any number of users (WeChat's announcements), so a link can be shared and cached.
    /// <paramref name="query"/> (at most 1024 characters of digits, letters and !#$&amp;'()*+,/:;=?@-._~%) reaches the page as its options.
    /// </summary>
    public async Task<string> GenerateUrlLinkAsync(string path, string query, int expireDays, string envVersion = "release", CancellationToken ct = default)
    {
        CheckLinkArguments(path, query, expireDays);
        var json = await PostAsync("wxa/generate_urllink", new JsonObject
        {
            ["path"] = path,
            ["query"] = query,
            ["env_version"] = envVersion,
            ["expire_type"] = 1,
            ["expire_interval"] = expireDays,
        }, "generate_urllink", ct);
        var link = json?["url_link"]?.ToString();
        return string.IsNullOrEmpty(link)
            ? throw new WeChatApiException(WeChatApiException.TransportErrCode, "no url_link in the answer", "generate_urllink")
            : link;
    }

    /// <summary>
    /// A URL Scheme (weixin://dl/business/?t=…) for the same purpose, opened only from outside WeChat (another browser, SMS):
    /// POST wxa/generatescheme with jump_wxa {path, query, env_version}, expiring after 1-30 days (expire_type 1).
    /// </summary>
    public async Task<string> GenerateSchemeAsync(string path, string query, int expireDays, string envVersion = "release", CancellationToken ct = default)
    {
        CheckLinkArguments(path, query, expireDays);
        var json = await PostAsync("wxa/generatescheme", new JsonObject
        {
            ["jump_wxa"] = new JsonObject { ["path"] = path, ["query"] = query, ["env_version"] = envVersion },
            ["is_expire"] = true,
            ["expire_type"] = 1,
            ["expire_interval"] = expireDays,
        }, "generatescheme", ct);
        var scheme = json?["openlink"]?.ToString();
        return string.IsNullOrEmpty(scheme)
            ? throw new WeChatApiException(WeChatApiException.TransportErrCode, "no openlink in the answer", "generatescheme")
            : scheme;
    }

    private static void CheckLinkArguments(string path, string query, int expireDays)
    {
        if (path.Contains('?')) throw new ArgumentException("path may not carry a query; pass it as query", nameof(path));
        if (query.Length > 1024 || query.Any(c => !(char.IsAsciiLetterOrDigit(c) || "!#$&'()*+,/:;=?@-._~%".Contains(c))))
            throw new ArgumentException("query must be at most 1024 characters of digits, letters and !#$&'()*+,/:;=?@-._~%", nameof(query));
        if (expireDays is < 1 or > 30) throw new ArgumentOutOfRangeException(nameof(expireDays), "links expire within 1-30 days");
    }

    public async Task<ContentCheck> CheckTextAsync(string openId, string content, int scene = 2, CancellationToken ct = default)
    {
        var json = await PostAsync("wxa/msg_sec_check", new JsonObject
        {
            ["content"] = content,
            ["version"] = 2,
            ["scene"] = scene,
            ["openid"] = openId,
        }, "msg_sec_check", ct);
        var result = json?["result"];
        return new ContentCheck(result?["suggest"]?.ToString() ?? "review", int.TryParse(result?["label"]?.ToString(), out var label) ? label : 0,
            json?["trace_id"]?.ToString());
    }

    private static JsonObject Values(IReadOnlyDictionary<string, string> data)
    {
        var o = new JsonObject();
        foreach (var (key, value) in data) o[key] = new JsonObject { ["value"] = value };
        return o;
    }

    private Task<JsonNode?> PostAsync(string path, JsonObject body, string api, CancellationToken ct) =>
        WithTokenAsync(async token =>
        {
            using var response = await Transport(() => http.PostAsJsonAsync($"{path}?access_token={Uri.EscapeDataString(token)}", body, ct), api, ct);
            var json = await ReadJsonAsync(response, api, ct);
            return (json, json);
        }, api, ct);

    /// <summary>Runs a call with a token: refreshes once on an invalid token, backs off on busy.</summary>
    private async Task<T?> WithTokenAsync<T>(Func<string, Task<(T? Result, JsonNode? Json)>> call, string api, CancellationToken ct)
    {
        var token = await Guard(() => tokens.GetAsync(ct));
        var refreshed = false;
        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            var (result, json) = await call(token);
            var errcode = ErrCode(json);
            if (errcode == 0) { ConfigurationProblem = null; return result; }
            var error = new WeChatApiException(errcode, ErrMsg(json), api);
            switch (error.Kind)
            {
                case WeChatErrorKind.InvalidToken when !refreshed:
                    refreshed = true;
                    token = await Guard(() => tokens.RefreshAfterRejectionAsync(token, ct));
                    continue;
                case WeChatErrorKind.Busy when attempt < BusyAttempts:
                    await Task.Delay(backoff, ct);
                    backoff *= 2;
                    continue;
                case WeChatErrorKind.Configuration:
                    ConfigurationProblem = error;
                    throw error;
                default:
                    throw error;
            }
        }
    }

    private async Task<JsonNode?> SendWithoutTokenAsync(Func<HttpRequestMessage> request, string api, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            using var message = request();
            using var response = await Transport(() => http.SendAsync(message, ct), api, ct);
            var json = await ReadJsonAsync(response, api, ct);
            var errcode = ErrCode(json);
            if (errcode == 0) return json;
            var error = new WeChatApiException(errcode, ErrMsg(json), api);
            if (error.Kind == WeChatErrorKind.Busy && attempt < BusyAttempts)
            {
                await Task.Delay(backoff, ct);
                backoff *= 2;
                continue;
            }
            if (error.Kind == WeChatErrorKind.Configuration) ConfigurationProblem = error;
            throw error;
        }
    }

    private async Task<string> Guard(Func<Task<string>> getToken)
    {
        try { return await getToken(); }
        catch (WeChatApiException ex) when (ex.Kind == WeChatErrorKind.Configuration)
        {
            ConfigurationProblem = ex;
            throw;
        }
    }

    /// <summary>An HTTP call whose network failure or timeout becomes a Transport error.</summary>
    internal static async Task<HttpResponseMessage> Transport(Func<Task<HttpResponseMessage>> send, string api, CancellationToken ct)
    {
        try { return await send(); }
        catch (HttpRequestException ex) { throw new WeChatApiException(WeChatApiException.TransportErrCode, ex.Message, api); }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new WeChatApiException(WeChatApiException.TransportErrCode, "timed out", api);
        }
    }

    internal static int ErrCode(JsonNode? json)
    {
        var node = json?["errcode"];
        if (node is null) return 0;
        try { return node.GetValue<int>(); }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return int.TryParse(node.ToString(), out var n) ? n : WeChatApiException.TransportErrCode;
        }
    }

    internal static string ErrMsg(JsonNode? json)
    {
        try { return json?["errmsg"]?.GetValue<string>() ?? ""; }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException) { return json?["errmsg"]?.ToString() ?? ""; }
    }

    /// <summary>Reads WeChat's JSON answer; anything else (HTML error page, broken JSON, 5xx) is a Transport error.</summary>
    internal static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response, string api, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
            throw new WeChatApiException(WeChatApiException.TransportErrCode, $"HTTP {(int)response.StatusCode}", api);
        try
        {
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
        }
        catch (JsonException)
        {
            throw new WeChatApiException(WeChatApiException.TransportErrCode, "the answer is not JSON", api);
        }
        catch (InvalidOperationException)
        {
            throw new WeChatApiException(WeChatApiException.TransportErrCode, "the answer is not JSON", api);
        }
    }
}
