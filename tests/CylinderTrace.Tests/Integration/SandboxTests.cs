using System.Net;
using System.Text;
using System.Text.Json;
using CylinderTrace.Integration;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Integration;

/// <summary>
/// Sandbox keys (issue 20): an enterprise tests its integration against production. A batch is checked and
/// answered exactly as a real key's would be, says "sandbox": true (and X-CT-Sandbox), and stores nothing;
/// writes that cannot be rehearsed are refused.
/// </summary>
[Collection(Collections.Integration)]
public sealed class Sandbox_keys(WebHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private static object Cylinder(string code) => new
    {
        code, serial = "S" + code[^6..], spec = "YSP-15", manufacturer = "测试钢瓶厂", manufactureDate = "2022-03-01", nextInspectionDate = "2027-03-01", scrapDate = "2030-03-01",
    };

    private static string Counts(JsonElement r) =>
        $"{r.GetProperty("received")}/{r.GetProperty("stored")}/{r.GetProperty("duplicates")}/{r.GetProperty("rejected").GetRawText()}";

    private async Task<long> CountAsync(string sql, object args)
    {
        await using var conn = await fx.Database.OpenAsync();
        return await conn.ExecuteScalarAsync<long>(sql, args);
    }

    [Fact]
    public async Task a_sandbox_batch_is_answered_like_production_and_stores_nothing()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var licence = await fx.Data.LicenceOfAsync(owner);
        var sandbox = await IntegrationClient.ForAsync(fx.Host, licence, sandbox: true);
        var real = await IntegrationClient.ForAsync(fx.Host, licence);
        Assert.StartsWith("cs_", sandbox.KeyId);
        string a = NewCode(), b = NewCode();
        var batch = IntegrationClient.Records(Cylinder(a), Cylinder(b), new { code = "not a code", serial = "X" });

        var rehearsed = await sandbox.PostAsync("cylinders", batch);
        Assert.Equal(HttpStatusCode.OK, rehearsed.StatusCode);
        Assert.Equal("true", rehearsed.Headers.GetValues(IntegrationSandbox.Header).Single());
        var rehearsal = JsonDocument.Parse(await rehearsed.Content.ReadAsStringAsync()).RootElement;
        Assert.True(rehearsal.GetProperty("sandbox").GetBoolean());
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM cylinders WHERE code IN (@a, @b)", new { a, b }));
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Host.CreateClient().GetAsync($"/api/cylinders/{a}/card")).StatusCode);

        // The real key's answer to the same batch is the same (counts and every rejection), and it is stored.
        var stored = await real.PostAsync("cylinders", batch);
        Assert.False(stored.Headers.Contains(IntegrationSandbox.Header));
        var production = JsonDocument.Parse(await stored.Content.ReadAsStringAsync()).RootElement;
        Assert.False(production.TryGetProperty("sandbox", out _));
        Assert.Equal(Counts(production), Counts(rehearsal));
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM cylinders WHERE code IN (@a, @b)", new { a, b }));

        // Events against the real registry: the same checks, counted as stored, never stored; a repeat is not a duplicate.
        var fills = IntegrationClient.Records(new { eventId = "F-" + a, cylinderCode = a, filledAt = DateTimeOffset.UtcNow.AddMinutes(-10) },
            new { eventId = "F-" + b, cylinderCode = NewCode(), filledAt = DateTimeOffset.UtcNow.AddMinutes(-10) });
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var answer = JsonDocument.Parse(await (await sandbox.PostAsync("fills", fills)).Content.ReadAsStringAsync()).RootElement;
            Assert.True(answer.GetProperty("sandbox").GetBoolean());
            Assert.Equal(2, answer.GetProperty("stored").GetInt32()); // the unregistered code is kept as an orphan fill, in production too
            Assert.Equal(0, answer.GetProperty("duplicates").GetInt32());
        }
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM ingested_events WHERE external_event_id IN (@fa, @fb)", new { fa = "F-" + a, fb = "F-" + b }));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM fills f JOIN cylinders c ON c.id = f.cylinder_id WHERE c.code = @a", new { a }));
        var production2 = JsonDocument.Parse(await (await real.PostAsync("fills", fills)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, production2.GetProperty("stored").GetInt32());
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM fills f JOIN cylinders c ON c.id = f.cylinder_id WHERE c.code = @a", new { a }));
    }

    [Fact]
    public async Task a_sandbox_key_reads_but_is_refused_writes_it_cannot_rehearse()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var sandbox = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner), sandbox: true);
        var me = await sandbox.Http.SendAsync(sandbox.Signed(HttpMethod.Get, "/api/integration/v1/me"));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.True(JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement.GetProperty("sandbox").GetBoolean());

        var webhook = await sandbox.Http.SendAsync(sandbox.Signed(HttpMethod.Put, "/api/integration/v1/webhook", Encoding.UTF8.GetBytes("""{"url":"https://example.com/hook"}""")));
        Assert.Equal(HttpStatusCode.Forbidden, webhook.StatusCode);
        Assert.Equal("integration-sandbox", JsonDocument.Parse(await webhook.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM enterprise_webhooks WHERE enterprise_id = @owner", new { owner }));
        var ack = await sandbox.Http.SendAsync(sandbox.Signed(HttpMethod.Post, "/api/integration/v1/notifications/ack", Encoding.UTF8.GetBytes("""{"upTo":1}""")));
        Assert.Equal(HttpStatusCode.Forbidden, ack.StatusCode);
        // The fill check changes nothing: a sandbox key asks it like any other.
        var check = await sandbox.Http.SendAsync(sandbox.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks", Encoding.UTF8.GetBytes($$"""{"cylinderCode":"{{NewCode()}}"}""")));
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
    }

    [Fact]
    public async Task the_command_makes_a_sandbox_key_and_lists_it_as_one()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var keys = fx.Host.Services.GetRequiredService<IntegrationKeys>();
        var created = (await keys.CreateAsync(await fx.Data.LicenceOfAsync(owner), CancellationToken.None, sandbox: true))!.Value;
        Assert.True((await keys.FindUsableAsync(created.KeyId, CancellationToken.None))!.Sandbox);
        Assert.True((await keys.ListAsync(CancellationToken.None)).Single(k => k.KeyId == created.KeyId).Sandbox);
        // Rotation keeps it a sandbox key.
        var rotated = (await keys.RotateAsync(created.KeyId, CancellationToken.None))!.Value;
        Assert.True((await keys.FindUsableAsync(rotated.KeyId, CancellationToken.None))!.Sandbox);
    }
}
