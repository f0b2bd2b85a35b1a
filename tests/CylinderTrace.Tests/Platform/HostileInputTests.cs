using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CylinderTrace.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;

namespace CylinderTrace.Tests.Platform;

/// <summary>
/// Hostile input against the Mini Program and integration APIs (fixed seed, so a failure reproduces):
/// every route of the host under /api/mp and /api/integration, signed in (and, for integration, correctly
/// signed over the hostile body), with malformed and oversized JSON, wrong types, injection strings,
/// invalid UTF-8 and XML bombs as bodies and route values. Nothing may answer 5xx.
/// </summary>
[Collection(Collections.Apis)]
public sealed class Hostile_input_to_the_APIs(WebHostFixture fx)
{
    private static readonly string[] Values =
    [
        "", " ", "null", "0", "-1", "99999999999999999999", "1e309", "NaN", "true", "[]", "{}", "\"x\"", "' OR 1=1 --", "\"; DROP TABLE complaints; --",
        "<script>alert(1)</script>", "../../etc/passwd", "%00", "\u0000", "\uFFFE", "气瓶", new string('A', 5000), "FZ0000000001",
        "2026-13-45", "2026-11-28T25:61:00Z", "TS20261128-000001", "ck_0000", "fc1.x.y",
    ];

    private static readonly string[] Fields =
    [
        "code", "category", "description", "cylinderCode", "districtCode", "latitude", "longitude", "photoIds", "records", "customerId", "codes",
        "text", "score", "comment", "eventId", "filledAt", "deliveredAt", "station", "url", "upTo", "role", "question", "reason",
    ];

    private static byte[] Body(Random rng)
    {
        switch (rng.Next(7))
        {
            case 0: return Encoding.UTF8.GetBytes("{\"records\": [ {" + new string('[', rng.Next(1, 300)));
            case 1: return [0xFF, 0xFE, 0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1];
            case 2: return Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>");
            case 3: return Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, rng.Next(1, 50)).Select(_ => Values[rng.Next(Values.Length)])) + "]");
            default:
                var sb = new StringBuilder("{");
                for (var i = 0; i < rng.Next(1, 8); i++)
                {
                    if (i > 0) sb.Append(',');
                    var value = Values[rng.Next(Values.Length)];
                    var literal = rng.Next(3) switch
                    {
                        0 => System.Text.Json.JsonSerializer.Serialize(value),
                        1 => value.Length is > 0 and < 30 && (char.IsDigit(value[0]) || value[0] is '-' or '[' or '{' or 't' or 'n') ? value : "1",
                        _ => "[" + System.Text.Json.JsonSerializer.Serialize(value) + ", {\"records\": " + (rng.Next(2) == 0 ? "[{}]" : "null") + "}]",
                    };
                    sb.Append('"').Append(Fields[rng.Next(Fields.Length)]).Append("\":").Append(literal);
                }
                return Encoding.UTF8.GetBytes(sb.Append('}').ToString());
        }
    }

    [Fact]
    public async Task never_answers_5xx()
    {
        var rng = new Random(20261129);
        var routes = fx.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && (p.StartsWith("/api/mp") || p.StartsWith("/api/integration")))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count > 25, $"found only {routes.Count} routes");
        var user = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var owner = await fx.Data.EnterpriseAsync("filling");
        var enterprise = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var failures = new List<string>();
        // In paths, no NUL: the test server refuses such a URL before the host sees it (Kestrel answers 400 itself).
        var pathValues = Values.Where(v => !v.Contains('\0') && !v.Contains("%00")).ToArray();
        for (var i = 0; i < 4000; i++)
        {
            var (method, pattern) = routes[rng.Next(routes.Count)];
            var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", _ => Uri.EscapeDataString(pathValues[rng.Next(pathValues.Length)]) is { Length: > 0 } v ? v : "x");
            var body = method == "GET" || method == "DELETE" ? [] : Body(rng);
            HttpResponseMessage response;
            if (pattern.StartsWith("/api/integration"))
                response = await enterprise.Http.SendAsync(enterprise.Signed(new HttpMethod(method), path, body));
            else
            {
                var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (body.Length > 0)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue(rng.Next(4) == 0 ? "multipart/form-data" : "application/json");
                }
                request.Headers.TryAddWithoutValidation("Idempotency-Key", Values[rng.Next(Values.Length)]);
                response = await user.Http.SendAsync(request);
            }
            // WireMock, standing in for WeChat, knows none of these login codes: "WeChat unavailable" is the right answer.
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && (await response.Content.ReadAsStringAsync()).Contains("wechat-unavailable")) continue;
            if ((int)response.StatusCode >= 500)
                failures.Add($"{method} {path} → {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)[..Math.Min(120, body.Length)]}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }
}
