// A sample enterprise system calling the CylinderTrace integration API (docs/INTEGRATION.md, contract
// docs/integration-openapi.json): every request signed with HMAC-SHA256 as the API requires. It registers a
// cylinder, asks the fill check, and reports the fill with the check's id. CI runs it against a test host
// (tests/CylinderTrace.Tests/Contracts/SampleClientTests.cs).
//
//   dotnet run --project samples/IntegrationClient -- --base https://HOST --key ck_… --secret BASE64 --code FZ1234567890
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: IntegrationClient --base URL --key KEY_ID --secret BASE64_SECRET --code CYLINDER_CODE");
    return 2;
}
using var http = new HttpClient { BaseAddress = new Uri(options.Base) };
var client = new SignedClient(http, options.Key, Convert.FromBase64String(options.Secret));

var me = await client.SendAsync(HttpMethod.Get, "/api/integration/v1/me", null);
Console.WriteLine($"me: {me}");
var today = DateTime.UtcNow.Date;
var cylinder = new JsonObject
{
    ["code"] = options.Code, ["serial"] = "S" + options.Code[^6..], ["spec"] = "YSP-15", ["manufacturer"] = "示例钢瓶厂",
    ["manufactureDate"] = today.AddYears(-2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    ["nextInspectionDate"] = today.AddYears(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
};
var registered = await client.SendAsync(HttpMethod.Post, "/api/integration/v1/cylinders", new JsonObject { ["records"] = new JsonArray(cylinder) });
Console.WriteLine($"cylinders: {registered}");
var check = await client.SendAsync(HttpMethod.Post, "/api/integration/v1/fill-checks", new JsonObject { ["cylinderCode"] = options.Code });
Console.WriteLine($"fill check: {check}");
if (check?["allowed"]?.GetValue<bool>() != true)
{
    // A real filling line stops here and shows the reasons to the operator.
    Console.WriteLine("not allowed to fill: " + check?["reasons"]);
    return 1;
}
var fill = new JsonObject
{
    ["eventId"] = "SAMPLE-CS-" + options.Code, ["cylinderCode"] = options.Code, ["filledAt"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture),
    ["netWeightKg"] = 14.5, ["checkId"] = check["checkId"]!.GetValue<string>(),
};
var fills = await client.SendAsync(HttpMethod.Post, "/api/integration/v1/fills", new JsonObject { ["records"] = new JsonArray(fill) });
Console.WriteLine($"fills: {fills}");
return fills?["rejected"]?.AsArray().Count == 0 ? 0 : 1;

internal sealed record Options(string Base, string Key, string Secret, string Code)
{
    public static Options? Parse(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, "--" + name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        return Value("base") is { } b && Value("key") is { } k && Value("secret") is { } s && Value("code") is { } c ? new Options(b, k, s, c) : null;
    }
}

/// <summary>Signs each request: Base64(HMAC-SHA256(secret, METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nhex(SHA-256(body)))).</summary>
internal sealed class SignedClient(HttpClient http, string keyId, byte[] secret)
{
    public async Task<JsonNode?> SendAsync(HttpMethod method, string pathAndQuery, JsonNode? body)
    {
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body.ToJsonString());
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        // A new nonce for every request, retries included: the API refuses a nonce it has seen.
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var canonical = $"{method.Method}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{Convert.ToHexStringLower(SHA256.HashData(bytes))}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(canonical)));
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (body is not null) request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } };
        request.Headers.Add("X-CT-Key-Id", keyId);
        request.Headers.Add("X-CT-Timestamp", timestamp);
        request.Headers.Add("X-CT-Nonce", nonce);
        request.Headers.Add("X-CT-Signature", signature);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            // Problems are RFC 9457 JSON: `detail` is the Chinese explanation, `code` the stable type (docs/PROBLEMS.md).
            throw new HttpRequestException($"{method} {pathAndQuery}: {(int)response.StatusCode} {text}");
        }
        if (response.Headers.Contains("X-CT-Sandbox")) Console.WriteLine("(sandbox key: checked and answered, not stored)");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }
}
