using CylinderTrace.Platform.OpenApi;
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
    /// Every route is in the published contract (/openapi/integration.json), with the problems the signature check answers with.
    public static RouteGroupBuilder MapIntegrationGroup(this IEndpointRouteBuilder app) => app.MapGroup(Prefix + "/v1").WithTags("integration")
        .Problems(401, "integration-signature-invalid").Problems(413, "integration-body-too-large")
        .Problems(403, "integration-inspection-body-only");

    public static IEndpointRouteBuilder MapIntegrationApi(this IEndpointRouteBuilder app)
    {
        // The import templates are for the people who fill them in (in Excel): public, unsigned, no data in them.
        app.MapGet("/integration/import-templates/{kind}.csv", (string kind) => ImportColumns.ByKind.ContainsKey(kind)
                ? Results.File(Platform.Csv.CsvWriter.Utf8(ImportColumns.Template(kind)), Platform.Csv.CsvWriter.ContentType, $"import-template-{kind}.csv")
                : Problem.Of(404, "import-template-not-found", "No such import template", $"没有这种导入模板。可用的有：{string.Join("、", ImportColumns.Kinds)}。"))
            .ExcludeFromDescription();
        var api = app.MapIntegrationGroup();
        api.MapGet("/me", MeAsync).WithSummary("Who this key is: its enterprise, the stations it acts for, and whether it is a sandbox key.")
            .Produces<IntegrationIdentity>();
        api.MapPost("/fill-checks", FillCheckAsync).WithMetadata(new IntegrationSignature.ReadOnlyCall())
            .WithSummary("The filling interlock: may this cylinder be filled at this station now? Name the answer's checkId on the fill.")
            .Accepts<FillCheckRequest>("application/json").Produces<FillCheckResult>()
            .Problems(400, "invalid-fill-check").Problems(403, "integration-not-yours");
        api.MapPost("/wechat-binding-codes", async (HttpContext c, EnterpriseContacts contacts) =>
            IntegrationSignature.Caller(c) is { Sandbox: true }
                ? TypedResults.Ok(new WeChatBindingCode(EnterpriseContacts.NewCode(), (int)EnterpriseContacts.CodeLifetime.TotalMinutes,
                    "沙箱密钥：这个绑定码只是示例，没有保存，发给公众号不会绑定。请用正式密钥申请绑定码。"))
                : TypedResults.Ok(new WeChatBindingCode(
                    await contacts.NewCodeAsync(IntegrationSignature.Caller(c).EnterpriseId),
                    (int)EnterpriseContacts.CodeLifetime.TotalMinutes,
                    "请本企业员工关注公众号，在30分钟内发送“企业绑定 ”加上这串数字，即可收到扣瓶令等监管通知。")))
            .WithMetadata(new IntegrationSandbox.Rehearsed())
            .WithSummary("A code an employee sends to the Official Account to receive detention orders and other notices in WeChat.");
        api.MapGet("/wechat-contacts", async (HttpContext c, EnterpriseContacts contacts, CancellationToken ct) =>
            TypedResults.Ok((await contacts.ListAsync(IntegrationSignature.Caller(c).EnterpriseId, ct)).Select(x => new WeChatContact(x.OpenId, x.BoundAt)).ToList()))
            .WithMetadata(new IntegrationSignature.ReadOnlyCall()).WithSummary("The WeChat users bound to this enterprise.");
        api.MapDelete("/wechat-contacts/{openId}", async (string openId, HttpContext c, EnterpriseContacts contacts, CancellationToken ct) =>
            await contacts.RemoveAsync(IntegrationSignature.Caller(c).EnterpriseId, openId, ct, rehearse: IntegrationSignature.Caller(c).Sandbox)
                ? (IResult)TypedResults.NoContent()
                : Problem.Of(404, "contact-not-found", "No such contact", "本企业没有绑定这个微信。"))
            .WithMetadata(new IntegrationSandbox.Rehearsed()).WithSummary("Unbind a WeChat user from this enterprise.").Produces(StatusCodes.Status204NoContent).Problems(404, "contact-not-found");
        api.MapGet("/notifications", async (HttpContext c, EnterpriseNotifications n, long? after, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await n.PullAsync(IntegrationSignature.Caller(c).EnterpriseId, Math.Max(0, after ?? 0), Math.Clamp(limit ?? 100, 1, 500), ct)))
            .Produces<IReadOnlyList<EnterpriseNotification>>()
            .WithSummary("Notifications (detention orders, violations, …) after an id, oldest first; the same ones the webhook pushes.");
        api.MapPost("/notifications/ack", async (HttpContext c, EnterpriseNotifications n, CancellationToken ct) =>
        {
            var upTo = LongProperty(IntegrationSignature.Caller(c).Body, "upTo");
            if (upTo is null) return (IResult)Problem.Of(400, "invalid-ack", "upTo required", "请求体须为 {\"upTo\": 已收到的最大通知编号}。");
            var caller = IntegrationSignature.Caller(c);
            return TypedResults.Ok(new NotificationsAcknowledged(caller.Sandbox
                ? await n.UnacknowledgedAsync(caller.EnterpriseId, upTo.Value, ct)
                : await n.AcknowledgeAsync(caller.EnterpriseId, upTo.Value, ct)));
        }).WithMetadata(new IntegrationSandbox.Rehearsed()).WithSummary("Acknowledge notifications up to an id (they are then not pushed again).")
            .Accepts<NotificationAck>("application/json").Produces<NotificationsAcknowledged>().Problems(400, "invalid-ack");
        api.MapPut("/webhook", async (HttpContext c, EnterpriseNotifications n, Microsoft.Extensions.Options.IOptions<IntegrationOptions> o, CancellationToken ct) =>
        {
            var url = TextProperty(IntegrationSignature.Caller(c).Body, "url");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || url!.Length > 500 || url.Any(char.IsControl) || url.Any(char.IsWhiteSpace)
                || !(uri.Scheme == Uri.UriSchemeHttps || (o.Value.AllowInsecureWebhooks && uri.Scheme == Uri.UriSchemeHttp)))
                return (IResult)Problem.Of(400, "invalid-webhook", "Webhook address refused", "字段 url：请给出 https:// 开头的完整地址（不超过500字符）。",
                    new Dictionary<string, object?> { ["field"] = "url" });
            if (!o.Value.AllowInsecureWebhooks && WebhookAddresses.NotPublicReason(uri) is { } refusal)
                return Problem.Of(400, "webhook-address-not-public", "Webhook address not public", refusal, new Dictionary<string, object?> { ["field"] = "url" });
            var caller = IntegrationSignature.Caller(c);
            // A sandbox key's secret is made like a real one but kept nowhere: the stored address and secret stay as they were.
            return TypedResults.Ok(new WebhookSet(url, caller.Sandbox ? EnterpriseNotifications.NewWebhookSecret() : await n.SetWebhookAsync(caller.EnterpriseId, url, ct)));
        }).WithMetadata(new IntegrationSandbox.Rehearsed()).WithSummary("Set the webhook address; the answer's secret signs every push (shown once).")
            .Accepts<WebhookRequest>("application/json").Produces<WebhookSet>().Problems(400, "invalid-webhook", "webhook-address-not-public");
        api.MapDelete("/webhook", async (HttpContext c, EnterpriseNotifications n, CancellationToken ct) =>
        {
            var caller = IntegrationSignature.Caller(c);
            if (!caller.Sandbox) await n.RemoveWebhookAsync(caller.EnterpriseId, ct);
            return TypedResults.NoContent();
        }).WithMetadata(new IntegrationSandbox.Rehearsed()).WithSummary("Stop pushing notifications (pull them instead).");
        Batch<CylinderBatch>(api.MapPost("/cylinders", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.CylindersAsync)),
            "Register cylinders or change their records (the registry; the same code again updates it).");
        Batch<WorkerBatch>(api.MapPost("/workers", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.WorkersAsync)),
            "Register or update delivery workers of a supply station.");
        Batch<CustomerBatch>(api.MapPost("/customers", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.CustomersAsync)),
            "Register a supply station's customers or change their records (personal data is stored encrypted).");
        Batch<FillBatch>(api.MapPost("/fills", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.FillsAsync)),
            "Report fills; each stored fill that broke the interlock is listed in violations.");
        Batch<DeliveryBatch>(api.MapPost("/deliveries", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.DeliveriesAsync)),
            "Report deliveries to customers.");
        Batch<ReturnBatch>(api.MapPost("/returns", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.ReturnsAsync)),
            "Report empty cylinders that customers handed back.");
        Batch<InspectionBatch>(api.MapPost("/inspections", (HttpContext c, Ingestion i, CancellationToken ct) => RunAsync(c, ct, i.InspectionsAsync)),
            "Report periodic inspections (enterprises and inspection bodies).")
            .WithMetadata(new IntegrationSignature.InspectionBodyCall());
        return app;
    }

    /// <summary>A batch endpoint's contract: its records, its answer and its problems; a sandbox key's batch is rehearsed, not stored.</summary>
    private static RouteHandlerBuilder Batch<TBatch>(RouteHandlerBuilder route, string summary) where TBatch : notnull =>
        route.WithSummary(summary).Accepts<TBatch>("application/json").Produces<BatchResult>()
            .Problems(400, "invalid-batch").Problems(403, "integration-not-yours").WithMetadata(new IntegrationSandbox.Rehearsed());

    private static async Task<IResult> MeAsync(HttpContext context, IntegrationScope scopes, CancellationToken ct)
    {
        var caller = IntegrationSignature.Caller(context);
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        return TypedResults.Ok(new IntegrationIdentity(caller.KeyId, caller.Sandbox, new(tenant.Caller.Licence, tenant.Caller.Kind),
            tenant.Members.Values.Select(m => new IntegrationEnterprise(m.Licence, m.Kind)).OrderBy(m => m.Licence, StringComparer.Ordinal).ToList()));
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
            var caller = IntegrationSignature.Caller(context);
            return TypedResults.Ok(await ingest(caller, ct) with { Sandbox = caller.Sandbox });
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
