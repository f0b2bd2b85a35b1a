using CylinderTrace.Platform.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CylinderTrace.Cylinders;

/// <summary>The public cylinder card (DESIGN.md §2-3): by code in the path, or by what a scanner read.</summary>
public static class CylindersApi
{
    public static IEndpointRouteBuilder MapCylindersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cylinders").WithTags("Cylinders");
        group.MapGet("/{code}/card", GetCardByPath).WithName("GetCylinderCard");
        group.MapGet("/card", GetCardByScan).WithName("GetCylinderCardByScan");
        return app;
    }

    /// <summary>The card by code; latitude/longitude (optional, where the Mini Program had them) place a scan of an unregistered code.</summary>
    internal static Task<Results<Ok<CylinderCard>, ProblemHttpResult>> GetCardByPath(string code, double? latitude, double? longitude, HttpContext http,
        CylinderCards cards, UnregisteredScans unregistered, CancellationToken ct) =>
        CardAsync(code, latitude, longitude, http, cards, unregistered, ct);

    /// <summary>?qr= the scanned text (bare code or URL), or ?scene= a Mini Program code's scene.</summary>
    public static Task<Results<Ok<CylinderCard>, ProblemHttpResult>> GetCardByScan(string? qr, string? scene, double? latitude, double? longitude, HttpContext http,
        CylinderCards cards, UnregisteredScans unregistered, CancellationToken ct) =>
        CardAsync(qr ?? scene, latitude, longitude, http, cards, unregistered, ct);

    private static async Task<Results<Ok<CylinderCard>, ProblemHttpResult>> CardAsync(string? raw, double? latitude, double? longitude, HttpContext http,
        CylinderCards cards, UnregisteredScans unregistered, CancellationToken ct)
    {
        if (!CylinderCode.TryNormalise(raw, out var code))
            return InvalidCode(raw);
        var card = await cards.GetCardAsync(code, ct);
        if (card is not null)
            return TypedResults.Ok(card);
        // Evidence of black gas (queued, no round trip); the scanner is known only by the address, kept as a hash.
        await unregistered.RecordAsync(new UnregisteredScan(code, ScanChannel.MiniProgram, unregistered.Now, latitude, longitude,
            Scanner: http.Connection.RemoteIpAddress?.ToString()), ct);
        return NotRegistered(code, await cards.BlackGasAsync(code, ct));
    }

    internal static ProblemHttpResult InvalidCode(string? raw)
    {
        var shown = string.IsNullOrWhiteSpace(raw) ? "（空）" : raw.Length > 64 ? raw[..64] + "…" : raw;
        return Problem.Of(StatusCodes.Status400BadRequest, "invalid-cylinder-code", "Not a cylinder code",
            $"无法识别“{shown}”。{CylinderCode.Rule}请对准瓶身上的追溯二维码重新扫描，或手动输入码下方的编号。");
    }

    /// <summary>
    /// A code no cylinder has: 404 with the status to show (unregistered; or, once an inspector detained the code as black gas,
    /// black_gas_detained with the order's number and day).
    /// </summary>
    public static ProblemHttpResult NotRegistered(string code, BlackGasMark? blackGas = null)
    {
        var a = blackGas is null ? CylinderStatusRules.Unregistered : CylinderStatusRules.BlackGasDetained;
        var extensions = new Dictionary<string, object?>
        {
            ["cylinderCode"] = code,
            ["cylinderStatus"] = CardStatus.From(a),
        };
        if (blackGas is not null)
            extensions["blackGasDetention"] = new { number = blackGas.DetentionNumber, detainedAt = Platform.Time.ShanghaiTime.FromUtc(blackGas.DetainedAt) };
        return Problem.Of(StatusCodes.Status404NotFound, "cylinder-not-registered", "Cylinder not registered", a.Warning + a.Action, extensions);
    }
}
