using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CylinderTrace.Tests.Infrastructure;
using Dapper;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using M = CylinderTrace.Tests.Infrastructure.MiniProgramClient;

namespace CylinderTrace.Tests.MiniProgram;

[Collection(Collections.Apis)]
public sealed class A_resident_uses_the_Mini_Program(WebHostFixture fx)
{
    private Task<M> NewUser(CylinderTraceHost? host = null) => M.SignInAsync(host ?? fx.Host, fx.WeChat);
    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
    private static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;

    [Theory]
    [InlineData(40029, HttpStatusCode.BadRequest, "login-code-invalid")]
    [InlineData(45011, HttpStatusCode.TooManyRequests, "login-rate-limited")]
    [InlineData(40226, HttpStatusCode.Forbidden, "login-refused")]
    [InlineData(-1, HttpStatusCode.ServiceUnavailable, "wechat-unavailable")]
    public async Task and_a_failed_login_says_what_to_do(int errcode, HttpStatusCode status, string code)
    {
        var jsCode = "bad-" + TestData.UniqueCode();
        fx.WeChat.Given(Request.Create().WithPath("/sns/jscode2session").WithParam("js_code", jsCode))
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode, errmsg = "no" }));
        var response = await fx.Host.CreateClient().PostAsJsonAsync("/api/mp/login", new { code = jsCode });
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, Code(await Json(response)));
    }

    [Fact]
    public async Task logs_in_without_ever_seeing_the_session_key_and_can_log_out()
    {
        var user = await NewUser();
        var me = await user.Http.GetAsync("/api/mp/complaints");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync("/api/mp/session")).StatusCode);
        var after = await user.Http.GetAsync("/api/mp/complaints");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("session-required", Code(await Json(after)));
    }

    [Fact]
    public async Task cannot_use_personal_endpoints_without_a_session()
    {
        var anonymous = fx.Host.CreateClient();
        foreach (var url in new[] { "/api/mp/complaints", "/api/mp/complaints/TS20260101-000001", "/api/mp/photos/" + new string('a', 64) })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
        var bogus = fx.Host.CreateClient();
        bogus.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-real-session-token-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, (await bogus.GetAsync("/api/mp/complaints")).StatusCode);
    }

    [Fact]
    public async Task looks_up_a_cylinder_and_the_categories()
    {
        var cylinder = await fx.Data.CylinderAsync();
        var client = fx.Host.CreateClient();
        Assert.Equal(cylinder.Code, (await Json(await client.GetAsync($"/api/mp/cylinders/card?scene={Uri.EscapeDataString("c%3D" + cylinder.Code)}"))).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/mp/cylinders/card?qr=nonsense!")).StatusCode);
        var categories = await Json(await client.GetAsync("/api/mp/complaint-categories"));
        Assert.Equal(13, categories.GetArrayLength());
        Assert.Contains(categories.EnumerateArray(), c => c.GetProperty("code").GetString() == "black_gas" && c.GetProperty("requiresLocation").GetBoolean());
    }

    [Fact]
    public async Task sees_the_leak_safety_advice_before_the_leak_complaint_form_and_the_card_suggests_what_to_complain_about()
    {
        var client = fx.Host.CreateClient();
        var categories = (await Json(await client.GetAsync("/api/mp/complaint-categories"))).EnumerateArray().ToList();
        var leak = categories.Single(c => c.GetProperty("code").GetString() == "valve_leak");
        Assert.Equal("瓶阀、胶管漏气", leak.GetProperty("label").GetString());
        Assert.True(leak.GetProperty("urgent").GetBoolean());
        var advice = leak.GetProperty("safetyAdvice").GetString()!;
        Assert.Equal(CylinderTrace.Cylinders.GasLeakAdvice.Urgent, advice);
        foreach (var step in new[] { "关闭气瓶瓶阀", "打开门窗通风", "严禁开关电灯", "严禁使用明火", "到室外安全处拨打119" })
            Assert.Contains(step, advice);
        // Only a leak is urgent; the others carry no advice to show first.
        Assert.All(categories.Where(c => c.GetProperty("code").GetString() != "valve_leak"), c =>
        {
            Assert.False(c.GetProperty("urgent").GetBoolean());
            Assert.Equal(JsonValueKind.Null, c.GetProperty("safetyAdvice").ValueKind);
        });

        // The card's suggestion is one of these categories, ready to prefill the form.
        var cylinder = await fx.Data.CylinderAsync();
        await fx.Data.FillAsync(cylinder, DateTime.UtcNow.AddHours(-1), stationId: await fx.Data.EnterpriseAsync("filling"));
        var card = await Json(await client.GetAsync($"/api/mp/cylinders/card?code={cylinder.Code}"));
        var suggested = card.GetProperty("status").GetProperty("suggestedComplaintCategory").GetString();
        Assert.Equal("foreign_filled", suggested);
        Assert.Contains(categories, c => c.GetProperty("code").GetString() == suggested);
        Assert.Equal(CylinderTrace.Cylinders.GasLeakAdvice.Line, card.GetProperty("status").GetProperty("gasLeakAdvice").GetString());
    }

    [Fact]
    public async Task files_a_complaint_about_a_cylinder_with_a_photo_and_follows_it()
    {
        var cylinder = await fx.Data.CylinderAsync(lastInspection: DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-5));
        var user = await NewUser();
        var photo = await Json(await user.UploadAsync(SamplePhotos.Jpeg(Random.Shared.Next())));
        var photoId = photo.GetProperty("photoId").GetString()!;

        var complaint = await user.FileOkAsync(M.Complaint("cylinder_overdue", "这个气瓶超期未检，送气工仍然送来", cylinder.Code, phone: "13812345678", photoIds: [photoId]));

        var number = complaint.GetProperty("number").GetString()!;
        Assert.Matches(new Regex(@"^TS\d{8}-\d{6}$"), number);
        Assert.Equal("submitted", complaint.GetProperty("status").GetString());
        Assert.Equal("open", complaint.GetProperty("open311Status").GetString());
        Assert.Equal("138****5678", complaint.GetProperty("contactPhoneMasked").GetString());
        Assert.DoesNotContain("13812345678", complaint.ToString());
        Assert.Equal("inspection_overdue", complaint.GetProperty("cardSnapshot").GetProperty("status").GetProperty("code").GetString());
        Assert.Equal(photoId, complaint.GetProperty("photoIds")[0].GetString());
        Assert.True(complaint.GetProperty("canWithdraw").GetBoolean());
        Assert.Equal("submitted", complaint.GetProperty("timeline")[0].GetProperty("kind").GetString());

        var list = await Json(await user.Http.GetAsync("/api/mp/complaints?page=1&pageSize=10"));
        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.Equal(number, list.GetProperty("items")[0].GetProperty("number").GetString());
        Assert.Equal(number, (await Json(await user.Http.GetAsync($"/api/mp/complaints/{number}"))).GetProperty("number").GetString());

        // The phone is stored protected.
        await using var conn = await fx.Database.OpenAsync();
        var stored = await conn.QuerySingleAsync<byte[]>("SELECT contact_phone_enc FROM complaints WHERE number = @number", new { number });
        Assert.DoesNotContain("13812345678", Encoding.ASCII.GetString(stored));
    }

    [Fact]
    public async Task retries_a_submission_and_gets_the_same_complaint_but_not_with_other_content()
    {
        var user = await NewUser();
        var key = Guid.NewGuid().ToString();
        var first = await user.FileOkAsync(M.Complaint(), key);
        var again = await user.FileAsync(M.Complaint(), key);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.GetProperty("number").GetString(), (await Json(again)).GetProperty("number").GetString());

        var other = await user.FileAsync(M.Complaint(description: "完全不同的另一件事情"), key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("idempotency-key-reused", Code(await Json(other)));
        Assert.Equal(1, (await Json(await user.Http.GetAsync("/api/mp/complaints"))).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task submits_the_same_complaint_twenty_times_at_once_and_exactly_one_is_made()
    {
        var user = await NewUser();
        var key = Guid.NewGuid().ToString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => user.FileAsync(M.Complaint(), key)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var numbers = new HashSet<string>();
        foreach (var r in responses) numbers.Add((await Json(r)).GetProperty("number").GetString()!);
        Assert.Single(numbers);
        await using var conn = await fx.Database.OpenAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaints WHERE idempotency_key = @key", new { key }));
    }

    [Fact]
    public async Task must_give_an_idempotency_key()
    {
        var user = await NewUser();
        var response = await user.Http.PostAsJsonAsync("/api/mp/complaints", M.Complaint());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("idempotency-key-required", Code(await Json(response)));
    }

    [Fact]
    public async Task is_told_field_by_field_what_is_missing_or_wrong()
    {
        var user = await NewUser();
        var response = await user.FileAsync(new
        {
            category = "cylinder_overdue", description = "坏", contactPhone = "12345", districtCode = "110101",
            photoIds = Enumerable.Range(0, 7).Select(i => new string((char)('a' + i), 64)).ToArray(),
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Json(response)).GetProperty("errors");
        foreach (var field in new[] { "description", "cylinderCode", "contactPhone", "districtCode", "photoIds" })
            Assert.True(errors.TryGetProperty(field, out _), field + " missing in " + errors);

        var unknown = await user.FileAsync(new { category = "nope", description = "有人在小区里卖气" });
        Assert.True((await Json(unknown)).GetProperty("errors").TryGetProperty("category", out _));
        var noPlace = await user.FileAsync(new { category = "black_gas", description = "有人开面包车卖气" });
        Assert.True((await Json(noPlace)).GetProperty("errors").TryGetProperty("location", out _));
        var notJson = await user.Http.PostAsync("/api/mp/complaints", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task cannot_attach_someone_elses_photo()
    {
        var alice = await NewUser();
        var bob = await NewUser();
        var photoId = (await Json(await alice.UploadAsync(SamplePhotos.Png()))).GetProperty("photoId").GetString()!;
        var response = await bob.FileAsync(M.Complaint(photoIds: [photoId]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Json(response)).GetProperty("errors").TryGetProperty("photoIds", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.GetAsync($"/api/mp/photos/{photoId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.Http.GetAsync($"/api/mp/photos/{photoId}")).StatusCode);
    }

    [Fact]
    public async Task sees_only_their_own_complaints()
    {
        var alice = await NewUser();
        var bob = await NewUser();
        var number = (await alice.FileOkAsync(M.Complaint())).GetProperty("number").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.GetAsync($"/api/mp/complaints/{number}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.PostAsync($"/api/mp/complaints/{number}/withdraw", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.PostAsJsonAsync($"/api/mp/complaints/{number}/rating", new { score = 1 })).StatusCode);
        Assert.Equal(0, (await Json(await bob.Http.GetAsync("/api/mp/complaints"))).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task withdraws_before_it_is_worked_on_and_rates_it_once_resolved()
    {
        var user = await NewUser();
        var a = (await user.FileOkAsync(M.Complaint())).GetProperty("number").GetString()!;
        Assert.Equal(HttpStatusCode.Conflict, (await user.Http.PostAsJsonAsync($"/api/mp/complaints/{a}/rating", new { score = 5 })).StatusCode);
        var withdrawn = await Json(await user.Http.PostAsync($"/api/mp/complaints/{a}/withdraw", null));
        Assert.Equal("withdrawn", withdrawn.GetProperty("status").GetString());
        var timeline = withdrawn.GetProperty("timeline");
        Assert.Equal("withdrawn", timeline[timeline.GetArrayLength() - 1].GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await user.Http.PostAsync($"/api/mp/complaints/{a}/withdraw", null)).StatusCode);

        var b = (await user.FileOkAsync(M.Complaint(description: "第二件事：气瓶漏气"))).GetProperty("number").GetString()!;
        await using (var conn = await fx.Database.OpenAsync())
            await conn.ExecuteAsync("UPDATE complaints SET status = 'resolved', public_reply = '已责令整改' WHERE number = @b", new { b });
        Assert.Equal(HttpStatusCode.Conflict, (await user.Http.PostAsync($"/api/mp/complaints/{b}/withdraw", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.Http.PostAsJsonAsync($"/api/mp/complaints/{b}/rating", new { score = 6 })).StatusCode);
        var rated = await Json(await user.Http.PostAsJsonAsync($"/api/mp/complaints/{b}/rating", new { score = 4, comment = "处理及时" }));
        Assert.Equal(4, rated.GetProperty("rating").GetInt32());
        Assert.False(rated.GetProperty("canRate").GetBoolean());
        Assert.Equal("已责令整改", rated.GetProperty("publicReply").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await user.Http.PostAsJsonAsync($"/api/mp/complaints/{b}/rating", new { score = 1 })).StatusCode);
    }

    [Fact]
    public async Task is_rate_limited_with_a_clear_429_but_never_on_a_retry()
    {
        // The limit counts in fixed hourly windows: on a clock that stands still the test cannot straddle two.
        await using var strict = fx.AnotherInstance(new Dictionary<string, string?> { ["MiniProgram:ComplaintsPerUserPerHour"] = "2" },
            clock: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow));
        var user = await NewUser(strict);
        var key = Guid.NewGuid().ToString();
        await user.FileOkAsync(M.Complaint(), key);
        await user.FileOkAsync(M.Complaint(description: "第二件：送气工无证上岗"));
        var third = await user.FileAsync(M.Complaint(description: "第三件：气瓶没有二维码"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("rate-limited", Code(await Json(third)));
        Assert.Equal(HttpStatusCode.Created, (await user.FileAsync(M.Complaint(), key)).StatusCode);
    }

    [Fact]
    public async Task has_risky_text_refused_when_screening_is_on()
    {
        fx.WeChat.Given(Request.Create().WithPath("/cgi-bin/stable_token").UsingPost())
            .RespondWith(Response.Create().WithBodyAsJson(new { access_token = "mp-token", expires_in = 7200 }));
        fx.WeChat.Given(Request.Create().WithPath("/wxa/msg_sec_check").UsingPost())
            .RespondWith(Response.Create().WithBodyAsJson(new { errcode = 0, errmsg = "ok", result = new { suggest = "risky", label = 20001 } }));
        await using var screening = fx.AnotherInstance(new Dictionary<string, string?> { ["MiniProgram:ScreenContent"] = "true" });
        var user = await NewUser(screening);
        var response = await user.FileAsync(M.Complaint());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("content-risky", Code(await Json(response)));
    }

    [Fact]
    public async Task uploads_photos_that_lose_their_location_and_cannot_disguise_other_files()
    {
        var user = await NewUser();
        foreach (var (bytes, type) in new[] { (SamplePhotos.Jpeg(7), "image/jpeg"), (SamplePhotos.Png(), "image/png"), (SamplePhotos.WebP(), "image/jpeg") })
        {
            var uploaded = await user.UploadAsync(bytes);
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
            var id = (await Json(uploaded)).GetProperty("photoId").GetString()!;
            var served = await user.Http.GetAsync($"/api/mp/photos/{id}");
            Assert.Equal(type, served.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain(SamplePhotos.Secret, Encoding.ASCII.GetString(await served.Content.ReadAsByteArrayAsync()));
        }
        var disguised = await user.UploadAsync(Encoding.UTF8.GetBytes("#!/bin/sh\nrm -rf /\n"), "photo.jpg", "image/jpeg");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, disguised.StatusCode);
        Assert.Equal("photo-type-unsupported", Code(await Json(disguised)));
        var huge = new byte[9 * 1024 * 1024];
        SamplePhotos.Jpeg().CopyTo(huge, 0);
        var tooBig = await user.UploadAsync(huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        var notMultipart = await user.Http.PostAsync("/api/mp/photos", new StringContent("x"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notMultipart.StatusCode);
        Assert.Equal("application/problem+json", notMultipart.Content.Headers.ContentType?.MediaType);
        var noFile = await user.Http.PostAsync("/api/mp/photos", new MultipartFormDataContent { { new StringContent("x"), "note" } });
        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.Equal("photo-required", Code(await Json(noFile)));
    }

    [Fact]
    public async Task loses_the_connection_mid_submission_and_the_complaint_exists_whole_or_not_at_all()
    {
        await using var host = fx.AnotherInstance(new Dictionary<string, string?> { ["MiniProgram:ComplaintsPerUserPerHour"] = "1000" });
        var user = await NewUser(host);
        var photoId = (await Json(await user.UploadAsync(SamplePhotos.Jpeg(99)))).GetProperty("photoId").GetString()!;
        var keys = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            var key = Guid.NewGuid().ToString();
            keys.Add(key);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(i % 8));
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/mp/complaints") { Content = JsonContent.Create(M.Complaint(photoIds: [photoId])) };
            request.Headers.Add("Idempotency-Key", key);
            try { await user.Http.SendAsync(request, cts.Token); }
            catch (OperationCanceledException) { }
        }
        // The server finishes (commits or rolls back) each request its client abandoned before we look.
        await Eventually.HoldsAsync(() => host.InFlight.Count == 0, "the interrupted submissions to finish on the server");
        await using var conn = await fx.Database.OpenAsync();
        var made = 0;
        foreach (var key in keys)
        {
            var id = await conn.ExecuteScalarAsync<long?>("SELECT id FROM complaints WHERE idempotency_key = @key", new { key });
            if (id is null) continue;
            made++;
            Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_events WHERE complaint_id = @id AND kind = 'submitted'", new { id }));
            Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM complaint_photos WHERE complaint_id = @id", new { id }));
        }
        System.Console.WriteLine($"connection-loss probe: {made} of {keys.Count} interrupted submissions were committed");
        // Retrying every one of them afterwards gives exactly one complaint per key.
        foreach (var key in keys) Assert.Equal(HttpStatusCode.Created, (await user.FileAsync(M.Complaint(photoIds: [photoId]), key)).StatusCode);
        Assert.Equal(keys.Count, (await Json(await user.Http.GetAsync("/api/mp/complaints?pageSize=100"))).GetProperty("total").GetInt64());
    }
}
