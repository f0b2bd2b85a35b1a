using System.Text;
using CylinderTrace.Platform.Problems;
using CylinderTrace.WeChat.OfficialAccount;
using Microsoft.Extensions.Options;

namespace CylinderTrace.OfficialAccount;

/// <summary>The Official Account's server endpoint (WECHAT.md §1): URL verification and message pushes.</summary>
public static class OfficialAccountApi
{
    public const string Path = "/wechat/oa";

    public static IEndpointRouteBuilder MapOfficialAccountApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path).ExcludeFromDescription();
        group.MapGet("", Verify);
        group.MapPost("", ReceiveAsync);
        return app;
    }

    private static PushQuery Query(HttpRequest r) =>
        new(r.Query["signature"], r.Query["timestamp"], r.Query["nonce"], r.Query["encrypt_type"], r.Query["msg_signature"]);

    internal static IResult Verify(HttpContext context, PushProtocol protocol, ILogger<PushProtocol> logger)
    {
        var echo = context.Request.Query["echostr"].ToString();
        if (protocol.VerifyUrl(Query(context.Request), out var rejection) && echo.Length is > 0 and <= 128)
            return Results.Text(echo, "text/plain");
        logger.LogWarning("Refused an Official Account URL verification: {Reason} from {Ip}", rejection, context.Connection.RemoteIpAddress);
        return Refuse(rejection == PushRejection.None ? PushRejection.MissingSignature : rejection);
    }

    internal static async Task<IResult> ReceiveAsync(HttpContext context, PushProtocol protocol, PushDeduplication dedup,
        OfficialAccountResponder responder, LateReplies late, IOptions<OfficialAccountOptions> options, TimeProvider clock, ILogger<PushProtocol> logger)
    {
        var o = options.Value;
        var query = Query(context.Request);
        // The signature is checked before the body is read or parsed.
        if (!protocol.VerifyUrl(query, out var rejection))
            return Reject(rejection);
        var body = await ReadBodyAsync(context.Request, o.MaxBodyBytes, context.RequestAborted);
        if (body is null) return Reject(PushRejection.BodyTooLarge);
        var push = protocol.Open(query, body, out rejection);
        if (push is null) return Reject(rejection);

        var budget = TimeSpan.FromMilliseconds(o.ReplyBudgetMilliseconds);
        var key = push.Message.DedupKey;
        // Not bound to the request: past the budget the reply is abandoned and a job answers instead.
        var work = responder.AnswerAsync(push.Message, CancellationToken.None);
        // A warm card answers synchronously; only a pending answer pays for a timer.
        if (budget > TimeSpan.Zero && (work.IsCompleted || await Completes(work, budget)))
        {
            var reply = responder.Render(push.Message, await work);
            if (IsFresh(push.Message, o, clock))
            {
                dedup.StoreFirstInBackground(o.AppId, key, reply);
                return Sealed(reply);
            }
            var earlier = await dedup.StoreFirstAsync(o.AppId, key, reply);
            return Sealed(earlier ?? reply);
        }
        var before = await dedup.StoreFirstAsync(o.AppId, key, Reply.Success);
        if (before is null) late.Queue(key, push.Xml);
        return Sealed(before ?? Reply.Success);

        IResult Sealed(string reply) =>
            reply == Reply.Success ? Results.Text(Reply.Success, "text/plain") : Xml(protocol.Seal(reply, push.Encrypted));

        IResult Reject(PushRejection r)
        {
            logger.LogWarning("Refused an Official Account push: {Reason} from {Ip}", r, context.Connection.RemoteIpAddress);
            return Refuse(r);
        }
    }

    /// <summary>Created so recently that it cannot be one of WeChat's retries (they come after 5 s without an answer).</summary>
    private static bool IsFresh(InboundMessage m, OfficialAccountOptions o, TimeProvider clock) =>
        o.FreshPushSeconds > 0 && Math.Abs(clock.GetUtcNow().ToUnixTimeSeconds() - m.CreateTime) <= o.FreshPushSeconds;

    private static async Task<bool> Completes(Task work, TimeSpan budget)
    {
        try
        {
            await work.WaitAsync(budget);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static IResult Xml(string body) => Results.Text(body, "text/xml; charset=utf-8");

    /// <summary>Reads at most maxBytes; null when the body is larger.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes) return null;
        var buffer = new byte[Math.Min(maxBytes + 1, (int?)request.ContentLength + 1 ?? maxBytes + 1)];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await request.Body.ReadAsync(buffer.AsMemory(total), ct);
            if (read == 0) break;
            total += read;
        }
        if (total > maxBytes) return null;
        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    internal static IResult Refuse(PushRejection r)
    {
        var (status, detail) = r switch
        {
            PushRejection.MissingSignature => (401, "The push carries no signature, timestamp or nonce."),
            PushRejection.BadSignature => (401, "The signature does not match: check OfficialAccount:Token against the WeChat console."),
            PushRejection.StaleTimestamp => (401, "The timestamp is too far from now: refused as a possible replay."),
            PushRejection.BodyTooLarge => (413, "The push body is larger than OfficialAccount:MaxBodyBytes."),
            PushRejection.ForbiddenDtd => (400, "XML with a DTD or entities is refused."),
            PushRejection.WrongAppId => (403, "The message was encrypted for another AppID."),
            PushRejection.MissingEncrypt => (400, "The push is not encrypted as the account's message mode requires."),
            _ => (400, "The push is not a well-formed WeChat message (" + r + ")."),
        };
        return Problem.Of(status, "wechat-push-refused", "WeChat push refused", detail,
            new Dictionary<string, object?> { ["reason"] = r.ToString() });
    }
}
