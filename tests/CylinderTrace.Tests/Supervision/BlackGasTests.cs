using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CylinderTrace.Cylinders;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using P = CylinderTrace.Tests.Infrastructure.OfficialAccountPusher;

namespace CylinderTrace.Tests.Supervision;

/// <summary>
/// Black gas traced to its source (issue 18, items 1 and 2): every scan of an unregistered code is evidence, an inspector can
/// detain such a code (and its card then says so), and a restaurant's delivery with unsafe or unmatched cylinders is one alert.
/// </summary>
[Collection(Collections.BackgroundJobs)]
public sealed class Black_gas(WorkerHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private Task FlushedAsync() => fx.Host.Services.GetRequiredService<UnregisteredScans>().FlushedAsync();

    private async Task<ConsoleClient> StaffAsync(string agencyCode, string role) =>
        await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agencyCode, role)).Username, TestData.StaffPassword);

    private sealed record Restaurant(long CustomerId, MiniProgramClient Owner, MiniProgramClient Cook, IntegrationClient Station, int StationId);

    /// <summary>A restaurant in <paramref name="district"/> with an owner and a cook (staff) bound in the Mini Program.</summary>
    private async Task<Restaurant> RestaurantAsync(string district = "350103")
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner);
        var stationClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        await stationClient.PostOkAsync("customers", new { customerId = "R1", kind = "commercial", districtCode = district, businessName = "闽味小馆", businessAddress = "台江区测试路1号" });
        async Task<(MiniProgramClient, long)> BindAsync(string role)
        {
            var invite = await stationClient.Http.SendAsync(stationClient.Signed(HttpMethod.Post, "/api/integration/v1/commercial-invites",
                JsonSerializer.SerializeToUtf8Bytes(new { customerId = "R1", role })));
            var code = JsonDocument.Parse(await invite.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString()!;
            var user = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
            var bound = await user.Http.PostAsJsonAsync("/api/mp/commercial/bind", new { code });
            Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
            return (user, JsonDocument.Parse(await bound.Content.ReadAsStringAsync()).RootElement.GetProperty("customerId").GetInt64());
        }
        var (ownerUser, customerId) = await BindAsync("owner");
        var (cook, _) = await BindAsync("staff");
        return new Restaurant(customerId, ownerUser, cook, stationClient, station);
    }

    private static async Task<JsonElement> ScanAsync(MiniProgramClient user, long customerId, params string[] codes)
    {
        var response = await user.Http.PostAsJsonAsync("/api/mp/commercial/scans", new { customerId, codes, latitude = 26.05, longitude = 119.30 });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task every_scan_of_an_unregistered_code_is_kept_and_listed_for_the_jurisdiction_without_who_scanned()
    {
        var code = NewCode();
        var openId = "oBlack" + TestData.UniqueCode();
        var pusher = new P(fx.Host.CreateClient());
        // The Official Account: one push, delivered twice (WeChat retries), is one scan.
        var push = P.Scan(openId, code);
        Assert.Contains("未登记", (await pusher.PushAndOpenAsync(push))["Content"]);
        await pusher.PushAsync(push);
        // The Mini Program's card, with where the phone was (Gulou's centre).
        var card = await fx.Host.CreateClient().GetAsync($"/api/mp/cylinders/card?code={code}&latitude=26.082&longitude=119.296");
        Assert.Equal(HttpStatusCode.NotFound, card.StatusCode);
        // A restaurant in Taijiang receives it.
        var r = await RestaurantAsync("350103");
        await ScanAsync(r.Cook, r.CustomerId, code);
        // An inspector looks it up in the console.
        var agency = await fx.Data.AgencyAsync("market_supervision", "350103");
        var inspector = await StaffAsync(agency.Code, "inspector");
        Assert.Equal(HttpStatusCode.OK, (await inspector.GetAsync($"/console/cylinders/{code}")).StatusCode);
        // A phone's camera opens the public card page.
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Host.CreateClient().GetAsync($"/c/{code}")).StatusCode);
        await FlushedAsync();

        await using var conn = await fx.Database.OpenAsync();
        var rows = (await conn.QueryAsync<(string Channel, string? District, decimal? Lat, byte[]? Scanner)>(
            "SELECT channel, district_code, latitude, scanner_hash FROM unregistered_scans WHERE cylinder_code = @code ORDER BY id", new { code })).ToList();
        Assert.Equal(["official_account", "mini_program", "receiving_scan", "inspector", "card_page"], rows.Select(x => x.Channel).ToArray());
        Assert.Equal("350102", rows[1].District);
        Assert.Equal(26.08m, rows[1].Lat);
        Assert.Equal("350103", rows[2].District);
        // Who scanned is a keyed hash (the test server gives the Mini Program's request no client address, so that one has none).
        Assert.All(rows.Where(x => x.Channel is not ("mini_program" or "card_page")), x => Assert.Equal(32, x.Scanner!.Length));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM unregistered_scans WHERE cylinder_code = @code AND scanner_hash = @openId",
            new { code, openId = System.Text.Encoding.UTF8.GetBytes(openId) }));

        // The city's bureau sees every district; Taijiang's its own district only; Cangshan's nothing of this code.
        var city = await StaffAsync("market-350100", "handler");
        var all = await city.GetJsonAsync("/api/console/unregistered-scans?days=7");
        var lead = all.GetProperty("codes").EnumerateArray().Single(c => c.GetProperty("cylinderCode").GetString() == code);
        Assert.Equal(5, lead.GetProperty("scans").GetInt32());
        // Distinct people: the WeChat user, the cook, the inspector (and the phone's address, where the test server gives one).
        Assert.InRange(lead.GetProperty("scanners").GetInt32(), 3, 5);
        Assert.True(new HashSet<string?> { "公众号", "小程序", "执法检查", "餐饮进货查验", "扫码网页" }.SetEquals(lead.GetProperty("channels").EnumerateArray().Select(c => c.GetString())));
        Assert.Contains("闽味小馆", lead.GetProperty("restaurants").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains(all.GetProperty("hotSpots").EnumerateArray(), h => h.GetProperty("districtCode").GetString() == "350103" && h.GetProperty("scans").GetInt32() >= 1);
        var raw = all.GetRawText();
        Assert.DoesNotContain(openId, raw);
        Assert.DoesNotContain("scanner_hash", raw, StringComparison.OrdinalIgnoreCase);

        var taijiang = await StaffAsync("market-350103", "handler");
        var own = (await taijiang.GetJsonAsync("/api/console/unregistered-scans?days=7")).GetProperty("codes").EnumerateArray()
            .Single(c => c.GetProperty("cylinderCode").GetString() == code);
        Assert.Equal(1, own.GetProperty("scans").GetInt32());
        Assert.Equal(["台江区"], own.GetProperty("districts").EnumerateArray().Select(x => x.GetString()).ToArray());
        var cangshan = await StaffAsync("market-350104", "handler");
        Assert.DoesNotContain((await cangshan.GetJsonAsync("/api/console/unregistered-scans?days=7")).GetProperty("codes").EnumerateArray(),
            c => c.GetProperty("cylinderCode").GetString() == code);
        Assert.Equal(HttpStatusCode.BadRequest, (await city.GetAsync("/api/console/unregistered-scans?days=0")).StatusCode);
        var page = await (await city.GetAsync("/console/black-gas")).Content.ReadAsStringAsync();
        Assert.Contains("黑气线索", page);
        Assert.Contains(code, page);
        // The page is scoped as the API: another district's agency does not see the code there either.
        Assert.Contains(code, await taijiang.Http.GetStringAsync("/console/black-gas?days=7"));
        Assert.DoesNotContain(code, await cangshan.Http.GetStringAsync("/console/black-gas?days=7"));
    }

    [Fact]
    public async Task a_burst_larger_than_the_queue_is_stored_whole()
    {
        // The recorder queues and returns; once the queue is full the callers write their scans themselves: none is dropped.
        var recorder = fx.Host.Services.GetRequiredService<UnregisteredScans>();
        var code = NewCode();
        var burst = UnregisteredScans.QueueCapacity + 50;
        await Task.WhenAll(Enumerable.Range(0, burst).Select(i =>
            recorder.RecordAsync(new UnregisteredScan(code, ScanChannel.CardPage, DateTime.UtcNow, Scanner: "ip:" + i), CancellationToken.None)));
        await FlushedAsync();
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(burst, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM unregistered_scans WHERE cylinder_code = @code", new { code }));
    }

    [Fact]
    public async Task an_instance_with_recording_switched_off_answers_the_same_and_keeps_nothing()
    {
        // CylinderRules:RecordUnregisteredScans=false (what ops/bench-unregistered.sh compares against): the same 404, no row.
        await using var off = fx.AnotherInstance(new Dictionary<string, string?> { ["CylinderRules:RecordUnregisteredScans"] = "false" });
        var code = NewCode();
        var card = await off.CreateClient().GetAsync($"/api/cylinders/{code}/card");
        Assert.Equal(HttpStatusCode.NotFound, card.StatusCode);
        Assert.Contains("cylinder-not-registered", await card.Content.ReadAsStringAsync());
        // An inspector's look-up there is few and deliberate, and still kept.
        var agency = await fx.Data.AgencyAsync("market_supervision", "350103");
        var inspector = await ConsoleClient.SignInAsync(off, (await fx.Data.StaffAsync(agency.Code, "inspector")).Username, TestData.StaffPassword);
        Assert.Equal(HttpStatusCode.OK, (await inspector.GetAsync($"/console/cylinders/{code}")).StatusCode);
        await off.Services.GetRequiredService<UnregisteredScans>().FlushedAsync();
        // The recording instance keeps the same card scan.
        Assert.Equal(HttpStatusCode.NotFound, (await fx.Host.CreateClient().GetAsync($"/api/cylinders/{code}/card")).StatusCode);
        await FlushedAsync();
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(["inspector", "mini_program"], (await conn.QueryAsync<string>(
            "SELECT channel FROM unregistered_scans WHERE cylinder_code = @code ORDER BY id", new { code })).ToArray());
    }

    [Fact]
    public async Task an_inspector_detains_an_unregistered_code_and_its_card_says_black_gas()
    {
        var r = await RestaurantAsync("350103");
        var worker = await fx.Data.WorkerAsync(r.StationId, name: "陈黑子");
        await using var conn = await fx.Database.OpenAsync();
        var permit = "SGZ" + TestData.UniqueCode();
        await conn.ExecuteAsync("UPDATE delivery_workers SET permit_number = @permit WHERE id = @worker", new { permit, worker });
        var code = NewCode();
        var scan = await ScanAsync(r.Cook, r.CustomerId, code);
        var alertId = scan.GetProperty("alert").GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await r.Owner.Http.PostAsJsonAsync($"/api/mp/commercial/{r.CustomerId}/alerts/{alertId}/deliverer",
            new { workerPermitNumber = permit, vehiclePlate = "闽A·12345", supplierName = "某某液化气站" })).StatusCode);

        var agency = await fx.Data.AgencyAsync("market_supervision", "350103");
        var inspector = await StaffAsync(agency.Code, "inspector");
        var handler = await StaffAsync(agency.Code, "handler");
        var other = await StaffAsync((await fx.Data.AgencyAsync("market_supervision", "350104")).Code, "inspector");
        var body = new { cylinderCode = code, hazard = "未登记的液化石油气钢瓶，来源不明" };
        Assert.Equal(HttpStatusCode.Forbidden, (await handler.PostAsync("/api/console/detentions", body)).StatusCode);
        var issued = await inspector.PostAsync("/api/console/detentions", body);
        var text = await issued.Content.ReadAsStringAsync();
        Assert.True(issued.StatusCode == HttpStatusCode.Created, text);
        var order = JsonDocument.Parse(text).RootElement;
        var number = order.GetProperty("number").GetString()!;
        Assert.StartsWith("HQ", number);
        Assert.Equal($"/api/console/black-gas-detentions/{number}", issued.Headers.Location!.OriginalString);
        // The place and the deliverer come from the restaurant's alert; the permit names the registered worker and his station.
        Assert.Contains("闽味小馆", order.GetProperty("place").GetString());
        Assert.Equal("陈黑子", order.GetProperty("worker").GetString());
        Assert.Equal(permit, order.GetProperty("workerPermit").GetString());
        Assert.Equal("闽A12345", order.GetProperty("vehiclePlate").GetString());
        Assert.False(string.IsNullOrEmpty(order.GetProperty("station").GetString()));
        Assert.Equal("350103", order.GetProperty("districtCode").GetString());

        // The card (Mini Program and Official Account) says it is detained as black gas, at once.
        var card = await fx.Host.CreateClient().GetAsync($"/api/cylinders/{code}/card");
        Assert.Equal(HttpStatusCode.NotFound, card.StatusCode);
        var problem = JsonDocument.Parse(await card.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("black_gas_detained", problem.GetProperty("cylinderStatus").GetProperty("code").GetString());
        Assert.Contains("黑气瓶", problem.GetProperty("cylinderStatus").GetProperty("label").GetString());
        Assert.Contains("严禁使用", problem.GetProperty("detail").GetString());
        Assert.Equal(number, problem.GetProperty("blackGasDetention").GetProperty("number").GetString());
        var reply = (await new P(fx.Host.CreateClient()).PushAndOpenAsync(P.Scan("oU" + TestData.UniqueCode(), code)))["Content"];
        Assert.Contains("【黑气瓶（已被查扣）】", reply);
        Assert.Contains(number, reply);
        Assert.Contains("非法气瓶", reply);
        Assert.Contains("黑气瓶（已被查扣）", await (await fx.Host.CreateClient().GetAsync($"/c/{code}")).Content.ReadAsStringAsync());
        // A second restaurant scan of it is unsafe with the same words.
        var again = await ScanAsync(r.Cook, r.CustomerId, code);
        Assert.Equal("black_gas_detained", again.GetProperty("results")[0].GetProperty("statusCode").GetString());

        // One open detention per code; another district's inspector cannot see or close it; its own closes it, and the card stays black gas.
        Assert.Equal(HttpStatusCode.Conflict, (await inspector.PostAsync("/api/console/detentions", body)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/console/black-gas-detentions/{number}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/console/black-gas-detentions/{number}/dispose", new { disposal = "confiscated" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await inspector.PostAsync($"/api/console/black-gas-detentions/{number}/dispose", new { disposal = "sold" })).StatusCode);
        var closed = await inspector.PostOkAsync($"/api/console/black-gas-detentions/{number}/dispose", new { disposal = "confiscated", note = "已没收，移交指定存放点" });
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        var after = JsonDocument.Parse(await (await fx.Host.CreateClient().GetAsync($"/api/cylinders/{code}/card")).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("black_gas_detained", after.GetProperty("cylinderStatus").GetProperty("code").GetString());
        // The leads list shows the deliverer and the detention.
        await FlushedAsync();
        var lead = (await handler.GetJsonAsync("/api/console/unregistered-scans")).GetProperty("codes").EnumerateArray()
            .Single(c => c.GetProperty("cylinderCode").GetString() == code);
        Assert.Equal(number, lead.GetProperty("detentionNumber").GetString());
        Assert.Equal("闽A12345", lead.GetProperty("deliverers")[0].GetProperty("vehiclePlate").GetString());
    }

    [Fact]
    public async Task an_unregistered_code_without_a_place_is_refused_with_what_to_add()
    {
        var agency = await fx.Data.AgencyAsync("market_supervision", "350102");
        var inspector = await StaffAsync(agency.Code, "inspector");
        var response = await inspector.PostAsync("/api/console/detentions", new { cylinderCode = NewCode(), hazard = "来源不明的气瓶", vehiclePlate = "ABC" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("vehiclePlate", out _));
        response = await inspector.PostAsync("/api/console/detentions", new { cylinderCode = NewCode(), hazard = "来源不明的气瓶" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("查扣地点", await response.Content.ReadAsStringAsync());
        var ok = await inspector.PostAsync("/api/console/detentions", new { cylinderCode = NewCode(), hazard = "来源不明的气瓶", place = "鼓楼区某路口三轮车上" });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal("350102", JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("districtCode").GetString());
    }

    private static async Task<string> OwnPhotoAsync(ConsoleClient inspector)
    {
        var photo = new ByteArrayContent(SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));
        photo.Headers.ContentType = new("image/jpeg");
        var response = await inspector.Http.PostAsync("/api/console/detention-photos", new MultipartFormDataContent { { photo, "file", "scene.jpg" } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("photoId").GetString()!;
    }

    /// <summary>
    /// Photos on a black-gas detention are what they are on a detention order (docs/SECURITY.md item 2): the issuing inspector's own
    /// uploads for detention, each taken by one detention only (of either kind), served only through the detention to those who may see it.
    /// </summary>
    [Fact]
    public async Task a_black_gas_detention_takes_the_inspectors_own_photos_once_and_shows_them_only_through_itself()
    {
        var agency = await fx.Data.AgencyAsync("market_supervision", "350102");
        var inspector = await StaffAsync(agency.Code, "inspector");
        var colleague = await StaffAsync(agency.Code, "inspector");
        var other = await StaffAsync((await fx.Data.AgencyAsync("market_supervision", "350104")).Code, "inspector");
        string first = await OwnPhotoAsync(inspector), second = await OwnPhotoAsync(inspector), spare = await OwnPhotoAsync(inspector);
        var colleagues = await OwnPhotoAsync(colleague);
        object Seize(params string[] photos) => new { cylinderCode = NewCode(), hazard = "来源不明的气瓶", place = "鼓楼区某路口三轮车上", photos };

        // Not one's own upload: refused with what to do, nothing stored.
        var refused = await inspector.PostAsync("/api/console/detentions", Seize(first, colleagues));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("本人", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").GetProperty("photos")[0].GetString());

        var issued = await inspector.PostAsync("/api/console/detentions", Seize(first, second));
        var text = await issued.Content.ReadAsStringAsync();
        Assert.True(issued.StatusCode == HttpStatusCode.Created, text);
        var order = JsonDocument.Parse(text).RootElement;
        var number = order.GetProperty("number").GetString()!;
        Assert.Equal([first, second], order.GetProperty("photos").EnumerateArray().Select(p => p.GetString()!).ToArray());

        // Each upload is used once: not by another black-gas detention, not by a detention order either.
        Assert.Equal(HttpStatusCode.BadRequest, (await inspector.PostAsync("/api/console/detentions", Seize(first))).StatusCode);
        var cylinder = await fx.Data.CylinderAsync();
        var ordinary = await inspector.PostAsync("/api/console/detentions", new { cylinderCode = cylinder.Code, hazard = "瓶阀漏气", photos = new[] { second } });
        Assert.Equal(HttpStatusCode.BadRequest, ordinary.StatusCode);
        await using (var conn = await fx.Database.OpenAsync())
            Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM detention_photo_uploads WHERE sha256 = @second AND order_id IS NOT NULL", new { second }));

        // The order's page shows them; each is served through the detention, to its agency only; a photo not on it is not.
        var page = await inspector.Http.GetStringAsync($"/console/black-gas/detentions/{number}");
        Assert.Contains("id=\"detention-photos\"", page);
        foreach (var sha in new[] { first, second })
        {
            var path = $"/console/black-gas/detentions/{number}/photos/{sha}";
            Assert.Contains($"src=\"{path}\"", page);
            var served = await inspector.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal("image/jpeg", served.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await inspector.GetAsync($"/console/black-gas/detentions/{number}/photos/{spare}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/console/black-gas/detentions/{number}")).StatusCode);
        Assert.Contains($"/console/black-gas/detentions/{number}", await inspector.Http.GetStringAsync("/console/black-gas"));

        // The console form takes photos too, and leads to the order's page.
        var code = NewCode();
        var token = await inspector.FormTokenAsync($"/console/cylinders/{code}");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("未登记的液化石油气钢瓶，来源不明"), "hazard" },
            { new StringContent("鼓楼区某小区门口"), "place" },
        };
        var photo = new ByteArrayContent(SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));
        photo.Headers.ContentType = new("image/jpeg");
        form.Add(photo, "photos", "scene.jpg");
        var posted = await inspector.Http.PostAsync($"/console/cylinders/{code}/detentions", form);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var orderPage = await inspector.Http.GetStringAsync(posted.Headers.Location!.OriginalString);
        Assert.Contains("已查扣", orderPage);
        var photoPath = System.Text.RegularExpressions.Regex.Match(orderPage, "src=\"(/console/black-gas/detentions/HQ\\d+/photos/[0-9a-f]{64})\"").Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await inspector.GetAsync(photoPath)).StatusCode);
    }

    [Fact]
    public async Task a_delivery_with_several_bad_cylinders_is_one_alert_that_reaches_the_owner_and_asks_for_the_deliverer()
    {
        var r = await RestaurantAsync("350103");
        string unregistered1 = NewCode(), unregistered2 = NewCode(), undelivered = NewCode();
        var ownerEnterprise = await fx.Data.EnterpriseAsync("filling");
        var ownerClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(ownerEnterprise));
        await ownerClient.PostOkAsync("cylinders", new { code = undelivered, serial = "S" + undelivered, spec = "YSP-50", manufactureDate = "2022-01-01", nextInspectionDate = "2028-01-01" });

        var session = await ScanAsync(r.Cook, r.CustomerId, unregistered1, unregistered2, undelivered);
        var alert = session.GetProperty("alert");
        Assert.Equal(3, alert.GetProperty("codes").GetArrayLength());
        Assert.Equal("black_gas", alert.GetProperty("category").GetString());
        Assert.Contains("上岗证号", alert.GetProperty("askDeliverer").GetString());
        var alertId = alert.GetProperty("id").GetInt64();

        await using var conn = await fx.Database.OpenAsync();
        // One complaint for the delivery, filed for the cook, listing every code, routed to the district like any complaint.
        var complaints = (await conn.QueryAsync<(string Number, string Description, long UserId)>(
            "SELECT number, description, user_id FROM complaints WHERE idempotency_key = CONCAT('delivery-alert-', @alertId)", new { alertId })).ToList();
        var complaint = Assert.Single(complaints);
        Assert.Contains(unregistered1, complaint.Description);
        Assert.Contains(unregistered2, complaint.Description);
        Assert.Contains(undelivered, complaint.Description);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaints WHERE idempotency_key LIKE 'scan-alert-%' AND cylinder_code IN @codes",
            new { codes = new[] { unregistered1, unregistered2, undelivered } }));
        await fx.Data.WaitUntilRoutedAsync(complaint.Number);
        // Black gas (unlicensed gas business) is the district's gas authority's, as the routing rules say.
        Assert.Equal("gas-350103", await conn.ExecuteScalarAsync<string>(
            "SELECT a.code FROM complaints c JOIN agencies a ON a.id = c.agency_id WHERE c.number = @Number", new { complaint.Number }));
        // The owner hears of it (subscribe message to the owner's openid), the cook through the complaint's own messages.
        await Eventually.HoldsAsync(() => fx.WeChat.LogEntries.Any(e => e.RequestMessage.Path == "/cgi-bin/message/subscribe/send"
            && JsonNode.Parse(e.RequestMessage.Body!)!["touser"]!.ToString() == r.Owner.OpenId && e.RequestMessage.Body!.Contains(complaint.Number)),
            "the owner's subscribe message");
        // WeChat has the message before the job marks the notice sent.
        await Eventually.ReturnsAsync(() => conn.ExecuteScalarAsync<string>("SELECT status FROM delivery_alert_notices WHERE alert_id = @alertId", new { alertId }),
            status => status == "sent", "the owner's notice marked sent");
        // Scanning the same cylinders again raises nothing new.
        Assert.Equal(JsonValueKind.Null, (await ScanAsync(r.Cook, r.CustomerId, unregistered1)).GetProperty("alert").ValueKind);

        // The owner reports the deliverer with a photo of the receipt; it joins the complaint.
        var upload = await r.Owner.UploadAsync(SamplePhotos.Jpeg(7));
        var photoId = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        var cookUpload = await r.Cook.UploadAsync(SamplePhotos.Jpeg(8));
        var cookPhoto = JsonDocument.Parse(await cookUpload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        var url = $"/api/mp/commercial/{r.CustomerId}/alerts/{alertId}/deliverer";
        Assert.Equal(HttpStatusCode.BadRequest, (await r.Owner.Http.PostAsJsonAsync(url, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await r.Owner.Http.PostAsJsonAsync(url, new { vehiclePlate = "12345" })).StatusCode);
        // Only one's own uploads.
        Assert.Equal(HttpStatusCode.BadRequest, (await r.Owner.Http.PostAsJsonAsync(url, new { workerName = "老王", photoIds = new[] { cookPhoto } })).StatusCode);
        var outsider = await MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.Http.PostAsJsonAsync(url, new { workerName = "老王" })).StatusCode);
        var reported = await r.Owner.Http.PostAsJsonAsync(url, new { workerName = "老王", vehiclePlate = "闽 AD12345", supplierName = "鑫旺燃气", photoIds = new[] { photoId } });
        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);
        var view = JsonDocument.Parse(await reported.Content.ReadAsStringAsync()).RootElement;
        Assert.True(view.GetProperty("delivererReported").GetBoolean());
        Assert.Equal("闽AD12345", view.GetProperty("vehiclePlate").GetString());
        var evidence = await conn.QuerySingleAsync<string>(
            "SELECT e.text FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id WHERE c.number = @Number AND e.kind = 'evidence_added'", new { complaint.Number });
        Assert.Contains("闽AD12345", evidence);
        Assert.Contains("鑫旺燃气", evidence);
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM complaint_photos p JOIN complaints c ON c.id = p.complaint_id WHERE c.number = @Number AND p.sha256 = @photoId", new { complaint.Number, photoId }));
        // Both members see the alert.
        var list = JsonDocument.Parse(await r.Cook.Http.GetStringAsync($"/api/mp/commercial/{r.CustomerId}/alerts")).RootElement;
        Assert.Contains(list.EnumerateArray(), a => a.GetProperty("id").GetInt64() == alertId && a.GetProperty("supplierName").GetString() == "鑫旺燃气");
    }

    [Fact]
    public async Task the_digest_names_the_black_gas_hot_spots_of_its_jurisdiction()
    {
        var recorder = fx.Host.Services.GetRequiredService<UnregisteredScans>();
        var code = NewCode();
        for (var i = 0; i < 3; i++)
            await recorder.RecordAsync(new UnregisteredScan(code, ScanChannel.OfficialAccount, DateTime.UtcNow, DistrictCode: "350111", Scanner: "oa:x" + i), CancellationToken.None);
        await FlushedAsync();
        await using var conn = await fx.Database.OpenAsync();
        var (city, gulou) = (await conn.ExecuteScalarAsync<int>("SELECT id FROM agencies WHERE code = 'market-350100'"),
            await conn.ExecuteScalarAsync<int>("SELECT id FROM agencies WHERE code = 'market-350102'"));
        var content = fx.Host.Services.GetRequiredService<CylinderTrace.Supervision.DigestContent>();
        var today = CylinderTrace.Platform.Time.ShanghaiTime.Today(TimeProvider.System);
        var cityDigest = await content.GatherAsync(city, "350100", "daily", today, today, CancellationToken.None);
        Assert.Contains(cityDigest.BlackGasHotSpots!, h => h.DistrictCode == "350111" && h.District == "晋安区" && h.Scans >= 3 && h.Codes >= 1);
        Assert.DoesNotContain((await content.GatherAsync(gulou, "350102", "daily", today, today, CancellationToken.None)).BlackGasHotSpots!, h => h.DistrictCode == "350111");
        Assert.Contains(CylinderTrace.Supervision.DigestContent.Csv("测试", cityDigest).Split('\n'), line => line.Contains("黑气热点") && line.Contains("晋安区"));
        var html = await CylinderTrace.Supervision.DigestContent.HtmlAsync(fx.Host.Services.GetRequiredService<CylinderTrace.Platform.Html.ComponentHtml>(), "测试", "测试单位", cityDigest, null);
        Assert.Contains("黑气热点", html);
    }

    [Theory]
    [InlineData("闽A12345", "闽A12345")]
    [InlineData("闽a·d12345", "闽AD12345")]
    [InlineData("粤B 1234学", "粤B1234学")]
    [InlineData("闽AI2345", null)]
    [InlineData("A12345", null)]
    [InlineData("闽A123", null)]
    public void plates_are_read_as_GA_36_writes_them(string input, string? expected) =>
        Assert.Equal(expected, CylinderTrace.Commercial.DeliveryAlerts.NormalisePlate(input));

    /// <summary>Every console route that names a black-gas detention: another agency's members (any role) get 404 and change nothing.</summary>
    [Fact]
    public async Task every_black_gas_detention_route_answers_404_to_another_agency()
    {
        var agency = await fx.Data.AgencyAsync("market_supervision", "350102");
        var inspector = await StaffAsync(agency.Code, "inspector");
        var issued = await inspector.PostAsync("/api/console/detentions", new { cylinderCode = NewCode(), hazard = "来源不明的气瓶", place = "鼓楼区某小区门口" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var number = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("number").GetString()!;
        var routes = fx.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.Contains("black-gas") && p.Contains("{order}"))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count >= 3, $"expected the black-gas detention routes, found {routes.Count}");
        var other = await fx.Data.AgencyAsync("market_supervision", "350102");
        foreach (var role in new[] { "handler", "supervisor", "inspector", "administrator" })
        {
            var stranger = await StaffAsync(other.Code, role);
            var token = await stranger.FormTokenAsync();
            foreach (var (method, pattern) in routes)
            {
                var path = pattern.Replace("{order}", number);
                var fields = new Dictionary<string, string> { ["disposal"] = "confiscated", ["note"] = "x" };
                var response = method == "GET" ? await stranger.GetAsync(path)
                    : path.StartsWith("/api/") ? await stranger.PostAsync(path, fields) : await stranger.PostFormAsync(path, token, fields);
                Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden && (role == "inspector" ? response.StatusCode == HttpStatusCode.NotFound : true),
                    $"{role} of another agency: {method} {path} → {(int)response.StatusCode}");
            }
        }
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal("open", await conn.ExecuteScalarAsync<string>("SELECT status FROM black_gas_detentions WHERE number = @number", new { number }));
    }
}
