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

    internal static Task<Results<Ok<CylinderCard>, ProblemHttpResult>> GetCardByPath(string code, CylinderCards cards, CancellationToken ct) =>
        CardAsync(code, cards, ct);

    /// <summary>?qr= the scanned text (bare code or URL), or ?scene= a Mini Program code's scene.</summary>
    public static Task<Results<Ok<CylinderCard>, ProblemHttpResult>> GetCardByScan(string? qr, string? scene, CylinderCards cards, CancellationToken ct) =>
        CardAsync(qr ?? scene, cards, ct);

    private static async Task<Results<Ok<CylinderCard>, ProblemHttpResult>> CardAsync(string? raw, CylinderCards cards, CancellationToken ct)
    {
        if (!CylinderCode.TryNormalise(raw, out var code))
            return InvalidCode(raw);
        var card = await cards.GetCardAsync(code, ct);
        if (card is null)
            return NotRegistered(code);
        return TypedResults.Ok(card);
    }

    internal static ProblemHttpResult InvalidCode(string? raw)
    {
        var shown = string.IsNullOrWhiteSpace(raw) ? "（空）" : raw.Length > 64 ? raw[..64] + "…" : raw;
        return Problem.Of(StatusCodes.Status400BadRequest, "invalid-cylinder-code", "Not a cylinder code",
            $"无法识别“{shown}”。{CylinderCode.Rule}请对准瓶身上的追溯二维码重新扫描，或手动输入码下方的编号。");
    }

    internal static ProblemHttpResult NotRegistered(string code)
    {
        var a = CylinderStatusRules.Unregistered;
        return Problem.Of(StatusCodes.Status404NotFound, "cylinder-not-registered", "Cylinder not registered",
            a.Warning + a.Action,
            new Dictionary<string, object?>
            {
                ["cylinderCode"] = code,
                ["cylinderStatus"] = CardStatus.From(a),
            });
    }
}
