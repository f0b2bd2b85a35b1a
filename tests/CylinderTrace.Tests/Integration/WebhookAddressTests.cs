using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CylinderTrace.Integration;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Integration;

/// <summary>An instance of the deployment with Integration:AllowInsecureWebhooks off (the collection's host has it on for its loopback receivers).</summary>
public sealed class SecureWebhookInstance : IAsyncLifetime
{
    private CylinderTraceHost? _host;

    public CylinderTraceHost For(HostFixture fx) =>
        _host ??= fx.AnotherInstance(new Dictionary<string, string?> { ["Integration:AllowInsecureWebhooks"] = "false" });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>
/// Webhooks point only to the public internet (security issue 16, item 10): loopback, private,
/// link-local, CGNAT, metadata, multicast, broadcast and reserved addresses, their IPv6 forms and names
/// for local use are refused when the address is set, and again at delivery after resolution, before
/// any connection is made.
/// </summary>
[Collection(Collections.Integration)]
public sealed class Webhook_addresses(WebHostFixture fx, SecureWebhookInstance secure) : IClassFixture<SecureWebhookInstance>
{
    private async Task<(int Enterprise, IntegrationClient Client)> EnterpriseAsync()
    {
        var id = await fx.Data.EnterpriseAsync("filling");
        return (id, await IntegrationClient.ForAsync(secure.For(fx), await fx.Data.LicenceOfAsync(id)));
    }

    private static async Task<HttpResponseMessage> SetAsync(IntegrationClient client, string url) =>
        await client.Http.SendAsync(client.Signed(HttpMethod.Put, "/api/integration/v1/webhook", JsonSerializer.SerializeToUtf8Bytes(new { url })));

    [Theory]
    [InlineData("https://127.0.0.1/hook", "webhook-address-not-public")]               // loopback
    [InlineData("https://127.1/hook", "webhook-address-not-public")]                   // loopback, short form
    [InlineData("https://2130706433/hook", "webhook-address-not-public")]              // loopback, one number
    [InlineData("https://0x7f.0.0.1/hook", "webhook-address-not-public")]              // loopback, hexadecimal
    [InlineData("https://①②⑦.0.0.1/hook", "webhook-address-not-public")]              // loopback in compatibility digits (IDNA maps them)
    [InlineData("https://10.1.2.3/hook", "webhook-address-not-public")]                // private 10/8
    [InlineData("https://172.16.0.1/hook", "webhook-address-not-public")]              // private 172.16/12
    [InlineData("https://172.31.255.254/hook", "webhook-address-not-public")]
    [InlineData("https://192.168.1.10/hook", "webhook-address-not-public")]            // private 192.168/16
    [InlineData("https://169.254.169.254/latest/meta-data/", "webhook-address-not-public")] // cloud metadata
    [InlineData("https://169.254.10.1/hook", "webhook-address-not-public")]            // link-local
    [InlineData("https://100.64.0.1/hook", "webhook-address-not-public")]              // CGNAT 100.64/10
    [InlineData("https://100.127.255.254/hook", "webhook-address-not-public")]
    [InlineData("https://0.0.0.0/hook", "webhook-address-not-public")]                 // 0/8
    [InlineData("https://0.1.2.3/hook", "webhook-address-not-public")]
    [InlineData("https://224.0.0.1/hook", "webhook-address-not-public")]               // multicast
    [InlineData("https://239.255.255.250/hook", "webhook-address-not-public")]
    [InlineData("https://255.255.255.255/hook", "webhook-address-not-public")]         // broadcast
    [InlineData("https://240.0.0.1/hook", "webhook-address-not-public")]               // reserved
    [InlineData("https://[::1]/hook", "webhook-address-not-public")]                   // IPv6 loopback
    [InlineData("https://[::]/hook", "webhook-address-not-public")]                    // unspecified
    [InlineData("https://[fc00::1]/hook", "webhook-address-not-public")]               // unique local fc00::/7
    [InlineData("https://[fd12:3456:789a::1]/hook", "webhook-address-not-public")]
    [InlineData("https://[fe80::1]/hook", "webhook-address-not-public")]               // link-local fe80::/10
    [InlineData("https://[fe80::1%25eth0]/hook", "webhook-address-not-public")]
    [InlineData("https://[ff02::1]/hook", "webhook-address-not-public")]               // IPv6 multicast
    [InlineData("https://[::ffff:127.0.0.1]/hook", "webhook-address-not-public")]      // IPv4-mapped loopback
    [InlineData("https://[::ffff:169.254.169.254]/hook", "webhook-address-not-public")] // IPv4-mapped metadata
    [InlineData("https://[::ffff:a00:1]/hook", "webhook-address-not-public")]          // IPv4-mapped 10.0.0.1
    [InlineData("https://[64:ff9b::a9fe:a9fe]/hook", "webhook-address-not-public")]    // NAT64 of 169.254.169.254
    [InlineData("https://localhost/hook", "webhook-address-not-public")]
    [InlineData("https://LOCALHOST./hook", "webhook-address-not-public")]
    [InlineData("https://hooks.localhost/hook", "webhook-address-not-public")]
    [InlineData("https://printer.local/hook", "webhook-address-not-public")]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/", "webhook-address-not-public")]
    [InlineData("https://intranet/hook", "webhook-address-not-public")]                // one label: the resolver's search list decides
    [InlineData("https://[::ffff:0:7f00:1]/hook", "webhook-address-not-public")]      // IPv4-translated loopback (RFC 6145)
    [InlineData("https://[5f00::1]/hook", "webhook-address-not-public")]               // SRv6 SIDs (RFC 9602), outside 2000::/3
    [InlineData("https://[3fff::1]/hook", "webhook-address-not-public")]               // documentation (RFC 9637)
    [InlineData("https://hooks.example.com/\r\nX-Injected: 1", "invalid-webhook")]      // a header smuggled in the address
    [InlineData("http://hooks.example.com/ct", "invalid-webhook")]                     // https required
    [InlineData("ftp://hooks.example.com/ct", "invalid-webhook")]
    public async Task an_address_that_is_not_public_is_refused_when_set(string url, string code)
    {
        var (enterprise, client) = await EnterpriseAsync();
        var response = await SetAsync(client, url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal("url", problem.GetProperty("field").GetString());
        Assert.StartsWith("字段 url：", problem.GetProperty("detail").GetString());
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM enterprise_webhooks WHERE enterprise_id = @enterprise", new { enterprise }));
    }

    [Theory]
    [InlineData("https://hooks.example.com/cylindertrace")]
    [InlineData("https://93.184.215.14/hook")]
    [InlineData("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook")]
    public async Task a_public_https_address_is_accepted(string url)
    {
        var (_, client) = await EnterpriseAsync();
        var response = await SetAsync(client, url);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The address was stored without the check (set before it existed, or its name now resolves
    /// elsewhere): delivery refuses it after resolving, records why, and never connects. A listener
    /// on loopback stands where the request would land.
    /// </summary>
    [Theory]
    [InlineData("https://localhost:{0}/hook", "localhost")]            // a name that resolves to loopback
    [InlineData("https://127.0.0.1:{0}/hook", "127.0.0.1")]
    [InlineData("https://[::ffff:127.0.0.1]:{0}/hook", "127.0.0.1")]
    [InlineData("http://localhost:{0}/hook", "https://")]              // http is refused before resolving
    public async Task delivery_to_an_address_that_is_not_public_is_recorded_as_failed_without_connecting(string template, string named)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, ((IPEndPoint)listener.LocalEndpoint).Port);
            var enterprise = await fx.Data.EnterpriseAsync("filling");
            var notifications = secure.For(fx).Services.GetRequiredService<EnterpriseNotifications>();
            await notifications.SetWebhookAsync(enterprise, url, CancellationToken.None);
            long id;
            await using (var conn = await fx.Database.OpenAsync())
                id = await EnterpriseNotifications.InsertAsync(conn, null, enterprise, "detention.issued", new { n = 1 }, DateTime.UtcNow, CancellationToken.None);

            await notifications.DeliverAsync(id, CancellationToken.None);

            // A connection made would wait in the listener's queue (nothing accepts it).
            Assert.False(listener.Pending(), $"{url}: a connection reached the loopback listener");
            await using var check = await fx.Database.OpenAsync();
            var row = await check.QuerySingleAsync<(int Attempts, string? LastError, DateTime? DeliveredAt)>(
                "SELECT attempts, last_error, delivered_at FROM enterprise_notifications WHERE id = @id", new { id });
            Assert.Equal(1, row.Attempts);
            Assert.Null(row.DeliveredAt);
            Assert.StartsWith("webhook-address-refused:", row.LastError);
            Assert.Contains(named, row.LastError);
        }
        finally { listener.Stop(); }
    }
}
