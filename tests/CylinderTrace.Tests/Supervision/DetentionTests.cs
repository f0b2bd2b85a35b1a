using System.Net;
using System.Text.Json;
using CylinderTrace.Supervision;
using CylinderTrace.Tests.Infrastructure;
using Dapper;

namespace CylinderTrace.Tests.Supervision;

/// <summary>Online detention (在线扣瓶, issue 9): an inspector's order makes the cylinder detained everywhere until its disposal.</summary>
[Collection(Collections.BackgroundJobs)]
public sealed class Detention_orders(WorkerHostFixture fx)
{
    private static string NewCode() => "FZ" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    private sealed record World(string Code, IntegrationClient Owner, IntegrationClient Station, IntegrationClient Stranger, ConsoleClient Inspector,
        ConsoleClient OtherInspector, ConsoleClient Handler, int OwnerId, int StationId, (int Id, string Code) Agency);

    private async Task<World> WorldAsync()
    {
        var owner = await fx.Data.EnterpriseAsync("filling");
        var station = await fx.Data.EnterpriseAsync("supply", parentId: owner);
        var stranger = await fx.Data.EnterpriseAsync("filling");
        var ownerClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(owner));
        var stationClient = await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(station));
        var code = NewCode();
        await ownerClient.PostOkAsync("cylinders", new { code, serial = "S" + code, spec = "YSP-15", manufactureDate = "2023-01-01", nextInspectionDate = "2028-01-01" });
        await stationClient.PostOkAsync("customers", new { customerId = "H1", kind = "household", districtCode = "350102", name = "林用户", phone = "13800000001" });
        await stationClient.PostOkAsync("deliveries", new { eventId = "D-" + code, cylinderCode = code, deliveredAt = DateTimeOffset.UtcNow.AddHours(-1), customerId = "H1" });
        var agency = await fx.Data.AgencyAsync("market_supervision");
        var other = await fx.Data.AgencyAsync("market_supervision", "350103");
        async Task<ConsoleClient> As(string agencyCode, string role) =>
            await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(agencyCode, role)).Username, TestData.StaffPassword);
        return new World(code, ownerClient, stationClient, await IntegrationClient.ForAsync(fx.Host, await fx.Data.LicenceOfAsync(stranger)),
            await As(agency.Code, "inspector"), await As(other.Code, "inspector"), await As(agency.Code, "handler"), owner, station, agency);
    }

    private async Task<JsonElement> CardAsync(string code) =>
        JsonDocument.Parse(await fx.Host.CreateClient().GetStringAsync($"/api/cylinders/{code}/card")).RootElement;

    private static async Task<JsonElement> FillCheckAsync(IntegrationClient client, string code)
    {
        var response = await client.Http.SendAsync(client.Signed(HttpMethod.Post, "/api/integration/v1/fill-checks",
            JsonSerializer.SerializeToUtf8Bytes(new { cylinderCode = code }, JsonSerializerOptions.Web)));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static string[] Reasons(JsonElement check) => check.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SignedAsync(IntegrationClient client, HttpMethod method, string path, object? body = null)
    {
        var response = await client.Http.SendAsync(client.Signed(method, path, body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web)));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    private static async Task<string> IssueAsync(World w, string responsibility = "owner", int? deadlineHours = null)
    {
        var response = await w.Inspector.PostAsync("/api/console/detentions",
            new { cylinderCode = w.Code, hazard = "瓶阀漏气，现场检测可燃气体报警", deadlineHours, responsibility });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("number").GetString()!;
    }

    [Fact]
    public async Task an_order_detains_the_cylinder_everywhere_until_the_inspector_releases_it()
    {
        var w = await WorldAsync();
        // A member of the owner's staff binds WeChat with a code the enterprise's system asked for.
        var (_, binding) = await SignedAsync(w.Owner, HttpMethod.Post, "/api/integration/v1/wechat-binding-codes");
        var staffOpenId = "oEnt" + TestData.UniqueCode();
        var pusher = new CylinderTrace.Tests.Infrastructure.OfficialAccountPusher(fx.Host.CreateClient());
        var bound = await pusher.PushAndOpenAsync(CylinderTrace.Tests.Infrastructure.OfficialAccountPusher.Text(staffOpenId, "企业绑定 " + binding.GetProperty("code").GetString()));
        Assert.Contains("绑定成功", bound["Content"]);
        var (_, contacts) = await SignedAsync(w.Owner, HttpMethod.Get, "/api/integration/v1/wechat-contacts");
        Assert.Equal(staffOpenId, contacts[0].GetProperty("openId").GetString());
        Assert.True((await FillCheckAsync(w.Owner, w.Code)).GetProperty("allowed").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, (await w.Handler.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "瓶阀漏气" })).StatusCode);
        var number = await IssueAsync(w);

        // Detained on the public card and at the filling line at once.
        Assert.Equal("detained", (await CardAsync(w.Code)).GetProperty("status").GetProperty("code").GetString());
        var check = await FillCheckAsync(w.Owner, w.Code);
        Assert.False(check.GetProperty("allowed").GetBoolean());
        Assert.Contains("detained", Reasons(check));
        // One open order per cylinder.
        Assert.Equal(HttpStatusCode.Conflict, (await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "再次下令" })).StatusCode);

        // The owner is told (pull channel), sees the order, acknowledges and reports it recalled; others cannot see or touch it.
        var (_, pulled) = await SignedAsync(w.Owner, HttpMethod.Get, "/api/integration/v1/notifications");
        Assert.Contains(pulled.EnumerateArray(), n => n.GetProperty("kind").GetString() == "detention.issued"
            && n.GetProperty("payload").GetProperty("number").GetString() == number);
        // …and its bound staff on the Official Account.
        await Eventually.HoldsAsync(() => fx.WeChat.LogEntries.Any(e => e.RequestMessage.Path == "/cgi-bin/message/template/send"
            && e.RequestMessage.Body!.Contains(staffOpenId) && e.RequestMessage.Body.Contains(number)), $"a template message about {number} to its enterprise's staff");
        Assert.Contains(fx.WeChat.LogEntries, e => e.RequestMessage.Path == "/cgi-bin/message/template/send" && e.RequestMessage.Body!.Contains(staffOpenId)
            && e.RequestMessage.Body.Contains("tpl-detention") && e.RequestMessage.Body.Contains(number));
        var (_, listed) = await SignedAsync(w.Owner, HttpMethod.Get, "/api/integration/v1/detention-orders");
        Assert.Contains(listed.EnumerateArray(), o => o.GetProperty("number").GetString() == number);
        var (strangerList, strangerOrders) = await SignedAsync(w.Stranger, HttpMethod.Get, "/api/integration/v1/detention-orders");
        Assert.Equal(HttpStatusCode.OK, strangerList);
        Assert.DoesNotContain(strangerOrders.EnumerateArray(), o => o.GetProperty("number").GetString() == number);
        Assert.Equal(HttpStatusCode.NotFound, (await SignedAsync(w.Stranger, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/acknowledge")).Status);
        var (ack, acked) = await SignedAsync(w.Owner, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/acknowledge");
        Assert.Equal(HttpStatusCode.OK, ack);
        Assert.Equal("acknowledged", acked.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await SignedAsync(w.Owner, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/recalled", new { })).Status);
        var (_, recalled) = await SignedAsync(w.Owner, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/recalled", new { place = "闽江燃气鼓山充装站待检区" });
        Assert.Equal("recalled", recalled.GetProperty("status").GetString());
        Assert.Equal("detained", (await CardAsync(w.Code)).GetProperty("status").GetProperty("code").GetString());

        // Only the issuing agency's inspector confirms disposal; release makes the cylinder usable again.
        Assert.Equal(HttpStatusCode.NotFound, (await w.OtherInspector.PostAsync($"/api/console/detentions/{number}/dispose", new { disposal = "released" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await w.Inspector.PostAsync($"/api/console/detentions/{number}/dispose", new { disposal = "forgotten" })).StatusCode);
        var closed = await w.Inspector.PostOkAsync($"/api/console/detentions/{number}/dispose", new { disposal = "released", note = "更换瓶阀后复检合格" });
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal(["issued", "acknowledged", "recalled", "closed"], closed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToArray());
        Assert.Equal("in_service", (await CardAsync(w.Code)).GetProperty("status").GetProperty("code").GetString());
        Assert.True((await FillCheckAsync(w.Owner, w.Code)).GetProperty("allowed").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await w.OtherInspector.GetAsync($"/api/console/detentions/{number}")).StatusCode);
    }

    [Fact]
    public async Task sent_to_inspection_stays_unfillable_until_inspected_and_scrapped_stays_scrapped()
    {
        var w = await WorldAsync();
        var number = await IssueAsync(w, responsibility: "last_delivery");
        // The last delivery's station is responsible; its filling enterprise may act for it.
        var (_, order) = await SignedAsync(w.Station, HttpMethod.Get, "/api/integration/v1/detention-orders");
        Assert.Contains(order.EnumerateArray(), o => o.GetProperty("number").GetString() == number && o.GetProperty("responsibleEnterpriseId").GetInt32() == w.StationId);
        Assert.Equal(HttpStatusCode.OK, (await SignedAsync(w.Owner, HttpMethod.Post, $"/api/integration/v1/detention-orders/{number}/acknowledge")).Status);
        await w.Inspector.PostOkAsync($"/api/console/detentions/{number}/dispose", new { disposal = "inspection" });
        var check = await FillCheckAsync(w.Owner, w.Code);
        Assert.False(check.GetProperty("allowed").GetBoolean());
        Assert.Contains("inspection_overdue", Reasons(check));
        Assert.DoesNotContain("detained", Reasons(check));

        // Inspected: fillable again. A second order, disposed as scrapped, scraps it for good.
        await w.Owner.PostOkAsync("inspections", new
        {
            eventId = "I-" + w.Code, cylinderCode = w.Code, inspectedOn = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)),
            inspectionBody = "福州市特种设备检验研究院", result = "pass", nextInspectionDate = "2030-01-01"
        });
        var inspected = await FillCheckAsync(w.Owner, w.Code);
        Assert.True(inspected.GetProperty("allowed").GetBoolean(), inspected.ToString());
        var second = await IssueAsync(w);
        await w.Inspector.PostOkAsync($"/api/console/detentions/{second}/dispose", new { disposal = "scrapped" });
        Assert.Equal("scrapped", (await CardAsync(w.Code)).GetProperty("status").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "报废瓶仍在使用" })).StatusCode);
    }

    [Fact]
    public async Task an_order_not_recalled_by_its_deadline_is_escalated_once()
    {
        var w = await WorldAsync();
        var number = await IssueAsync(w, deadlineHours: 1);
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE detention_orders SET deadline_at = @past WHERE number = @number", new { number, past = DateTime.UtcNow.AddMinutes(-1) });
        var orders = fx.Host.Services.GetRequiredService<DetentionOrders>();
        Assert.True(await orders.EscalateAsync(CancellationToken.None) >= 1);
        Assert.Equal(0, await orders.EscalateAsync(CancellationToken.None));
        var view = await w.Inspector.GetJsonAsync($"/api/console/detentions/{number}");
        Assert.True(view.GetProperty("overdue").GetBoolean());
        Assert.Equal(JsonValueKind.String, view.GetProperty("escalatedAt").ValueKind);
        Assert.Equal(1, view.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "escalated"));
        var (_, pulled) = await SignedAsync(w.Owner, HttpMethod.Get, "/api/integration/v1/notifications");
        Assert.Contains(pulled.EnumerateArray(), n => n.GetProperty("kind").GetString() == "detention.escalated");
        // Bad input gets a clear 400 naming the fields.
        var bad = await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = "nope", hazard = "", deadlineHours = 0, responsibility = "neighbour" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        foreach (var field in new[] { "cylinderCode", "hazard", "deadlineHours", "responsibility" }) Assert.True(errors.TryGetProperty(field, out _), field);
        var other = NewCode();
        await w.Owner.PostOkAsync("cylinders", new { code = other, serial = "S" + other, spec = "YSP-15", manufactureDate = "2023-01-01", nextInspectionDate = "2028-01-01" });
        var unknownPhoto = await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = other, hazard = "瓶阀漏气", photos = new[] { new string('a', 64) } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownPhoto.StatusCode);
        Assert.Contains("photos", await unknownPhoto.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task an_inspector_works_an_order_in_the_console_pages_with_photos()
    {
        var w = await WorldAsync();
        var lookup = await w.Inspector.Http.GetAsync("/console/cylinders?code=" + w.Code.ToLowerInvariant());
        Assert.Equal(HttpStatusCode.Redirect, lookup.StatusCode);
        Assert.Equal($"/console/cylinders/{w.Code}", lookup.Headers.Location?.OriginalString);
        var file = await w.Inspector.Http.GetStringAsync($"/console/cylinders/{w.Code}");
        Assert.Contains("id=\"detain-form\"", file);
        Assert.Contains("id=\"trace\"", file);
        Assert.DoesNotContain("id=\"detain-form\"", await w.Handler.Http.GetStringAsync($"/console/cylinders/{w.Code}"));

        var token = await w.Inspector.FormTokenAsync($"/console/cylinders/{w.Code}");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("钢印模糊、瓶体严重锈蚀"), "hazard" },
            { new StringContent("24"), "deadlineHours" },
            { new StringContent("owner"), "responsibility" },
        };
        var photo = new ByteArrayContent(CylinderTrace.Tests.Infrastructure.SamplePhotos.Jpeg());
        photo.Headers.ContentType = new("image/jpeg");
        form.Add(photo, "photos", "rust.jpg");
        var issued = await w.Inspector.Http.PostAsync($"/console/cylinders/{w.Code}/detentions", form);
        Assert.Equal(HttpStatusCode.Redirect, issued.StatusCode);
        var page = await w.Inspector.Http.GetStringAsync(issued.Headers.Location!.OriginalString);
        Assert.Contains("扣瓶令已下达", page);
        var number = System.Text.RegularExpressions.Regex.Match(page, "扣瓶令 (KP\\d+)").Groups[1].Value;
        Assert.StartsWith("KP", number);
        var photoPath = System.Text.RegularExpressions.Regex.Match(page, "src=\"(/console/detentions/[^\"]+/photos/[0-9a-f]{64})\"").Groups[1].Value;
        Assert.Equal(HttpStatusCode.OK, (await w.Inspector.Http.GetAsync(photoPath)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await w.OtherInspector.Http.GetAsync(photoPath)).StatusCode);
        Assert.Equal("detained", (await CardAsync(w.Code)).GetProperty("status").GetProperty("code").GetString());
        Assert.Contains(number, await w.Inspector.Http.GetStringAsync("/console/detentions"));

        var disposeToken = await w.Inspector.FormTokenAsync($"/console/detentions/{number}");
        var disposed = await w.Inspector.PostFormAsync($"/console/detentions/{number}/dispose", disposeToken,
            new Dictionary<string, string> { ["disposal"] = "released", ["note"] = "现场核实为误报" });
        Assert.Equal(HttpStatusCode.Redirect, disposed.StatusCode);
        Assert.Contains("已确认处置并结案", await w.Inspector.Http.GetStringAsync(disposed.Headers.Location!.OriginalString));
        Assert.Equal("in_service", (await CardAsync(w.Code)).GetProperty("status").GetProperty("code").GetString());
    }

    /// <summary>An inspector's photo uploaded for detention through the console API; the id an order may name.</summary>
    private static async Task<HttpResponseMessage> UploadForDetentionAsync(ConsoleClient inspector, byte[] bytes)
    {
        var photo = new ByteArrayContent(bytes);
        photo.Headers.ContentType = new("image/jpeg");
        return await inspector.Http.PostAsync("/api/console/detention-photos", new MultipartFormDataContent { { photo, "file", "scene.jpg" } });
    }

    private static async Task<string> OwnPhotoAsync(ConsoleClient inspector)
    {
        var response = await UploadForDetentionAsync(inspector, CylinderTrace.Tests.Infrastructure.SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("photoId").GetString()!;
    }

    private static async Task<JsonElement> ErrorsAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");

    // Issue 16, item 2: an inspector of an agency only informed of a complaint issued an order naming the
    // complaint's photo and downloaded it through /console/detentions/{n}/photos/{id}.
    [Fact]
    public async Task an_inspector_of_an_agency_informed_of_a_complaint_can_neither_attach_its_photo_to_an_order_nor_download_it()
    {
        var w = await WorldAsync();
        var handling = await fx.Data.AgencyAsync();
        var complainant = await CylinderTrace.Tests.Infrastructure.MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var upload = await complainant.UploadAsync(CylinderTrace.Tests.Infrastructure.SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));
        var photoId = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        var complaint = (await complainant.FileOkAsync(CylinderTrace.Tests.Infrastructure.MiniProgramClient.Complaint(photoIds: [photoId]))).GetProperty("number").GetString()!;
        var complaintId = await fx.Data.WaitUntilRoutedAsync(complaint);
        await fx.Data.MoveToAgencyAsync(complaintId, handling.Id);
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("INSERT INTO complaint_informed_agencies (agency_id, complaint_id, reason, since) VALUES (@a, @c, 'informed', NOW(3))",
                new { a = w.Agency.Id, c = complaintId });

        // The informed agency's inspector reads the complaint, photo ids included, but not its photos.
        var view = await w.Inspector.GetJsonAsync($"/api/console/complaints/{complaint}");
        Assert.Contains(photoId, view.GetProperty("complaint").GetProperty("photoIds").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await w.Inspector.GetAsync($"/api/console/complaints/{complaint}/photos/{photoId}")).StatusCode);

        var attempt = await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "瓶阀漏气，现场检测可燃气体报警", photos = new[] { photoId } });
        // No order of the agency serves the complainant's photo.
        foreach (var order in (await w.Inspector.GetJsonAsync("/api/console/detentions?open=false")).EnumerateArray()
                     .Where(o => o.GetProperty("cylinderCode").GetString() == w.Code))
        {
            var number = order.GetProperty("number").GetString();
            var served = await w.Inspector.GetAsync($"/console/detentions/{number}/photos/{photoId}");
            Assert.True(served.StatusCode == HttpStatusCode.NotFound, $"order {number} served the complaint's photo: {(int)served.StatusCode}");
        }
        Assert.Equal(HttpStatusCode.BadRequest, attempt.StatusCode);
        Assert.Contains("本人", (await ErrorsAsync(attempt)).GetProperty("photos")[0].GetString());
        Assert.Equal("in_service", (await CardAsync(w.Code)).GetProperty("status").GetProperty("code").GetString());

        // The inspector's own photo, uploaded for detention, goes with the order and is served through it.
        var own = await OwnPhotoAsync(w.Inspector);
        var issued = await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "瓶阀漏气，现场检测可燃气体报警", photos = new[] { own } });
        var issuedText = await issued.Content.ReadAsStringAsync();
        Assert.True(issued.StatusCode == HttpStatusCode.Created, issuedText);
        var issuedOrder = JsonDocument.Parse(issuedText).RootElement;
        Assert.Equal([own], issuedOrder.GetProperty("photos").EnumerateArray().Select(p => p.GetString()).ToArray());
        var number2 = issuedOrder.GetProperty("number").GetString();
        var image = await w.Inspector.GetAsync($"/console/detentions/{number2}/photos/{own}");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", Assert.Single(image.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(HttpStatusCode.NotFound, (await w.Inspector.GetAsync($"/console/detentions/{number2}/photos/{photoId}")).StatusCode);
    }

    [Fact]
    public async Task an_order_names_only_photos_its_inspector_uploaded_for_detention_and_each_for_one_order()
    {
        var w = await WorldAsync();
        // Only inspectors upload photos for orders; anything that is not a photo is refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadForDetentionAsync(w.Handler, CylinderTrace.Tests.Infrastructure.SamplePhotos.Jpeg(1))).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await UploadForDetentionAsync(w.Inspector, "GIF89a......"u8.ToArray())).StatusCode);
        var mine = await OwnPhotoAsync(w.Inspector);

        // Another inspector, of another agency or of the same one, may not name it.
        var colleague = await ConsoleClient.SignInAsync(fx.Host, (await fx.Data.StaffAsync(w.Agency.Code, "inspector")).Username, TestData.StaffPassword);
        foreach (var other in new[] { w.OtherInspector, colleague })
        {
            var refused = await other.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "瓶体严重锈蚀", photos = new[] { mine } });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await ErrorsAsync(refused)).TryGetProperty("photos", out _));
        }

        // Its uploader names it once; closed or not, that order keeps it, and a second order may not name it again.
        var first = await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "瓶体严重锈蚀", photos = new[] { mine.ToUpperInvariant() } });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var number = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("number").GetString()!;
        await w.Inspector.PostOkAsync($"/api/console/detentions/{number}/dispose", new { disposal = "released" });
        var again = await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "瓶体严重锈蚀", photos = new[] { mine } });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.True((await ErrorsAsync(again)).TryGetProperty("photos", out _));
        Assert.Equal(HttpStatusCode.OK, (await w.Inspector.GetAsync($"/console/detentions/{number}/photos/{mine}")).StatusCode);
        Assert.Equal([mine], (await w.Inspector.GetJsonAsync($"/api/console/detentions/{number}")).GetProperty("photos").EnumerateArray().Select(p => p.GetString()).ToArray());
    }

    [Fact]
    public async Task orders_issued_before_uploads_were_recorded_keep_their_inspectors_photos_but_not_a_complainants()
    {
        var w = await WorldAsync();
        var own = await OwnPhotoAsync(w.Inspector);
        var issued = await w.Inspector.PostAsync("/api/console/detentions", new { cylinderCode = w.Code, hazard = "瓶体严重锈蚀", photos = new[] { own } });
        var number = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("number").GetString()!;
        var complainant = await CylinderTrace.Tests.Infrastructure.MiniProgramClient.SignInAsync(fx.Host, fx.WeChat);
        var upload = await complainant.UploadAsync(CylinderTrace.Tests.Infrastructure.SamplePhotos.Jpeg(Random.Shared.Next(1, 65535)));
        var complainants = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("photoId").GetString()!;
        // As the order would have been stored before migration 0017: both links, no upload records.
        await using (var conn = await fx.Database.OpenAsync())
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO detention_photos (order_id, sha256, position) SELECT id, @complainants, 1 FROM detention_orders WHERE number = @number;
                DELETE u FROM detention_photo_uploads u JOIN detention_orders o ON o.id = u.order_id WHERE o.number = @number;
                """, new { number, complainants });
            var migration = CylinderTrace.Platform.Database.MigrationRunner.Embedded().Single(m => m.Name == "detention_photo_uploads");
            foreach (var statement in CylinderTrace.Platform.Database.MigrationRunner.SplitStatements(migration.Sql))
                await conn.ExecuteAsync(statement);
        }
        Assert.Equal([own], (await w.Inspector.GetJsonAsync($"/api/console/detentions/{number}")).GetProperty("photos").EnumerateArray().Select(p => p.GetString()).ToArray());
        Assert.Equal(HttpStatusCode.OK, (await w.Inspector.GetAsync($"/console/detentions/{number}/photos/{own}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await w.Inspector.GetAsync($"/console/detentions/{number}/photos/{complainants}")).StatusCode);
    }
}
