// The baseline of the card benchmark: a bare Kestrel endpoint that answers every GET with the same
// JSON bytes (a real card, captured from the host), so the ratio our-endpoint / bare-endpoint shows
// what routing, caching, status derivation and serialisation cost on top of the web server itself.
//   CylinderTrace.Benchmarks bare --port 5091 --body card.json [--page card.html]
//   CylinderTrace.Benchmarks oa-load --url URL [--seconds N] [--concurrency N] [--rate R] [--codes FILE] [--save-one-reply FILE]
if (args.Length > 0 && args[0] == "ingest")
    return await CylinderTrace.Benchmarks.IntegrationLoad.IngestAsync(args);
if (args.Length > 0 && args[0] == "fill-check")
    return await CylinderTrace.Benchmarks.IntegrationLoad.FillCheckAsync(args);
if (args.Length > 0 && args[0] == "mixed-load")
    return await CylinderTrace.Benchmarks.MixedLoad.RunAsync(args);
if (args.Length > 0 && args[0] == "fake-wechat")
    return await CylinderTrace.Benchmarks.ScaleOut.FakeWeChatAsync(args);
if (args.Length > 0 && args[0] == "scale-check")
    return await CylinderTrace.Benchmarks.ScaleOut.CheckAsync(args);
if (args.Length > 0 && args[0] == "fault-load")
    return await CylinderTrace.Benchmarks.FaultLoad.RunAsync(args);
if (args.Length > 0 && args[0] == "scans")
    return await CylinderTrace.Benchmarks.ScanLoad.ScansAsync(args);
if (args.Length > 0 && args[0] == "live-rates")
    return await CylinderTrace.Benchmarks.ScanLoad.LiveRatesAsync(args);
if (args.Length > 0 && args[0] == "complaint-burst")
    return await CylinderTrace.Benchmarks.ComplaintBurst.RunAsync(args);
if (args.Length > 0 && args[0] == "queue-seed")
    return await CylinderTrace.Benchmarks.QueueLoad.SeedAsync(args);
if (args.Length > 0 && args[0] == "queue-load")
    return await CylinderTrace.Benchmarks.QueueLoad.RunAsync(args);
if (args.Length > 0 && args[0] == "oa-micro")
    return CylinderTrace.Benchmarks.OaMicro.Run();
if (args.Length > 0 && args[0] == "oa-load")
    return await CylinderTrace.Benchmarks.OaLoad.RunAsync(args);
if (args.Length > 0 && args[0] == "body-flood")
    return await CylinderTrace.Benchmarks.BodyFlood.RunAsync(args);
if (args.Length > 0 && args[0] == "photo-flood")
    return await CylinderTrace.Benchmarks.PhotoFlood.RunAsync(args);
if (args.Length < 1 || args[0] != "bare")
{
    Console.Error.WriteLine("usage: CylinderTrace.Benchmarks bare --port N --body FILE [--oa-reply FILE] | oa-load ...");
    return 2;
}
var port = Arg("--port") ?? "5091";
var body = await File.ReadAllBytesAsync(Arg("--body") ?? throw new ArgumentException("--body FILE is required"));
var oaReply = Arg("--oa-reply") is { } f ? await File.ReadAllBytesAsync(f) : body;

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();
app.MapGet("/api/cylinders/{code}/card", (string code) => Results.Bytes(body, "application/json; charset=utf-8"));
// The card page's baseline: a fixed HTML page of the real page's size (--page FILE), at the page's path.
var cardPage = Arg("--page") is { } pageFile ? await File.ReadAllBytesAsync(pageFile) : body;
app.MapGet("/c/{code}", (string code) => Results.Bytes(cardPage, "text/html; charset=utf-8"));
// The fill-check baseline: reads the signed request's body and answers a fixed check result of the real size.
var fillCheck = Arg("--fill-check") is { } fc ? await File.ReadAllBytesAsync(fc) : body;
app.MapPost("/api/integration/v1/fill-checks", async (HttpRequest request) =>
{
    using var reader = new StreamReader(request.Body);
    await reader.ReadToEndAsync();
    return Results.Bytes(fillCheck, "application/json; charset=utf-8");
});
// The Official Account baseline: reads the push body and answers a fixed encrypted reply of the real size.
app.MapPost("/wechat/oa", async (HttpRequest request) =>
{
    using var reader = new StreamReader(request.Body);
    await reader.ReadToEndAsync();
    return Results.Bytes(oaReply, "text/xml; charset=utf-8");
});
await app.RunAsync();
return 0;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
