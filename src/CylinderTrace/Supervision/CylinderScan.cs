using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Supervision;

/// <summary>
/// The camera scan of the inspector's cylinder page: our script (Scan/scan.js) and the QR decoder it uses, jsQR 1.4.0
/// (Apache-2.0, Scan/jsQR-1.4.0.js as the npm package ships it, its licence beside it), both embedded in the host and
/// served from it (no CDN), the decoder under a versioned name with a long cache. Only the cylinder pages allow scripts,
/// and only from this host (CSP script-src 'self'); every other console page keeps allowing none.
/// </summary>
public static class CylinderScan
{
    public const string DecoderFile = "jsQR-1.4.0.js";

    /// <summary>SHA-256 of the pinned decoder as published (npm jsqr@1.4.0, dist/jsQR.js); a test holds the embedded file to it.</summary>
    public const string DecoderSha256 = "bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859";

    private static readonly byte[] ScriptBytes = Read("scan.js");
    private static readonly byte[] DecoderBytes = Read(DecoderFile);

    public static FileContentHttpResult Script(HttpContext c)
    {
        c.Response.Headers.CacheControl = "private, max-age=300";
        return TypedResults.File(ScriptBytes, "text/javascript; charset=utf-8");
    }

    public static FileContentHttpResult Decoder(HttpContext c)
    {
        c.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.File(DecoderBytes, "text/javascript; charset=utf-8");
    }

    /// <summary>The cylinder page's policy: the console's, plus scripts from this host and the camera for this origin.</summary>
    public static void AllowScript(HttpContext? c)
    {
        if (c is null) return;
        c.Response.Headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        c.Response.Headers["Permissions-Policy"] = "camera=(self)";
    }

    internal static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CylinderTrace.Supervision.Scan." + name)
            ?? throw new InvalidOperationException(name + " is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
