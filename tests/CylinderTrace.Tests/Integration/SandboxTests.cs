using System.Net;
using System.Text.Json;
using CylinderTrace.Integration;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Integration;

/// <summary>
/// Sandbox keys (issue 20): an enterprise tests its integration against production. A batch is checked and
/// answered exactly as a real key's would be, says "sandbox": true (and X-CT-Sandbox), and stores nothing; so is
/// every other write (webhook, acknowledgements, invites, binding codes and contacts, detention steps).
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

    /// <summary>A filling enterprise with one supply station, and a sandbox and a real key of the filling enterprise.</summary>
    private async Task<(int Owner, int Station, string StationLicence, IntegrationClient Sandbox, IntegrationClient Real)> FillerWithStationAsync()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner);
        var licence = await fx.Data.LicenceOfAsync(owner);
        return (owner, station, await fx.Data.LicenceOfAsync(station),
            await IntegrationClient.ForAsync(fx.Host, licence, sandbox: true), await IntegrationClient.ForAsync(fx.Host, licence));
    }

    [Fact]
    public async Task every_batch_kind_is_answered_as_the_real_key_answers_it_and_changes_nothing()
    {
        var (owner, station, stationLicence, sandbox, real) = await FillerWithStationAsync();
        var code = NewCode();
        await real.PostOkAsync("cylinders", Cylinder(code));
        await real.PostOkAsync("workers", new { employeeNumber = "W1", name = "赵送气", station = stationLicence });
        await real.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = "350102", businessName = "原名餐馆", station = stationLicence });

        async Task<string> StateAsync()
        {
            await using var conn = await fx.Database.OpenAsync();
            var counts = await conn.QuerySingleAsync<(long, long, long, long, long, long, long, long, long)>(
                """
                SELECT (SELECT COUNT(*) FROM delivery_workers WHERE enterprise_id = @station),
                       (SELECT COUNT(*) FROM customers WHERE supply_station_id = @station),
                       (SELECT COUNT(*) FROM deliveries d JOIN cylinders c ON c.id = d.cylinder_id WHERE c.code = @code),
                       (SELECT COUNT(*) FROM empty_returns r JOIN cylinders c ON c.id = r.cylinder_id WHERE c.code = @code),
                       (SELECT COUNT(*) FROM inspections i JOIN cylinders c ON c.id = i.cylinder_id WHERE c.code = @code),
                       (SELECT COUNT(*) FROM fills f JOIN cylinders c ON c.id = f.cylinder_id WHERE c.code = @code),
                       (SELECT COUNT(*) FROM ingested_events WHERE enterprise_id IN (@owner, @station)),
                       (SELECT COUNT(*) FROM fill_violations WHERE enterprise_id = @owner),
                       (SELECT COUNT(*) FROM enterprise_notifications WHERE enterprise_id = @owner)
                """, new { owner, station, code });
            var names = await conn.QuerySingleAsync<(string, string, string, DateTime?)>(
                """
                SELECT (SELECT name FROM delivery_workers WHERE enterprise_id = @station AND employee_number = 'W1'),
                       (SELECT business_name FROM customers WHERE supply_station_id = @station AND external_id = 'R1'),
                       c.status, c.next_inspection_date FROM cylinders c WHERE c.code = @code
                """, new { station, code });
            return $"{counts} {names}";
        }
        var before = await StateAsync();
        var rates = (await sandbox.Http.SendAsync(sandbox.Signed(HttpMethod.Get, "/api/integration/v1/scan-rates/today"))).Content.ReadAsStringAsync();

        var now = DateTimeOffset.UtcNow;
        var batches = new (string Kind, byte[] Body)[]
        {
            ("workers", IntegrationClient.Records(new { employeeNumber = "W1", name = "改名送气", station = stationLicence }, new { employeeNumber = "W2", name = "钱送气", station = stationLicence }, new { name = "无工号" })),
            ("customers", IntegrationClient.Records(new { customerId = "R1", kind = "commercial", districtCode = "350102", businessName = "改名餐馆", station = stationLicence },
                new { customerId = "R2", kind = "household", districtCode = "350102", name = "林用户", station = stationLicence }, new { customerId = "R3", kind = "shop", districtCode = "350102", station = stationLicence })),
            ("deliveries", IntegrationClient.Records(new { eventId = "D-" + code, cylinderCode = code, deliveredAt = now.AddHours(-2), customerId = "R1", workerEmployeeNumber = "W1", station = stationLicence },
                new { eventId = "D2-" + code, cylinderCode = code, deliveredAt = now.AddHours(-1), customerId = "R404", station = stationLicence })),
            ("returns", IntegrationClient.Records(new { eventId = "E-" + code, cylinderCode = code, returnedAt = now.AddMinutes(-30), customerId = "R1", station = stationLicence })),
            ("inspections", IntegrationClient.Records(new { eventId = "I-" + code, cylinderCode = code, inspectedOn = DateOnly.FromDateTime(DateTime.UtcNow), inspectionBody = "福州市特检院", result = "fail", reportNumber = "R-1" })),
            ("fills", IntegrationClient.Records(new { eventId = "F-" + code, cylinderCode = code, filledAt = now.AddMinutes(-20) })),
        };
        var rehearsals = new List<string>();
        foreach (var (kind, body) in batches)
        {
            var response = await sandbox.PostAsync(kind, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{kind}: {text}");
            var answer = JsonDocument.Parse(text).RootElement;
            Assert.True(answer.GetProperty("sandbox").GetBoolean(), kind);
            rehearsals.Add(kind + " " + Counts(answer) + (answer.TryGetProperty("violations", out var v) ? v.GetRawText() : ""));
        }
        Assert.Equal(before, await StateAsync());
        Assert.Equal(await rates, await (await sandbox.Http.SendAsync(sandbox.Signed(HttpMethod.Get, "/api/integration/v1/scan-rates/today"))).Content.ReadAsStringAsync());

        // The real key, sent the same batches in the same order, gets the same answers (the fill's events ran against a registry that now
        // holds the fail, as the rehearsed fill did not: so the fill is compared on its own below) and changes what the sandbox did not.
        var production = new List<string>();
        foreach (var (kind, body) in batches[..^1])
        {
            var answer = JsonDocument.Parse(await (await real.PostAsync(kind, body)).Content.ReadAsStringAsync()).RootElement;
            production.Add(kind + " " + Counts(answer) + (answer.TryGetProperty("violations", out var v) ? v.GetRawText() : ""));
        }
        Assert.Equal(rehearsals[..^1], production);
        Assert.NotEqual(before, await StateAsync());
        Assert.Contains("no_check", rehearsals[^1]);
    }

    private static async Task<(HttpStatusCode Status, string Body, bool Sandbox)> CallAsync(IntegrationClient client, HttpMethod method, string path, object? body = null)
    {
        var response = await client.Http.SendAsync(client.Signed(method, path, body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web)));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Contains(IntegrationSandbox.Header));
    }

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement;

    /// <summary>The problem code of an answer, or its status when it has none: what a client branches on.</summary>
    private static string Outcome((HttpStatusCode Status, string Body, bool Sandbox) answer) =>
        answer.Body.StartsWith('{') && Json(answer.Body).TryGetProperty("code", out var code) && answer.Status >= HttpStatusCode.BadRequest
            ? $"{(int)answer.Status} {code.GetString()}" : ((int)answer.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task every_other_write_is_checked_and_answered_like_production_and_stores_nothing()
    {
        var (owner, station, stationLicence, sandbox, real) = await FillerWithStationAsync();
        await real.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = "350102", businessName = "沙箱测试餐馆", station = stationLicence });

        // Webhook: the same checks; an address and a secret answered, none stored; removing it removes nothing.
        Assert.Equal("400 invalid-webhook", Outcome(await CallAsync(sandbox, HttpMethod.Put, "/api/integration/v1/webhook", new { url = "not an address" })));
        var set = await CallAsync(sandbox, HttpMethod.Put, "/api/integration/v1/webhook", new { url = "https://hooks.example.invalid/sandbox" });
        Assert.True(set.Status == HttpStatusCode.OK && set.Sandbox, set.Body);
        Assert.Equal("https://hooks.example.invalid/sandbox", Json(set.Body).GetProperty("url").GetString());
        Assert.Equal(32, Convert.FromBase64String(Json(set.Body).GetProperty("secret").GetString()!).Length);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM enterprise_webhooks WHERE enterprise_id = @owner", new { owner }));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(real, HttpMethod.Put, "/api/integration/v1/webhook", new { url = "https://hooks.example.invalid/real" })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(sandbox, HttpMethod.Delete, "/api/integration/v1/webhook")).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(sandbox, HttpMethod.Put, "/api/integration/v1/webhook", new { url = "https://hooks.example.invalid/other" })).Status);
        await using (var conn = await fx.Database.OpenAsync())
            Assert.Equal("https://hooks.example.invalid/real", await conn.ExecuteScalarAsync<string>("SELECT url FROM enterprise_webhooks WHERE enterprise_id = @owner", new { owner }));

        // Acknowledging notifications: the same count as the real key's, nothing marked received.
        var notifications = fx.Host.Services.GetRequiredService<EnterpriseNotifications>();
        var first = await notifications.PublishAsync(owner, "detention_order", new { n = 1 }, CancellationToken.None);
        Assert.Equal("400 invalid-ack", Outcome(await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/notifications/ack", new { upto = first })));
        var rehearsedAck = await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/notifications/ack", new { upTo = first });
        Assert.True(rehearsedAck.Status == HttpStatusCode.OK, rehearsedAck.Body);
        Assert.Equal(1, Json(rehearsedAck.Body).GetProperty("acknowledged").GetInt32());
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM enterprise_notifications WHERE id = @first AND delivered_at IS NOT NULL", new { first }));
        Assert.Equal(1, Json((await CallAsync(real, HttpMethod.Post, "/api/integration/v1/notifications/ack", new { upTo = first })).Body).GetProperty("acknowledged").GetInt32());

        // Invites: the same checks (an unknown customer, a household); a code answered, none stored.
        Assert.Equal("404 customer-not-found", Outcome(await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/commercial-invites", new { customerId = "R404", station = stationLicence })));
        Assert.Equal("400 invalid-invite", Outcome(await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/commercial-invites", new { customerId = "R1", role = "cook", station = stationLicence })));
        var invite = await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/commercial-invites", new { customerId = "R1", role = "staff", station = stationLicence });
        Assert.True(invite.Status == HttpStatusCode.OK, invite.Body);
        Assert.Equal(10, Json(invite.Body).GetProperty("code").GetString()!.Length);
        const string InvitesSql = "SELECT COUNT(*) FROM commercial_invites i JOIN customers c ON c.id = i.customer_id WHERE c.supply_station_id = @station";
        Assert.Equal(0, await CountAsync(InvitesSql, new { station }));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(real, HttpMethod.Post, "/api/integration/v1/commercial-invites", new { customerId = "R1", role = "staff", station = stationLicence })).Status);
        Assert.Equal(1, await CountAsync(InvitesSql, new { station }));

        // WeChat binding codes: a code answered that binds nobody; removing a contact removes nothing.
        var contacts = fx.Host.Services.GetRequiredService<EnterpriseContacts>();
        var sandboxCode = Json((await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/wechat-binding-codes")).Body).GetProperty("code").GetString()!;
        Assert.Matches("^[0-9]{8}$", sandboxCode);
        Assert.Null(await contacts.RedeemAsync(sandboxCode, "oSandbox" + NewCode(), CancellationToken.None));
        var realCode = Json((await CallAsync(real, HttpMethod.Post, "/api/integration/v1/wechat-binding-codes")).Body).GetProperty("code").GetString()!;
        var openId = "oStaff" + NewCode();
        Assert.NotNull(await contacts.RedeemAsync(realCode, openId, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(sandbox, HttpMethod.Delete, $"/api/integration/v1/wechat-contacts/{openId}")).Status);
        Assert.Equal("404 contact-not-found", Outcome(await CallAsync(sandbox, HttpMethod.Delete, "/api/integration/v1/wechat-contacts/oNobody")));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM enterprise_wechat_contacts WHERE enterprise_id = @owner AND openid = @openId", new { owner, openId }));

        // Detention orders: each step answered with the order as it would be; the order stays as it was.
        var code = NewCode();
        await real.PostOkAsync("cylinders", Cylinder(code));
        var agency = await fx.Data.AgencyAsync("market_supervision");
        var inspector = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agency.Code, "inspector")).Username, TestData.StaffPassword);
        var issued = await inspector.PostAsync("/api/console/detentions", new { cylinderCode = code, hazard = "瓶阀漏气", deadlineHours = 48, responsibility = "owner" });
        var issuedBody = await issued.Content.ReadAsStringAsync();
        Assert.True(issued.StatusCode == HttpStatusCode.Created, issuedBody);
        var number = Json(issuedBody).GetProperty("number").GetString()!;
        var acknowledged = await CallAsync(sandbox, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/acknowledge");
        Assert.True(acknowledged.Status == HttpStatusCode.OK, acknowledged.Body);
        Assert.Equal("acknowledged", Json(acknowledged.Body).GetProperty("status").GetString());
        Assert.Equal("400 invalid-detention", Outcome(await CallAsync(sandbox, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/recalled", new { })));
        var recalled = await CallAsync(sandbox, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/recalled", new { place = "本站仓库" });
        Assert.Equal("recalled", Json(recalled.Body).GetProperty("status").GetString());
        Assert.Equal("404 detention-not-found", Outcome(await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/detention-orders/KP20260101000000/acknowledge")));
        await using (var conn = await fx.Database.OpenAsync())
        {
            Assert.Equal("open", await conn.ExecuteScalarAsync<string>("SELECT status FROM detention_orders WHERE number = @number", new { number }));
            Assert.Equal(1, await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM detention_events e JOIN detention_orders o ON o.id = e.order_id WHERE o.number = @number", new { number }));
        }
        var production = await CallAsync(real, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/acknowledge");
        Assert.Equal("acknowledged", Json(production.Body).GetProperty("status").GetString());

        // Reads and the read-only calls answer as for the real key.
        foreach (var path in new[] { "/api/integration/v1/notifications", "/api/integration/v1/wechat-contacts", "/api/integration/v1/detention-orders", "/api/integration/v1/licences" })
            Assert.Equal((await CallAsync(real, HttpMethod.Get, path)).Body, (await CallAsync(sandbox, HttpMethod.Get, path)).Body);
        var check = await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/fill-checks", new { cylinderCode = code });
        Assert.Equal([FillChecks.Detained.Code], Json(check.Body).GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()));
        Assert.Equal(Outcome(await CallAsync(real, HttpMethod.Post, "/api/integration/v1/labels", new { codes = new[] { code } })),
            Outcome(await CallAsync(sandbox, HttpMethod.Post, "/api/integration/v1/labels", new { codes = new[] { code } })));
    }

    [Fact]
    public async Task every_write_of_the_signed_API_is_rehearsed_or_read_only()
    {
        var writes = fx.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith(IntegrationApi.Prefix + "/", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Any(m => m is not ("GET" or "HEAD")) == true)
            .ToList();
        Assert.True(writes.Count >= 14, $"only {writes.Count} writes found");
        var unrehearsed = writes.Where(e => e.Metadata.GetMetadata<IntegrationSandbox.Rehearsed>() is null && e.Metadata.GetMetadata<IntegrationSignature.ReadOnlyCall>() is null)
            .Select(e => e.RoutePattern.RawText).ToList();
        Assert.True(unrehearsed.Count == 0, "a sandbox key is refused: " + string.Join(", ", unrehearsed));
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
