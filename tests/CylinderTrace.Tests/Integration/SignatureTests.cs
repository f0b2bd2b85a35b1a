using System.Net;
using System.Text;
using System.Text.Json;
using CylinderTrace.Integration;
using CylinderTrace.Tests.Infrastructure;

namespace CylinderTrace.Tests.Integration;

/// <summary>Every integration request is signed with the enterprise's key; tampering, stale and replayed requests are refused.</summary>
[Collection(Collections.Integration)]
public sealed class Signed_requests(WebHostFixture fx)
{
    private static async Task<string> ReasonAsync(HttpResponseMessage r) =>
        JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString()!;

    [Fact]
    public async Task a_correct_signature_identifies_the_enterprise()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner);
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(await fx.Data.LicenceOfAsync(owner), me.GetProperty("enterprise").GetProperty("licence").GetString());
        Assert.Equal(2, me.GetProperty("actsFor").GetArrayLength());
        var stationClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        var stationMe = JsonDocument.Parse(await (await stationClient.Http.SendAsync(stationClient.Signed(HttpMethod.Get, "/api/integration/v1/me"))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, stationMe.GetProperty("actsFor").GetArrayLength());
    }

    [Fact]
    public async Task tampering_with_any_signed_part_is_refused()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var body = IntegrationClient.Records(new { code = "FZ1234567890" });

        var changedBody = client.Signed(HttpMethod.Post, "/api/integration/v1/cylinders", body);
        changedBody.Content = new ByteArrayContent(IntegrationClient.Records(new { code = "FZ1234567891" }));
        Assert.Equal("bad-signature", await ReasonAsync(await client.Http.SendAsync(changedBody)));

        var changedPath = client.Signed(HttpMethod.Post, "/api/integration/v1/cylinders", body);
        changedPath.RequestUri = new Uri("/api/integration/v1/fills", UriKind.Relative);
        Assert.Equal("bad-signature", await ReasonAsync(await client.Http.SendAsync(changedPath)));

        var changedMethod = client.Signed(HttpMethod.Post, "/api/integration/v1/me", []);
        changedMethod.Method = HttpMethod.Put;
        Assert.Equal("bad-signature", await ReasonAsync(await client.Http.SendAsync(changedMethod)));

        var changedTimestamp = client.Signed(HttpMethod.Get, "/api/integration/v1/me");
        changedTimestamp.Headers.Remove(IntegrationSignature.TimestampHeader);
        changedTimestamp.Headers.Add(IntegrationSignature.TimestampHeader, (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1).ToString());
        Assert.Equal("bad-signature", await ReasonAsync(await client.Http.SendAsync(changedTimestamp)));

        var changedNonce = client.Signed(HttpMethod.Get, "/api/integration/v1/me");
        changedNonce.Headers.Remove(IntegrationSignature.NonceHeader);
        changedNonce.Headers.Add(IntegrationSignature.NonceHeader, IntegrationClient.NewNonce());
        Assert.Equal("bad-signature", await ReasonAsync(await client.Http.SendAsync(changedNonce)));

        var wrongSecret = client.Signed(HttpMethod.Get, "/api/integration/v1/me", secret: new byte[32]);
        Assert.Equal("bad-signature", await ReasonAsync(await client.Http.SendAsync(wrongSecret)));

        var unsigned = await client.Http.GetAsync("/api/integration/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("missing-headers", await ReasonAsync(unsigned));
    }

    [Fact]
    public async Task a_stale_timestamp_or_a_used_nonce_is_refused()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var stale = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me", timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301));
        Assert.Equal("stale-timestamp", await ReasonAsync(stale));
        var future = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me", timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 330)); // past the 300 s window even if the request takes seconds to arrive
        Assert.Equal("stale-timestamp", await ReasonAsync(future));

        var nonce = IntegrationClient.NewNonce();
        Assert.Equal(HttpStatusCode.OK, (await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me", nonce: nonce))).StatusCode);
        var replay = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me", nonce: nonce));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal("replayed", await ReasonAsync(replay));
        // Another instance of the deployment remembers it too (Redis).
        var other = fx.SecondInstance;
        var elsewhere = await other.CreateClient().SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me", nonce: nonce));
        Assert.Equal("replayed", await ReasonAsync(elsewhere));
    }

    [Fact]
    public async Task a_revoked_key_stops_and_a_rotated_one_keeps_working_through_its_grace_period()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var client = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var keys = fx.Host.Services.GetRequiredService<IntegrationKeys>();
        var rotated = (await keys.RotateAsync(client.KeyId, CancellationToken.None))!.Value;
        Assert.True(rotated.OldExpiresAt > DateTime.UtcNow.AddDays(6));
        Assert.Equal(HttpStatusCode.OK, (await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me"))).StatusCode);
        var successor = new IntegrationClient(fx.Host.CreateClient(), rotated.KeyId, Convert.FromBase64String(rotated.Secret));
        Assert.Equal(HttpStatusCode.OK, (await successor.Http.SendAsync(successor.Signed(HttpMethod.Get, "/api/integration/v1/me"))).StatusCode);

        Assert.True(await keys.RevokeAsync(client.KeyId, CancellationToken.None));
        var revoked = await client.Http.SendAsync(client.Signed(HttpMethod.Get, "/api/integration/v1/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await successor.Http.SendAsync(successor.Signed(HttpMethod.Get, "/api/integration/v1/me"))).StatusCode);
    }

    [Fact]
    public async Task the_secret_is_stored_encrypted()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var created = (await fx.Host.Services.GetRequiredService<IntegrationKeys>().CreateAsync(await fx.Data.LicenceOfAsync(owner), CancellationToken.None))!.Value;
        await using var conn = await fx.Database.OpenAsync();
        var stored = await Dapper.SqlMapper.ExecuteScalarAsync<byte[]>(conn, "SELECT secret_enc FROM integration_keys WHERE key_id = @KeyId", new { created.KeyId });
        Assert.DoesNotContain(created.Secret, Encoding.Latin1.GetString(stored!));
        Assert.DoesNotContain(Convert.FromBase64String(created.Secret)[..8], stored!.Chunk(8).Select(c => c.ToArray()), new ByteArrayComparer());
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
