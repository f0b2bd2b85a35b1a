using CylinderTrace.Platform.Problems;

namespace CylinderTrace.Integration;

/// <summary>
/// The enterprise integration API under /api/integration/v1 (docs/INTEGRATION.md): every request
/// signed (IntegrationSignature runs first); batch endpoints per record kind; 200 with what was stored,
/// the duplicates and every rejected record.
/// </summary>
public static class IntegrationApi
{
    public const string Prefix = "/api/integration";

    /// <summary>The signed API's group (the signature middleware covers every route under the prefix); features map their enterprise routes onto it.</summary>
    public static RouteGroupBuilder MapIntegrationGroup(this IEndpointRouteBuilder app) => app.MapGroup(Prefix + "/v1").ExcludeFromDescription();

    public static IEndpointRouteBuilder MapIntegrationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapIntegrationGroup();
        api.MapGet("/me", MeAsync);
        api.MapPost("/fill-checks", FillCheckAsync).WithMetadata(new IntegrationSignature.ReadOnlyCall());
        api.MapPost("/wechat-binding-codes", async (HttpContext c, EnterpriseContacts contacts) =>
            TypedResults.Ok(new
            {
                code = await contacts.NewCodeAsync(IntegrationSignature.Caller(c).EnterpriseId),
                validMinutes = (int)EnterpriseContacts.CodeLifetime.TotalMinutes,
                instruction = "请本企业员工关注公众号，在30分钟内发送“企业绑定 ”加上这串数字，即可收到扣瓶令等监管通知。",
            }));
        api.MapGet("/wechat-contacts", async (HttpContext c, EnterpriseContacts contacts, CancellationToken ct) =>
            TypedResults.Ok((await contacts.ListAsync(IntegrationSignature.Caller(c).EnterpriseId, ct)).Select(x => new { openId = x.OpenId, boundAt = x.BoundAt })))
            .WithMetadata(new IntegrationSignature.ReadOnlyCall());
        api.MapDelete("/wechat-contacts/{openId}", async (string openId, HttpContext c, EnterpriseContacts contacts, CancellationToken ct) =>
            await contacts.RemoveAsync(IntegrationSignature.Caller(c).EnterpriseId, openId, ct)
                ? (IResult)TypedResults.NoContent()
                : Problem.Of(404, "contact-not-found", "No such contact", "本企业没有绑定这个微信。"));
        api.MapGet("/notifications", async (HttpContext c, EnterpriseNotifications n, long? after, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await n.PullAsync(IntegrationSignature.Caller(c).EnterpriseId, Math.Max(0, after ?? 0), Math.Clamp(limit ?? 100, 1, 500), ct)));
        api.MapPost("/notifications/ack", async (HttpContext c, EnterpriseNotifications n, CancellationToken ct) =>
        {
            var upTo = LongProperty(IntegrationSignature.Caller(c).Body, "upTo");
            if (upTo is null) return (IResult)Problem.Of(400, "invalid-ack", "upTo required", "请求体须为 {\"upTo\": 已收到的最大通知编号}。");
            return TypedResults.Ok(new { acknowledged = await n.AcknowledgeAsync(IntegrationSignature.Caller(c).EnterpriseId, upTo.Value, ct) });
        });
        api.MapPut("/webhook", async (HttpContext c, EnterpriseNotifications n, Microsoft.Extensions.Options.IOptions<IntegrationOptions> o, CancellationToken ct) =>
        {
            var url = TextProperty(IntegrationSignature.Caller(c).Body, "url");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || url!.Length > 500 || url.Any(char.IsControl) || url.Any(char.IsWhiteSpace)
                || !(uri.Scheme == Uri.UriSchemeHttps || (o.Value.AllowInsecureWebhooks && uri.Scheme == Uri.UriSchemeHttp)))
                return (IResult)Problem.Of(400, "invalid-webhook", "Webhook address refused", "字段 url：请给出 https:// 开头的完整地址（不超过500字符）。",
                    new Dictionary<string, object?> { ["field"] = "url" });
            if (!o.Value.AllowInsecureWebhooks && WebhookAddresses.NotPublicReason(uri) is { } refusal)
                return Problem.Of(400, "webhook-address-not-public", "Webhook address not public", refusal, new Dictionary<string, object?> { ["field"] = "url" });
            return TypedResults.Ok(new { url, secret = await n.SetWebhookAsync(IntegrationSignature.Caller(c).EnterpriseId, url, ct) });
        });
        api.MapDelete("/webhook", async (HttpContext c, EnterpriseNotifications n, CancellationToken ct) =>
        {
            await n.RemoveWebhookAsync(IntegrationSignature.Caller(c).EnterpriseId, ct);
            return TypedResults.NoContent();
        });
        api.MapPost("/cylinders", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.CylindersAsync));
        api.MapPost("/workers", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.WorkersAsync));
        api.MapPost("/customers", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.CustomersAsync));
        api.MapPost("/fills", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.FillsAsync));
        api.MapPost("/deliveries", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.DeliveriesAsync));
        api.MapPost("/returns", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.ReturnsAsync));
        api.MapPost("/inspections", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.InspectionsAsync))
            .WithMetadata(new IntegrationSignature.InspectionBodyCall());
        return app;
    }

    private static async Task<IResult> MeAsync(HttpContext context, IntegrationScope scopes, CancellationToken ct)
    {
        var caller = IntegrationSignature.Caller(context);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        return TypedResults.Ok(new
        {
            keyId = caller.KeyId,
            enterprise = new { licence = tenant.Caller.Licence, kind = tenant.Caller.Kind },
            actsFor = tenant.Members.Values.Select(m => new { licence = m.Licence, kind = m.Kind }).OrderBy(m => m.licence),
        });
    }

    /// <summary>A top-level string or integer property of a JSON object body; null when the body is not such an object or the property is absent or of another type.</summary>
    public static string? TextProperty(ReadOnlyMemory<byte> body, string name) =>
        Property(body, name, e => e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString() : null);

    public static long? LongProperty(ReadOnlyMemory<byte> body, string name) =>
        Property(body, name, e => e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetInt64(out var v) ? v : (long?)null);

    private static T? Property<T>(ReadOnlyMemory<byte> body, string name, Func<System.Text.Json.JsonElement, T?> read)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out var value) ? read(value) : default;
        }
        catch (System.Text.Json.JsonException) { return default; }
    }

    private static async Task<IResult> FillCheckAsync(HttpContext context, FillChecks checks, CancellationToken ct)
    {
        var request = FillChecks.Parse(IntegrationSignature.Caller(context).Body);
        if (request is null) return Problem.Of(400, "invalid-fill-check", "Fill check not readable", "请求体须为 {\"cylinderCode\": \"…\", \"station\": \"充装站许可证号（可省略）\"}。");
        return await checks.CheckAsync(IntegrationSignature.Caller(context), request, ct) switch
        {
            FillChecks.Checked c => TypedResults.Ok(c.Result),
            FillChecks.Invalid i => Problem.Of(400, "invalid-fill-check", "Fill check incomplete", i.Message, new Dictionary<string, object?> { ["field"] = i.Field }),
            FillChecks.NotYours n => Problem.Of(403, "integration-not-yours", "Another enterprise's station", n.Message),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<IResult> RunAsync(HttpContext context, CancellationToken ct, Func<IntegrationCaller, CancellationToken, Task<BatchResult>> ingest)
    {
        try
        {
            return TypedResults.Ok(await ingest(IntegrationSignature.Caller(context), ct));
        }
        catch (Ingestion.BadBatchException ex)
        {
            return Problem.Of(400, "invalid-batch", "Batch not readable", ex.Message);
        }
        catch (NotYoursException ex)
        {
            return Problem.Of(403, "integration-not-yours", "Records of another enterprise",
                "这批数据涉及其他企业的气瓶、站点或记录，整批未入库：" + string.Join("；", ex.Records.Take(5).Select(r => $"第{r.Index}条 {r.Reason}")),
                new Dictionary<string, object?> { ["records"] = ex.Records });
        }
    }
}
