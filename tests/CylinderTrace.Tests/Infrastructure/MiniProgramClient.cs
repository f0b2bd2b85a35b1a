using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace CylinderTrace.Tests.Infrastructure;

/// <summary>A Mini Program user of a test host: logs in through WireMock's jscode2session and calls /api/mp.</summary>
public sealed class MiniProgramClient
{
    public HttpClient Http { get; }
    public string OpenId { get; }

    private MiniProgramClient(HttpClient http, string openId)
    {
        Http = http;
        OpenId = openId;
    }

    /// <summary>A new user, signed in.</summary>
    public static async Task<MiniProgramClient> SignInAsync(CylinderTraceHost host, WireMockServer wechat, string? openId = null)
    {
        openId ??= "oMp" + TestData.UniqueCode();
        var code = "code-" + TestData.UniqueCode();
        wechat.Given(Request.Create().WithPath("/sns/jscode2session").WithParam("js_code", code).UsingGet())
            .RespondWith(Response.Create().WithBodyAsJson(new { openid = openId, session_key = "c2Vzc2lvbi1rZXk=" }));
        var http = host.CreateClient();
        var response = await http.PostAsJsonAsync("/api/mp/login", new { code });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new MiniProgramClient(http, openId);
    }

    public Task<HttpResponseMessage> FileAsync(object complaint, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/mp/complaints") { Content = JsonContent.Create(complaint) };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return Http.SendAsync(request);
    }

    public async Task<JsonElement> FileOkAsync(object complaint, string? idempotencyKey = null)
    {
        var response = await FileAsync(complaint, idempotencyKey);
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public Task<HttpResponseMessage> UploadAsync(byte[] bytes, string fileName = "photo.jpg", string contentType = "image/jpeg")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        return Http.PostAsync("/api/mp/photos", form);
    }

    public static object Complaint(string category = "service", string description = "送气工多收了二十元上楼费", string? cylinderCode = null,
        string? districtCode = "350102", string? phone = null, string[]? photoIds = null) =>
        new { category, description, cylinderCode, districtCode, address = "鼓楼区东街100号", contactPhone = phone, photoIds = photoIds ?? [] };
}
