using System.Buffers;
using System.Text;
using CylinderTrace.Cylinders;
using CylinderTrace.Platform.Time;
using Microsoft.Extensions.Options;

namespace CylinderTrace.CardPages;

/// <summary>
/// What a phone camera or any QR scanner opens: GET {PathPrefix}/{code} (and /qr/{code}, the older labels' form) answers the
/// cylinder's card as an HTML page; GET {PathPrefix}?code= is the "check another cylinder" form; GET {PathPrefix}/{code}/complain
/// opens the Mini Program's complaint page (ComplaintLinks) or says where else to complain.
/// </summary>
public static class CardPageEndpoints
{
    /// <summary>
    /// Asked anew on every view (no-cache): a delivery, a detention order or midnight changes the state, and a resident who
    /// scans again must see it at once, not a copy a browser or WeChat's proxy kept. The page is about 5 KB, so no validator
    /// (a hash of every page cost more than the page). Public: it holds nothing but the public card. Pages that are not a card
    /// (invalid input, complaint redirects) are not stored at all.
    /// </summary>
    public const string CardCacheControl = "public, no-cache";
    public const string NoStore = "no-store";

    /// <summary>Nothing but the page's own inline styles; no script, no frames, forms only to this host.</summary>
    private const string Csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapCardPages(this IEndpointRouteBuilder app)
    {
        var prefix = app.ServiceProvider.GetRequiredService<IOptions<CardPageOptions>>().Value.PathPrefix;
        // HEAD too: link checkers and some chat apps' previews ask HEAD first, and deserve the page's status, not 405.
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods(prefix + "/{code}", getOrHead, PageAsync).ExcludeFromDescription();
        app.MapMethods("/qr/{code}", getOrHead, PageAsync).ExcludeFromDescription();
        app.MapMethods(prefix, getOrHead, CheckAnother).ExcludeFromDescription();
        app.MapMethods("/qr", getOrHead, CheckAnother).ExcludeFromDescription();
        app.MapGet(prefix + "/{code}/complain", ComplainAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary>The card page of a scanned or typed code.</summary>
    public static async Task PageAsync(string code, HttpContext context, CylinderCards cards, CardPageHtml html, TimeProvider clock,
        IOptions<CardPageOptions> options, UnregisteredScans unregistered, CancellationToken ct)
    {
        var now = ShanghaiTime.ToLocal(clock.GetUtcNow());
        if (!CylinderCode.TryNormalise(code, out var normalised))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, html.Invalid(code, now), NoStore);
            return;
        }
        var complain = options.Value.PathPrefix + "/" + Uri.EscapeDataString(normalised) + "/complain";
        var card = await cards.GetCardAsync(normalised, ct);
        if (card is null)
        {
            // A HEAD is a link checker or a preview, not a person holding the cylinder: no evidence of black gas.
            if (!HttpMethods.IsHead(context.Request.Method)) await RecordUnregisteredScanAsync(normalised, context, unregistered, clock, ct);
            await WriteAsync(context, StatusCodes.Status404NotFound, html.Unregistered(normalised, now, complain, await cards.BlackGasAsync(normalised, ct)), CardCacheControl);
            return;
        }
        await WriteAsync(context, StatusCodes.Status200OK, html.Card(card, now, complain), CardCacheControl);
    }

    /// <summary>
    /// Where a scan of an unregistered code becomes evidence of black gas (channel: card page; queued, no round trip); the
    /// phone is known only by its address, kept as a keyed hash.
    /// </summary>
    internal static Task RecordUnregisteredScanAsync(string code, HttpContext context, UnregisteredScans unregistered, TimeProvider clock, CancellationToken ct) =>
        unregistered.RecordAsync(new UnregisteredScan(code, ScanChannel.CardPage, clock.GetUtcNow().UtcDateTime,
            Scanner: context.Connection.RemoteIpAddress is { } ip ? "ip:" + ip : null), ct);

    /// <summary>The "check another cylinder" form: a code (or a pasted QR text) goes to its page; anything else gets the form again.</summary>
    public static async Task CheckAnother(HttpContext context, string? code, CardPageHtml html, TimeProvider clock, IOptions<CardPageOptions> options)
    {
        // Typed by hand, a code may carry the spaces a person puts in to read it off the cylinder (FZ 0000 1234 56).
        if (CylinderCode.TryNormalise(code, out var normalised) || CylinderCode.TryNormalise(WithoutSpaces(code), out normalised))
        {
            context.Response.Headers.CacheControl = NoStore;
            context.Response.Redirect(options.Value.PathPrefix + "/" + Uri.EscapeDataString(normalised));
            return;
        }
        await WriteAsync(context, StatusCodes.Status400BadRequest, html.Invalid(code, ShanghaiTime.ToLocal(clock.GetUtcNow())), NoStore);
    }

    private static string? WithoutSpaces(string? typed) =>
        typed is null ? null : string.Concat(typed.Where(ch => !char.IsWhiteSpace(ch)));

    /// <summary>The complain button: to the Mini Program's complaint page for this cylinder, or the Official Account and hotline.</summary>
    public static async Task ComplainAsync(string code, HttpContext context, ComplaintLinks links, CardPageHtml html, TimeProvider clock, CancellationToken ct)
    {
        var now = ShanghaiTime.ToLocal(clock.GetUtcNow());
        if (!CylinderCode.TryNormalise(code, out var normalised))
        {
            await WriteAsync(context, StatusCodes.Status400BadRequest, html.Invalid(code, now), NoStore);
            return;
        }
        var outcome = await links.ForAsync(normalised, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", ct);
        if (outcome.Link is { } link)
        {
            context.Response.Headers.CacheControl = NoStore;
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            context.Response.Redirect(link);
            return;
        }
        await WriteAsync(context, outcome.RateLimited ? StatusCodes.Status429TooManyRequests : StatusCodes.Status200OK, html.ComplainElsewhere(normalised, now), NoStore);
    }

    private static async Task WriteAsync(HttpContext context, int status, StringBuilder page, string cacheControl)
    {
        // The page's text into a pooled buffer, chunk by chunk, and its builder back to the thread before the first await.
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(page.Length));
        int length;
        try
        {
            var encoder = Encoding.UTF8.GetEncoder();
            length = 0;
            foreach (var chunk in page.GetChunks())
                length += encoder.GetBytes(chunk.Span, buffer.AsSpan(length), flush: false);
            length += encoder.GetBytes([], buffer.AsSpan(length), flush: true);
        }
        finally
        {
            CardPageHtml.Return(page);
        }
        try
        {
            var headers = context.Response.Headers;
            headers.CacheControl = cacheControl;
            headers.ContentSecurityPolicy = Csp;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = length;
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), context.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
