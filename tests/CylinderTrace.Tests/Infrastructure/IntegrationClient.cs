using System.Security.Cryptography;
using System.Text.Json;
using CylinderTrace.Integration;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>An enterprise's system calling the integration API of a test host: signs every request as docs/INTEGRATION.md says.</summary>
public sealed class IntegrationClient(HttpClient http, string keyId, byte[] secret)
{
    public string KeyId { get; } = keyId;
    public HttpClient Http { get; } = http;

    /// <summary>A key for the enterprise with this licence, made through the same service the integration-key command uses.</summary>
    public static async Task<IntegrationClient> ForAsync(CylinderTraceHost host, string licence, bool sandbox = false)
    {
        var created = await host.Services.GetRequiredService<IntegrationKeys>().CreateAsync(licence, CancellationToken.None, sandbox)
            ?? throw new InvalidOperationException("no enterprise " + licence);
        return new IntegrationClient(host.CreateClient(), created.KeyId, Convert.FromBase64String(created.Secret));
    }

    /// <summary>A key for an inspection body (registered now, with a fresh approval number), made as `integration-key create --inspection-body` makes it.</summary>
    public static async Task<(IntegrationClient Client, InspectionBody Body)> ForInspectionBodyAsync(CylinderTraceHost host, string name = "福州市特种设备检验研究院")
    {
        var body = await host.Services.GetRequiredService<InspectionBodies>().RegisterAsync("TS" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999), name, "350102", CancellationToken.None);
        var created = await host.Services.GetRequiredService<IntegrationKeys>().CreateForInspectionBodyAsync(body.ApprovalNumber, CancellationToken.None)
            ?? throw new InvalidOperationException("no inspection body " + body.ApprovalNumber);
        return (new IntegrationClient(host.CreateClient(), created.KeyId, Convert.FromBase64String(created.Secret)), body);
    }

    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>A signed request; the optional hooks let a test tamper with what is sent after signing.</summary>
    public HttpRequestMessage Signed(HttpMethod method, string path, byte[]? body = null, long? timestamp = null, string? nonce = null, byte[]? secret = null)
    {
        body ??= [];
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        nonce ??= NewNonce();
        var canonical = IntegrationSignature.Canonical(method.Method, path, ts, nonce, body);
        var request = new HttpRequestMessage(method, path);
        if (method != HttpMethod.Get) request.Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
        request.Headers.Add(IntegrationSignature.KeyIdHeader, KeyId);
        request.Headers.Add(IntegrationSignature.TimestampHeader, ts);
        request.Headers.Add(IntegrationSignature.NonceHeader, nonce);
        request.Headers.Add(IntegrationSignature.SignatureHeader, IntegrationSignature.Sign(secret ?? this.secret, canonical));
        return request;
    }

    private readonly byte[] secret = secret;

    /// <summary>The secret in base64, as `integration-key create` prints it (for the sample clients).</summary>
    public string SecretBase64 => Convert.ToBase64String(secret);

    /// <summary>The same key, calling another instance.</summary>
    public IntegrationClient On(CylinderTraceHost host) => new(host.CreateClient(), KeyId, secret);

    public static byte[] Records(params object[] records) => JsonSerializer.SerializeToUtf8Bytes(new { records }, JsonSerializerOptions.Web);

    public Task<HttpResponseMessage> PostAsync(string kind, byte[] body) => Http.SendAsync(Signed(HttpMethod.Post, "/api/integration/v1/" + kind, body));

    public async Task<JsonElement> PostOkAsync(string kind, params object[] records)
    {
        var response = await PostAsync(kind, Records(records));
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 200) throw new InvalidOperationException($"POST {kind}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
