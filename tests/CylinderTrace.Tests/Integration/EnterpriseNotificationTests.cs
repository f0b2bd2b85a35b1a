using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CylinderTrace.Integration;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace CylinderTrace.Tests.Integration;

/// <summary>The outbound channel: signed webhook pushes with retries, and the pull endpoint with acknowledgement.</summary>
[Collection(Collections.BackgroundJobs)]
public sealed class Notifications_to_an_enterprise(WorkerHostFixture fx)
{
    /// <summary>An enterprise's receiving endpoint: a real HTTP server on loopback that records what arrives and can refuse the first calls.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public ConcurrentQueue<(string Body, Dictionary<string, string> Headers)> Received { get; } = new();
        public int FailFirst;
        public string Url { get; }

        public Receiver()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.MapPost("/hooks/cylindertrace", async (HttpRequest r) =>
            {
                var body = await new StreamReader(r.Body).ReadToEndAsync();
                if (Interlocked.Decrement(ref FailFirst) >= 0) return Results.StatusCode(503);
                // Kestrel reuses a request's header collection: keep a copy.
                Received.Enqueue((body, r.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
                return Results.Ok();
            });
            _app.StartAsync().GetAwaiter().GetResult();
            Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hooks/cylindertrace";
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private async Task<(int Id, IntegrationClient Client)> EnterpriseAsync()
    {
        var id = await fx.Data.EnterpriseAsync("filling");
        return (id, await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(id)));
    }

    private static async Task<JsonElement> SendAsync(IntegrationClient client, HttpMethod method, string path, object? body = null)
    {
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web);
        var response = await client.Http.SendAsync(client.Signed(method, path, bytes));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task are_pushed_signed_and_retried_until_the_enterprise_takes_them()
    {
        await using var receiver = new Receiver { FailFirst = 1 };
        var (enterprise, client) = await EnterpriseAsync();
        var secret = (await SendAsync(client, HttpMethod.Put, "/api/integration/v1/webhook", new { url = receiver.Url })).GetProperty("secret").GetString()!;
        var notifications = fx.Host.Services.GetRequiredService<EnterpriseNotifications>();
        var id = await notifications.PublishAsync(enterprise, "detention_order", new { cylinderCode = "FZ0000000006", deadline = "2026-12-01" }, CancellationToken.None);

        await using var conn = await fx.Database.OpenAsync();
        Task<int> AttemptsAsync() => conn.ExecuteScalarAsync<int>("SELECT attempts FROM enterprise_notifications WHERE id = @id", new { id });
        await Eventually.ReturnsAsync(AttemptsAsync, n => n > 0, "the first push to be tried");
        Assert.Equal("HTTP 503", await conn.ExecuteScalarAsync<string>("SELECT last_error FROM enterprise_notifications WHERE id = @id", new { id }));
        Assert.Empty(receiver.Received);

        // The pause after the failure has passed: the reconciler pushes it again.
        await conn.ExecuteAsync("UPDATE enterprise_notifications SET next_attempt_at = @past WHERE id = @id", new { id, past = DateTime.UtcNow.AddMinutes(-5) });
        await notifications.ReconcileAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => !receiver.Received.IsEmpty, "the enterprise to receive the push");
        var (body, headers) = Assert.Single(receiver.Received);
        Assert.Equal(id.ToString(), headers["X-CT-Event-Id"]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret), Encoding.UTF8.GetBytes(headers["X-CT-Timestamp"] + "\n" + body)));
        Assert.Equal(expected, headers["X-CT-Signature"]);
        var sent = JsonDocument.Parse(body).RootElement;
        Assert.Equal("detention_order", sent.GetProperty("kind").GetString());
        Assert.Equal("FZ0000000006", sent.GetProperty("payload").GetProperty("cylinderCode").GetString());

        Assert.Equal("webhook", await Eventually.ReturnsAsync(
            () => conn.ExecuteScalarAsync<string?>("SELECT delivered_by FROM enterprise_notifications WHERE id = @id", new { id }),
            by => by is not null, "the push to be recorded as delivered"));
        // One refused attempt and one delivery, as the outbox row counts them.
        Assert.Equal(2, await AttemptsAsync());
        // Delivered: the reconciler does not queue it again, and a delivery job run again (a duplicate) pushes nothing.
        var mark = fx.Host.Jobs.Count;
        await notifications.ReconcileAsync(CancellationToken.None);
        Assert.DoesNotContain(fx.Host.Jobs.Since(mark), j => j.Is<EnterpriseNotifications>(nameof(EnterpriseNotifications.DeliverAsync), id));
        await notifications.DeliverAsync(id, CancellationToken.None);
        Assert.Equal(2, await AttemptsAsync());
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task can_be_pulled_and_acknowledged_by_the_enterprise_alone()
    {
        var (enterprise, client) = await EnterpriseAsync();
        var (other, _) = await EnterpriseAsync();
        var notifications = fx.Host.Services.GetRequiredService<EnterpriseNotifications>();
        var first = await notifications.PublishAsync(enterprise, "detention_order", new { n = 1 }, CancellationToken.None);
        var second = await notifications.PublishAsync(enterprise, "detention_order", new { n = 2 }, CancellationToken.None);
        await notifications.PublishAsync(other, "detention_order", new { n = 3 }, CancellationToken.None);

        var pulled = await SendAsync(client, HttpMethod.Get, "/api/integration/v1/notifications?after=0");
        Assert.Equal([first, second], pulled.EnumerateArray().Select(n => n.GetProperty("id").GetInt64()).ToArray());
        Assert.All(pulled.EnumerateArray(), n => Assert.False(n.GetProperty("delivered").GetBoolean()));
        Assert.Equal([second], (await SendAsync(client, HttpMethod.Get, $"/api/integration/v1/notifications?after={first}")).EnumerateArray().Select(n => n.GetProperty("id").GetInt64()).ToArray());

        Assert.Equal(1, (await SendAsync(client, HttpMethod.Post, "/api/integration/v1/notifications/ack", new { upTo = first })).GetProperty("acknowledged").GetInt32());
        Assert.Equal(1, (await SendAsync(client, HttpMethod.Post, "/api/integration/v1/notifications/ack", new { upTo = second })).GetProperty("acknowledged").GetInt32());
        Assert.Equal(0, (await SendAsync(client, HttpMethod.Post, "/api/integration/v1/notifications/ack", new { upTo = second })).GetProperty("acknowledged").GetInt32());
        Assert.All((await SendAsync(client, HttpMethod.Get, "/api/integration/v1/notifications")).EnumerateArray(), n => Assert.True(n.GetProperty("delivered").GetBoolean()));

        var bad = await client.Http.SendAsync(client.Signed(HttpMethod.Put, "/api/integration/v1/webhook", JsonSerializer.SerializeToUtf8Bytes(new { url = "ftp://example.com/x" })));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
