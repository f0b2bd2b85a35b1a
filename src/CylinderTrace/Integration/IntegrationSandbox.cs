using CylinderTrace.Platform.Problems;

namespace CylinderTrace.Integration;

/// <summary>
/// Sandbox keys (integration-key create --sandbox): an enterprise tests its integration against production
/// without changing it. Reads answer as usual; a batch is checked and answered exactly as it would be
/// (the same transaction, the same rejections and duplicates), then rolled back instead of committed, with
/// "sandbox": true in the answer and X-CT-Sandbox: true on every response. Nothing after the commit runs
/// (no cache invalidation, no listener's job, no notification). Other writes (webhook, acknowledgements,
/// invites, binding codes, detention orders) cannot be rehearsed that way and are refused.
/// </summary>
public static class IntegrationSandbox
{
    public const string Header = "X-CT-Sandbox";

    /// <summary>Endpoint metadata: a write that a sandbox key rehearses (checked, answered, rolled back).</summary>
    public sealed class Rehearsed;

    /// <summary>A sandbox key may read and rehearse; any other write is refused.</summary>
    public static bool Refuses(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) return false;
        return endpoint?.Metadata.GetMetadata<Rehearsed>() is null && endpoint?.Metadata.GetMetadata<IntegrationSignature.ReadOnlyCall>() is null;
    }

    public static IResult Refusal() =>
        Problem.Of(403, "integration-sandbox", "Sandbox keys only rehearse batches",
            "这是沙箱密钥：只能查询和试报批量数据（校验并应答，但不入库）。设置 Webhook、确认通知、邀请商户、绑定微信和处理扣瓶令须使用正式密钥。");
}
