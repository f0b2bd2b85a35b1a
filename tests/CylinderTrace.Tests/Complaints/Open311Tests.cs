using System.Net;
using System.Text.Json;
using CylinderTrace.Tests.Infrastructure;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.Complaints;

/// <summary>Other city systems read complaints through Open311 GeoReport v2, without personal data.</summary>
[Collection(Collections.Complaints)]
public sealed class Open311_readers(WorkerHostFixture fx)
{
    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task see_the_services_and_a_complaints_state_agency_and_deadline_but_no_personal_data()
    {
        var client = fx.Host.CreateClient();
        var services = await Json(await client.GetAsync("/open311/v2/services.json"));
        Assert.Equal(CylinderTrace.Complaints.ComplaintCategories.All.Count, services.GetArrayLength());
        Assert.Equal("black_gas", services.EnumerateArray().First(s => s.GetProperty("service_code").GetString() == "black_gas").GetProperty("service_code").GetString());

        var user = await M.SignInAsync(fx.Host, fx.WeChat);
        var number = (await user.FileOkAsync(new
        {
            category = "illegal_storage", description = "王大明在我家楼下地下室存放了几十个气瓶，电话13900001111",
            latitude = 26.08123, longitude = 119.29456, districtCode = "350102", address = "鼓楼区某路8号", contactPhone = "13812345678",
        })).GetProperty("number").GetString()!;
        var one = await Eventually.ReturnsAsync(async () => (await Json(await client.GetAsync($"/open311/v2/requests/{number}.json")))[0],
            r => r.GetProperty("agency_responsible").ValueKind == JsonValueKind.String, $"{number} to be routed to an agency", TimeSpan.FromSeconds(60));
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

    /// <summary>Every string value of a JSON document, decoded (so escaped CJK cannot hide a match).</summary>
    private static string AllText(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => string.Join("\n", e.EnumerateObject().Select(p => AllText(p.Value))),
        JsonValueKind.Array => string.Join("\n", e.EnumerateArray().Select(AllText)),
        JsonValueKind.String => e.GetString()!,
        _ => e.GetRawText(),
    };

    private static readonly string[] PersonalDetails =
    [
        "13912345678", "139 1234 5678", "0591-87654321", "87654321", "35010219900307123X", "19900307",
        "12号", "3栋", "2单元", "501室", "林秀英",
    ];

    private const string HandlersReply =
        "经核查，林秀英（身份证35010219900307123X，电话13912345678、139 1234 5678，座机0591-87654321）" +
        "在鼓楼区五四路12号3栋2单元501室违规存放气瓶，已责令整改。";

    private async Task<string> Open311TextAsync(HttpClient client, string number)
    {
        var one = await Json(await client.GetAsync($"/open311/v2/requests/{number}.json"));
        var byId = await Json(await client.GetAsync($"/open311/v2/requests.json?service_request_id={number}"));
        var list = await Json(await client.GetAsync("/open311/v2/requests.json?service_code=illegal_storage"));
        var listed = list.EnumerateArray().Single(r => r.GetProperty("service_request_id").GetString() == number);
        Assert.Equal(1, one.GetArrayLength());
        Assert.Equal(1, byId.GetArrayLength());
        return string.Join("\n", AllText(one), AllText(byId), AllText(listed));
    }

    [Fact]
    public async Task see_a_neutral_note_not_the_handlers_reply_with_its_phone_id_and_house_numbers()
    {
        var scenario = new ConsoleScenario(fx);
        var agency = await scenario.AgencyAsync();
        var c = await scenario.RoutedComplaintAsync(agency.Id, M.Complaint(category: "illegal_storage",
            description: "林秀英在五四路12号3栋2单元501室囤积气瓶，电话13912345678"));
        var handler = await scenario.MemberAsync(agency.Code);
        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/claim");
        await handler.PostOkAsync($"/api/console/complaints/{c.Number}/resolve", new { outcome = "substantiated", reply = HandlersReply });

        var text = await Open311TextAsync(fx.Host.CreateClient(), c.Number);
        foreach (var detail in PersonalDetails) Assert.DoesNotContain(detail, text);
        Assert.Contains("已办结：经核查，反映问题属实，已依法处理。", text);

        // The complainant still reads the reply addressed to them, in full.
        var mine = JsonDocument.Parse(await c.Complainant.Http.GetStringAsync($"/api/mp/complaints/{c.Number}")).RootElement;
        Assert.Equal(HandlersReply, mine.GetProperty("publicReply").GetString());
    }

    [Fact]
    public async Task see_a_neutral_note_for_a_rejection_and_a_duplicate_too()
    {
        var scenario = new ConsoleScenario(fx);
        var agency = await scenario.AgencyAsync();
        var handler = await scenario.MemberAsync(agency.Code);
        var first = await scenario.RoutedComplaintAsync(agency.Id, M.Complaint(category: "illegal_storage"));
        var rejected = await scenario.RoutedComplaintAsync(agency.Id, M.Complaint(category: "illegal_storage"));
        var duplicate = await scenario.RoutedComplaintAsync(agency.Id, M.Complaint(category: "illegal_storage"));
        await handler.PostOkAsync($"/api/console/complaints/{rejected.Number}/reject",
            new { reason = HandlersReply, suggestion = "五四路12号3栋2单元501室的物业（电话0591-87654321）" });
        await handler.PostOkAsync($"/api/console/complaints/{duplicate.Number}/duplicate", new { of = first.Number });

        var client = fx.Host.CreateClient();
        var rejectedText = await Open311TextAsync(client, rejected.Number);
        foreach (var detail in PersonalDetails) Assert.DoesNotContain(detail, rejectedText);
        Assert.Contains("不属于本单位职责", rejectedText);
        Assert.Contains($"与投诉 {first.Number} 反映的是同一问题", await Open311TextAsync(client, duplicate.Number));
        Assert.StartsWith("已分派", (await Json(await client.GetAsync($"/open311/v2/requests/{first.Number}.json")))[0].GetProperty("status_notes").GetString());
    }

    /// <summary>
    /// Complaints written straight into the table (routing plays no part in what Open311 reads): on one day of a
    /// year no other test uses, <paramref name="count"/> of the state, one a second apart from the given time on.
    /// </summary>
    private async Task<List<string>> ComplaintsAsync(DateTime firstUtc, int count, string status, string category = "illegal_storage")
    {
        await using var conn = await fx.Database.OpenAsync();
        var tag = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await Dapper.SqlMapper.ExecuteAsync(conn, "INSERT INTO mp_users (openid) VALUES (@openid)", new { openid = "oOpen311" + tag });
        var user = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT id FROM mp_users WHERE openid = @openid", new { openid = "oOpen311" + tag });
        var numbers = Enumerable.Range(0, count).Select(i => $"TQ{tag}-{i:D6}").ToList();
        foreach (var chunk in numbers.Chunk(500))
            await Dapper.SqlMapper.ExecuteAsync(conn,
                "INSERT INTO complaints (number, user_id, idempotency_key, request_hash, category, description, status, district_code, created_at, updated_at) " +
                "VALUES (@Number, @user, @Number, REPEAT('0', 64), @category, '测试', @status, '350102', @At, @At)",
                chunk.Select(n => new { Number = n, user, category, status, At = firstUtc.AddSeconds(numbers.IndexOf(n)) }));
        return numbers;
    }

    /// <summary>Before: LIMIT 1000 was taken first and the status filter after it, so 1,000 newer open complaints hid every closed one.</summary>
    [Fact]
    public async Task asking_for_closed_ones_find_them_behind_a_thousand_newer_open_ones()
    {
        var day = new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(Random.Shared.Next(0, 300));
        var closed = await ComplaintsAsync(day.AddHours(1), 3, "resolved");
        var open = await ComplaintsAsync(day.AddHours(2), 1000, "in_progress");
        var client = fx.Host.CreateClient();
        var period = $"start_date={day:yyyy-MM-ddTHH:mm:ssZ}&end_date={day.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}";

        var found = await Json(await client.GetAsync($"/open311/v2/requests.json?{period}&status=closed"));
        Assert.Equal(closed.AsEnumerable().Reverse(), found.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()));
        Assert.All(found.EnumerateArray(), r => Assert.Equal("closed", r.GetProperty("status").GetString()));
        found = await Json(await client.GetAsync($"/open311/v2/requests.json?{period}&status=closed&service_code=illegal_storage"));
        Assert.Equal(3, found.GetArrayLength());
        found = await Json(await client.GetAsync($"/open311/v2/requests.json?{period}&status=open"));
        Assert.Equal(1000, found.GetArrayLength());
        found = await Json(await client.GetAsync($"/open311/v2/requests.json?{period}&service_code=black_gas"));
        Assert.Equal(0, found.GetArrayLength());
        // Without a filter, the newest 1,000 (the spec's limit).
        found = await Json(await client.GetAsync($"/open311/v2/requests.json?{period}"));
        Assert.Equal(open.Last(), found[0].GetProperty("service_request_id").GetString());
        Assert.Equal(1000, found.GetArrayLength());
    }

    [Fact]
    public async Task asking_for_several_by_number_get_them_in_the_order_asked_unknown_ones_left_out()
    {
        var day = new DateTime(2018, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(Random.Shared.Next(0, 300));
        var numbers = await ComplaintsAsync(day, 3, "routed");
        var client = fx.Host.CreateClient();
        var asked = $"{numbers[2]},TS00000000-000000,{numbers[0]},{numbers[2]},{new string('9', 40)},{numbers[1]}";
        var found = await Json(await client.GetAsync($"/open311/v2/requests.json?service_request_id={asked}"));
        Assert.Equal([numbers[2], numbers[0], numbers[1]], found.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()));
    }

    [Fact]
    public async Task readers_of_xml_get_the_specs_elements()
    {
        var client = fx.Host.CreateClient();
        var services = await client.GetAsync("/open311/v2/services.xml");
        Assert.Equal("text/xml", services.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", services.Content.Headers.ContentType?.CharSet);
        var text = await services.Content.ReadAsStringAsync();
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", text);
        var serviceList = System.Xml.Linq.XDocument.Parse(text).Root!;
        Assert.Equal("services", serviceList.Name.LocalName);
        Assert.Equal(CylinderTrace.Complaints.ComplaintCategories.All.Count, serviceList.Elements("service").Count());
        var blackGas = serviceList.Elements("service").Single(s => (string?)s.Element("service_code") == "black_gas");
        Assert.Equal(["service_code", "service_name", "description", "metadata", "type", "keywords", "group"], blackGas.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("false", (string?)blackGas.Element("metadata"));

        var day = new DateTime(2017, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(Random.Shared.Next(0, 300));
        var numbers = await ComplaintsAsync(day, 2, "resolved", "black_gas");
        var period = $"start_date={day:yyyy-MM-ddTHH:mm:ssZ}&end_date={day.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}";
        var requests = System.Xml.Linq.XDocument.Parse(await client.GetStringAsync($"/open311/v2/requests.xml?{period}&service_code=black_gas&status=closed")).Root!;
        Assert.Equal("service_requests", requests.Name.LocalName);
        Assert.Equal([numbers[1], numbers[0]], requests.Elements("request").Select(r => (string?)r.Element("service_request_id")));
        var first = requests.Elements("request").First();
        Assert.Equal(["service_request_id", "status", "status_notes", "service_name", "service_code", "agency_responsible", "service_notice",
            "requested_datetime", "updated_datetime", "expected_datetime", "address", "zipcode", "lat", "long", "media_url"], first.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("closed", (string?)first.Element("status"));
        Assert.Equal("鼓楼区", (string?)first.Element("address"));
        Assert.Equal(day.AddSeconds(1).AddHours(8).ToString("yyyy-MM-ddTHH:mm:ss") + "+08:00", (string?)first.Element("requested_datetime"));
        Assert.Equal("", (string?)first.Element("media_url"));

        var one = System.Xml.Linq.XDocument.Parse(await client.GetStringAsync($"/open311/v2/requests/{numbers[0]}.xml")).Root!;
        Assert.Equal(numbers[0], (string?)one.Element("request")!.Element("service_request_id"));

        // Errors as the spec's errors/error elements, with the HTTP status.
        var bad = await client.GetAsync("/open311/v2/requests.xml?status=pending");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = System.Xml.Linq.XDocument.Parse(await bad.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("errors", error.Name.LocalName);
        Assert.Equal("400", (string?)error.Element("error")!.Element("code"));
        Assert.Contains("status", (string?)error.Element("error")!.Element("description"));
        var missing = await client.GetAsync("/open311/v2/requests/TS20000101-000001.xml");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("404", (string?)System.Xml.Linq.XDocument.Parse(await missing.Content.ReadAsStringAsync()).Root!.Element("error")!.Element("code"));
    }
}
