using System.Net.Http.Json;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace CylinderTrace.Tests.Contracts;

/// <summary>
/// miniprogram-contracts/ stays true: the checked-in OpenAPI document equals what the host serves,
/// and every example has the shape of a live answer. With CT_UPDATE_CONTRACTS=1 (ops/update-contracts.sh)
/// these tests write the document and the examples instead of checking them.
/// </summary>
[Collection(Collections.Apis)]
public sealed class The_Mini_Program_contract(WebHostFixture fx)
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("CT_UPDATE_CONTRACTS") == "1";
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task the_checked_in_OpenAPI_document_is_what_the_host_serves()
    {
        var served = JsonNode.Parse(await fx.Host.CreateClient().GetStringAsync("/openapi/mp.json"))!;
        var path = Path.Combine(ContractFiles.Folder(), "openapi.json");
        if (Update) await File.WriteAllTextAsync(path, served.ToJsonString(Pretty) + "\n");
        var checkedIn = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.True(JsonNode.DeepEquals(served, checkedIn),
            "miniprogram-contracts/openapi.json differs from /openapi/mp.json: run ops/update-contracts.sh and commit the result.");
    }

    private sealed record Exchange(string Name, string Method, string Path, object? RequestBody, Dictionary<string, string> RequestHeaders, int Status, JsonNode? ResponseBody);

    private async Task<Exchange> Call(HttpClient http, string name, HttpMethod method, string path, object? body = null, Dictionary<string, string>? headers = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (content is not null) request.Content = content;
        else if (body is not null) request.Content = JsonContent.Create(body);
        foreach (var (k, v) in headers ?? []) request.Headers.Add(k, v);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json") == true && text.Length > 0) json = JsonNode.Parse(text);
        var shownHeaders = new Dictionary<string, string>(headers ?? []);
        if (http.DefaultRequestHeaders.Authorization is not null) shownHeaders["Authorization"] = "Bearer <token from /api/mp/login>";
        return new Exchange(name, method.Method, path, content is not null ? "multipart/form-data; field 'file' = the image bytes" : body, shownHeaders, (int)response.StatusCode, json);
    }

    [Fact]
    public async Task every_endpoint_has_an_example_with_the_shape_of_a_live_answer()
    {
        var cylinder = await fx.Data.CylinderAsync(manufactured: DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-9),
            lastInspection: DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-5));
        var anonymous = fx.Host.CreateClient();
        var jsCode = "0a3Xb" + TestData.UniqueCode();
        fx.WeChat.Given(Request.Create().WithPath("/sns/jscode2session").WithParam("js_code", jsCode))
            .RespondWith(Response.Create().WithBodyAsJson(new { openid = "oExample" + TestData.UniqueCode(), session_key = "c2s=" }));
        var bad = "used-" + TestData.UniqueCode();
        fx.WeChat.Given(Request.Create().WithPath("/sns/jscode2session").WithParam("js_code", bad))
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 40029, errmsg = "invalid code" }));

        var exchanges = new List<Exchange>();
        var login = await Call(anonymous, "login.200", HttpMethod.Post, "/api/mp/login", new { code = jsCode });
        exchanges.Add(login);
        exchanges.Add(await Call(anonymous, "login.400-code-invalid", HttpMethod.Post, "/api/mp/login", new { code = bad }));
        exchanges.Add(await Call(anonymous, "cylinder-card.200", HttpMethod.Get, $"/api/mp/cylinders/card?scene={Uri.EscapeDataString("c=" + cylinder.Code)}"));
        exchanges.Add(await Call(anonymous, "cylinder-card.400", HttpMethod.Get, "/api/mp/cylinders/card?qr=hello%20world"));
        exchanges.Add(await Call(anonymous, "cylinder-card.404", HttpMethod.Get, "/api/mp/cylinders/card?qr=" + Uri.EscapeDataString("https://cylindertrace.invalid/c/ZZ0000000000")));
        exchanges.Add(await Call(anonymous, "complaint-categories.200", HttpMethod.Get, "/api/mp/complaint-categories"));
        exchanges.Add(await Call(anonymous, "complaints.401", HttpMethod.Get, "/api/mp/complaints"));

        Assert.True(login.Status == 200, $"login answered {login.Status}: {login.ResponseBody?.ToJsonString()}");
        var user = fx.Host.CreateClient();
        user.DefaultRequestHeaders.Authorization = new("Bearer", login.ResponseBody!["token"]!.ToString());
        var photoContent = new MultipartFormDataContent { { new ByteArrayContent(SamplePhotos.Jpeg(12345)), "file", "photo.jpg" } };
        var photo = await Call(user, "photo-upload.201", HttpMethod.Post, "/api/mp/photos", content: photoContent);
        exchanges.Add(photo);
        exchanges.Add(await Call(user, "photo-upload.415", HttpMethod.Post, "/api/mp/photos",
            content: new MultipartFormDataContent { { new ByteArrayContent("GIF89a"u8.ToArray()), "file", "a.jpg" } }));
        exchanges.Add(await Call(user, "photo-upload.422-too-many-pixels", HttpMethod.Post, "/api/mp/photos",
            content: new MultipartFormDataContent { { new ByteArrayContent(SamplePhotos.PngDeclaring(50_000, 50_000)), "file", "huge.png" } }));
        var photoId = photo.ResponseBody!["photoId"]!.ToString();
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "7f1c2b9e-3d4a-4c55-9a10-2b6f0e8d1c33-" + TestData.UniqueCode()[..6] };
        var complaintBody = new
        {
            category = "cylinder_overdue", description = "送来的气瓶扫码显示已超期未检，送气工说没关系", cylinderCode = cylinder.Code,
            latitude = 26.0823, longitude = 119.2961, districtCode = "350102", address = "鼓楼区东街100号", contactPhone = "13812345678",
            photoIds = new[] { photoId },
        };
        var filed = await Call(user, "complaint-file.201", HttpMethod.Post, "/api/mp/complaints", complaintBody, key);
        exchanges.Add(filed);
        exchanges.Add(await Call(user, "complaint-file.201-replayed", HttpMethod.Post, "/api/mp/complaints", complaintBody, key));
        exchanges.Add(await Call(user, "complaint-file.400-invalid", HttpMethod.Post, "/api/mp/complaints",
            new { category = "black_gas", description = "卖气" }, new() { ["Idempotency-Key"] = Guid.NewGuid().ToString() }));
        exchanges.Add(await Call(user, "complaint-file.422-key-reused", HttpMethod.Post, "/api/mp/complaints",
            complaintBody with { description = "另一件事" }, key));
        var number = filed.ResponseBody!["number"]!.ToString();
        exchanges.Add(await Call(user, "complaints.200", HttpMethod.Get, "/api/mp/complaints?page=1&pageSize=20"));
        exchanges.Add(await Call(user, "complaint.200", HttpMethod.Get, $"/api/mp/complaints/{number}"));
        exchanges.Add(await Call(user, "complaint.404", HttpMethod.Get, "/api/mp/complaints/TS20260101-999999"));
        exchanges.Add(await Call(user, "complaint-rating.409", HttpMethod.Post, $"/api/mp/complaints/{number}/rating", new { score = 5, comment = "很好" }));
        exchanges.Add(await Call(user, "complaint-withdraw.200", HttpMethod.Post, $"/api/mp/complaints/{number}/withdraw"));
        var second = await Call(user, "complaint-file.201-second", HttpMethod.Post, "/api/mp/complaints",
            new { category = "service", description = "送气工多收了二十元上楼费", districtCode = "350102" }, new() { ["Idempotency-Key"] = Guid.NewGuid().ToString() });
        var secondNumber = second.ResponseBody!["number"]!.ToString();
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE complaints SET status = 'resolved', public_reply = '已约谈供气站，退还多收费用' WHERE number = @secondNumber", new { secondNumber });
        exchanges.Add(await Call(user, "complaint-rating.200", HttpMethod.Post, $"/api/mp/complaints/{secondNumber}/rating", new { score = 4, comment = "处理及时" }));
        exchanges.Add(await Call(user, "complaint-withdraw.409", HttpMethod.Post, $"/api/mp/complaints/{secondNumber}/withdraw"));
        var third = await Call(user, "complaint-file.201-third", HttpMethod.Post, "/api/mp/complaints",
            new { category = "gas_quality", description = "火焰发红还有刺鼻气味，怀疑掺了二甲醚", districtCode = "350102" }, new() { ["Idempotency-Key"] = Guid.NewGuid().ToString() });
        var thirdNumber = third.ResponseBody!["number"]!.ToString();
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync(
                """
                UPDATE complaints SET status = 'waiting_info' WHERE number = @thirdNumber;
                INSERT INTO complaint_events (complaint_id, at, kind, actor, is_public, text) SELECT id, NOW(3), 'waiting_info', 'system', 1, '请拍摄气瓶上的充装标签' FROM complaints WHERE number = @thirdNumber;
                """, new { thirdNumber });
        exchanges.Add(await Call(user, "complaint-information.200", HttpMethod.Post, $"/api/mp/complaints/{thirdNumber}/information",
            new { text = "充装标签见照片，充装日期是11月20日", photoIds = new[] { photoId } }));
        exchanges.Add(await Call(user, "complaint-information.409", HttpMethod.Post, $"/api/mp/complaints/{thirdNumber}/information", new { text = "再补充一点" }));
        exchanges.Add(await Call(user, "commercial-bind.400", HttpMethod.Post, "/api/mp/commercial/bind", new { code = "ABCDEFGH23" }));
        exchanges.Add(await Call(user, "commercial-scan.404", HttpMethod.Post, "/api/mp/commercial/scans", new { customerId = 1, codes = new[] { cylinder.Code } }));
        exchanges.Add(await Call(user, "commercial-rate.404", HttpMethod.Get, "/api/mp/commercial/1/rate"));
        exchanges.Add(await Call(user, "commercial-members.404", HttpMethod.Get, "/api/mp/commercial/1/members"));
        exchanges.Add(await Call(user, "commercial-member-remove.404", HttpMethod.Delete, "/api/mp/commercial/1/members/2"));
        // After the 404s above (which ask about restaurant 1, which this user may now belong to), a restaurant's flow that succeeds: its supply station invites, the user binds, scans what was delivered
        // (matched) and an overdue cylinder (unsafe, with its warning), and reads the rate and the people.
        var filler = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: filler);
        var fillerKey = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(filler));
        var stationKey = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        await stationKey.PostOkAsync("workers", new { employeeNumber = "W1", name = "赵送气" });
        await stationKey.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = "350102", businessName = "好味餐馆" });
        var invite = JsonNode.Parse(await (await stationKey.Http.SendAsync(stationKey.Signed(HttpMethod.Post, "/api/integration/v1/commercial-invites",
            JsonSerializer.SerializeToUtf8Bytes(new { customerId = "R1", role = "owner" })))).Content.ReadAsStringAsync())!;
        var delivered = "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        await fillerKey.PostOkAsync("cylinders", new { code = delivered, serial = "S" + delivered[^6..], spec = "YSP-50", manufactureDate = "2023-01-01", nextInspectionDate = "2027-01-01" });
        await stationKey.PostOkAsync("deliveries", new { eventId = "D-" + delivered, cylinderCode = delivered, deliveredAt = DateTimeOffset.UtcNow.AddHours(-2), customerId = "R1", workerEmployeeNumber = "W1" });
        var bound = await Call(user, "commercial-bind.200", HttpMethod.Post, "/api/mp/commercial/bind", new { code = invite["code"]!.GetValue<string>() });
        exchanges.Add(bound);
        var restaurant = bound.ResponseBody!["customerId"]!.GetValue<long>();
        exchanges.Add(await Call(user, "commercial-memberships.200", HttpMethod.Get, "/api/mp/commercial/memberships"));
        var scanned = await Call(user, "commercial-scan.200", HttpMethod.Post, "/api/mp/commercial/scans", new { customerId = restaurant, codes = new[] { delivered, cylinder.Code, "hello" } });
        exchanges.Add(scanned);
        // The overdue cylinder raised the delivery's alert: the restaurant reads its alerts and reports the deliverer.
        var alertId = scanned.ResponseBody!["alert"]!["id"]!.GetValue<long>();
        exchanges.Add(await Call(user, "commercial-alerts.200", HttpMethod.Get, $"/api/mp/commercial/{restaurant}/alerts"));
        exchanges.Add(await Call(user, "commercial-deliverer.200", HttpMethod.Post, $"/api/mp/commercial/{restaurant}/alerts/{alertId}/deliverer",
            new { workerPermitNumber = "FZ-SQ-2024-0815", workerName = "赵送气", vehiclePlate = "闽A12345", supplierName = "好运液化气站" }));
        exchanges.Add(await Call(user, "commercial-deliverer.400", HttpMethod.Post, $"/api/mp/commercial/{restaurant}/alerts/{alertId}/deliverer", new { vehiclePlate = "12345" }));
        exchanges.Add(await Call(user, "commercial-deliverer.404", HttpMethod.Post, $"/api/mp/commercial/{restaurant}/alerts/1/deliverer", new { workerName = "赵送气" }));
        exchanges.Add(await Call(user, "commercial-alerts.404", HttpMethod.Get, "/api/mp/commercial/1/alerts"));
        exchanges.Add(await Call(user, "commercial-rate.200", HttpMethod.Get, $"/api/mp/commercial/{restaurant}/rate"));
        exchanges.Add(await Call(user, "commercial-members.200", HttpMethod.Get, $"/api/mp/commercial/{restaurant}/members"));
        exchanges.Add(await Call(user, "session-logout.204", HttpMethod.Delete, "/api/mp/session"));

        var folder = Path.Combine(ContractFiles.Folder(), "examples", "mp");
        Directory.CreateDirectory(folder);
        foreach (var e in exchanges)
        {
            var path = Path.Combine(folder, e.Name + ".json");
            var example = JsonSerializer.SerializeToNode(new
            {
                request = new { method = e.Method, path = e.Path, headers = e.RequestHeaders, body = e.RequestBody },
                response = new { status = e.Status, body = e.ResponseBody },
            }, JsonSerializerOptions.Web)!;
            if (Update) await File.WriteAllTextAsync(path, example.ToJsonString(Pretty) + "\n");
            Assert.True(File.Exists(path), $"missing example {path}: run ops/update-contracts.sh");
            var stored = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
            Assert.Equal(e.Status, stored["response"]!["status"]!.GetValue<int>());
            Assert.Equal("", ContractFiles.Differences(stored["response"]!["body"], e.ResponseBody));
        }
    }
}
