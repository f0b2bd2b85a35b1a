using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CylinderTrace.Integration;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace CylinderTrace.Tests.Integration;

/// <summary>
/// Request bodies of the integration API (security issue 16, item 7): a key and timestamp that cannot
/// pass are refused from the headers alone, before a byte of the body is read or a buffer made for it;
/// a body is counted as it arrives and cut off with 413 once past Integration:MaxBodyBytes.
/// </summary>
[Collection(Collections.Integration)]
public sealed class Integration_request_bodies(WebHostFixture fx)
{
    private const int Limit = 16 * 1024 * 1024; // Integration:MaxBodyBytes of the test host (the default)

    /// <summary>A request body that records how much the server read of it: endless zeros, or the given bytes, a few at a time.</summary>
    private sealed class WatchedBody(byte[]? content = null, int piece = 64 * 1024) : Stream
    {
        public long BytesRead;
        public int Reads;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Reads++;
            var n = Math.Min(buffer.Length, piece);
            if (content is not null) n = (int)Math.Min(n, content.Length - BytesRead);
            if (n <= 0) return 0;
            if (content is null) buffer[..n].Clear();
            else content.AsSpan((int)BytesRead, n).CopyTo(buffer);
            BytesRead += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }

    /// <summary>Sends a POST straight into the host with this body stream (no client-side copying), signed for <paramref name="signedBody"/>.</summary>
    private async Task<HttpContext> PostAsync(string keyId, byte[] secret, string path, Stream body, long? contentLength, byte[] signedBody, long? timestamp = null)
    {
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var nonce = IntegrationClient.NewNonce();
        var signature = IntegrationSignature.Sign(secret, IntegrationSignature.Canonical("POST", path, ts, nonce, signedBody));
        return await fx.Host.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = path;
            c.Request.ContentType = "application/json";
            c.Request.ContentLength = contentLength;
            c.Request.Headers[IntegrationSignature.KeyIdHeader] = keyId;
            c.Request.Headers[IntegrationSignature.TimestampHeader] = ts;
            c.Request.Headers[IntegrationSignature.NonceHeader] = nonce;
            c.Request.Headers[IntegrationSignature.SignatureHeader] = signature;
            c.Request.Body = body;
        });
    }

    private static JsonElement Json(HttpContext c) => JsonDocument.Parse(c.Response.Body).RootElement;

    private async Task<(string KeyId, byte[] Secret)> KeyAsync()
    {
        var enterprise = await fx.Data.EnterpriseAsync("filling");
        var created = (await fx.Host.Services.GetRequiredService<IntegrationKeys>().CreateAsync(await fx.Data.LicenceOfAsync(enterprise), CancellationToken.None))!.Value;
        return (created.KeyId, Convert.FromBase64String(created.Secret));
    }

    [Fact]
    public async Task an_unknown_or_revoked_key_announcing_a_large_body_is_refused_without_reading_it()
    {
        var unknown = new WatchedBody();
        var answer = await PostAsync("ck_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), RandomNumberGenerator.GetBytes(32),
            "/api/integration/v1/fills", unknown, Limit, []);
        Assert.Equal(401, answer.Response.StatusCode);
        Assert.Equal("bad-signature", Json(answer).GetProperty("reason").GetString());
        Assert.Equal(0, unknown.Reads);

        // The same without a length (chunked): nothing is read either.
        var chunked = new WatchedBody();
        answer = await PostAsync("ck_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), RandomNumberGenerator.GetBytes(32),
            "/api/integration/v1/fills", chunked, null, []);
        Assert.Equal(401, answer.Response.StatusCode);
        Assert.Equal(0, chunked.Reads);

        var (keyId, secret) = await KeyAsync();
        Assert.True(await fx.Host.Services.GetRequiredService<IntegrationKeys>().RevokeAsync(keyId, CancellationToken.None));
        var revoked = new WatchedBody();
        answer = await PostAsync(keyId, secret, "/api/integration/v1/fills", revoked, Limit, []);
        Assert.Equal(401, answer.Response.StatusCode);
        Assert.Equal(0, revoked.Reads);
    }

    [Fact]
    public async Task a_stale_timestamp_or_a_malformed_signature_is_refused_without_reading_the_body()
    {
        var (keyId, secret) = await KeyAsync();
        var stale = new WatchedBody();
        var answer = await PostAsync(keyId, secret, "/api/integration/v1/fills", stale, Limit, [], DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301);
        Assert.Equal("stale-timestamp", Json(answer).GetProperty("reason").GetString());
        Assert.Equal(0, stale.Reads);

        var garbled = new WatchedBody();
        answer = await fx.Host.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = "/api/integration/v1/fills";
            c.Request.ContentLength = Limit;
            c.Request.Headers[IntegrationSignature.KeyIdHeader] = keyId;
            c.Request.Headers[IntegrationSignature.TimestampHeader] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
            c.Request.Headers[IntegrationSignature.NonceHeader] = IntegrationClient.NewNonce();
            c.Request.Headers[IntegrationSignature.SignatureHeader] = "not a signature";
            c.Request.Body = garbled;
        });
        Assert.Equal("bad-signature", Json(answer).GetProperty("reason").GetString());
        Assert.Equal(0, garbled.Reads);
    }

    [Fact]
    public async Task a_body_announced_over_the_limit_is_refused_before_reading()
    {
        var (keyId, secret) = await KeyAsync();
        var body = new WatchedBody();
        var answer = await PostAsync(keyId, secret, "/api/integration/v1/fills", body, Limit + 1L, []);
        Assert.Equal(413, answer.Response.StatusCode);
        Assert.Equal("integration-body-too-large", Json(answer).GetProperty("code").GetString());
        Assert.Equal(0, body.Reads);
    }

    [Fact]
    public async Task a_chunked_body_is_cut_off_with_413_once_past_the_limit()
    {
        var (keyId, secret) = await KeyAsync();
        var endless = new WatchedBody(); // no length, never ends
        var answer = await PostAsync(keyId, secret, "/api/integration/v1/fills", endless, null, []);
        Assert.Equal(413, answer.Response.StatusCode);
        Assert.Equal("integration-body-too-large", Json(answer).GetProperty("code").GetString());
        // Stopped at the first read past the limit, not at the end (there is none).
        Assert.InRange(endless.BytesRead, Limit + 1L, Limit + 64 * 1024L);
    }

    [Fact]
    public async Task through_kestrel_a_chunked_body_up_to_the_limit_passes_and_one_byte_more_is_413()
    {
        // Kestrel counts a chunked body's framing too; the limit is on the body's own bytes.
        const int limit = 1024 * 1024;
        await using var host = fx.AnotherInstance(new Dictionary<string, string?> { ["Integration:MaxBodyBytes"] = limit.ToString() });
        host.UseKestrel(0);
        host.StartServer();
        var address = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        var client = await IntegrationClient.ForAsync(host, await fx.Data.LicenceOfAsync(await fx.Data.EnterpriseAsync("filling")));
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        async Task<HttpResponseMessage> SendChunkedAsync(int length)
        {
            var content = Encoding.UTF8.GetBytes("{\"upTo\": 0" + new string(' ', length - 11) + "}");
            var request = client.Signed(HttpMethod.Post, "/api/integration/v1/notifications/ack", content);
            // No length: sent chunked, 4 KiB at a time (with its framing, more than the limit on the wire).
            request.Content = new StreamContent(new WatchedBody(content, piece: 4096), 4096) { Headers = { ContentType = new("application/json") } };
            request.Headers.TransferEncodingChunked = true;
            return await http.SendAsync(request);
        }
        Assert.Equal(limit, Encoding.UTF8.GetByteCount("{\"upTo\": 0" + new string(' ', limit - 11) + "}"));
        var atLimit = await SendChunkedAsync(limit);
        Assert.True(atLimit.StatusCode == HttpStatusCode.OK, $"{(int)atLimit.StatusCode} {await atLimit.Content.ReadAsStringAsync()}");
        var over = await SendChunkedAsync(limit + 1);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
        Assert.Equal("integration-body-too-large", JsonDocument.Parse(await over.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task a_signed_body_arriving_in_small_pieces_is_hashed_whole()
    {
        var (keyId, secret) = await KeyAsync();
        // Valid JSON of 300 kB (mostly spaces), so the body outgrows any first buffer and arrives in ~300 reads.
        var content = Encoding.UTF8.GetBytes("{\"upTo\": 0" + new string(' ', 300_000) + "}");
        var body = new WatchedBody(content, piece: 1000);
        var answer = await PostAsync(keyId, secret, "/api/integration/v1/notifications/ack", body, null, content);
        Assert.Equal(200, answer.Response.StatusCode);
        Assert.Equal(0, Json(answer).GetProperty("acknowledged").GetInt32());
        Assert.Equal(content.Length, body.BytesRead);

        // One byte changed anywhere (here the last piece) breaks the signature.
        var tampered = (byte[])content.Clone();
        tampered[^2] = (byte)'\t';
        answer = await PostAsync(keyId, secret, "/api/integration/v1/notifications/ack", new WatchedBody(tampered, piece: 1000), tampered.Length, content);
        Assert.Equal(401, answer.Response.StatusCode);
        Assert.Equal("bad-signature", Json(answer).GetProperty("reason").GetString());
    }
}
