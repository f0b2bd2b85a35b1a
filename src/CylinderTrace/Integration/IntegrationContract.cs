using CylinderTrace.Platform.OpenApi;
using Microsoft.OpenApi;

namespace CylinderTrace.Integration;

// The request bodies as the contract shows them. The endpoints read the signed bytes themselves
// (IntegrationSignature hashes exactly what was sent), so these records describe, they do not bind.
/// <summary>A batch of cylinders to register or update (at most Integration:MaxBatchRecords).</summary>
public sealed record CylinderBatch(IReadOnlyList<CylinderRecord> Records);
public sealed record WorkerBatch(IReadOnlyList<WorkerRecord> Records);
public sealed record CustomerBatch(IReadOnlyList<CustomerRecord> Records);
public sealed record FillBatch(IReadOnlyList<FillRecord> Records);
public sealed record DeliveryBatch(IReadOnlyList<DeliveryRecord> Records);
public sealed record ReturnBatch(IReadOnlyList<ReturnRecord> Records);
public sealed record InspectionBatch(IReadOnlyList<InspectionRecord> Records);
[ContractRequest]
public sealed record NotificationAck([property: ContractRequired] long? UpTo);
[ContractRequest]
public sealed record WebhookRequest([property: ContractRequired] string? Url);

/// <summary>Who a key is: the key, whether it is a sandbox key, the enterprise and those it may act for (its stations).</summary>
public sealed record IntegrationIdentity(string KeyId, bool Sandbox, IntegrationEnterprise Enterprise, IReadOnlyList<IntegrationEnterprise> ActsFor);
public sealed record IntegrationEnterprise(string Licence, string Kind);
public sealed record WeChatBindingCode(string Code, int ValidMinutes, string Instruction);
public sealed record WeChatContact(string OpenId, DateTime BoundAt);
public sealed record NotificationsAcknowledged(int Acknowledged);
public sealed record WebhookSet(string Url, string Secret);

/// <summary>
/// The integration API's published contract, /openapi/integration.json (docs/integration-openapi.json is
/// checked against it): every route mapped on the integration group, the four signature headers as one
/// security requirement, and the problem codes each route answers with.
/// </summary>
public static class IntegrationContract
{
    public const string DocumentName = "integration";
    private static readonly string[] SignatureHeaders =
        [IntegrationSignature.KeyIdHeader, IntegrationSignature.TimestampHeader, IntegrationSignature.NonceHeader, IntegrationSignature.SignatureHeader];

    private const string Description =
        """
        燃气企业（充装单位、供应站）和检验机构的系统对接接口。每个请求都须签名：
        X-CT-Signature = Base64(HMAC-SHA256(secret, METHOD + "\n" + PATH?QUERY + "\n" + X-CT-Timestamp + "\n" + X-CT-Nonce + "\n" + hex(SHA-256(body))))，
        时间戳为 Unix 秒（与服务器相差不超过 300 秒），nonce 每个请求不同（16-64 位字母、数字、-、_）。
        批量接口（cylinders、workers、customers、fills、deliveries、returns、inspections）每批最多 5000 条（运维可调，Integration:MaxBatchRecords），逐条校验：
        不合格的记录在 rejected 中列出（序号、字段、原因；记录里有这类记录没有的字段，例如拼错的字段名，也算不合格），其余入库；
        事件按本企业的 eventId 去重，重发安全。涉及其他企业数据的批次整批拒绝（403 integration-not-yours）。
        沙箱密钥（integration-key create --sandbox）：所有写操作的校验和应答与正式环境相同，但不入库（Webhook、通知确认、商户邀请码、
        微信绑定码、扣瓶令的确认和召回也一样：照常应答，不保存，给出的邀请码和绑定码不能使用）；每个应答带响应头 X-CT-Sandbox: true，批量应答另带 "sandbox": true。
        Webhook：通知以 POST 推送到登记的 https 地址（见本文档 webhooks 部分），带 X-CT-Event-Id、X-CT-Timestamp 和
        X-CT-Signature = Base64(HMAC-SHA256(webhook secret, X-CT-Timestamp + "\n" + 请求体))；任何 2xx 即为收到，否则重试；也可轮询 GET /notifications。
        示例客户端：samples/IntegrationClient（C#）和 samples/python/integration_client.py。问题类型见 docs/PROBLEMS.md。
        """;

    private static string OperationId(string method, string path)
    {
        var words = path[(IntegrationApi.Prefix.Length + "/v1/".Length - 1)..].Split('/', '-', '{', '}').Where(w => w.Length > 0);
        return method.ToLowerInvariant() + string.Concat(words.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
    }

    /// <summary>What CylinderTrace POSTs to an enterprise's webhook (EnterpriseNotifications): one notification, signed with the webhook's secret.</summary>
    private static OpenApiPathItem NotificationPush(OpenApiDocument document)
    {
        OpenApiParameter Header(string name, string description) =>
            new() { Name = name, In = ParameterLocation.Header, Required = true, Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = new()
                {
                    OperationId = "notificationPush",
                    Summary = "A notification pushed to the enterprise's webhook address (at least once: drop repeats by id).",
                    Tags = new HashSet<OpenApiTagReference> { new("integration", document) },
                    Security = [new OpenApiSecurityRequirement()],
                    Parameters =
                    [
                        Header("X-CT-Event-Id", "The notification's id (the same as the body's id)."),
                        Header("X-CT-Timestamp", "Unix seconds when it was sent."),
                        Header("X-CT-Signature", "Base64(HMAC-SHA256(webhook secret, X-CT-Timestamp + \"\\n\" + the raw body)); compare in constant time."),
                    ],
                    RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(nameof(EnterpriseNotification), document) } },
                    },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse { Description = "Any 2xx within 10 s takes it; anything else is retried (30 s, 1, 2, 4 … minutes, at most 6 h apart, 12 attempts)." },
                        ["400"] = new OpenApiResponse { Description = "Refused (e.g. a bad signature): retried like any failure, then left for GET /notifications." },
                    },
                },
            },
        };
    }

    private static readonly HashSet<Type> StrictRequests =
        [typeof(CylinderRecord), typeof(WorkerRecord), typeof(CustomerRecord), typeof(FillRecord), typeof(DeliveryRecord), typeof(ReturnRecord), typeof(InspectionRecord), typeof(FillCheckRequest)];

    public static IServiceCollection AddIntegrationContract(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith(IntegrationApi.Prefix[1..] + "/", StringComparison.Ordinal) == true;
            o.AddContractConventions("CylinderTrace Integration API", Description, "本市部署的 HTTPS 域名（由主管部门或运维提供）");
            o.AddOperationTransformer((operation, context, _) =>
            {
                var requirement = new OpenApiSecurityRequirement();
                foreach (var header in SignatureHeaders) requirement[new OpenApiSecuritySchemeReference(header, context.Document)] = [];
                operation.Security = [requirement];
                // A stable name for generated clients: the method and the path's words, e.g. postFillChecks, postDetentionOrdersOrderAcknowledge.
                operation.OperationId ??= OperationId(context.Description.HttpMethod ?? "", context.Description.RelativePath ?? "");
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var notes = new List<string>();
                if (metadata.OfType<IntegrationSignature.ReadOnlyCall>().Any()) notes.Add("只读：重放无害，不检查 nonce 是否用过（时间戳窗口仍然有效）。");
                if (metadata.OfType<IntegrationSignature.InspectionBodyCall>().Any()) notes.Add("检验机构的密钥也可调用（它们只能调用这一个接口）。");
                if (metadata.OfType<IntegrationSandbox.Rehearsed>().Any()) notes.Add("沙箱密钥：照常校验和应答，但不入库（响应头 X-CT-Sandbox: true）。");
                if (notes.Count > 0) operation.Description = string.Join(" ", notes);
                return Task.CompletedTask;
            });
            // Batch records and the fill check refuse a property they do not have (IngestionJson): say so, so a client's validator catches a misspelt field first.
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (StrictRequests.Contains(context.JsonTypeInfo.Type)) schema.AdditionalPropertiesAllowed = false;
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Components!.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                foreach (var header in SignatureHeaders)
                    document.Components.SecuritySchemes[header] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.ApiKey,
                        In = ParameterLocation.Header,
                        Name = header,
                        Description = header switch
                        {
                            IntegrationSignature.KeyIdHeader => "密钥编号（integration-key create 发放）。",
                            IntegrationSignature.TimestampHeader => "当前 Unix 秒。",
                            IntegrationSignature.NonceHeader => "每个请求不同的随机串（16-64 位字母、数字、-、_）。",
                            _ => "Base64(HMAC-SHA256(secret, 签名串))，签名串见文档说明。",
                        },
                    };
                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                    tag.Description = "企业系统对接（签名请求）。";
                document.Webhooks = new Dictionary<string, IOpenApiPathItem> { ["notification"] = NotificationPush(document) };
                return Task.CompletedTask;
            });
        });
}
