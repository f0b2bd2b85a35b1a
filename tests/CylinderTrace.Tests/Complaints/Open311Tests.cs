using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Complaints;

/// <summary>Other city systems read complaints through Open311 GeoReport v2, without personal data.</summary>
[Collection(HostCollection.Name)]
public sealed class Open311_readers(HostFixture fx)
{
    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task see_the_services_and_a_complaints_state_agency_and_deadline_but_no_personal_data()
    {
        var client = fx.Host.CreateClient();
        var services = await Json(await client.GetAsync("/open311/v2/services.json"));
        Assert.Equal(12, services.GetArrayLength());
        Assert.Equal("black_gas", services.EnumerateArray().First(s => s.GetProperty("service_code").GetString() == "black_gas").GetProperty("service_code").GetString());

        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(new
        {
            category = "illegal_storage", description = "王大明在我家楼下地下室存放了几十个气瓶，电话13900001111",
            latitude = 26.08123, longitude = 119.29456, districtCode = "350102", address = "鼓楼区某路8号", contactPhone = "13812345678",
        })).GetProperty("number").GetString()!;
        JsonElement one = default;
        for (var i = 0; i < 600; i++)
        {
            one = (await Json(await client.GetAsync($"/open311/v2/requests/{number}.json")))[0];
            if (one.GetProperty("agency_responsible").ValueKind == JsonValueKind.String) break;
            await Task.Delay(100);
        }
        Assert.Equal(number, one.GetProperty("service_request_id").GetString());
        Assert.Equal("open", one.GetProperty("status").GetString());
        Assert.Equal("illegal_storage", one.GetProperty("service_code").GetString());
        Assert.Equal("福州市公安局鼓楼区分局", one.GetProperty("agency_responsible").GetString());
        Assert.Equal("鼓楼区", one.GetProperty("address").GetString());
        Assert.Equal(26.08, one.GetProperty("lat").GetDouble());
        Assert.Equal(JsonValueKind.String, one.GetProperty("expected_datetime").ValueKind);
        var text = one.ToString();
        foreach (var secret in new[] { "王大明", "13900001111", "13812345678", "某路8号", "26.08123", "119.29456" })
            Assert.DoesNotContain(secret, text);

        var list = await Json(await client.GetAsync("/open311/v2/requests.json?service_code=illegal_storage&status=open"));
        Assert.Contains(list.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == number);
        var byId = await Json(await client.GetAsync($"/open311/v2/requests.json?service_request_id={number},TS00000000-000000"));
        Assert.Equal(1, byId.GetArrayLength());
    }

    [Theory]
    [InlineData("/open311/v2/requests.json?start_date=yesterday")]
    [InlineData("/open311/v2/requests.json?status=pending")]
    [InlineData("/open311/v2/requests.json?service_code=nope")]
    [InlineData("/open311/v2/requests.json?start_date=2026-12-01T00:00:00Z&end_date=2026-11-01T00:00:00Z")]
    public async Task asking_wrongly_get_a_400(string url) =>
        Assert.Equal(HttpStatusCode.BadRequest, (await fx.Host.CreateClient().GetAsync(url)).StatusCode);

    [Fact]
    public async Task asking_for_an_unknown_request_get_a_404() =>
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Host.CreateClient().GetAsync("/open311/v2/requests/TS20000101-000001.json")).StatusCode);
}
