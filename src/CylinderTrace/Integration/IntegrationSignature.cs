using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CylinderTrace.Platform;
using CylinderTrace.Platform.Problems;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CylinderTrace.Integration;

/// <summary>
/// Who is behind a verified request, and the body it signed: an enterprise (EnterpriseId), or an
/// inspection body (InspectionBodyId set, EnterpriseId 0), which reaches only endpoints marked
/// IntegrationSignature.InspectionBodyCall.
/// </summary>
public sealed record IntegrationCaller(string KeyId, int EnterpriseId, ReadOnlyMemory<byte> Body, int? InspectionBodyId = null, bool Sandbox = false)
{
    /// <summary>Whose event ids a batch's are (ingested_events.enterprise_id): the enterprise's, or the inspection body's (under their own kind).</summary>
    public int EventIdOwner => InspectionBodyId ?? EnterpriseId;
}

/// <summary>
/// Request signing of the integration API (docs/INTEGRATION.md). Headers X-CT-Key-Id, X-CT-Timestamp
/// (Unix seconds), X-CT-Nonce (16-64 of [A-Za-z0-9_-]) and X-CT-Signature = Base64(HMAC-SHA256(secret,
/// METHOD \n PATH?QUERY \n TIMESTAMP \n NONCE \n hex(SHA-256(body)))). The timestamp must be within
/// Integration:TimestampWindowSeconds of our clock and the nonce unused (remembered in Redis for twice
/// the window). Runs as middleware before the endpoint, so it sees the body the endpoint will read; what
/// the headers decide (timestamp, length, key) is decided before the body is read.
/// </summary>
public sealed class IntegrationSignature(RequestDelegate next, IntegrationKeys keys, IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions,
    IOptions<IntegrationOptions> options, TimeProvider clock, ILogger<IntegrationSignature> logger)
{
    public const string KeyIdHeader = "X-CT-Key-Id";
    public const string TimestampHeader = "X-CT-Timestamp";
    public const string NonceHeader = "X-CT-Nonce";
    public const string SignatureHeader = "X-CT-Signature";
    private const string ItemKey = "integration.caller";
    /// <summary>Endpoint metadata: a read-only call that changes nothing, so a replay is harmless and needs no nonce memory.</summary>
    public sealed class ReadOnlyCall;
    /// <summary>Endpoint metadata: inspection bodies' keys may call it (they may call nothing else).</summary>
    public sealed class InspectionBodyCall;

    public static IntegrationCaller Caller(HttpContext context) =>
        context.Items[ItemKey] as IntegrationCaller ?? throw new InvalidOperationException("No verified integration caller on this request.");

    /// <summary>The string a client signs.</summary>
    public static string Canonical(string method, string pathAndQuery, string timestamp, string nonce, ReadOnlySpan<byte> body) =>
        Canonical(method, pathAndQuery, timestamp, nonce, Convert.ToHexStringLower(SHA256.HashData(body)));

    private static string Canonical(string method, string pathAndQuery, string timestamp, string nonce, string bodySha256Hex) =>
        $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{bodySha256Hex}";

    public static string Sign(byte[] secret, string canonical) => Convert.ToBase64String(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(canonical)));

    public async Task InvokeAsync(HttpContext context)
    {
        var refusal = await VerifyAsync(context);
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private static IResult BadSignature() =>
        Unauthorized("bad-signature", "签名不正确，或密钥不存在、已吊销、已过期。签名串为：方法\\n路径?查询\\n时间戳\\nnonce\\n请求体SHA-256十六进制小写。");

    private static IResult TooLarge(IntegrationOptions o) =>
        Problem.Of(413, "integration-body-too-large", "Body too large", $"请求体超过 {o.MaxBodyBytes} 字节；请分批提交（每批最多 {o.MaxBatchRecords} 条）。");

    private static IResult Unauthorized(string reason, string detail) =>
        Problem.Of(401, "integration-signature-invalid", "Request not signed correctly", detail, new Dictionary<string, object?> { ["reason"] = reason });

    private async Task<IResult?> VerifyAsync(HttpContext context)
    {
        var request = context.Request;
        var o = options.Value;
        string keyId = request.Headers[KeyIdHeader].ToString(), timestamp = request.Headers[TimestampHeader].ToString(),
            nonce = request.Headers[NonceHeader].ToString(), signature = request.Headers[SignatureHeader].ToString();
        if (keyId.Length == 0 || timestamp.Length == 0 || nonce.Length == 0 || signature.Length == 0)
            return Unauthorized("missing-headers", $"请求须带 {KeyIdHeader}、{TimestampHeader}、{NonceHeader}、{SignatureHeader} 四个签名头（见接口文档）。");
        if (nonce.Length is < 16 or > 64 || !nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            return Unauthorized("bad-nonce", "X-CT-Nonce 应为16-64位字母、数字、-或_，且每个请求不同。");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(clock.GetUtcNow().ToUnixTimeSeconds() - seconds) > o.TimestampWindowSeconds)
            return Unauthorized("stale-timestamp", $"X-CT-Timestamp 须为当前的Unix秒数（与服务器时间相差不超过{o.TimestampWindowSeconds}秒）；请校准系统时钟。");
        if (request.ContentLength > o.MaxBodyBytes) return TooLarge(o);
        // Everything that can be judged from the headers is judged before the body is read: a request
        // from an unknown, revoked or expired key costs no read and no buffer, whatever it announces.
        var key = await keys.FindUsableAsync(keyId, context.RequestAborted);
        var given = new byte[32];
        // Unknown, revoked and expired keys answer like a wrong signature: nothing to learn by probing.
        if (key is null || !Convert.TryFromBase64String(signature, given, out var written) || written != given.Length)
            return BadSignature();

        var body = await SignedBody.ReadAsync(context, o.MaxBodyBytes, context.RequestAborted);
        if (body is null) return TooLarge(o);
        var canonical = Canonical(request.Method, request.Path + request.QueryString, timestamp, nonce, body.Sha256Hex);
        var expected = HMACSHA256.HashData(key.Secret, Encoding.UTF8.GetBytes(canonical));
        if (!CryptographicOperations.FixedTimeEquals(expected, given)) return BadSignature();
        // An inspection body reports inspections of any owner's cylinders and nothing else: every other
        // route is refused here, so no enterprise endpoint ever sees a caller that is not an enterprise.
        if (key.InspectionBodyId is not null && context.GetEndpoint()?.Metadata.GetMetadata<InspectionBodyCall>() is null)
            return Problem.Of(403, "integration-inspection-body-only", "Inspection bodies report inspections only",
                "检验机构的密钥只能上报检验记录（POST /api/integration/v1/inspections）；其他接口须使用气瓶充装或供应企业的密钥。");

        if (key.Sandbox)
        {
            // Every answer to a sandbox key says so, and a write it cannot rehearse is refused rather than done for real.
            context.Response.Headers[IntegrationSandbox.Header] = "true";
            if (IntegrationSandbox.Refuses(context)) return IntegrationSandbox.Refusal();
        }

        // Read-only calls (the fill check) change nothing, so a replay can do no harm; they skip the nonce
        // memory (a Redis round trip) to keep the filling line fast. The timestamp window still applies.
        if (context.GetEndpoint()?.Metadata.GetMetadata<ReadOnlyCall>() is not null)
        {
            context.Items[ItemKey] = new IntegrationCaller(key.KeyId, key.EnterpriseId, body.Content, key.InspectionBodyId, key.Sandbox);
            await keys.TouchAsync(key.KeyId, context.RequestAborted);
            return null;
        }
        try
        {
            var fresh = await redis.GetDatabase().StringSetAsync($"{redisOptions.Value.KeyPrefix}int:nonce:{keyId}:{nonce}", 1,
                TimeSpan.FromSeconds(o.TimestampWindowSeconds * 2), When.NotExists);
            if (!fresh) return Unauthorized("replayed", "这个 X-CT-Nonce 已用过：每个请求须用新的 nonce（重发同一批数据时也要重新签名）。");
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            // Without Redis a replay inside the timestamp window is not caught; events are idempotent
            // by their ids, so a replayed batch stores nothing twice.
            logger.LogWarning("Integration nonce of key {KeyId} not recorded: Redis unavailable ({Error})", keyId, ex.Message);
        }
        context.Items[ItemKey] = new IntegrationCaller(key.KeyId, key.EnterpriseId, body.Content, key.InspectionBodyId, key.Sandbox);
        await keys.TouchAsync(key.KeyId, context.RequestAborted);
        return null;
    }
}
