using System.Text;
using System.Text.Json;
using CylinderTrace.CardPages.Pages;
using CylinderTrace.ConsoleShell;
using CylinderTrace.Enterprises;
using CylinderTrace.Integration;
using CylinderTrace.Platform.OpenApi;
using CylinderTrace.Platform.Problems;
using CylinderTrace.Platform.ReferenceData;
using CylinderTrace.Staff;
using Microsoft.Extensions.Options;

namespace CylinderTrace.CardPages;

/// <summary>What POST /api/integration/v1/labels takes: codes, or from and to; format html (default), svg or png; a hotline other than the city's.</summary>
[ContractRequest]
public sealed record LabelRequest(IReadOnlyList<string>? Codes, string? From, string? To, string? Hotline, string? Format);

/// <summary>
/// Label sheets for enterprises (integration API, their own cylinders only) and for agencies' administrators (console, the
/// cylinders whose owner is in their jurisdiction). Both answer the print page (text/html), or a ZIP of SVG labels or PNG codes.
/// </summary>
public static class LabelsApi
{
    /// <summary>The sheet's own policy: its inline styles and nothing else (the console's policy forbids inline styles).</summary>
    private const string SheetCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static IEndpointRouteBuilder MapLabels(this IEndpointRouteBuilder app)
    {
        app.MapIntegrationGroup().MapPost("/labels", IntegrationLabelsAsync).WithMetadata(new IntegrationSignature.ReadOnlyCall())
            .WithSummary("QR label sheets of the caller's own cylinders: a print page for label stock (text/html), or a ZIP of SVG labels or PNG codes.")
            .Accepts<LabelRequest>("application/json")
            .Produces(StatusCodes.Status200OK, typeof(string), "text/html", "application/zip")
            .Problems(400, "invalid-label-request", "invalid-cylinder-code", "too-many-labels").Problems(403, "labels-not-yours")
            .Problems(404, "cylinder-not-registered").Problems(503, "labels-unavailable", "labels-font-missing");
        var pages = app.MapConsolePageGroup();
        pages.MapGet("/labels", LabelsPageAsync);
        pages.MapPost("/labels", LabelsFormAsync);
        return app;
    }

    /// <summary>
    /// POST /api/integration/v1/labels {"codes": [...]} or {"from": "...", "to": "..."}, optional "hotline" and "format"
    /// (html, svg or png). A filling enterprise labels the cylinders it owns; a supply station those it supplies.
    /// </summary>
    public static async Task<IResult> IntegrationLabelsAsync(HttpContext context, IntegrationScope scopes, LabelSheets sheets, CancellationToken ct)
    {
        var caller = IntegrationSignature.Caller(context);
        if (!TryRead(caller.Body, out var selection, out var format))
            return Problem.Of(400, "invalid-label-request", "Label request not understood",
                "请求体须为 {\"codes\": [\"FZ0000000001\", …]} 或 {\"from\": \"FZ0000000001\", \"to\": \"FZ0000000500\"}，可加 \"hotline\" 和 \"format\"（html、svg 或 png）。");
        var tenant = await scopes.ForAsync(caller.EnterpriseId, ct);
        var outcome = await sheets.ResolveAsync(selection, c => ValueTask.FromResult(tenant.MayActFor(c.OwnerId) || (c.SupplyStationId is int s && tenant.MayActFor(s))), ct);
        return Answer(context, sheets, outcome, format);
    }

    private static bool TryRead(ReadOnlyMemory<byte> body, out LabelSelection selection, out string format)
    {
        selection = new LabelSelection(null, null, null, null);
        format = "html";
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            List<string>? codes = null;
            if (root.TryGetProperty("codes", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array) return false;
                codes = [];
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String) return false;
                    codes.Add(item.GetString()!);
                }
            }
            string? Text(string name) => root.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException(name) : null;
            selection = new LabelSelection(codes, Text("from"), Text("to"), Text("hotline"));
            format = Text("format") ?? "html";
            return format is "html" or "svg" or "png";
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return false;
        }
    }

    /// <summary>The labels in the asked format, or the refusal as a problem.</summary>
    private static IResult Answer(HttpContext context, LabelSheets sheets, LabelSheets.Outcome outcome, string format)
    {
        if (!outcome.Ok)
            return Problem.Of(outcome.Status, outcome.Problem, "Labels not made", outcome.Message,
                outcome.Codes is { Count: > 0 } codes ? new Dictionary<string, object?> { ["codes"] = codes.Take(1000).ToList() } : null);
        if (format == "png" && LabelPng.FontMissing)
            return Problem.Of(503, "labels-font-missing", "Labels not made", LabelPng.FontMissingMessage);
        context.Response.Headers.CacheControl = "no-store";
        if (format == "html")
        {
            context.Response.Headers.ContentSecurityPolicy = SheetCsp;
            return Results.Bytes(Encoding.UTF8.GetBytes(sheets.SheetHtml(outcome.Labels)), "text/html; charset=utf-8");
        }
        var png = format == "png";
        return Results.File(sheets.Zip(outcome.Labels, png), "application/zip", $"cylinder-labels-{(png ? "png" : "svg")}.zip");
    }

    public static async Task<IResult> LabelsPageAsync(StaffMember me, Agencies agencies, IOptions<CardPageOptions> options, CancellationToken ct) =>
        ConsoleAccess.MayPrintLabels(me) ? await FormPageAsync(me, agencies, options.Value, null, null, 200, ct) : ConsolePage.Forbidden(me, "气瓶标签由本单位的系统管理员打印。");

    public static async Task<IResult> LabelsFormAsync(HttpContext context, StaffMember me, IFormCollection form, Agencies agencies, EnterpriseDirectory directory,
        LabelSheets sheets, IOptions<CardPageOptions> options, CancellationToken ct)
    {
        if (!ConsoleAccess.MayPrintLabels(me)) return ConsolePage.Forbidden(me, "气瓶标签由本单位的系统管理员打印。");
        var codes = form["codes"].ToString().Split([',', '，', ' ', '\n', '\r', '\t', ';', '；', '、'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var format = form["format"].ToString() is "svg" or "png" ? form["format"].ToString() : "html";
        var districts = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct));
        var selection = new LabelSelection(codes.Length > 0 ? codes : null, form["from"], form["to"], form["hotline"]);
        var outcome = await sheets.ResolveAsync(selection, async c => districts is null
            || (await directory.GetEnterpriseAsync(c.OwnerId, ct)) is { } owner && districts.Contains(owner.DistrictCode), ct);
        if (!outcome.Ok) return await FormPageAsync(me, agencies, options.Value, outcome.Message, form, outcome.Status, ct);
        if (format == "png" && LabelPng.FontMissing) return await FormPageAsync(me, agencies, options.Value, LabelPng.FontMissingMessage, form, 503, ct);
        return Answer(context, sheets, outcome, format);
    }

    private static async Task<IResult> FormPageAsync(StaffMember me, Agencies agencies, CardPageOptions o, string? error, IFormCollection? form, int status, CancellationToken ct) =>
        ConsolePage.Of<LabelsPage>(new()
        {
            ["Me"] = me, ["Example"] = o.PublicBaseUrl.Length > 0 ? o.PageUrl("FZ0000000001") : o.PathPrefix + "/FZ0000000001",
            ["WidthMm"] = o.LabelWidthMm, ["HeightMm"] = o.LabelHeightMm, ["MaxLabels"] = o.MaxLabels, ["Hotline"] = o.Hotline,
            ["AllCity"] = ConsoleAccess.RateDistricts(await agencies.DistrictAsync(me.AgencyId, ct)) is null, ["Error"] = error, ["Form"] = form,
        }, status);
}
