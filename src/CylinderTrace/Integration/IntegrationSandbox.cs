using CylinderTrace.Platform.Problems;

namespace CylinderTrace.Integration;

/// <summary>
/// Sandbox keys (integration-key create --sandbox): an enterprise tests its integration against production
/// without changing it. Reads answer as usual. Every write is checked and answered as it would be, and nothing
/// of it is kept: a batch runs in the same transaction, with the same rejections and duplicates, then rolled back
/// instead of committed ("sandbox": true in its answer); a detention step likewise; the webhook, an acknowledgement,
/// an invite, a binding code or a contact's removal are checked and answered without being stored (an invite's or a
/// binding code's code is made but kept nowhere, so it binds nobody). Nothing after a commit runs (no cache
/// invalidation, no listener's job, no notification). X-CT-Sandbox: true is on every response. A write endpoint must
/// say that it rehearses (metadata Rehearsed) or be read-only; any other is refused, so a new write never stores a
/// sandbox key's data by default.
/// </summary>
public static class IntegrationSandbox
{
    public const string Header = "X-CT-Sandbox";

    /// <summary>Endpoint metadata: a write that a sandbox key rehearses (checked and answered, nothing stored).</summary>
    public sealed class Rehearsed;

    /// <summary>A sandbox key may read and rehearse; a write that does not rehearse is refused.</summary>
    public static bool Refuses(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) return false;
        return endpoint?.Metadata.GetMetadata<Rehearsed>() is null && endpoint?.Metadata.GetMetadata<IntegrationSignature.ReadOnlyCall>() is null;
    }

    public static IResult Refusal() =>
        Problem.Of(403, "integration-sandbox", "Not available to sandbox keys",
            "这是沙箱密钥：这个接口还不能试用（沙箱中校验并应答，但不入库）。请使用正式密钥。");
}
