using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CylinderTrace.Integration;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace CylinderTrace.Tests.Contracts;

/// <summary>
/// docs/integration-openapi.json stays true: it equals what the host serves at /openapi/integration.json
/// (CT_UPDATE_CONTRACTS=1 writes it), and every route of the signed API is in it, signed, with its answer.
/// </summary>
[Collection(Collections.Apis)]
public sealed class The_integration_contract(WebHostFixture fx)
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("CT_UPDATE_CONTRACTS") == "1";
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string DocumentPath() => Path.Combine(ContractFiles.Folder(), "..", "docs", "integration-openapi.json");

    [Fact]
    public async Task the_checked_in_OpenAPI_document_is_what_the_host_serves()
    {
        var served = JsonNode.Parse(await fx.Host.CreateClient().GetStringAsync("/openapi/integration.json"))!;
        if (Update) await File.WriteAllTextAsync(DocumentPath(), served.ToJsonString(Pretty) + "\n");
        var checkedIn = JsonNode.Parse(await File.ReadAllTextAsync(DocumentPath()))!;
        Assert.True(JsonNode.DeepEquals(served, checkedIn),
            "docs/integration-openapi.json differs from /openapi/integration.json: run ops/update-contracts.sh and commit the result.");
    }

    [Fact]
    public async Task every_signed_route_is_documented_with_its_answer_its_problems_and_the_signature()
    {
        var document = JsonNode.Parse(await fx.Host.CreateClient().GetStringAsync("/openapi/integration.json"))!;
        var routes = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith(IntegrationApi.Prefix + "/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m.ToLowerInvariant(), Path: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count >= 20, $"only {routes.Count} integration routes found");
        var missing = new List<string>();
        foreach (var (method, path) in routes)
        {
            var operation = document["paths"]?[path]?[method];
            if (operation is null) { missing.Add($"{method} {path}: not in the document"); continue; }
            var responses = operation["responses"]!.AsObject();
            if (!responses.Any(r => r.Key.StartsWith('2'))) missing.Add($"{method} {path}: no 2xx answer");
            if (!responses.ContainsKey("401")) missing.Add($"{method} {path}: no 401 (signature)");
            if (operation["summary"] is null) missing.Add($"{method} {path}: no summary");
            var security = operation["security"]?.AsArray().SingleOrDefault()?.AsObject();
            if (security is null || !new[] { IntegrationSignature.KeyIdHeader, IntegrationSignature.TimestampHeader, IntegrationSignature.NonceHeader, IntegrationSignature.SignatureHeader }
                    .All(security.ContainsKey))
                missing.Add($"{method} {path}: not all four signature headers required");
            if (method is "post" or "put" && path.EndsWith("s", StringComparison.Ordinal) && operation["requestBody"] is null && !path.Contains("binding-codes", StringComparison.Ordinal))
                missing.Add($"{method} {path}: no request body");
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
        // Every batch kind names its records and answers with the batch result.
        foreach (var kind in new[] { "cylinders", "workers", "customers", "fills", "deliveries", "returns", "inspections" })
        {
            var post = document["paths"]![$"{IntegrationApi.Prefix}/v1/{kind}"]!["post"]!;
            Assert.EndsWith("Batch", post["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
            Assert.Equal("#/components/schemas/BatchResult", post["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
            Assert.Contains("invalid-batch", post["responses"]!["400"]!["x-problem-codes"]!.AsArray().Select(c => c!.GetValue<string>()));
        }
        // Records and the fill check refuse a property they do not have (a misspelt field): the schema says so.
        foreach (var record in new[] { "CylinderRecord", "WorkerRecord", "CustomerRecord", "FillRecord", "DeliveryRecord", "ReturnRecord", "InspectionRecord", "FillCheckRequest" })
            Assert.False(document["components"]!["schemas"]![record]!["additionalProperties"]?.GetValue<bool>() ?? true, record + " allows other properties");
        Assert.Equal("https://{host}", document["servers"]![0]!["url"]!.GetValue<string>());
        Assert.Contains("retryAfterSeconds", document["components"]!["schemas"]!["ProblemDetails"]!["properties"]!.AsObject().Select(p => p.Key));
    }
}
